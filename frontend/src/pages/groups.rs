//! Groups: creating one (the business's owner and admins), and its members panel, where group
//! owners and admins change roles and posting rights, add and remove people, and anyone leaves.

use crate::app::Route;
use crate::components::field::{Field, FormError, bind_text};
use crate::hooks::use_session;
use crate::services::api;
use shared::api::{CreateGroupRequest, SetMemberRequest};
use shared::model::{Client, ConversationKind, ConversationSummary, GroupMember, GroupRole, Role};
use shared::{CompanyId, UserId};
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Who is ticked.
    pub chosen: Vec<UserId>,
    /// People who are already in (not offered).
    pub except: Vec<UserId>,
    pub ontoggle: Callback<UserId>,
    #[prop_or(AttrValue::Static("Members"))]
    pub legend: AttrValue,
    /// Only this company's clients.
    #[prop_or_default]
    pub company: Option<CompanyId>,
}

/// Clients of the business to tick, searchable by name.
#[component]
pub fn ClientPicker(props: &PickerProps) -> Html {
    let session = use_session();
    let token = session.current().map(|s| s.token).unwrap_or_default();
    let q = use_state(String::new);
    let clients = use_state(Vec::<Client>::new);
    {
        let (clients, token) = (clients.clone(), token.clone());
        use_effect_with(((*q).clone(), props.company), move |(q, company)| {
            let (q, company) = (q.clone(), company.map(|c| c.to_string()));
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::clients(&token, &q, company.as_deref(), None).await {
                    clients.set(page.items);
                }
            });
        });
    }
    html! {
        <fieldset class="field picker">
            <legend class="label">{ props.legend.clone() }</legend>
            <input class="search" type="search" placeholder="Search clients" aria-label="Search clients"
                value={(*q).clone()} oninput={bind_text(&q)} />
            <ul class="choices">
                { for clients.iter().filter(|c| !props.except.contains(&c.id)).map(|c| {
                    let id = c.id;
                    let onchange = props.ontoggle.reform(move |_: Event| id);
                    html! {
                        <li key={c.id.to_string()}>
                            <label class="choice compact">
                                <input type="checkbox" checked={props.chosen.contains(&c.id)} {onchange} />
                                <span>{ c.name.clone() }</span>
                            </label>
                        </li>
                    }
                }) }
            </ul>
        </fieldset>
    }
}

/// Ticks or unticks someone in `list`.
pub fn toggle(list: &UseStateHandle<Vec<UserId>>) -> Callback<UserId> {
    let list = list.clone();
    Callback::from(move |id: UserId| {
        let mut next = (*list).clone();
        match next.iter().position(|x| *x == id) {
            Some(i) => {
                next.remove(i);
            }
            None => next.push(id),
        }
        list.set(next);
    })
}

