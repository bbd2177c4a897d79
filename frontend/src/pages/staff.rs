//! The team: the business's staff, and (for the owner) inviting admins and coaches.

use crate::components::field::{Choice, Field, FormError, RadioGroup, bind, reset, set, use_form};
use crate::hooks::{load_status, use_fetch, use_session};
use crate::services::api;
use shared::api::{InviteStaffRequest, StaffWithInvite, UpdateStaffRequest};
use shared::model::{Role, StaffMember};
use shared::{UserId, rules};
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
    let me = session.current().map(|s| (s.user.id, s.user.role));
    let owner = me.is_some_and(|(_, role)| rules::can_manage_staff(role).is_ok());
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
                { for staff.iter().map(|s| {
                    // Whom the viewer may change: never themself, per the rules.
                    let manageable = me.is_some_and(|(id, role)| {
                        id != s.id && rules::can_change_person(role, s.role).is_ok()
                    });
                    let onchanged = {
                        let fetch = fetch.clone();
                        Callback::from(move |changed: StaffMember| {
                            let mut next = fetch.data().cloned().unwrap_or_default();
                            if let Some(entry) = next.iter_mut().find(|x| x.id == changed.id) {
                                *entry = changed;
                            }
                            fetch.set(next);
                        })
                    };
                    html! {
                        <StaffRow key={s.id.to_string()} member={s.clone()} {manageable}
                            coaches={staff.iter().filter(|c| c.role == Role::Coach && c.active && c.id != s.id).cloned().collect::<Vec<_>>()}
                            viewer_owns={owner} {onchanged} />
                    }
                }) }
            </ul>
            if let Some(r) = &*invited {
                <div class="card invite" role="status">
                    <p>{ format!("{} was invited: we emailed them the link. You can also send it yourself:", r.staff.name) }</p>
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

#[derive(Properties, PartialEq)]
struct StaffRowProps {
    member: StaffMember,
    /// Whether the viewer may change this person's role or activation.
    manageable: bool,
    /// The other active coaches: who may take a deactivated coach's clients.
    coaches: Vec<StaffMember>,
    /// Whether the viewer owns the business (and may hand it to an admin).
    viewer_owns: bool,
    onchanged: Callback<StaffMember>,
}

/// One person of the team, and what the viewer may change about them.
#[component]
fn StaffRow(props: &StaffRowProps) -> Html {
    let open = use_state(|| false);
    let reassign = use_state(|| None::<UserId>);
    let link = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let s = &props.member;
    let send = {
        let (id, error, open, onchanged) =
            (s.id, error.clone(), open.clone(), props.onchanged.clone());
        Callback::from(move |req: UpdateStaffRequest| {
            let (error, open, onchanged) = (error.clone(), open.clone(), onchanged.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_staff(id, &req).await {
                    Ok(changed) => {
                        error.set(None);
                        open.set(false);
                        onchanged.emit(changed);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let action = |label: &'static str, req: UpdateStaffRequest| {
        let send = send.clone();
        html! {
            <button type="button" class="ghost" onclick={Callback::from(move |_| send.emit(req.clone()))}>{ label }</button>
        }
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let on_reassign = {
        let reassign = reassign.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            reassign.set(value.parse().ok());
        })
    };
    let reinvite = {
        let (id, link, error) = (s.id, link.clone(), error.clone());
        Callback::from(move |_| {
            let (link, error) = (link.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::reinvite_staff(id).await {
                    Ok(r) => {
                        let origin = web_sys::window()
                            .and_then(|w| w.location().origin().ok())
                            .unwrap_or_default();
                        link.set(Some(format!("{origin}{}", r.invite.url)));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let other_role = match s.role {
        Role::Admin => Some((Role::Coach, "Make coach")),
        Role::Coach => Some((Role::Admin, "Make admin")),
        _ => None,
    };
    html! {
        <li class={classes!("row", "staff-row", (!s.active).then_some("inactive"))}>
            <span class="avatar" aria-hidden="true">{ crate::format::initials(&s.name) }</span>
            <span class="summary">
                <span class="title">{ s.name.clone() }</span>
                <span class="preview">{ s.email.clone().unwrap_or_default() }</span>
            </span>
            <span class="meta">
                <span class="pill">{ role_label(s.role) }</span>
                if !s.joined { <span class="pill muted">{ "Invited" }</span> }
                if !s.active { <span class="pill muted">{ "Deactivated" }</span> }
                if props.manageable {
                    <button type="button" class="ghost" aria-expanded={open.to_string()} onclick={toggle}>{ "Manage" }</button>
                }
            </span>
            if *open {
                <div class="staff-controls">
                    if s.active {
                        if let Some((role, label)) = other_role {
                            { action(label, UpdateStaffRequest { role: Some(role), ..Default::default() }) }
                        }
                        if props.viewer_owns && !s.joined {
                            <button type="button" class="ghost" onclick={reinvite}>{ "New invite link" }</button>
                        }
                        if props.viewer_owns && s.role == Role::Admin && s.joined {
                            { action("Make owner", UpdateStaffRequest { role: Some(Role::Owner), ..Default::default() }) }
                        }
                        if s.role == Role::Coach {
                            <label class="field inline">
                                <span class="label">{ "Their clients go to" }</span>
                                <select onchange={on_reassign}>
                                    <option value="" selected={reassign.is_none()}>{ "No coach" }</option>
                                    { for props.coaches.iter().map(|c| html! {
                                        <option value={c.id.to_string()} selected={*reassign == Some(c.id)}>{ c.name.clone() }</option>
                                    }) }
                                </select>
                            </label>
                        }
                        { action("Deactivate", UpdateStaffRequest { active: Some(false), reassign_to: *reassign, ..Default::default() }) }
                        <p class="muted hint">{ "A change signs them out everywhere at once." }</p>
                    } else {
                        { action("Reactivate", UpdateStaffRequest { active: Some(true), ..Default::default() }) }
                    }
                    <FormError error={(*error).clone()} />
                    if let Some(url) = &*link {
                        <div class="copy-row" role="status">
                            <input readonly=true value={url.clone()} aria-label="New invite link" />
                            <p class="muted hint">{ "Earlier links for them no longer work." }</p>
                        </div>
                    }
                </div>
            }
        </li>
    }
}
