//! The media module: what the apps load only when a file is first sent or opened, so it
//! weighs nothing on their first load. Uploads (a thumbnail and the size measured here with a
//! canvas, the file put straight to storage with progress, cancel) and the viewer (a message's
//! photos and videos over everything: arrows, a swipe or the keyboard go through them). Built
//! as its own wasm (`src/bin/media.rs` exports these); the apps call it through
//! `components::conversation::files`.

use crate::reducers::Few;
use crate::services::api;
use shared::api::CreateUploadRequest;
use shared::media;
use shared::model::AttachmentKind;
use shared::{AttachmentId, ConversationId};
use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Document, Element, File, XmlHttpRequest};

/// Whose files: a conversation's (its draft and messages) or the business's Vault's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Conversation(ConversationId),
    Vault,
}

impl From<ConversationId> for Place {
    fn from(c: ConversationId) -> Self {
        Place::Conversation(c)
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Conversation(c) => c.fmt(f),
            Place::Vault => f.write_str("vault"),
        }
    }
}

impl FromStr for Place {
    type Err = shared::ids::InvalidId;
    /// `vault`, or a conversation's id (as the apps name them).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "vault" => Ok(Place::Vault),
            c => c.parse().map(Place::Conversation),
        }
    }
}

thread_local! {
    static STARTED: RefCell<bool> = const { RefCell::new(false) };
}

/// Reads where the API is, once.
async fn started() {
    if !STARTED.with(|s| s.replace(true)) {
        crate::services::config::load().await;
    }
}

/// Waits for `target`'s `ok` event (or its `error`): what a media element or a request
/// announces once.
async fn once(set: impl FnOnce(&js_sys::Function, &js_sys::Function)) -> Result<JsValue, JsValue> {
    let mut set = Some(set);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Some(set) = set.take() {
            set(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await
}

/// A JPEG of `source` at most 480 pixels wide or high.
async fn shrink(bitmap: web_sys::ImageBitmap) -> Option<Blob> {
    let (w, h) = (bitmap.width().max(1), bitmap.height().max(1));
    let scale = (480.0 / f64::from(w.max(h))).min(1.0);
    let (tw, th) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let canvas = web_sys::OffscreenCanvas::new(tw, th).ok()?;
    let ctx: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, tw.into(), th.into())
        .ok()?;
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(0.8);
    let blob: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&options).ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    (blob.size() as u64 <= media::THUMBNAIL_MAX_BYTES).then_some(blob)
}

/// What the server is told of a file besides its type and size, measured here: a photo's or
/// video's size in pixels and thumbnail, a video's length. Where the browser cannot, nothing.
async fn describe(file: &File, req: &mut CreateUploadRequest) -> Option<Blob> {
    let window = web_sys::window()?;
    let kind = media::kind_of(&req.content_type, false)?;
    let bitmap_of = |p: Result<js_sys::Promise, JsValue>| async move {
        JsFuture::from(p.ok()?)
            .await
            .ok()?
            .dyn_into::<web_sys::ImageBitmap>()
            .ok()
    };
    let bitmap = match kind {
        AttachmentKind::Image => bitmap_of(window.create_image_bitmap_with_blob(file)).await?,
        AttachmentKind::Video => {
            let url = web_sys::Url::create_object_url_with_blob(file).ok()?;
            let video: web_sys::HtmlVideoElement = window
                .document()?
                .create_element("video")
                .ok()?
                .dyn_into()
                .ok()?;
            video.set_muted(true);
            video.set_preload("auto");
            video.set_src(&url);
            let loaded = once(|ok, err| {
                video.set_onloadeddata(Some(ok));
                video.set_onerror(Some(err));
            });
            let timeout = gloo_timers::future::TimeoutFuture::new(5_000);
            let loaded = futures::future::select(Box::pin(loaded), timeout).await;
            let bitmap = match loaded {
                futures::future::Either::Left((Ok(_), _)) => {
                    let ms = video.duration() * 1000.0;
                    if ms.is_finite() && ms >= 1.0 {
                        req.duration_ms = Some(ms.round() as u32);
                    }
                    bitmap_of(window.create_image_bitmap_with_html_video_element(&video)).await
                }
                _ => None,
            };
            let _ = web_sys::Url::revoke_object_url(&url);
            bitmap?
        }
        _ => return None,
    };
    req.width = Some(bitmap.width().max(1));
    req.height = Some(bitmap.height().max(1));
    let thumbnail = shrink(bitmap).await?;
    req.thumbnail = Some(shared::api::ThumbnailSpec {
        content_type: "image/jpeg".into(),
        size: thumbnail.size() as u64,
    });
    Some(thumbnail)
}

thread_local! {
    /// Uploads in flight, by their draft key: cancelling aborts the request.
    static IN_FLIGHT: RefCell<Few<u32, XmlHttpRequest>> = RefCell::new(Few::default());
}

/// PUTs `body` to `url` with `headers`, telling `progress` (percent) as it goes. True when
/// storage took it.
async fn put(
    key: Option<u32>,
    url: &str,
    headers: &[(String, String)],
    body: &Blob,
    progress: &JsValue,
) -> bool {
    let Ok(xhr) = XmlHttpRequest::new() else {
        return false;
    };
    if xhr.open_with_async("PUT", url, true).is_err() {
        return false;
    }
    for (k, v) in headers {
        let _ = xhr.set_request_header(k, v);
    }
    let progress = progress.dyn_ref::<js_sys::Function>().cloned();
    let onprogress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if let Some(f) = &progress
                && e.length_computable()
                && e.total() > 0.0
            {
                let percent = (e.loaded() / e.total() * 100.0).min(99.0) as u32;
                let _ = f.call1(&JsValue::NULL, &percent.into());
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(onprogress.as_ref().unchecked_ref()));
    }
    let done = once(|ok, err| {
        xhr.set_onload(Some(ok));
        xhr.set_onerror(Some(err));
        xhr.set_onabort(Some(err));
    });
    if let Some(key) = key {
        IN_FLIGHT.with(|f| f.borrow_mut().insert(key, xhr.clone()));
    }
    if xhr.send_with_opt_blob(Some(body)).is_err() {
        return false;
    }
    let finished = done.await.is_ok();
    if let Some(key) = key {
        IN_FLIGHT.with(|f| f.borrow_mut().remove(&key));
    }
    drop(onprogress);
    finished && (200..300).contains(&xhr.status().unwrap_or(0))
}

/// Stops an upload in flight.
pub fn cancel(key: u32) {
    let xhr = IN_FLIGHT.with(|f| {
        let mut f = f.borrow_mut();
        let xhr = f.get(&key).cloned();
        f.remove(&key);
        xhr
    });
    if let Some(xhr) = xhr {
        let _ = xhr.abort();
    }
}

