//! The frame of every signed-in page of the staff app and its office (two programs that look
//! like one): the tabs as the person's role allows, the email to confirm, the offer of pushes
//! and the bell.

use crate::app::{Route, Signed, UnconfirmedEmail, tab};
use crate::components::notify::{Bell, PushPrompt};
use crate::hooks::use_session;
use crate::router::use_route;
use yew::prelude::*;

/// `page` in the staff frame.
pub fn staff_page(page: Html) -> Html {
    html! {
        <Signed nav={html! { <Nav /> }} notice={html! { <><UnconfirmedEmail /><PushPrompt /></> }}
            tools={html! { <><crate::components::new_message::NewMessage /><Bell /></> }}>{ page }</Signed>
    }
}

/// The tabs, as the signed-in person's role allows. A tab of the other program loads it.
#[component]
fn Nav() -> Html {
    let session = use_session();
    let route = use_route();
    let Some(role) = session.current().map(|s| s.user.role) else {
        return html! {};
    };
    let manages = shared::rules::can_manage_business(role).is_ok();
    let at = |r: Route| route == r;
    let in_inbox = matches!(
        route,
        Route::Inbox | Route::Conversation { .. } | Route::Home | Route::NewGroup
    );
    let in_clients = matches!(
        route,
        Route::Clients | Route::ClientProfile { .. } | Route::ClientChat { .. }
    );
    html! {
        <>
            { tab(Route::Inbox, "Inbox", in_inbox) }
            { tab(Route::Clients, "Clients", in_clients) }
            { tab(Route::MassMessage, "Mass message", at(Route::MassMessage)) }
            if manages { { tab(Route::Companies, "Companies", at(Route::Companies)) } }
            if manages { { tab(Route::Products, "Products", at(Route::Products)) } }
            { tab(Route::Team, "Team", at(Route::Team)) }
            { tab(Route::Templates, "Saved messages", at(Route::Templates)) }
            { tab(Route::Vault, "Vault", at(Route::Vault)) }
            if manages { { tab(Route::Settings, "Settings", at(Route::Settings)) } }
            if manages { { tab(Route::Audit, "Audit", at(Route::Audit)) } }
        </>
    }
}
