//! What this device shows, told to the server over the socket: the conversation open (set by
//! the inbox) and whether the app is in front (the page visible). Someone viewing a
//! conversation is not notified of its messages; someone in the app gets no pushes. The socket
//! looks every second and sends the report when it changed.

use shared::ConversationId;
use std::cell::Cell;

thread_local! {
    static OPEN: Cell<Option<ConversationId>> = const { Cell::new(None) };
}

/// The conversation on screen now, if any.
pub fn open(c: Option<ConversationId>) {
    OPEN.set(c);
}

/// The report the server reads (`shared::events::ClientEvent::Presence`).
pub fn report() -> String {
    let visible = web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden());
    let mut report = String::from("{\"type\":\"presence\",\"open\":");
    match OPEN.get() {
        Some(c) => {
            report.push('"');
            report.push_str(&c.to_string());
            report.push('"');
        }
        None => report.push_str("null"),
    }
    report.push_str(match visible {
        true => ",\"visible\":true}",
        false => ",\"visible\":false}",
    });
    report
}
