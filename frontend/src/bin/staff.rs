//! The staff app: the dashboard of a business's owner, admins and coaches, served at `/`: the
//! inbox, clients, mass messages, groups and the Vault. The business's settings, team,
//! products, companies, audit log, saved messages and the account are its office's
//! (`office.rs`, under `/o/`), a program of its own.

use sideline_frontend::app::{Elsewhere, Frame, Kind, Route};
use sideline_frontend::components::staff_shell::staff_page;
use sideline_frontend::pages::tools::staff_tools;
use sideline_frontend::pages::{auth::*, business, clients, groups, inbox, vault};
use sideline_frontend::router::Redirect;
use yew::prelude::*;

fn main() {
    sideline_frontend::run::<App>();
}

#[component]
fn App() -> Html {
    html! { <Frame kind={Kind::Staff} render={Callback::from(switch)} /> }
}

fn switch(route: Route) -> Html {
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
            staff_page(html! { <inbox::Inbox selected={None} tools={staff_tools()} /> })
        }
        Route::Conversation { id } => {
            staff_page(html! { <inbox::Inbox selected={Some(id)} tools={staff_tools()} /> })
        }
        Route::Clients => staff_page(html! { <clients::Clients /> }),
        Route::MassMessage => staff_page(html! { <business::MassMessagePage /> }),
        Route::Vault => staff_page(html! { <vault::VaultPage /> }),
        Route::NewGroup => staff_page(html! { <groups::NewGroup /> }),
        Route::ClientProfile { id } => staff_page(html! { <clients::ClientProfile {id} /> }),
        Route::ClientChat { id } => staff_page(html! { <clients::ClientProfile {id} chat=true /> }),
        Route::NotFound => html! { <Redirect to={Route::Inbox} /> },
        // The office's (links made before it was apart still land here).
        office @ (Route::Account
        | Route::Products
        | Route::Team
        | Route::Companies
        | Route::Settings
        | Route::Audit
        | Route::Templates) => html! { <Elsewhere kind={Kind::Office} route={office} /> },
    }
}
