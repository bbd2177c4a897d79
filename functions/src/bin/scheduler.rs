//! The `scheduler` function: run every minute by an EventBridge schedule, it does the work due
//! by then (scheduled messages, digests, summaries, "needs attention", kept texting numbers
//! given back).

use sideline_functions::{config::Config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    // A number kept since texting was turned off goes back to End User Messaging.
    let sms = lambda::aws_sms(&config).await;
    let services = lambda::aws_services_with(&config, sms).await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        |_tick: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let services = services.clone();
            async move {
                let ran = services
                    .scheduler
                    .run_due(time::OffsetDateTime::now_utc())
                    .await
                    .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
                Ok::<_, lambda_runtime::Error>(serde_json::json!({ "ran": ran }))
            }
        },
    ))
    .await
}
