//! The `sms` function: texts that arrive, and the delivery receipts of texts sent. Subscribed
//! to the inbound topic End User Messaging delivers each business number's texts to; each SNS
//! message is checked (SNS's signature) and its text acted on once. And to SNS's SMS delivery
//! logs (a CloudWatch Logs subscription): each text's message shows delivered, or failed with
//! the carrier's reason. A store error fails the invocation, which is retried; a message that
//! is not SNS's is dropped.

use sideline_functions::config::Config;
use sideline_functions::events::inbound::{
    self, CertificateSource, Certificates, Outcome, SnsEvent,
};
use sideline_functions::events::receipts::{self, LogsEvent};
use sideline_functions::events::texts;
use sideline_functions::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    let state = lambda::aws_services(&config).await?;
    // Receipts write to the store alone.
    let (store, _) = lambda::aws_ports(&config).await?;
    let certificates = Certificates::new(match &config.sns_certificate_file {
        Some(file) => CertificateSource::File(file.into()),
        None => CertificateSource::Sns,
    });
    let (state, certificates, store) = (&state, &certificates, &store);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
            // Delivery receipts come from the SMS delivery logs' subscription; texts that
            // arrive, from the inbound topic.
            if event.payload.get("awslogs").is_some() {
                let logs: LogsEvent = serde_json::from_value(event.payload)?;
                for r in receipts::decode(&logs)? {
                    let ours =
                        texts::receipt(&**store, &r.provider_id, r.delivered, r.response)
                            .await?;
                    tracing::info!(text = %r.provider_id, delivered = r.delivered, ours, "a delivery receipt");
                }
                return Ok::<(), lambda_runtime::Error>(());
            }
            let sns: SnsEvent = serde_json::from_value(event.payload)?;
            for record in sns.records {
                match inbound::receive(state, certificates, &record.sns).await? {
                    Outcome::Refused(why) => {
                        tracing::warn!(why, message = %record.sns.message_id, "an inbound message refused");
                    }
                    Outcome::Ignored => {}
                    Outcome::Received(what) => {
                        tracing::info!(?what, message = %record.sns.message_id, "an inbound text");
                    }
                }
            }
            Ok::<(), lambda_runtime::Error>(())
        },
    ))
    .await
}
