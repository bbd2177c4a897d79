//! One conversation: history (newest at the bottom, older pages on scrolling up), live
//! messages, read marks, and the composer with pending / sent / failed states.

use crate::app::Route;
use crate::format;
use crate::hooks::{use_live, use_session};
use crate::pages::groups::GroupMembers;
use crate::reducers::{Outgoing, Permission, Thread, ThreadAction, permission_from};
use crate::services::api;
use crate::state::Live;
use shared::api::SendMessageRequest;
use shared::api::UpdateConversationRequest;
use shared::events::*;
use shared::limits::{MESSAGE_COUNTER_FROM, MESSAGE_MAX_CHARS};
use shared::model::{ConversationSummary, GroupRole, MessagingMode, Role};
use shared::validate::MessageBody;
use web_sys::{Element, HtmlTextAreaElement};
use yew::prelude::*;
use yew_router::prelude::*;

/// The emoji offered in one tap.
const QUICK_REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "💪", "🙏"];

#[derive(Properties, PartialEq)]
pub struct ConversationProps {
    pub summary: ConversationSummary,
    /// Called when this view has read up to the newest message.
    pub onread: Callback<String>,
}

#[component]
pub fn ConversationView(props: &ConversationProps) -> Html {
    let session = use_session();
    let live = use_live();
    let thread = use_reducer(Thread::default);
    // The message whose emoji palette is open.
    let reacting = use_state(|| None::<String>);
    // What the server last said about posting here, live; the summary's answer until then.
    let can_post_live = use_state(|| None::<Permission>);
    let removed = use_state(|| false);
    let show_members = use_state(|| false);
    let menu_open = use_state(|| false);
    let menu_error = use_state(|| None::<String>);
    let draft = use_state(String::new);
    let seen = use_mut_ref(|| None::<u64>);
    let list_ref = use_node_ref();
    let loading_older = use_mut_ref(|| false);
    let stick_to_bottom = use_mut_ref(|| true);
    let token = session.current().map(|s| s.token).unwrap_or_default();
    let me = session.current().map(|s| s.user.id);
    let id = props.summary.id.to_string();

    // The newest page, on open and after a reconnect.
    let load_latest = {
        let (thread, token, id) = (thread.clone(), token.clone(), id.clone());
        Callback::from(move |_: ()| {
            let (thread, token, id) = (thread.clone(), token.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::messages(&token, &id, None).await {
                    thread.dispatch(ThreadAction::Page {
                        items: page.items,
                        next_cursor: page.next_cursor,
                        older: false,
                    });
                }
            });
        })
    };
    {
        let (load_latest, thread, seen, live) = (
            load_latest.clone(),
            thread.clone(),
            seen.clone(),
            live.clone(),
        );
        use_effect_with(id.clone(), move |_| {
            thread.dispatch(ThreadAction::Reset);
            *seen.borrow_mut() = live.recent.last().map(|(n, _)| *n);
            load_latest.emit(());
        });
    }
    // Live events for this conversation.
    {
        let (thread, seen, load_latest, summary_id, can_post_live, removed) = (
            thread.clone(),
            seen.clone(),
            load_latest.clone(),
            props.summary.id,
            can_post_live.clone(),
            removed.clone(),
        );
        use_effect_with(live.next_seq, move |_| {
            let last = *seen.borrow();
            for (n, event) in live.since(last) {
                *seen.borrow_mut() = Some(*n);
                match event {
                    Live::Event(ServerEvent::MessageCreated(MessageCreated { message }))
                        if message.conversation_id == summary_id =>
                    {
                        thread.dispatch(ThreadAction::Add(message.clone()));
                    }
                    Live::Event(ServerEvent::ReactionChanged(ReactionChanged {
                        conversation_id,
                        message_id,
                        reactions,
                    })) if *conversation_id == summary_id => {
                        thread.dispatch(ThreadAction::Reactions {
                            id: *message_id,
                            reactions: reactions.clone(),
                        });
                    }
                    Live::Event(ServerEvent::ConversationRemoved(ConversationRemoved {
                        conversation_id,
                    })) if *conversation_id == summary_id => {
                        removed.set(true);
                    }
                    Live::Event(event) => {
                        if let Some(now) = permission_from(event, summary_id) {
                            can_post_live.set(Some(now));
                        }
                    }
                    Live::Reconnected => {
                        // Anything may have changed meanwhile: the refetched summary decides.
                        can_post_live.set(None);
                        load_latest.emit(());
                    }
                }
            }
        });
    }
    // Mark read when the newest message changes; keep the view at the bottom if it was there.
    {
        let (onread, list_ref, stick) = (
            props.onread.clone(),
            list_ref.clone(),
            stick_to_bottom.clone(),
        );
        let newest = thread.newest().map(|m| m.id.to_string());
        let count = thread.messages.len() + thread.outgoing.len();
        use_effect_with((newest, count), move |(newest, _)| {
            if let Some(newest) = newest {
                onread.emit(newest.clone());
            }
            if *stick.borrow()
                && let Some(el) = list_ref.cast::<Element>()
            {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let onscroll = {
        let (thread, token, id, list_ref, loading, stick) = (
            thread.clone(),
            token.clone(),
            id.clone(),
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
            let (thread, token, id, list_ref, loading) = (
                thread.clone(),
                token.clone(),
                id.clone(),
                list_ref.clone(),
                loading.clone(),
            );
            let height_before = el.scroll_height();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::messages(&token, &id, Some(&before)).await {
                    thread.dispatch(ThreadAction::Page {
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

    let send = {
        let (thread, token, id) = (thread.clone(), token.clone(), id.clone());
        Callback::from(move |(key, body): (String, String)| {
            thread.dispatch(ThreadAction::Sending {
                key: key.clone(),
                body: body.clone(),
            });
            let (thread, token, id) = (thread.clone(), token.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::send(
                    &token,
                    &id,
                    &SendMessageRequest {
                        client_message_id: key.clone(),
                        body,
                    },
                )
                .await;
                thread.dispatch(match result {
                    Ok(m) => ThreadAction::Add(m),
                    Err(e) => ThreadAction::Failed {
                        key,
                        why: e.message,
                    },
                });
            });
        })
    };

    let submit = {
        let (draft, send) = (draft.clone(), send.clone());
        Callback::from(move |_: ()| {
            if let Ok(body) = MessageBody::parse(&draft) {
                send.emit((format::new_client_message_id(), body.into_inner()));
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

    // Adds (true) or removes (false) the viewer's emoji on a message.
    let react = {
        let (thread, token, id, menu_error) = (
            thread.clone(),
            token.clone(),
            id.clone(),
            menu_error.clone(),
        );
        Callback::from(move |(message, emoji, add): (String, String, bool)| {
            let (thread, token, id, menu_error) = (
                thread.clone(),
                token.clone(),
                id.clone(),
                menu_error.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let result = if add {
                    api::add_reaction(&token, &id, &message, &emoji).await
                } else {
                    api::remove_reaction(&token, &id, &message, &emoji).await
                };
                match result {
                    Ok(m) => thread.dispatch(ThreadAction::Add(m)),
                    Err(e) => menu_error.set(Some(e.message)),
                }
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
        let mine = Some(m.sender_id) == me;
        let message_id = m.id.to_string();
        let open_palette = {
            let (reacting, message_id) = (reacting.clone(), message_id.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                let open = reacting.as_deref() == Some(message_id.as_str());
                reacting.set((!open).then(|| message_id.clone()));
            })
        };
        let chips = m.reactions.iter().map(|r| {
            let by_me = r.users.iter().any(|u| Some(u.id) == me);
            let who = r.users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ");
            let onclick = react.reform({
                let (message_id, emoji) = (message_id.clone(), r.emoji.clone());
                move |e: MouseEvent| {
                    e.stop_propagation();
                    (message_id.clone(), emoji.clone(), !by_me)
                }
            });
            html! {
                <button class={classes!("chip", by_me.then_some("mine"))} aria-pressed={by_me.to_string()}
                    title={who.clone()} aria-label={format!("{} {}: {who}", r.emoji, r.users.len())} {onclick}>
                    <span aria-hidden="true">{ format!("{} {}", r.emoji, r.users.len()) }</span>
                </button>
            }
        });
        let palette = (reacting.as_deref() == Some(message_id.as_str())).then(|| {
            let choices = QUICK_REACTIONS.iter().map(|emoji| {
                let by_me = m.reactions.iter().any(|r| r.emoji == *emoji && r.users.iter().any(|u| Some(u.id) == me));
                let (react, reacting, message_id) = (react.clone(), reacting.clone(), message_id.clone());
                let onclick = Callback::from(move |e: MouseEvent| {
                    e.stop_propagation();
                    reacting.set(None);
                    react.emit((message_id.clone(), emoji.to_string(), !by_me));
                });
                html! { <button class={classes!("emoji", by_me.then_some("mine"))} aria-label={format!("React with {emoji}")} {onclick}>{ *emoji }</button> }
            });
            html! { <div class="palette" role="group" aria-label="Reactions">{ for choices }</div> }
        });
        rows.push(html! {
            <li key={message_id.clone()} class={classes!("message", mine.then_some("mine"))} data-status="sent" onclick={open_palette.clone()}>
                if !mine { <span class="sender">{ m.sender_name.clone() }</span> }
                <p class="body">{ m.body.clone() }</p>
                <span class="meta-row">
                    <button class="react-button" aria-label="Add a reaction" onclick={open_palette}>{ "☺" }</button>
                    <time class="time">{ format::clock(m.created_at) }</time>
                </span>
                if !m.reactions.is_empty() { <div class="reactions">{ for chips }</div> }
                { palette }
            </li>
        });
    }
    for (key, body, state) in &thread.outgoing {
        let retry = {
            let (send, key, body) = (send.clone(), key.clone(), body.clone());
            Callback::from(move |_| send.emit((key.clone(), body.clone())))
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

    let chars = draft.chars().count();
    let over = chars > MESSAGE_MAX_CHARS;
    let Permission {
        can_post,
        messaging,
        announcement_only,
    } = (*can_post_live).unwrap_or(Permission {
        can_post: props.summary.can_post,
        messaging: props.summary.messaging,
        announcement_only: props.summary.announcement_only,
    });
    let group = props.summary.kind.is_group();
    let role = session.current().map(|s| s.user.role);
    let staff = role.is_some_and(Role::is_staff);
    let manager = group
        && (matches!(
            props.summary.group_role,
            Some(GroupRole::Owner | GroupRole::Admin)
        ) || matches!(role, Some(Role::Owner | Role::Admin)));
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_| menu_open.set(!*menu_open))
    };
    // One choice of the "⋯" menu: staff set a client's messaging mode; group admins set
    // announcement-only; anyone opens a group's members.
    let item = |checked: Option<bool>, label: &'static str, onclick: Callback<MouseEvent>| {
        let role = if checked.is_some() {
            "menuitemradio"
        } else {
            "menuitem"
        };
        html! {
            <button {role} aria-checked={checked.map(|c| c.to_string())} class="menu-item" {onclick}>
                <span class="check" aria-hidden="true">{ if checked == Some(true) { "✓" } else { "" } }</span>{ label }
            </button>
        }
    };
    let mut items = Vec::new();
    if let (true, Some(current), Some(client_id)) = (staff, messaging, props.summary.client_id) {
        for (mode, label) in [
            (MessagingMode::OneWay, "One-way messaging"),
            (MessagingMode::TwoWay, "Two-way messaging"),
        ] {
            let (token, menu_open, menu_error, can_post_live) = (
                token.clone(),
                menu_open.clone(),
                menu_error.clone(),
                can_post_live.clone(),
            );
            let onclick = Callback::from(move |_| {
                menu_open.set(false);
                if mode == current {
                    return;
                }
                let (token, menu_error, can_post_live) =
                    (token.clone(), menu_error.clone(), can_post_live.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::set_messaging(&token, &client_id.to_string(), mode).await {
                        Ok(_) => {
                            menu_error.set(None);
                            can_post_live.set(Some(Permission {
                                can_post: true,
                                messaging: Some(mode),
                                announcement_only: false,
                            }));
                        }
                        Err(e) => menu_error.set(Some(e.message)),
                    }
                });
            });
            items.push(item(Some(mode == current), label, onclick));
        }
    }
    if group && !*removed {
        let (menu_open, show_members) = (menu_open.clone(), show_members.clone());
        items.push(item(
            None,
            "Members",
            Callback::from(move |_| {
                menu_open.set(false);
                show_members.set(true);
            }),
        ));
    }
    if manager && !*removed {
        let (token, id, menu_open, menu_error, can_post_live) = (
            token.clone(),
            id.clone(),
            menu_open.clone(),
            menu_error.clone(),
            can_post_live.clone(),
        );
        let onclick = Callback::from(move |_| {
            menu_open.set(false);
            let req = UpdateConversationRequest {
                announcement_only: Some(!announcement_only),
                ..Default::default()
            };
            let (token, id, menu_error, can_post_live) = (
                token.clone(),
                id.clone(),
                menu_error.clone(),
                can_post_live.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_conversation(&token, &id, &req).await {
                    Ok(summary) => {
                        menu_error.set(None);
                        can_post_live.set(Some(Permission {
                            can_post: summary.can_post,
                            messaging: summary.messaging,
                            announcement_only: summary.announcement_only,
                        }));
                    }
                    Err(e) => menu_error.set(Some(e.message)),
                }
            });
        });
        items.push(item(Some(announcement_only), "Announcement only", onclick));
    }
    let options = if items.is_empty() {
        html! {}
    } else {
        html! {
            <div class="menu-anchor">
                <button class="ghost icon" aria-label="Conversation options" aria-haspopup="menu" aria-expanded={menu_open.to_string()} onclick={toggle_menu}>{ "⋯" }</button>
                if *menu_open {
                    <div class="menu card" role="menu">{ for items }</div>
                }
            </div>
        }
    };
    let composer = if *removed {
        html! { <p class="read-only" role="note">{ "You are no longer in this group." }</p> }
    } else if can_post {
        let onclick = {
            let submit = submit.clone();
            Callback::from(move |_| submit.emit(()))
        };
        html! {
            <div class="composer">
                <textarea placeholder="Write a message" value={(*draft).clone()} {oninput} {onkeydown} rows="1" aria-label="Message" />
                if chars >= MESSAGE_COUNTER_FROM {
                    <span class={classes!("counter", over.then_some("over"))}>{ format!("{}", MESSAGE_MAX_CHARS as i64 - chars as i64) }</span>
                }
                <button class="primary" {onclick} disabled={draft.trim().is_empty() || over}>{ "Send" }</button>
            </div>
        }
    } else {
        let why = match (group, announcement_only) {
            (true, true) => "Only admins can post here. Tap a message to react.",
            (true, false) => {
                "An admin has turned off posting for you here. Tap a message to react."
            }
            (false, _) => "Only your coach sends messages here. Tap a message to react.",
        };
        html! { <p class="read-only" role="note">{ why }</p> }
    };
    if *show_members {
        let onclose = {
            let show_members = show_members.clone();
            Callback::from(move |_| show_members.set(false))
        };
        return html! {
            <section class="conversation">
                <GroupMembers summary={props.summary.clone()} {onclose} />
            </section>
        };
    }

    html! {
        <section class="conversation">
            <header class="conversation-head">
                <Link<Route> to={Route::Inbox} classes="back" ><span aria-hidden="true">{ "‹" }</span><span class="visually-hidden">{ "All conversations" }</span></Link<Route>>
                <h2>{ props.summary.emoji.clone().map(|e| format!("{e} ")).unwrap_or_default() }{ props.summary.title.clone() }</h2>
                if group && announcement_only {
                    <span class="pill muted">{ "Announcements" }</span>
                }
                if messaging == Some(MessagingMode::OneWay) && staff {
                    <span class="pill muted">{ "One-way" }</span>
                }
                { options }
            </header>
            if let Some(e) = &*menu_error { <p class="error" role="alert">{ e.clone() }</p> }
            <ol class="messages" ref={list_ref} {onscroll}>
                if thread.older.is_some() { <li class="more muted">{ "Scroll up for earlier messages" }</li> }
                if thread.loaded && thread.messages.is_empty() && thread.outgoing.is_empty() {
                    <li class="empty muted">{ "No messages yet." }</li>
                }
                { for rows }
            </ol>
            { composer }
        </section>
    }
}
