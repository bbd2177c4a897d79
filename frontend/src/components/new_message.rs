//! "New message", anywhere in the staff app: find a client, and their conversation opens with
//! the composer, where the message goes in the app, as a text or by email.

use crate::app::{Kind, Route, use_kind};
use crate::components::field::bind_text;
use crate::services::api;
use shared::model::Client;
use yew::prelude::*;

/// The most clients the finder shows at once.
const SHOWN: usize = 8;

#[component]
pub fn NewMessage() -> Html {
    let open = use_state(|| false);
    let q = use_state(String::new);
    let found = use_state(Vec::<Client>::new);
    let kind = use_kind();
    let navigator = crate::router::use_navigator();
    {
        let found = found.clone();
        use_effect_with(((*q).clone(), *open), move |(q, open)| {
            if *open {
                let q = q.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(page) = api::clients(&q, None, None).await {
                        found.set(page.items);
                    }
                });
            }
        });
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let chosen = |c: &Client| {
        let (open, navigator, route) = (
            open.clone(),
            navigator.clone(),
            Route::ClientChat { id: c.id },
        );
        Callback::from(move |_| {
            open.set(false);
            // The office is another program: the conversation opens in the staff app.
            match kind {
                Kind::Staff => navigator.push(&route),
                _ => Kind::Staff.open(&route),
            }
        })
    };
    html! {
        <div class="bell new-message">
            <button class="ghost bell-button" onclick={toggle} aria-expanded={open.to_string()}
                title="New message" aria-label="New message">{ "✎" }</button>
            if *open {
                <div class="card bell-panel" role="dialog" aria-label="New message">
                    <input class="search" type="search" placeholder="Find a client" aria-label="Find a client"
                        value={(*q).clone()} oninput={bind_text(&q)} />
                    <ul class="bell-list">
                        { for found.iter().filter(|c| c.active).take(SHOWN).map(|c| html! {
                            <li class="bell-item" key={c.id.to_string()}>
                                <button class="plain" onclick={chosen(c)}>
                                    <strong>{ c.name.clone() }</strong>
                                    <span class="muted">{ c.phone.clone().or_else(|| c.email.clone()).unwrap_or_default() }</span>
                                </button>
                            </li>
                        }) }
                    </ul>
                    <p class="hint">{ "Their conversation opens: send it in the app, as a text or by email." }</p>
                </div>
            }
        </div>
    }
}
