//! Creating a group (the business's owner and admins).

use crate::app::Route;
use crate::components::client_picker::{ClientPicker, toggle};
use crate::components::field::{Field, FormError, bind_text};
use crate::services::api;
use shared::api::CreateGroupRequest;
use shared::{CompanyId, UserId};
use yew::prelude::*;
use yew_router::prelude::*;

/// A new group: title, emoji, announcement-only, members.
#[component]
pub fn NewGroup() -> Html {
    let navigator = use_navigator();
    let title = use_state(String::new);
    let emoji = use_state(String::new);
    let announcement_only = use_state(|| false);
    let chosen = use_state(Vec::<UserId>::new);
    let error = use_state(|| None::<String>);
    let companies = crate::components::company_select::use_companies();
    let opened_for = crate::pages::business::use_company_filter();
    let company = use_state(|| opened_for);
    let on_company = {
        let (company, chosen) = (company.clone(), chosen.clone());
        // Clients of one company only: what was ticked for another goes.
        Callback::from(move |c: Option<CompanyId>| {
            chosen.set(Vec::new());
            company.set(c);
        })
    };
    let onsubmit = {
        let (title, emoji, announcement_only, chosen, error, company) = (
            title.clone(),
            emoji.clone(),
            announcement_only.clone(),
            chosen.clone(),
            error.clone(),
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
            let (error, navigator) = (error.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_group(&req).await {
                    Ok(group) => {
                        if let Some(n) = navigator {
                            n.push(&Route::Conversation { id: group.id });
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
                    { crate::components::company_select::company_select("Within a company", &companies, *company, "Any clients", on_company) }
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
