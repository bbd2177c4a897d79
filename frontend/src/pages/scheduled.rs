//! Send later, in a conversation of the staff app: the messages the viewer scheduled there
//! (when each goes, its words), each changed, sent now or cancelled; and a message scheduled
//! for a day and time of the viewer's clock. The server sends each once at its time.

use crate::components::field::{FormError, bind_text};
use crate::format;
use crate::hooks::use_fetch;
use crate::services::api;
use shared::api::{ScheduledMessage, SendMessageRequest, UpdateScheduledRequest};
use shared::{ConversationId, MessageId};
use time::OffsetDateTime;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScheduledProps {
    pub conversation: ConversationId,
    /// The conversation's newest message: when another arrives (a scheduled one sent), the
    /// list is read again.
    #[prop_or_default]
    pub newest: Option<MessageId>,
}

/// A `datetime-local` value (the viewer's clock) as an instant, if it is one.
pub fn instant_of(local: &str) -> Option<OffsetDateTime> {
    if local.is_empty() {
        return None;
    }
    let ms = js_sys::Date::new(&local.into()).get_time();
    if ms.is_nan() {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok()
}

/// When a scheduled message goes, for the viewer: "Tomorrow 07:30".
pub fn when(at: OffsetDateTime) -> String {
    format!("{} {}", format::day_label(at), format::clock(at))
}

#[component]
pub fn ScheduledPanel(props: &ScheduledProps) -> Html {
    let c = props.conversation;
    let open = use_state(|| false);
    let list = use_fetch((c, props.newest), |_| api::scheduled());
    let body = use_state(String::new);
    let at = use_state(String::new);
    let error = use_state(|| None::<String>);
    let mine: Vec<ScheduledMessage> = list
        .data()
        .map(|l| {
            l.iter()
                .filter(|s| s.conversation_id == Some(c))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let label = match mine.len() {
        0 => "Send later".to_owned(),
        n => format!("Scheduled ({n})"),
    };
    let head = html! {
        <button type="button" class="link scheduled-toggle" aria-expanded={open.to_string()} onclick={toggle}>
            { format!("🕒 {label}") }
        </button>
    };
    if !*open {
        return html! { <div class="scheduled">{ head }</div> };
    }
    // Runs a change, then shows the list as it is now (or why it was refused).
    let act = {
        let (list, error) = (list.clone(), error.clone());
        Callback::from(
            move |change: std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<(), String>>>,
            >| {
                let (list, error) = (list.clone(), error.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    error.set(change.await.err());
                    list.reload();
                });
            },
        )
    };
    let onsubmit = {
        let (body, at, error, act) = (body.clone(), at.clone(), error.clone(), act.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(send_at) = instant_of(&at) else {
                error.set(Some("Choose a day and a time.".into()));
                return;
            };
            let req = SendMessageRequest {
                client_message_id: format::new_client_message_id(),
                body: (*body).clone(),
                reply_to: None,
                attachments: Vec::new(),
                send_at: Some(send_at),
                channel: Default::default(),
            };
            let (body, at) = (body.clone(), at.clone());
            act.emit(Box::pin(async move {
                api::schedule(c, &req).await.map_err(|e| e.message)?;
                body.set(String::new());
                at.set(String::new());
                Ok(())
            }));
        })
    };
    let row = |s: &ScheduledMessage| {
        let id = s.id.clone();
        let send_now = {
            let (act, id) = (act.clone(), id.clone());
            Callback::from(move |_: MouseEvent| {
                let req = UpdateScheduledRequest {
                    send_at: Some(format::now()),
                    body: None,
                };
                let id = id.clone();
                act.emit(Box::pin(async move {
                    api::update_scheduled(&id, &req)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.message)
                }));
            })
        };
        let cancel = {
            let (act, id) = (act.clone(), id.clone());
            Callback::from(move |_: MouseEvent| {
                let id = id.clone();
                act.emit(Box::pin(async move {
                    api::cancel_scheduled(&id).await.map_err(|e| e.message)
                }));
            })
        };
        html! {
            <li key={id}>
                <span class="when">{ when(s.send_at) }</span>
                <span class="words">{ s.body.clone() }</span>
                <span class="actions">
                    <button type="button" class="link" onclick={send_now}>{ "Send now" }</button>
                    <button type="button" class="link danger" onclick={cancel}>{ "Cancel" }</button>
                </span>
            </li>
        }
    };
    let on_body = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| {
            body.set(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            )
        })
    };
    html! {
        <div class="scheduled open">
            { head }
            if !mine.is_empty() {
                <ul class="scheduled-list" aria-label="Scheduled messages">{ for mine.iter().map(row) }</ul>
            }
            <form class="schedule-form" {onsubmit}>
                <textarea rows="2" placeholder="A message to send later" aria-label="Message to send later" value={(*body).clone()} oninput={on_body} />
                <input type="datetime-local" aria-label="When to send it" value={(*at).clone()} oninput={bind_text(&at)} />
                <button type="submit" class="primary" disabled={body.trim().is_empty() || at.is_empty()}>{ "Schedule" }</button>
            </form>
            <FormError error={(*error).clone()} />
        </div>
    }
}
