//! The Vault: the business's media library. Staff upload a file once (into a folder) and send
//! it in any number of conversations without a copy: here, and from "From the Vault" beside
//! the composer. Search by name, a kind, a folder; a coach renames, moves and deletes what they
//! added, the owner and admins anything (the rules say, the server decides). Deleting a file
//! from the Vault never takes it from a message already sent.

use crate::components::conversation::files::{self, Draft, Place};
use crate::components::field::{FormError, bind_text};
use crate::hooks::{load_status, use_fetch, use_session};
use crate::services::api;
use crate::services::requests::Query;
use shared::AttachmentId;
use shared::api::{CreateVaultItemRequest, UpdateVaultItemRequest};
use shared::media::format_size;
use shared::model::{AttachmentKind, VaultItem};
use yew::prelude::*;

/// The kinds to narrow the Vault to, as offered.
const KINDS: [(&str, &str); 5] = [
    ("", "All kinds"),
    ("image", "Photos"),
    ("video", "Videos"),
    ("voice", "Voice notes"),
    ("file", "Files"),
];

/// What the Vault is asked for: words of the name, a kind (as in the API), a folder (`None`:
/// all; empty: the files in none).
fn query(q: &str, kind: &str, folder: Option<&str>) -> Query {
    let mut query = Query::new();
    if !q.trim().is_empty() {
        query.push(("q", q.trim().to_owned()));
    }
    if !kind.is_empty() {
        query.push(("kind", kind.to_owned()));
    }
    if let Some(f) = folder {
        query.push(("folder", f.to_owned()));
    }
    query
}

/// Keeps `state` as the select's choice.
fn bind_choice(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        state.set(
            e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value(),
        )
    })
}

/// An icon for a kind of file, where no thumbnail shows.
fn icon(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "🖼",
        AttachmentKind::Video => "🎬",
        AttachmentKind::Voice => "🎤",
        AttachmentKind::File => "📄",
    }
}

