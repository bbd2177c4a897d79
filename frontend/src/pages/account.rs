//! The signed-in person's own account: who they are, where they sign in, their notifications,
//! their password, and signing out (here or on every device).

use crate::app::Route;
use crate::components::field::{Field, FormError, bind, reset, use_form};
use crate::hooks::use_session;
use crate::router::Link;
use crate::services::api;
use shared::api::ChangePasswordRequest;
use yew::prelude::*;

#[component]
pub fn Account() -> Html {
    let session = use_session();
    let Some(current) = session.current() else {
        return html! {};
    };
    let user = &current.user;
    let login = user
        .email
        .clone()
        .or_else(|| user.phone.clone())
        .unwrap_or_default();
    let on_sign_out = {
        let session = session.clone();
        Callback::from(move |_| session.sign_out())
    };
    let everywhere = {
        let session = session.clone();
        Callback::from(move |_| {
            let session = session.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if api::logout_everywhere().await.is_ok() {
                    session.ended("You were signed out on every device.");
                }
            });
        })
    };
    html! {
        <section class="page account">
            <h1>{ "Your account" }</h1>
            <dl class="card facts">
                <dt>{ "Name" }</dt><dd>{ user.name.clone() }</dd>
                <dt>{ "You sign in with" }</dt><dd>{ login }</dd>
                <dt>{ "Messaging with" }</dt><dd>{ user.business_name.clone() }</dd>
            </dl>
            if current.businesses > 1 {
                <p><Link to={Route::Businesses}>{ "Switch to another business you sign in to" }</Link></p>
            }
            if !user.role.is_staff() {
                <p class="muted">{ "To change your name, email or phone, ask your coach." }</p>
            }
            <crate::components::notify::NotificationPreferences />
            <ChangePassword />
            <div class="actions start">
                <button class="ghost" onclick={on_sign_out}>{ "Sign out" }</button>
                <button class="ghost" onclick={everywhere}>{ "Sign out on every device" }</button>
            </div>
        </section>
    }
}

/// A new password, knowing the current one. This device stays signed in (with the new session
/// the server answers); every other device is signed out.
#[component]
fn ChangePassword() -> Html {
    let session = use_session();
    let form = use_form(ChangePasswordRequest::default);
    let error = use_state(|| None::<String>);
    let done = use_state(|| false);
    let busy = use_state(|| false);
    let onsubmit = {
        let (form, error, done, busy) = (form.clone(), error.clone(), done.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (form, error, done, busy, session) = (
                form.clone(),
                error.clone(),
                done.clone(),
                busy.clone(),
                session.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::change_password(&req).await {
                    Ok(renewed) => {
                        session.sign_in(renewed);
                        reset(&form, ChangePasswordRequest::default());
                        error.set(None);
                        done.set(true);
                    }
                    Err(e) => {
                        error.set(Some(e.message));
                        done.set(false);
                    }
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="card form" {onsubmit}>
            <h2>{ "Change your password" }</h2>
            <Field label="Current password" kind="password" autocomplete="current-password" value={form.0.current.clone()} oninput={bind(&form, |f, v| f.current = v)} />
            <Field label="New password" kind="password" autocomplete="new-password" value={form.0.new.clone()} oninput={bind(&form, |f, v| f.new = v)} hint="At least 8 characters. Every other device is signed out." />
            <FormError error={(*error).clone()} />
            if *done { <p class="muted" role="status">{ "Password changed. Other devices were signed out." }</p> }
            <div class="actions">
                <button class="primary" type="submit" disabled={*busy}>{ "Change password" }</button>
            </div>
        </form>
    }
}