/// Uploads `file` to conversation `c` as the session `token`: checked, described (size,
/// length, a thumbnail or poster frame), signed for, then put, its thumbnail first; `progress`
/// is called with the percent put. The answer is the upload's id, or why it failed.
async fn upload(
    c: Place,
    key: u32,
    file: File,
    voice: Option<(u32, Vec<u8>)>,
    progress: &JsValue,
) -> Result<String, String> {
    started().await;
    let size = file.size() as u64;
    let (_, content_type) =
        media::check_file(&file.type_(), size, voice.is_some()).map_err(|e| e.message)?;
    let mut req = CreateUploadRequest {
        conversation_id: match c {
            Place::Conversation(c) => Some(c),
            Place::Vault => None,
        },
        vault: c == Place::Vault,
        content_type,
        size,
        name: file.name(),
        voice: voice.is_some(),
        width: None,
        height: None,
        duration_ms: voice.as_ref().map(|(ms, _)| *ms),
        waveform: voice.map(|(_, w)| w).unwrap_or_default(),
        thumbnail: None,
    };
    let thumbnail = describe(&file, &mut req).await;
    let signed = api::create_upload(&req).await.map_err(|e| e.message)?;
    let failed = || "The upload failed. Try again.".to_owned();
    if let (Some(target), Some(blob)) = (&signed.thumbnail, &thumbnail)
        && !put(None, &target.url, &target.headers, blob, &JsValue::NULL).await
    {
        return Err(failed());
    }
    if put(Some(key), &signed.url, &signed.headers, &file, progress).await {
        Ok(signed.upload_id.to_string())
    } else {
        Err(failed())
    }
}

/// A file of a draft: picked, uploading (how far), uploaded (its id) or failed (why); or a
/// file of the Vault, stored already.
struct Item {
    key: u32,
    /// What is uploaded (none for a Vault file, whose id `state` holds).
    file: Option<File>,
    /// Its name, type and size, as shown.
    name: String,
    content_type: String,
    size: u64,
    /// A voice note's length and waveform.
    voice: Option<(u32, Vec<u8>)>,
    progress: u32,
    state: Result<Option<String>, String>,
}

/// A conversation's draft files, shown in the tray the app gives (above its composer); the app
/// is told how many there are (`onchange`).
#[derive(Default)]
struct Tray {
    items: Vec<Item>,
    /// Why the last thing asked of the tray could not be done (the microphone...).
    notice: Option<String>,
    el: Option<Element>,
    onchange: Option<js_sys::Function>,
    onclick: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    static TRAYS: RefCell<Few<Place, Tray>> = RefCell::new(Few::default());
    static NEXT_KEY: RefCell<u32> = const { RefCell::new(0) };
}

/// A key for a new file of a draft.
fn next_key() -> u32 {
    NEXT_KEY.with(|k| {
        let mut k = k.borrow_mut();
        *k += 1;
        *k
    })
}

impl Item {
    /// A file to upload (a voice note's length and waveform with it).
    fn upload(file: File, voice: Option<(u32, Vec<u8>)>) -> Self {
        Item {
            key: next_key(),
            name: file.name(),
            content_type: file.type_(),
            size: file.size() as u64,
            file: Some(file),
            voice,
            progress: 0,
            state: Ok(None),
        }
    }
}

/// Adds `item` to conversation `c`'s draft unless it holds as many files as a message may
/// carry; starts uploading it when added (a file to upload).
fn push_item(c: Place, item: Item) {
    let (key, file, voice) = (item.key, item.file.clone(), item.voice.clone());
    let added = with_tray(c, |t| {
        let room = t.items.len() < media::ATTACHMENTS_MAX;
        if room {
            t.items.push(item);
        }
        room
    });
    if let (true, Some(file)) = (added, file) {
        start(c, key, file, voice);
    }
}

fn with_tray<T>(c: Place, f: impl FnOnce(&mut Tray) -> T) -> T {
    TRAYS.with(|t| {
        let mut trays = t.borrow_mut();
        if !trays.contains_key(&c) {
            trays.insert(c, Tray::default());
        }
        f(trays.get_mut(&c).expect("just inserted"))
    })
}

/// Shows conversation `c`'s draft files in `el` (the app's tray, new when the conversation
/// opens), telling `onchange` how many there are now and after each change.
pub fn show(c: Place, el: Element, onchange: js_sys::Function) {
    let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Some(button) = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("[data-key]").ok().flatten())
        else {
            return;
        };
        let key: u32 = button
            .get_attribute("data-key")
            .and_then(|k| k.parse().ok())
            .unwrap_or(0);
        let act = button.get_attribute("data-act");
        if act.as_deref() == Some("retry") {
            retry(c, key);
        } else if act.as_deref() == Some("keep") {
            stop_recording(true);
        } else if act.as_deref() == Some("drop") {
            stop_recording(false);
        } else {
            cancel(key);
            with_tray(c, |t| t.items.retain(|i| i.key != key));
            render(c);
        }
    });
    let _ = el.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
    let before = with_tray(c, |t| {
        t.onchange = Some(onchange);
        (t.el.replace(el), t.onclick.replace(handler))
    });
    // The listener it replaces leaves the element it was on (the same one, shown again).
    if let (Some(old), Some(handler)) = before {
        let _ = old.remove_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
    }
    render(c);
}

/// Adds `files` to conversation `c`'s draft (at most ten in all) and starts uploading each.
pub fn add(c: Place, token: String, files: Vec<File>) {
    crate::services::requests::set_token(Some(token));
    for file in files {
        push_item(c, Item::upload(file, None));
    }
    render(c);
}

/// Adds a file of the Vault to conversation `c`'s draft: sent without a copy, nothing to
/// upload. Once only.
pub fn add_stored(c: Place, id: AttachmentId, name: String, content_type: String, size: u64) {
    let id = id.to_string();
    let there = with_tray(c, |t| {
        t.items
            .iter()
            .any(|i| i.state.as_ref().is_ok_and(|s| s.as_ref() == Some(&id)))
    });
    if !there {
        push_item(
            c,
            Item {
                key: next_key(),
                file: None,
                name,
                content_type,
                size,
                voice: None,
                progress: 100,
                state: Ok(Some(id)),
            },
        );
    }
    render(c);
}

fn retry(c: Place, key: u32) {
    let item = with_tray(c, |t| {
        let item = t.items.iter_mut().find(|i| i.key == key)?;
        item.state = Ok(None);
        item.progress = 0;
        Some((item.file.clone()?, item.voice.clone()))
    });
    if let Some((file, voice)) = item {
        start(c, key, file, voice);
    }
    render(c);
}

fn start(c: Place, key: u32, file: File, voice: Option<(u32, Vec<u8>)>) {
    wasm_bindgen_futures::spawn_local(async move {
        // Progress moves the bar in place: redrawing the tray would swap its buttons under
        // a finger.
        let progress = Closure::<dyn Fn(u32)>::new(move |p: u32| {
            let el = with_tray(c, |t| {
                if let Some(i) = t.items.iter_mut().find(|i| i.key == key) {
                    i.progress = p;
                }
                t.el.clone()
            });
            if let Some(bar) = el.and_then(|el| {
                el.query_selector(&format!("li[data-item='{key}'] progress"))
                    .ok()
                    .flatten()
            }) {
                let _ = bar.set_attribute("value", &p.to_string());
            }
        });
        let done = upload(c, key, file, voice, progress.as_ref()).await;
        with_tray(c, |t| {
            if let Some(i) = t.items.iter_mut().find(|i| i.key == key) {
                i.state = done.map(Some);
            }
        });
        render(c);
    });
}

/// The ids of conversation `c`'s draft files, which leave the draft; or why they cannot be
/// sent yet (one is still uploading, or failed).
pub fn take(c: Place) -> Result<Vec<String>, String> {
    let ids = with_tray(c, |t| {
        let mut ids = Vec::new();
        for i in &t.items {
            match &i.state {
                Ok(Some(id)) => ids.push(id.clone()),
                Ok(None) => return Err("Wait for the files to finish uploading.".to_owned()),
                Err(_) => return Err("A file failed to upload: retry or remove it.".to_owned()),
            }
        }
        t.items.clear();
        Ok(ids)
    })?;
    render(c);
    Ok(ids)
}

