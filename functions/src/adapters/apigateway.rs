//! Realtime through API Gateway WebSocket: events go out with `PostToConnection` to each of the
//! audience's connections (`store::connections`), a bounded number at a time; gone ones are
//! removed.

use crate::domain::ports::{Presence, Realtime};
use crate::store::repo::ConnectionRecord;
use crate::store::{Store, connections};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use futures::StreamExt as _;
use shared::events::{ServerEvent, SessionEndReason, SessionEnded};
use shared::{BusinessId, UserId};
use std::collections::HashSet;
use std::sync::Arc;

/// `PostToConnection` calls one event has in flight at most.
pub const POSTS_IN_FLIGHT: usize = 64;

/// Up to this many people, each one's connections are read by a query of their own (a few
/// items each); beyond, one query of the business's connections finds them all.
const PER_PERSON_UP_TO: usize = 4;

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
        Self::with_client(Client::from_conf(conf), store)
    }

    /// Over a client already configured (the tests' loopback server).
    pub fn with_client(client: Client, store: Arc<dyn Store>) -> Self {
        Self { client, store }
    }
}

impl ApiGatewayRealtime {
    /// Sends `payload` to one connection.
    async fn post(
        &self,
        connection_id: &str,
        payload: &[u8],
    ) -> Result<(), aws_sdk_apigatewaymanagement::error::SdkError<PostToConnectionError>> {
        self.client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(payload.to_vec()))
            .send()
            .await
            .map(|_| ())
    }

    /// The open connections of `users`.
    async fn connections_of(
        &self,
        business: BusinessId,
        users: &[UserId],
    ) -> anyhow::Result<Vec<ConnectionRecord>> {
        let wanted: HashSet<UserId> = users.iter().copied().collect();
        if wanted.len() <= PER_PERSON_UP_TO {
            let each = wanted
                .iter()
                .map(|u| connections::all_of_person(&*self.store, business, *u));
            let found = futures::future::try_join_all(each).await?;
            return Ok(found.into_iter().flatten().collect());
        }
        let all = connections::all_of_business(&*self.store, business).await?;
        Ok(all
            .into_iter()
            .filter(|c| wanted.contains(&c.user_id))
            .collect())
    }
}

#[async_trait]
impl Realtime for ApiGatewayRealtime {
    async fn push_many(
        &self,
        business: BusinessId,
        users: &[UserId],
        event: &ServerEvent,
    ) -> anyhow::Result<()> {
        let payload = serde_json::to_vec(event)?;
        let targets = self.connections_of(business, users).await?;
        // From here on nothing fails the push: a retry would send the event again to those
        // already reached.
        let payload = &payload;
        let gone: Vec<String> = futures::stream::iter(targets)
            .map(|c| async move {
                match self.post(&c.connection_id, payload).await {
                    Ok(()) => None,
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_gone_exception()) => {
                        Some(c.connection_id)
                    }
                    Err(e) => {
                        tracing::warn!(error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e), "PostToConnection failed");
                        None
                    }
                }
            })
            .buffer_unordered(POSTS_IN_FLIGHT)
            .filter_map(std::future::ready)
            .collect()
            .await;
        for connection_id in gone {
            if let Err(e) = connections::forget(&*self.store, &connection_id).await {
                tracing::warn!(error = %e, "a gone connection could not be forgotten (its record expires)");
            }
        }
        Ok(())
    }

    async fn presence(&self, business: BusinessId, user: UserId) -> anyhow::Result<Presence> {
        let mut presence = Presence::default();
        for c in connections::all_of_person(&*self.store, business, user).await? {
            presence.add(c.open, c.visible, c.seen_at);
        }
        Ok(presence)
    }

    async fn end_sessions(
        &self,
        business: BusinessId,
        user: UserId,
        session: Option<&str>,
        reason: SessionEndReason,
    ) -> anyhow::Result<()> {
        let payload = serde_json::to_vec(&ServerEvent::SessionEnded(SessionEnded { reason }))?;
        let ending = connections::all_of_person(&*self.store, business, user)
            .await?
            .into_iter()
            .filter(|c| session.is_none_or(|s| c.session_id.as_deref() == Some(s)));
        for c in ending {
            // Told why, then closed; a socket already gone needs neither.
            let _ = self.post(&c.connection_id, &payload).await;
            let closed = self
                .client
                .delete_connection()
                .connection_id(&c.connection_id)
                .send()
                .await;
            if let Err(e) = closed
                && !e.as_service_error().is_some_and(|s| s.is_gone_exception())
            {
                tracing::warn!(error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e), "DeleteConnection failed");
            }
            connections::forget(&*self.store, &c.connection_id)
                .await
                .context("forgetting a closed connection")?;
        }
        Ok(())
    }
}
