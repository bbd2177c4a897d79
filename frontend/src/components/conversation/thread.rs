//! A conversation's messages: day separators, reactions and their palette, this tab's pending
//! and failed sends; older pages loaded on scrolling up, the view kept at the bottom while the
//! reader is there.

use crate::format;
use crate::reducers::{Outgoing, Thread, ThreadAction};
use crate::services::api;
use shared::model::{Message, MessageVersion};
use shared::receipts::{Status, private_status, read_by};
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
    /// Sends a failed message again, under its key (answering what it answered).
    pub onretry: Callback<(String, String, Option<MessageId>)>,
    /// Starts a reply to a message.
    pub onreply: Callback<super::composer::Quote>,
    /// Whether the viewer may edit their own messages here (and delete others': moderate).
    pub may_edit: bool,
    pub may_moderate: bool,
    pub may_reply: bool,
    /// A new body for one of the viewer's messages.
    pub onedit: Callback<(MessageId, String)>,
    /// Deletes a message for everyone (asked first).
    pub ondelete: Callback<MessageId>,
    /// A private conversation's client (whose reading makes a staff message read); none in a
    /// group, where a message shows how many read it.
    #[prop_or_default]
    pub client: Option<UserId>,
    /// Names the conversation knows beyond its senders' (its members', the viewer's).
    #[prop_or_default]
    pub people: Rc<Vec<(UserId, String)>>,
}

/// What a message's row needs besides the message.
struct RowContext<'a> {
    me: Option<UserId>,
    reacting: &'a UseStateHandle<Option<MessageId>>,
    react: &'a Callback<(MessageId, String, bool)>,
    names: &'a dyn Fn(UserId) -> Option<String>,
    /// The message being edited, and the draft.
    editing: &'a UseStateHandle<Option<(MessageId, String)>>,
    /// A message's versions on show.
    history: &'a UseStateHandle<Option<(MessageId, Vec<MessageVersion>)>>,
    conversation: ConversationId,
    may_edit: bool,
    may_moderate: bool,
    /// Whether the viewer may post here (so reply).
    may_reply: bool,
    onedit: &'a Callback<(MessageId, String)>,
    ondelete: &'a Callback<MessageId>,
    onreply: &'a Callback<super::composer::Quote>,
    /// The loaded messages, for quotes.
    thread: &'a Thread,
    /// Scrolls to a message, loading older pages until it is there.
    jump: &'a Callback<MessageId>,
    client: Option<UserId>,
    /// The message whose readers are on show.
    readers: &'a UseStateHandle<Option<MessageId>>,
    dispatch: &'a Callback<ThreadAction>,
    /// A tap on a message's files.
    open_file: &'a Callback<MouseEvent>,
}

