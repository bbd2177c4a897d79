//! A conversation's messages: day separators, reactions and their palette, this tab's pending
//! and failed sends; older pages loaded on scrolling up, the view kept at the bottom while the
//! reader is there.

use crate::format;
use crate::reducers::{Outgoing, Thread, ThreadAction};
use crate::services::api;
use shared::model::Message;
use shared::{ConversationId, MessageId, UserId};
use std::rc::Rc;
use web_sys::Element;
use yew::prelude::*;

/// The emoji offered in one tap.
const QUICK_REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "💪", "🙏"];

#[derive(Properties, PartialEq)]
pub struct MessagesProps {
    pub id: ConversationId,
    pub thread: Rc<Thread>,
    /// Changes to the thread (older pages).
    pub dispatch: Callback<ThreadAction>,
    pub me: Option<UserId>,
    /// The newest message shown, each time it changes.
    pub onread: Callback<MessageId>,
    /// Adds (true) or removes (false) the viewer's emoji on a message.
    pub react: Callback<(MessageId, String, bool)>,
    /// Sends a failed message again, under its key.
    pub onretry: Callback<(String, String)>,
}

#[component]
pub fn Messages(props: &MessagesProps) -> Html {
    let thread = &props.thread;
    // The message whose emoji palette is open.
    let reacting = use_state(|| None::<MessageId>);
    let list_ref = use_node_ref();
    let loading_older = use_mut_ref(|| false);
    let stick_to_bottom = use_mut_ref(|| true);

    // Mark read when the newest message changes; keep the view at the bottom if it was there.
    {
        let (onread, list_ref, stick) = (
            props.onread.clone(),
            list_ref.clone(),
            stick_to_bottom.clone(),
        );
        let newest = thread.newest().map(|m| m.id);
        let count = thread.messages.len() + thread.outgoing.len();
        use_effect_with((newest, count), move |(newest, _)| {
            if let Some(newest) = newest {
                onread.emit(*newest);
            }
            if *stick.borrow()
                && let Some(el) = list_ref.cast::<Element>()
            {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let onscroll = {
        let (thread, dispatch, id, list_ref, loading, stick) = (
            thread.clone(),
            props.dispatch.clone(),
            props.id,
            list_ref.clone(),
            loading_older.clone(),
            stick_to_bottom.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(el) = list_ref.cast::<Element>() else {
                return;
            };
            *stick.borrow_mut() = el.scroll_height() - el.scroll_top() - el.client_height() < 40;
            let Some(before) = thread.older.clone() else {
                return;
            };
            if el.scroll_top() > 120 || *loading.borrow() {
                return;
            }
            *loading.borrow_mut() = true;
            let (dispatch, list_ref, loading) =
                (dispatch.clone(), list_ref.clone(), loading.clone());
            let height_before = el.scroll_height();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::messages(id, Some(before)).await {
                    dispatch.emit(ThreadAction::Page {
                        items: page.items,
                        next_cursor: page.next_cursor,
                        older: true,
                    });
                    // Keep the message the reader was looking at in place.
                    gloo_timers::future::TimeoutFuture::new(0).await;
                    if let Some(el) = list_ref.cast::<Element>() {
                        el.set_scroll_top(el.scroll_top() + el.scroll_height() - height_before);
                    }
                }
                *loading.borrow_mut() = false;
            });
        })
    };

    let mut rows = Vec::new();
    let mut last_day = None;
    for m in thread.messages.values() {
        let day = format::day_key(m.created_at);
        if last_day != Some(day) {
            rows.push(html! { <li class="day" key={format!("day-{day:?}")}><span>{ format::day_label(m.created_at) }</span></li> });
            last_day = Some(day);
        }
        rows.push(message_row(m, props.me, &reacting, &props.react));
    }
    for (key, body, state) in &thread.outgoing {
        let retry = {
            let (retry, key, body) = (props.onretry.clone(), key.clone(), body.clone());
            Callback::from(move |_| retry.emit((key.clone(), body.clone())))
        };
        rows.push(html! {
            <li key={key.clone()} class="message mine" data-status={if *state == Outgoing::Pending { "pending" } else { "failed" }}>
                <p class="body">{ body.clone() }</p>
                { match state {
                    Outgoing::Pending => html! { <span class="time">{ "Sending…" }</span> },
                    Outgoing::Failed(why) => html! {
                        <span class="failed">{ format!("Not sent: {why} ") }<button class="link" onclick={retry}>{ "Retry" }</button></span>
                    },
                } }
            </li>
        });
    }
    html! {
        <ol class="messages" ref={list_ref} {onscroll}>
            if thread.older.is_some() { <li class="more muted">{ "Scroll up for earlier messages" }</li> }
            if thread.loaded && thread.messages.is_empty() && thread.outgoing.is_empty() {
                <li class="empty muted">{ "No messages yet." }</li>
            }
            { for rows }
        </ol>
    }
}

/// One confirmed message, with its reactions and, when open, the palette to add one.
fn message_row(
    m: &Message,
    me: Option<UserId>,
    reacting: &UseStateHandle<Option<MessageId>>,
    react: &Callback<(MessageId, String, bool)>,
) -> Html {
    let mine = Some(m.sender_id) == me;
    let id = m.id;
    let open_palette = {
        let reacting = reacting.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            let open = *reacting == Some(id);
            reacting.set((!open).then_some(id));
        })
    };
    let chips = m.reactions.iter().map(|r| {
        let by_me = r.users.iter().any(|u| Some(u.id) == me);
        let who = r.users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ");
        let onclick = react.reform({
            let emoji = r.emoji.clone();
            move |e: MouseEvent| {
                e.stop_propagation();
                (id, emoji.clone(), !by_me)
            }
        });
        html! {
            <button class={classes!("chip", by_me.then_some("mine"))} aria-pressed={by_me.to_string()}
                title={who.clone()} aria-label={format!("{} {}: {who}", r.emoji, r.users.len())} {onclick}>
                <span aria-hidden="true">{ format!("{} {}", r.emoji, r.users.len()) }</span>
            </button>
        }
    });
    let palette = (**reacting == Some(id)).then(|| {
        let choices = QUICK_REACTIONS.iter().map(|emoji| {
            let by_me = m
                .reactions
                .iter()
                .any(|r| r.emoji == *emoji && r.users.iter().any(|u| Some(u.id) == me));
            let (react, reacting) = (react.clone(), reacting.clone());
            let onclick = Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                reacting.set(None);
                react.emit((id, emoji.to_string(), !by_me));
            });
            html! { <button class={classes!("emoji", by_me.then_some("mine"))} aria-label={format!("React with {emoji}")} {onclick}>{ *emoji }</button> }
        });
        html! { <div class="palette" role="group" aria-label="Reactions">{ for choices }</div> }
    });
    html! {
        <li key={id.to_string()} class={classes!("message", mine.then_some("mine"))} data-status="sent" onclick={open_palette.clone()}>
            if !mine { <span class="sender">{ m.sender_name.clone() }</span> }
            <p class="body">{ m.body.clone() }</p>
            <span class="meta-row">
                <button class="react-button" aria-label="Add a reaction" onclick={open_palette}>{ "☺" }</button>
                <time class="time">{ format::clock(m.created_at) }</time>
            </span>
            if !m.reactions.is_empty() { <div class="reactions">{ for chips }</div> }
            { palette }
        </li>
    }
}
