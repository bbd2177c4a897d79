//! Routes, the two apps and which one serves whom, the providers every page relies on, and the
//! shell around signed-in pages.

use crate::hooks::{use_realtime, use_session};
use crate::reducers::{Chat, ChatAction};
use crate::router::{Link, Redirect, Router, use_route};
use crate::state::SessionState;
use shared::model::Role;
use shared::{ConversationId, UserId};
use yew::prelude::*;

/// Every screen of either app, by its path within the app (the client app's paths are under
/// `/c`, see [`Kind::base`]). A screen an app does not have sends the person to the app that
/// has it.
#[derive(Clone, PartialEq, Debug)]
pub enum Route {
    Home,
    SignIn,
    SignUp,
    Invite { token: String },
    ForgotPassword,
    ResetPassword { token: String },
    ConfirmEmail { token: String },
    Unsubscribe { token: String },
    Businesses,
    Inbox,
    Conversation { id: ConversationId },
    Account,
    NewGroup,
    Products,
    Team,
    Companies,
    MassMessage,
    Settings,
    Audit,
    Templates,
    Vault,
    Clients,
    ClientProfile { id: UserId },
    ClientChat { id: UserId },
    NotFound,
}

impl Route {
    /// The screen at `path` (within the app). A trailing slash is ignored; a path that names no
    /// screen, or an id that is not one, is [`Route::NotFound`].
    pub fn recognize(path: &str) -> Route {
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = match path.strip_prefix('/') {
            Some(rest) => rest.split('/').collect(),
            None if path.is_empty() => Vec::new(),
            None => return Route::NotFound,
        };
        match segments.as_slice() {
            [] => Route::Home,
            ["signin"] => Route::SignIn,
            ["signup"] => Route::SignUp,
            ["invite", token] if !token.is_empty() => Route::Invite {
                token: (*token).to_owned(),
            },
            ["forgot"] => Route::ForgotPassword,
            ["reset", token] if !token.is_empty() => Route::ResetPassword {
                token: (*token).to_owned(),
            },
            ["verify", token] if !token.is_empty() => Route::ConfirmEmail {
                token: (*token).to_owned(),
            },
            ["unsubscribe", token] if !token.is_empty() => Route::Unsubscribe {
                token: (*token).to_owned(),
            },
            ["businesses"] => Route::Businesses,
            ["inbox"] => Route::Inbox,
            ["inbox", raw] => raw
                .parse()
                .map_or(Route::NotFound, |id| Route::Conversation { id }),
            ["account"] => Route::Account,
            ["groups", "new"] => Route::NewGroup,
            ["products"] => Route::Products,
            ["team"] => Route::Team,
            ["companies"] => Route::Companies,
            ["mass"] => Route::MassMessage,
            ["settings"] => Route::Settings,
            ["audit"] => Route::Audit,
            ["templates"] => Route::Templates,
            ["vault"] => Route::Vault,
            ["clients"] => Route::Clients,
            ["clients", raw] => raw
                .parse()
                .map_or(Route::NotFound, |id| Route::ClientProfile { id }),
            ["clients", raw, "chat"] => raw
                .parse()
                .map_or(Route::NotFound, |id| Route::ClientChat { id }),
            _ => Route::NotFound,
        }
    }

    /// The path of this screen within the app.
    pub fn to_path(&self) -> String {
        let fixed = match self {
            Route::Home => "/",
            Route::SignIn => "/signin",
            Route::SignUp => "/signup",
            Route::ForgotPassword => "/forgot",
            Route::Businesses => "/businesses",
            Route::Inbox => "/inbox",
            Route::Account => "/account",
            Route::NewGroup => "/groups/new",
            Route::Products => "/products",
            Route::Team => "/team",
            Route::Companies => "/companies",
            Route::MassMessage => "/mass",
            Route::Settings => "/settings",
            Route::Audit => "/audit",
            Route::Templates => "/templates",
            Route::Vault => "/vault",
            Route::Clients => "/clients",
            Route::NotFound => "/404",
            Route::Invite { token } => return format!("/invite/{token}"),
            Route::ResetPassword { token } => return format!("/reset/{token}"),
            Route::ConfirmEmail { token } => return format!("/verify/{token}"),
            Route::Unsubscribe { token } => return format!("/unsubscribe/{token}"),
            Route::Conversation { id } => return format!("/inbox/{id}"),
            Route::ClientProfile { id } => return format!("/clients/{id}"),
            Route::ClientChat { id } => return format!("/clients/{id}/chat"),
        };
        fixed.to_owned()
    }
}

