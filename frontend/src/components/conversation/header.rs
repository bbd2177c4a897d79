//! A conversation's header: back to the list, its title and marks, and the "⋯" menu (a
//! group's members for anyone; what the app's tools add).

use super::{MenuArgs, Tools};
use crate::app::Route;
use crate::reducers::Permission;
use crate::router::Link;
use shared::model::{ConversationSummary, MessagingMode};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub summary: ConversationSummary,
    pub permission: Permission,
    /// The viewer was taken out of this group.
    pub removed: bool,
    /// The viewer is staff (they see a private conversation's mode).
    pub staff: bool,
    pub tools: Option<Tools>,
    pub on_members: Callback<()>,
    pub changed: Callback<Permission>,
    pub failed: Callback<String>,
}

/// One choice of a menu: a plain item, or one of a set (`checked`).
pub fn menu_item(
    checked: Option<bool>,
    label: &'static str,
    onclick: Callback<MouseEvent>,
) -> Html {
    let role = match checked {
        Some(_) => "menuitemradio",
        None => "menuitem",
    };
    html! {
        <button {role} aria-checked={checked.map(|c| c.to_string())} class="menu-item" {onclick}>
            <span class="check" aria-hidden="true">{ if checked == Some(true) { "✓" } else { "" } }</span>{ label }
        </button>
    }
}

#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let menu_open = use_state(|| false);
    let summary = &props.summary;
    let group = summary.kind.is_group();
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_| menu_open.set(!*menu_open))
    };
    let close = {
        let menu_open = menu_open.clone();
        Callback::from(move |_: ()| menu_open.set(false))
    };
    let members = (group && !props.removed).then(|| {
        let (close, on_members) = (close.clone(), props.on_members.clone());
        menu_item(
            None,
            "Members",
            Callback::from(move |_| {
                close.emit(());
                on_members.emit(());
            }),
        )
    });
    let tools = props.tools.as_ref().filter(|_| !props.removed).map(|t| {
        t.menu.emit(MenuArgs {
            summary: summary.clone(),
            permission: props.permission,
            changed: props.changed.clone(),
            failed: props.failed.clone(),
            close: close.clone(),
        })
    });
    let menu = (members.is_some() || tools.is_some()).then(|| {
        html! {
            <div class="menu-anchor">
                <button class="ghost icon" aria-label="Conversation options" aria-haspopup="menu" aria-expanded={menu_open.to_string()} onclick={toggle_menu}>{ "⋯" }</button>
                if *menu_open {
                    <div class="menu card" role="menu">{ members }{ tools }</div>
                }
            </div>
        }
    });
    html! {
        <header class="conversation-head">
            <Link to={Route::Inbox} classes="back" ><span aria-hidden="true">{ "‹" }</span><span class="visually-hidden">{ "All conversations" }</span></Link>
            <h2>{ summary.emoji.clone().map(|e| format!("{e} ")).unwrap_or_default() }{ summary.title.clone() }</h2>
            if group && props.permission.announcement_only {
                <span class="pill muted">{ "Announcements" }</span>
            }
            if props.permission.messaging == Some(MessagingMode::OneWay) && props.staff {
                <span class="pill muted">{ "One-way" }</span>
            }
            { menu }
        </header>
    }
}
