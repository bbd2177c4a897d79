//! Choosing one of the business's companies.

use crate::hooks::use_fetch;
use crate::services::api;
use shared::CompanyId;
use shared::model::Company;
use std::rc::Rc;
use yew::prelude::*;

/// The business's companies, loaded once (none until they are here).
#[hook]
pub fn use_companies() -> Rc<Vec<Company>> {
    let fetch = use_fetch((), |_| api::companies());
    Rc::new(fetch.data().cloned().unwrap_or_default())
}

/// A company to choose (`none` names choosing none). A plain function, not a component: it
/// has no state of its own.
pub fn company_select(
    label: &'static str,
    companies: &[Company],
    value: Option<CompanyId>,
    none: &'static str,
    onchange: Callback<Option<CompanyId>>,
) -> Html {
    let onchange = onchange.reform(|e: Event| {
        e.target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value()
            .parse::<CompanyId>()
            .ok()
    });
    html! {
        <label class="field">
            <span class="label">{ label }</span>
            <select {onchange}>
                <option value="" selected={value.is_none()}>{ none }</option>
                { for companies.iter().map(|c| html! {
                    <option key={c.id.to_string()} value={c.id.to_string()} selected={value == Some(c.id)}>{ c.name.clone() }</option>
                }) }
            </select>
        </label>
    }
}
