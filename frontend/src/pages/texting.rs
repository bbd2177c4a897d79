//! Settings → Texting: turning two-way texting on and off, the business's number, the number
//! texts go from until it is verified, the month's balance, and the toll-free verification form
//! with where it stands. The owner acts; the rest of the staff see.

use crate::components::field::{Choice, Field, FormError, RadioGroup, bind, reset, set, use_form};
use crate::hooks::{use_fetch, use_session};
use crate::services::api;
use shared::model::Role;
use shared::sms::{
    AutoReply, BusinessType, MONTHLY_VOLUMES, OptInType, RegistrationForm, RegistrationState,
    Texting, TransactionalTexts, check_opt_in_proof, display_number,
};
use yew::prelude::*;

fn state_label(state: RegistrationState) -> &'static str {
    match state {
        RegistrationState::NotSubmitted => "Not submitted",
        RegistrationState::Submitted => "Submitted",
        RegistrationState::Reviewing => "Being reviewed",
        RegistrationState::RequiresUpdates => "Changes requested",
        RegistrationState::Approved => "Verified",
        RegistrationState::Denied => "Denied",
    }
}

type FormField = (
    &'static str,
    &'static str,
    fn(&RegistrationForm) -> &String,
    fn(&mut RegistrationForm, String),
);

/// The one-line fields of the registration: label, input type, and where each goes.
const FORM_FIELDS: [FormField; 8] = [
    (
        "Legal name of the business",
        "text",
        |f| &f.legal_name,
        |f, v| f.legal_name = v,
    ),
    ("Website", "url", |f| &f.website, |f, v| f.website = v),
    (
        "Privacy policy (address)",
        "url",
        |f| &f.privacy_policy_url,
        |f, v| f.privacy_policy_url = v,
    ),
    (
        "Terms and conditions (address)",
        "url",
        |f| &f.terms_url,
        |f, v| f.terms_url = v,
    ),
    (
        "Contact's first name",
        "text",
        |f| &f.contact_first_name,
        |f, v| f.contact_first_name = v,
    ),
    (
        "Contact's last name",
        "text",
        |f| &f.contact_last_name,
        |f, v| f.contact_last_name = v,
    ),
    (
        "Contact's email",
        "email",
        |f| &f.contact_email,
        |f, v| f.contact_email = v,
    ),
    (
        "Contact's phone",
        "tel",
        |f| &f.contact_phone,
        |f, v| f.contact_phone = v,
    ),
];

