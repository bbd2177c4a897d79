//! The client app: a business's clients on their phones, served under `/c/`. Sign-in, invites,
//! their conversations and their account; every staff screen is in the staff app instead.

use sideline_frontend::app::{Elsewhere, Frame, Kind, Route, Signed, tab};
use sideline_frontend::pages::inbox::Inbox;
use sideline_frontend::router::{Redirect, use_route};
use yew::prelude::*;

fn main() {
    sideline_frontend::run::<App>();
}

#[component]
fn App() -> Html {
    html! { <Frame kind={Kind::Client} render={Callback::from(switch)} /> }
}

fn switch(route: Route) -> Html {
    let signed = |page: Html| html! { <Signed nav={html! { <Nav /> }}>{ page }</Signed> };
    match route {
        Route::Home | Route::Inbox => signed(html! { <Inbox selected={None} /> }),
        Route::Conversation { id } => signed(html! { <Inbox selected={Some(id)} /> }),
        Route::NotFound => html! { <Redirect to={Route::Inbox} /> },
        // Signing in, an invite, a forgotten password and the account: the door's (links sent
        // before it was apart still land here).
        door @ (Route::SignIn
        | Route::Invite { .. }
        | Route::ForgotPassword
        | Route::ResetPassword { .. }
        | Route::Account) => html! { <Elsewhere kind={Kind::Door} route={door} /> },
        // Signing up a business, confirming an email, choosing among businesses, and every
        // staff screen.
        staff => html! { <Elsewhere kind={Kind::Staff} route={staff} /> },
    }
}

#[component]
fn Nav() -> Html {
    let route = use_route();
    let in_inbox = matches!(
        route,
        Route::Inbox | Route::Conversation { .. } | Route::Home
    );
    html! {
        <>
            { tab(Route::Inbox, "Messages", in_inbox) }
            { tab(Route::Account, "Account", route == Route::Account) }
        </>
    }
}
