//! Clients of the business to tick, searchable by name: used wherever staff choose clients
//! (a new group, adding people, a mass message).

use crate::components::field::bind_text;
use crate::services::api;
use shared::model::Client;
use shared::{CompanyId, UserId};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Who is ticked.
    pub chosen: Vec<UserId>,
    /// People who are already in (not offered).
    pub except: Vec<UserId>,
    pub ontoggle: Callback<UserId>,
    #[prop_or(AttrValue::Static("Members"))]
    pub legend: AttrValue,
    /// Only this company's clients.
    #[prop_or_default]
    pub company: Option<CompanyId>,
}

/// Clients of the business to tick, searchable by name.
#[component]
pub fn ClientPicker(props: &PickerProps) -> Html {
    let q = use_state(String::new);
    let clients = use_state(Vec::<Client>::new);
    {
        let clients = clients.clone();
        use_effect_with(((*q).clone(), props.company), move |(q, company)| {
            let (q, company) = (q.clone(), *company);
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::clients(&q, company, None).await {
                    clients.set(page.items);
                }
            });
        });
    }
    html! {
        <fieldset class="field picker">
            <legend class="label">{ props.legend.clone() }</legend>
            <input class="search" type="search" placeholder="Search clients" aria-label="Search clients"
                value={(*q).clone()} oninput={bind_text(&q)} />
            <ul class="choices">
                { for clients.iter().filter(|c| c.active && !props.except.contains(&c.id)).map(|c| {
                    let id = c.id;
                    let onchange = props.ontoggle.reform(move |_: Event| id);
                    html! {
                        <li key={c.id.to_string()}>
                            <label class="choice compact">
                                <input type="checkbox" checked={props.chosen.contains(&c.id)} {onchange} />
                                <span>{ c.name.clone() }</span>
                            </label>
                        </li>
                    }
                }) }
            </ul>
        </fieldset>
    }
}

/// Ticks `id` in `list`, or unticks it.
pub fn toggle_in(list: &mut Vec<UserId>, id: UserId) {
    match list.iter().position(|x| *x == id) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(id),
    }
}

/// Ticks or unticks someone in `list`.
pub fn toggle(list: &UseStateHandle<Vec<UserId>>) -> Callback<UserId> {
    let list = list.clone();
    Callback::from(move |id: UserId| {
        let mut next = (*list).clone();
        toggle_in(&mut next, id);
        list.set(next);
    })
}
