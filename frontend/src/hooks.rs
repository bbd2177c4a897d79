//! Hooks over the app's contexts, and the realtime connection.

use crate::reducers::ChatAction;
use crate::services::presence;
use crate::state::{ChatContext, Session, SessionAction, SessionContext};
use futures::future::{Either, select};
use futures::{Sink, StreamExt};
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
    /// Signs out here: the session ends on the server too.
    pub fn sign_out(&self) {
        // Made before the token is dropped, so it goes as this session.
        let logout = crate::services::api::logout();
        // The server forgets this session's pushes; whoever signs in here next chooses anew.
        <gloo_storage::LocalStorage as gloo_storage::Storage>::delete(
            crate::components::notify::PUSH_KEY,
        );
        wasm_bindgen_futures::spawn_local(async move {
            let _ = logout.await;
        });
        self.0.dispatch(SessionAction::SignedOut(None));
    }
    /// The server ended the session, for the reason given.
    pub fn ended(&self, why: &'static str) {
        self.0.dispatch(SessionAction::SignedOut(Some(why)));
    }
    /// Why the last session ended, if the server ended it.
    pub fn ended_why(&self) -> Option<String> {
        self.0.ended.clone()
    }
}

#[hook]
pub fn use_session() -> SessionHandle {
    SessionHandle(use_context::<SessionContext>().expect("the session provider wraps the app"))
}

/// The signed-in person's conversations, live.
#[hook]
pub fn use_chat() -> ChatContext {
    use_context::<ChatContext>().expect("the chat provider wraps the app")
}

/// Sends `text` on an open socket (no waiting: the browser queues it).
fn tell(socket: &mut WebSocket, text: String) -> Result<(), gloo_net::websocket::WebSocketError> {
    std::pin::Pin::new(socket).start_send(WsMessage::Text(text))
}

