//! Realtime through API Gateway WebSocket: connections are kept in the table (with a TTL) under
//! the person they belong to; events go out with `PostToConnection`; gone ones are removed.

use crate::domain::ports::Realtime;
use crate::store::keys::{self, CONNECTION_PREFIX};
use crate::store::repo::{self, ConnectionRecord};
use crate::store::{Condition, Query, Store, Write};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use shared::events::ServerEvent;
use shared::{BusinessId, UserId};
use std::sync::Arc;

/// How long a connection record lives without being refreshed (API Gateway closes sockets
/// after 2 hours anyway).
pub const CONNECTION_TTL_SECS: i64 = 3 * 3600;

pub struct ApiGatewayRealtime {
    client: Client,
    store: Arc<dyn Store>,
}

impl ApiGatewayRealtime {
    /// `endpoint` is the WebSocket API's management URL: `https://{id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub async fn new(endpoint: &str, store: Arc<dyn Store>) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(&config)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: Client::from_conf(conf),
            store,
        }
    }
}

/// The writes that record a new connection.
pub fn connect_writes(
    business_id: BusinessId,
    user_id: UserId,
    connection_id: &str,
) -> anyhow::Result<Vec<Write>> {
    let record = ConnectionRecord {
        business_id,
        user_id,
        connection_id: connection_id.to_owned(),
    };
    let expires = time::OffsetDateTime::now_utc().unix_timestamp() + CONNECTION_TTL_SECS;
    let mut by_person = repo::item(
        keys::connection(business_id, user_id, connection_id),
        &record,
        1,
    )?;
    by_person.expires_at = Some(expires);
    let mut owner = repo::item(keys::connection_owner(connection_id), &record, 1)?;
    owner.expires_at = Some(expires);
    Ok(vec![
        Write::put(by_person, Condition::Always),
        Write::put(owner, Condition::Always),
    ])
}

/// Forgets a connection (on `$disconnect`, or when API Gateway says it is gone).
pub async fn forget_connection(store: &dyn Store, connection_id: &str) -> anyhow::Result<()> {
    let Some(owner) =
        repo::get::<ConnectionRecord>(store, &keys::connection_owner(connection_id)).await?
    else {
        return Ok(());
    };
    let (pk, sk) = keys::connection(owner.value.business_id, owner.value.user_id, connection_id);
    let (opk, osk) = keys::connection_owner(connection_id);
    store
        .transact(vec![
            Write::delete(pk, sk, Condition::Always),
            Write::delete(opk, osk, Condition::Always),
        ])
        .await?;
    Ok(())
}

#[async_trait]
impl Realtime for ApiGatewayRealtime {
    async fn push(
        &self,
        business: BusinessId,
        user: UserId,
        event: &ServerEvent,
    ) -> anyhow::Result<()> {
        let payload = serde_json::to_vec(event)?;
        let mut cursor = None;
        loop {
            let q = Query::prefix(keys::person_pk(business, user), CONNECTION_PREFIX)
                .limit(100)
                .after(cursor);
            let (connections, next) = repo::query::<ConnectionRecord>(&*self.store, &q).await?;
            for c in connections {
                let sent = self
                    .client
                    .post_to_connection()
                    .connection_id(&c.value.connection_id)
                    .data(Blob::new(payload.clone()))
                    .send()
                    .await;
                if let Err(e) = sent {
                    if e.as_service_error().is_some_and(|s| s.is_gone_exception()) {
                        forget_connection(&*self.store, &c.value.connection_id)
                            .await
                            .context("removing a gone connection")?;
                    } else {
                        tracing::warn!(error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e), "PostToConnection failed");
                    }
                }
            }
            match next {
                Some(n) => cursor = Some(n),
                None => return Ok(()),
            }
        }
    }
}
