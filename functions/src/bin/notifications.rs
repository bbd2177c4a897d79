//! The `notifications` function: serves the notifications area of the HTTP API (each person's
//! notification settings, and what notifies them of each conversation).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sideline_functions::lambda::serve_area(sideline_functions::http::notifications::routes).await
}
