//! The ports the domain owns besides the Store: what it needs of the outside world, each
//! with an AWS adapter and a local one in `adapters/`.

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
