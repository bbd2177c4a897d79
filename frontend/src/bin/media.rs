//! The media module, loaded by the apps only when a file is first sent or opened (see
//! `sideline_frontend::media`): what it offers them, as JavaScript functions.

use sideline_frontend::media;
use wasm_bindgen::prelude::*;

fn main() {}

/// Shows `conversation`'s draft files in `tray`; `onchange` is told how many there are.
#[wasm_bindgen]
pub fn show(conversation: String, tray: web_sys::Element, onchange: js_sys::Function) {
    if let Ok(c) = conversation.parse() {
        media::show(c, tray, onchange);
    }
}

/// Adds files (`File`s) to `conversation`'s draft and uploads them as the session `token`.
#[wasm_bindgen]
pub fn add(conversation: String, token: String, files: js_sys::Array) {
    if let Ok(c) = conversation.parse() {
        let files = files.iter().filter_map(|f| f.dyn_into().ok()).collect();
        media::add(c, token, files);
    }
}

/// Adds a file of the Vault (`item`: its id, name, type and size) to `conversation`'s draft:
/// sent without a copy.
#[wasm_bindgen]
pub fn add_stored(conversation: String, _token: String, item: js_sys::Array) {
    let text = |i| item.get(i).as_string().unwrap_or_default();
    if let (Ok(c), Ok(id)) = (conversation.parse(), text(0).parse()) {
        let size = item.get(3).as_f64().unwrap_or(0.0) as u64;
        media::add_stored(c, id, text(1), text(2), size);
    }
}

/// The ids of `conversation`'s draft files, which leave the draft; throws why they cannot be
/// sent yet.
#[wasm_bindgen]
pub fn take(conversation: String) -> Result<js_sys::Array, JsValue> {
    let c = conversation
        .parse()
        .map_err(|_| JsValue::from_str("Not a conversation or the Vault."))?;
    let ids = media::take(c).map_err(|e| JsValue::from_str(&e))?;
    Ok(ids.into_iter().map(JsValue::from).collect())
}

/// Records a voice note for `conversation`'s draft, from `press` (the pointer going down on
/// the record button, or nothing); the tray says why when the microphone cannot be used.
#[wasm_bindgen]
pub async fn record(conversation: String, token: String, press: JsValue) {
    if let Ok(c) = conversation.parse() {
        media::record(c, token, press).await;
    }
}

/// Opens the emoji picker by `anchor`; a pick goes to `onpick` (the emoji as text).
#[wasm_bindgen]
pub fn pick_emoji(anchor: web_sys::Element, onpick: js_sys::Function) {
    media::pick_emoji(anchor, onpick);
}

/// Opens, plays or downloads the file whose tile (or what is in it) `target` is.
#[wasm_bindgen]
pub fn open(conversation: String, token: String, target: web_sys::Element) {
    if let Ok(c) = conversation.parse() {
        media::open(c, token, target);
    }
}

/// Paints in the thumbnails of the files under `root`.
#[wasm_bindgen]
pub fn paint(conversation: String, token: String, root: web_sys::Element) {
    if let Ok(c) = conversation.parse() {
        media::paint(c, token, root);
    }
}