/// Draws conversation `c`'s tray and tells the app how many files it holds.
fn render(c: Place) {
    let Some(doc) = document() else { return };
    let (el, onchange, count) = with_tray(c, |t| (t.el.clone(), t.onchange.clone(), t.items.len()));
    if let Some(el) = &el {
        el.set_inner_html("");
        if let Some(row) = recording_row(c, &doc) {
            let _ = el.append_child(&row);
        }
        let notice = with_tray(c, |t| t.notice.take());
        if let Some(li) = notice.and_then(|n| {
            element(
                &doc,
                "li",
                &[("class", "pending-file failed"), ("role", "alert")],
                &n,
            )
        }) {
            let _ = el.append_child(&li);
        }
        with_tray(c, |t| {
            for i in &t.items {
                let name = i.name.clone();
                let key = i.key.to_string();
                let Some(li) = element(
                    &doc,
                    "li",
                    &[("class", "pending-file"), ("data-item", &key)],
                    "",
                ) else {
                    continue;
                };
                let icon = if i.voice.is_some() {
                    "🎤"
                } else if i.content_type.starts_with("image/") {
                    "🖼"
                } else {
                    "📄"
                };
                let parts = [
                    element(
                        &doc,
                        "span",
                        &[("class", "file-icon"), ("aria-hidden", "true")],
                        icon,
                    ),
                    element(&doc, "span", &[("class", "file-name")], &name),
                    match &i.state {
                        Ok(None) => element(
                            &doc,
                            "progress",
                            &[
                                ("max", "100"),
                                ("value", &i.progress.to_string()),
                                ("aria-label", &format!("Uploading {name}")),
                            ],
                            "",
                        ),
                        Ok(Some(_)) => element(
                            &doc,
                            "span",
                            &[("class", "muted")],
                            &media::format_size(i.size),
                        ),
                        Err(why) => {
                            let _ = li.class_list().add_1("failed");
                            element(&doc, "span", &[("class", "error"), ("role", "alert")], why)
                        }
                    },
                    i.state
                        .is_err()
                        .then(|| {
                            element(
                                &doc,
                                "button",
                                &[
                                    ("type", "button"),
                                    ("class", "link"),
                                    ("data-key", &key),
                                    ("data-act", "retry"),
                                ],
                                "Retry",
                            )
                        })
                        .flatten(),
                    element(
                        &doc,
                        "button",
                        &[
                            ("type", "button"),
                            ("class", "link"),
                            ("data-key", &key),
                            ("aria-label", &format!("Remove {name}")),
                        ],
                        "✕",
                    ),
                ];
                for part in parts.into_iter().flatten() {
                    let _ = li.append_child(&part);
                }
                let _ = el.append_child(&li);
            }
        });
    }
    if let Some(f) = onchange {
        let _ = f.call1(&JsValue::NULL, &(count as u32).into());
    }
}

/// A handler of DOM events the module keeps alive while it listens.
type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// Listens to `kind` events of `target` with `f`; the handler must be kept as long as it may
/// be called.
fn listen(target: &web_sys::EventTarget, kind: &str, f: Box<dyn FnMut(web_sys::Event)>) -> Handler {
    let handler = Closure::wrap(f);
    let _ = target.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
    handler
}

/// A voice note being recorded: the recorder and its microphone, what it recorded so far, the
/// loudness measured every tick, and the handlers that must live as long as it.
struct Recording {
    c: Place,
    recorder: web_sys::MediaRecorder,
    stream: web_sys::MediaStream,
    audio: web_sys::AudioContext,
    analyser: web_sys::AnalyserNode,
    chunks: Vec<Blob>,
    levels: Vec<f32>,
    started: f64,
    /// Whether what was recorded goes to the draft when the recorder stops.
    keep: bool,
    ticker: Option<gloo_timers::callback::Interval>,
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    static RECORDING: RefCell<Option<Rc<RefCell<Recording>>>> = const { RefCell::new(None) };
    /// A stop asked for before the recorder started (a finger let go while the microphone was
    /// being opened): keep what is recorded, or not.
    static STOP: RefCell<Option<bool>> = const { RefCell::new(None) };
    /// The microphone is being opened.
    static OPENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// When the last recording stopped (ms since the epoch).
    static STOPPED_AT: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// What follows the finger that holds the record button.
    static HOLD: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

/// Stops the recording, or the one about to start.
fn request_stop(keep: bool) {
    if RECORDING.with(|r| r.borrow().is_some()) {
        stop_recording(keep);
    } else {
        STOP.with(|s| *s.borrow_mut() = Some(keep));
    }
}

/// Follows a finger holding the record button (`press`, the pointer going down on it): let go
/// after a moment, the note is added; slid away, it is cancelled; a quick tap leaves it
/// recording until ✓ or ✕. A press that is over already (or none: a click, a key) is a tap.
fn follow(press: &JsValue) {
    let Some(press) = press.dyn_ref::<web_sys::PointerEvent>() else {
        return;
    };
    let Some(button) = press.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    // Only while the finger is still down; every later event comes to the button.
    if button.set_pointer_capture(press.pointer_id()).is_err() {
        return;
    }
    let (x, y, at) = (press.client_x(), press.client_y(), js_sys::Date::now());
    let target = button.clone();
    let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Some(e) = e.dyn_ref::<web_sys::PointerEvent>() else {
            return;
        };
        if (e.client_x() - x).abs() > 80 || (e.client_y() - y).abs() > 80 {
            request_stop(false);
        } else if js_sys::Date::now() - at > 400.0 {
            request_stop(true);
        }
        if let Some(h) = HOLD.with(|h| h.borrow_mut().take()) {
            let _ =
                target.remove_event_listener_with_callback("pointerup", h.as_ref().unchecked_ref());
            // Dropped once this call is over.
            wasm_bindgen_futures::spawn_local(async move { drop(h) });
        }
    });
    let _ = button.add_event_listener_with_callback("pointerup", handler.as_ref().unchecked_ref());
    HOLD.with(|h| *h.borrow_mut() = Some(handler));
}

/// What the browser records: Opus in WebM or Ogg, or AAC in MP4 where it records only that.
fn recording_type() -> Option<&'static str> {
    [
        "audio/webm;codecs=opus",
        "audio/ogg;codecs=opus",
        "audio/mp4",
        "audio/webm",
    ]
    .into_iter()
    .find(|t| web_sys::MediaRecorder::is_type_supported(t))
}

/// Starts recording a voice note for conversation `c`'s draft, from `press` (the pointer
/// going down on the record button: see [`follow`]; or nothing, a click or a key). ✓ adds it,
/// ✕ or Escape cancels it; it stops by itself at 5 minutes.
pub async fn record(c: Place, token: String, press: JsValue) {
    crate::services::requests::set_token(Some(token));
    // One recorder at a time: the click that follows a press asks again, as does the one
    // that follows letting go of a held button.
    let just_stopped = js_sys::Date::now() - STOPPED_AT.with(|s| s.get()) < 800.0;
    if (press.is_null() && just_stopped)
        || RECORDING.with(|r| r.borrow().is_some())
        || OPENING.with(|o| o.replace(true))
    {
        return;
    }
    STOP.with(|s| s.borrow_mut().take());
    follow(&press);
    let started = open_recorder(c).await;
    OPENING.with(|o| o.set(false));
    if let Err(why) = started {
        with_tray(c, |t| t.notice = Some(why));
    }
    render(c);
    if let Some(keep) = STOP.with(|s| s.borrow_mut().take()) {
        stop_recording(keep);
    }
}

