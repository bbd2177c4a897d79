//! The DynamoDB adapter: one table, `pk` (S) + `sk` (S); the record is stored as JSON text in
//! `d`, the version in `v`, the expiry in `ttl` (the table's TTL attribute). Attribute mapping
//! lives only in this file.

use super::*;
use anyhow::Context as _;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, KeySchemaElement,
    KeyType, Put, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TransactWriteItem,
};
use std::collections::HashMap;

pub type Attrs = HashMap<String, AttributeValue>;

/// The attribute the table's TTL is set on.
pub const TTL_ATTRIBUTE: &str = "ttl";

pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table it stores in.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Builds a client from the environment; `endpoint` overrides the service URL (DynamoDB
    /// Local in tests and local runs).
    pub async fn client_from_env(endpoint: Option<&str>) -> Client {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(url) = endpoint {
            loader = loader.endpoint_url(url);
        }
        Client::new(&loader.load().await)
    }

    /// Creates the table as the deployment template does: keys, on-demand billing, a stream
    /// with new and old images, TTL on `ttl`. Returns the stream ARN. For local runs and tests.
    pub async fn create_table(client: &Client, table: &str) -> anyhow::Result<Option<String>> {
        Self::create_table_streaming(client, table, true).await
    }

    /// [`DynamoStore::create_table`], with a change stream or without one: for a test whose
    /// changes reach the workers in process. DynamoDB Local keeps every stream record it was
    /// ever given, and each one slows every later write a little, whatever table it is on.
    pub async fn create_table_streaming(
        client: &Client,
        table: &str,
        stream: bool,
    ) -> anyhow::Result<Option<String>> {
        let out = client
            .create_table()
            .table_name(table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("sk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("sk")
                    .key_type(KeyType::Range)
                    .build()?,
            )
            .billing_mode(BillingMode::PayPerRequest)
            .set_stream_specification(
                stream
                    .then(|| {
                        StreamSpecification::builder()
                            .stream_enabled(true)
                            .stream_view_type(StreamViewType::NewAndOldImages)
                            .build()
                    })
                    .transpose()?,
            )
            .send()
            .await
            .with_context(|| format!("creating table {table}"))?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()?,
            )
            .send()
            .await
            .context("enabling TTL")?;
        Ok(out
            .table_description()
            .and_then(|d| d.latest_stream_arn())
            .map(str::to_owned))
    }

    fn key(pk: &str, sk: &str) -> Attrs {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ])
    }
}

/// An item as DynamoDB attributes.
pub fn to_attrs(item: &Item) -> Result<Attrs, StoreError> {
    let mut m = Self_::key(&item.pk, &item.sk);
    m.insert("v".into(), AttributeValue::N(item.version.to_string()));
    m.insert(
        "d".into(),
        AttributeValue::S(serde_json::to_string(&item.data).context("encoding an item")?),
    );
    if let Some(ttl) = item.expires_at {
        m.insert(TTL_ATTRIBUTE.into(), AttributeValue::N(ttl.to_string()));
    }
    Ok(m)
}

type Self_ = DynamoStore;

/// DynamoDB attributes (from a read or a stream image) as an item.
pub fn from_attrs(m: &Attrs) -> Result<Item, StoreError> {
    let s = |k: &str| -> Result<&String, StoreError> {
        m.get(k)
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("item without {k}")))
    };
    let n = |k: &str| -> Option<i64> {
        m.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
    };
    Ok(Item {
        pk: s("pk")?.clone(),
        sk: s("sk")?.clone(),
        version: n("v").and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
        expires_at: n(TTL_ATTRIBUTE),
        data: serde_json::from_str(s("d")?).context("decoding an item")?,
    })
}

/// The condition expression and its values for one write.
fn condition(cond: Condition) -> (Option<&'static str>, Option<Attrs>) {
    match cond {
        Condition::Always => (None, None),
        Condition::NotExists => (Some("attribute_not_exists(pk)"), None),
        Condition::Exists => (Some("attribute_exists(pk)"), None),
        Condition::Version(v) => (
            Some("v = :v"),
            Some(HashMap::from([(
                ":v".to_owned(),
                AttributeValue::N(v.to_string()),
            )])),
        ),
    }
}

