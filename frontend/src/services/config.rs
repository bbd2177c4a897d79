//! Where the API and the realtime socket are. Deployed, `/config.json` (written by the deploy)
//! names them; locally there is none and both are on the app's own origin.

use super::read::{Json, Read, read_fields};
use std::cell::RefCell;

#[derive(Debug, Clone, Default)]
struct RuntimeConfig {
    api_url: Option<String>,
    ws_url: Option<String>,
}

read_fields!(RuntimeConfig { api_url = default, ws_url = default });

thread_local! {
    static CONFIG: RefCell<RuntimeConfig> = RefCell::new(RuntimeConfig::default());
}

/// Reads `/config.json` once at start; anything but a JSON config means "same origin".
pub async fn load() {
    let Ok(response) = gloo_net::http::Request::get("/config.json").send().await else {
        return;
    };
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|t| t.contains("json"));
    if response.ok()
        && is_json
        && let Ok(text) = response.text().await
        && let Some(config) = super::read::from_str::<RuntimeConfig>(&text)
    {
        CONFIG.with(|c| *c.borrow_mut() = config);
    }
}

/// The full URL of an API path (`/api/...`).
pub fn api(path: &str) -> String {
    CONFIG.with(|c| match &c.borrow().api_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.to_owned(),
    })
}

/// The realtime socket's URL for a session token.
pub fn websocket(token: &str) -> String {
    CONFIG.with(|c| match &c.borrow().ws_url {
        Some(url) => format!("{url}?token={token}"),
        None => {
            let location = web_sys::window().map(|w| w.location());
            let host = location
                .as_ref()
                .and_then(|l| l.host().ok())
                .unwrap_or_default();
            let scheme = match location.and_then(|l| l.protocol().ok()).as_deref() {
                Some("https:") => "wss",
                _ => "ws",
            };
            format!("{scheme}://{host}/ws?token={token}")
        }
    })
}