async fn open_recorder(c: Place) -> Result<(), String> {
    let no_mic = || "The microphone cannot be used here.".to_owned();
    let kind = recording_type().ok_or_else(no_mic)?;
    let devices = web_sys::window()
        .ok_or_else(no_mic)?
        .navigator()
        .media_devices()
        .map_err(|_| no_mic())?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let stream: web_sys::MediaStream = JsFuture::from(
        devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|_| no_mic())?,
    )
    .await
    .map_err(|_| "Sideline may not use the microphone: allow it in the browser.".to_owned())?
    .dyn_into()
    .map_err(|_| no_mic())?;
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type(kind);
    let recorder =
        web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
            .map_err(|_| no_mic())?;
    let audio = web_sys::AudioContext::new().map_err(|_| no_mic())?;
    let analyser = audio.create_analyser().map_err(|_| no_mic())?;
    let source = audio
        .create_media_stream_source(&stream)
        .map_err(|_| no_mic())?;
    let _ = source.connect_with_audio_node(&analyser);
    let now = js_sys::Date::now();
    let recording = Rc::new(RefCell::new(Recording {
        c,
        recorder: recorder.clone(),
        stream,
        audio,
        analyser,
        chunks: Vec::new(),
        levels: Vec::new(),
        started: now,
        keep: false,
        ticker: None,
        handlers: Vec::new(),
    }));
    let on = |target: &web_sys::EventTarget, kind: &str, f: Box<dyn FnMut(web_sys::Event)>| {
        recording
            .borrow_mut()
            .handlers
            .push(listen(target, kind, f));
    };
    let r = recording.clone();
    on(
        recorder.as_ref(),
        "dataavailable",
        Box::new(move |e: web_sys::Event| {
            if let Some(blob) = e.dyn_ref::<web_sys::BlobEvent>().and_then(|e| e.data()) {
                r.borrow_mut().chunks.push(blob);
            }
        }),
    );
    let r = recording.clone();
    on(recorder.as_ref(), "stop", Box::new(move |_| finish(&r)));
    if let Some(window) = web_sys::window() {
        on(
            window.as_ref(),
            "keydown",
            Box::new(|e: web_sys::Event| {
                if e.dyn_ref::<web_sys::KeyboardEvent>()
                    .is_some_and(|k| k.key() == "Escape")
                {
                    stop_recording(false);
                }
            }),
        );
    }
    let r = recording.clone();
    let ticker = gloo_timers::callback::Interval::new(200, move || {
        let (c, elapsed) = {
            let mut rec = r.borrow_mut();
            let mut samples = vec![0u8; 512];
            rec.analyser.get_byte_time_domain_data(&mut samples);
            let rms = (samples
                .iter()
                .map(|s| (f32::from(*s) - 128.0).powi(2))
                .sum::<f32>()
                / 512.0)
                .sqrt();
            rec.levels.push(rms);
            (rec.c, js_sys::Date::now() - rec.started)
        };
        if elapsed >= f64::from(media::VOICE_MAX_MS) {
            stop_recording(true);
        }
        // The row is redrawn in place: its buttons stay under the finger.
        let row = with_tray(c, |t| t.el.clone())
            .and_then(|el| el.query_selector(".recording").ok().flatten());
        if let (Some(row), Some(doc)) = (row, document())
            && let Some(fresh) = recording_row(c, &doc)
        {
            for part in [".file-name", ".waveform"] {
                if let (Ok(Some(old)), Ok(Some(new))) =
                    (row.query_selector(part), fresh.query_selector(part))
                {
                    let _ = old.replace_with_with_node_1(&new);
                }
            }
        }
    });
    recording.borrow_mut().ticker = Some(ticker);
    recorder.start_with_time_slice(1000).map_err(|_| no_mic())?;
    RECORDING.with(|r| *r.borrow_mut() = Some(recording));
    Ok(())
}

/// Stops the recording: what was recorded goes to the draft (`keep`) or is dropped.
pub fn stop_recording(keep: bool) {
    let Some(recording) = RECORDING.with(|r| r.borrow().clone()) else {
        return;
    };
    let recorder = {
        let mut rec = recording.borrow_mut();
        rec.keep = keep;
        rec.ticker = None;
        rec.recorder.clone()
    };
    if recorder.state() == web_sys::RecordingState::Inactive {
        finish(&recording);
    } else {
        let _ = recorder.stop();
    }
}

/// The recorder stopped: the microphone is let go, and the note added to the draft if kept.
fn finish(recording: &Rc<RefCell<Recording>>) {
    RECORDING.with(|r| r.borrow_mut().take());
    STOPPED_AT.with(|s| s.set(js_sys::Date::now()));
    let rec = recording.borrow();
    let tracks = rec.stream.get_tracks();
    for t in tracks.iter() {
        if let Ok(t) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            t.stop();
        }
    }
    let _ = rec.audio.close();
    let c = rec.c;
    let ms = (js_sys::Date::now() - rec.started).round() as u32;
    if rec.keep && !rec.chunks.is_empty() && ms >= 500 {
        let parts: js_sys::Array = rec.chunks.iter().map(JsValue::from).collect();
        let kind = rec.recorder.mime_type();
        let base = kind.split(';').next().unwrap_or("audio/webm").to_owned();
        let extension = if base.ends_with("mp4") {
            "m4a"
        } else if base.ends_with("ogg") {
            "ogg"
        } else {
            "webm"
        };
        let options = web_sys::FilePropertyBag::new();
        options.set_type(&base);
        if let Ok(file) = File::new_with_blob_sequence_and_options(
            &parts,
            &format!("voice-note.{extension}"),
            &options,
        ) {
            push_item(
                c,
                Item::upload(file, Some((ms.min(media::VOICE_MAX_MS), bars(&rec.levels)))),
            );
        }
    }
    drop(rec);
    // Its handlers go when this one returns (one of them is running it).
    let recording = recording.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let handlers = std::mem::take(&mut recording.borrow_mut().handlers);
        if let Some(window) = web_sys::window() {
            for h in &handlers {
                let _ = window
                    .remove_event_listener_with_callback("keydown", h.as_ref().unchecked_ref());
            }
        }
    });
    render(c);
}

