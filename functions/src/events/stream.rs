//! DynamoDB Streams records → changes, for the fan-out Lambda. The event is decoded by
//! `aws_lambda_events`, its images by the DynamoDB adapter.

use super::{change_from_images, deliver, mail};
use crate::adapters::ses::SesEmail;
use crate::config::Config;
use crate::domain::AppState;
use crate::domain::ports::Realtime;
use crate::domain::ports::{Email, Sms};
use crate::store::Change;
use crate::store::Store;
use crate::store::changes::Committed;
use crate::store::dynamodb::from_stream_image;
use anyhow::Context as _;
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::LambdaEvent;
use shared::BusinessId;
use shared::model::MassStatus;
use std::sync::Arc;

/// The change one stream record carries (none for a record with neither image).
fn change_of(
    record: aws_lambda_events::event::dynamodb::EventRecord,
) -> anyhow::Result<Option<Change>> {
    let old = from_stream_image(record.change.old_image)?;
    let new = from_stream_image(record.change.new_image)?;
    Ok(change_from_images(old, new))
}

/// The changes of a stream event, in order.
pub fn changes_from_event(event: Event) -> anyhow::Result<Vec<Change>> {
    let mut changes = Vec::with_capacity(event.records.len());
    for record in event.records {
        changes.extend(change_of(record)?);
    }
    Ok(changes)
}