#[component]
pub fn Messages(props: &MessagesProps) -> Html {
    let thread = &props.thread;
    // The message whose emoji palette (and menu) is open.
    let reacting = use_state(|| None::<MessageId>);
    let editing = use_state(|| None::<(MessageId, String)>);
    let history = use_state(|| None::<(MessageId, Vec<MessageVersion>)>);
    let readers = use_state(|| None::<MessageId>);
    let list_ref = use_node_ref();
    let open_file = {
        let c = props.id;
        Callback::from(move |e: MouseEvent| super::files::open(c.into(), e))
    };
    // Thumbnails are painted in by the media module after each render that shows files.
    {
        let (c, list_ref) = (props.id, list_ref.clone());
        let files = thread.messages.values().any(|m| !m.attachments.is_empty());
        use_effect(move || {
            if let (true, Some(root)) = (files, list_ref.cast::<Element>()) {
                super::files::paint(c.into(), root);
            }
        });
    }
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

    // Scrolls to a message (a quoted one), loading older pages until it is there.
    let jump = {
        let (thread, dispatch, id) = (thread.clone(), props.dispatch.clone(), props.id);
        Callback::from(move |target: MessageId| {
            let (dispatch, mut cursor) = (dispatch.clone(), thread.older.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let find = || {
                    web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.get_element_by_id(&format!("m-{target}")))
                };
                for _ in 0..50 {
                    if let Some(el) = find() {
                        el.scroll_into_view();
                        let _ = el.set_attribute("data-highlight", "");
                        gloo_timers::future::TimeoutFuture::new(1_500).await;
                        let _ = el.remove_attribute("data-highlight");
                        return;
                    }
                    let Some(before) = cursor.take() else {
                        return;
                    };
                    let Ok(page) = api::messages(id, Some(before)).await else {
                        return;
                    };
                    cursor = page.next_cursor.clone();
                    dispatch.emit(ThreadAction::Page {
                        items: page.items,
                        next_cursor: page.next_cursor,
                        older: true,
                    });
                    gloo_timers::future::TimeoutFuture::new(0).await;
                }
            });
        })
    };
    // Mentions show the names the conversation knows (its people's, its senders', its readers').
    let names = |id: UserId| {
        let known = props.people.iter().find(|(u, _)| *u == id);
        match known {
            Some((_, name)) => Some(name.clone()),
            None => thread
                .receipts
                .iter()
                .find(|r| r.user_id == id && !r.name.is_empty())
                .map(|r| r.name.clone()),
        }
    };
    let mut rows = Vec::new();
    let mut last_day = None;
    for m in thread.messages.values() {
        let day = format::day_key(m.created_at);
        if last_day != Some(day) {
            rows.push(html! { <li class="day" key={format!("day-{}", day.to_julian_day())}><span>{ format::day_label(m.created_at) }</span></li> });
            last_day = Some(day);
        }
        let context = RowContext {
            me: props.me,
            reacting: &reacting,
            react: &props.react,
            names: &names,
            editing: &editing,
            history: &history,
            conversation: props.id,
            may_edit: props.may_edit,
            may_moderate: props.may_moderate,
            may_reply: props.may_reply,
            onedit: &props.onedit,
            ondelete: &props.ondelete,
            onreply: &props.onreply,
            thread,
            jump: &jump,
            client: props.client,
            readers: &readers,
            dispatch: &props.dispatch,
            open_file: &open_file,
        };
        rows.push(message_row(m, &context));
    }
    for (key, body, state) in &thread.outgoing {
        let retry = {
            let (retry, key, body) = (props.onretry.clone(), key.clone(), body.clone());
            let reply_to = thread.replies.get(&key).copied();
            Callback::from(move |_| retry.emit((key.clone(), body.clone(), reply_to)))
        };
        rows.push(html! {
            <li key={key.clone()} class="message mine" data-status={if *state == Outgoing::Pending { "pending" } else { "failed" }}>
                <div class="body rich">{ crate::components::rich::rich(body, &names) }</div>
                { match state {
                    Outgoing::Pending => html! { <span class="time" data-receipt="pending" title="Sending" aria-label="Sending">{ "🕓" }</span> },
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

/// One confirmed message, with its reactions and, when open, the palette to add one and its
/// menu (copy, and for the sender edit and delete; a group's moderators delete too). A deleted
/// message is its tombstone.
fn message_row(m: &Message, cx: &RowContext) -> Html {
    let (me, reacting, react, names) = (cx.me, cx.reacting, cx.react, cx.names);
    let mine = Some(m.sender_id) == me;
    let id = m.id;
    if m.deleted {
        return html! {
            <li key={id.to_string()} class={classes!("message", "deleted", mine.then_some("mine"))} data-status="sent">
                if !mine { <span class="sender">{ m.sender_name.clone() }</span> }
                <p class="body muted">{ "Message deleted" }</p>
                <span class="meta-row"><time class="time">{ format::clock(m.created_at) }</time></span>
            </li>
        };
    }
    if let Some((_, draft)) = cx.editing.as_ref().filter(|(e, _)| *e == id) {
        let oninput = {
            let editing = cx.editing.clone();
            Callback::from(move |e: InputEvent| {
                let value = e
                    .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value();
                editing.set(Some((id, value)));
            })
        };
        let save = {
            let (editing, onedit, draft) = (cx.editing.clone(), cx.onedit.clone(), draft.clone());
            Callback::from(move |_: MouseEvent| {
                onedit.emit((id, draft.clone()));
                editing.set(None);
            })
        };
        let cancel = {
            let editing = cx.editing.clone();
            Callback::from(move |_: MouseEvent| editing.set(None))
        };
        return html! {
            <li key={id.to_string()} class="message mine editing" data-status="sent">
                <textarea class="edit" aria-label="Edit message" value={draft.clone()} {oninput} rows="3" />
                <span class="meta-row">
                    <button class="ghost" onclick={cancel}>{ "Cancel" }</button>
                    <button class="primary" onclick={save} disabled={draft.trim().is_empty()}>{ "Save" }</button>
                </span>
            </li>
        };
    }
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
        let copy = {
            let (reacting, text) = (reacting.clone(), shared::markup::plain_text(&shared::markup::parse(&m.body), names));
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                reacting.set(None);
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&text);
                }
            })
        };
        let edit = {
            let (reacting, editing, body) = (reacting.clone(), cx.editing.clone(), m.body.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                reacting.set(None);
                editing.set(Some((id, body.clone())));
            })
        };
        let delete = {
            let (reacting, ondelete) = (reacting.clone(), cx.ondelete.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                reacting.set(None);
                let sure = web_sys::window()
                    .and_then(|w| w.confirm_with_message("Delete this message for everyone?").ok())
                    .unwrap_or(false);
                if sure {
                    ondelete.emit(id);
                }
            })
        };
        let reply = {
            let (reacting, onreply) = (reacting.clone(), cx.onreply.clone());
            let quote = super::composer::Quote {
                id,
                author: m.sender_name.clone(),
                text: shared::media::message_summary(&m.body, &m.attachments, names),
            };
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                reacting.set(None);
                onreply.emit(quote.clone());
            })
        };
        // Any other emoji, from the picker.
        let more = {
            let (react, reacting) = (react.clone(), reacting.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                let (react, reacting) = (react.clone(), reacting.clone());
                if let Some(anchor) = e.target_dyn_into::<web_sys::Element>() {
                    super::files::pick_emoji(
                        anchor,
                        Callback::from(move |emoji: String| {
                            reacting.set(None);
                            react.emit((id, emoji, true));
                        }),
                    );
                }
            })
        };
        html! {
            <div class="palette" role="group" aria-label="Reactions and actions">
                { for choices }
                <button class="emoji more" aria-label="More emoji" title="More emoji" onclick={more}>{ "+" }</button>
                <span class="actions-menu">
                    if cx.may_reply { <button class="link" onclick={reply}>{ "Reply" }</button> }
                    <button class="link" onclick={copy}>{ "Copy" }</button>
                    if mine && cx.may_edit { <button class="link" onclick={edit}>{ "Edit" }</button> }
                    if mine || cx.may_moderate { <button class="link danger" onclick={delete}>{ "Delete" }</button> }
                </span>
            </div>
        }
    });
    // The quote of the message this one answers: as it is now (edited, deleted), or a link to
    // find it when it is not loaded.
    let quote = m.reply_to.map(|original| {
        let (author, text) = match cx.thread.messages.get(&original.to_string()) {
            Some(o) if o.deleted => (o.sender_name.clone(), "Message deleted".to_owned()),
            Some(o) => (
                o.sender_name.clone(),
                shared::media::message_summary(&o.body, &o.attachments, names),
            ),
            None => (String::new(), "An earlier message".to_owned()),
        };
        let onclick = cx.jump.reform(move |e: MouseEvent| {
            e.stop_propagation();
            original
        });
        html! {
            <button class="quote" {onclick} aria-label="Show the message this answers">
                if !author.is_empty() { <strong>{ author }</strong> }
                <span class="quote-text">{ text }</span>
            </button>
        }
    });
    let versions = cx.history.as_ref().filter(|(h, _)| *h == id).map(|(_, versions)| {
        html! {
            <ol class="versions" aria-label="Edit history">
                { for versions.iter().map(|v| html! {
                    <li><time>{ format!("{} {}", format::day_label(v.at), format::clock(v.at)) }</time>{ " " }{ shared::markup::summary(&v.body, names) }</li>
                }) }
            </ol>
        }
    });
    let show_history = {
        let (history, conversation) = (cx.history.clone(), cx.conversation);
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            if history.as_ref().is_some_and(|(h, _)| *h == id) {
                history.set(None);
                return;
            }
            let history = history.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(versions) = api::message_history(conversation, id).await {
                    history.set(Some((id, versions)));
                }
            });
        })
    };
    let receipt = mine.then(|| receipt(m, cx)).flatten();
    // A long press on a phone (the context menu) opens the same menu as a click.
    let oncontextmenu = {
        let reacting = reacting.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            reacting.set(Some(id));
        })
    };
    html! {
        <li key={id.to_string()} id={format!("m-{id}")} class={classes!("message", mine.then_some("mine"))} data-status="sent" onclick={open_palette.clone()} {oncontextmenu}>
            if !mine { <span class="sender">{ m.sender_name.clone() }</span> }
            { quote }
            if !m.attachments.is_empty() { { super::files::attachments(&m.attachments, cx.open_file) } }
            if !m.body.is_empty() { <div class="body rich">{ crate::components::rich::rich(&m.body, names) }</div> }
            <span class="meta-row">
                <button class="react-button" aria-label="React, reply, copy…" title="React, reply, copy…" onclick={open_palette}>{ "☺" }</button>
                if m.edited_at.is_some() {
                    <button class="link edited" onclick={show_history} aria-label="Edited: show the edit history">{ "edited" }</button>
                }
                { channel_mark(m) }
                <time class="time">{ format::clock(m.created_at) }</time>
                { receipt }
            </span>
            if !m.reactions.is_empty() { <div class="reactions">{ for chips }</div> }
            { versions }
            if **cx.readers == Some(id) {
                <ul class="versions" aria-label="Read by">
                    { for read_by(id, m.sender_id, &cx.thread.receipts).map(|r| html! { <li>{ r.name.clone() }</li> }) }
                </ul>
            }
            { palette }
        </li>
    }
}

