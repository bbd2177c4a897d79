//! The audit log: every change of who may do what, newest first, for the whole business or for
//! one person (`?user_id=`, set by choosing their name).

use crate::app::Route;
use crate::components::field::FormError;
use crate::format;
use crate::hooks::{load_status, use_paged};
use crate::router::{Link, query, use_location};
use crate::services::api;
use shared::UserId;
use shared::model::AuditKind;
use yew::prelude::*;

fn what(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::Role => "role",
        AuditKind::Activation => "access",
        AuditKind::Ownership => "ownership of the business",
        AuditKind::Coach => "coach",
        AuditKind::Messaging => "messaging",
        AuditKind::Company => "company",
        AuditKind::GroupRole => "group role",
        AuditKind::Posting => "posting right",
        AuditKind::AnnouncementOnly => "announcement-only setting",
        AuditKind::ProductGrant => "messaging on purchase",
        AuditKind::Moderation => "message",
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
    let list = use_paged(person, |person, cursor| async move {
        api::audit(person, cursor).await
    });
    let first = list.first.clone();
    let entries = list.items();
    html! {
        <div class="page audit">
            <div class="page-head">
                <h1>{ "Audit log" }</h1>
                if person.is_some() { <Link to={Route::Audit} classes="button ghost">{ "Everyone" }</Link> }
            </div>
            <p class="muted">{ "Every change of roles, access, ownership, coaches, messaging, companies, group roles and posting rights, announcement-only groups and what products grant." }</p>
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
                            if let Some(person) = e.subject_id {
                                <Link to={Route::Audit} query={query(&[("user_id", &person.to_string())])}>{ e.subject_name.clone() }</Link>
                            } else {
                                <strong>{ e.subject_name.clone() }</strong>
                            }
                            if let Some(place) = e.place.clone() { { format!(" in {place}") } }
                            { format!(": {} → {}", shown(&e.before), shown(&e.after)) }
                        </p>
                        <p class="muted">{ format!("{} {}", format::day_label(e.at), format::clock(e.at)) }</p>
                    </li>
                }) }
            </ul>
            <FormError error={list.more_error()} />
            if list.has_more() { <button class="ghost more" onclick={list.more()}>{ "Show more" }</button> }
        </div>
    }
}
