//! The demo business seeded on the local server's first start: a coach, a few clients, some
//! conversation history. Seeded through the services, like any user would create it.

use crate::domain::AppState;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use shared::api::{
    CreateClientRequest, CreateCompanyRequest, SendMessageRequest, SignupRequest,
    UpdateSettingsRequest,
};
use shared::model::{MessagingMode, WelcomeMessage};
use std::path::Path;

/// The logins printed at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoLogins {
    pub coach_email: String,
    pub coach_password: String,
    pub client_email: String,
    pub client_password: String,
    pub one_way_client_email: String,
}

const COACH_EMAIL: &str = "coach@peak.example";
const PASSWORD: &str = "sideline-demo";

/// (name, email, mode, joins, conversation: (from_client, text)...)
type DemoClient = (
    &'static str,
    &'static str,
    MessagingMode,
    bool,
    &'static [(bool, &'static str)],
);

const CLIENTS: &[DemoClient] = &[
    (
        "Maya Chen",
        "maya@client.example",
        MessagingMode::TwoWay,
        true,
        &[
            (
                false,
                "Welcome aboard, Maya! Your first week's plan is in the app. How are you feeling after today's session?",
            ),
            (
                true,
                "Legs are sore but in a good way 😅 Should I still do the mobility routine tonight?",
            ),
            (
                false,
                "Yes — keep it light, 15 minutes. Focus on hips and ankles.",
            ),
            (true, "Done! That helped a lot. See you Thursday."),
        ],
    ),
    (
        "Luis Ortega",
        "luis@client.example",
        MessagingMode::OneWay,
        true,
        &[
            (
                false,
                "Hi Luis, this week's program: 3 strength sessions (Mon/Wed/Fri) and two 30-minute walks.",
            ),
            (
                false,
                "Reminder: log your sleep each morning. Small habits, big results.",
            ),
        ],
    ),
    (
        "Priya Natarajan",
        "priya@client.example",
        MessagingMode::TwoWay,
        true,
        &[(
            true,
            "Hi! Quick question — can I swap Saturday's run for a bike ride?",
        )],
    ),
    (
        "Sam Okafor",
        "sam@client.example",
        MessagingMode::TwoWay,
        false,
        &[],
    ),
];

/// Seeds the demo once per data dir; later starts read back the logins.
pub async fn seed_once(state: &AppState, data_dir: &Path) -> anyhow::Result<DemoLogins> {
    let marker = data_dir.join("demo.json");
    if let Ok(text) = std::fs::read_to_string(&marker) {
        return serde_json::from_str(&text).context("reading demo.json");
    }
    let coach = state
        .accounts
        .signup_proven(SignupRequest {
            business_name: "Peak Performance Coaching".into(),
            name: "Jordan Rivera".into(),
            email: COACH_EMAIL.into(),
            password: PASSWORD.into(),
        })
        .await
        .context("seeding the demo coach")?;
    let coach = state.accounts.authenticate(&coach.token).await?;
    // The demo's histories begin with the coach's own greeting; the welcome message is turned
    // back on (its default text) for the clients added while trying the demo.
    let welcome = |enabled| UpdateSettingsRequest {
        welcome_message: Some(WelcomeMessage {
            enabled,
            ..WelcomeMessage::default()
        }),
        default_channel: None,
        needs_attention_hours: None,
    };
    state
        .settings
        .update_settings(&coach, welcome(false))
        .await?;
    for (i, (name, email, mode, joins, history)) in CLIENTS.iter().enumerate() {
        let created = state
            .clients
            .create_client(
                &coach,
                CreateClientRequest {
                    name: (*name).into(),
                    email: Some((*email).into()),
                    phone: None,
                    messaging: *mode,
                    company_id: None,
                },
            )
            .await
            .with_context(|| format!("seeding client {name}"))?;
        if !joins {
            continue;
        }
        let session = state
            .accounts
            .accept_invite(&created.invite.token, PASSWORD.into())
            .await?;
        let client = state.accounts.authenticate(&session.token).await?;
        for (j, (from_client, text)) in history.iter().enumerate() {
            let sender = if *from_client { &client } else { &coach };
            let req = SendMessageRequest {
                attachments: Vec::new(),
                send_at: None,
                channel: shared::sms::Channel::InApp,
                reply_to: None,
                client_message_id: format!("demo-{i}-{j}"),
                body: (*text).into(),
            };
            state
                .conversations
                .send_message(
                    sender,
                    created
                        .client
                        .conversation_id
                        .context("a demo client without a conversation")?,
                    req,
                )
                .await?;
        }
    }
    // A company, its two clients and its channel.
    let company = state
        .companies
        .create_company(
            &coach,
            CreateCompanyRequest {
                name: "Northwind Labs".into(),
            },
        )
        .await?;
    for (name, email) in [
        ("Dana Reed", "dana@northwind.example"),
        ("Tom Berg", "tom@northwind.example"),
    ] {
        state
            .clients
            .create_client(
                &coach,
                CreateClientRequest {
                    name: name.into(),
                    email: Some(email.into()),
                    phone: None,
                    messaging: MessagingMode::TwoWay,
                    company_id: Some(company.id),
                },
            )
            .await
            .with_context(|| format!("seeding client {name}"))?;
    }
    let req = SendMessageRequest {
        attachments: Vec::new(),
        send_at: None,
        channel: shared::sms::Channel::InApp,
        reply_to: None,
        client_message_id: "demo-northwind".into(),
        body:
            "Welcome to the Northwind Labs wellness challenge! Check-ins happen here every Monday."
                .into(),
    };
    state
        .conversations
        .send_message(&coach, company.channel_id, req)
        .await?;
    state
        .settings
        .update_settings(&coach, welcome(true))
        .await?;
    let logins = DemoLogins {
        coach_email: COACH_EMAIL.into(),
        coach_password: PASSWORD.into(),
        client_email: CLIENTS[0].1.into(),
        client_password: PASSWORD.into(),
        one_way_client_email: CLIENTS[1].1.into(),
    };
    std::fs::write(&marker, serde_json::to_string_pretty(&logins)?).context("writing demo.json")?;
    Ok(logins)
}