fn unexpected<E: std::error::Error + Send + Sync + 'static>(
    what: &'static str,
) -> impl FnOnce(E) -> StoreError {
    // The SDK's plain Display leaves out the service's code and message, or the transport's cause.
    move |e| {
        StoreError::Unexpected(anyhow::anyhow!(
            "{what}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        ))
    }
}

/// Throttling and conflicts are worth another try; the caller's retry loop handles them.
fn is_transient(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "TransactionConflictException"
                | "TransactionConflict"
                | "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "TransactionInProgressException"
        )
    )
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                match e
                    .as_service_error()
                    .and_then(|s| aws_sdk_dynamodb::error::ProvideErrorMetadata::code(s))
                {
                    code if is_transient(code) => StoreError::Conflict,
                    _ => unexpected("GetItem")(e),
                }
            })?;
        out.item().map(from_attrs).transpose()
    }

    async fn query(&self, q: &Query) -> Result<QueryPage, StoreError> {
        q.check()?;
        let start_after = q.start_after()?;
        let mut values: Attrs =
            HashMap::from([(":pk".to_owned(), AttributeValue::S(q.pk.clone()))]);
        let expr = match &q.range {
            SkRange::All => "pk = :pk",
            SkRange::Prefix(p) => {
                values.insert(":p".into(), AttributeValue::S(p.clone()));
                "pk = :pk AND begins_with(sk, :p)"
            }
            SkRange::Between(a, b) => {
                values.insert(":a".into(), AttributeValue::S(a.clone()));
                values.insert(":b".into(), AttributeValue::S(b.clone()));
                "pk = :pk AND sk BETWEEN :a AND :b"
            }
        };
        let want = q.limit + 1;
        let mut items = Vec::with_capacity(want.min(256));
        let mut exclusive_start = start_after.map(|sk| Self::key(&q.pk, &sk));
        // DynamoDB also stops a page at 1 MB; keep reading until we have enough or the end.
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(expr)
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(q.forward)
                .limit(i32::try_from(want - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(exclusive_start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(unexpected("Query"))?;
            for m in out.items() {
                items.push(from_attrs(m)?);
            }
            match out.last_evaluated_key() {
                Some(k) if items.len() < want => exclusive_start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(page_from(items, q.limit))
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_writes(&writes)?;
        if let [single] = writes.as_slice() {
            return self.write_one(single).await;
        }
        let mut items = Vec::with_capacity(writes.len());
        for w in &writes {
            let (expr, values) = condition(w.cond());
            let item = match w {
                Write::Put { item, .. } => TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_attrs(item)?))
                            .set_condition_expression(expr.map(str::to_owned))
                            .set_expression_attribute_values(values)
                            .build()
                            .context("building a put")?,
                    )
                    .build(),
                Write::Delete { pk, sk, .. } => TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(Self::key(pk, sk)))
                            .set_condition_expression(expr.map(str::to_owned))
                            .set_expression_attribute_values(values)
                            .build()
                            .context("building a delete")?,
                    )
                    .build(),
                Write::Check { pk, sk, .. } => TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(Self::key(pk, sk)))
                            .condition_expression(
                                expr.unwrap_or("attribute_exists(pk) OR attribute_not_exists(pk)"),
                            )
                            .set_expression_attribute_values(values)
                            .build()
                            .context("building a condition check")?,
                    )
                    .build(),
            };
            items.push(item);
        }
        // The SDK gives each call an idempotency token (`ClientRequestToken`) and sends the
        // same one when it retries: a transaction that committed but whose answer was lost
        // answers its outcome again, not a failed condition (`tests/store/retries.rs`).
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(err)) => match err.into_err() {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e) => {
                    let reasons = e.cancellation_reasons();
                    if let Some(index) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                        Err(StoreError::ConditionFailed { index })
                    } else if reasons.iter().any(|r| is_transient(r.code())) {
                        Err(StoreError::Conflict)
                    } else {
                        Err(StoreError::Unexpected(anyhow::anyhow!("transaction cancelled: {reasons:?}")))
                    }
                }
                other => {
                    if is_transient(aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&other)) {
                        Err(StoreError::Conflict)
                    } else {
                        Err(unexpected("TransactWriteItems")(other))
                    }
                }
            },
            Err(e) => Err(unexpected("TransactWriteItems")(e)),
        }
    }
}

impl DynamoStore {
    async fn write_one(&self, w: &Write) -> Result<(), StoreError> {
        let (expr, values) = condition(w.cond());
        let result = match w {
            Write::Put { item, .. } => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_attrs(item)?))
                .set_condition_expression(expr.map(str::to_owned))
                .set_expression_attribute_values(values)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error().meta().clone()),
            Write::Delete { pk, sk, .. } => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(pk, sk)))
                .set_condition_expression(expr.map(str::to_owned))
                .set_expression_attribute_values(values)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error().meta().clone()),
            Write::Check { pk, sk, cond } => {
                let current = self.get(pk, sk).await?;
                return if cond.holds(current.as_ref()) {
                    Ok(())
                } else {
                    Err(StoreError::ConditionFailed { index: 0 })
                };
            }
        };
        result.map_err(|meta| match meta.code() {
            Some("ConditionalCheckFailedException") => StoreError::ConditionFailed { index: 0 },
            code if is_transient(code) => StoreError::Conflict,
            _ => StoreError::Unexpected(anyhow::anyhow!("DynamoDB write failed: {meta}")),
        })
    }
}

/// A DynamoDB Streams image (as Lambda delivers it) as an item; an empty image (the new image
/// of a removal, the old one of an insert) is none.
pub fn from_stream_image(image: serde_dynamo::Item) -> Result<Option<Item>, StoreError> {
    if image.is_empty() {
        return Ok(None);
    }
    let attrs: Attrs = image.into();
    from_attrs(&attrs).map(Some)
}
