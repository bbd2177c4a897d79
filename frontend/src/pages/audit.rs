//! The audit log: every change of who may do what, newest first, for the whole business or for
//! one person (`?user_id=`, set by choosing their name).

use crate::app::Route;
use crate::components::field::FormError;
use crate::format;
use crate::hooks::{load_status, use_fetch};
use crate::router::{Link, query, use_location};
use crate::services::api;
use shared::UserId;
use shared::model::{AuditEntry, AuditKind, Page};
use yew::prelude::*;

fn what(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::Role => "role",
        AuditKind::Activation => "access",
        AuditKind::Ownership => "ownership of the business",
        AuditKind::Coach => "coach",
        AuditKind::Messaging => "messaging",
        AuditKind::Company => "company",
    }
}

/// A value as the log shows it.
fn shown(value: &Option<String>) -> String {
    match value.as_deref() {
        None | Some("") => "none".into(),
        Some("one_way") => "one-way".into(),
        Some("two_way") => "two-way".into(),
        Some(other) => other.into(),
    }
}

#[component]
pub fn AuditLog() -> Html {
    let location = use_location();
    let person: Option<UserId> = location.param("user_id").and_then(|id| id.parse().ok());
    let first = use_fetch(
        person,
        |person| async move { api::audit(person, None).await },
    );
    let later = use_state(|| None::<Page<AuditEntry>>);
    let more_error = use_state(|| None::<String>);
    {
        let later = later.clone();
        use_effect_with(person, move |_| later.set(None));
    }
    let cursor = match (&*later, first.data()) {
        (Some(p), _) => p.next_cursor.clone(),
        (None, Some(p)) => p.next_cursor.clone(),
        (None, None) => None,
    };
    let entries: Vec<AuditEntry> = first
        .data()
        .map(|p| p.items.iter())
        .into_iter()
        .flatten()
        .chain(later.iter().flat_map(|p| p.items.iter()))
        .cloned()
        .collect();
    let more = {
        let (later, more_error, cursor) = (later.clone(), more_error.clone(), cursor.clone());
        Callback::from(move |_| {
            let Some(c) = cursor.clone() else { return };
            let (later, more_error) = (later.clone(), more_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::audit(person, Some(c)).await {
                    Ok(page) => {
                        let mut items = (*later).clone().map(|p| p.items).unwrap_or_default();
                        items.extend(page.items);
                        later.set(Some(Page {
                            items,
                            next_cursor: page.next_cursor,
                        }));
                    }
                    Err(e) => more_error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <div class="page audit">
            <div class="page-head">
                <h1>{ "Audit log" }</h1>
                if person.is_some() { <Link to={Route::Audit} classes="button ghost">{ "Everyone" }</Link> }
            </div>
            <p class="muted">{ "Every change of roles, access, ownership, coaches, messaging and companies." }</p>
            { load_status(&first) }
            if first.data().is_some_and(|p| p.items.is_empty()) {
                <p class="muted">{ "Nothing has changed yet." }</p>
            }
            <ul class="audit-list">
                { for entries.iter().map(|e| html! {
                    <li class="card">
                        <p>
                            <strong>{ e.actor_name.clone().unwrap_or_else(|| "Sideline".into()) }</strong>
                            { format!(" changed the {} of ", what(e.kind)) }
                            <Link to={Route::Audit} query={query(&[("user_id", &e.subject_id.to_string())])}>{ e.subject_name.clone() }</Link>
                            { format!(": {} → {}", shown(&e.before), shown(&e.after)) }
                        </p>
                        <p class="muted">{ format!("{} {}", format::day_label(e.at), format::clock(e.at)) }</p>
                    </li>
                }) }
            </ul>
            <FormError error={(*more_error).clone()} />
            if cursor.is_some() { <button class="ghost more" onclick={more}>{ "Show more" }</button> }
        </div>
    }
}
