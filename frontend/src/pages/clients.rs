//! The roster: search, paging, adding a client with their invite link, and a client's card.

use crate::app::Route;
use crate::components::company_select::{company_select, use_companies};
use crate::components::conversation::ConversationView;
use crate::components::field::{
    Choice, Field, FormError, RadioGroup, bind, bind_text, reset, set, use_form,
};
use crate::hooks::{load_status, use_fetch, use_paged};
use crate::pages::business::use_company_filter;
use crate::router::Link;
use crate::services::api;
use shared::api::{ClientWithInvite, CreateClientRequest, UpdateClientRequest};
use shared::model::{Client, ConversationKind, MessagingMode, ModeChangeReason};
use shared::{CompanyId, ConversationId, MessageId, UserId};
use yew::prelude::*;

fn invite_link(invite_url: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{invite_url}")
}

#[derive(Properties, PartialEq)]
struct ModeChoiceProps {
    value: MessagingMode,
    onchange: Callback<MessagingMode>,
}

/// The In-app messaging choice.
#[component]
fn ModeChoice(props: &ModeChoiceProps) -> Html {
    html! {
        <RadioGroup<MessagingMode> name="messaging" legend="In-app messaging" selected={props.value}
            onchange={props.onchange.clone()} choices={vec![
                Choice::hinted(MessagingMode::TwoWay, "Two-way", "You and the client message each other."),
                Choice::hinted(MessagingMode::OneWay, "One-way", "Only you send; the client reads."),
            ]} />
    }
}