/// How a message went when not in the app (the staff app): "SMS" with where the text got to
/// (failed with the network's reason), or "Email".
#[cfg(feature = "staff")]
fn channel_mark(m: &Message) -> Html {
    use shared::sms::{Channel, TextStatus};
    match (m.channel, &m.sms) {
        (Channel::Sms, Some(t)) => {
            let (status, failed) = match t.status {
                TextStatus::Queued => ("queued", false),
                TextStatus::Sent => ("sent", false),
                TextStatus::Delivered => ("delivered", false),
                TextStatus::Failed => ("not delivered", true),
                TextStatus::Received => ("", false),
            };
            let title = match (&t.error, t.segments) {
                (Some(e), _) => e.clone(),
                (None, 1) => "A text of 1 segment".to_owned(),
                (None, n) => format!("A text of {n} segments"),
            };
            html! {
                <span class={classes!("channel-mark", "sms", failed.then_some("failed"))} {title} data-status={status}>
                    { "SMS" }
                    if !status.is_empty() { { format!(" · {status}") } }
                </span>
            }
        }
        (Channel::Email, _) => html! { <span class="channel-mark email">{ "Email" }</span> },
        _ => html! {},
    }
}

#[cfg(not(feature = "staff"))]
fn channel_mark(_: &Message) -> Html {
    Html::default()
}

