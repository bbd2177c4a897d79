//! DynamoDB Streams records → changes, for the fan-out Lambda. The images arrive in the
//! stream's JSON form (`{"S": "..."}`, `{"N": "..."}`); this reads the four attributes the
//! store writes.

use super::{change_from_images, deliver};
use crate::adapters::apigateway::ApiGatewayRealtime;
use crate::config::Config;
use crate::store::dynamodb::{DynamoStore, TTL_ATTRIBUTE};
use crate::store::{Change, Item, Store};
use anyhow::Context as _;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
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

pub struct Handler {
    store: Arc<dyn Store>,
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
        Ok(Self { store, realtime })
    }

    /// Delivers every change of the batch; an error fails the batch, which the event source
    /// mapping retries (bisecting) and finally sends to the dead-letter queue.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<(), lambda_runtime::Error> {
        for change in changes_from_event(&event.payload)? {
            deliver(&*self.store, &self.realtime, &change).await?;
        }
        Ok(())
    }
}