#[component]
pub fn Clients() -> Html {
    let q = use_state(String::new);
    let adding = use_state(|| false);
    let added = use_state(|| None::<ClientWithInvite>);
    let companies = use_companies();
    let opened_for = use_company_filter();
    let company = use_state(|| opened_for);

    // The first page follows the search, the company and a client just added; "Show more"
    // appends the pages after it, until the first page is loaded again.
    let deps = ((*q).clone(), *company, added.as_ref().map(|a| a.client.id));
    let list = use_paged(deps, |(q, company, _), cursor| async move {
        api::clients(&q, company, cursor).await
    });
    let first = list.first.clone();
    let items = list.items();
    let on_search = bind_text(&q);
    let on_company = {
        let company = company.clone();
        Callback::from(move |c: Option<CompanyId>| company.set(c))
    };
    let company_name = |id: Option<CompanyId>| {
        id.and_then(|id| companies.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
    };
    let open_add = {
        let (adding, added) = (adding.clone(), added.clone());
        Callback::from(move |_| {
            added.set(None);
            adding.set(true);
        })
    };
    let on_added = {
        let (adding, added) = (adding.clone(), added.clone());
        Callback::from(move |result: ClientWithInvite| {
            adding.set(false);
            added.set(Some(result));
        })
    };
    let on_cancel = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(false))
    };

    html! {
        <div class="page clients">
            <div class="page-head">
                <h1>{ "Clients" }</h1>
                <button class="primary" onclick={open_add}>{ "Add new" }</button>
            </div>
            if *adding { <AddClient onadded={on_added} oncancel={on_cancel} /> }
            if let Some(a) = &*added { <InviteCard result={a.clone()} /> }
            <div class="filters">
                <input class="search" type="search" placeholder="Search by name" value={(*q).clone()} oninput={on_search} aria-label="Search clients" />
                if !companies.is_empty() {
                    { company_select("Company", &companies, *company, "All companies", on_company) }
                }
            </div>
            { load_status(&first) }
            if first.data().is_some_and(|p| p.items.is_empty()) {
                <p class="muted">{ match (q.trim().is_empty(), company.is_none()) {
                    (true, true) => "No clients yet. Add your first with Add new.",
                    _ => "No clients match.",
                } }</p>
            }
            <ul class="roster">
                { for items.iter().map(|c| html! {
                    <li key={c.id.to_string()}>
                        <Link to={Route::ClientProfile { id: c.id }} classes="row">
                            <span class="avatar" aria-hidden="true">{ crate::format::initials(&c.name) }</span>
                            <span class="summary">
                                <span class="title">{ c.name.clone() }</span>
                                <span class="preview">{ c.email.clone().or(c.phone.clone()).unwrap_or_default() }</span>
                            </span>
                            <span class="meta">
                                <span class="pill">{ if c.messaging == MessagingMode::OneWay { "One-way" } else { "Two-way" } }</span>
                                if let Some(name) = company_name(c.company_id) { <span class="pill company">{ name }</span> }
                                if !c.joined { <span class="pill muted">{ "Invited" }</span> }
                                if !c.active { <span class="pill muted">{ "Deactivated" }</span> }
                            </span>
                        </Link>
                    </li>
                }) }
            </ul>
            <FormError error={list.more_error()} />
            if list.has_more() { <button class="ghost more" onclick={list.more()}>{ "Show more" }</button> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct AddClientProps {
    onadded: Callback<ClientWithInvite>,
    oncancel: Callback<MouseEvent>,
}

/// The add-client form: the request it sends, as typed (blank contact fields are sent as none).
fn new_client() -> CreateClientRequest {
    CreateClientRequest {
        name: String::new(),
        email: None,
        phone: None,
        messaging: MessagingMode::TwoWay,
        company_id: None,
    }
}

/// A text field that is none while empty (the server reads a blank one as none too, and trims).
fn optional(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

#[component]
fn AddClient(props: &AddClientProps) -> Html {
    let form = use_form(new_client);
    let error = use_state(|| None::<String>);
    let companies = use_companies();
    let onsubmit = {
        let (form, error, onadded) = (form.clone(), error.clone(), props.onadded.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (error, onadded) = (error.clone(), onadded.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_client(&req).await {
                    Ok(r) => onadded.emit(r),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let f = &form.0;
    html! {
        <form class="card form" {onsubmit}>
            <h2>{ "Add a client" }</h2>
            <Field label="Name" value={f.name.clone()} oninput={bind(&form, |f, v| f.name = v)} />
            <Field label="Email" kind="email" value={f.email.clone().unwrap_or_default()} oninput={bind(&form, |f, v| f.email = optional(v))} />
            <Field label="Phone" kind="tel" value={f.phone.clone().unwrap_or_default()} oninput={bind(&form, |f, v| f.phone = optional(v))} hint="International form, like +14155550123" />
            <ModeChoice value={f.messaging} onchange={set(&form, |f, m| f.messaging = m)} />
            if !companies.is_empty() {
                { company_select("Company", &companies, f.company_id, "No company", set(&form, |f, c| f.company_id = c)) }
            }
            <FormError error={(*error).clone()} />
            <div class="actions">
                <button type="button" class="ghost" onclick={props.oncancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="primary">{ "Add client" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct InviteCardProps {
    result: ClientWithInvite,
}

/// The invite link after adding a client, with a copy button.
#[component]
fn InviteCard(props: &InviteCardProps) -> Html {
    let copied = use_state(|| false);
    let link = invite_link(&props.result.invite.url);
    let onclick = {
        let (link, copied) = (link.clone(), copied.clone());
        Callback::from(move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&link);
                copied.set(true);
            }
        })
    };
    html! {
        <div class="card invite" role="status">
            <p>{ match &props.result.client.email {
                Some(email) => format!("{} was added. We emailed the invite to {email}; you can also share the link:", props.result.client.name),
                None => format!("{} was added. Share this invite link with them:", props.result.client.name),
            } }</p>
            <div class="copy-row">
                <input readonly=true value={link.clone()} aria-label="Invite link" />
                <button class="primary" {onclick}>{ if *copied { "Copied" } else { "Copy link" } }</button>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ModeHistoryProps {
    id: UserId,
    /// The mode shown now: the history is fetched again when it changes.
    mode: MessagingMode,
}

fn mode_label(mode: MessagingMode) -> &'static str {
    match mode {
        MessagingMode::OneWay => "One-way",
        MessagingMode::TwoWay => "Two-way",
    }
}

/// Every change of the client's messaging mode: from, to, why, who and when.
#[component]
fn ModeHistory(props: &ModeHistoryProps) -> Html {
    // Loaded again when the mode changes, so the change just made is listed.
    let changes = use_fetch((props.id, props.mode), |(id, _)| async move {
        api::messaging_changes(id).await
    });
    let Some(list) = changes.data().map(|page| &page.items) else {
        return load_status(&changes);
    };
    html! {
        <section class="history">
            <h2>{ "Messaging changes" }</h2>
            if list.is_empty() {
                <p class="muted">{ "Unchanged since the client was added." }</p>
            } else {
                <ul class="changes">
                    { for list.iter().map(|c| {
                        let why = match c.reason {
                            ModeChangeReason::Manual => "set by hand",
                            ModeChangeReason::ProductPurchase => "product purchase",
                        };
                        let who = c.changed_by_name.clone().unwrap_or_else(|| "Sideline".into());
                        html! {
                            <li>
                                <strong>{ format!("{} → {}", mode_label(c.from), mode_label(c.to)) }</strong>
                                <span class="muted">{ format!(" · {why} · {who} · {} {}", crate::format::day_label(c.changed_at), crate::format::clock(c.changed_at)) }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ClientChatProps {
    conversation: ConversationId,
}

/// The chat tab of a client's card: the whole history with them, in the conversation view.
#[component]
fn ClientChat(props: &ClientChatProps) -> Html {
    let summary = use_fetch(props.conversation, |id| async move {
        api::conversation(id).await
    });
    let onread = {
        let conversation = props.conversation;
        Callback::from(move |message: MessageId| {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::mark_read(conversation, message).await;
            });
        })
    };
    match summary.data() {
        None => load_status(&summary),
        Some(summary) => html! {
            <div class="card profile-chat">
                <ConversationView key={props.conversation.to_string()} summary={summary.clone()} {onread} tools={crate::pages::tools::staff_tools()} />
            </div>
        },
    }
}

#[derive(Properties, PartialEq)]
pub struct ClientProfileProps {
    pub id: UserId,
    /// Which tab is open: the details (false) or the chat (true).
    #[prop_or_default]
    pub chat: bool,
}

/// The edit form of a client's card.
#[derive(Clone, Default)]
struct ClientEdit {
    name: String,
    email: String,
    phone: String,
    messaging: MessagingMode,
    company: Option<CompanyId>,
}

impl ClientEdit {
    fn of(c: &Client) -> Self {
        Self {
            name: c.name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            messaging: c.messaging,
            company: c.company_id,
        }
    }

    /// The edit to send: every field, a blank contact as none.
    fn request(&self) -> UpdateClientRequest {
        let contact = |s: &str| Some((!s.trim().is_empty()).then(|| s.trim().to_owned()));
        UpdateClientRequest {
            name: Some(self.name.clone()),
            email: contact(&self.email),
            phone: contact(&self.phone),
            messaging: Some(self.messaging),
            company_id: Some(self.company),
            active: None,
        }
    }
}

/// A client's card: a details tab (messaging mode and contact details, with Edit / Save) and a
/// chat tab with the whole history with them.
#[component]
pub fn ClientProfile(props: &ClientProfileProps) -> Html {
    let client = use_fetch(props.id, |id| async move { api::client(id).await });
    let editing = use_state(|| false);
    // Switching the mode by hand is the owner's and admins' (a coach's edit keeps it).
    let sets_mode = crate::hooks::use_session()
        .current()
        .is_some_and(|s| shared::rules::can_manage_business(s.user.role).is_ok());
    let form = use_form(ClientEdit::default);
    let error = use_state(|| None::<String>);
    let invite = use_state(|| None::<ClientWithInvite>);
    let companies = use_companies();
    let navigator = crate::router::use_navigator();
    let Some(c) = client.data().cloned() else {
        return html! { <div class="page">{ load_status(&client) }</div> };
    };
    let start_edit = {
        let (editing, form, c) = (editing.clone(), form.clone(), c.clone());
        Callback::from(move |_| {
            reset(&form, ClientEdit::of(&c));
            editing.set(true);
        })
    };
    let save = {
        let (editing, form, error, client, id) = (
            editing.clone(),
            form.clone(),
            error.clone(),
            client.clone(),
            props.id,
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.request();
            let (editing, error, client, id) = (editing.clone(), error.clone(), client.clone(), id);
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_client(id, &req).await {
                    Ok(updated) => {
                        client.set(updated);
                        editing.set(false);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let reinvite = {
        let (invite, error, id) = (invite.clone(), error.clone(), props.id);
        Callback::from(move |_| {
            let (invite, error, id) = (invite.clone(), error.clone(), id);
            wasm_bindgen_futures::spawn_local(async move {
                match api::reinvite(id).await {
                    Ok(r) => {
                        invite.set(Some(r));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    // Deactivating (or reactivating) is the owner's and admins', like setting the mode.
    let toggle_active = {
        let (client, error, id, active) = (client.clone(), error.clone(), props.id, c.active);
        Callback::from(move |_| {
            let (client, error) = (client.clone(), error.clone());
            let req = UpdateClientRequest {
                active: Some(!active),
                ..Default::default()
            };
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_client(id, &req).await {
                    Ok(updated) => {
                        client.set(updated);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    // Removing is for good: asked again, then back to the list.
    let remove = {
        let (error, id, name, navigator) =
            (error.clone(), props.id, c.name.clone(), navigator.clone());
        Callback::from(move |_| {
            let asked = format!(
                "Remove {name}? They can no longer sign in and leave every list. Their messages stay."
            );
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(&asked).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
            let (error, navigator) = (error.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::remove_client(id).await {
                    Ok(()) => navigator.push(&Route::Clients),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(false))
    };
    let on_coach = {
        let client = client.clone();
        Callback::from(move |c: Client| client.set(c))
    };
    // A purchase may have changed the mode: show it, which also refreshes the history.
    let on_bought = {
        let client = client.clone();
        Callback::from(move |p: shared::model::Purchase| {
            if let Some(mut c) = client.data().cloned() {
                c.messaging = p.mode_after;
                client.set(c);
            }
        })
    };
    let tabs = html! {
        <nav class="segmented" aria-label="Client">
            <Link to={Route::ClientProfile { id: props.id }} classes={classes!("tab", (!props.chat).then_some("active"))}>{ "Details" }</Link>
            <Link to={Route::ClientChat { id: props.id }} classes={classes!("tab", props.chat.then_some("active"))}>{ "Chat" }</Link>
        </nav>
    };
    if props.chat {
        return html! {
            <div class="page profile">
                <div class="page-head">
                    <h1>{ c.name.clone() }</h1>
                    { tabs }
                </div>
                { match c.conversation_id {
                    Some(id) => html! { <ClientChat conversation={id} /> },
                    None => html! { <ClientChannels client={c.clone()} onstarted={on_coach.clone()} /> },
                } }
            </div>
        };
    }
    html! {
        <div class="page profile">
            <div class="page-head">
                <h1>{ c.name.clone() }</h1>
                { tabs }
            </div>
            <div class="card">
                if *editing {
                    <form class="form" onsubmit={save}>
                        <Field label="Name" value={form.0.name.clone()} oninput={bind(&form, |f, v| f.name = v)} />
                        <Field label="Email" kind="email" value={form.0.email.clone()} oninput={bind(&form, |f, v| f.email = v)} />
                        <Field label="Phone" kind="tel" value={form.0.phone.clone()} oninput={bind(&form, |f, v| f.phone = v)} />
                        if sets_mode {
                            <ModeChoice value={form.0.messaging} onchange={set(&form, |f, m| f.messaging = m)} />
                        }
                        if !companies.is_empty() {
                            { company_select("Company", &companies, form.0.company, "No company", set(&form, |f, c| f.company = c)) }
                        }
                        <FormError error={(*error).clone()} />
                        <div class="actions">
                            <button type="button" class="ghost" onclick={cancel}>{ "Cancel" }</button>
                            <button type="submit" class="primary">{ "Save" }</button>
                        </div>
                    </form>
                } else {
                    <dl class="details">
                        <dt>{ "Email" }</dt><dd>{ c.email.clone().unwrap_or_else(|| "—".into()) }
                            if !c.other_emails.is_empty() { <span class="muted">{ format!(" · also {}", c.other_emails.join(", ")) }</span> }
                        </dd>
                        <dt>{ "Phone" }</dt><dd>{ c.phone.clone().unwrap_or_else(|| "—".into()) }
                            if c.sms_opted_out == Some(true) { <span class="opted-out">{ " · Opted out of texts (replied STOP)" }</span> }
                            if !c.other_phones.is_empty() { <span class="muted">{ format!(" · also {}", c.other_phones.join(", ")) }</span> }
                        </dd>
                        <dt>{ "In-app messaging" }</dt><dd>{ mode_label(c.messaging) }</dd>
                        <dt>{ "Company" }</dt><dd>{ c.company_id.and_then(|id| companies.iter().find(|x| x.id == id)).map(|x| x.name.clone()).unwrap_or_else(|| "—".into()) }</dd>
                        <dt>{ "Status" }</dt><dd>{ match (c.active, c.joined) {
                            (false, _) => "Deactivated: cannot sign in; the conversation is read-only",
                            (true, true) => "Joined",
                            (true, false) => "Invited",
                        } }</dd>
                        <dt>{ "Coach" }</dt><dd><crate::components::coach_picker::CoachPicker client={props.id} coach_id={c.coach_id} onchanged={on_coach.clone()} /></dd>
                    </dl>
                    <FormError error={(*error).clone()} />
                    <div class="actions">
                        if !c.joined && c.active { <button class="ghost" onclick={reinvite}>{ "New invite link" }</button> }
                        <Link to={Route::Audit} query={crate::router::query(&[("user_id", &props.id.to_string())])} classes="button ghost">{ "Access history" }</Link>
                        if sets_mode {
                            <button class="ghost" onclick={toggle_active}>{ if c.active { "Deactivate" } else { "Reactivate" } }</button>
                            <button class="ghost danger" onclick={remove}>{ "Remove" }</button>
                        }
                        <button class="primary" onclick={start_edit}>{ "Edit" }</button>
                    </div>
                    if sets_mode && !c.joined {
                        <MergeClient key={c.id.to_string()} client={c.clone()} />
                    }
                    <ClientChannels client={c.clone()} onstarted={on_coach.clone()} />
                    <crate::pages::products::ClientPurchases client={props.id} onbought={on_bought} />
                    <ModeHistory id={props.id} mode={c.messaging} />
                }
            </div>
            if let Some(r) = &*invite { <InviteCard result={r.clone()} /> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct MergeClientProps {
    client: Client,
}

/// Merging this client (one who never signed in: someone who texted from a new number, or
/// a client added twice) into the client they are: pick them, confirm, and their card opens
/// with everything of this one.
#[component]
fn MergeClient(props: &MergeClientProps) -> Html {
    let open = use_state(|| false);
    let into = use_state(Vec::<UserId>::new);
    let error = use_state(|| None::<String>);
    let navigator = crate::router::use_navigator();
    let c = &props.client;
    if !*open {
        let show = {
            let open = open.clone();
            Callback::from(move |_| open.set(true))
        };
        return html! {
            <div class="start-chat">
                <button class="ghost" onclick={show}>{ "Merge into another client…" }</button>
            </div>
        };
    }
    // One client at most: ticking another replaces the choice.
    let pick = {
        let into = into.clone();
        Callback::from(move |id: UserId| {
            into.set(if into.first() == Some(&id) {
                Vec::new()
            } else {
                vec![id]
            })
        })
    };
    let cancel = {
        let open = open.clone();
        Callback::from(move |_| open.set(false))
    };
    let merge = {
        let (error, navigator, id, name) = (error.clone(), navigator.clone(), c.id, c.name.clone());
        let target = into.first().copied();
        Callback::from(move |_| {
            let Some(target) = target else {
                error.set(Some("Choose the client to merge into.".into()));
                return;
            };
            let asked = format!(
                "Merge {name} into the client you chose? {name}'s messages, purchases, groups, \
                 email and phone move to them, and {name} is removed. This can't be undone."
            );
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(&asked).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
            let (error, navigator) = (error.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::merge_client(id, target).await {
                    Ok(kept) => navigator.push(&Route::ClientProfile { id: kept.id }),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <section class="history merge">
            <h2>{ format!("Merge {} into…", c.name) }</h2>
            <p class="muted">{ "Everything of this client moves to the one you choose: messages (in one conversation, by time), purchases, groups, email and phone. Then this client is removed." }</p>
            <crate::components::client_picker::ClientPicker chosen={(*into).clone()} except={vec![c.id]}
                ontoggle={pick} legend="Merge into" />
            <FormError error={(*error).clone()} />
            <div class="actions">
                <button type="button" class="ghost" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="danger" onclick={merge} disabled={into.is_empty()}>{ "Merge" }</button>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ClientChannelsProps {
    client: Client,
    onstarted: Callback<Client>,
}

/// The conversations this client is in (that the viewer is in too); for a client added
/// straight into their company's channel, a button that starts their private conversation
/// (with the welcome message).
#[component]
fn ClientChannels(props: &ClientChannelsProps) -> Html {
    let error = use_state(|| None::<String>);
    let start = {
        let (id, onstarted, error) = (props.client.id, props.onstarted.clone(), error.clone());
        Callback::from(move |_| {
            let (id, onstarted, error) = (id, onstarted.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::start_conversation(id).await {
                    Ok(c) => onstarted.emit(c),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let key = (
        props.client.id,
        props.client.company_id,
        props.client.conversation_id,
    );
    let list = use_fetch(key, |(id, _, _)| async move {
        api::client_conversations(id).await
    });
    let Some(list) = list.data() else {
        return load_status(&list);
    };
    let kind = |k: ConversationKind| match k {
        ConversationKind::Private => "Private",
        ConversationKind::Group => "Group",
        ConversationKind::Company => "Company",
    };
    html! {
        <section class="history channels">
            <h2>{ "Conversations" }</h2>
            <ul class="channel-list">
                { for list.iter().map(|c| html! {
                    <li key={c.id.to_string()}>
                        <Link to={Route::Conversation { id: c.id }}>{ c.title.clone() }</Link>
                        <span class="pill">{ kind(c.kind) }</span>
                    </li>
                }) }
            </ul>
            if props.client.conversation_id.is_none() {
                <div class="start-chat">
                    <p class="muted">{ "This client is in their company's channel only." }</p>
                    <FormError error={(*error).clone()} />
                    <button class="primary" onclick={start}>{ "Start a private conversation" }</button>
                </div>
            }
        </section>
    }
}
