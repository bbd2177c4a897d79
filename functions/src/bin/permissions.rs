//! The `permissions` function: serves the permissions area of the HTTP API (messaging modes,
//! groups and their members).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sideline_functions::lambda::serve_area(sideline_functions::http::permissions::routes).await
}
