//! Routes, the providers every page relies on, and the shell around signed-in pages.

use crate::hooks::{use_realtime, use_session};
use crate::pages::{auth::*, clients::*, inbox::Inbox};
use crate::state::{LiveState, SessionState};
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Clone, Routable, PartialEq, Debug)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/signin")]
    SignIn,
    #[at("/signup")]
    SignUp,
    #[at("/invite/:token")]
    Invite { token: String },
    #[at("/inbox")]
    Inbox,
    #[at("/inbox/:id")]
    Conversation { id: String },
    #[at("/groups/new")]
    NewGroup,
    #[at("/products")]
    Products,
    #[at("/team")]
    Team,
    #[at("/companies")]
    Companies,
    #[at("/mass")]
    MassMessage,
    #[at("/settings")]
    Settings,
    #[at("/clients")]
    Clients,
    #[at("/clients/:id")]
    ClientProfile { id: String },
    #[at("/clients/:id/chat")]
    ClientChat { id: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

#[component]
pub fn App() -> Html {
    let session = use_reducer(SessionState::load);
    let live = use_reducer(LiveState::default);
    html! {
        <ContextProvider<crate::state::SessionContext> context={session}>
            <ContextProvider<crate::state::LiveContext> context={live}>
                <BrowserRouter>
                    <SessionKeeper />
                    <Switch<Route> render={switch} />
                </BrowserRouter>
            </ContextProvider<crate::state::LiveContext>>
        </ContextProvider<crate::state::SessionContext>>
    }
}

/// What runs while someone is signed in: the WebSocket, signing out when the session expires,
/// and signing out when the server refuses the session.
#[component]
fn SessionKeeper() -> Html {
    let session = use_session();
    let live = crate::hooks::use_live();
    use_realtime(session.current().map(|s| s.token), live);
    {
        let session = session.clone();
        use_effect_with((), move |_| {
            crate::services::requests::on_unauthorized(move || session.sign_out());
        });
    }
    {
        let expires = session.current().map(|s| s.expires_at_ms as i64);
        let session = session.clone();
        use_effect_with(expires, move |expires| {
            let timer = expires.map(|at| {
                let wait = (at as f64 - js_sys::Date::now()).clamp(0.0, i32::MAX as f64) as u32;
                gloo_timers::callback::Timeout::new(wait, move || session.sign_out())
            });
            move || drop(timer)
        });
    }
    html! {}
}

fn switch(route: Route) -> Html {
    match route {
        Route::SignIn => html! { <SignIn /> },
        Route::SignUp => html! { <SignUp /> },
        Route::Invite { token } => html! { <AcceptInvite {token} /> },
        Route::Home | Route::Inbox => {
            html! { <Signed><Inbox selected={None::<String>} /></Signed> }
        }
        Route::Conversation { id } => html! { <Signed><Inbox selected={Some(id)} /></Signed> },
        Route::Clients => html! { <Signed staff_only=true><Clients /></Signed> },
        Route::Products => {
            html! { <Signed staff_only=true><crate::pages::products::Products /></Signed> }
        }
        Route::Team => html! { <Signed staff_only=true><crate::pages::staff::Team /></Signed> },
        Route::Companies => {
            html! { <Signed staff_only=true><crate::pages::business::Companies /></Signed> }
        }
        Route::MassMessage => {
            html! { <Signed staff_only=true><crate::pages::business::MassMessagePage /></Signed> }
        }
        Route::Settings => {
            html! { <Signed staff_only=true><crate::pages::business::SettingsPage /></Signed> }
        }
        Route::NewGroup => {
            html! { <Signed staff_only=true><crate::pages::groups::NewGroup /></Signed> }
        }
        Route::ClientProfile { id } => {
            html! { <Signed staff_only=true><ClientProfile {id} /></Signed> }
        }
        Route::ClientChat { id } => {
            html! { <Signed staff_only=true><ClientProfile {id} chat=true /></Signed> }
        }
        Route::NotFound => html! { <Redirect<Route> to={Route::Inbox} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct SignedProps {
    pub children: Html,
    #[prop_or_default]
    pub staff_only: bool,
}

/// The shell of every signed-in page; sends anyone else to sign in.
#[component]
pub fn Signed(props: &SignedProps) -> Html {
    let session = use_session();
    let Some(current) = session.current() else {
        return html! { <Redirect<Route> to={Route::SignIn} /> };
    };
    let staff = current.user.role.is_staff();
    let manages_products = matches!(
        current.user.role,
        shared::model::Role::Owner | shared::model::Role::Admin
    );
    if props.staff_only && !staff {
        return html! { <Redirect<Route> to={Route::Inbox} /> };
    }
    let route = use_route::<Route>();
    let on_sign_out = {
        let session = session.clone();
        Callback::from(move |_| session.sign_out())
    };
    let tab = |to: Route, label: &'static str, active: bool| {
        html! {
            <Link<Route> to={to} classes={classes!("tab", active.then_some("active"))}>{ label }</Link<Route>>
        }
    };
    let in_inbox = matches!(
        route,
        Some(Route::Inbox | Route::Conversation { .. } | Route::Home | Route::NewGroup)
    );
    let in_clients = matches!(
        route,
        Some(Route::Clients | Route::ClientProfile { .. } | Route::ClientChat { .. })
    );
    html! {
        <div class={classes!("shell", (!staff).then_some("client-app"))}>
            <header class="topbar">
                <span class="brand">{ "Sideline" }</span>
                <span class="business">{ current.user.business_name.clone() }</span>
                <nav class="tabs">
                    { tab(Route::Inbox, "Inbox", in_inbox) }
                    if staff { { tab(Route::Clients, "Clients", in_clients) } }
                    if staff { { tab(Route::MassMessage, "Mass message", matches!(route, Some(Route::MassMessage))) } }
                    if manages_products { { tab(Route::Companies, "Companies", matches!(route, Some(Route::Companies))) } }
                    if manages_products { { tab(Route::Products, "Products", matches!(route, Some(Route::Products))) } }
                    if staff { { tab(Route::Team, "Team", matches!(route, Some(Route::Team))) } }
                    if manages_products { { tab(Route::Settings, "Settings", matches!(route, Some(Route::Settings))) } }
                </nav>
                <button class="ghost" onclick={on_sign_out}>{ "Sign out" }</button>
            </header>
            <main class="content">{ props.children.clone() }</main>
        </div>
    }
}
