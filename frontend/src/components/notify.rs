//! Notifications in the apps: the settings of the account page (this device's pushes, email
//! digests, quiet hours in the person's own time zone), the offer to turn pushes on (the staff
//! app's after a message is sent, the door's on a client's way to their messages), and the
//! staff app's bell (unread count, the list, mark read; a browser notification when the tab
//! is hidden).

use crate::app::Route;
use crate::hooks::use_chat;
use crate::router::use_navigator;
use crate::services::api;
use gloo_storage::{LocalStorage, Storage};
use shared::api::{
    MarkNotificationsRead, Notification, NotificationList, UpdateNotificationSettings,
};
use shared::model::{NotificationSettings, QuietHours};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{NotificationPermission, PushSubscription, ServiceWorkerRegistration};
use yew::prelude::*;

/// Where this device keeps the id of its push subscription (to forget it on sign-out).
pub const PUSH_KEY: &str = "sideline.push";

/// What this device keeps under `key`, as text (no JSON reader in the apps; quotes of what
/// was once kept as JSON dropped).
fn stored(key: &str) -> Option<String> {
    let value = LocalStorage::raw().get_item(key).ok().flatten()?;
    Some(value.trim_matches('"').to_owned())
}

/// The browser's time zone (IANA), for quiet hours.
fn browser_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

fn permission() -> NotificationPermission {
    web_sys::Notification::permission()
}

async fn registration() -> Result<ServiceWorkerRegistration, String> {
    let window = web_sys::window().ok_or("No window.")?;
    let ready = window
        .navigator()
        .service_worker()
        .ready()
        .map_err(|_| "This browser cannot receive notifications.")?;
    Ok(JsFuture::from(ready)
        .await
        .map_err(|_| "The app's service worker is not running.")?
        .unchecked_into())
}

/// Asks for permission (on a tap), subscribes this browser with the server's key and registers
/// it: pushes reach this device from now on.
pub async fn enable_push() -> Result<(), String> {
    if let Ok(asked) = web_sys::Notification::request_permission() {
        let _ = JsFuture::from(asked).await;
    }
    if permission() != NotificationPermission::Granted {
        return Err(
            "Notifications are blocked for this site: allow them in the browser's site settings."
                .into(),
        );
    }
    let key = api::push_key().await.map_err(|e| e.message)?.public_key;
    let registration = registration().await?;
    let options = web_sys::PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    options.set_application_server_key_opt_str(Some(&key));
    let manager = registration
        .push_manager()
        .map_err(|_| "This browser cannot receive pushes.")?;
    let subscribing = manager
        .subscribe_with_options(&options)
        .map_err(|_| "This browser cannot receive pushes.")?;
    let subscription: PushSubscription = JsFuture::from(subscribing)
        .await
        .map_err(|_| "The browser's push service did not answer: try again.")?
        .unchecked_into();
    // As its toJSON() gives it.
    let json = js_sys::JSON::stringify(&subscription)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or("The browser gave no subscription.")?;
    let req: shared::api::PushSubscriptionRequest = crate::services::read::parse(&json)
        .as_ref()
        .and_then(crate::services::read::Read::read)
        .ok_or("The browser gave no subscription.")?;
    let created = api::subscribe_push(&req).await.map_err(|e| e.message)?;
    let _ = LocalStorage::raw().set_item(PUSH_KEY, &created.id);
    Ok(())
}

/// Stops pushes to this device: forgotten by the server and by the browser. The request is
/// made at once, as the current session (signing out drops it next).
pub fn disable_push() -> impl std::future::Future<Output = ()> {
    let forget = stored(PUSH_KEY).map(|id| api::unsubscribe_push(&id));
    LocalStorage::delete(PUSH_KEY);
    async move {
        if let Some(forget) = forget {
            let _ = forget.await;
        }
        let Ok(registration) = registration().await else {
            return;
        };
        let Ok(manager) = registration.push_manager() else {
            return;
        };
        if let Ok(found) = manager.get_subscription()
            && let Ok(subscription) = JsFuture::from(found).await
            && let Ok(subscription) = subscription.dyn_into::<PushSubscription>()
            && let Ok(done) = subscription.unsubscribe()
        {
            let _ = JsFuture::from(done).await;
        }
    }
}

/// Whether this device registered for pushes.
pub fn push_on_here() -> bool {
    stored(PUSH_KEY).is_some()
}

