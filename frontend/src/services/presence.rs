//! What this device shows, told to the server over the socket: the conversation open (set by
//! the inbox) and whether the app is in front (the page visible). Someone viewing a
//! conversation is not notified of its messages; someone in the app gets no pushes.

use futures::channel::mpsc;
use shared::ConversationId;
use std::cell::{Cell, RefCell};

thread_local! {
    static OPEN: Cell<Option<ConversationId>> = const { Cell::new(None) };
    static WAKE: RefCell<Option<mpsc::UnboundedSender<()>>> = const { RefCell::new(None) };
}

/// The conversation on screen now, if any.
pub fn open(c: Option<ConversationId>) {
    OPEN.set(c);
    changed();
}

/// Something of what this device shows changed: the socket tells the server.
pub fn changed() {
    WAKE.with_borrow(|wake| {
        if let Some(wake) = wake {
            let _ = wake.unbounded_send(());
        }
    });
}

/// Wakes the socket open now at each change (a new socket takes over).
pub fn listen() -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded();
    WAKE.set(Some(tx));
    rx
}

/// The report the server reads (`shared::events::ClientEvent::Presence`).
pub fn report() -> String {
    let visible = web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden());
    let open = OPEN
        .get()
        .map_or_else(|| "null".to_owned(), |c| format!("\"{c}\""));
    format!("{{\"type\":\"presence\",\"open\":{open},\"visible\":{visible}}}")
}
