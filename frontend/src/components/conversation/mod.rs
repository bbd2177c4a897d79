//! One conversation: its header and menu, its history (newest at the bottom, older pages on
//! scrolling up) with live messages and reactions, read marks, and the composer with pending /
//! sent / failed states; or a group's members. Each app may add tools (the staff app's menu
//! items and adding people): see [`Tools`].

mod composer;
pub mod header;
mod members;
mod thread;

use crate::hooks::{use_live, use_session};
use crate::reducers::{Permission, Thread, ThreadAction, permission_from};
use crate::services::api;
use crate::state::Live;
use composer::Composer;
use header::Header;
use members::Members;
use shared::api::SendMessageRequest;
use shared::events::*;
use shared::model::{ConversationSummary, GroupMember, Role};
use shared::rules::{Room, Seat};
use shared::{ConversationId, MessageId};
use thread::Messages;
use yew::prelude::*;

/// What one app adds to a conversation (the staff app: messaging mode and announcement-only in
/// the menu, adding people to a group). The client app adds nothing, so none of it is in it.
#[derive(Clone, PartialEq)]
pub struct Tools {
    /// More items for the "⋯" menu.
    pub menu: Callback<MenuArgs, Html>,
    /// A way to add people to a group, under its members.
    pub add_members: Callback<AddArgs, Html>,
}

/// What the app's menu items act on.
#[derive(Clone, PartialEq)]
pub struct MenuArgs {
    pub summary: ConversationSummary,
    /// What the viewer may do here now.
    pub permission: Permission,
    /// The server's answer after a change: what the viewer may do now.
    pub changed: Callback<Permission>,
    /// A change refused, and why.
    pub failed: Callback<String>,
    /// Closes the menu.
    pub close: Callback<()>,
}

/// What adding people to a group needs.
#[derive(Clone, PartialEq)]
pub struct AddArgs {
    pub summary: ConversationSummary,
    /// Who is in it already.
    pub members: Vec<shared::UserId>,
    /// The group's members after adding.
    pub added: Callback<Vec<GroupMember>>,
}

/// The viewer's seat and the room, as far as a summary tells: what the UI asks the rules with.
pub fn seat_and_room(summary: &ConversationSummary, role: Role, p: Permission) -> (Seat, Room) {
    let seat = Seat {
        role,
        is_member: true,
        group_role: summary.group_role.unwrap_or_default(),
        // Told they cannot post where the group lets members: a mute of their own.
        can_post: (!p.can_post && !p.announcement_only).then_some(false),
    };
    let room = Room {
        kind: summary.kind,
        client_mode: p.messaging.unwrap_or_default(),
        announcement_only: p.announcement_only,
    };
    (seat, room)
}

#[derive(Properties, PartialEq)]
pub struct ConversationProps {
    pub summary: ConversationSummary,
    /// Called when this view has read up to the newest message.
    pub onread: Callback<MessageId>,
    #[prop_or_default]
    pub tools: Option<Tools>,
}

