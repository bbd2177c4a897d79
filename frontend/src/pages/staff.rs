//! The team: the business's staff, and (for the owner) inviting admins and coaches.

use crate::components::field::{Choice, Field, FormError, RadioGroup, bind_text};
use crate::hooks::{use_fetch, use_session};
use crate::services::api;
use shared::api::{InviteStaffRequest, StaffWithInvite};
use shared::model::Role;
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
    let fetch = use_fetch((), |_| async { api::staff().await.map(|p| p.items) });
    let staff = fetch.data().cloned().unwrap_or_default();
    let name = use_state(String::new);
    let email = use_state(String::new);
    let role = use_state(|| Role::Coach);
    let error = use_state(|| None::<String>);
    let invited = use_state(|| None::<StaffWithInvite>);
    let onsubmit = {
        let (staff, name, email, role, error, invited) = (
            fetch.clone(),
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
                        let mut next = staff.data().cloned().unwrap_or_default();
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
    let set_role = {
        let role = role.clone();
        Callback::from(move |r| role.set(r))
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
                    <RadioGroup<Role> name="role" legend="Role" selected={*role} onchange={set_role} choices={vec![
                        Choice::hinted(Role::Coach, "Coach", "Messages the clients assigned to them."),
                        Choice::hinted(Role::Admin, "Admin", "Sees every client and manages groups, products and permissions."),
                    ]} />
                    <FormError error={(*error).clone()} />
                    <div class="actions"><button type="submit" class="primary">{ "Send invite" }</button></div>
                </form>
            }
        </div>
    }
}