/// Runs `call`, then shows what it answered or why it failed.
fn act<F>(
    shown: &crate::hooks::Fetch<Texting>,
    error: &UseStateHandle<Option<String>>,
    call: F,
) -> impl Fn() + 'static
where
    F: Fn() -> std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = Result<Texting, crate::services::requests::ApiError>,
                    >,
            >,
        > + 'static,
{
    let (shown, error) = (shown.clone(), error.clone());
    move || {
        let (shown, error, call) = (shown.clone(), error.clone(), call());
        wasm_bindgen_futures::spawn_local(async move {
            match call.await {
                Ok(t) => {
                    error.set(None);
                    shown.set(t);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    }
}

#[component]
pub fn TextingCard() -> Html {
    let session = use_session();
    let owner = session
        .current()
        .is_some_and(|s| s.user.role == Role::Owner);
    let loaded = use_fetch((), |_| api::texting());
    let error = use_state(|| None::<String>);
    let auto_reply = use_state(|| AutoReply::DoNotReply);
    let form = use_form(RegistrationForm::default);
    let samples = use_state(String::new);
    {
        let (form, samples) = (form.clone(), samples.clone());
        use_effect_with(
            loaded.data().and_then(|t| t.registration.form.clone()),
            move |submitted| {
                if let Some(f) = submitted {
                    samples.set(f.sample_messages.join("\n"));
                    reset(&form, f.clone());
                }
            },
        );
    }
    let Some(t) = loaded.data().cloned() else {
        return html! {};
    };
    let turn_on = act(&loaded, &error, || Box::pin(api::activate_texting()));
    let turn_off = {
        let auto_reply = auto_reply.clone();
        act(&loaded, &error, move || {
            Box::pin(api::deactivate_texting(*auto_reply))
        })
    };
    let submit = {
        let (form, samples) = (form.clone(), samples.clone());
        act(&loaded, &error, move || {
            let mut f = form.0.clone();
            f.sample_messages = samples
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            Box::pin(async move { api::register_texting(&f).await })
        })
    };
    // The opt-in proof is sent as soon as it is chosen (checked here first, as the server will).
    let upload = {
        let (loaded, error) = (loaded.clone(), error.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            if let Err(why) = check_opt_in_proof(&file.type_(), file.size() as u64) {
                error.set(Some(why.into()));
                return;
            }
            act(&loaded, &error, move || {
                Box::pin(api::upload_opt_in_proof(&file))
            })();
        })
    };
    // Each box saves at once: which automatic messages also go as texts.
    let automatic = |which: fn(&mut TransactionalTexts) -> &mut bool| {
        let mut next = t.transactional;
        let flipped = !*which(&mut next);
        *which(&mut next) = flipped;
        let save = act(&loaded, &error, move || {
            Box::pin(async move { api::set_transactional_texts(&next).await })
        });
        Callback::from(move |_: Event| save())
    };
    let state = t.registration.state;
    let may_submit = owner
        && t.enabled
        && matches!(
            state,
            RegistrationState::NotSubmitted
                | RegistrationState::RequiresUpdates
                | RegistrationState::Denied
        );
    let f = &form.0;
    html! {
        <section class="card form texting" aria-labelledby="texting-title">
            <h2 id="texting-title">{ "Texting" }</h2>
            if !t.available {
                <p class="muted">{ "Two-way texting is for businesses in the United States and Canada: choose the business's country above." }</p>
            } else if !t.enabled {
                <p>{ "Text clients who never open the app: a number of your own, replies in the same conversation, STOP honoured for you." }</p>
                if let (Some(n), Some(until)) = (&t.number, &t.number_kept_until) {
                    <p class="muted">{ format!("Your number {} is kept for you until {}: turning texting on brings it back.", display_number(n), until.get(..10).unwrap_or(until)) }</p>
                }
                if owner {
                    <div class="actions"><button type="button" class="primary" onclick={move |_: MouseEvent| turn_on()}>{ "Turn on texting" }</button></div>
                } else {
                    <p class="muted">{ "The owner turns texting on." }</p>
                }
            } else {
                <dl class="facts">
                    <dt>{ "Your number" }</dt>
                    <dd class="number">{ t.number.as_deref().map(display_number).unwrap_or_default() }</dd>
                    <dt>{ "This month" }</dt>
                    <dd class="balance">{ format!("{} of {} segments left", t.balance.remaining, t.balance.allowance) }</dd>
                    <dt>{ "Verification" }</dt>
                    <dd class={classes!("registration", format!("state-{}", state_label(state).to_lowercase().replace(' ', "-")))}>{ state_label(state) }</dd>
                </dl>
                if !t.replies_received {
                    <p class="warning" role="note">{ format!("Until your number is verified, texts go from a shared number ({}): delivery is not guaranteed and replies are not received.", display_number(&t.sending_from)) }</p>
                }
                if let Some(reason) = &t.registration.reason {
                    <p class="warning">{ format!("The reviewers said: {reason}") }</p>
                }
                if may_submit {
                    <h3>{ "Verify your number" }</h3>
                    <p class="hint">{ "Carriers review each business number; it can take a few weeks. Your address comes from the Business card above." }</p>
                    { for FORM_FIELDS.iter().map(|(label, kind, get, put)| html! {
                        <Field label={*label} kind={*kind} value={get(f).clone()} oninput={bind(&form, *put)} />
                    }) }
                    <label class="field">
                        <span class="label">{ "What you text about" }</span>
                        <textarea rows="2" maxlength="500" value={f.use_case.clone()} oninput={set(&form, |f, e: InputEvent| f.use_case = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())} />
                    </label>
                    <label class="field">
                        <span class="label">{ "Sample messages, one per line (up to 5)" }</span>
                        <textarea rows="3" value={(*samples).clone()} oninput={{
                            let samples = samples.clone();
                            move |e: InputEvent| samples.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())
                        }} />
                    </label>
                    <label class="field">
                        <span class="label">{ "How clients agree to get texts" }</span>
                        <textarea rows="2" maxlength="500" value={f.opt_in_description.clone()} oninput={set(&form, |f, e: InputEvent| f.opt_in_description = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())} />
                    </label>
                    <label class="field">
                        <span class="label">{ "They agree through" }</span>
                        <select onchange={set(&form, |f, e: Event| f.opt_in_type = OptInType::ALL[e.target_unchecked_into::<web_sys::HtmlSelectElement>().selected_index().max(0) as usize])}>
                            { for OptInType::ALL.iter().map(|v| html! {
                                <option selected={f.opt_in_type == *v}>{ v.label() }</option>
                            }) }
                        </select>
                    </label>
                    <div class="field proof">
                        <span class="label">{ "Proof of how they agree" }</span>
                        if let Some(p) = &t.registration.opt_in_proof {
                            <p class="proof-kept">{ format!("✓ {} of {} KB, uploaded {}",
                                if p.content_type == "application/pdf" { "PDF" } else { "Screenshot" },
                                p.size.div_ceil(1024), p.uploaded_at.get(..10).unwrap_or(&p.uploaded_at)) }</p>
                        }
                        <input type="file" accept="image/png,image/jpeg,application/pdf" aria-label="Proof of how they agree" onchange={upload} />
                        <span class="hint">{ "A screenshot or scan of the form, page or sign-up where clients agree to texts (PNG, JPEG or PDF, 500 KB at most)." }</span>
                    </div>
                    <label class="field">
                        <span class="label">{ "The business is" }</span>
                        <select onchange={set(&form, |f, e: Event| f.business_type = BusinessType::ALL[e.target_unchecked_into::<web_sys::HtmlSelectElement>().selected_index().max(0) as usize])}>
                            { for BusinessType::ALL.iter().map(|v| html! {
                                <option selected={f.business_type == *v}>{ v.label() }</option>
                            }) }
                        </select>
                    </label>
                    <label class="field">
                        <span class="label">{ "Texts a month" }</span>
                        <select onchange={set(&form, |f, e: Event| f.monthly_volume = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value().parse().unwrap_or_default())}>
                            <option value="" selected={f.monthly_volume == 0}>{ "Choose…" }</option>
                            { for MONTHLY_VOLUMES.iter().map(|v| html! {
                                <option value={v.to_string()} selected={f.monthly_volume == *v}>{ format!("Up to {v}") }</option>
                            }) }
                        </select>
                    </label>
                    <div class="actions"><button type="button" class="primary" onclick={move |_: MouseEvent| submit()}>{ "Submit for verification" }</button></div>
                }
                if owner {
                    <fieldset class="field">
                        <legend class="label">{ "Also send as texts" }</legend>
                        <label class="choice compact"><input type="checkbox" checked={t.transactional.invites}
                            onchange={automatic(|t| &mut t.invites)} /><span>{ "Invite links, to clients added with a phone" }</span></label>
                        <label class="choice compact"><input type="checkbox" checked={t.transactional.welcome}
                            onchange={automatic(|t| &mut t.welcome)} /><span>{ "The welcome message" }</span></label>
                        <span class="hint">{ "Each counts against the month's segments. Never to a phone that replied STOP." }</span>
                    </fieldset>
                    <h3>{ "Turn texting off" }</h3>
                    <RadioGroup<AutoReply> name="auto_reply" legend="Texts that arrive while it is off"
                        selected={*auto_reply} onchange={{ let a = auto_reply.clone(); Callback::from(move |v| a.set(v)) }} choices={vec![
                            Choice::hinted(AutoReply::DoNotReply, "Answer that this number takes no replies", "One short text each time."),
                            Choice::new(AutoReply::None, "No answer"),
                        ]} />
                    <div class="actions"><button type="button" class="danger" onclick={move |_: MouseEvent| turn_off()}>{ "Turn off texting" }</button></div>
                    <p class="hint">{ "Your number is kept 90 days after you turn texting off." }</p>
                }
            }
            <FormError error={(*error).clone()} />
        </section>
    }
}