#[component]
pub fn VaultPage() -> Html {
    let session = use_session();
    let (me, role) = session
        .current()
        .map(|s| (Some(s.user.id), s.user.role))
        .unwrap_or((None, shared::model::Role::Client));
    let q = use_state(String::new);
    let kind = use_state(String::new);
    let folder = use_state(|| None::<String>);
    let list = use_fetch(
        ((*q).clone(), (*kind).clone(), (*folder).clone()),
        |(q, kind, folder)| api::vault(query(&q, &kind, folder.as_deref())),
    );
    let error = use_state(|| None::<String>);
    // Files being uploaded, and the folder they go in.
    let Draft {
        tray,
        count,
        to_draft,
    } = files::use_draft(Place::Vault);
    let into = use_state(String::new);
    let adding = use_state(|| false);
    // The file being renamed or moved: its draft name and folder.
    let editing = use_state(|| None::<(AttachmentId, String, String)>);

    let add = {
        let (into, error, list, adding) =
            (into.clone(), error.clone(), list.clone(), adding.clone());
        Callback::from(move |_: MouseEvent| {
            let ids = match files::take(Place::Vault) {
                Ok(ids) => ids,
                Err(why) => {
                    error.set(Some(why));
                    return;
                }
            };
            let folder = (*into).clone();
            let (error, list, adding) = (error.clone(), list.clone(), adding.clone());
            adding.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let mut failed = None;
                for upload_id in ids {
                    let req = CreateVaultItemRequest {
                        upload_id,
                        folder: Some(folder.clone()),
                    };
                    if let Err(e) = api::add_to_vault(&req).await {
                        failed = Some(e.message);
                    }
                }
                error.set(failed);
                adding.set(false);
                list.reload();
            });
        })
    };
    // Thumbnails painted in, and taps opened, by the media module.
    let grid = use_node_ref();
    {
        let grid = grid.clone();
        use_effect_with(list.data().map(|l| l.items.len()), move |n| {
            if let (Some(n), Some(root)) = (n, grid.cast::<web_sys::Element>())
                && *n > 0
            {
                files::paint(Place::Vault, root);
            }
        });
    }
    let open = Callback::from(|e: MouseEvent| files::open(Place::Vault, e));

    let card = |item: &VaultItem| {
        let id = item.id;
        let may = shared::rules::can_change_vault_item(role, Some(item.created_by) == me).is_ok();
        let meta = [
            (!item.folder.is_empty()).then(|| item.folder.clone()),
            Some(format_size(item.size)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let body = if let Some((_, name, into)) = editing.as_ref().filter(|(e, ..)| *e == id) {
            let set = |name_field: bool| {
                let editing = editing.clone();
                let (name, into) = (name.clone(), into.clone());
                Callback::from(move |e: InputEvent| {
                    let v = e
                        .target_unchecked_into::<web_sys::HtmlInputElement>()
                        .value();
                    editing.set(Some(if name_field {
                        (id, v, into.clone())
                    } else {
                        (id, name.clone(), v)
                    }));
                })
            };
            let save = {
                let (editing, error, list) = (editing.clone(), error.clone(), list.clone());
                let req = UpdateVaultItemRequest {
                    name: Some(name.clone()),
                    folder: Some(into.clone()),
                };
                Callback::from(move |_: MouseEvent| {
                    let (editing, error, list, req) =
                        (editing.clone(), error.clone(), list.clone(), req.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::update_vault_item(id, &req).await {
                            Ok(_) => {
                                editing.set(None);
                                error.set(None);
                                list.reload();
                            }
                            Err(e) => error.set(Some(e.message)),
                        }
                    });
                })
            };
            let cancel = {
                let editing = editing.clone();
                Callback::from(move |_: MouseEvent| editing.set(None))
            };
            html! {
                <div class="vault-edit">
                    <input aria-label="Name" value={name.clone()} oninput={set(true)} />
                    <input aria-label="Folder" placeholder="No folder" list="vault-folders" value={into.clone()} oninput={set(false)} />
                    <div class="actions">
                        <button class="ghost" onclick={cancel}>{ "Cancel" }</button>
                        <button class="primary" onclick={save}>{ "Save" }</button>
                    </div>
                </div>
            }
        } else {
            let edit = {
                let (editing, name, into) =
                    (editing.clone(), item.name.clone(), item.folder.clone());
                Callback::from(move |_: MouseEvent| {
                    editing.set(Some((id, name.clone(), into.clone())))
                })
            };
            let delete = {
                let (error, list, name) = (error.clone(), list.clone(), item.name.clone());
                Callback::from(move |_: MouseEvent| {
                    let sure = web_sys::window()
                        .and_then(|w| {
                            w.confirm_with_message(&format!(
                                "Delete \"{name}\" from the Vault? Messages that sent it keep it."
                            ))
                            .ok()
                        })
                        .unwrap_or(false);
                    if !sure {
                        return;
                    }
                    let (error, list) = (error.clone(), list.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::delete_vault_item(id).await {
                            Ok(()) => list.reload(),
                            Err(e) => error.set(Some(e.message)),
                        }
                    });
                })
            };
            html! {
                <>
                    <strong class="file-name">{ item.name.clone() }</strong>
                    <span class="muted">{ meta }</span>
                    if may {
                        <div class="actions">
                            <button class="link" onclick={edit}>{ "Rename or move" }</button>
                            <button class="link danger" onclick={delete}>{ "Delete" }</button>
                        </div>
                    }
                </>
            }
        };
        html! {
            <li key={id.to_string()} class={classes!("vault-item", item.kind.ne(&AttachmentKind::Image).then_some("plain"))}>
                { files::attachments(&[item.attachment()], &open) }
                { body }
            </li>
        }
    };

    let folders: Vec<String> = list.data().map(|l| l.folders.clone()).unwrap_or_default();
    let chip = |label: String, value: Option<String>| {
        let on = *folder == value;
        let onclick = {
            let folder = folder.clone();
            Callback::from(move |_: MouseEvent| folder.set(value.clone()))
        };
        html! {
            <button type="button" class={classes!("chip", on.then_some("mine"))} aria-pressed={on.to_string()} {onclick}>{ label }</button>
        }
    };
    let pick = to_draft.reform(|e: Event| {
        let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
        let picked = files::files_of(input.files()).into();
        input.set_value("");
        ("add", picked)
    });
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let to_draft = to_draft.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let dropped = files::files_of(e.data_transfer().and_then(|d| d.files()));
            to_draft.emit(("add", dropped.into()));
        })
    };
    html! {
        <div class="page vault" {ondragover} {ondrop}>
            <div class="page-head">
                <h1>{ "Vault" }</h1>
                <label class="button primary">
                    { "Upload files" }
                    <input type="file" multiple=true class="visually-hidden" aria-label="Upload files to the Vault" onchange={pick} />
                </label>
            </div>
            <p class="muted">{ "Upload photos, videos and documents once and send them to any client from the composer's 🗄. Deleting a file here never takes it from messages already sent." }</p>
            <ul class="pending-files" ref={tray} aria-label="Files to add" />
            if count > 0 {
                <div class="vault-add">
                    <input aria-label="Folder" placeholder="No folder" list="vault-folders" value={(*into).clone()} oninput={bind_text(&into)} />
                    <button class="primary" onclick={add} disabled={*adding}>{ format!("Add {count} to the Vault") }</button>
                </div>
            }
            <datalist id="vault-folders">{ for folders.iter().map(|f| html! { <option value={f.clone()} /> }) }</datalist>
            <FormError error={(*error).clone()} />
            <div class="filters">
                <input class="search" type="search" placeholder="Search by name" aria-label="Search the Vault" value={(*q).clone()} oninput={bind_text(&q)} />
                <select aria-label="Kind" onchange={bind_choice(&kind)}>
                    { for KINDS.iter().map(|(v, label)| html! { <option value={*v} selected={*kind == *v}>{ *label }</option> }) }
                </select>
            </div>
            <div class="chips" aria-label="Folders">
                { chip("All files".into(), None) }
                { for folders.iter().map(|f| chip(f.clone(), Some(f.clone()))) }
                { chip("No folder".into(), Some(String::new())) }
            </div>
            { load_status(&list) }
            if let Some(l) = list.data() {
                if l.items.is_empty() {
                    <p class="muted">{ "Nothing here yet." }</p>
                } else {
                    <ul class="vault-grid" ref={grid}>{ for l.items.iter().map(card) }</ul>
                }
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Adds a file to the conversation's draft (the media module's `add_stored`).
    pub to_draft: Callback<(&'static str, wasm_bindgen::JsValue)>,
}

/// "From the Vault" beside the composer: search the Vault and add a file of it to the draft,
/// sent without a copy.
#[component]
pub fn VaultPicker(props: &PickerProps) -> Html {
    let open = use_state(|| false);
    let q = use_state(String::new);
    let kind = use_state(String::new);
    let list = use_fetch(
        (*open, (*q).clone(), (*kind).clone()),
        |(open, q, kind)| async move {
            if open {
                api::vault(query(&q, &kind, None)).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let button = html! {
        <button type="button" class="tool vault-tool" title="From the Vault" aria-label="From the Vault"
            aria-expanded={open.to_string()} onclick={toggle.clone()}>{ "🗄" }</button>
    };
    if !*open {
        return button;
    }
    let row = |item: &VaultItem| {
        let onclick = {
            let (open, to_draft) = (open.clone(), props.to_draft.clone());
            let arg = js_sys::Array::of4(
                &item.id.to_string().into(),
                &item.name.clone().into(),
                &item.content_type.clone().into(),
                &(item.size as f64).into(),
            );
            Callback::from(move |_: MouseEvent| {
                to_draft.emit(("add_stored", arg.clone().into()));
                open.set(false);
            })
        };
        html! {
            <li key={item.id.to_string()}>
                <button type="button" {onclick}>
                    <span aria-hidden="true">{ icon(item.kind) }</span>
                    <span class="file-name">{ item.name.clone() }</span>
                    <span class="muted">{ [item.folder.clone(), format_size(item.size)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ") }</span>
                </button>
            </li>
        }
    };
    let onkeydown = {
        let open = open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                open.set(false);
            }
        })
    };
    html! {
        <>
            { button }
            <div class="vault-picker" role="dialog" aria-label="From the Vault" {onkeydown}>
                <div class="filters">
                    <input class="search" type="search" placeholder="Search the Vault" aria-label="Search the Vault" value={(*q).clone()} oninput={bind_text(&q)} autofocus=true />
                    <select aria-label="Kind" onchange={bind_choice(&kind)}>
                        { for KINDS.iter().map(|(v, label)| html! { <option value={*v} selected={*kind == *v}>{ *label }</option> }) }
                    </select>
                </div>
                { load_status(&list) }
                if let Some(Some(l)) = list.data() {
                    if l.items.is_empty() {
                        <p class="muted">{ "Nothing in the Vault matches." }</p>
                    } else {
                        <ul>{ for l.items.iter().map(row) }</ul>
                    }
                }
            </div>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vault_is_asked_only_for_what_narrows_it() {
        assert!(query("  ", "", None).is_empty());
        assert_eq!(
            query(" squat ", "image", Some("Form checks")),
            [
                ("q", "squat".to_owned()),
                ("kind", "image".to_owned()),
                ("folder", "Form checks".to_owned())
            ]
        );
        assert_eq!(query("", "", Some("")), [("folder", String::new())]);
    }
}
