//! What the two apps share: the client app (`src/bin/client.rs`, served under `/c/`: sign-in,
//! invites, conversations, the client's own account) and the staff app (`src/bin/staff.rs`,
//! served at `/`: everything). Each binary links only what its routes reach, so nothing a
//! client never uses is in the client app.

pub mod app;
pub mod components;
pub mod format;
pub mod hooks;
pub mod media;
pub mod pages;
pub mod reducers;
pub mod router;
pub mod services;
pub mod state;

/// Reads where the API is, then renders `App`.
pub fn run<App: yew::BaseComponent<Properties = ()>>() {
    wasm_bindgen_futures::spawn_local(async {
        services::config::load().await;
        yew::Renderer::<App>::new().render();
    });
}
