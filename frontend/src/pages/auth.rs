//! Signing up, signing in, and accepting an invite.

use crate::app::{Kind, Route, use_kind};
use crate::components::field::{Field, FormError, bind, use_form};
use crate::hooks::{SessionHandle, use_fetch, use_session};
use crate::router::{Link, Navigator, Redirect, use_navigator};
use crate::services::api;
use crate::services::requests::ApiError;
use shared::api::{
    AcceptInviteRequest, AuthResponse, LoginBusiness, LoginRequest, PasswordResetConfirm,
    PasswordResetRequest, SignupRequest, SwitchRequest, VerifyRequest,
};
use std::future::Future;
use yew::prelude::*;

/// Runs a sign-in call: on success the session starts and the app goes to `to`; on failure the
/// form shows why. `busy` is set while the call is out.
fn authenticate<Fut>(
    call: Fut,
    session: SessionHandle,
    navigator: Navigator,
    to: Route,
    error: UseStateHandle<Option<String>>,
    busy: UseStateHandle<bool>,
) where
    Fut: Future<Output = Result<AuthResponse, ApiError>> + 'static,
{
    busy.set(true);
    wasm_bindgen_futures::spawn_local(async move {
        match call.await {
            Ok(r) => {
                // The choice of business is offered only to a login of several.
                let to = match (to, r.businesses) {
                    (Route::Businesses, 0 | 1) => Route::Inbox,
                    (to, _) => to,
                };
                session.sign_in(r);
                crate::components::notify::signed_in_here();
                navigator.push(&to);
            }
            Err(e) => error.set(Some(e.message)),
        }
        busy.set(false);
    });
}

#[component]
pub fn SignIn() -> Html {
    let session = use_session();
    let kind = use_kind();
    let navigator = use_navigator();
    let form = use_form(LoginRequest::default);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    if session.current().is_some() {
        return html! { <Redirect to={Route::Inbox} /> };
    }
    let onsubmit = {
        let (form, error, busy, session) =
            (form.clone(), error.clone(), busy.clone(), session.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            authenticate(
                async move { api::login(&req).await },
                session.clone(),
                navigator.clone(),
                // A login of several businesses chooses one there; of one, goes on at once.
                Route::Businesses,
                error.clone(),
                busy.clone(),
            );
        })
    };
    html! {
        <div class="auth">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Sign in" }</h1>
                if let Some(why) = session.ended_why() {
                    <p class="notice" role="status">{ why }</p>
                }
                <Field label="Email or phone" kind="email" autocomplete="username" value={form.0.email.clone()} oninput={bind(&form, |f, v| f.email = v)} />
                <Field label="Password" kind="password" autocomplete="current-password" value={form.0.password.clone()} oninput={bind(&form, |f, v| f.password = v)} />
                <FormError error={(*error).clone()} />
                <button class="primary" type="submit" disabled={*busy}>{ if *busy { "Signing in…" } else { "Sign in" } }</button>
                <p class="muted"><Link to={Route::ForgotPassword}>{ "Forgot your password?" }</Link></p>
                if kind == Kind::Staff {
                    <p class="muted">{ "New to Sideline? " }<Link to={Route::SignUp}>{ "Create your business" }</Link></p>
                }
            </form>
        </div>
    }
}

