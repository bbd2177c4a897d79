//! Routes, the two apps and which one serves whom, the providers every page relies on, and the
//! shell around signed-in pages.

use crate::hooks::{use_realtime, use_session};
use crate::reducers::{Chat, ChatAction};
use crate::state::SessionState;
use shared::model::Role;
use shared::{ConversationId, UserId};
use yew::prelude::*;
use yew_router::prelude::*;

/// Every screen of either app, by its path within the app (the client app's paths are under
/// `/c`, see [`Kind::base`]). A screen an app does not have sends the person to the app that
/// has it.
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
    Conversation { id: ConversationId },
    #[at("/account")]
    Account,
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
    ClientProfile { id: UserId },
    #[at("/clients/:id/chat")]
    ClientChat { id: UserId },
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// Which app this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The phone app of a business's clients.
    Client,
    /// The dashboard of its owner, admins and coaches.
    Staff,
}

impl Kind {
    /// Where the app is served: its routes are under this path.
    pub fn base(self) -> &'static str {
        match self {
            Kind::Client => "/c",
            Kind::Staff => "",
        }
    }

    /// The app a person of `role` uses.
    pub fn of(role: Role) -> Self {
        match role.is_staff() {
            true => Kind::Staff,
            false => Kind::Client,
        }
    }

    /// Loads `route` in this app (a whole page load: the other app is another program).
    pub fn open(self, route: &Route) {
        if let Some(window) = web_sys::window() {
            let _ = window
                .location()
                .replace(&format!("{}{}", self.base(), route.to_path()));
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct FrameProps {
    pub kind: Kind,
    pub render: Callback<Route, Html>,
}

/// An app: its providers, its router (under its base path) and the pages `render` gives.
#[component]
pub fn Frame(props: &FrameProps) -> Html {
    let session = use_reducer(SessionState::load);
    let chat = use_reducer(Chat::default);
    let render = props.render.clone();
    let basename = match props.kind.base() {
        "" => None,
        base => Some(AttrValue::Static(base)),
    };
    html! {
        <ContextProvider<crate::state::SessionContext> context={session}>
            <ContextProvider<crate::state::ChatContext> context={chat}>
                <ContextProvider<Kind> context={props.kind}>
                    <BrowserRouter {basename}>
                        <SessionKeeper />
                        <Switch<Route> render={move |r| render.emit(r)} />
                    </BrowserRouter>
                </ContextProvider<Kind>>
            </ContextProvider<crate::state::ChatContext>>
        </ContextProvider<crate::state::SessionContext>>
    }
}

/// Which app is running.
#[hook]
pub fn use_kind() -> Kind {
    use_context::<Kind>().expect("the frame provides the app's kind")
}

/// What runs while someone is signed in: the WebSocket, signing out when the session expires,
/// and signing out when the server refuses the session.
#[component]
fn SessionKeeper() -> Html {
    let session = use_session();
    let chat = crate::hooks::use_chat();
    {
        // Nothing of one person's conversations stays for the next.
        let chat = chat.clone();
        use_effect_with(session.current().map(|s| s.user.id), move |me| {
            chat.dispatch(ChatAction::Person(*me));
        });
    }
    use_realtime(session.current().map(|s| s.token), chat);
    {
        let session = session.clone();
        use_effect_with((), move |_| {
            crate::services::requests::on_unauthorized(move || session.sign_out());
        });
    }
    {
        let expires = session.current().map(|s| s.expires_at_ms);
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

/// Sends the person to the other app's `route`, where it exists.
#[derive(Properties, PartialEq)]
pub struct ElsewhereProps {
    pub kind: Kind,
    pub route: Route,
}

#[component]
pub fn Elsewhere(props: &ElsewhereProps) -> Html {
    let (kind, route) = (props.kind, props.route.clone());
    use_effect_with((), move |_| kind.open(&route));
    html! { <p class="muted centered">{ "Opening Sideline…" }</p> }
}

#[derive(Properties, PartialEq)]
pub struct SignedProps {
    pub children: Html,
    /// The app's tabs.
    pub nav: Html,
}

/// The shell of every signed-in page. Sends anyone not signed in to sign in, and anyone whose
/// app this is not to theirs.
#[component]
pub fn Signed(props: &SignedProps) -> Html {
    let session = use_session();
    let kind = use_kind();
    let route = use_route::<Route>().unwrap_or(Route::Inbox);
    let Some(current) = session.current() else {
        return html! { <Redirect<Route> to={Route::SignIn} /> };
    };
    let theirs = Kind::of(current.user.role);
    if theirs != kind {
        let route = match theirs {
            Kind::Client => Route::Inbox,
            Kind::Staff => route,
        };
        return html! { <Elsewhere kind={theirs} {route} /> };
    }
    let on_sign_out = {
        let session = session.clone();
        Callback::from(move |_| session.sign_out())
    };
    html! {
        <div class={classes!("shell", (kind == Kind::Client).then_some("client-app"))}>
            <header class="topbar">
                <span class="brand">{ "Sideline" }</span>
                <span class="business">{ current.user.business_name.clone() }</span>
                <nav class="tabs">{ props.nav.clone() }</nav>
                <button class="ghost" onclick={on_sign_out}>{ "Sign out" }</button>
            </header>
            <main class="content">{ props.children.clone() }</main>
        </div>
    }
}

/// A tab of the app's navigation.
pub fn tab(to: Route, label: &'static str, active: bool) -> Html {
    html! {
        <Link<Route> to={to} classes={classes!("tab", active.then_some("active"))}>{ label }</Link<Route>>
    }
}
