//! Ports to the outside world other than the store, and their adapters.

pub mod apigateway;
pub mod hub;

use async_trait::async_trait;
use shared::events::ServerEvent;
use shared::{BusinessId, UserId};

/// Pushes events to every open connection of a person.
#[async_trait]
pub trait Realtime: Send + Sync + 'static {
    async fn push(
        &self,
        business: BusinessId,
        user: UserId,
        event: &ServerEvent,
    ) -> anyhow::Result<()>;
}
