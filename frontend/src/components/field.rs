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

/// One choice of a [`RadioGroup`].
#[derive(Clone, PartialEq)]
pub struct Choice<T> {
    pub value: T,
    pub label: &'static str,
    /// A line under the label.
    pub hint: Option<&'static str>,
}

impl<T> Choice<T> {
    pub fn new(value: T, label: &'static str) -> Self {
        Self {
            value,
            label,
            hint: None,
        }
    }

    pub fn hinted(value: T, label: &'static str, hint: &'static str) -> Self {
        Self {
            value,
            label,
            hint: Some(hint),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct RadioGroupProps<T: PartialEq + Clone + 'static> {
    /// The inputs' name, one per group on a page.
    pub name: AttrValue,
    pub legend: AttrValue,
    pub choices: Vec<Choice<T>>,
    pub selected: T,
    pub onchange: Callback<T>,
    /// Plain labels on tight rows rather than bold ones.
    #[prop_or_default]
    pub compact: bool,
}

/// A labelled set of radio buttons over the values of `T`.
#[component]
pub fn RadioGroup<T>(props: &RadioGroupProps<T>) -> Html
where
    T: PartialEq + Clone + 'static,
{
    let choices = props.choices.iter().map(|c| {
        let value = c.value.clone();
        let onchange = props.onchange.reform(move |_: Event| value.clone());
        let label = match (props.compact, c.hint) {
            (true, _) => html! { <span>{ c.label }</span> },
            (false, None) => html! { <span><strong>{ c.label }</strong></span> },
            (false, Some(hint)) => {
                html! { <span><strong>{ c.label }</strong><span class="hint">{ hint }</span></span> }
            }
        };
        html! {
            <label class={classes!("choice", props.compact.then_some("compact"))}>
                <input type="radio" name={props.name.clone()} checked={props.selected == c.value} {onchange} />
                { label }
            </label>
        }
    });
    html! {
        <fieldset class="field">
            <legend class="label">{ props.legend.clone() }</legend>
            { for choices }
        </fieldset>
    }
}

/// A form's state: one struct (often the request it sends), each field changed on its own.
#[derive(Clone, PartialEq)]
pub struct FormState<F>(pub F);

/// A change to one field of a form.
pub struct Edit<F>(Box<dyn FnOnce(&mut F)>);

impl<F: Clone> Reducible for FormState<F> {
    type Action = Edit<F>;

    fn reduce(self: std::rc::Rc<Self>, edit: Edit<F>) -> std::rc::Rc<Self> {
        let mut next = self.0.clone();
        (edit.0)(&mut next);
        std::rc::Rc::new(FormState(next))
    }
}

/// A form's state and its changes. Each change applies to the state as it is then, so two
/// fields changed before the next render both keep their value.
pub type Form<F> = UseReducerHandle<FormState<F>>;

#[hook]
pub fn use_form<F: Clone + 'static>(init: impl FnOnce() -> F) -> Form<F> {
    use_reducer(move || FormState(init()))
}

/// Sets one field of `form` to each value it is given.
pub fn set<F: Clone + 'static, T: 'static>(form: &Form<F>, field: fn(&mut F, T)) -> Callback<T> {
    let form = form.clone();
    Callback::from(move |value: T| form.dispatch(Edit(Box::new(move |f| field(f, value)))))
}

/// An `oninput` that writes a text input's value into one field of `form`.
pub fn bind<F: Clone + 'static>(form: &Form<F>, field: fn(&mut F, String)) -> Callback<InputEvent> {
    set(form, field).reform(|e: InputEvent| {
        e.target_unchecked_into::<web_sys::HtmlInputElement>()
            .value()
    })
}

/// Puts `value` in place of the whole form (emptying it after a submit).
pub fn reset<F: Clone + 'static>(form: &Form<F>, value: F) {
    form.dispatch(Edit(Box::new(move |f| *f = value)));
}