/// A new group: title, emoji, announcement-only, members.
#[component]
pub fn NewGroup() -> Html {
    let session = use_session();
    let token = session.current().map(|s| s.token).unwrap_or_default();
    let navigator = use_navigator();
    let title = use_state(String::new);
    let emoji = use_state(String::new);
    let announcement_only = use_state(|| false);
    let chosen = use_state(Vec::<UserId>::new);
    let error = use_state(|| None::<String>);
    let companies = crate::pages::business::use_companies();
    let company = use_state(|| {
        crate::pages::business::query_param("company").and_then(|c| c.parse::<CompanyId>().ok())
    });
    let on_company = {
        let (company, chosen) = (company.clone(), chosen.clone());
        // Clients of one company only: what was ticked for another goes.
        Callback::from(move |c: Option<CompanyId>| {
            chosen.set(Vec::new());
            company.set(c);
        })
    };
    let onsubmit = {
        let (title, emoji, announcement_only, chosen, error, token, company) = (
            title.clone(),
            emoji.clone(),
            announcement_only.clone(),
            chosen.clone(),
            error.clone(),
            token.clone(),
            company.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = CreateGroupRequest {
                title: (*title).clone(),
                member_ids: (*chosen).clone(),
                announcement_only: *announcement_only,
                emoji: Some(emoji.trim().to_owned()).filter(|e| !e.is_empty()),
                company_id: *company,
            };
            let (error, token, navigator) = (error.clone(), token.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_group(&token, &req).await {
                    Ok(group) => {
                        if let Some(n) = navigator {
                            n.push(&Route::Conversation {
                                id: group.id.to_string(),
                            });
                        }
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let on_announce = {
        let announcement_only = announcement_only.clone();
        Callback::from(move |_: Event| announcement_only.set(!*announcement_only))
    };
    html! {
        <div class="page">
            <form class="card form" {onsubmit}>
                <h1>{ "New conversation" }</h1>
                <Field label="Title" value={(*title).clone()} oninput={bind_text(&title)} />
                <Field label="Emoji" value={(*emoji).clone()} oninput={bind_text(&emoji)} hint="Optional, for the group's picture: 🌱" />
                <label class="choice">
                    <input type="checkbox" checked={*announcement_only} onchange={on_announce} />
                    <span><strong>{ "Announcement only" }</strong><span class="hint">{ "Only owners and admins post; members read and react." }</span></span>
                </label>
                if !companies.is_empty() {
                    { crate::pages::business::company_select("Within a company", &companies, *company, "Any clients", on_company) }
                }
                <ClientPicker chosen={(*chosen).clone()} except={Vec::<UserId>::new()} ontoggle={toggle(&chosen)} company={*company} />
                <FormError error={(*error).clone()} />
                <div class="actions">
                    <Link<Route> to={Route::Inbox} classes="button ghost">{ "Cancel" }</Link<Route>>
                    <button type="submit" class="primary">{ format!("Create group ({} members)", chosen.len() + 1) }</button>
                </div>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MembersProps {
    pub summary: ConversationSummary,
    pub onclose: Callback<()>,
}

fn role_label(m: &GroupMember) -> &'static str {
    match m.group_role {
        GroupRole::Owner => "Owner",
        GroupRole::Admin => "Admin",
        GroupRole::Member => "Member",
    }
}

/// The members of a group, and what its owners and admins can change about them.
#[component]
pub fn GroupMembers(props: &MembersProps) -> Html {
    let session = use_session();
    let token = session.current().map(|s| s.token).unwrap_or_default();
    let me = session.current().map(|s| s.user.id);
    let my_role = session.current().map(|s| s.user.role);
    let navigator = use_navigator();
    let members = use_state(Vec::<GroupMember>::new);
    let error = use_state(|| None::<String>);
    let adding = use_state(|| false);
    let chosen = use_state(Vec::<UserId>::new);
    let id = props.summary.id.to_string();
    {
        let (members, token, id) = (members.clone(), token.clone(), id.clone());
        use_effect_with(id.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::group_members(&token, &id).await {
                    members.set(list);
                }
            });
        });
    }
    let manager = matches!(
        props.summary.group_role,
        Some(GroupRole::Owner | GroupRole::Admin)
    ) || matches!(my_role, Some(Role::Owner | Role::Admin));
    let set = {
        let (members, error, token, id) =
            (members.clone(), error.clone(), token.clone(), id.clone());
        Callback::from(move |(user, req): (UserId, SetMemberRequest)| {
            let (members, error, token, id) =
                (members.clone(), error.clone(), token.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::set_member(&token, &id, &user.to_string(), &req).await {
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
        let (members, error, token, id, navigator) = (
            members.clone(),
            error.clone(),
            token.clone(),
            id.clone(),
            navigator.clone(),
        );
        Callback::from(move |user: UserId| {
            let (members, error, token, id, navigator) = (
                members.clone(),
                error.clone(),
                token.clone(),
                id.clone(),
                navigator.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::remove_member(&token, &id, &user.to_string()).await {
                    Ok(()) if Some(user) == me => {
                        if let Some(n) = navigator {
                            n.push(&Route::Inbox);
                        }
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
    let add_chosen = {
        let (chosen, adding, set) = (chosen.clone(), adding.clone(), set.clone());
        Callback::from(move |_| {
            for user in chosen.iter() {
                set.emit((
                    *user,
                    SetMemberRequest {
                        role: GroupRole::Member,
                        can_post: None,
                    },
                ));
            }
            chosen.set(Vec::new());
            adding.set(false);
        })
    };
    let rows = members.iter().map(|m| {
        let user = m.user_id;
        let is_owner = m.group_role == GroupRole::Owner;
        let controls = if manager && !is_owner {
            let role = m.group_role;
            let can_post = m.can_post;
            let on_role = set.reform(move |e: Event| {
                let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                let role = if value == "admin" { GroupRole::Admin } else { GroupRole::Member };
                (user, SetMemberRequest { role, can_post })
            });
            let on_post = set.reform(move |e: Event| {
                let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
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
        } else {
            html! { <span class="pill muted">{ role_label(m) }</span> }
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
    let open_add = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let in_group: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
    let company_channel = props.summary.kind == ConversationKind::Company;
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
            if manager && !company_channel {
                <div class="actions">
                    <button class="ghost" onclick={open_add}>{ "Add people" }</button>
                </div>
                if *adding {
                    <ClientPicker chosen={(*chosen).clone()} except={in_group} ontoggle={toggle(&chosen)} company={props.summary.company_id} />
                    <div class="actions">
                        <button class="primary" onclick={add_chosen} disabled={chosen.is_empty()}>{ format!("Add {}", chosen.len()) }</button>
                    </div>
                }
            }
            if props.summary.group_role != Some(GroupRole::Owner) && !(company_channel && my_role == Some(Role::Client)) {
                if let Some(leave) = leave {
                    <div class="actions"><button class="ghost danger" onclick={leave}>{ "Leave group" }</button></div>
                }
            }
        </section>
    }
}
