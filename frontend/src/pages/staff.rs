//! The team: the business's staff, and (for the owner) inviting admins and coaches.

use crate::components::field::{Choice, Field, FormError, RadioGroup, bind, reset, set, use_form};
use crate::hooks::{load_status, use_fetch, use_session};
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

/// An invite form as it starts.
fn new_invite() -> InviteStaffRequest {
    InviteStaffRequest {
        name: String::new(),
        email: String::new(),
        role: Role::Coach,
    }
}

#[component]
pub fn Team() -> Html {
    let session = use_session();
    let owner = session
        .current()
        .is_some_and(|s| shared::rules::can_manage_staff(s.user.role).is_ok());
    let fetch = use_fetch((), |_| async { api::staff().await.map(|p| p.items) });
    let staff = fetch.data().cloned().unwrap_or_default();
    let form = use_form(new_invite);
    let error = use_state(|| None::<String>);
    let invited = use_state(|| None::<StaffWithInvite>);
    let onsubmit = {
        let (staff, form, error, invited) =
            (fetch.clone(), form.clone(), error.clone(), invited.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (staff, form, error, invited) =
                (staff.clone(), form.clone(), error.clone(), invited.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::invite_staff(&req).await {
                    Ok(r) => {
                        let mut next = staff.data().cloned().unwrap_or_default();
                        next.push(r.staff.clone());
                        staff.set(next);
                        invited.set(Some(r));
                        // The role chosen stays for the next invite.
                        reset(
                            &form,
                            InviteStaffRequest {
                                role: req.role,
                                ..new_invite()
                            },
                        );
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    html! {
        <div class="page team">
            <div class="page-head"><h1>{ "Team" }</h1></div>
            { load_status(&fetch) }
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
                    <Field label="Name" value={form.0.name.clone()} oninput={bind(&form, |f, v| f.name = v)} />
                    <Field label="Email" kind="email" value={form.0.email.clone()} oninput={bind(&form, |f, v| f.email = v)} />
                    <RadioGroup<Role> name="role" legend="Role" selected={form.0.role} onchange={set(&form, |f, r| f.role = r)} choices={vec![
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