/// Runs `each` on the change of each record of a batch, in order, and answers which record to
/// retry from (Lambda's `ReportBatchItemFailures`): the first one that could not be read or
/// whose `each` failed. The records before it are done and are not delivered again; the ones
/// after it wait, so changes are still handled in the order they were committed.
pub async fn each_record<F, Fut>(event: Event, mut each: F) -> DynamoDbEventResponse
where
    F: FnMut(Change) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let sequence = record.change.sequence_number.clone();
        let done = match change_of(record) {
            Ok(Some(change)) => each(change).await,
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            tracing::error!(error = ?e, ?sequence, "a change failed: the batch is retried from it");
            let mut failure = DynamoDbBatchItemFailure::default();
            // Without a sequence number the whole batch is retried.
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

/// The mass message whose next step a change calls for: its record was written and it is not
/// done yet.
pub fn mass_step_due(change: &Change) -> Option<(BusinessId, String)> {
    match Committed::decode(change).ok()? {
        Committed::MassMessage {
            business,
            id,
            after: Some(record),
        } => (record.job.status != MassStatus::Done).then_some((business, id)),
        _ => None,
    }
}

pub struct Handler {
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    email: Arc<dyn Email>,
    blobs: Arc<dyn crate::domain::ports::Blobs>,
    state: AppState,
    managers: super::Managers,
    sms: Arc<dyn Sms>,
    pace: super::texts::Pace,
}

impl Handler {
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let (store, realtime) = crate::lambda::aws_ports(config).await?;
        let tokens = crate::domain::Tokens::new(config.jwt_secret.expose().as_bytes())?;
        let from = config.mail_from.clone().with_context(|| {
            format!(
                "{} is not set: the address emails are sent from",
                crate::config::MAIL_FROM
            )
        })?;
        let email = Arc::new(SesEmail::new(config.ses_endpoint.as_deref(), from).await);
        let blobs = crate::lambda::aws_blobs(config).await?;
        let sms = crate::lambda::aws_sms(config).await;
        Ok(Self {
            email,
            state: crate::domain::assemble_with(
                store.clone(),
                realtime.clone(),
                blobs.clone(),
                tokens,
                &config.site_url,
                Arc::new(crate::adapters::limits::MemoryLimits::default()),
                sms.clone(),
            ),
            sms,
            pace: super::texts::Pace::default(),
            blobs,
            store,
            realtime,
            managers: super::Managers::default(),
        })
    }

    /// Handles every change of the batch in order (`each_record`): sends the emails the outbox
    /// gained, the texts due, deletes the objects of uploads that are gone, moves every mass
    /// message whose record changed one batch of recipients on (that step's own write is the
    /// record that triggers the next), and last delivers the change to the apps. A change that
    /// fails is retried from (bisecting) and finally goes to the dead-letter queue; repeated
    /// steps send nothing twice, an email is claimed before it is sent (a refused one is marked
    /// failed with SES's reason, not retried), and delivery fails only before it reached anyone,
    /// so a retried record never sends anything again.
    pub async fn handle(
        &self,
        event: LambdaEvent<Event>,
    ) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
        Ok(each_record(event.payload, |change| self.on_change(change)).await)
    }

    async fn on_change(&self, change: Change) -> anyhow::Result<()> {
        let committed = Committed::decode(&change)?;
        mail::send_due(&*self.store, &*self.email, &committed).await?;
        super::texts::send_due(&*self.store, &*self.sms, &self.pace, &committed).await?;
        super::files::delete_due(&*self.store, &*self.blobs, &committed).await?;
        if let Some((b, job)) = mass_step_due(&change) {
            self.state.mass.mass_step(b, &job).await?;
        }
        deliver(&*self.store, &*self.realtime, &self.managers, &change).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn changes_from(event: &Value) -> anyhow::Result<Vec<Change>> {
        changes_from_event(serde_json::from_value(event.clone())?)
    }

    /// A DynamoDB Streams event as Lambda delivers it (NEW_AND_OLD_IMAGES).
    fn event() -> Value {
        json!({"Records": [
            {"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
             "dynamodb": {"Keys": {"pk": {"S": "B#x#C#y"}, "sk": {"S": "M#01"}},
                          "NewImage": {"pk": {"S": "B#x#C#y"}, "sk": {"S": "M#01"}, "v": {"N": "1"}, "d": {"S": "{\"body\":\"hi\"}"}},
                          "StreamViewType": "NEW_AND_OLD_IMAGES", "SequenceNumber": "111", "SizeBytes": 26}},
            {"eventID": "2", "eventName": "MODIFY", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
             "dynamodb": {"Keys": {"pk": {"S": "B#x#U#z"}, "sk": {"S": "MEM#y"}},
                          "OldImage": {"pk": {"S": "B#x#U#z"}, "sk": {"S": "MEM#y"}, "v": {"N": "1"}, "d": {"S": "{}"}},
                          "NewImage": {"pk": {"S": "B#x#U#z"}, "sk": {"S": "MEM#y"}, "v": {"N": "2"}, "ttl": {"N": "1900000000"}, "d": {"S": "{\"n\":2}"}},
                          "StreamViewType": "NEW_AND_OLD_IMAGES", "SequenceNumber": "112", "SizeBytes": 40}},
            {"eventID": "3", "eventName": "REMOVE", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
             "dynamodb": {"Keys": {"pk": {"S": "B#x#U#z"}, "sk": {"S": "ACT#a#y"}},
                          "OldImage": {"pk": {"S": "B#x#U#z"}, "sk": {"S": "ACT#a#y"}, "v": {"N": "1"}, "d": {"S": "{}"}},
                          "StreamViewType": "NEW_AND_OLD_IMAGES", "SequenceNumber": "113", "SizeBytes": 20}}
        ]})
    }

    #[test]
    fn stream_records_become_changes_in_order() {
        let changes = changes_from(&event()).expect("decode");
        assert_eq!(changes.len(), 3);
        let insert = &changes[0];
        assert_eq!((insert.sk.as_str(), insert.old.is_none()), ("M#01", true));
        assert_eq!(
            insert.new.as_ref().map(|i| i.data["body"].clone()),
            Some(json!("hi"))
        );
        let modify = &changes[1];
        let new = modify.new.as_ref().expect("new image");
        assert_eq!(
            (
                modify.old.as_ref().map(|i| i.version),
                new.version,
                new.expires_at
            ),
            (Some(1), 2, Some(1_900_000_000))
        );
        let remove = &changes[2];
        assert_eq!(
            (
                remove.sk.as_str(),
                remove.new.is_none(),
                remove.old.is_some()
            ),
            ("ACT#a#y", true, true)
        );
    }

    #[tokio::test]
    async fn a_batch_is_retried_from_the_record_that_failed() {
        let batch: Event = serde_json::from_value(event()).expect("event");
        let mut seen = Vec::new();
        let response = each_record(batch, |change| {
            seen.push(change.sk.clone());
            let failed = change.sk.starts_with("MEM#");
            async move {
                match failed {
                    true => Err(anyhow::anyhow!("the store is away")),
                    false => Ok(()),
                }
            }
        })
        .await;
        // The first went through; the second failed and is where the retry starts; the third
        // waits for it.
        assert_eq!(seen, ["M#01", "MEM#y"]);
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_deref())
            .collect();
        assert_eq!(failed, [Some("112")]);
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            json!({"batchItemFailures": [{"itemIdentifier": "112"}]})
        );

        let batch: Event = serde_json::from_value(event()).expect("event");
        let response = each_record(batch, |_| async { Ok(()) }).await;
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            json!({"batchItemFailures": []})
        );
    }

    #[tokio::test]
    async fn an_unreadable_record_is_where_the_retry_starts() {
        let mut broken = event();
        broken["Records"][1]["dynamodb"]["NewImage"] = json!({"pk": {"S": "p"}});
        let batch: Event = serde_json::from_value(broken).expect("event");
        let mut seen = 0;
        let response = each_record(batch, |_| {
            seen += 1;
            async { Ok(()) }
        })
        .await;
        assert_eq!(seen, 1);
        assert_eq!(
            response.batch_item_failures[0].item_identifier.as_deref(),
            Some("112")
        );
    }

    #[test]
    fn a_malformed_record_is_an_error_not_a_panic() {
        assert!(changes_from(&json!({})).is_err());
        let bad = json!({"Records": [{"eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
            "dynamodb": {"NewImage": {"pk": {"S": "p"}}, "SizeBytes": 1}}]});
        assert!(changes_from(&bad).is_err());
    }
}
