//! App state: the session (kept in localStorage) and the stream of live events.

use crate::services::requests::set_token;
use gloo_storage::{LocalStorage, Storage};
use shared::api::AuthResponse;
use shared::events::*;
use shared::model::User;
use std::rc::Rc;
use yew::prelude::*;

const SESSION_KEY: &str = "sideline.session";

/// A signed-in person.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token: String,
    pub user: User,
    /// Unix milliseconds.
    pub expires_at_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionState {
    pub current: Option<Session>,
}

pub enum SessionAction {
    SignedIn(AuthResponse),
    SignedOut,
}

impl SessionState {
    /// The stored session, if it has not expired.
    pub fn load() -> Self {
        let stored: Option<AuthResponse> = LocalStorage::get(SESSION_KEY).ok();
        let current = stored
            .map(session_of)
            .filter(|s| s.expires_at_ms > js_sys::Date::now());
        set_token(current.as_ref().map(|s| s.token.clone()));
        Self { current }
    }
}

fn session_of(r: AuthResponse) -> Session {
    let expires_at_ms = (r.expires_at.unix_timestamp_nanos() / 1_000_000) as f64;
    Session {
        token: r.token,
        user: r.user,
        expires_at_ms,
    }
}

impl Reducible for SessionState {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        match action {
            SessionAction::SignedIn(r) => {
                let _ = LocalStorage::set(SESSION_KEY, &r);
                set_token(Some(r.token.clone()));
                Rc::new(Self {
                    current: Some(session_of(r)),
                })
            }
            SessionAction::SignedOut => {
                LocalStorage::delete(SESSION_KEY);
                set_token(None);
                // What the service worker kept of this person's conversations goes with them.
                if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
                    let _ = caches.delete("sideline-api-v1");
                }
                Rc::new(Self { current: None })
            }
        }
    }
}

pub type SessionContext = UseReducerHandle<SessionState>;

/// What the realtime connection reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    Event(ServerEvent),
    /// The socket came back after a drop: anything may have been missed, fetch again.
    Reconnected,
}

/// The most recent live events, numbered, so every view can process each once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    pub next_seq: u64,
    pub recent: Vec<(u64, Live)>,
}

/// How many events are kept for views that render less often than events arrive.
const RECENT: usize = 256;

impl Reducible for LiveState {
    type Action = Live;

    fn reduce(self: Rc<Self>, action: Live) -> Rc<Self> {
        let mut recent = self.recent.clone();
        recent.push((self.next_seq, action));
        if recent.len() > RECENT {
            recent.drain(..recent.len() - RECENT);
        }
        Rc::new(Self {
            next_seq: self.next_seq + 1,
            recent,
        })
    }
}

impl LiveState {
    /// Events after `seen` (the last sequence number a view processed).
    pub fn since(&self, seen: Option<u64>) -> impl Iterator<Item = &(u64, Live)> {
        self.recent
            .iter()
            .filter(move |(n, _)| seen.is_none_or(|s| *n > s))
    }
}

pub type LiveContext = UseReducerHandle<LiveState>;

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::UserId;

    fn hello(n: u64) -> Live {
        Live::Event(ServerEvent::Hello(Hello {
            user_id: UserId::from_ulid(ulid::Ulid::from_parts(n, 0)),
        }))
    }

    #[test]
    fn each_view_sees_each_event_once_in_order() {
        let mut state = Rc::new(LiveState::default());
        for n in 0..3 {
            state = state.reduce(hello(n));
        }
        state = state.reduce(Live::Reconnected);
        let all: Vec<u64> = state.since(None).map(|(n, _)| *n).collect();
        assert_eq!(all, [0, 1, 2, 3]);
        let after: Vec<&Live> = state.since(Some(1)).map(|(_, e)| e).collect();
        assert_eq!(after, [&hello(2), &Live::Reconnected]);
        assert_eq!(state.since(Some(3)).count(), 0);
        assert_eq!(state.next_seq, 4);
    }

    #[test]
    fn only_the_most_recent_events_are_kept() {
        let mut state = Rc::new(LiveState::default());
        for n in 0..(RECENT as u64 + 10) {
            state = state.reduce(hello(n));
        }
        assert_eq!(state.recent.len(), RECENT);
        assert_eq!(state.recent.first().map(|(n, _)| *n), Some(10));
        assert_eq!(state.next_seq, RECENT as u64 + 10);
    }
}
