//! The in-process realtime hub behind the local server's `/ws`.

use crate::domain::ports::Realtime;
use async_trait::async_trait;
use shared::events::{Presence, ServerEvent, SessionEndReason, SessionEnded};
use shared::limits::SOCKET_QUEUE_MAX;
use shared::{BusinessId, ConversationId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

type Outbox = mpsc::Sender<Arc<str>>;

/// An open socket: its id, the session it was opened with, its queue, and what the app on it
/// last said it shows.
struct Open {
    id: u64,
    session: Option<String>,
    outbox: Outbox,
    /// Set when its queue filled: it is dropped from the hub, and its socket says why.
    behind: Arc<AtomicBool>,
    open: Option<ConversationId>,
    visible: bool,
    seen_at: i64,
}

/// Open sockets by person.
#[derive(Default)]
pub struct LocalHub {
    connections: Mutex<HashMap<UserId, Vec<Open>>>,
    next_id: AtomicU64,
    heartbeat: Mutex<Heartbeat>,
}

/// How sockets are kept alive: a ping every `ping_every`; one silent for `silent_for_max`
/// (not even answering pings) is closed with [`shared::events::UNRESPONSIVE_CLOSE_CODE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub ping_every: std::time::Duration,
    pub silent_for_max: std::time::Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            ping_every: std::time::Duration::from_secs(25),
            silent_for_max: std::time::Duration::from_secs(60),
        }
    }
}

/// A registered socket; dropping it unregisters. Its `events` end (`None`) when its session
/// ends, or when it fell [`SOCKET_QUEUE_MAX`] events behind ([`Connection::fell_behind`]):
/// the socket then closes.
pub struct Connection {
    hub: Arc<LocalHub>,
    user: UserId,
    id: u64,
    behind: Arc<AtomicBool>,
    pub events: mpsc::Receiver<Arc<str>>,
}

impl Connection {
    /// Whether its events ended because it fell behind (rather than its session ending).
    pub fn fell_behind(&self) -> bool {
        self.behind.load(Ordering::Relaxed)
    }
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
        let (tx, rx) = mpsc::channel(SOCKET_QUEUE_MAX);
        let behind = Arc::new(AtomicBool::new(false));
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
                behind: behind.clone(),
                open: None,
                visible: false,
                seen_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            });
        Connection {
            hub: self.clone(),
            user,
            id,
            behind,
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

impl LocalHub {
    /// The heartbeat sockets opened from now on keep.
    pub fn heartbeat(&self) -> Heartbeat {
        *self
            .heartbeat
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the heartbeat of sockets opened from now on (tests shorten it).
    pub fn set_heartbeat(&self, heartbeat: Heartbeat) {
        *self
            .heartbeat
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = heartbeat;
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

    async fn push_many(
        &self,
        _business: BusinessId,
        users: &[UserId],
        event: &ServerEvent,
    ) -> anyhow::Result<()> {
        let text: Arc<str> = serde_json::to_string(event)?.into();
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for user in users {
            let Some(list) = map.get_mut(user) else {
                continue;
            };
            for open in list.iter() {
                // A closed socket is removed when its task ends; one whose queue is full fell
                // behind: its queue is dropped below, which ends its socket once what is
                // queued went out.
                if let Err(mpsc::error::TrySendError::Full(_)) = open.outbox.try_send(text.clone())
                {
                    open.behind.store(true, Ordering::Relaxed);
                }
            }
            list.retain(|open| !open.behind.load(Ordering::Relaxed));
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
                // One whose queue is full closes as behind; its session is gone all the same.
                let _ = open.outbox.try_send(text.clone());
            }
            // Dropping a queue ends its socket once what is queued (the event above) is sent.
            list.retain(|open| !ending(open));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_socket_that_falls_behind_is_dropped_and_says_so_others_are_not() {
        let hub = Arc::new(LocalHub::default());
        let (b, user) = (
            BusinessId::from_ulid(ulid::Ulid::generate()),
            UserId::from_ulid(ulid::Ulid::generate()),
        );
        let mut slow = hub.connect(user, Some("s1"));
        let mut quick = hub.connect(user, Some("s2"));
        let event = ServerEvent::Hello(shared::events::Hello { user_id: user });
        for n in 0..=SOCKET_QUEUE_MAX {
            hub.push(b, user, &event).await.expect("push");
            // The quick one reads as it goes.
            assert!(quick.events.try_recv().is_ok(), "event {n}");
        }
        assert!(slow.fell_behind());
        assert!(!quick.fell_behind());
        assert_eq!(hub.open_connections(Some(user)), 1);
        // What was queued still goes out, then its events end.
        let mut queued = 0;
        while slow.events.recv().await.is_some() {
            queued += 1;
        }
        assert_eq!(queued, SOCKET_QUEUE_MAX);
        hub.push(b, user, &event).await.expect("push");
        assert!(quick.events.try_recv().is_ok());
    }
}