/// How far one of the viewer's messages got: in a private conversation sent, delivered or read
/// (ticks); in a group how many read it, which opens who (read again from the server).
fn receipt(m: &Message, cx: &RowContext) -> Option<Html> {
    let id = m.id;
    if let Some(client) = cx.client {
        let (state, shown) = match private_status(id, m.sender_id, client, &cx.thread.receipts) {
            Status::Read => ("Read", "✓✓"),
            Status::Delivered => ("Delivered", "✓✓"),
            _ => ("Sent", "✓"),
        };
        return Some(html! {
            <span class="receipt" data-receipt={state} title={state} aria-label={state}>{ shown }</span>
        });
    }
    let n = read_by(id, m.sender_id, &cx.thread.receipts).count();
    (n > 0).then(|| {
        let (readers, dispatch, conversation) = (cx.readers.clone(), cx.dispatch.clone(), cx.conversation);
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            if *readers == Some(id) {
                readers.set(None);
                return;
            }
            let (readers, dispatch) = (readers.clone(), dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(r) = api::receipts(conversation).await {
                    dispatch.emit(ThreadAction::Receipts(r.receipts));
                    readers.set(Some(id));
                }
            });
        });
        html! { <button class="link receipt" data-receipt="Read" {onclick}>{ format!("Read by {n}") }</button> }
    })
}
