//! Building blocks of the Lambda binaries: adapters from the environment, the area routers.

use crate::adapters::apigateway::ApiGatewayRealtime;
use crate::config::Config;
use crate::domain::ports::Realtime;
use crate::domain::{AppState, auth::Tokens};
use crate::store::Store;
use crate::store::dynamodb::DynamoStore;
use anyhow::Context as _;
use std::sync::Arc;

/// Logs as JSON lines without ANSI colours, as CloudWatch wants.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(false)
        .without_time()
        .try_init();
}

/// The ports on AWS: DynamoDB, and API Gateway WebSocket for realtime, configured from the
/// environment.
pub async fn aws_ports(config: &Config) -> anyhow::Result<(Arc<dyn Store>, Arc<dyn Realtime>)> {
    let client = DynamoStore::client_from_env(config.dynamodb_endpoint.as_deref()).await;
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, config.table.clone()));
    let endpoint = config
        .websocket_endpoint
        .as_deref()
        .with_context(|| format!("{} is not set", crate::config::WS_ENDPOINT))?;
    let realtime = Arc::new(ApiGatewayRealtime::new(endpoint, store.clone()).await);
    Ok((store, realtime))
}

/// The Blobs port on AWS: the media bucket.
pub async fn aws_blobs(config: &Config) -> anyhow::Result<Arc<dyn crate::domain::ports::Blobs>> {
    let bucket = config
        .media_bucket
        .clone()
        .with_context(|| format!("{} is not set", crate::config::MEDIA_BUCKET))?;
    Ok(Arc::new(
        crate::adapters::s3::S3Blobs::new(bucket, config.s3_endpoint.as_deref()).await?,
    ))
}

/// The Sms port on AWS: End User Messaging SMS and SNS.
pub async fn aws_sms(config: &Config) -> Arc<dyn crate::domain::ports::Sms> {
    Arc::new(
        crate::adapters::eum::AwsSms::new(
            config.sms_number.clone().unwrap_or_default(),
            config.sms_inbound_topic.clone(),
            config.sms_voice_endpoint.as_deref(),
            config.sns_endpoint.as_deref(),
        )
        .await,
    )
}

/// Services over the AWS ports; texting's numbers are managed by the `clients` function and
/// texts sent by the stream's (each links End User Messaging only where it calls it).
pub async fn aws_services(config: &Config) -> anyhow::Result<AppState> {
    aws_services_with(config, Arc::new(crate::adapters::phone::Elsewhere)).await
}

/// [`aws_services`] with texting's adapter given.
pub async fn aws_services_with(
    config: &Config,
    sms: Arc<dyn crate::domain::ports::Sms>,
) -> anyhow::Result<AppState> {
    let (store, realtime) = aws_ports(config).await?;
    let blobs = aws_blobs(config).await?;
    // Rate limits count in the store: every Lambda sees the same counts.
    let limits = Arc::new(crate::adapters::limits::StoreLimits::new(store.clone()));
    Ok(crate::domain::assemble_with(
        store,
        realtime,
        blobs,
        Tokens::new(config.jwt_secret.expose().as_bytes())?,
        &config.site_url,
        limits,
        sms,
    ))
}

/// Runs one area's routes (`http::<area>::routes`) as a Lambda function behind the HTTP API.
/// Named directly, not looked up, so each function's binary holds only its own area's
/// handlers and what they call (the zips stay well under Lambda's limit as areas grow).
pub async fn serve_area(routes: crate::http::Routes) -> Result<(), lambda_http::Error> {
    init_tracing();
    let config = Config::from_env()?;
    let state = aws_services(&config).await?;
    lambda_http::run(crate::http::area_router(routes, state)).await
}

/// [`serve_area`] for the area that manages texting's numbers and registrations.
pub async fn serve_texting_area(routes: crate::http::Routes) -> Result<(), lambda_http::Error> {
    init_tracing();
    let config = Config::from_env()?;
    let sms = aws_sms(&config).await;
    let state = aws_services_with(&config, sms).await?;
    lambda_http::run(crate::http::area_router(routes, state)).await
}

/// Runs one area's routes and a consumer of the table's stream in one function (the
/// `notifications` function: its HTTP API routes, and what the stream's changes notify). An
/// event with `Records` is a batch of the stream (a failure fails the batch, which the event
/// source mapping retries); anything else is an HTTP API request.
pub async fn serve_area_and_stream<F, Fut>(
    routes: crate::http::Routes,
    on_change: F,
) -> Result<(), lambda_runtime::Error>
where
    F: Fn(AppState, crate::store::Change) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    use tower::ServiceExt as _;
    init_tracing();
    let config = Config::from_env()?;
    let state = aws_services(&config).await?;
    let router = crate::http::area_router(routes, state.clone());
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let (router, state, on_change) = (router.clone(), state.clone(), on_change.clone());
            async move {
                let lambda_runtime::LambdaEvent { payload, context } = event;
                if payload.get("Records").is_some() {
                    let batch: aws_lambda_events::event::dynamodb::Event =
                        serde_json::from_value(payload)?;
                    let response = crate::events::stream::each_record(batch, |change| {
                        on_change(state.clone(), change)
                    })
                    .await;
                    return Ok::<_, lambda_runtime::Error>(serde_json::to_value(response)?);
                }
                let request: lambda_http::request::LambdaRequest = serde_json::from_value(payload)?;
                let adapter = lambda_http::Adapter::from(router);
                let response = adapter
                    .oneshot(lambda_runtime::LambdaEvent::new(request, context))
                    .await?;
                Ok(serde_json::to_value(response)?)
            }
        },
    ))
    .await
}
