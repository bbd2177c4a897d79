//! Labelled form fields and the form's error line.

use yew::prelude::*;

/// An `oninput` that keeps a text state in step with its input.
pub fn bind_text(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(
            e.target_unchecked_into::<web_sys::HtmlInputElement>()
                .value(),
        )
    })
}

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub label: AttrValue,
    pub value: String,
    pub oninput: Callback<InputEvent>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

#[component]
pub fn Field(props: &FieldProps) -> Html {
    html! {
        <label class="field">
            <span class="label">{ props.label.clone() }</span>
            <input type={props.kind.clone()} value={props.value.clone()} oninput={props.oninput.clone()}
                autocomplete={props.autocomplete.clone()} />
            if let Some(h) = &props.hint { <span class="hint">{ h.clone() }</span> }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct FormErrorProps {
    pub error: Option<String>,
}

#[component]
pub fn FormError(props: &FormErrorProps) -> Html {
    match &props.error {
        Some(e) => html! { <p class="error" role="alert">{ e.clone() }</p> },
        None => html! {},
    }
}
