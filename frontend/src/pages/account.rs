//! The signed-in person's own account: who they are, where they sign in, and signing out.

use crate::hooks::use_session;
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
    html! {
        <section class="page account">
            <h1>{ "Your account" }</h1>
            <dl class="card facts">
                <dt>{ "Name" }</dt><dd>{ user.name.clone() }</dd>
                <dt>{ "You sign in with" }</dt><dd>{ login }</dd>
                <dt>{ "Messaging with" }</dt><dd>{ user.business_name.clone() }</dd>
            </dl>
            <p class="muted">{ "To change your name, email or phone, ask your coach." }</p>
            <button class="ghost" onclick={on_sign_out}>{ "Sign out" }</button>
        </section>
    }
}
