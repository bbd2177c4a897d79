//! The in-process realtime hub behind the local server's `/ws`.

use crate::domain::ports::Realtime;
use async_trait::async_trait;
use shared::events::{Presence, ServerEvent, SessionEndReason, SessionEnded};
use shared::{BusinessId, ConversationId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

type Outbox = mpsc::UnboundedSender<Arc<str>>;

/// An open socket: its id, the session it was opened with, its queue, and what the app on it
/// last said it shows.
struct Open {
    id: u64,
    session: Option<String>,
    outbox: Outbox,
    open: Option<ConversationId>,
    visible: bool,
    seen_at: i64,
}

/// Open sockets by person.
#[derive(Default)]
pub struct LocalHub {
    connections: Mutex<HashMap<UserId, Vec<Open>>>,
    next_id: AtomicU64,
}

/// A registered socket; dropping it unregisters. Its `events` end (`None`) when its session
/// ends: the socket then closes.
pub struct Connection {
    hub: Arc<LocalHub>,
    user: UserId,
    id: u64,
    pub events: mpsc::UnboundedReceiver<Arc<str>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut map = self
            .hub
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = map.get_mut(&self.user) {
            list.retain(|open| open.id != self.id);
            if list.is_empty() {
                map.remove(&self.user);
            }
        }
    }
}

impl LocalHub {
    pub fn connect(self: &Arc<Self>, user: UserId, session: Option<&str>) -> Connection {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(user)
            .or_default()
            .push(Open {
                id,
                session: session.map(str::to_owned),
                outbox: tx,
                open: None,
                visible: false,
                seen_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            });
        Connection {
            hub: self.clone(),
            user,
            id,
            events: rx,
        }
    }

    /// Keeps what the app on `connection` says it shows.
    pub fn report(&self, connection: &Connection, presence: Presence) {
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let found = map
            .get_mut(&connection.user)
            .and_then(|list| list.iter_mut().find(|o| o.id == connection.id));
        if let Some(open) = found {
            open.open = presence.open;
            open.visible = presence.visible;
            open.seen_at = time::OffsetDateTime::now_utc().unix_timestamp();
        }
    }

    /// How many sockets are open, for the person or in all.
    pub fn open_connections(&self, user: Option<UserId>) -> usize {
        let map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match user {
            Some(u) => map.get(&u).map_or(0, Vec::len),
            None => map.values().map(Vec::len).sum(),
        }
    }
}

#[async_trait]
impl Realtime for LocalHub {
    async fn presence(
        &self,
        _business: BusinessId,
        user: UserId,
    ) -> anyhow::Result<crate::domain::ports::Presence> {
        let mut presence = crate::domain::ports::Presence::default();
        let map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for open in map.get(&user).into_iter().flatten() {
            presence.add(open.open, open.visible, open.seen_at);
        }
        Ok(presence)
    }

    async fn push(
        &self,
        _business: BusinessId,
        user: UserId,
        event: &ServerEvent,
    ) -> anyhow::Result<()> {
        let text: Arc<str> = serde_json::to_string(event)?.into();
        let map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = map.get(&user) {
            for open in list {
                // A closed socket is removed when its task ends.
                let _ = open.outbox.send(text.clone());
            }
        }
        Ok(())
    }

    async fn end_sessions(
        &self,
        _business: BusinessId,
        user: UserId,
        session: Option<&str>,
        reason: SessionEndReason,
    ) -> anyhow::Result<()> {
        let text: Arc<str> =
            serde_json::to_string(&ServerEvent::SessionEnded(SessionEnded { reason }))?.into();
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = map.get_mut(&user) {
            let ending = |open: &Open| session.is_none_or(|s| open.session.as_deref() == Some(s));
            for open in list.iter().filter(|open| ending(open)) {
                let _ = open.outbox.send(text.clone());
            }
            // Dropping a queue ends its socket once what is queued (the event above) is sent.
            list.retain(|open| !ending(open));
        }
        Ok(())
    }
}
