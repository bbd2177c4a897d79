//! Saved messages: the business's, by name. Any staff member saves one; a coach changes the
//! ones they saved, the owner and admins any (the rules say, the server decides). In a
//! conversation, `/` in the composer inserts one, its placeholders filled.

use crate::components::field::{Field, FormError, bind_text};
use crate::hooks::{load_status, use_fetch, use_session};
use crate::services::api;
use shared::api::{CreateTemplateRequest, UpdateTemplateRequest};
use shared::model::Template;
use shared::templates::PLACEHOLDERS;
use shared::{TemplateId, UserId};
use yew::prelude::*;

#[component]
pub fn Templates() -> Html {
    let session = use_session();
    let (me, role) = session
        .current()
        .map(|s| (Some(s.user.id), s.user.role))
        .unwrap_or((None, shared::model::Role::Client));
    let list = use_fetch((), |_| api::templates());
    let name = use_state(String::new);
    let body = use_state(String::new);
    let error = use_state(|| None::<String>);
    // The one being edited, and its draft name and words.
    let editing = use_state(|| None::<(TemplateId, String, String)>);
    let onsubmit = {
        let (name, body, error, list) = (name.clone(), body.clone(), error.clone(), list.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = CreateTemplateRequest {
                name: (*name).clone(),
                body: (*body).clone(),
            };
            let (name, body, error, list) =
                (name.clone(), body.clone(), error.clone(), list.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_template(&req).await {
                    Ok(_) => {
                        name.set(String::new());
                        body.set(String::new());
                        error.set(None);
                        list.reload();
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let insert = |placeholder: &'static str| {
        let body = body.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let mut text = (*body).clone();
            if !(text.is_empty() || text.ends_with(' ')) {
                text.push(' ');
            }
            text.push_str(placeholder);
            body.set(text);
        });
        html! { <button type="button" class="chip" {onclick}>{ placeholder }</button> }
    };
    let row = |t: &Template| {
        let id = t.id;
        let may = shared::rules::can_change_template(role, Some(t.created_by) == me).is_ok();
        if let Some((_, draft_name, draft_body)) = editing.as_ref().filter(|(e, _, _)| *e == id) {
            let set_name = {
                let editing = editing.clone();
                let draft_body = draft_body.clone();
                Callback::from(move |e: InputEvent| {
                    let v = e
                        .target_unchecked_into::<web_sys::HtmlInputElement>()
                        .value();
                    editing.set(Some((id, v, draft_body.clone())));
                })
            };
            let set_body = {
                let editing = editing.clone();
                let draft_name = draft_name.clone();
                Callback::from(move |e: InputEvent| {
                    let v = e
                        .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                        .value();
                    editing.set(Some((id, draft_name.clone(), v)));
                })
            };
            let save = {
                let (editing, error, list) = (editing.clone(), error.clone(), list.clone());
                let req = UpdateTemplateRequest {
                    name: Some(draft_name.clone()),
                    body: Some(draft_body.clone()),
                };
                Callback::from(move |_: MouseEvent| {
                    let (editing, error, list, req) =
                        (editing.clone(), error.clone(), list.clone(), req.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::update_template(id, &req).await {
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
            return html! {
                <li key={id.to_string()} class="template editing">
                    <input aria-label="Name" value={draft_name.clone()} oninput={set_name} />
                    <textarea aria-label="Message" rows="4" value={draft_body.clone()} oninput={set_body} />
                    <div class="actions">
                        <button class="ghost" onclick={cancel}>{ "Cancel" }</button>
                        <button class="primary" onclick={save}>{ "Save" }</button>
                    </div>
                </li>
            };
        }
        let edit = {
            let (editing, name, body) = (editing.clone(), t.name.clone(), t.body.clone());
            Callback::from(move |_: MouseEvent| editing.set(Some((id, name.clone(), body.clone()))))
        };
        let delete = {
            let (error, list, name) = (error.clone(), list.clone(), t.name.clone());
            Callback::from(move |_: MouseEvent| {
                let sure = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&format!("Delete \"{name}\"?")).ok())
                    .unwrap_or(false);
                if !sure {
                    return;
                }
                let (error, list) = (error.clone(), list.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::delete_template(id).await {
                        Ok(()) => list.reload(),
                        Err(e) => error.set(Some(e.message)),
                    }
                });
            })
        };
        html! {
            <li key={id.to_string()} class="template">
                <strong>{ t.name.clone() }</strong>
                <div class="rich muted">{ crate::components::rich::rich(&t.body, &|_: UserId| None) }</div>
                if may {
                    <div class="actions">
                        <button class="link" onclick={edit}>{ "Edit" }</button>
                        <button class="link danger" onclick={delete}>{ "Delete" }</button>
                    </div>
                }
            </li>
        }
    };
    let on_body = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| {
            body.set(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            )
        })
    };
    html! {
        <div class="page templates">
            <form class="card form" {onsubmit}>
                <h1>{ "Saved messages" }</h1>
                <p class="muted">{ "Type / in a conversation to insert one; its placeholders are filled for that conversation." }</p>
                <Field label="Name" value={(*name).clone()} oninput={bind_text(&name)} />
                <label class="field">
                    <span class="label">{ "Message" }</span>
                    <textarea rows="4" value={(*body).clone()} oninput={on_body} />
                </label>
                <div class="chips" aria-label="Insert a placeholder">
                    { for PLACEHOLDERS.iter().map(|p| insert(p)) }
                </div>
                <FormError error={(*error).clone()} />
                <div class="actions">
                    <button type="submit" class="primary" disabled={name.trim().is_empty() || body.trim().is_empty()}>{ "Save message" }</button>
                </div>
            </form>
            { load_status(&list) }
            if let Some(items) = list.data() {
                if items.is_empty() {
                    <p class="muted">{ "No saved messages yet." }</p>
                } else {
                    <ul class="template-list">{ for items.iter().map(row) }</ul>
                }
            }
        </div>
    }
}
