//! The inbox: every conversation of the signed-in person, most recent activity first, live;
//! the selected one beside it (or on its own screen on a phone).

use crate::app::Route;
use crate::components::conversation::{ConversationView, Tools};
use crate::format;
use crate::hooks::{use_live, use_session};
use crate::reducers::{InboxChange, inbox_apply, inbox_extend, inbox_filter};
use crate::services::api;
use crate::state::Live;
use shared::model::ConversationSummary;
use shared::{ConversationId, MessageId};
use yew::prelude::*;
use yew_router::prelude::*;

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
    let live = use_live();
    let items = use_state(Vec::<ConversationSummary>::new);
    let next_cursor = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let search = use_state(String::new);
    let seen = use_mut_ref(|| None::<u64>);
    let me = session.current().map(|s| s.user.id);
    let can_create_groups = session
        .current()
        .is_some_and(|s| shared::rules::can_create_groups(s.user.role).is_ok());

    let reload = {
        let (items, next_cursor, error, session) = (
            items.clone(),
            next_cursor.clone(),
            error.clone(),
            session.clone(),
        );
        Callback::from(move |_: ()| {
            let (items, next_cursor, error, session) = (
                items.clone(),
                next_cursor.clone(),
                error.clone(),
                session.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::conversations(None).await {
                    Ok(page) => {
                        items.set(page.items);
                        next_cursor.set(page.next_cursor);
                        error.set(None);
                    }
                    Err(e) if e.is_unauthorized() => session.sign_out(),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // Live: a new message moves its conversation to the top and counts as unread unless it is
    // the caller's own or open on screen; anything unknown (a new conversation) reloads.
    {
        let (items, seen, reload, selected) =
            (items.clone(), seen.clone(), reload.clone(), props.selected);
        use_effect_with(live.next_seq, move |_| {
            let mut next = (*items).clone();
            let mut changed = false;
            let last = *seen.borrow();
            let open = selected;
            for (n, event) in live.since(last) {
                *seen.borrow_mut() = Some(*n);
                match event {
                    Live::Event(event) => match inbox_apply(&mut next, event, me, open) {
                        InboxChange::Changed => changed = true,
                        InboxChange::Reload => reload.emit(()),
                        InboxChange::Nothing => {}
                    },
                    Live::Reconnected => reload.emit(()),
                }
            }
            if changed {
                items.set(next);
            }
        });
    }

    let load_more = {
        let (items, next_cursor) = (items.clone(), next_cursor.clone());
        Callback::from(move |_| {
            let Some(cursor) = (*next_cursor).clone() else {
                return;
            };
            let (items, next_cursor) = (items.clone(), next_cursor.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::conversations(Some(cursor)).await {
                    let mut all = (*items).clone();
                    inbox_extend(&mut all, page.items);
                    items.set(all);
                    next_cursor.set(page.next_cursor);
                }
            });
        })
    };
    let onread = {
        let items = items.clone();
        Callback::from(
            move |(conversation, message): (ConversationId, MessageId)| {
                let Some(c) = items.iter().find(|c| c.id == conversation) else {
                    return;
                };
                if c.unread_count == 0 {
                    return;
                }
                let mut next = (*items).clone();
                if let Some(c) = next.iter_mut().find(|c| c.id == conversation) {
                    c.unread_count = 0;
                }
                items.set(next);
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::mark_read(conversation, message).await;
                });
            },
        )
    };

    let visible = inbox_filter(&items, &search);
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
                        <Link<Route> to={Route::NewGroup} classes="button ghost">{ "New conversation" }</Link<Route>>
                    }
                </div>
                if let Some(e) = &*error { <p class="error" role="alert">{ e.clone() }</p> }
                <ul>
                    { for visible.iter().map(|c| {
                        let active = props.selected == Some(c.id);
                        let preview = c.last_message.as_ref().map(|m| m.body.clone()).unwrap_or_else(|| "No messages yet".into());
                        html! {
                            <li key={c.id.to_string()}>
                                <Link<Route> to={Route::Conversation { id: c.id }} classes={classes!("row", active.then_some("active"), (c.unread_count > 0).then_some("unread"))}>
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
                                </Link<Route>>
                            </li>
                        }
                    }) }
                </ul>
                if next_cursor.is_some() { <button class="ghost more" onclick={load_more}>{ "Show more" }</button> }
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
