//! One conversation: its header and menu, its history (newest at the bottom, older pages on
//! scrolling up) with live messages and reactions, read marks, and the composer with pending /
//! sent / failed states; or a group's members. Each app may add tools (the staff app's menu
//! items and adding people): see [`Tools`].

mod composer;
pub mod files;
pub mod header;
mod members;
mod thread;

use crate::hooks::{use_chat, use_session};
use crate::reducers::{ChatAction, Permission, ThreadAction};
use crate::services::api;
use composer::{Composer, Quote};
use header::Header;
use members::Members;
use shared::api::SendMessageRequest;
use shared::model::{ConversationSummary, GroupMember, Role};
use shared::rules::{Room, Seat};
use shared::sms::Channel;
use shared::{AttachmentId, ConversationId, MessageId, UserId};
use std::rc::Rc;
use thread::Messages;
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

/// What one app adds to a conversation (the staff app: messaging mode and announcement-only in
/// the menu, adding people to a group). The client app adds nothing, so none of it is in it.
#[derive(Clone, PartialEq)]
pub struct Tools {
    /// More items for the "⋯" menu.
    pub menu: Callback<MenuArgs, Html>,
    /// A way to add people to a group, under its members.
    pub add_members: Callback<AddArgs, Html>,
    /// Messages sent later in this conversation, above the composer (given its newest
    /// message).
    pub scheduled: Callback<(ConversationId, Option<MessageId>), Html>,
    /// A way to add files of the Vault to the draft, beside the composer (given what adds
    /// to the draft).
    pub vault: Callback<Callback<(&'static str, wasm_bindgen::JsValue)>, Html>,
    /// Loads the business's saved messages and hands them over (name, words filled for the
    /// conversation): `/` in the composer inserts one.
    pub saved: Callback<SavedArgs>,
    /// Above the conversation list: the inbox's folders (given the conversation open).
    pub folders: Callback<Option<ConversationId>, Html>,
    /// Under the composer of a client's private conversation: how the message goes (in the
    /// app, as a text, as an email) and, for a text, its segments as typed.
    pub channel: Callback<ChannelArgs, Html>,
}

/// What choosing how a message goes needs.
pub struct ChannelArgs {
    pub conversation: ConversationId,
    pub client: UserId,
    /// The draft as typed, and what replaces it (plain characters for a text).
    pub draft: String,
    pub replace: Callback<String>,
    /// Where the choice goes: the next message sent here goes that way.
    pub chosen: Callback<Channel>,
}

/// What loading saved messages for a conversation needs.
pub struct SavedArgs {
    /// In a private conversation, its client's name (as its title shows it).
    pub client: Option<String>,
    /// The one sending, and their business.
    pub me: String,
    pub business: String,
    /// Where the filled messages go.
    pub done: Callback<Vec<(String, String)>>,
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
        client_active: p.client_active,
    };
    (seat, room)
}

/// A change to a message the viewer asked for.
enum Act {
    React(MessageId, String, bool),
    Edit(MessageId, String),
    Delete(MessageId),
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
    let chat = use_chat();
    let show_members = use_state(|| false);
    let error = use_state(|| None::<String>);
    // The message the draft answers.
    let replying = use_state(|| None::<Quote>);
    let id = props.summary.id;
    let thread = chat.thread(id);
    // Changes to this conversation's thread, kept in the chat state (where live events land).
    let dispatch = {
        let chat = chat.clone();
        Callback::from(move |action: ThreadAction| chat.dispatch(ChatAction::Thread(id, action)))
    };

