//! A group's members, and what the rules let the viewer change about them: its owners and
//! admins set roles and posting rights and take people out; anyone leaves (but a client of a
//! company's channel, which follows the company). Adding people is the app's tool.

use super::{AddArgs, Tools};
use crate::app::Route;
use crate::components::field::FormError;
use crate::hooks::use_session;
use crate::router::use_navigator;
use crate::services::api;
use shared::UserId;
use shared::api::SetMemberRequest;
use shared::model::{ConversationKind, ConversationSummary, GroupMember, GroupRole, Role};
use shared::rules::{Action, Room, Seat, allowed};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MembersProps {
    pub summary: ConversationSummary,
    pub onclose: Callback<()>,
    pub tools: Option<Tools>,
}

fn role_label(m: &GroupMember) -> &'static str {
    match m.group_role {
        GroupRole::Owner => "Owner",
        GroupRole::Admin => "Admin",
        GroupRole::Member => "Member",
    }
}

#[component]
pub fn Members(props: &MembersProps) -> Html {
    let session = use_session();
    let me = session.current().map(|s| s.user.id);
    let my_role = session.current().map_or(Role::Client, |s| s.user.role);
    let navigator = use_navigator();
    let members = use_state(Vec::<GroupMember>::new);
    let error = use_state(|| None::<String>);
    let summary = &props.summary;
    let id = summary.id;
    {
        let members = members.clone();
        use_effect_with(id, move |id| {
            let id = *id;
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::group_members(id).await {
                    members.set(list);
                }
            });
        });
    }
    let seat = Seat {
        role: my_role,
        is_member: true,
        group_role: summary.group_role.unwrap_or_default(),
        can_post: None,
    };
    let room = Room {
        kind: summary.kind,
        client_mode: Default::default(),
        announcement_only: summary.announcement_only,
        client_active: summary.client_active,
    };
    let manager = allowed(Action::ManageMembers, seat, room).is_ok();
    let set = {
        let (members, error) = (members.clone(), error.clone());
        Callback::from(move |(user, req): (UserId, SetMemberRequest)| {
            let (members, error) = (members.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::set_member(id, user, &req).await {
                    Ok(list) => {
                        members.set(list);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let remove = {
        let (members, error, navigator) = (members.clone(), error.clone(), navigator.clone());
        Callback::from(move |user: UserId| {
            let (members, error, navigator) = (members.clone(), error.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::remove_member(id, user).await {
                    Ok(()) if Some(user) == me => {
                        navigator.push(&Route::Inbox);
                    }
                    Ok(()) => {
                        let mut next = (*members).clone();
                        next.retain(|m| m.user_id != user);
                        members.set(next);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let rows = members.iter().map(|m| {
        let controls = match manager && m.group_role != GroupRole::Owner {
            true => member_controls(m, &set, &remove),
            false => html! { <span class="pill muted">{ role_label(m) }</span> },
        };
        html! {
            <li key={m.user_id.to_string()} class="member">
                <span class="avatar" aria-hidden="true">{ crate::format::initials(&m.name) }</span>
                <span class="name">{ m.name.clone() }{ if Some(m.user_id) == me { " (you)" } else { "" } }</span>
                { controls }
            </li>
        }
    });
    let leave = me.map(|me| remove.reform(move |_: MouseEvent| me));
    let onclose = props.onclose.reform(|_: MouseEvent| ());
    let company_channel = summary.kind == ConversationKind::Company;
    let adding = props
        .tools
        .as_ref()
        .filter(|_| manager && !company_channel)
        .map(|t| {
            let members = members.clone();
            t.add_members.emit(AddArgs {
                summary: summary.clone(),
                members: members.iter().map(|m| m.user_id).collect(),
                added: Callback::from(move |list| members.set(list)),
            })
        });
    html! {
        <section class="members-panel" aria-label="Members">
            <header class="conversation-head">
                <h2>{ format!("Members · {}", members.len()) }</h2>
                <button class="ghost" onclick={onclose}>{ "Done" }</button>
            </header>
            <FormError error={(*error).clone()} />
            <ul class="members">{ for rows }</ul>
            if company_channel {
                <p class="muted">{ "Everyone at the company is in this channel: it follows who belongs to the company." }</p>
            }
            { adding }
            if summary.group_role != Some(GroupRole::Owner) && !(company_channel && my_role == Role::Client) {
                if let Some(leave) = leave {
                    <div class="actions"><button class="ghost danger" onclick={leave}>{ "Leave group" }</button></div>
                }
            }
        </section>
    }
}

/// A member's role and posting right, and taking them out.
fn member_controls(
    m: &GroupMember,
    set: &Callback<(UserId, SetMemberRequest)>,
    remove: &Callback<UserId>,
) -> Html {
    let (user, role, can_post) = (m.user_id, m.group_role, m.can_post);
    let on_role = set.reform(move |e: Event| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        let role = match value.as_str() {
            "admin" => GroupRole::Admin,
            _ => GroupRole::Member,
        };
        (user, SetMemberRequest { role, can_post })
    });
    let on_post = set.reform(move |e: Event| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        let can_post = match value.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        (user, SetMemberRequest { role, can_post })
    });
    let on_remove = remove.reform(move |_: MouseEvent| user);
    let posting = match can_post {
        Some(true) => "yes",
        Some(false) => "no",
        None => "group",
    };
    html! {
        <span class="member-controls">
            <select aria-label={format!("Role of {}", m.name)} onchange={on_role}>
                <option value="member" selected={role == GroupRole::Member}>{ "Member" }</option>
                <option value="admin" selected={role == GroupRole::Admin}>{ "Admin" }</option>
            </select>
            <select aria-label={format!("Posting of {}", m.name)} onchange={on_post}>
                <option value="group" selected={posting == "group"}>{ "Posts as the group allows" }</option>
                <option value="yes" selected={posting == "yes"}>{ "Can post" }</option>
                <option value="no" selected={posting == "no"}>{ "Muted" }</option>
            </select>
            <button class="ghost" onclick={on_remove}>{ "Remove" }</button>
        </span>
    }
}
