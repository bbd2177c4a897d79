//! The `messages` function: serves the messages area of the HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sideline_functions::lambda::serve_area(sideline_functions::http::messages::routes).await
}