/// A recording's loudness as at most 64 bars of 0 to 255, the loudest at 255.
fn bars(levels: &[f32]) -> Vec<u8> {
    if levels.is_empty() {
        return Vec::new();
    }
    let n = levels.len().min(media::WAVEFORM_MAX);
    let per = levels.len() as f32 / n as f32;
    let mut out: Vec<f32> = (0..n)
        .map(|i| {
            let from = (i as f32 * per) as usize;
            let to = (((i + 1) as f32 * per) as usize)
                .max(from + 1)
                .min(levels.len());
            levels[from..to].iter().copied().fold(0.0, f32::max)
        })
        .collect();
    let loudest = out.iter().copied().fold(0.0, f32::max).max(1.0);
    for v in &mut out {
        *v = *v / loudest * 255.0;
    }
    out.into_iter()
        .map(|v| v.round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// The recording row of conversation `c`'s tray, while one is being recorded: its time, its
/// loudness so far, ✕ and ✓.
fn recording_row(c: Place, doc: &Document) -> Option<Element> {
    let recording = RECORDING.with(|r| r.borrow().clone())?;
    let rec = recording.borrow();
    if rec.c != c {
        return None;
    }
    let ms = (js_sys::Date::now() - rec.started) as u32;
    let li = element(
        doc,
        "li",
        &[("class", "pending-file recording"), ("role", "status")],
        "",
    )?;
    let time = element(
        doc,
        "span",
        &[("class", "file-name")],
        &format!("● Recording {}", media::format_duration(ms.max(1))),
    )?;
    let line = element(
        doc,
        "span",
        &[("class", "waveform"), ("aria-hidden", "true")],
        "",
    )?;
    let recent = &rec.levels[rec.levels.len().saturating_sub(24)..];
    for v in recent {
        let style = format!("height: {}%", 12.0 + (v / 40.0).min(1.0) * 88.0);
        line.append_child(&element(doc, "span", &[("style", &style)], "")?.into())
            .ok()?;
    }
    let drop = element(
        doc,
        "button",
        &[
            ("type", "button"),
            ("class", "link"),
            ("data-key", "0"),
            ("data-act", "drop"),
            ("aria-label", "Cancel the voice note"),
        ],
        "✕",
    )?;
    let keep = element(
        doc,
        "button",
        &[
            ("type", "button"),
            ("class", "link"),
            ("data-key", "0"),
            ("data-act", "keep"),
            ("aria-label", "Add the voice note"),
        ],
        "✓",
    )?;
    for part in [time, line, drop, keep] {
        li.append_child(&part.into()).ok()?;
    }
    Some(li)
}

/// What the viewer shows: the message's photos and videos (id, name, is a video), which one,
/// and what it must let go of when it closes.
struct Viewer {
    conversation: Place,
    items: Vec<(AttachmentId, String, bool)>,
    index: usize,
    root: Element,
    stage: Element,
    count: Element,
    download: Element,
    /// Where the finger went down, for a swipe.
    down: i32,
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    /// What had the focus before, to give it back.
    before: Option<web_sys::HtmlElement>,
}

thread_local! {
    static VIEWER: RefCell<Option<Rc<RefCell<Viewer>>>> = const { RefCell::new(None) };
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// A new element with `attrs` and `text`. A `style` is set through the CSS object model: the
/// content security policy refuses style attributes.
fn element(doc: &Document, tag: &str, attrs: &[(&str, &str)], text: &str) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    for (k, v) in attrs {
        if *k == "style" {
            el.dyn_ref::<web_sys::HtmlElement>()?
                .style()
                .set_css_text(v);
        } else {
            el.set_attribute(k, v).ok()?;
        }
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    Some(el)
}

/// Opens the viewer on `items` (id, name, is a video) of conversation `c` at `index`.
pub fn view(c: Place, token: String, items: Vec<(AttachmentId, String, bool)>, index: usize) {
    crate::services::requests::set_token(Some(token));
    close();
    let Some(doc) = document() else { return };
    let Some(viewer) = build(&doc, c, items, index) else {
        return;
    };
    let viewer = Rc::new(RefCell::new(viewer));
    wire(&viewer);
    VIEWER.with(|v| *v.borrow_mut() = Some(viewer.clone()));
    show_item(&viewer);
}

fn build(
    doc: &Document,
    c: Place,
    items: Vec<(AttachmentId, String, bool)>,
    index: usize,
) -> Option<Viewer> {
    let n = items.len();
    let root = element(
        doc,
        "div",
        &[
            ("class", "lightbox"),
            ("role", "dialog"),
            ("aria-modal", "true"),
            ("tabindex", "-1"),
        ],
        "",
    )?;
    let stage = element(doc, "div", &[("class", "lightbox-stage")], "")?;
    let bar = element(doc, "div", &[("class", "lightbox-bar")], "")?;
    let count = element(doc, "span", &[], "")?;
    if n > 1 {
        bar.append_child(
            &element(
                doc,
                "button",
                &[
                    ("type", "button"),
                    ("data-go", "-1"),
                    ("aria-label", "Previous"),
                ],
                "‹",
            )?
            .into(),
        )
        .ok()?;
        bar.append_child(&count).ok()?;
        bar.append_child(
            &element(
                doc,
                "button",
                &[("type", "button"), ("data-go", "1"), ("aria-label", "Next")],
                "›",
            )?
            .into(),
        )
        .ok()?;
    }
    let download = element(doc, "a", &[("class", "download")], "Download")?;
    bar.append_child(&download).ok()?;
    bar.append_child(
        &element(
            doc,
            "button",
            &[
                ("type", "button"),
                ("data-close", ""),
                ("aria-label", "Close"),
            ],
            "✕",
        )?
        .into(),
    )
    .ok()?;
    root.append_child(&stage).ok()?;
    root.append_child(&bar).ok()?;
    doc.body()?.append_child(&root).ok()?;
    let before = doc
        .active_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    Some(Viewer {
        conversation: c,
        items,
        index: index.min(n.saturating_sub(1)),
        root,
        stage,
        count,
        download,
        down: 0,
        handlers: Vec::new(),
        before,
    })
}

/// Clicks (the buttons, or outside the photo to close), keys and swipes.
fn wire(viewer: &Rc<RefCell<Viewer>>) {
    let root = viewer.borrow().root.clone();
    let on = |kind: &str, f: Box<dyn FnMut(web_sys::Event)>| {
        viewer
            .borrow_mut()
            .handlers
            .push(listen(root.as_ref(), kind, f));
    };
    let v = viewer.clone();
    on(
        "click",
        Box::new(move |e: web_sys::Event| {
            let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
            let Some(target) = target else { return };
            if let Some(step) = target.get_attribute("data-go").and_then(|s| s.parse().ok()) {
                go(&v, step);
            } else if target.has_attribute("data-close")
                || target.class_name() == "lightbox"
                || target.class_name() == "lightbox-stage"
            {
                close();
            }
        }),
    );
    let v = viewer.clone();
    on(
        "keydown",
        Box::new(move |e: web_sys::Event| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            match e.key().as_str() {
                "Escape" => close(),
                "ArrowRight" => go(&v, 1),
                "ArrowLeft" => go(&v, -1),
                _ => {}
            }
        }),
    );
    let v = viewer.clone();
    on(
        "pointerdown",
        Box::new(move |e: web_sys::Event| {
            if let Some(e) = e.dyn_ref::<web_sys::PointerEvent>() {
                v.borrow_mut().down = e.client_x();
            }
        }),
    );
    let v = viewer.clone();
    on(
        "pointerup",
        Box::new(move |e: web_sys::Event| {
            let Some(e) = e.dyn_ref::<web_sys::PointerEvent>() else {
                return;
            };
            let dx = e.client_x() - v.borrow().down;
            if dx.abs() > 50 {
                go(&v, if dx < 0 { 1 } else { -1 });
            }
        }),
    );
}

fn go(viewer: &Rc<RefCell<Viewer>>, step: i32) {
    {
        let mut v = viewer.borrow_mut();
        let n = v.items.len().max(1) as i32;
        v.index = (v.index as i32 + step).rem_euclid(n) as usize;
    }
    show_item(viewer);
}

/// Shows the current item: its URL asked for, then the photo or the video in the stage.
fn show_item(viewer: &Rc<RefCell<Viewer>>) {
    let (c, (id, name, video), index, n) = {
        let v = viewer.borrow();
        let Some(item) = v.items.get(v.index).cloned() else {
            return;
        };
        (v.conversation, item, v.index, v.items.len())
    };
    {
        let v = viewer.borrow();
        v.count
            .set_text_content(Some(&format!("{} / {n}", index + 1)));
        let _ = v.root.set_attribute("aria-label", &name);
        v.stage.set_inner_html("");
        if let Some(root) = v.root.dyn_ref::<web_sys::HtmlElement>() {
            let _ = root.focus();
        }
    }
    let viewer = viewer.clone();
    wasm_bindgen_futures::spawn_local(async move {
        started().await;
        let Some(url) = link(c, id, false, false).await else {
            return;
        };
        let v = viewer.borrow();
        // Still the one to show, and still open.
        if v.index != index || VIEWER.with(|w| w.borrow().is_none()) {
            return;
        }
        let Some(doc) = document() else { return };
        let shown = if video {
            element(
                &doc,
                "video",
                &[
                    ("src", &url),
                    ("controls", ""),
                    ("autoplay", ""),
                    ("playsinline", ""),
                ],
                "",
            )
        } else {
            element(&doc, "img", &[("src", &url), ("alt", &name)], "")
        };
        if let Some(shown) = shown {
            let _ = v.stage.append_child(&shown);
        }
        let _ = v.download.set_attribute("href", &url);
        let _ = v.download.set_attribute("download", &name);
    });
}

/// Closes the viewer, if open, and gives the focus back.
pub fn close() {
    let Some(viewer) = VIEWER.with(|v| v.borrow_mut().take()) else {
        return;
    };
    let v = viewer.borrow();
    v.root.remove();
    if let Some(before) = &v.before {
        let _ = before.focus();
    }
}

thread_local! {
    /// Short-lived URLs already given (an attachment's, or its thumbnail's), with when to stop
    /// using them (ms since the epoch).
    static LINKS: RefCell<Few<(AttachmentId, bool), (String, f64)>> = RefCell::new(Few::default());
}

/// A URL of an attachment (or its thumbnail) good for a while yet.
async fn link(c: Place, id: AttachmentId, thumbnail: bool, download: bool) -> Option<String> {
    let now = js_sys::Date::now();
    if !download
        && let Some(url) = LINKS.with(|l| {
            l.borrow()
                .get(&(id, thumbnail))
                .filter(|(_, until)| *until > now + 60_000.0)
                .map(|(u, _)| u.clone())
        })
    {
        return Some(url);
    }
    let got = match c {
        Place::Conversation(c) => api::attachment_link(c, id, thumbnail, download).await,
        Place::Vault => api::vault_link(id, thumbnail, download).await,
    }
    .ok()?;
    // The server signs for ten minutes; half of that, whatever this device's clock says.
    LINKS.with(|l| {
        l.borrow_mut()
            .insert((id, thumbnail), (got.url.clone(), now + 300_000.0))
    });
    Some(got.url)
}

/// A tile's attachment: its id, kind (`photo`, `video`, `voice`, `file`) and label.
fn tile_of(el: &Element) -> Option<(AttachmentId, String, String)> {
    Some((
        el.get_attribute("data-a")?.parse().ok()?,
        el.get_attribute("data-k")?,
        el.get_attribute("aria-label").unwrap_or_default(),
    ))
}

/// Paints the thumbnails of the tiles under `root` not painted yet: a photo's or video's
/// thumbnail, or a photo without one itself.
pub fn paint(c: Place, token: String, root: Element) {
    crate::services::requests::set_token(Some(token));
    let Ok(tiles) = root.query_selector_all("[data-a]:not([data-painted])") else {
        return;
    };
    for i in 0..tiles.length() {
        let Some(tile) = tiles.get(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let Some((id, kind, name)) = tile_of(&tile) else {
            continue;
        };
        let _ = tile.set_attribute("data-painted", "");
        if let (Some(ratio), Some(t)) = (
            tile.get_attribute("data-r"),
            tile.dyn_ref::<web_sys::HtmlElement>(),
        ) {
            let _ = t.style().set_property("aspect-ratio", &ratio);
        }
        if kind == "voice" {
            waveform(&tile);
            continue;
        }
        let thumbnail = tile.has_attribute("data-t");
        if kind != "photo" && !thumbnail {
            continue;
        }
        wasm_bindgen_futures::spawn_local(async move {
            started().await;
            let (Some(url), Some(doc)) = (link(c, id, thumbnail, false).await, document()) else {
                let _ = tile.remove_attribute("data-painted");
                return;
            };
            if let Some(img) = element(&doc, "img", &[("src", &url), ("alt", &name)], "") {
                let _ = tile.prepend_with_node_1(&img);
            }
        });
    }
}

/// Draws a voice note's waveform: a bar per value of its `data-w` (0 to 255), or an even line
/// of bars when it has none.
fn waveform(tile: &Element) {
    let Some(doc) = document() else { return };
    let Some(line) = element(
        &doc,
        "span",
        &[("class", "waveform"), ("aria-hidden", "true")],
        "",
    ) else {
        return;
    };
    let _ = tile.prepend_with_node_1(&line);
    let values: Vec<u32> = tile
        .get_attribute("data-w")
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| v.parse().ok())
        .collect();
    let values = if values.is_empty() {
        vec![96; 32]
    } else {
        values
    };
    for v in values {
        let style = format!("height: {}%", 12 + v.min(255) * 88 / 255);
        if let Some(bar) = element(&doc, "span", &[("style", &style)], "") {
            let _ = line.append_child(&bar);
        }
    }
}

/// The voice note playing: its audio, its tile, and what follows its progress.
type Playing = (web_sys::HtmlAudioElement, Element, Closure<dyn FnMut()>);

thread_local! {
    static PLAYING: RefCell<Option<Playing>> = const { RefCell::new(None) };
}

/// What a tap on a message's files does, by what was tapped: a photo or video opens the viewer
/// on the message's photos and videos, a voice note plays (or pauses), a file downloads.
pub fn open(c: Place, token: String, target: Element) {
    crate::services::requests::set_token(Some(token.clone()));
    let Some(tile) = target.closest("[data-a]").ok().flatten() else {
        return;
    };
    let Some((id, kind, _)) = tile_of(&tile) else {
        return;
    };
    match kind.as_str() {
        "photo" | "video" => {
            let mut items = Vec::new();
            if let Some(parent) = tile.parent_element()
                && let Ok(all) = parent.query_selector_all("[data-k=photo], [data-k=video]")
            {
                for i in 0..all.length() {
                    if let Some((id, kind, name)) = all
                        .get(i)
                        .and_then(|n| n.dyn_into::<Element>().ok())
                        .as_ref()
                        .and_then(tile_of)
                    {
                        items.push((id, name, kind == "video"));
                    }
                }
            }
            let index = items.iter().position(|(i, _, _)| *i == id).unwrap_or(0);
            view(c, token, items, index);
        }
        "voice" => play(c, id, tile),
        _ => wasm_bindgen_futures::spawn_local(async move {
            started().await;
            if let (Some(url), Some(w)) = (link(c, id, false, true).await, web_sys::window()) {
                let _ = w.location().assign(&url);
            }
        }),
    }
}

/// Plays the voice note of `tile` (pausing whatever played), or pauses it; its waveform fills
/// as it plays.
fn play(c: Place, id: AttachmentId, tile: Element) {
    let current = PLAYING.with(|p| p.borrow().as_ref().map(|(a, t, _)| (a.clone(), t.clone())));
    if let Some((audio, playing)) = current {
        if playing == tile {
            if audio.paused() {
                let _ = audio.play();
                let _ = tile.class_list().add_1("playing");
            } else {
                let _ = audio.pause();
                let _ = tile.class_list().remove_1("playing");
            }
            return;
        }
        let _ = audio.pause();
        let _ = playing.class_list().remove_1("playing");
        PLAYING.with(|p| p.borrow_mut().take());
    }
    wasm_bindgen_futures::spawn_local(async move {
        started().await;
        let Some(url) = link(c, id, false, false).await else {
            return;
        };
        let Ok(audio) = web_sys::HtmlAudioElement::new_with_src(&url) else {
            return;
        };
        let (bars, a, t) = (
            tile.query_selector_all(".waveform span").ok(),
            audio.clone(),
            tile.clone(),
        );
        let progress = Closure::<dyn FnMut()>::new(move || {
            let at = if a.duration() > 0.0 {
                a.current_time() / a.duration()
            } else {
                0.0
            };
            if a.ended() {
                let _ = t.class_list().remove_1("playing");
            }
            if let Some(bars) = &bars {
                let n = bars.length();
                for i in 0..n {
                    if let Some(bar) = bars.get(i).and_then(|b| b.dyn_into::<Element>().ok()) {
                        let _ = bar
                            .class_list()
                            .toggle_with_force("played", f64::from(i) < at * f64::from(n));
                    }
                }
            }
        });
        audio.set_ontimeupdate(Some(progress.as_ref().unchecked_ref()));
        audio.set_onended(Some(progress.as_ref().unchecked_ref()));
        let _ = audio.play();
        let _ = tile.class_list().add_1("playing");
        PLAYING.with(|p| *p.borrow_mut() = Some((audio, tile, progress)));
    });
}

/// The picker's emoji (see `build.rs`): group, emoji, name, skin tones.
static EMOJI: &str = include_str!(concat!(env!("OUT_DIR"), "/emoji.txt"));

/// The groups, as their tabs show them.
const GROUPS: [(&str, &str); 9] = [
    ("😀", "Smileys"),
    ("👋", "People"),
    ("🐶", "Animals and nature"),
    ("🍎", "Food and drink"),
    ("✈️", "Travel and places"),
    ("⚽", "Activities"),
    ("💡", "Objects"),
    ("🔣", "Symbols"),
    ("🏁", "Flags"),
];

/// The skin tone modifiers, lightest first.
const TONES: [char; 5] = [
    '\u{1F3FB}',
    '\u{1F3FC}',
    '\u{1F3FD}',
    '\u{1F3FE}',
    '\u{1F3FF}',
];

const RECENT_KEY: &str = "sideline.emoji.recent";
const TONE_KEY: &str = "sideline.emoji.tone";

/// One emoji of the list: its group, itself, its name, its skin tones.
fn emoji_list() -> impl Iterator<Item = (u8, &'static str, &'static str, &'static str)> {
    EMOJI.lines().filter_map(|line| {
        let mut parts = line.split('\t');
        Some((
            parts.next()?.parse().ok()?,
            parts.next()?,
            parts.next()?,
            parts.next().unwrap_or(""),
        ))
    })
}

/// `emoji` in skin tone `tone` (0: none, 1 to 5: lightest to darkest), when it has tones.
fn toned(emoji: &str, tones: &str, tone: usize) -> String {
    if tone == 0 || tones.is_empty() {
        return emoji.to_owned();
    }
    if tones == "1" {
        let mut chars = emoji.chars();
        let first = chars.next().map(String::from).unwrap_or_default();
        let rest = chars.as_str().trim_start_matches('\u{FE0F}');
        return format!("{first}{}{rest}", TONES[tone - 1]);
    }
    tones.split(',').nth(tone - 1).unwrap_or(emoji).to_owned()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The emoji picked lately, most recent first.
fn recent() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(RECENT_KEY).ok().flatten())
        .map(|v| {
            v.split(' ')
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn remember(emoji: &str) {
    let mut list = recent();
    list.retain(|e| e != emoji);
    list.insert(0, emoji.to_owned());
    list.truncate(24);
    if let Some(s) = storage() {
        let _ = s.set_item(RECENT_KEY, &list.join(" "));
    }
}

/// The open picker: where it shows, what it shows (a group, or what matches a search) in
/// which skin tone, and where a pick goes.
struct Picker {
    root: Element,
    grid: Element,
    /// `None`: the recent ones.
    group: Option<u8>,
    query: String,
    tone: usize,
    onpick: js_sys::Function,
    handlers: Vec<Handler>,
}

thread_local! {
    static PICKER: RefCell<Option<Rc<RefCell<Picker>>>> = const { RefCell::new(None) };
}

/// Opens the emoji picker by `anchor` (the button that opens it): recently used, a tab per
/// group, a search by name, the skin tone kept from last time. A pick goes to `onpick` and
/// closes it, as do Escape and a tap elsewhere.
pub fn pick_emoji(anchor: Element, onpick: js_sys::Function) {
    close_picker();
    let Some(doc) = document() else { return };
    let Some(picker) = build_picker(&doc, &anchor, onpick) else {
        return;
    };
    let picker = Rc::new(RefCell::new(picker));
    wire_picker(&picker);
    PICKER.with(|p| *p.borrow_mut() = Some(picker.clone()));
    fill(&picker);
}

fn build_picker(doc: &Document, anchor: &Element, onpick: js_sys::Function) -> Option<Picker> {
    let root = element(
        doc,
        "div",
        &[
            ("class", "emoji-picker"),
            ("role", "dialog"),
            ("aria-label", "Emoji"),
        ],
        "",
    )?;
    let search = element(
        doc,
        "input",
        &[
            ("type", "search"),
            ("placeholder", "Search emoji"),
            ("aria-label", "Search emoji"),
            ("data-search", ""),
        ],
        "",
    )?;
    let tones = element(
        doc,
        "div",
        &[
            ("class", "emoji-tones"),
            ("role", "radiogroup"),
            ("aria-label", "Skin tone"),
        ],
        "",
    )?;
    let tone: usize = storage()
        .and_then(|s| s.get_item(TONE_KEY).ok().flatten())
        .and_then(|t| t.parse().ok())
        .filter(|t| *t <= 5)
        .unwrap_or(0);
    for t in 0..=5 {
        let label = [
            "No skin tone",
            "Light",
            "Medium-light",
            "Medium",
            "Medium-dark",
            "Dark",
        ][t];
        let b = element(
            doc,
            "button",
            &[
                ("type", "button"),
                ("data-tone", &t.to_string()),
                ("aria-label", label),
                ("role", "radio"),
                ("aria-checked", if t == tone { "true" } else { "false" }),
            ],
            &toned("✋", "1", t),
        )?;
        tones.append_child(&b.into()).ok()?;
    }
    let tabs = element(
        doc,
        "div",
        &[("class", "emoji-tabs"), ("role", "tablist")],
        "",
    )?;
    tabs.append_child(
        &element(
            doc,
            "button",
            &[
                ("type", "button"),
                ("data-group", "recent"),
                ("aria-label", "Recently used"),
                ("role", "tab"),
            ],
            "🕘",
        )?
        .into(),
    )
    .ok()?;
    for (i, (icon, name)) in GROUPS.iter().enumerate() {
        tabs.append_child(
            &element(
                doc,
                "button",
                &[
                    ("type", "button"),
                    ("data-group", &i.to_string()),
                    ("aria-label", name),
                    ("role", "tab"),
                ],
                icon,
            )?
            .into(),
        )
        .ok()?;
    }
    let grid = element(
        doc,
        "div",
        &[
            ("class", "emoji-grid"),
            ("role", "listbox"),
            ("aria-label", "Emoji"),
        ],
        "",
    )?;
    for part in [&search, &tones, &tabs, &grid] {
        root.append_child(part).ok()?;
    }
    // Above the button that opened it, inside the window.
    let r = anchor.get_bounding_client_rect();
    let window = web_sys::window()?;
    let width = window.inner_width().ok()?.as_f64().unwrap_or(360.0);
    let height = window.inner_height().ok()?.as_f64().unwrap_or(640.0);
    let left = r.left().min(width - 328.0).max(4.0);
    let bottom = (height - r.top() + 4.0).max(4.0);
    root.dyn_ref::<web_sys::HtmlElement>()?
        .style()
        .set_css_text(&format!("left: {left}px; bottom: {bottom}px"));
    doc.body()?.append_child(&root).ok()?;
    if let Some(input) = search.dyn_ref::<web_sys::HtmlElement>() {
        let _ = input.focus();
    }
    Some(Picker {
        root,
        grid,
        group: if recent().is_empty() { Some(0) } else { None },
        query: String::new(),
        tone,
        onpick,
        handlers: Vec::new(),
    })
}

fn wire_picker(picker: &Rc<RefCell<Picker>>) {
    let root = picker.borrow().root.clone();
    let on = |target: &web_sys::EventTarget, kind: &str, f: Box<dyn FnMut(web_sys::Event)>| {
        picker.borrow_mut().handlers.push(listen(target, kind, f));
    };
    let p = picker.clone();
    on(
        root.as_ref(),
        "click",
        Box::new(move |e: web_sys::Event| {
            e.stop_propagation();
            let Some(t) = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("button").ok().flatten())
            else {
                return;
            };
            if let Some(emoji) = t.get_attribute("data-emoji") {
                let onpick = p.borrow().onpick.clone();
                remember(&emoji);
                close_picker();
                let _ = onpick.call1(&JsValue::NULL, &emoji.into());
                return;
            }
            if let Some(group) = t.get_attribute("data-group") {
                p.borrow_mut().group = group.parse().ok();
            } else if let Some(tone) = t.get_attribute("data-tone").and_then(|t| t.parse().ok()) {
                p.borrow_mut().tone = tone;
                if let Some(s) = storage() {
                    let _ = s.set_item(TONE_KEY, &tone.to_string());
                }
                if let Ok(all) = p.borrow().root.query_selector_all("[data-tone]") {
                    for i in 0..all.length() {
                        if let Some(b) = all.get(i).and_then(|b| b.dyn_into::<Element>().ok()) {
                            let on = b.get_attribute("data-tone") == Some(tone.to_string());
                            let _ =
                                b.set_attribute("aria-checked", if on { "true" } else { "false" });
                        }
                    }
                }
            }
            fill(&p);
        }),
    );
    let p = picker.clone();
    on(
        root.as_ref(),
        "input",
        Box::new(move |e: web_sys::Event| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                p.borrow_mut().query = input.value();
                fill(&p);
            }
        }),
    );
    if let Some(window) = web_sys::window() {
        on(
            window.as_ref(),
            "keydown",
            Box::new(|e: web_sys::Event| {
                if e.dyn_ref::<web_sys::KeyboardEvent>()
                    .is_some_and(|k| k.key() == "Escape")
                {
                    close_picker();
                }
            }),
        );
        // A tap elsewhere (one inside stops at the picker). Listened to from the next turn:
        // the tap that opened it is still going.
        let p = picker.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
            if !PICKER.with(|x| x.borrow().as_ref().is_some_and(|x| Rc::ptr_eq(x, &p))) {
                return;
            }
            let handler = Closure::<dyn FnMut(web_sys::Event)>::new(|_| close_picker());
            if let Some(window) = web_sys::window() {
                let _ = window
                    .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
            }
            p.borrow_mut().handlers.push(handler);
        });
    }
}