    // The newest page, on open and after a reconnect.
    {
        let dispatch = dispatch.clone();
        use_effect_with((id, chat.reconnects), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::messages(id, None).await {
                    dispatch.emit(ThreadAction::Page {
                        items: page.items,
                        next_cursor: page.next_cursor,
                        older: false,
                    });
                }
                if let Ok(r) = api::receipts(id).await {
                    dispatch.emit(ThreadAction::Receipts(r.receipts));
                }
            });
        });
    }

    // The draft's files: uploaded by the media module as soon as they are picked, dropped or
    // pasted, and shown in its tray above the composer.
    let files::Draft {
        tray,
        count: file_count,
        to_draft,
    } = files::use_draft(id.into());
    let add_files = to_draft.reform(|files| ("add", files));
    let record = to_draft.reform(|press| ("record", press));
    // What each message sent from here carries, by its key: a retry sends the same files.
    let carried = use_mut_ref(crate::reducers::Few::<String, Vec<AttachmentId>>::default);
    // How the next message goes, as chosen in this conversation (the staff app's tool: the
    // client app carries none of it).
    #[cfg(feature = "staff")]
    let channel = use_mut_ref(|| (id, Channel::InApp));
    let send = {
        let (dispatch, error) = (dispatch.clone(), error.clone());
        let carried = carried.clone();
        #[cfg(feature = "staff")]
        let chosen = channel.clone();
        Callback::from(
            move |(key, body, reply_to): (String, String, Option<MessageId>)| {
                let attachments = match carried.borrow().get(&key) {
                    Some(a) => a.clone(),
                    None if file_count > 0 => match files::take(id.into()) {
                        Ok(a) => a,
                        Err(why) => {
                            error.set(Some(why));
                            return;
                        }
                    },
                    None => Vec::new(),
                };
                carried
                    .borrow_mut()
                    .insert(key.clone(), attachments.clone());
                dispatch.emit(ThreadAction::Sending {
                    key: key.clone(),
                    body: body.clone(),
                    reply_to,
                });
                let dispatch = dispatch.clone();
                #[cfg(feature = "staff")]
                let channel = match *chosen.borrow() {
                    (c, chosen) if c == id => chosen,
                    _ => Channel::InApp,
                };
                #[cfg(not(feature = "staff"))]
                let channel = Channel::InApp;
                wasm_bindgen_futures::spawn_local(async move {
                    let req = SendMessageRequest {
                        reply_to,
                        client_message_id: key.clone(),
                        body,
                        attachments,
                        send_at: None,
                        channel,
                    };
                    dispatch.emit(match api::send(id, &req).await {
                        Ok(m) => ThreadAction::Add(m),
                        Err(e) => ThreadAction::Failed {
                            key,
                            why: e.message,
                        },
                    });
                });
            },
        )
    };
    // Reactions (added or removed), edits and deletes: the answer (or the tombstone) at once;
    // others get the event. One future for all of them keeps the app small.
    let act = {
        let (dispatch, error) = (dispatch.clone(), error.clone());
        Callback::from(move |act: Act| {
            let (dispatch, error) = (dispatch.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let done = match act {
                    Act::React(m, emoji, true) => api::add_reaction(id, m, &emoji)
                        .await
                        .map(ThreadAction::Add),
                    Act::React(m, emoji, false) => api::remove_reaction(id, m, &emoji)
                        .await
                        .map(ThreadAction::Add),
                    Act::Edit(m, body) => {
                        api::edit_message(id, m, &body).await.map(ThreadAction::Add)
                    }
                    Act::Delete(m) => api::delete_message(id, m)
                        .await
                        .map(|()| ThreadAction::Deleted(m)),
                };
                match done {
                    Ok(action) => dispatch.emit(action),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let react = act.reform(|(m, emoji, add)| Act::React(m, emoji, add));
    let edit = act.reform(|(m, body)| Act::Edit(m, body));
    let delete = act.reform(Act::Delete);
    // Who may be mentioned: a group's members (loaded when `@` is first typed, or a message
    // mentions someone who never wrote); in a private conversation its client and whoever wrote
    // in it.
    let members = use_state(|| None::<(ConversationId, Rc<Vec<(UserId, String)>>)>);
    let onpeople = {
        let members = members.clone();
        let group = props.summary.kind.is_group();
        Callback::from(move |_| {
            if !group || members.as_ref().is_some_and(|(c, _)| *c == id) {
                return;
            }
            let members = members.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::group_members(id).await {
                    let people = list.into_iter().map(|m| (m.user_id, m.name)).collect();
                    members.set(Some((id, Rc::new(people))));
                }
            });
        })
    };
    // A group's message that mentions someone who never wrote: its members' names are loaded.
    {
        let mentioned = props.summary.kind.is_group()
            && thread.messages.values().any(|m| {
                m.mentions
                    .iter()
                    .any(|u| !thread.messages.values().any(|w| w.sender_id == *u))
            });
        let onpeople = onpeople.clone();
        use_effect_with((id, mentioned), move |(_, mentioned)| {
            if *mentioned {
                onpeople.emit(());
            }
        });
    }
    // Saved messages, loaded the first time `/` starts a draft (the staff app's tool).
    let saved = use_state(|| None::<Rc<Vec<(String, String)>>>);
    let onsaved = {
        let (saved, tools) = (saved.clone(), props.tools.clone());
        let client = (props.summary.kind == shared::model::ConversationKind::Private)
            .then(|| props.summary.title.clone());
        let (me, business) = session
            .current()
            .map(|s| (s.user.name, s.user.business_name))
            .unwrap_or_default();
        Callback::from(move |_| {
            if let (None, Some(tools)) = (saved.as_ref(), &tools) {
                let saved = saved.clone();
                tools.saved.emit(SavedArgs {
                    client: client.clone(),
                    me: me.clone(),
                    business: business.clone(),
                    done: Callback::from(move |list| saved.set(Some(Rc::new(list)))),
                });
            }
        })
    };
    let removed = chat.removed.contains_key(&id);
    let onreply = {
        let replying = replying.clone();
        Callback::from(move |quote: Quote| replying.set(Some(quote)))
    };

    let summary = &props.summary;
    let permission = chat.permissions.get(&id).copied().unwrap_or(Permission {
        can_post: summary.can_post,
        messaging: summary.messaging,
        announcement_only: summary.announcement_only,
        client_active: summary.client_active,
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
        let chat = chat.clone();
        Callback::from(move |p: Permission| chat.dispatch(ChatAction::Permission(id, p)))
    };
    let failed = {
        let error = error.clone();
        Callback::from(move |e: String| error.set(Some(e)))
    };
    let (seat, room) = seat_and_room(summary, role, permission);
    // Everyone whose name the thread knows (mentions show it), the viewer included; and whom
    // the viewer may mention.
    let mut everyone: Vec<(UserId, String)> = match &*members {
        Some((c, people)) if *c == id => people.to_vec(),
        _ => Vec::new(),
    };
    if let (Some(client), true) = (summary.client_id, role.is_staff()) {
        everyone.push((client, summary.title.clone()));
    }
    if let Some(s) = session.current() {
        everyone.push((s.user.id, s.user.name));
    }
    for m in thread.messages.values() {
        everyone.push((m.sender_id, m.sender_name.clone()));
    }
    let mut people: Vec<(UserId, String)> = Vec::new();
    for (u, name) in &everyone {
        if Some(*u) != me && !people.iter().any(|(p, _)| p == u) {
            people.push((*u, name.clone()));
        }
    }
    let (everyone, people) = (Rc::new(everyone), Rc::new(people));
    let saved: Rc<Vec<(String, String)>> = (*saved).clone().unwrap_or_default();
    // In a client's private conversation, the staff app's choice of how a message goes.
    #[cfg(feature = "staff")]
    let under = match (&props.tools, summary.client_id, summary.kind) {
        (Some(tools), Some(client), shared::model::ConversationKind::Private) => {
            let (make, channel) = (tools.channel.clone(), channel.clone());
            let chosen = Callback::from(move |c| *channel.borrow_mut() = (id, c));
            Some(Callback::from(move |(draft, replace)| {
                make.emit(ChannelArgs {
                    conversation: id,
                    client,
                    draft,
                    replace,
                    chosen: chosen.clone(),
                })
            }))
        }
        _ => None,
    };
    let composer = if removed {
        html! { <p class="read-only" role="note">{ "You are no longer in this group." }</p> }
    } else if permission.can_post {
        let oncancelreply = {
            let replying = replying.clone();
            Callback::from(move |_| replying.set(None))
        };
        let composer_props = composer::ComposerProps {
            onsend: send.clone(),
            reply: (*replying).clone(),
            oncancelreply,
            people,
            onpeople,
            saved,
            onsaved,
            files: file_count,
            onfiles: add_files.clone(),
            onrecord: record,
            tools: props.tools.as_ref().map(|t| t.vault.emit(to_draft.clone())),
            #[cfg(feature = "staff")]
            under,
        };
        html! {
            <>
                { for props.tools.as_ref().map(|t| t.scheduled.emit((id, thread.messages.values().map(|m| m.id).max()))) }
                <ul class="pending-files" key={id.to_string()} ref={tray.clone()} aria-label="Files to send" />
                <Composer ..composer_props />
            </>
        }
    } else {
        // Why, as the server would say it.
        let denied = shared::rules::can_post(seat, room)
            .err()
            .unwrap_or(shared::rules::MUTED);
        html! { <p class="read-only" role="note">{ format!("{} Tap a message to react.", denied.message) }</p> }
    };
    // Files dropped on the conversation or pasted into it join the draft, where one may post.
    let may_attach = !removed && permission.can_post;
    let ondragover = Callback::from(move |e: DragEvent| {
        if may_attach {
            e.prevent_default();
        }
    });
    let ondrop = {
        let add_files = add_files.clone();
        Callback::from(move |e: DragEvent| {
            if may_attach {
                e.prevent_default();
                add_files.emit(files::files_of(e.data_transfer().and_then(|d| d.files())).into());
            }
        })
    };
    let onpaste = Callback::from(move |e: Event| {
        let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else {
            return;
        };
        let pasted = files::files_of(e.clipboard_data().and_then(|d| d.files()));
        if may_attach && pasted.length() > 0 {
            e.prevent_default();
            add_files.emit(pasted.into());
        }
    });
    html! {
        <section class="conversation" {ondragover} {ondrop} {onpaste}>
            <Header summary={summary.clone()} {permission} {removed} staff={role.is_staff()}
                tools={props.tools.clone()} {on_members} {changed} {failed} />
            if let Some(e) = &*error { <p class="error" role="alert">{ e.clone() }</p> }
            <Messages {id} {thread} {dispatch} {me} onread={props.onread.clone()} {react} onretry={send} people={everyone}
                client={(summary.kind == shared::model::ConversationKind::Private).then_some(summary.client_id).flatten()}
                may_edit={!removed && shared::rules::can_edit_own(seat, room).is_ok()}
                may_moderate={!removed && shared::rules::can_delete(seat, room, false).is_ok()}
                may_reply={!removed && permission.can_post}
                onedit={edit} ondelete={delete} {onreply} />
            { composer }
        </section>
    }
}
