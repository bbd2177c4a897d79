//! The client app's door, served under `/c/a/`: signing in, accepting an invite, a forgotten
//! password and the client's account. A client opens it seldom, so the app they open every
//! day (`client.rs`) carries none of it; everything else sends them there.

use sideline_frontend::app::{Elsewhere, Frame, Kind, Route, Signed, tab};
use sideline_frontend::components::notify::PushOffer;
use sideline_frontend::pages::{account::Account, auth::*};
use sideline_frontend::router::use_route;
use yew::prelude::*;

fn main() {
    sideline_frontend::run::<App>();
}

#[component]
fn App() -> Html {
    html! { <Frame kind={Kind::Door} render={Callback::from(switch)} /> }
}

fn switch(route: Route) -> Html {
    match route {
        Route::SignIn => html! { <SignIn /> },
        Route::Invite { token } => html! { <AcceptInvite {token} /> },
        Route::ForgotPassword => html! { <ForgotPassword /> },
        Route::ResetPassword { token } => html! { <ResetPassword {token} /> },
        Route::Account => html! { <Signed nav={html! { <Nav /> }}><Account /></Signed> },
        Route::Home | Route::NotFound => messages(Route::Inbox),
        // The conversations are the client app's; signing up a business, confirming an email,
        // choosing among businesses and every staff screen are the staff app's.
        Route::Inbox | Route::Conversation { .. } => messages(route),
        staff => html! { <Elsewhere kind={Kind::Staff} route={staff} /> },
    }
}

/// On the way to the client app's messages (after an invite, a sign-in): pushes offered first.
fn messages(route: Route) -> Html {
    html! { <PushOffer then={html! { <Elsewhere kind={Kind::Client} {route} /> }} /> }
}

#[component]
fn Nav() -> Html {
    let route = use_route();
    html! {
        <>
            { tab(Route::Inbox, "Messages", false) }
            { tab(Route::Account, "Account", route == Route::Account) }
        </>
    }
}
