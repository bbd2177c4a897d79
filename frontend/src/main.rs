//! The Sideline app: the trainer's dashboard and the client's phone app, routed by role.

mod app;
mod components;
mod format;
mod hooks;
mod pages;
mod services;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