#[component]
pub fn ConversationView(props: &ConversationProps) -> Html {
    let session = use_session();
    let live = use_live();
    let thread = use_reducer(Thread::default);
    // What the server last said about posting here, live; the summary's answer until then.
    let permission_live = use_state(|| None::<Permission>);
    let removed = use_state(|| false);
    let show_members = use_state(|| false);
    let error = use_state(|| None::<String>);
    let seen = use_mut_ref(|| None::<u64>);
    let id = props.summary.id;

    // The newest page, on open and after a reconnect.
    let load_latest = {
        let thread = thread.clone();
        Callback::from(move |_: ()| {
            let thread = thread.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::messages(id, None).await {
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
        use_effect_with(id, move |_| {
            thread.dispatch(ThreadAction::Reset);
            *seen.borrow_mut() = live.recent.last().map(|(n, _)| *n);
            load_latest.emit(());
        });
    }
    // Live events for this conversation.
    {
        let (thread, seen, load_latest, permission_live, removed) = (
            thread.clone(),
            seen.clone(),
            load_latest.clone(),
            permission_live.clone(),
            removed.clone(),
        );
        use_effect_with(live.next_seq, move |_| {
            let last = *seen.borrow();
            for (n, event) in live.since(last) {
                *seen.borrow_mut() = Some(*n);
                live_event(event, id, &thread, &permission_live, &removed, &load_latest);
            }
        });
    }

    let send = {
        let thread = thread.clone();
        Callback::from(move |(key, body): (String, String)| {
            thread.dispatch(ThreadAction::Sending {
                key: key.clone(),
                body: body.clone(),
            });
            let thread = thread.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let req = SendMessageRequest {
                    client_message_id: key.clone(),
                    body,
                };
                thread.dispatch(match api::send(id, &req).await {
                    Ok(m) => ThreadAction::Add(m),
                    Err(e) => ThreadAction::Failed {
                        key,
                        why: e.message,
                    },
                });
            });
        })
    };
    // Adds (true) or removes (false) the viewer's emoji on a message.
    let react = {
        let (thread, error) = (thread.clone(), error.clone());
        Callback::from(move |(message, emoji, add): (MessageId, String, bool)| {
            let (thread, error) = (thread.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = match add {
                    true => api::add_reaction(id, message, &emoji).await,
                    false => api::remove_reaction(id, message, &emoji).await,
                };
                match result {
                    Ok(m) => thread.dispatch(ThreadAction::Add(m)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };

    let summary = &props.summary;
    let permission = (*permission_live).unwrap_or(Permission {
        can_post: summary.can_post,
        messaging: summary.messaging,
        announcement_only: summary.announcement_only,
    });
    let role = session.current().map_or(Role::Client, |s| s.user.role);
    let me = session.current().map(|s| s.user.id);

    if *show_members {
        let onclose = {
            let show_members = show_members.clone();
            Callback::from(move |_| show_members.set(false))
        };
        return html! {
            <section class="conversation">
                <Members summary={summary.clone()} {onclose} tools={props.tools.clone()} />
            </section>
        };
    }
    let on_members = {
        let show_members = show_members.clone();
        Callback::from(move |_| show_members.set(true))
    };
    let changed = {
        let permission_live = permission_live.clone();
        Callback::from(move |p: Permission| permission_live.set(Some(p)))
    };
    let failed = {
        let error = error.clone();
        Callback::from(move |e: String| error.set(Some(e)))
    };
    let (seat, room) = seat_and_room(summary, role, permission);
    let composer = if *removed {
        html! { <p class="read-only" role="note">{ "You are no longer in this group." }</p> }
    } else if permission.can_post {
        html! { <Composer onsend={send.clone()} /> }
    } else {
        // Why, as the server would say it.
        let denied = shared::rules::can_post(seat, room)
            .err()
            .unwrap_or(shared::rules::MUTED);
        html! { <p class="read-only" role="note">{ format!("{} Tap a message to react.", denied.message) }</p> }
    };
    html! {
        <section class="conversation">
            <Header summary={summary.clone()} {permission} removed={*removed} staff={role.is_staff()}
                tools={props.tools.clone()} {on_members} {changed} {failed} />
            if let Some(e) = &*error { <p class="error" role="alert">{ e.clone() }</p> }
            <Messages {id} {thread} {me} onread={props.onread.clone()} {react} onretry={send} />
            { composer }
        </section>
    }
}

/// What one live event changes in the conversation `id` on screen.
fn live_event(
    event: &Live,
    id: ConversationId,
    thread: &UseReducerHandle<Thread>,
    permission: &UseStateHandle<Option<Permission>>,
    removed: &UseStateHandle<bool>,
    load_latest: &Callback<()>,
) {
    match event {
        Live::Event(ServerEvent::MessageCreated(MessageCreated { message }))
            if message.conversation_id == id =>
        {
            thread.dispatch(ThreadAction::Add(message.clone()));
        }
        Live::Event(ServerEvent::ReactionChanged(ReactionChanged {
            conversation_id,
            message_id,
            reactions,
        })) if *conversation_id == id => {
            thread.dispatch(ThreadAction::Reactions {
                id: *message_id,
                reactions: reactions.clone(),
            });
        }
        Live::Event(ServerEvent::ConversationRemoved(ConversationRemoved { conversation_id }))
            if *conversation_id == id =>
        {
            removed.set(true);
        }
        Live::Event(event) => {
            if let Some(now) = permission_from(event, id) {
                permission.set(Some(now));
            }
        }
        Live::Reconnected => {
            // Anything may have changed meanwhile: the refetched summary decides.
            permission.set(None);
            load_latest.emit(());
        }
    }
}
