//! The `sms` function: texts that arrive. Subscribed to the inbound topic End User Messaging
//! delivers each business number's texts to; each SNS message is checked (SNS's signature)
//! and its text acted on once. A store error fails the invocation, which SNS retries; a
//! message that is not SNS's is dropped.

use sideline_functions::config::Config;
use sideline_functions::events::inbound::{
    self, CertificateSource, Certificates, Outcome, SnsEvent,
};
use sideline_functions::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    let state = lambda::aws_services(&config).await?;
    let certificates = Certificates::new(match &config.sns_certificate_file {
        Some(file) => CertificateSource::File(file.into()),
        None => CertificateSource::Sns,
    });
    let (state, certificates) = (&state, &certificates);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SnsEvent>| async move {
            for record in event.payload.records {
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
