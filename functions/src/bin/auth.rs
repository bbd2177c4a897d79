//! The `auth` function: serves the auth area of the HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sideline_functions::lambda::serve_area(sideline_functions::http::auth::routes).await
}
