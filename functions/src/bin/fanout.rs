//! The `fanout` function: consumes the table's stream and delivers realtime events.

use sideline_functions::{config::Config, events::stream, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    let handler = stream::Handler::from_config(&config).await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handler.handle(event))).await
}