/// Keeps one WebSocket open while signed in, reconnecting with backoff (0.5 s doubling to
/// 15 s), and feeds what arrives into the chat state. When the server says the session ended,
/// `on_ended` is told why.
#[hook]
pub fn use_realtime(token: Option<String>, chat: ChatContext, on_ended: Callback<&'static str>) {
    use_effect_with(token, move |token| {
        let alive = Rc::new(Cell::new(true));
        if let Some(token) = token.clone() {
            let alive = alive.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut delay_ms = 500u32;
                let mut connected_before = false;
                while alive.get() {
                    if let Ok(mut socket) =
                        WebSocket::open(&crate::services::config::websocket(&token))
                    {
                        let mut greeted = false;
                        // The last presence report sent on this socket.
                        let mut told = String::new();
                        loop {
                            let text = match select(socket.next(), TimeoutFuture::new(1_000)).await
                            {
                                Either::Left((Some(Ok(WsMessage::Text(text))), _)) => text,
                                Either::Left(_) => break,
                                Either::Right(_) => {
                                    if !alive.get() {
                                        return;
                                    }
                                    let now = presence::report();
                                    if greeted && now != told {
                                        let _ = tell(&mut socket, now.clone());
                                        told = now;
                                    }
                                    continue;
                                }
                            };
                            if !alive.get() {
                                return;
                            }
                            if let Some(event) = crate::services::events::decode(&text) {
                                if let ServerEvent::SessionEnded(SessionEnded { reason }) = event {
                                    // A password changed on this device ends this socket's
                                    // session as the new one arrives: give its answer time to
                                    // land, and sign out only if the session is still this one.
                                    TimeoutFuture::new(2_000).await;
                                    let current = crate::services::requests::current_token();
                                    if current.as_deref() == Some(token.as_str()) {
                                        on_ended.emit(reason.explain());
                                    }
                                    return;
                                } else if let ServerEvent::Hello(Hello { .. }) = event {
                                    greeted = true;
                                    delay_ms = 500;
                                    // What this device shows, from the start.
                                    told = presence::report();
                                    let _ = tell(&mut socket, told.clone());
                                    if connected_before {
                                        chat.dispatch(ChatAction::Reconnected);
                                    }
                                    connected_before = true;
                                } else {
                                    chat.dispatch(ChatAction::Event(event));
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

/// What a screen loads: the data once it is here (kept while loading again), the error if the
/// last load failed, whether a load is out, and ways to load again or to set what a change
/// returned.
pub struct Fetch<T> {
    state: UseStateHandle<Loaded<T>>,
    generation: UseStateHandle<u32>,
}

#[derive(Clone)]
struct Loaded<T> {
    data: Option<T>,
    error: Option<String>,
    loading: bool,
}

impl<T> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            generation: self.generation.clone(),
        }
    }
}

impl<T: Clone + 'static> Fetch<T> {
    pub fn data(&self) -> Option<&T> {
        self.state.data.as_ref()
    }

    pub fn error(&self) -> Option<String> {
        self.state.error.clone()
    }

    pub fn loading(&self) -> bool {
        self.state.loading
    }

    /// Loads again.
    pub fn reload(&self) {
        self.generation.set(*self.generation + 1);
    }

    /// Shows `data`: what a change answered, without loading again.
    pub fn set(&self, data: T) {
        self.state.set(Loaded {
            data: Some(data),
            error: None,
            loading: false,
        });
    }
}

/// Loads with `load(deps)` now and whenever `deps` change (or [`Fetch::reload`] is called). A
/// load that comes back after a newer one started is dropped.
#[hook]
pub fn use_fetch<T, D, F, Fut>(deps: D, load: F) -> Fetch<T>
where
    T: Clone + 'static,
    D: PartialEq + Clone + 'static,
    F: Fn(D) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, crate::services::requests::ApiError>> + 'static,
{
    let state = use_state(|| Loaded {
        data: None,
        error: None,
        loading: true,
    });
    let generation = use_state(|| 0u32);
    let latest = use_mut_ref(|| 0u32);
    {
        let (state, latest) = (state.clone(), latest.clone());
        use_effect_with((deps, *generation), move |(deps, _)| {
            let mine = *latest.borrow() + 1;
            *latest.borrow_mut() = mine;
            let previous = (*state).clone();
            state.set(Loaded {
                loading: true,
                ..previous.clone()
            });
            let request = load(deps.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = request.await;
                if *latest.borrow() != mine {
                    return;
                }
                state.set(match result {
                    Ok(data) => Loaded {
                        data: Some(data),
                        error: None,
                        loading: false,
                    },
                    Err(e) => Loaded {
                        data: previous.data,
                        error: Some(e.message),
                        loading: false,
                    },
                });
            });
        });
    }
    Fetch { state, generation }
}

/// A list read page by page: the first page loads like [`use_fetch`] (again when `deps`
/// change), and [`Paged::more`] appends the pages after it until the first is loaded again.
pub struct Paged<T> {
    pub first: Fetch<shared::model::Page<T>>,
    later: UseStateHandle<Option<shared::model::Page<T>>>,
    more_error: UseStateHandle<Option<String>>,
    more: Callback<MouseEvent>,
}

impl<T: Clone + 'static> Paged<T> {
    /// Everything read so far, in order.
    pub fn items(&self) -> Vec<T> {
        self.first
            .data()
            .map(|p| p.items.iter())
            .into_iter()
            .flatten()
            .chain(self.later.iter().flat_map(|p| p.items.iter()))
            .cloned()
            .collect()
    }

    /// Whether there is more to read.
    pub fn has_more(&self) -> bool {
        next_cursor(&self.first, &self.later).is_some()
    }

    /// Reads the next page.
    pub fn more(&self) -> Callback<MouseEvent> {
        self.more.clone()
    }

    /// Why the last "more" failed.
    pub fn more_error(&self) -> Option<String> {
        (*self.more_error).clone()
    }
}

fn next_cursor<T: Clone + 'static>(
    first: &Fetch<shared::model::Page<T>>,
    later: &UseStateHandle<Option<shared::model::Page<T>>>,
) -> Option<String> {
    match (&**later, first.data()) {
        (Some(p), _) => p.next_cursor.clone(),
        (None, Some(p)) => p.next_cursor.clone(),
        (None, None) => None,
    }
}

#[hook]
pub fn use_paged<T, D, F, Fut>(deps: D, load: F) -> Paged<T>
where
    T: Clone + PartialEq + 'static,
    D: PartialEq + Clone + 'static,
    F: Fn(D, Option<String>) -> Fut + 'static,
    Fut: std::future::Future<
            Output = Result<shared::model::Page<T>, crate::services::requests::ApiError>,
        > + 'static,
{
    let load = Rc::new(load);
    let first = {
        let load = load.clone();
        use_fetch(deps.clone(), move |d| load(d, None))
    };
    let later = use_state(|| None::<shared::model::Page<T>>);
    let more_error = use_state(|| None::<String>);
    {
        let (later, more_error) = (later.clone(), more_error.clone());
        use_effect_with((deps.clone(), first.data().cloned()), move |_| {
            later.set(None);
            more_error.set(None);
        });
    }
    let more = {
        let (first, later, more_error) = (first.clone(), later.clone(), more_error.clone());
        Callback::from(move |_| {
            let Some(cursor) = next_cursor(&first, &later) else {
                return;
            };
            let request = load(deps.clone(), Some(cursor));
            let (later, more_error) = (later.clone(), more_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match request.await {
                    Ok(page) => {
                        let mut items = (*later).clone().map(|p| p.items).unwrap_or_default();
                        items.extend(page.items);
                        later.set(Some(shared::model::Page {
                            items,
                            next_cursor: page.next_cursor,
                        }));
                        more_error.set(None);
                    }
                    Err(e) => more_error.set(Some(e.message)),
                }
            });
        })
    };
    Paged {
        first,
        later,
        more_error,
        more,
    }
}

/// What a screen shows of a load while it has nothing to show yet or the load failed: "Loading…",
/// or the error with a way to try again. Nothing once the data is here.
pub fn load_status<T: Clone + 'static>(fetch: &Fetch<T>) -> Html {
    if let Some(error) = fetch.error() {
        let retry = {
            let fetch = fetch.clone();
            Callback::from(move |_: MouseEvent| fetch.reload())
        };
        return html! {
            <p class="error" role="alert">{ error }{ " " }<button class="link" onclick={retry}>{ "Try again" }</button></p>
        };
    }
    match fetch.data().is_none() && fetch.loading() {
        true => html! { <p class="muted">{ "Loading…" }</p> },
        false => html! {},
    }
}
