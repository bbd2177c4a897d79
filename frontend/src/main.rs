//! The Sideline app: the trainer's dashboard and the client's phone app, routed by role.

mod app;
mod components;
mod format;
mod hooks;
mod pages;
mod reducers;
mod services;
mod state;

fn main() {
    wasm_bindgen_futures::spawn_local(async {
        services::config::load().await;
        yew::Renderer::<app::App>::new().render();
    });
}
