//! Running the business: companies and their channels, mass messages with their live progress,
//! and the settings (welcome message, default channel, needs attention; the business's country
//! and address).

use crate::app::Route;
use crate::components::client_picker::{ClientPicker, toggle_in};
use crate::components::company_select::{company_select, use_companies};
use crate::components::field::{Choice, Field, FormError, RadioGroup, bind, reset, set, use_form};
use crate::hooks::{load_status, use_chat, use_fetch, use_session};
use crate::router::{Link, use_location};
use crate::services::api;
use shared::api::{
    CreateCompanyRequest, CreateMassMessageRequest, UpdateBusinessRequest, UpdateSettingsRequest,
};
use shared::events::*;
use shared::model::{Address, DefaultChannel, MassMessage, MassStatus, Recipients, Settings};
use shared::sms::Channel;
use shared::{CompanyId, ProductId, UserId};
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

/// The query that opens a page for `company`: `company=<id>`.
pub fn company_query(company: CompanyId) -> AttrValue {
    crate::router::query(&[("company", &company.to_string())])
}

/// The company a page was opened for, if its address names one ([`company_query`]).
#[hook]
pub fn use_company_filter() -> Option<CompanyId> {
    use_location()
        .param("company")
        .and_then(|id| id.parse().ok())
}

/// The companies page: each company with its channel and clients, and a form to add one.
#[component]
pub fn Companies() -> Html {
    let fetch = use_fetch((), |_| api::companies());
    let form = use_form(|| CreateCompanyRequest {
        name: String::new(),
    });
    let error = use_state(|| None::<String>);
    let companies = fetch.data().cloned().unwrap_or_default();
    let onsubmit = {
        let (companies, form, error) = (fetch.clone(), form.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (companies, form, error) = (companies.clone(), form.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_company(&req).await {
                    Ok(c) => {
                        let mut next = companies.data().cloned().unwrap_or_default();
                        next.push(c);
                        companies.set(next);
                        reset(
                            &form,
                            CreateCompanyRequest {
                                name: String::new(),
                            },
                        );
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <div class="page companies">
            <div class="page-head"><h1>{ "Companies" }</h1></div>
            { load_status(&fetch) }
            <ul class="roster">
                { for companies.iter().map(|c| html! {
                    <li key={c.id.to_string()} class="row">
                        <span class="avatar" aria-hidden="true">{ "🏢" }</span>
                        <span class="summary"><span class="title">{ c.name.clone() }</span></span>
                        <span class="meta links">
                            <Link to={Route::Clients} query={company_query(c.id)} classes="button ghost">{ "Clients" }</Link>
                            <Link to={Route::Conversation { id: c.channel_id }} classes="button ghost">{ "Channel" }</Link>
                            <Link to={Route::NewGroup} query={company_query(c.id)} classes="button ghost">{ "New conversation" }</Link>
                        </span>
                    </li>
                }) }
                if companies.is_empty() && fetch.data().is_some() { <li class="muted">{ "No companies yet." }</li> }
            </ul>
            <form class="card form" {onsubmit}>
                <h2>{ "Add a company" }</h2>
                <p class="muted">{ "Its channel holds every client you put in the company, and follows as they join or leave." }</p>
                <Field label="Company name" value={form.0.name.clone()} oninput={bind(&form, |f, v| f.name = v)} />
                <FormError error={(*error).clone()} />
                <div class="actions"><button type="submit" class="primary">{ "Add company" }</button></div>
            </form>
        </div>
    }
}

/// Who a mass message goes to, as chosen on the page.
#[derive(Clone, Copy, PartialEq)]
enum Audience {
    All,
    Company,
    Product,
    Chosen,
}

/// The mass message form.
#[derive(Clone)]
struct MassForm {
    body: String,
    /// When to send it (`datetime-local`, the viewer's clock); empty: now.
    send_at: String,
    audience: Audience,
    company: Option<CompanyId>,
    product: Option<ProductId>,
    chosen: Vec<UserId>,
    /// In the app, or as marketing texts.
    channel: Channel,
}

/// One message to many clients, each in their own conversation, and its progress.
#[component]
pub fn MassMessagePage() -> Html {
    let companies = use_companies();
    let products = use_fetch((), |_| async { api::products().await.map(|p| p.items) });
    let products = products.data().cloned().unwrap_or_default();
    let opened_for = use_company_filter();
    let form = use_form(|| MassForm {
        body: String::new(),
        send_at: String::new(),
        audience: match opened_for {
            Some(_) => Audience::Company,
            None => Audience::All,
        },
        company: opened_for,
        product: None,
        chosen: Vec::new(),
        channel: Channel::InApp,
    });
    // Texts are offered once the business has texting on.
    let texting = use_fetch((), |_| api::texting());
    let texting_on = texting.data().is_some_and(|t| t.enabled);
    let error = use_state(|| None::<String>);
    let job = use_state(|| None::<MassMessage>);
    let scheduled = use_state(|| None::<shared::api::ScheduledMessage>);
    // The job's progress, live from its events, and looked up while it runs in case the
    // connection dropped one.
    let chat = use_chat();
    {
        let job = job.clone();
        let progress = (*job)
            .as_ref()
            .and_then(|j| chat.mass_progress.get(&j.id.as_str().to_owned()).cloned());
        use_effect_with(progress, move |progress| {
            if let (
                Some(MassMessageProgress {
                    id,
                    status,
                    sent,
                    failed,
                }),
                Some(current),
            ) = (progress, &*job)
                && *id == current.id
                && current.status != MassStatus::Done
                && (sent + failed >= current.sent + current.failed || *status == MassStatus::Done)
            {
                job.set(Some(MassMessage {
                    status: *status,
                    sent: *sent,
                    failed: *failed,
                    ..current.clone()
                }));
            }
        });
    }
    {
        let job = job.clone();
        let running = job
            .as_ref()
            .filter(|j| j.status != MassStatus::Done)
            .map(|j| j.id.clone());
        use_effect_with(running, move |running| {
            let poll = running.clone().map(|id| {
                gloo_timers::callback::Interval::new(2_000, move || {
                    let (job, id) = (job.clone(), id.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(j) = api::mass_message(&id).await {
                            job.set(Some(j));
                        }
                    });
                })
            });
            move || drop(poll)
        });
    }
    let onsubmit = {
        let (form, error, job, scheduled) =
            (form.clone(), error.clone(), job.clone(), scheduled.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let f = &form.0;
            let recipients = match f.audience {
                Audience::All => Recipients::All { all: true },
                Audience::Company => match f.company {
                    Some(company_id) => Recipients::Company { company_id },
                    None => return error.set(Some("Choose the company.".into())),
                },
                Audience::Product => match f.product {
                    Some(product_id) => Recipients::Product { product_id },
                    None => return error.set(Some("Choose the product.".into())),
                },
                Audience::Chosen => Recipients::Clients {
                    client_ids: f.chosen.clone(),
                },
            };
            let send_at = crate::pages::scheduled::instant_of(&f.send_at);
            if !f.send_at.is_empty() && send_at.is_none() {
                return error.set(Some("Choose a date and time, or send it now.".into()));
            }
            let req = CreateMassMessageRequest {
                id: crate::format::new_client_message_id(),
                body: f.body.clone(),
                recipients,
                send_at,
                channel: f.channel,
            };
            let (error, job, form) = (error.clone(), job.clone(), form.clone());
            if send_at.is_some() {
                let scheduled = scheduled.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match api::schedule_mass(&req).await {
                        Ok(s) => {
                            error.set(None);
                            reset(
                                &form,
                                MassForm {
                                    body: String::new(),
                                    send_at: String::new(),
                                    ..form.0.clone()
                                },
                            );
                            scheduled.set(Some(s));
                        }
                        Err(e) => error.set(Some(e.message)),
                    }
                });
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_mass_message(&req).await {
                    Ok(accepted) => {
                        error.set(None);
                        reset(
                            &form,
                            MassForm {
                                body: String::new(),
                                ..form.0.clone()
                            },
                        );
                        job.set(Some(accepted));
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let on_product = set(&form, |f, e: Event| {
        f.product = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value()
            .parse()
            .ok();
    });
    let on_body = set(&form, |f, e: InputEvent| {
        f.body = e
            .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
            .value();
    });
    let f = &form.0;
    html! {
        <div class="page mass">
            if let Some(j) = &*job { { progress(j) } }
            if let Some(s) = &*scheduled {
                <section class="card job" role="status">
                    <div class="job-head">
                        <h2>{ "Scheduled" }</h2>
                        <span class="pill">{ crate::pages::scheduled::when(s.send_at) }</span>
                    </div>
                    <p class="preview">{ s.body.clone() }</p>
                </section>
            }
            <form class="card form" {onsubmit}>
                <h1>{ "Mass message" }</h1>
                <p class="muted">{ "Each client receives it in their own conversation with you, as a normal message: nobody sees who else got it, and replies come back to you one to one." }</p>
                <label class="field">
                    <span class="label">{ "Message" }</span>
                    <textarea rows="4" value={f.body.clone()} oninput={on_body} />
                </label>
                <RadioGroup<Audience> name="audience" legend="Send to" compact=true selected={f.audience}
                    onchange={set(&form, |f, a| f.audience = a)} choices={vec![
                        Choice::new(Audience::All, "All clients"),
                        Choice::new(Audience::Company, "Everyone at a company"),
                        Choice::new(Audience::Product, "Everyone who bought a product"),
                        Choice::new(Audience::Chosen, "Clients I choose"),
                    ]} />
                if f.audience == Audience::Company {
                    { company_select("Company", &companies, f.company, "Choose a company", set(&form, |f, c| f.company = c)) }
                }
                if f.audience == Audience::Product {
                    <label class="field">
                        <span class="label">{ "Product" }</span>
                        <select onchange={on_product}>
                            <option value="" selected={f.product.is_none()}>{ "Choose a product" }</option>
                            { for products.iter().map(|p| html! {
                                <option key={p.id.to_string()} value={p.id.to_string()} selected={f.product == Some(p.id)}>{ p.name.clone() }</option>
                            }) }
                        </select>
                    </label>
                }
                if texting_on {
                    <RadioGroup<Channel> name="channel" legend="Send as" compact=true selected={f.channel}
                        onchange={set(&form, |f, c| f.channel = c)} choices={vec![
                            Choice::new(Channel::InApp, "A message in the app"),
                            Choice::new(Channel::Sms, "A text to each phone"),
                        ]} />
                    if f.channel == Channel::Sms {
                        <p class="hint">{ text_hint(&f.body) }</p>
                    }
                }
                if f.audience == Audience::Chosen {
                    <ClientPicker chosen={f.chosen.clone()} except={Vec::<UserId>::new()} ontoggle={set(&form, |f, id| toggle_in(&mut f.chosen, id))} legend="Clients" />
                }
                <label class="field">
                    <span class="label">{ "Send later (optional)" }</span>
                    <input type="datetime-local" value={f.send_at.clone()}
                        oninput={set(&form, |f, e: InputEvent| f.send_at = e.target_unchecked_into::<web_sys::HtmlInputElement>().value())} />
                    <span class="hint">{ "Your time. Leave empty to send now." }</span>
                </label>
                <FormError error={(*error).clone()} />
                <div class="actions"><button type="submit" class="primary">{ if f.send_at.is_empty() { "Send to each" } else { "Schedule" } }</button></div>
            </form>
        </div>
    }
}

/// What a mass text costs and how it goes: its segments per client, from the shared number.
fn text_hint(body: &str) -> String {
    let plain = shared::markup::plain_text(&shared::markup::parse(body), &|_| None);
    let parts = shared::sms::segments(&plain);
    format!(
        "{} segment{} per client, from the shared number: marketing texts, so replies are not \
         received. Clients without a phone or who replied STOP are skipped.",
        parts.segments,
        if parts.segments == 1 { "" } else { "s" }
    )
}

/// Where a mass message is: queued, sending, done; sent and failed so far.
fn progress(job: &MassMessage) -> Html {
    let (label, class) = match job.status {
        MassStatus::Queued => ("Queued", "pill"),
        MassStatus::Sending => ("Sending…", "pill"),
        MassStatus::Done => ("Done", "pill ok"),
    };
    html! {
        <section class="card job" role="status" aria-live="polite">
            <div class="job-head">
                <h2>{ "Delivery" }</h2>
                <span class={class} data-status={label}>{ label }</span>
            </div>
            <p class="preview">{ job.body.clone() }</p>
            <dl class="details">
                <dt>{ "Sent" }</dt><dd class="sent">{ job.sent }</dd>
                <dt>{ "Failed" }</dt><dd class="failed">{ job.failed }</dd>
            </dl>
        </section>
    }
}

/// The business's settings: the welcome message (with a live preview) and where clients of a
/// company start.
#[component]
pub fn SettingsPage() -> Html {
    let session = use_session();
    let current = session.current();
    let (my_name, business) = current
        .as_ref()
        .map(|s| (s.user.name.clone(), s.user.business_name.clone()))
        .unwrap_or_default();
    let loaded = use_fetch((), |_| api::settings());
    let business_saved = use_state(|| 0u32);
    let form = use_form(Settings::default);
    let error = use_state(|| None::<String>);
    // What was last saved: "Saved" shows while the form still says that.
    let saved = use_state(|| None::<Settings>);
    {
        let form = form.clone();
        use_effect_with(loaded.data().cloned(), move |settings| {
            if let Some(s) = settings {
                reset(&form, s.clone());
            }
        });
    }
    let onsubmit = {
        let (form, error, saved) = (form.clone(), error.clone(), saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let settings = form.0.clone();
            let req = UpdateSettingsRequest {
                welcome_message: Some(settings.welcome_message.clone()),
                default_channel: Some(settings.default_channel),
                needs_attention_hours: Some(settings.needs_attention_hours),
            };
            let (error, saved) = (error.clone(), saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_settings(&req).await {
                    Ok(now) => {
                        error.set(None);
                        saved.set(Some(now));
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let on_text = set(&form, |f, e: InputEvent| {
        f.welcome_message.text = e
            .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
            .value();
    });
    let insert = |placeholder: &'static str| {
        let add = set(&form, |f, placeholder: &'static str| {
            let text = &mut f.welcome_message.text;
            if !(text.is_empty() || text.ends_with(' ')) {
                text.push(' ');
            }
            text.push_str(placeholder);
        });
        let onclick = add.reform(move |_: MouseEvent| placeholder);
        html! { <button type="button" class="chip" {onclick}>{ placeholder }</button> }
    };
    let f = &form.0;
    let enabled = f.welcome_message.enabled;
    let preview = f.welcome_message.render("Maya Lopez", &my_name, &business);
    if loaded.data().is_none() {
        return html! { <div class="page">{ load_status(&loaded) }</div> };
    }
    html! {
        <div class="page settings">
            <form class="card form" {onsubmit}>
                <h1>{ "Settings" }</h1>
                <h2>{ "Welcome message" }</h2>
                <label class="choice">
                    <input type="checkbox" checked={enabled} onchange={set(&form, |f, _: Event| f.welcome_message.enabled = !f.welcome_message.enabled)} />
                    <span><strong>{ "Greet new clients" }</strong><span class="hint">{ "Posted from you as the first message of every new client's conversation." }</span></span>
                </label>
                <label class="field">
                    <span class="label">{ "Text" }</span>
                    <textarea rows="4" value={f.welcome_message.text.clone()} oninput={on_text} disabled={!enabled} />
                </label>
                <div class="chips" aria-label="Insert a placeholder">
                    { insert("{client_first_name}") }
                    { insert("{coach_name}") }
                    { insert("{business_name}") }
                </div>
                if enabled {
                    <div class="welcome-preview" aria-label="Preview">
                        <span class="label">{ "Preview, for a client named Maya Lopez" }</span>
                        <div class="bubble mine">{ preview }</div>
                    </div>
                }
                <h2>{ "Clients of a company" }</h2>
                <RadioGroup<DefaultChannel> name="default_channel" legend="When you add a client who belongs to a company"
                    selected={f.default_channel} onchange={set(&form, |f, d| f.default_channel = d)} choices={vec![
                        Choice::hinted(DefaultChannel::Individual, "Their own conversation", "They also join their company's channel."),
                        Choice::hinted(DefaultChannel::Company, "Their company's channel only", "Start a private conversation from their card when you need one."),
                    ]} />
                <h2>{ "Needs attention" }</h2>
                <label class="field">
                    <span class="label">{ "Hours a client may wait for an answer" }</span>
                    <input type="number" min="1" max="168" value={f.needs_attention_hours.to_string()}
                        oninput={set(&form, |f, e: InputEvent| {
                            if let Ok(h) = e.target_unchecked_into::<web_sys::HtmlInputElement>().value().parse() {
                                f.needs_attention_hours = h;
                            }
                        })} />
                    <span class="hint">{ "After that, their conversation moves to “Needs attention” in the inbox and their coach is told." }</span>
                </label>
                <FormError error={(*error).clone()} />
                <div class="actions">
                    if saved.as_ref() == Some(f) { <span class="muted" role="status">{ "Saved" }</span> }
                    <button type="submit" class="primary">{ "Save" }</button>
                </div>
            </form>
            <BusinessForm onsaved={{ let b = business_saved.clone(); Callback::from(move |_| b.set(*b + 1)) }} />
            // Read again once the country may have changed.
            <super::texting::TextingCard key={business_saved.to_string()} />
        </div>
    }
}

/// Every country, by its name in the browser's language (the browser knows the names), as
/// (code, name) sorted by name.
fn countries() -> Vec<(&'static str, String)> {
    let names = js_sys::Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| js_sys::Reflect::get(&intl, &"DisplayNames".into()))
        .ok()
        .and_then(|ctor| {
            let options = js_sys::Object::new();
            js_sys::Reflect::set(&options, &"type".into(), &"region".into()).ok()?;
            let args = js_sys::Array::of2(&js_sys::Array::new(), &options);
            js_sys::Reflect::construct(ctor.dyn_ref::<js_sys::Function>()?, &args).ok()
        });
    let name = |code: &str| -> Option<String> {
        let names = names.as_ref()?;
        let of: js_sys::Function = js_sys::Reflect::get(names, &"of".into())
            .ok()?
            .dyn_into()
            .ok()?;
        of.call1(names, &code.into()).ok()?.as_string()
    };
    let mut all: Vec<(&'static str, String)> = shared::validate::country_codes()
        .map(|c| (c, name(c).unwrap_or_else(|| c.to_owned())))
        .collect();
    all.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    all
}

type AddressField = (
    &'static str,
    &'static str,
    fn(&Address) -> &String,
    fn(&mut Address, String),
);

/// The address form's fields: label, autocomplete, and where each goes.
const ADDRESS_FIELDS: [AddressField; 5] = [
    (
        "Street address",
        "address-line1",
        |a| &a.line1,
        |a, v| a.line1 = v,
    ),
    (
        "Apartment, suite (optional)",
        "address-line2",
        |a| &a.line2,
        |a, v| a.line2 = v,
    ),
    ("City", "address-level2", |a| &a.city, |a, v| a.city = v),
    (
        "State or province",
        "address-level1",
        |a| &a.region,
        |a, v| a.region = v,
    ),
    (
        "Postal code",
        "postal-code",
        |a| &a.postal_code,
        |a, v| a.postal_code = v,
    ),
];

/// The business's country and address (two-way texting is for the United States and Canada,
/// and its registration needs the address). The owner and admins change them.
#[derive(Properties, PartialEq)]
struct BusinessFormProps {
    /// After each save.
    onsaved: Callback<()>,
}

#[component]
fn BusinessForm(props: &BusinessFormProps) -> Html {
    let loaded = use_fetch((), |_| api::business());
    let country = use_state(String::new);
    let form = use_form(Address::default);
    let error = use_state(|| None::<String>);
    let saved = use_state(|| None::<shared::model::BusinessInfo>);
    let list = use_memo((), |_| countries());
    {
        let (form, country) = (form.clone(), country.clone());
        use_effect_with(loaded.data().cloned(), move |info| {
            if let Some(info) = info {
                country.set(
                    info.country
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                );
                reset(&form, info.address.clone().unwrap_or_default());
            }
        });
    }
    let Some(info) = saved.as_ref().or(loaded.data()).cloned() else {
        return html! {};
    };
    let onsubmit = {
        let (form, country, error, saved) =
            (form.clone(), country.clone(), error.clone(), saved.clone());
        let onsaved = props.onsaved.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = form.0.clone();
            let blank = address == Address::default();
            let req = UpdateBusinessRequest {
                country: (!country.is_empty()).then(|| (*country).clone()),
                address: (!blank).then_some(address),
            };
            let (error, saved, onsaved) = (error.clone(), saved.clone(), onsaved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_business(&req).await {
                    Ok(now) => {
                        error.set(None);
                        saved.set(Some(now));
                        onsaved.emit(());
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let on_country = {
        let country = country.clone();
        Callback::from(move |e: Event| {
            country.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        })
    };
    let f = &form.0;
    let unchanged = saved.as_ref().is_some_and(|s| {
        s.address.clone().unwrap_or_default() == *f
            && s.country.as_ref().map(|c| c.as_str()) == Some(country.as_str())
    });
    html! {
        <form class="card form business-info" {onsubmit}>
            <h2>{ "Business" }</h2>
            <p class="muted">{ info.name.clone() }</p>
            <label class="field">
                <span class="label">{ "Country" }</span>
                <select onchange={on_country}>
                    <option value="" selected={country.is_empty()}>{ "Choose…" }</option>
                    { for list.iter().map(|(code, name)| html! {
                        <option value={*code} selected={*country == *code}>{ name.clone() }</option>
                    }) }
                </select>
                <span class="hint">{
                    if info.texting_available { "Two-way texting can be turned on for your business." }
                    else { "Two-way texting is for businesses in the United States and Canada." }
                }</span>
            </label>
            { for ADDRESS_FIELDS.iter().map(|(label, autocomplete, get, put)| html! {
                <Field label={*label} value={get(f).clone()} autocomplete={*autocomplete} oninput={bind(&form, *put)} />
            }) }
            <FormError error={(*error).clone()} />
            <div class="actions">
                if unchanged { <span class="muted" role="status">{ "Saved" }</span> }
                <button type="submit" class="primary">{ "Save" }</button>
            </div>
        </form>
    }
}