/// Which app this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The phone app of a business's clients: their conversations.
    Client,
    /// The client app's door, beside it under `/c/a/`: signing in, an invite, a forgotten
    /// password and the client's account. Apart, so what a client loads every day to read their
    /// messages carries none of it (see `infra/scripts/app-size.sh`).
    Door,
    /// The dashboard of its owner, admins and coaches.
    Staff,
    /// The staff app's office, beside it under `/o/`: the business's settings, its team,
    /// products, companies, audit log and saved messages, and the person's account. Opened
    /// seldom, so the dashboard staff keep open all day carries none of it.
    Office,
}

impl Kind {
    /// Where the app is served: its routes are under this path.
    pub fn base(self) -> &'static str {
        match self {
            Kind::Client => "/c",
            Kind::Door => "/c/a",
            Kind::Staff => "",
            Kind::Office => "/o",
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
    html! {
        <ContextProvider<crate::state::SessionContext> context={session}>
            <ContextProvider<crate::state::ChatContext> context={chat}>
                <ContextProvider<Kind> context={props.kind}>
                    <Router base={props.kind.base()}>
                        <SessionKeeper />
                        <Screen render={props.render.clone()} />
                    </Router>
                </ContextProvider<Kind>>
            </ContextProvider<crate::state::ChatContext>>
        </ContextProvider<crate::state::SessionContext>>
    }
}

#[derive(Properties, PartialEq)]
struct ScreenProps {
    render: Callback<Route, Html>,
}

/// The page of the screen the app is at.
#[component]
fn Screen(props: &ScreenProps) -> Html {
    props.render.emit(use_route())
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
    let on_ended = {
        let session = session.clone();
        Callback::from(move |why| session.ended(why))
    };
    {
        // A message of someone else that reached this device while its conversation is not
        // on screen: delivered (one on screen is read instead).
        use_effect_with(chat.arrived, |arrived| {
            if let Some((c, m)) = *arrived {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = crate::services::api::mark_delivered(c, m).await;
                });
            }
        });
    }
    use_realtime(session.current().map(|s| s.token), chat, on_ended);
    {
        let session = session.clone();
        use_effect_with((), move |_| {
            crate::services::requests::on_unauthorized(move || {
                session.ended("Your session ended. Sign in again.")
            });
        });
    }
    {
        let expires = session.current().map(|s| s.expires_at_ms);
        let session = session.clone();
        use_effect_with(expires, move |expires| {
            let timer = expires.map(|at| {
                let wait = (at as f64 - js_sys::Date::now()).clamp(0.0, i32::MAX as f64) as u32;
                gloo_timers::callback::Timeout::new(wait, move || {
                    session.ended("Your session expired. Sign in again.")
                })
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
    /// What the app says above every page (the staff app: an email to confirm).
    #[prop_or_default]
    pub notice: Html,
    /// Beside the tabs, always in view (the staff app: the bell).
    #[prop_or_default]
    pub tools: Html,
}

/// The shell of every signed-in page. Sends anyone not signed in to sign in, and anyone whose
/// app this is not to theirs.
#[component]
pub fn Signed(props: &SignedProps) -> Html {
    let session = use_session();
    let kind = use_kind();
    let route = use_route();
    let Some(current) = session.current() else {
        return html! { <Redirect to={Route::SignIn} /> };
    };
    let theirs = Kind::of(current.user.role);
    // A client's account page is the door's; the office is staff's too.
    if theirs != kind
        && !matches!(
            (kind, theirs),
            (Kind::Door, Kind::Client) | (Kind::Office, Kind::Staff)
        )
    {
        let route = match theirs {
            Kind::Staff => route,
            _ => Route::Inbox,
        };
        return html! { <Elsewhere kind={theirs} {route} /> };
    }
    let on_sign_out = {
        let session = session.clone();
        Callback::from(move |_| session.sign_out())
    };
    html! {
        <div class={classes!("shell", (kind != Kind::Staff).then_some("client-app"))}>
            <header class="topbar">
                <span class="brand">{ "Sideline" }</span>
                <span class="business">{ current.user.business_name.clone() }</span>
                <nav class="tabs">{ props.nav.clone() }</nav>
                { props.tools.clone() }
                <button class="ghost" onclick={on_sign_out}>{ "Sign out" }</button>
            </header>
            { props.notice.clone() }
            <main class="content">{ props.children.clone() }</main>
        </div>
    }
}

/// Says that the person's email signs them in only once confirmed (a new sign-up's, or a
/// changed one), and sends the link again when asked.
#[component]
pub fn UnconfirmedEmail() -> Html {
    let session = use_session();
    let sent = use_state(|| None::<String>);
    let onclick = {
        let sent = sent.clone();
        Callback::from(move |_| {
            let sent = sent.clone();
            wasm_bindgen_futures::spawn_local(async move {
                sent.set(Some(
                    match crate::services::api::resend_verification().await {
                        Ok(()) => "Sent. Check your inbox.".into(),
                        Err(e) => e.message,
                    },
                ));
            });
        })
    };
    let Some(email) = session.current().and_then(|s| s.user.unconfirmed_email) else {
        return html! {};
    };
    html! {
        <p class="banner" role="status">
            { format!("Confirm {email}: follow the link we emailed there to sign in with it. ") }
            if let Some(said) = (*sent).clone() {
                { said }
            } else {
                <button class="link" {onclick}>{ "Send the link again" }</button>
            }
        </p>
    }
}

/// A tab of the app's navigation.
pub fn tab(to: Route, label: &'static str, active: bool) -> Html {
    html! {
        <Link {to} classes={classes!("tab", active.then_some("active"))}>{ label }</Link>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    #[test]
    fn every_route_is_recognized_at_its_own_path() {
        let conversation = ConversationId::from_ulid(Ulid::from_parts(7, 1));
        let client = UserId::from_ulid(Ulid::from_parts(8, 2));
        let routes = [
            Route::Home,
            Route::SignIn,
            Route::SignUp,
            Route::Invite {
                token: "AbC-_12".into(),
            },
            Route::ForgotPassword,
            Route::ResetPassword {
                token: "Zy-_9".into(),
            },
            Route::ConfirmEmail {
                token: "Qx-_1".into(),
            },
            Route::Unsubscribe {
                token: "01HF.YQ.ab12".into(),
            },
            Route::Businesses,
            Route::Inbox,
            Route::Conversation { id: conversation },
            Route::Account,
            Route::NewGroup,
            Route::Products,
            Route::Team,
            Route::Companies,
            Route::MassMessage,
            Route::Settings,
            Route::Audit,
            Route::Templates,
            Route::Vault,
            Route::Clients,
            Route::ClientProfile { id: client },
            Route::ClientChat { id: client },
            Route::NotFound,
        ];
        for route in routes {
            assert_eq!(Route::recognize(&route.to_path()), route, "{route:?}");
        }
        assert_eq!(
            Route::recognize(&format!("/inbox/{conversation}/")),
            Route::Conversation { id: conversation }
        );
        assert_eq!(Route::recognize(""), Route::Home);
    }

    #[test]
    fn paths_that_name_no_screen_are_not_found() {
        for path in [
            "/nowhere",
            "/inbox/not-an-id",
            "/clients/123",
            "/clients//chat",
            "/invite/",
            "/reset/",
            "/verify/",
            "/groups",
            "/groups/new/more",
            "/inbox//",
            "inbox",
        ] {
            assert_eq!(Route::recognize(path), Route::NotFound, "{path}");
        }
    }
}
