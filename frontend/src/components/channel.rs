//! How a message to a client goes (the staff app, under the composer of a client's private
//! conversation): in the app, as a text or as an email. For a text, the count of segments as
//! typed (the same count the server charges: `shared::sms`), the switch to UCS-2 named by the
//! character that caused it with a one-click replacement of typographic characters, the
//! month's balance, and why a text cannot go (no phone, texting off, opted out).

use crate::hooks::use_fetch;
use crate::services::api;
use shared::UserId;
use shared::sms::{Channel, Encoding, MAX_SMS_CHARS, plain, segments};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChannelBarProps {
    pub client: UserId,
    pub draft: String,
    pub replace: Callback<String>,
    pub chosen: Callback<Channel>,
}

/// The draft as a text sends it: formatting as plain text.
fn as_text(draft: &str) -> String {
    shared::markup::plain_text(&shared::markup::parse(draft), &|_| None)
}

#[component]
pub fn ChannelBar(props: &ChannelBarProps) -> Html {
    let channel = use_state(|| Channel::InApp);
    let client = use_fetch(props.client, api::client);
    let texting = use_fetch((), |_| api::texting());
    // A sent draft empties: the balance moved on.
    {
        let texting = texting.clone();
        let sent = *channel == Channel::Sms && props.draft.is_empty();
        use_effect_with(sent, move |sent| {
            if *sent {
                texting.reload();
            }
        });
    }
    let (Some(client), Some(texting)) = (client.data(), texting.data()) else {
        return html! {};
    };
    let first = client
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&client.name)
        .to_owned();
    let opted_out = client.sms_opted_out == Some(true);
    // Why a text cannot go, if it cannot.
    let no_text = if !texting.enabled {
        Some("Texting is off: the owner turns it on in Settings.".to_owned())
    } else if client.phone.is_none() {
        Some(format!("{first} has no phone number on their card."))
    } else if opted_out {
        Some(format!("{first} opted out of texts (replied STOP)."))
    } else {
        None
    };
    let no_email = client
        .email
        .is_none()
        .then(|| format!("{first} has no email address on their card."));
    let option = |value: Channel, label: &'static str, unavailable: Option<String>| {
        let (state, chosen) = (channel.clone(), props.chosen.clone());
        let onchange = Callback::from(move |_: Event| {
            state.set(value);
            chosen.emit(value);
        });
        html! {
            <label class={classes!("channel-option", unavailable.is_some().then_some("unavailable"))} title={unavailable.clone()}>
                <input type="radio" name="channel" checked={*channel == value} disabled={unavailable.is_some()} {onchange} />
                { label }
            </label>
        }
    };
    let counter = (*channel == Channel::Sms).then(|| {
        let text = as_text(&props.draft);
        let count = segments(&text);
        let chars = text.chars().count();
        let over = chars > MAX_SMS_CHARS;
        let encoding = match count.encoding {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "Unicode",
        };
        let plainer = plain(&props.draft);
        let replace = (plainer != props.draft).then(|| {
            let replace = props.replace.clone();
            Callback::from(move |_: MouseEvent| replace.emit(plainer.clone()))
        });
        let parts = match count.segments {
            1 => "1 segment".to_owned(),
            n => format!("{n} segments"),
        };
        html! {
            <div class="sms-counter" aria-live="polite">
                <span class={classes!("segments", over.then_some("over"))}>
                    { format!("{chars}/{MAX_SMS_CHARS} characters · {parts} · {encoding}") }
                </span>
                <span class="muted">{ format!(" · {} of {} left this month", texting.balance.remaining, texting.balance.allowance) }</span>
                if let Some(c) = count.switched_by {
                    <p class="warning" role="note">
                        { format!("“{c}” makes this a Unicode text: 70 characters a segment instead of 160.") }
                        if let Some(onclick) = replace { { " " }<button type="button" class="link" {onclick}>{ "Use plain characters" }</button> }
                    </p>
                }
                if !texting.replies_received {
                    <p class="hint">{ "Sent from a shared number until yours is verified: delivery is not guaranteed and replies are not received." }</p>
                }
            </div>
        }
    });
    html! {
        <div class="channel-bar">
            <fieldset class="channels">
                <legend class="visually-hidden">{ "Send as" }</legend>
                { option(Channel::InApp, "In the app", None) }
                { option(Channel::Sms, "Text", no_text.clone()) }
                { option(Channel::Email, "Email", no_email) }
            </fieldset>
            if opted_out { <span class="opted-out">{ "Opted out of texts" }</span> }
            { for counter }
        </div>
    }
}
