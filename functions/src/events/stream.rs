//! DynamoDB Streams records → changes, for the fan-out Lambda. The images arrive in the
//! stream's JSON form (`{"S": "..."}`, `{"N": "..."}`); this reads the four attributes the
//! store writes.

use super::{change_from_images, deliver};
use crate::adapters::apigateway::ApiGatewayRealtime;
use crate::config::Config;
use crate::domain::{Services, auth::Tokens};
use crate::store::dynamodb::{DynamoStore, TTL_ATTRIBUTE};
use crate::store::repo::{self, MassRecord};
use crate::store::{Change, Item, Store};
use anyhow::Context as _;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use shared::BusinessId;
use shared::model::MassStatus;
use std::sync::Arc;

/// One stream image as an item.
pub fn item_from_image(image: &Value) -> anyhow::Result<Item> {
    let s = |k: &str| {
        image
            .get(k)
            .and_then(|v| v.get("S"))
            .and_then(Value::as_str)
            .with_context(|| format!("image without {k}"))
    };
    let n = |k: &str| {
        image
            .get(k)
            .and_then(|v| v.get("N"))
            .and_then(Value::as_str)
            .and_then(|n| n.parse::<i64>().ok())
    };
    Ok(Item {
        pk: s("pk")?.to_owned(),
        sk: s("sk")?.to_owned(),
        version: n("v").and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
        expires_at: n(TTL_ATTRIBUTE),
        data: serde_json::from_str(s("d")?).context("decoding an image's record")?,
    })
}

/// The changes of a stream event, in order.
pub fn changes_from_event(event: &Value) -> anyhow::Result<Vec<Change>> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .context("a stream event without Records")?;
    let mut changes = Vec::with_capacity(records.len());
    for record in records {
        let d = record
            .get("dynamodb")
            .context("a record without dynamodb")?;
        let old = d.get("OldImage").map(item_from_image).transpose()?;
        let new = d.get("NewImage").map(item_from_image).transpose()?;
        changes.extend(change_from_images(old, new));
    }
    Ok(changes)
}

/// The mass message whose next step a change calls for: its record was written and it is not
/// done yet.
pub fn mass_step_due(change: &Change) -> Option<(BusinessId, String)> {
    let (b, id) = crate::domain::mass::job_of(change)?;
    let record = repo::decode::<MassRecord>(change.new.as_ref()?).ok()?;
    (record.value.job.status != MassStatus::Done).then_some((b, id))
}

pub struct Handler {
    services: Services,
    realtime: ApiGatewayRealtime,
}

impl Handler {
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let client = DynamoStore::client_from_env(config.dynamodb_endpoint.as_deref()).await;
        let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, config.table.clone()));
        let endpoint = config
            .websocket_endpoint
            .as_deref()
            .context("SIDELINE_WS_ENDPOINT is not set")?;
        let realtime = ApiGatewayRealtime::new(endpoint, store.clone()).await;
        let services = Services {
            store,
            tokens: Tokens::new(config.jwt_secret.as_bytes())?,
        };
        Ok(Self { services, realtime })
    }

    /// Delivers every change of the batch, and moves every mass message whose record changed
    /// one batch of recipients on (that step's own write is the record that triggers the
    /// next). An error fails the batch, which the event source mapping retries (bisecting)
    /// and finally sends to the dead-letter queue; repeated steps send nothing twice.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<(), lambda_runtime::Error> {
        for change in changes_from_event(&event.payload)? {
            deliver(&*self.services.store, &self.realtime, &change).await?;
            if let Some((b, job)) = mass_step_due(&change) {
                self.services.mass_step(b, &job).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let changes = changes_from_event(&event()).expect("decode");
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

    #[test]
    fn a_malformed_record_is_an_error_not_a_panic() {
        assert!(changes_from_event(&json!({})).is_err());
        let bad = json!({"Records": [{"dynamodb": {"NewImage": {"pk": {"S": "p"}}}}]});
        assert!(changes_from_event(&bad).is_err());
    }
}