/// The account page's notification settings.
#[component]
pub fn NotificationPreferences() -> Html {
    let settings = use_state(|| None::<NotificationSettings>);
    let here = use_state(push_on_here);
    let error = use_state(|| None::<String>);
    let saved = use_state(|| false);
    {
        let (settings, error, here) = (settings.clone(), error.clone(), here.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                // Registered again in this session (signing out forgets a device's pushes).
                if *here && permission() == NotificationPermission::Granted {
                    here.set(enable_push().await.is_ok());
                }
                match api::notification_settings().await {
                    Ok(s) => settings.set(Some(s)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        });
    }
    let save = {
        let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
        Callback::from(move |req: UpdateNotificationSettings| {
            let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_notification_settings(&req).await {
                    Ok(s) => {
                        settings.set(Some(s));
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let toggle_device = {
        let (here, error) = (here.clone(), error.clone());
        Callback::from(move |_| {
            let (here, error) = (here.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if *here {
                    disable_push().await;
                    here.set(false);
                } else {
                    match enable_push().await {
                        Ok(()) => {
                            here.set(true);
                            error.set(None);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                }
            });
        })
    };
    let Some(current) = (*settings).clone() else {
        return html! {
            <section class="card form"><h2>{ "Notifications" }</h2>
                if let Some(e) = (*error).clone() { <p class="error" role="alert">{ e }</p> }
            </section>
        };
    };
    let flip = |f: fn(&mut UpdateNotificationSettings, bool), on: bool| {
        let save = save.clone();
        Callback::from(move |_| {
            let mut req = UpdateNotificationSettings::default();
            f(&mut req, !on);
            save.emit(req);
        })
    };
    let quiet = current.quiet_hours.clone();
    let set_quiet = |from: Option<String>, to: Option<String>| {
        let (save, quiet) = (save.clone(), quiet.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let old = quiet.clone().unwrap_or(QuietHours {
                from: "22:00".into(),
                to: "07:00".into(),
            });
            let hours = QuietHours {
                from: from.clone().map_or(old.from.clone(), |_| value.clone()),
                to: to.clone().map_or(old.to.clone(), |_| value.clone()),
            };
            save.emit(UpdateNotificationSettings {
                quiet_hours: Some(Some(hours)),
                time_zone: Some(browser_time_zone()),
                ..Default::default()
            });
        })
    };
    let toggle_quiet = {
        let (save, on) = (save.clone(), quiet.is_some());
        Callback::from(move |_| {
            save.emit(UpdateNotificationSettings {
                quiet_hours: Some((!on).then(|| QuietHours {
                    from: "22:00".into(),
                    to: "07:00".into(),
                })),
                time_zone: Some(browser_time_zone()),
                ..Default::default()
            })
        })
    };
    let blocked = permission() == NotificationPermission::Denied;
    html! {
        <section class="card form notification-settings">
            <h2>{ "Notifications" }</h2>
            <div class="row">
                <div>
                    <strong>{ "On this device" }</strong>
                    <p class="muted">{ match (*here, blocked) {
                        (true, _) => "New messages reach you here when you are not in the app.",
                        (false, true) => "Blocked by the browser: allow notifications for this site in its settings.",
                        (false, false) => "Get new messages on this device even when the app is closed.",
                    } }</p>
                </div>
                <button class={if *here { "ghost" } else { "primary" }} onclick={toggle_device} disabled={blocked && !*here}>
                    { if *here { "Turn off here" } else { "Turn on here" } }
                </button>
            </div>
            <label class="choice">
                <input type="checkbox" checked={current.push} onchange={flip(|r, v| r.push = Some(v), current.push)} />
                <span><strong>{ "Push notifications" }</strong><span class="hint">{ "On the devices you turned them on. Not while you are in the app." }</span></span>
            </label>
            <label class="choice">
                <input type="checkbox" checked={current.email} onchange={flip(|r, v| r.email = Some(v), current.email)} />
                <span><strong>{ "Email digest" }</strong><span class="hint">{ "One email of what stays unread for 15 minutes, never one per message." }</span></span>
            </label>
            <label class="choice">
                <input type="checkbox" checked={quiet.is_some()} onchange={toggle_quiet} />
                <span><strong>{ "Quiet hours" }</strong><span class="hint">{ "Nothing reaches you then; one summary when they end." }</span></span>
            </label>
            if let Some(q) = quiet.clone() {
                <div class="row start quiet-hours">
                    <label class="field"><span class="label">{ "From" }</span><input type="time" value={q.from} onchange={set_quiet(Some(String::new()), None)} /></label>
                    <label class="field"><span class="label">{ "To" }</span><input type="time" value={q.to} onchange={set_quiet(None, Some(String::new()))} /></label>
                    <span class="muted">{ current.time_zone.clone() }</span>
                </div>
            }
            if let Some(e) = (*error).clone() { <p class="error" role="alert">{ e }</p> }
            if *saved { <p class="muted" role="status">{ "Saved." }</p> }
        </section>
    }
}

/// Where this device keeps when its person last said "Not now" to the prompt below.
const LATER_KEY: &str = "sideline.push.later";
/// How long "Not now" holds before the prompt may ask again (three weeks, in milliseconds).
const ASK_AGAIN_MS: f64 = 21.0 * 24.0 * 3600.0 * 1000.0;

/// Whether this browser can receive pushes at all (an installed PWA on iOS can; a tab there
/// cannot).
fn push_supported() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &"PushManager".into()).unwrap_or(false)
            && js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false)
    })
}

/// Whether to offer pushes on this device now: the browser can do them and does not block
/// them, this device does not get them yet, and "Not now" was not said in the last three
/// weeks.
fn offer_fits() -> bool {
    let later = stored(LATER_KEY)
        .is_some_and(|at| js_sys::Date::now() - js_sys::Date::parse(&at) < ASK_AGAIN_MS);
    !later && !push_on_here() && push_supported() && permission() != NotificationPermission::Denied
}

/// "Not now" on an offer: remembered (the offer waits three weeks), and `done`.
fn later(done: UseStateHandle<bool>) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let now = String::from(js_sys::Date::new_0().to_iso_string());
        let _ = LocalStorage::raw().set_item(LATER_KEY, &now);
        done.set(true);
    })
}

