//! The Sideline app.

use yew::prelude::*;

#[component]
fn App() -> Html {
    html! {
        <main class="app">
            <h1>{ "Sideline" }</h1>
            <p>{ "Messaging for coaching businesses." }</p>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
