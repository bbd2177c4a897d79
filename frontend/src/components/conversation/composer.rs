//! Writing a message: Enter sends, Shift+Enter starts a new line, a counter near the limit.

use crate::format;
use shared::limits::{MESSAGE_COUNTER_FROM, MESSAGE_MAX_CHARS};
use shared::validate::MessageBody;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// A message to send: its fresh key and its body.
    pub onsend: Callback<(String, String)>,
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = use_state(String::new);
    let submit = {
        let (draft, onsend) = (draft.clone(), props.onsend.clone());
        Callback::from(move |_: ()| {
            if let Ok(body) = MessageBody::parse(&draft) {
                onsend.emit((format::new_client_message_id(), body.into_inner()));
                draft.set(String::new());
            }
        })
    };
    let onkeydown = {
        let submit = submit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit.emit(());
            }
        })
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let onclick = submit.reform(|_: MouseEvent| ());
    let chars = draft.chars().count();
    let over = chars > MESSAGE_MAX_CHARS;
    html! {
        <div class="composer">
            <textarea placeholder="Write a message" value={(*draft).clone()} {oninput} {onkeydown} rows="1" aria-label="Message" />
            if chars >= MESSAGE_COUNTER_FROM {
                <span class={classes!("counter", over.then_some("over"))}>{ format!("{}", MESSAGE_MAX_CHARS as i64 - chars as i64) }</span>
            }
            <button class="primary" {onclick} disabled={draft.trim().is_empty() || over}>{ "Send" }</button>
        </div>
    }
}
