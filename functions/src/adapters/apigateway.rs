//! Realtime through API Gateway WebSocket: events go out with `PostToConnection` to each of the
//! person's connections (`store::connections`); gone ones are removed.

use crate::domain::ports::{Presence, Realtime};
use crate::store::{Store, connections};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use shared::events::{ServerEvent, SessionEndReason, SessionEnded};
use shared::{BusinessId, UserId};
use std::sync::Arc;

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
        for c in connections::all_of_person(&*self.store, business, user).await? {
            if let Err(e) = self.post(&c.connection_id, &payload).await {
                if e.as_service_error().is_some_and(|s| s.is_gone_exception()) {
                    connections::forget(&*self.store, &c.connection_id)
                        .await
                        .context("removing a gone connection")?;
                } else {
                    tracing::warn!(error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e), "PostToConnection failed");
                }
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
