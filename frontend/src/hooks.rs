//! Hooks over the app's contexts, and the realtime connection.

use crate::state::{Live, LiveContext, Session, SessionAction, SessionContext};
use futures::StreamExt;
use gloo_net::websocket::{Message as WsMessage, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;
use shared::api::AuthResponse;
use shared::events::*;
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

/// The session and what can be done with it.
#[derive(Clone, PartialEq)]
pub struct SessionHandle(SessionContext);

impl SessionHandle {
    pub fn current(&self) -> Option<Session> {
        self.0.current.clone()
    }
    pub fn sign_in(&self, r: AuthResponse) {
        self.0.dispatch(SessionAction::SignedIn(r));
    }
    pub fn sign_out(&self) {
        self.0.dispatch(SessionAction::SignedOut);
    }
}

#[hook]
pub fn use_session() -> SessionHandle {
    SessionHandle(use_context::<SessionContext>().expect("the session provider wraps the app"))
}

#[hook]
pub fn use_live() -> LiveContext {
    use_context::<LiveContext>().expect("the live provider wraps the app")
}

/// Keeps one WebSocket open while signed in, reconnecting with backoff (0.5 s doubling to
/// 15 s), and feeds what arrives into the live state.
#[hook]
pub fn use_realtime(token: Option<String>, live: LiveContext) {
    use_effect_with(token, move |token| {
        let alive = Rc::new(Cell::new(true));
        if let Some(token) = token.clone() {
            let alive = alive.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut delay_ms = 500u32;
                let mut connected_before = false;
                while alive.get() {
                    if let Ok(socket) = WebSocket::open(&crate::services::config::websocket(&token))
                    {
                        let (_, mut incoming) = socket.split();
                        let mut greeted = false;
                        while let Some(Ok(WsMessage::Text(text))) = incoming.next().await {
                            if !alive.get() {
                                return;
                            }
                            if let Some(event) = crate::services::events::decode(&text) {
                                if let ServerEvent::Hello(Hello { .. }) = event {
                                    greeted = true;
                                    delay_ms = 500;
                                    if connected_before {
                                        live.dispatch(Live::Reconnected);
                                    }
                                    connected_before = true;
                                } else {
                                    live.dispatch(Live::Event(event));
                                }
                            }
                        }
                        if !greeted {
                            delay_ms = (delay_ms * 2).min(15_000);
                        }
                    }
                    TimeoutFuture::new(delay_ms).await;
                    delay_ms = (delay_ms * 2).min(15_000);
                }
            });
        }
        move || alive.set(false)
    });
}
