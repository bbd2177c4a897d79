//! Files in a conversation: picking, dropping or pasting them, uploading each straight to
//! storage (a thumbnail and the size made here first, with a canvas), progress, cancel and
//! retry; and showing what a message carries: photos as thumbnails opening a lightbox, videos
//! with their poster frame, voice notes with their waveform, other files as cards to download.
//! Every URL of a file is short-lived, asked of the server when it is about to be used.

use shared::AttachmentId;
use shared::media::{format_duration, format_size};
use shared::model::{Attachment, AttachmentKind};
use std::cell::RefCell;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

/// The files of a `FileList` (an input's, a drop's, a paste's).
pub fn files_of(list: Option<web_sys::FileList>) -> js_sys::Array {
    list.map_or_else(js_sys::Array::new, |l| js_sys::Array::from(&l))
}

pub use crate::media::Place;

/// A draft's files (a conversation's, or for the Vault), kept and uploaded by the media module.
pub struct Draft {
    /// Where the module shows them (a `<ul>`, new for each place).
    pub tray: NodeRef,
    /// How many there are.
    pub count: usize,
    /// Asks the module to `add` files (an array of them), `record` a voice note (from the
    /// press on the button) or `add_stored` a file of the Vault (its id, name, type, size).
    pub to_draft: Callback<(&'static str, JsValue)>,
}

/// The draft of `place`: its tray, shown by the media module once loaded, which says how many
/// files there are.
#[hook]
pub fn use_draft(place: Place) -> Draft {
    let tray = use_node_ref();
    let count = use_state(|| 0usize);
    let onchange = use_mut_ref(|| None::<wasm_bindgen::closure::Closure<dyn Fn(u32)>>);
    {
        let (tray, count, onchange) = (tray.clone(), count.setter(), onchange.clone());
        use_effect_with(place, move |place| {
            count.set(0);
            let changed = wasm_bindgen::closure::Closure::<dyn Fn(u32)>::new(move |n: u32| {
                count.set(n as usize)
            });
            show(*place, &tray, changed.as_ref());
            // The one before (another place's) is let go: the module's calls of it change
            // nothing.
            *onchange.borrow_mut() = Some(changed);
        });
    }
    let to_draft = {
        let (tray, onchange) = (tray.clone(), onchange.clone());
        Callback::from(move |(what, arg): (&'static str, JsValue)| {
            if let Some(changed) = onchange.borrow().as_ref() {
                to_draft(place, &tray, changed.as_ref(), what, arg);
            }
        })
    };
    Draft {
        tray,
        count: *count,
        to_draft,
    }
}

/// Shows the draft files of `c` in `tray` (if the media module is loaded: if not, there are
/// none); `onchange` is told how many there are.
fn show(c: Place, tray: &NodeRef, onchange: &JsValue) {
    if let (Some(m), Some(el)) = (
        MODULE.with(|m| m.borrow().clone()),
        tray.cast::<web_sys::Element>(),
    ) {
        call(
            &m,
            "show",
            &js_sys::Array::of3(&c.to_string().into(), &el, onchange),
        );
    }
}

/// Asks the media module (loaded first, the first time, and shown in `tray`) to `add` files
/// to conversation `c`'s draft (`arg`: an array of them; each uploads at once) or to `record`
/// a voice note (`arg`: the press on the record button, held until let go, or `null`).
fn to_draft(c: Place, tray: &NodeRef, onchange: &JsValue, what: &'static str, arg: JsValue) {
    let (tray, onchange) = (tray.clone(), onchange.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let Some(m) = module().await else { return };
        if !tray
            .cast::<web_sys::Element>()
            .is_some_and(|el| el.has_child_nodes())
        {
            show(c, &tray, &onchange);
        }
        let token = crate::services::requests::current_token().unwrap_or_default();
        call(
            &m,
            what,
            &js_sys::Array::of3(&c.to_string().into(), &token.into(), &arg),
        );
    });
}

/// Where a pick of the emoji picker goes, as the module calls it.
type Picked = wasm_bindgen::closure::Closure<dyn Fn(String)>;

thread_local! {
    /// Where the open emoji picker's pick goes.
    static PICKED: RefCell<Option<Picked>> = const { RefCell::new(None) };
}

/// Opens the emoji picker (the media module's: its data is loaded with it) by `anchor`; a
/// pick goes to `onpick`.
pub fn pick_emoji(anchor: web_sys::Element, onpick: Callback<String>) {
    let picked = wasm_bindgen::closure::Closure::<dyn Fn(String)>::new(move |e| onpick.emit(e));
    let f: JsValue = picked.as_ref().clone();
    PICKED.with(|p| *p.borrow_mut() = Some(picked));
    with_module("pick_emoji", move |_| js_sys::Array::of2(&anchor, &f));
}

