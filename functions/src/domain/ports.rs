//! The ports the domain owns besides the Store: what it needs of the outside world, each
//! with an AWS adapter and a local one in `adapters/`.

use async_trait::async_trait;
use shared::events::{ServerEvent, SessionEndReason};
use shared::{BusinessId, UserId};

/// Pushes events to every open connection of a person, and closes connections whose session
/// ended.
#[async_trait]
pub trait Realtime: Send + Sync + 'static {
    async fn push(
        &self,
        business: BusinessId,
        user: UserId,
        event: &ServerEvent,
    ) -> anyhow::Result<()>;

    /// Closes `user`'s connections opened with `session`, or all of them: each is told why
    /// (`session.ended`), then closed. Closing what is already closed does nothing.
    async fn end_sessions(
        &self,
        business: BusinessId,
        user: UserId,
        session: Option<&str>,
        reason: SessionEndReason,
    ) -> anyhow::Result<()>;
}