/// Turns pushes on from a tap on an offer: `done` once on, `error` why not.
fn turn_on(
    done: UseStateHandle<bool>,
    error: UseStateHandle<Option<String>>,
) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let (done, error) = (done.clone(), error.clone());
        wasm_bindgen_futures::spawn_local(async move {
            match enable_push().await {
                Ok(()) => done.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    })
}

/// The staff app's offer of pushes, at the moment they make sense: right after the person
/// sent a message (they now wait for an answer), never on first load, and only where
/// [`offer_fits`]. The browser's own question comes only from the tap on "Turn on".
#[component]
pub fn PushPrompt() -> Html {
    let chat = use_chat();
    let done = use_state(|| false);
    let error = use_state(|| None::<String>);
    if chat.sent == 0 || *done || !offer_fits() {
        return html! {};
    }
    html! {
        <div class="banner push-prompt" role="region" aria-label="Notifications">
            <span>{ "Know when a client answers, even with Sideline closed." }</span>
            <button class="primary" onclick={turn_on(done.clone(), error.clone())}>{ "Turn on notifications" }</button>
            <button class="ghost" onclick={later(done)}>{ "Not now" }</button>
            if let Some(e) = (*error).clone() { <span class="error" role="alert">{ e }</span> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PushOfferProps {
    /// What follows the offer (or comes at once when there is none to make).
    pub then: Html,
}

thread_local! {
    static JUST_SIGNED_IN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Someone just signed in on this page (a sign-in, an invite, a password reset): the door
/// offers pushes on their way to their messages.
pub fn signed_in_here() {
    JUST_SIGNED_IN.with(|s| s.set(true));
}

/// The client's offer of pushes, made by the door on the way to their messages right after
/// they signed in there (an invite, a sign-in, a password reset; the client app itself carries
/// none of it). Only where [`offer_fits`]; "Turn on" asks the browser, "Not now" goes on.
#[component]
pub fn PushOffer(props: &PushOfferProps) -> Html {
    let session = crate::hooks::use_session();
    let done = use_state(|| !(JUST_SIGNED_IN.with(|s| s.replace(false)) && offer_fits()));
    let error = use_state(|| None::<String>);
    // Staff signing in at the door go on to their own app, which offers it in its own time.
    if *done || session.current().is_none_or(|s| s.user.role.is_staff()) {
        return props.then.clone();
    }
    html! {
        <div class="auth">
            <section class="card auth-card push-offer" aria-label="Notifications">
                <h1>{ "Know when your coach answers" }</h1>
                <p class="muted">{ "Turn on notifications and new messages reach this phone even when the app is closed. You can change this any time in Account." }</p>
                if let Some(e) = (*error).clone() { <p class="error" role="alert">{ e }</p> }
                <button class="primary" onclick={turn_on(done.clone(), error.clone())}>{ "Turn on notifications" }</button>
                <button class="ghost" onclick={later(done)}>{ "Not now" }</button>
            </section>
        </div>
    }
}

/// Shows `n` as the browser's own notification (the tab is hidden): it replaces an earlier
/// one of the same conversation, like a push does.
fn show_in_browser(n: &Notification) {
    if permission() != NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(&n.body);
    options.set_tag(
        &n.conversation_id
            .map(|c| c.to_string())
            .unwrap_or_else(|| n.id.clone()),
    );
    let _ = web_sys::Notification::new_with_options(&n.title, &options);
}

/// The in-app list, fetched again at each new notification; when one arrives while the tab
/// is hidden, the newest unread also shows as the browser's own notification.
#[hook]
fn use_notification_list() -> UseStateHandle<Option<NotificationList>> {
    let chat = use_chat();
    let list = use_state(|| None::<NotificationList>);
    {
        let list = list.clone();
        use_effect_with(chat.notices, move |notices| {
            let (list, fresh) = (list.clone(), *notices > 0);
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(now) = api::notifications().await else {
                    return;
                };
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                if fresh
                    && hidden
                    && let Some(newest) = now.notifications.iter().find(|n| !n.read)
                {
                    show_in_browser(newest);
                }
                list.set(Some(now));
            });
        });
    }
    list
}

/// The staff app's bell: the unread count, and the list on a tap.
#[component]
pub fn Bell() -> Html {
    let navigator = use_navigator();
    let list = use_notification_list();
    let open = use_state(|| false);
    let mark = {
        let list = list.clone();
        Callback::from(move |req: MarkNotificationsRead| {
            let list = list.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(now) = api::mark_notifications_read(&req).await {
                    list.set(Some(now));
                }
            });
        })
    };
    let unread = list.as_ref().map_or(0, |l| l.unread);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let label = match unread {
        0 => "Notifications".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    html! {
        <div class="bell notifications">
            <button class="ghost bell-button" aria-label={label} aria-expanded={open.to_string()} onclick={toggle}>
                { "🔔" }
                if unread > 0 { <span class="badge">{ if unread > 99 { "99+".to_owned() } else { unread.to_string() } }</span> }
            </button>
            if *open {
                <div class="bell-panel card" role="dialog" aria-label="Notifications">
                    <div class="row">
                        <strong>{ "Notifications" }</strong>
                        <button class="link" disabled={unread == 0}
                            onclick={let mark = mark.clone(); Callback::from(move |_| mark.emit(MarkNotificationsRead { all: true, ids: Vec::new() }))}>
                            { "Mark all read" }</button>
                    </div>
                    if list.as_ref().is_none_or(|l| l.notifications.is_empty()) {
                        <p class="muted">{ "Nothing yet. New messages and news about your clients show here." }</p>
                    }
                    <ul class="bell-list">
                        { for list.as_ref().map(|l| l.notifications.clone()).unwrap_or_default().into_iter().map(|n| {
                            let go = {
                                let (mark, navigator, open, id, url, read) =
                                    (mark.clone(), navigator.clone(), open.clone(), n.id.clone(), n.url.clone(), n.read);
                                Callback::from(move |_| {
                                    if !read {
                                        mark.emit(MarkNotificationsRead { ids: vec![id.clone()], all: false });
                                    }
                                    open.set(false);
                                    navigator.push(&Route::recognize(&url));
                                })
                            };
                            let count = match n.count { 0 | 1 => String::new(), c => format!(" · {c} messages") };
                            html! {
                                <li class={classes!("bell-item", (!n.read).then_some("unread"))}>
                                    <button class="plain" onclick={go}>
                                        <span class="row"><strong>{ n.title.clone() }</strong><time class="muted">{ crate::format::list_time(n.at) }</time></span>
                                        <span class="muted">{ n.body.clone() }{ count }{ if n.mentioned { " · mentioned you" } else { "" } }</span>
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NeedsAttentionProps {
    /// The conversation open beside the list.
    pub selected: Option<shared::ConversationId>,
}

/// The inbox's "Needs attention" folder (staff): clients waiting for an answer longer than the
/// business allows, the longest first. Fetched again on news (a notification) and when a
/// conversation is opened or answered; nothing shows while it is empty.
#[component]
pub fn NeedsAttention(props: &NeedsAttentionProps) -> Html {
    let chat = use_chat();
    let list = use_state(Vec::<shared::model::ConversationSummary>::new);
    let open = use_state(|| true);
    // The newest message the inbox knows: an answer sent from here changes it.
    let newest = chat
        .inbox
        .iter()
        .filter_map(|c| c.last_message.as_ref().map(|m| m.id))
        .max();
    {
        let list = list.clone();
        use_effect_with(
            (chat.notices, chat.reconnects, newest, props.selected),
            move |_| {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(page) = api::needing_attention().await {
                        list.set(page.items);
                    }
                });
            },
        );
    }
    if list.is_empty() {
        return html! {};
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    html! {
        <section class="folder needs-attention" aria-label="Needs attention">
            <button class="folder-head plain" onclick={toggle} aria-expanded={open.to_string()}>
                <strong>{ "Needs attention" }</strong>
                <span class="badge">{ list.len() }</span>
            </button>
            if *open {
                <ul>
                    { for list.iter().map(|c| {
                        let active = props.selected == Some(c.id);
                        html! {
                            <li key={c.id.to_string()}>
                                <crate::router::Link to={Route::Conversation { id: c.id }} classes={classes!("row", active.then_some("active"))}>
                                    <span class="title">{ c.title.clone() }</span>
                                    <time class="muted">{ crate::format::list_time(c.last_activity_at) }</time>
                                </crate::router::Link>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}