#[component]
pub fn SignUp() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let form = use_form(SignupRequest::default);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (form, error, busy, session) =
            (form.clone(), error.clone(), busy.clone(), session.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            authenticate(
                async move { api::signup(&req).await },
                session.clone(),
                navigator.clone(),
                Route::Clients,
                error.clone(),
                busy.clone(),
            );
        })
    };
    html! {
        <div class="auth">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Create your business" }</h1>
                <Field label="Business name" value={form.0.business_name.clone()} oninput={bind(&form, |f, v| f.business_name = v)} autocomplete="organization" />
                <Field label="Your name" value={form.0.name.clone()} oninput={bind(&form, |f, v| f.name = v)} autocomplete="name" />
                <Field label="Email" kind="email" value={form.0.email.clone()} oninput={bind(&form, |f, v| f.email = v)} autocomplete="email" />
                <Field label="Password" kind="password" value={form.0.password.clone()} oninput={bind(&form, |f, v| f.password = v)} autocomplete="new-password" hint="At least 8 characters" />
                <FormError error={(*error).clone()} />
                <button class="primary" type="submit" disabled={*busy}>{ "Create business" }</button>
                <p class="muted">{ "Already have an account? " }<Link to={Route::SignIn}>{ "Sign in" }</Link></p>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct AcceptInviteProps {
    pub token: String,
}

#[component]
pub fn AcceptInvite(props: &AcceptInviteProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let preview = use_fetch(props.token.clone(), |token| async move {
        api::invite_preview(&token).await
    });
    let form = use_form(|| AcceptInviteRequest {
        token: props.token.clone(),
        password: String::new(),
    });
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (form, error, busy, session, token) = (
            form.clone(),
            error.clone(),
            busy.clone(),
            session.clone(),
            props.token.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // The invite this page shows, should the address have changed since it opened.
            let req = AcceptInviteRequest {
                token: token.clone(),
                ..form.0.clone()
            };
            authenticate(
                async move { api::accept_invite(&req).await },
                session.clone(),
                navigator.clone(),
                Route::Inbox,
                error.clone(),
                busy.clone(),
            );
        })
    };
    let body = match (preview.data(), preview.error()) {
        (Some(p), _) => html! {
            <>
                <p>{ format!("Hi {}! {} invited you to message them on Sideline.", p.name, p.business_name) }</p>
                if p.existing {
                    <p class="muted">{ format!("You already sign in to Sideline with {}: enter that password to add {}.", p.login, p.business_name) }</p>
                    <Field label="Your Sideline password" kind="password" autocomplete="current-password" value={form.0.password.clone()} oninput={bind(&form, |f, v| f.password = v)} />
                    <p class="muted"><Link to={Route::ForgotPassword}>{ "Forgot it?" }</Link></p>
                } else {
                    <p class="muted">{ format!("You'll sign in with {}.", p.login) }</p>
                    <Field label="Choose a password" kind="password" autocomplete="new-password" value={form.0.password.clone()} oninput={bind(&form, |f, v| f.password = v)} hint="At least 8 characters" />
                }
                <FormError error={(*error).clone()} />
                <button class="primary" type="submit" disabled={*busy}>{ "Join" }</button>
            </>
        },
        (None, Some(message)) => html! {
            <>
                <p class="error" role="alert">{ message }</p>
                <Link to={Route::SignIn}>{ "Go to sign in" }</Link>
            </>
        },
        (None, None) => html! { <p class="muted">{ "Opening your invite…" }</p> },
    };
    html! {
        <div class="auth">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Welcome" }</h1>
                { body }
            </form>
        </div>
    }
}

