//! The `realtime` function: the WebSocket API's `$connect`, `$disconnect` and `$default` routes.

use sideline_functions::{config::Config, http::realtime::apigateway_router, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    let state = lambda::aws_services(&config).await?;
    lambda_http::run(apigateway_router(state)).await
}
