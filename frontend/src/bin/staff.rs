//! The staff app: the dashboard of a business's owner, admins and coaches, served at `/`.

use sideline_frontend::app::{Frame, Kind, Route, Signed, UnconfirmedEmail, tab};
use sideline_frontend::components::notify::PushPrompt;
use sideline_frontend::pages::{
    account::Account, audit, auth::*, business, clients, groups, inbox, templates, vault,
};
use sideline_frontend::pages::{products::Products, staff::Team, tools::staff_tools};
use sideline_frontend::router::{Redirect, use_route};
use yew::prelude::*;

fn main() {
    sideline_frontend::run::<App>();
}

#[component]
fn App() -> Html {
    html! { <Frame kind={Kind::Staff} render={Callback::from(switch)} /> }
}

fn switch(route: Route) -> Html {
    let signed = |page: Html| {
        html! {
            <Signed nav={html! { <Nav /> }} notice={html! { <><UnconfirmedEmail /><PushPrompt /></> }}
                tools={html! { <sideline_frontend::components::notify::Bell /> }}>{ page }</Signed>
        }
    };
    match route {
        Route::SignIn => html! { <SignIn /> },
        Route::SignUp => html! { <SignUp /> },
        Route::Invite { token } => html! { <AcceptInvite {token} /> },
        Route::ForgotPassword => html! { <ForgotPassword /> },
        Route::ResetPassword { token } => html! { <ResetPassword {token} /> },
        Route::ConfirmEmail { token } => html! { <ConfirmEmail {token} /> },
        Route::Businesses => html! { <Businesses /> },
        Route::Unsubscribe { token } => html! { <Unsubscribe {token} /> },
        Route::Home | Route::Inbox => {
            signed(html! { <inbox::Inbox selected={None} tools={staff_tools()} /> })
        }
        Route::Conversation { id } => {
            signed(html! { <inbox::Inbox selected={Some(id)} tools={staff_tools()} /> })
        }
        Route::Account => signed(html! { <Account /> }),
        Route::Clients => signed(html! { <clients::Clients /> }),
        Route::Products => signed(html! { <Products /> }),
        Route::Team => signed(html! { <Team /> }),
        Route::Companies => signed(html! { <business::Companies /> }),
        Route::MassMessage => signed(html! { <business::MassMessagePage /> }),
        Route::Settings => signed(html! { <business::SettingsPage /> }),
        Route::Audit => signed(html! { <audit::AuditLog /> }),
        Route::Templates => signed(html! { <templates::Templates /> }),
        Route::Vault => signed(html! { <vault::VaultPage /> }),
        Route::NewGroup => signed(html! { <groups::NewGroup /> }),
        Route::ClientProfile { id } => signed(html! { <clients::ClientProfile {id} /> }),
        Route::ClientChat { id } => signed(html! { <clients::ClientProfile {id} chat=true /> }),
        Route::NotFound => html! { <Redirect to={Route::Inbox} /> },
    }
}

/// The tabs, as the signed-in person's role allows.
#[component]
fn Nav() -> Html {
    let session = sideline_frontend::hooks::use_session();
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