/// Asks for a reset link by email. The answer is the same whether or not the address has an
/// account, and so is what this page says.
#[component]
pub fn ForgotPassword() -> Html {
    let form = use_form(PasswordResetRequest::default);
    let error = use_state(|| None::<String>);
    let sent = use_state(|| false);
    let onsubmit = {
        let (form, error, sent) = (form.clone(), error.clone(), sent.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (error, sent) = (error.clone(), sent.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::request_password_reset(&req).await {
                    Ok(()) => sent.set(true),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <div class="auth">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Reset your password" }</h1>
                if *sent {
                    <p class="notice" role="status">{ "If an account signs in with this address, we emailed it a link. It works once, for one hour." }</p>
                } else {
                    <Field label="Email" kind="email" autocomplete="username" value={form.0.login.clone()} oninput={bind(&form, |f, v| f.login = v)} />
                    <FormError error={(*error).clone()} />
                    <button class="primary" type="submit">{ "Email me a link" }</button>
                }
                <p class="muted"><Link to={Route::SignIn}>{ "Back to sign in" }</Link></p>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ResetPasswordProps {
    pub token: String,
}

/// A new password through a reset link; the person is signed in with it.
#[component]
pub fn ResetPassword(props: &ResetPasswordProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let form = use_form(PasswordResetConfirm::default);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (form, error, busy, token) = (
            form.clone(),
            error.clone(),
            busy.clone(),
            props.token.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = PasswordResetConfirm {
                token: token.clone(),
                ..form.0.clone()
            };
            authenticate(
                async move { api::confirm_password_reset(&req).await },
                session.clone(),
                navigator.clone(),
                Route::Inbox,
                error.clone(),
                busy.clone(),
            );
        })
    };
    html! {
        <div class="auth">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Choose a new password" }</h1>
                <Field label="New password" kind="password" autocomplete="new-password" value={form.0.password.clone()} oninput={bind(&form, |f, v| f.password = v)} hint="At least 8 characters. Every device is signed out." />
                <FormError error={(*error).clone()} />
                <button class="primary" type="submit" disabled={*busy}>{ "Set password and sign in" }</button>
                <p class="muted"><Link to={Route::ForgotPassword}>{ "Send a new link" }</Link></p>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmEmailProps {
    pub token: String,
}

/// Follows a link that confirms an email: the address signs in from now on, and this device
/// is signed in with it.
#[component]
pub fn ConfirmEmail(props: &ConfirmEmailProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let error = use_state(|| None::<String>);
    {
        let (error, token) = (error.clone(), props.token.clone());
        use_effect_with((), move |_| {
            let req = VerifyRequest { token };
            wasm_bindgen_futures::spawn_local(async move {
                match api::confirm_email(&req).await {
                    Ok(r) => {
                        session.sign_in(r);
                        navigator.replace(&Route::Inbox);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        });
    }
    html! {
        <div class="auth">
            <div class="card auth-card">
                <h1>{ "Confirming your email" }</h1>
                if let Some(message) = (*error).clone() {
                    <p class="error" role="alert">{ message }</p>
                    <Link to={Route::SignIn}>{ "Go to sign in" }</Link>
                } else {
                    <p class="muted">{ "One moment…" }</p>
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct UnsubscribeProps {
    pub token: String,
}

/// Where the unsubscribe link of an email leads: asks once, then stops that business's
/// non-transactional emails to the address. No sign-in needed.
#[component]
pub fn Unsubscribe(props: &UnsubscribeProps) -> Html {
    let done = use_state(|| None::<Result<shared::api::Unsubscribed, String>>);
    let onclick = {
        let (done, token) = (done.clone(), props.token.clone());
        Callback::from(move |_| {
            let (done, token) = (done.clone(), token.clone());
            wasm_bindgen_futures::spawn_local(async move {
                done.set(Some(api::unsubscribe(&token).await.map_err(|e| e.message)));
            });
        })
    };
    html! {
        <div class="auth">
            <div class="card auth-card">
                <h1>{ "Unsubscribe" }</h1>
                { match (*done).clone() {
                    None => html! {
                        <>
                            <p>{ "Stop emails like the one you came from? Invites, sign-in links and password resets still arrive." }</p>
                            <button class="primary" {onclick}>{ "Unsubscribe" }</button>
                        </>
                    },
                    Some(Ok(u)) => html! {
                        <p class="notice" role="status">{ format!("Done: {} gets no more of these emails from {}.", u.email, u.business_name) }</p>
                    },
                    Some(Err(message)) => html! { <p class="error" role="alert">{ message }</p> },
                } }
            </div>
        </div>
    }
}

/// Where a login of several businesses chooses one right after signing in. A login of one
/// business goes straight on.
#[component]
pub fn Businesses() -> Html {
    let session = use_session();
    let listed = use_fetch((), |_| api::businesses());
    if session.current().is_none() {
        return html! { <Redirect to={Route::SignIn} /> };
    }
    let body = match (listed.data(), listed.error()) {
        (Some(all), _) if all.len() <= 1 => return html! { <Redirect to={Route::Inbox} /> },
        (Some(all), _) => html! { <BusinessChoices listed={all.clone()} /> },
        (None, Some(message)) => html! { <p class="error" role="alert">{ message }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    html! {
        <div class="auth">
            <div class="card auth-card">
                <h1>{ "Choose a business" }</h1>
                <p class="muted">{ "You sign in to more than one. You can switch later from your account." }</p>
                { body }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct BusinessChoicesProps {
    pub listed: Vec<LoginBusiness>,
}

/// The businesses of the person's login, each a button that goes there (the current one just
/// goes on).
#[component]
pub fn BusinessChoices(props: &BusinessChoicesProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let choices = props
        .listed
        .iter()
        .map(|b| {
            let onclick = {
                let (session, navigator, error, busy) = (
                    session.clone(),
                    navigator.clone(),
                    error.clone(),
                    busy.clone(),
                );
                let (current, business_id) = (b.current, b.business_id);
                Callback::from(move |_| {
                    if current {
                        navigator.push(&Route::Inbox);
                        return;
                    }
                    let req = SwitchRequest { business_id };
                    authenticate(
                        async move { api::switch_business(&req).await },
                        session.clone(),
                        navigator.clone(),
                        Route::Inbox,
                        error.clone(),
                        busy.clone(),
                    );
                })
            };
            let what = match b.role.is_staff() {
                true => "Team",
                false => "Messages",
            };
            html! {
                <li>
                    <button class="business-choice" {onclick} disabled={*busy}>
                        <strong>{ b.business_name.clone() }</strong>
                        <span class="muted">{ what }</span>
                    </button>
                </li>
            }
        })
        .collect::<Html>();
    html! {
        <>
            <ul class="business-choices">{ choices }</ul>
            <FormError error={(*error).clone()} />
        </>
    }
}
