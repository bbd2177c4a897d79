//! The team: the business's staff, and (for the owner) inviting admins and coaches.

use crate::components::field::{Field, FormError, bind_text};
use crate::hooks::use_session;
use crate::services::api;
use shared::api::{InviteStaffRequest, StaffWithInvite};
use shared::model::{Role, StaffMember};
use yew::prelude::*;

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Coach => "Coach",
        Role::Client => "Client",
    }
}

#[component]
pub fn Team() -> Html {
    let session = use_session();
    let owner = session
        .current()
        .is_some_and(|s| s.user.role == Role::Owner);
    let staff = use_state(Vec::<StaffMember>::new);
    let name = use_state(String::new);
    let email = use_state(String::new);
    let role = use_state(|| Role::Coach);
    let error = use_state(|| None::<String>);
    let invited = use_state(|| None::<StaffWithInvite>);
    {
        let staff = staff.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::staff().await {
                    staff.set(page.items);
                }
            });
        });
    }
    let onsubmit = {
        let (staff, name, email, role, error, invited) = (
            staff.clone(),
            name.clone(),
            email.clone(),
            role.clone(),
            error.clone(),
            invited.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = InviteStaffRequest {
                name: (*name).clone(),
                email: (*email).clone(),
                role: *role,
            };
            let (staff, name, email, error, invited) = (
                staff.clone(),
                name.clone(),
                email.clone(),
                error.clone(),
                invited.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::invite_staff(&req).await {
                    Ok(r) => {
                        let mut next = (*staff).clone();
                        next.push(r.staff.clone());
                        staff.set(next);
                        invited.set(Some(r));
                        name.set(String::new());
                        email.set(String::new());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let choice = |r: Role, label: &'static str, help: &'static str| {
        let onchange = {
            let role = role.clone();
            Callback::from(move |_: Event| role.set(r))
        };
        html! {
            <label class="choice">
                <input type="radio" name="role" checked={*role == r} {onchange} />
                <span><strong>{ label }</strong><span class="hint">{ help }</span></span>
            </label>
        }
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    html! {
        <div class="page team">
            <div class="page-head"><h1>{ "Team" }</h1></div>
            <ul class="roster">
                { for staff.iter().map(|s| html! {
                    <li key={s.id.to_string()} class="row">
                        <span class="avatar" aria-hidden="true">{ crate::format::initials(&s.name) }</span>
                        <span class="summary">
                            <span class="title">{ s.name.clone() }</span>
                            <span class="preview">{ s.email.clone().unwrap_or_default() }</span>
                        </span>
                        <span class="meta">
                            <span class="pill">{ role_label(s.role) }</span>
                            if !s.joined { <span class="pill muted">{ "Invited" }</span> }
                        </span>
                    </li>
                }) }
            </ul>
            if let Some(r) = &*invited {
                <div class="card invite" role="status">
                    <p>{ format!("{} was invited. Send them this link:", r.staff.name) }</p>
                    <div class="copy-row">
                        <input readonly=true value={format!("{origin}{}", r.invite.url)} aria-label="Invite link" />
                    </div>
                </div>
            }
            if owner {
                <form class="card form" {onsubmit}>
                    <h2>{ "Invite someone" }</h2>
                    <Field label="Name" value={(*name).clone()} oninput={bind_text(&name)} />
                    <Field label="Email" kind="email" value={(*email).clone()} oninput={bind_text(&email)} />
                    <fieldset class="field">
                        <legend class="label">{ "Role" }</legend>
                        { choice(Role::Coach, "Coach", "Messages the clients assigned to them.") }
                        { choice(Role::Admin, "Admin", "Sees every client and manages groups, products and permissions.") }
                    </fieldset>
                    <FormError error={(*error).clone()} />
                    <div class="actions"><button type="submit" class="primary">{ "Send invite" }</button></div>
                </form>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CoachPickerProps {
    pub client: shared::UserId,
    pub coach_id: Option<shared::UserId>,
    pub onchanged: Callback<shared::model::Client>,
}

/// On a client's card: who coaches them (owners and admins change it).
#[component]
pub fn CoachPicker(props: &CoachPickerProps) -> Html {
    let session = use_session();
    let manager = session
        .current()
        .is_some_and(|s| matches!(s.user.role, Role::Owner | Role::Admin));
    let coaches = use_state(Vec::<StaffMember>::new);
    let error = use_state(|| None::<String>);
    {
        let coaches = coaches.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::staff().await {
                    coaches.set(
                        page.items
                            .into_iter()
                            .filter(|s| s.role == Role::Coach)
                            .collect(),
                    );
                }
            });
        });
    }
    let current = props
        .coach_id
        .and_then(|id| coaches.iter().find(|c| c.id == id))
        .map(|c| c.name.clone());
    if !manager || coaches.is_empty() {
        return html! { <>{ current.unwrap_or_else(|| "—".into()) }</> };
    }
    let onchange = {
        let (client, error, onchanged) = (props.client, error.clone(), props.onchanged.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let coach = value.parse().ok();
            let (client, error, onchanged) = (client, error.clone(), onchanged.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::assign_coach(client, coach).await {
                    Ok(c) => {
                        error.set(None);
                        onchanged.emit(c);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <>
            <select aria-label="Coach" {onchange}>
                <option value="" selected={props.coach_id.is_none()}>{ "No coach" }</option>
                { for coaches.iter().map(|c| html! {
                    <option value={c.id.to_string()} selected={props.coach_id == Some(c.id)}>{ c.name.clone() }</option>
                }) }
            </select>
            <FormError error={(*error).clone()} />
        </>
    }
}
