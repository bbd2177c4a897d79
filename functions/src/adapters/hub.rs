//! The in-process realtime hub behind the local server's `/ws`.

use crate::domain::ports::Realtime;
use async_trait::async_trait;
use shared::events::ServerEvent;
use shared::{BusinessId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

type Outbox = mpsc::UnboundedSender<Arc<str>>;

/// Open sockets by person.
#[derive(Default)]
pub struct LocalHub {
    connections: Mutex<HashMap<UserId, Vec<(u64, Outbox)>>>,
    next_id: AtomicU64,
}

/// A registered socket; dropping it unregisters.
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
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                map.remove(&self.user);
            }
        }
    }
}

impl LocalHub {
    pub fn connect(self: &Arc<Self>, user: UserId) -> Connection {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(user)
            .or_default()
            .push((id, tx));
        Connection {
            hub: self.clone(),
            user,
            id,
            events: rx,
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
            for (_, tx) in list {
                // A closed socket is removed when its task ends.
                let _ = tx.send(text.clone());
            }
        }
        Ok(())
    }
}
