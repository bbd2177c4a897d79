//! App state: the session (kept in localStorage) and the stream of live events.

use crate::reducers::Chat;
use crate::services::read::{self, Json, Read, read_fields};
use crate::services::requests::set_token;
use gloo_storage::{LocalStorage, SessionStorage, Storage};
use shared::api::AuthResponse;
use shared::model::User;
use std::rc::Rc;
use yew::prelude::*;

const SESSION_KEY: &str = "sideline.session";
/// Why the last session ended, kept in the tab until someone signs in: the sign-in screen may
/// be another app's (the client app's door), loaded after the session ended.
const ENDED_KEY: &str = "sideline.ended";

/// A signed-in person, as kept in localStorage (the expiry as a number: the app never
/// writes a date as text).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    /// Unix milliseconds.
    pub expires_at_ms: i64,
    /// How many businesses the login signs in to (see [`AuthResponse::businesses`]).
    #[serde(default)]
    pub businesses: u32,
}

read_fields!(Session { token, user, expires_at_ms, businesses = default });

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionState {
    pub current: Option<Session>,
    /// Why the last session ended, when it was not this person signing out here: what the
    /// sign-in screen says.
    pub ended: Option<String>,
}

pub enum SessionAction {
    SignedIn(AuthResponse),
    /// Signed out: by the person here (no reason), or the server ended the session.
    SignedOut(Option<&'static str>),
}

impl SessionState {
    /// The stored session, if it has not expired.
    pub fn load() -> Self {
        let stored = LocalStorage::raw()
            .get_item(SESSION_KEY)
            .ok()
            .flatten()
            .and_then(|text| read::from_str::<Session>(&text));
        let current = stored.filter(|s| s.expires_at_ms as f64 > js_sys::Date::now());
        set_token(current.as_ref().map(|s| s.token.clone()));
        let ended = match current {
            Some(_) => None,
            None => SessionStorage::raw().get_item(ENDED_KEY).ok().flatten(),
        };
        Self { current, ended }
    }
}

fn session_of(r: AuthResponse) -> Session {
    let expires_at_ms = (r.expires_at.unix_timestamp_nanos() / 1_000_000) as i64;
    Session {
        token: r.token,
        user: r.user,
        expires_at_ms,
        businesses: r.businesses,
    }
}

/// Drops what the service worker kept of the API (conversations read offline).
fn drop_cached_api() {
    if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
        let _ = caches.delete("sideline-api-v1");
    }
}

impl Reducible for SessionState {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        match action {
            SessionAction::SignedIn(r) => {
                // What the service worker kept belongs to whoever was signed in before.
                if self.current.as_ref().map(|s| s.user.id) != Some(r.user.id) {
                    drop_cached_api();
                }
                let session = session_of(r);
                if let Ok(text) = serde_json::to_string(&session) {
                    let _ = LocalStorage::raw().set_item(SESSION_KEY, &text);
                }
                set_token(Some(session.token.clone()));
                let _ = SessionStorage::raw().remove_item(ENDED_KEY);
                Rc::new(Self {
                    current: Some(session),
                    ended: None,
                })
            }
            SessionAction::SignedOut(why) => {
                LocalStorage::delete(SESSION_KEY);
                set_token(None);
                // What the service worker kept of this person's conversations goes with them.
                drop_cached_api();
                let _ = match why {
                    Some(why) => SessionStorage::raw().set_item(ENDED_KEY, why),
                    None => SessionStorage::raw().remove_item(ENDED_KEY),
                };
                Rc::new(Self {
                    current: None,
                    ended: why.map(str::to_owned),
                })
            }
        }
    }
}

pub type SessionContext = UseReducerHandle<SessionState>;

/// The signed-in person's conversations, live (see [`Chat`]).
pub type ChatContext = UseReducerHandle<Chat>;
