//! Creating a group (the business's owner and admins).

use crate::app::Route;
use crate::components::client_picker::{ClientPicker, toggle_in};
use crate::components::field::{Field, FormError, bind, set, use_form};
use crate::router::{Link, use_navigator};
use crate::services::api;
use shared::api::CreateGroupRequest;
use shared::{CompanyId, UserId};
use yew::prelude::*;

/// A new group's form: the request it sends.
fn new_group(company_id: Option<CompanyId>) -> CreateGroupRequest {
    CreateGroupRequest {
        title: String::new(),
        member_ids: Vec::new(),
        announcement_only: false,
        emoji: None,
        company_id,
    }
}

/// A new group: title, emoji, announcement-only, members.
#[component]
pub fn NewGroup() -> Html {
    let navigator = use_navigator();
    let opened_for = crate::pages::business::use_company_filter();
    let form = use_form(|| new_group(opened_for));
    let error = use_state(|| None::<String>);
    let companies = crate::components::company_select::use_companies();
    // Clients of one company only: what was ticked for another goes.
    let on_company = set(&form, |f, c| {
        f.member_ids.clear();
        f.company_id = c;
    });
    let onsubmit = {
        let (form, error) = (form.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (error, navigator) = (error.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_group(&req).await {
                    Ok(group) => {
                        navigator.push(&Route::Conversation { id: group.id });
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let f = &form.0;
    html! {
        <div class="page">
            <form class="card form" {onsubmit}>
                <h1>{ "New conversation" }</h1>
                <Field label="Title" value={f.title.clone()} oninput={bind(&form, |f, v| f.title = v)} />
                <Field label="Emoji" value={f.emoji.clone().unwrap_or_default()} oninput={bind(&form, |f, v| f.emoji = (!v.is_empty()).then_some(v))} hint="Optional, for the group's picture: 🌱" />
                <label class="choice">
                    <input type="checkbox" checked={f.announcement_only} onchange={set(&form, |f, _: Event| f.announcement_only = !f.announcement_only)} />
                    <span><strong>{ "Announcement only" }</strong><span class="hint">{ "Only owners and admins post; members read and react." }</span></span>
                </label>
                if !companies.is_empty() {
                    { crate::components::company_select::company_select("Within a company", &companies, f.company_id, "Any clients", on_company) }
                }
                <ClientPicker chosen={f.member_ids.clone()} except={Vec::<UserId>::new()} ontoggle={set(&form, |f, id| toggle_in(&mut f.member_ids, id))} company={f.company_id} />
                <FormError error={(*error).clone()} />
                <div class="actions">
                    <Link to={Route::Inbox} classes="button ghost">{ "Cancel" }</Link>
                    <button type="submit" class="primary">{ format!("Create group ({} members)", f.member_ids.len() + 1) }</button>
                </div>
            </form>
        </div>
    }
}