/// Shows what matches the search, or the group (or the recent ones), in the skin tone chosen.
fn fill(picker: &Rc<RefCell<Picker>>) {
    let Some(doc) = document() else { return };
    let p = picker.borrow();
    p.grid.set_inner_html("");
    let words: Vec<String> = p
        .query
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let shown: Vec<(String, &str)> = if !words.is_empty() {
        emoji_list()
            .filter(|(_, _, name, _)| words.iter().all(|w| name.contains(w.as_str())))
            .take(120)
            .map(|(_, e, name, tones)| (toned(e, tones, p.tone), name))
            .collect()
    } else if let Some(group) = p.group {
        emoji_list()
            .filter(|(g, ..)| *g == group)
            .map(|(_, e, name, tones)| (toned(e, tones, p.tone), name))
            .collect()
    } else {
        recent().into_iter().map(|e| (e, "")).collect()
    };
    if shown.is_empty() {
        let none = if words.is_empty() {
            "Nothing used lately."
        } else {
            "No emoji by that name."
        };
        if let Some(n) = element(&doc, "p", &[("class", "muted")], none) {
            let _ = p.grid.append_child(&n);
        }
    }
    for (emoji, name) in shown {
        let label = if name.is_empty() {
            emoji.as_str()
        } else {
            name
        };
        if let Some(b) = element(
            &doc,
            "button",
            &[
                ("type", "button"),
                ("data-emoji", &emoji),
                ("title", label),
                ("aria-label", label),
                ("role", "option"),
            ],
            &emoji,
        ) {
            let _ = p.grid.append_child(&b);
        }
    }
    if let Ok(tabs) = p.root.query_selector_all("[data-group]") {
        let current = p.group.map_or("recent".to_owned(), |g| g.to_string());
        for i in 0..tabs.length() {
            if let Some(t) = tabs.get(i).and_then(|t| t.dyn_into::<Element>().ok()) {
                let on = words.is_empty() && t.get_attribute("data-group") == Some(current.clone());
                let _ = t.set_attribute("aria-selected", if on { "true" } else { "false" });
            }
        }
    }
}

/// Closes the picker, if open.
pub fn close_picker() {
    let Some(picker) = PICKER.with(|p| p.borrow_mut().take()) else {
        return;
    };
    picker.borrow().root.remove();
    // Its handlers go once the event that closed it is over.
    wasm_bindgen_futures::spawn_local(async move {
        let handlers = std::mem::take(&mut picker.borrow_mut().handlers);
        if let Some(window) = web_sys::window() {
            for h in &handlers {
                let f = h.as_ref().unchecked_ref();
                let _ = window.remove_event_listener_with_callback("keydown", f);
                let _ = window.remove_event_listener_with_callback("click", f);
            }
        }
    });
}
