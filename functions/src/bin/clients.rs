//! The `clients` function: serves the clients area of the HTTP API (with texting's numbers
//! and registrations, on End User Messaging SMS).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sideline_functions::lambda::serve_texting_area(sideline_functions::http::clients::routes).await
}
