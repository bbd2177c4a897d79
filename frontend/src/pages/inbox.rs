//! The inbox: every conversation of the signed-in person, most recent activity first, live;
//! the selected one beside it (or on its own screen on a phone).

use crate::app::Route;
use crate::components::conversation::{ConversationView, Tools};
use crate::format;
use crate::hooks::{use_chat, use_session};
use crate::reducers::{ChatAction, inbox_filter};
use crate::router::Link;
use crate::services::api;
use shared::model::ConversationSummary;
use shared::{ConversationId, MessageId};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InboxProps {
    pub selected: Option<ConversationId>,
    /// What the app adds to an open conversation.
    #[prop_or_default]
    pub tools: Option<Tools>,
}

#[component]
pub fn Inbox(props: &InboxProps) -> Html {
    let session = use_session();
    let chat = use_chat();
    let error = use_state(|| None::<String>);
    let search = use_state(String::new);
    let can_create_groups = session
        .current()
        .is_some_and(|s| shared::rules::can_create_groups(s.user.role).is_ok());
    let items = &chat.inbox;

    // The first page, at first and whenever the loaded list may be missing something (a new
    // conversation, a reconnect). Live events move what is loaded (see `Chat`).
    {
        let (chat, error) = (chat.clone(), error.clone());
        use_effect_with(chat.inbox_stale, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::conversations(None).await {
                    Ok(page) => {
                        chat.dispatch(ChatAction::InboxPage {
                            items: page.items,
                            next_cursor: page.next_cursor,
                            first: true,
                        });
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        });
    }
    // What is on screen: its new messages are not unread.
    {
        let chat = chat.clone();
        use_effect_with(props.selected, move |selected| {
            chat.dispatch(ChatAction::Open(*selected));
            crate::services::presence::open(*selected);
            move || {
                chat.dispatch(ChatAction::Open(None));
                crate::services::presence::open(None);
            }
        });
    }

    let load_more = {
        let chat = chat.clone();
        Callback::from(move |_| {
            let Some(cursor) = chat.inbox_cursor.clone() else {
                return;
            };
            let chat = chat.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::conversations(Some(cursor)).await {
                    chat.dispatch(ChatAction::InboxPage {
                        items: page.items,
                        next_cursor: page.next_cursor,
                        first: false,
                    });
                }
            });
        })
    };
    let onread = {
        let chat = chat.clone();
        Callback::from(
            move |(conversation, message): (ConversationId, MessageId)| {
                let unread = chat
                    .inbox
                    .iter()
                    .find(|c| c.id == conversation)
                    .is_some_and(|c| c.unread_count > 0);
                if !unread {
                    return;
                }
                chat.dispatch(ChatAction::Read(conversation));
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::mark_read(conversation, message).await;
                });
            },
        )
    };

    let visible = inbox_filter(items, &search);
    let oninput = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            search.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            )
        })
    };
    // A conversation opened by link may not be on the loaded page: fetch it on its own.
    let opened = use_state(|| None::<ConversationSummary>);
    {
        let opened = opened.clone();
        let missing = props
            .selected
            .filter(|id| !items.iter().any(|c| c.id == *id));
        use_effect_with(missing, move |missing| {
            if let Some(id) = *missing {
                wasm_bindgen_futures::spawn_local(async move {
                    opened.set(api::conversation(id).await.ok());
                });
            }
        });
    }
    let selected_summary = props.selected.as_ref().and_then(|id| {
        items
            .iter()
            .find(|c| c.id == *id)
            .cloned()
            .or_else(|| (*opened).clone().filter(|c| c.id == *id))
    });

    html! {
        <div class={classes!("inbox", props.selected.is_some().then_some("has-selection"))}>
            <aside class="conversation-list">
                <div class="list-head">
                    <input class="search" type="search" placeholder="Search by name" value={(*search).clone()} {oninput} aria-label="Search conversations" />
                    if can_create_groups {
                        <Link to={Route::NewGroup} classes="button ghost">{ "New conversation" }</Link>
                    }
                </div>
                if let Some(tools) = &props.tools { { tools.folders.emit(props.selected) } }
                if let Some(e) = &*error { <p class="error" role="alert">{ e.clone() }</p> }
                <ul>
                    { for visible.iter().map(|c| {
                        let active = props.selected == Some(c.id);
                        let preview = c.last_message.as_ref().map(|m| shared::media::message_summary(&m.body, &m.attachments, &|_| None)).unwrap_or_else(|| "No messages yet".into());
                        html! {
                            <li key={c.id.to_string()}>
                                <Link to={Route::Conversation { id: c.id }} classes={classes!("row", active.then_some("active"), (c.unread_count > 0).then_some("unread"))}>
                                    <span class="avatar" aria-hidden="true">{ c.emoji.clone().unwrap_or_else(|| format::initials(&c.title)) }</span>
                                    <span class="summary">
                                        <span class="title">{ c.title.clone() }</span>
                                        <span class="preview">{ preview }</span>
                                    </span>
                                    <span class="meta">
                                        <time>{ format::list_time(c.last_activity_at) }</time>
                                        if let Some(badge) = format::unread_badge(c.unread_count) {
                                            <span class="badge" aria-label={format!("{} unread", c.unread_count)}>{ badge }</span>
                                        }
                                    </span>
                                </Link>
                            </li>
                        }
                    }) }
                </ul>
                if chat.inbox_cursor.is_some() { <button class="ghost more" onclick={load_more}>{ "Show more" }</button> }
            </aside>
            { match selected_summary {
                Some(summary) => {
                    let conversation = summary.id;
                    let key = conversation.to_string();
                    let onread = onread.reform(move |message: MessageId| (conversation, message));
                    html! { <ConversationView {key} {summary} {onread} tools={props.tools.clone()} /> }
                }
                None => html! { <section class="conversation placeholder"><p class="muted">{ "Choose a conversation." }</p></section> },
            } }
        </div>
    }
}