/// The ids of conversation `c`'s draft files, which leave the draft; or why they cannot be
/// sent yet.
pub fn take(c: Place) -> Result<Vec<AttachmentId>, String> {
    let Some(m) = MODULE.with(|m| m.borrow().clone()) else {
        return Ok(Vec::new());
    };
    let take = js_sys::Reflect::get(&m, &"take".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(String::new)?;
    match take.call1(&JsValue::NULL, &c.to_string().into()) {
        Ok(ids) => Ok(js_sys::Array::from(&ids)
            .iter()
            .filter_map(|id| id.as_string()?.parse().ok())
            .collect()),
        Err(why) => Err(why.as_string().unwrap_or_default()),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "export function load(u) { return import(u); }")]
extern "C" {
    /// `import(url)`: a module, loaded when first asked for.
    fn load(url: &str) -> js_sys::Promise;
}

thread_local! {
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The media module (uploads, the photo viewer, the video player), loaded and started the
/// first time it is needed: the page names it (`<meta name="sideline-media">`).
async fn module() -> Option<JsValue> {
    if let Some(m) = MODULE.with(|m| m.borrow().clone()) {
        return Some(m);
    }
    let url = web_sys::window()?
        .document()?
        .query_selector("meta[name=sideline-media]")
        .ok()??
        .get_attribute("content")?;
    let m = JsFuture::from(load(&url)).await.ok()?;
    // Its wasm beside it, named as the build named the module.
    let wasm = format!("{}_bg.wasm", url.strip_suffix(".js")?);
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"module_or_path".into(), &wasm.into()).ok()?;
    let init = call(&m, "default", &js_sys::Array::of1(&options))?;
    JsFuture::from(js_sys::Promise::from(init)).await.ok()?;
    MODULE.with(|cell| *cell.borrow_mut() = Some(m.clone()));
    Some(m)
}

/// Calls the module's function `name` with `args`.
fn call(m: &JsValue, name: &str, args: &js_sys::Array) -> Option<JsValue> {
    js_sys::Reflect::get(m, &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .apply(&JsValue::NULL, args)
        .ok()
}

/// What a message carries, as tiles the media module fills and opens: photos and videos (their
/// thumbnails painted in once known; a tap opens the viewer, which goes through the message's
/// photos and videos), voice notes (their waveform drawn; a tap plays or pauses them) and
/// files (a tap downloads). One shape for every kind, dressed by the style sheet; `onclick`
/// hands a tap to the module ([`open`]).
pub fn attachments(list: &[Attachment], onclick: &Callback<MouseEvent>) -> Html {
    html! {
        <div class="attachments" onclick={onclick.clone()}>
            { for list.iter().map(|a| {
                let (kind, label, text) = match a.kind {
                    AttachmentKind::Image => ("photo", "Open photo", String::new()),
                    AttachmentKind::Video => ("video", "Play video", a.duration_ms.map(format_duration).unwrap_or_default()),
                    AttachmentKind::Voice => ("voice", "Play voice note", a.duration_ms.map(format_duration).unwrap_or_default()),
                    AttachmentKind::File => ("file", "Download", format!("{} · {}", a.name, format_size(a.size))),
                };
                // Its shape, for the module to keep while the thumbnail loads (the policy
                // refuses style attributes).
                let ratio = a.width.zip(a.height).map(|(w, h)| format!("{w} / {h}"));
                // A voice note's loudness (bars of 0 to 255) for the module to draw.
                let bars: Vec<String> = a.waveform.iter().map(u8::to_string).collect();
                html! {
                    <button type="button" class={kind} data-a={a.id.to_string()} data-k={kind} data-t={a.thumbnail.then_some("1")}
                        data-w={bars.join(",")} data-r={ratio} aria-label={format!("{label} {}", a.name)}>
                        <span class="label">{ text }</span>
                    </button>
                }
            }) }
        </div>
    }
}

/// Hands a tap on a message's files to the media module: it opens, plays or downloads what
/// was tapped.
pub fn open(c: Place, e: MouseEvent) {
    e.stop_propagation();
    let Some(target) = e.target() else { return };
    with_module("open", move |token| {
        js_sys::Array::of3(&c.to_string().into(), &token.into(), &target)
    });
}

/// Asks the media module to paint the thumbnails of the files under `root` it has not yet.
pub fn paint(c: Place, root: web_sys::Element) {
    with_module("paint", move |token| {
        js_sys::Array::of3(&c.to_string().into(), &token.into(), &root)
    });
}

/// Calls the media module's `name` (loading it first, the first time) with the arguments
/// made of the session's token.
fn with_module(name: &'static str, args: impl FnOnce(String) -> js_sys::Array + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(m) = module().await {
            let token = crate::services::requests::current_token().unwrap_or_default();
            call(&m, name, &args(token));
        }
    });
}
