//! Realtime fan-out on AWS, on loopback: a server speaking the API Gateway management API
//! (`POST` and `DELETE /{stage}/@connections/{connectionId}`), written from its documentation
//! since moto's does not answer, driven through the real SDK client by `ApiGatewayRealtime`;
//! and what the test and the benchmark share: a company channel of N people, each with an open
//! connection, and messages sent to it, as the stream records the fan-out function gets.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use functions::domain::AppState;
use functions::domain::auth::{Caller, Tokens};
use functions::store::{Change, Query, Store, keys};
use shared::{BusinessId, ConversationId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub const STAGE: &str = "test";

#[derive(Default)]
struct Seen {
    /// What each connection was sent, in the order it arrived.
    posted: Mutex<HashMap<String, Vec<Vec<u8>>>>,
    /// Connections whose client went away: posting to them is `410 GoneException`.
    gone: Mutex<HashSet<String>>,
    deleted: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    latency: Mutex<Duration>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The management API of one WebSocket API's stage, on a loopback port.
pub struct ManagementApi {
    /// What `ApiGatewayRealtime` is given: `http://127.0.0.1:{port}/{stage}`.
    pub endpoint: String,
    seen: Arc<Seen>,
}

async fn post_to_connection(
    State(seen): State<Arc<Seen>>,
    Path((stage, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> (StatusCode, HeaderMap, String) {
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let latency = *lock(&seen.latency);
    tokio::time::sleep(latency).await;
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    if stage != STAGE {
        return error(StatusCode::FORBIDDEN, "ForbiddenException");
    }
    if lock(&seen.gone).contains(&id) {
        return error(StatusCode::GONE, "GoneException");
    }
    lock(&seen.posted)
        .entry(id)
        .or_default()
        .push(body.to_vec());
    (StatusCode::OK, HeaderMap::new(), String::new())
}

async fn delete_connection(
    State(seen): State<Arc<Seen>>,
    Path((_stage, id)): Path<(String, String)>,
) -> (StatusCode, HeaderMap, String) {
    if !lock(&seen.gone).insert(id.clone()) {
        return error(StatusCode::GONE, "GoneException");
    }
    lock(&seen.deleted).push(id);
    (StatusCode::NO_CONTENT, HeaderMap::new(), String::new())
}

/// An error as the service answers it (REST-JSON): its type in `x-amzn-ErrorType`.
fn error(status: StatusCode, kind: &'static str) -> (StatusCode, HeaderMap, String) {
    let mut headers = HeaderMap::new();
    headers.insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (status, headers, format!(r#"{{"message":"{kind}"}}"#))
}

impl ManagementApi {
    /// Answers each post after `latency` (a real one takes milliseconds).
    pub async fn start(latency: Duration) -> Self {
        let seen = Arc::new(Seen::default());
        *lock(&seen.latency) = latency;
        let app = axum::Router::new()
            .route(
                "/{stage}/@connections/{id}",
                axum::routing::post(post_to_connection).delete(delete_connection),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let endpoint = format!(
            "http://{}/{STAGE}",
            listener.local_addr().expect("an address")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { endpoint, seen }
    }

    /// The SDK client `ApiGatewayRealtime` is built with in the functions.
    pub fn client(&self) -> aws_sdk_apigatewaymanagement::Client {
        let creds = aws_sdk_apigatewaymanagement::config::Credentials::new(
            "test", "test", None, None, "tests",
        );
        let conf = aws_sdk_apigatewaymanagement::Config::builder()
            .behavior_version(aws_sdk_apigatewaymanagement::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewaymanagement::config::Region::new(
                "us-east-1",
            ))
            .credentials_provider(creds)
            .endpoint_url(&self.endpoint)
            .build();
        aws_sdk_apigatewaymanagement::Client::from_conf(conf)
    }

    /// The client of `connection` went away.
    pub fn go(&self, connection: &str) {
        lock(&self.seen.gone).insert(connection.to_owned());
    }

    /// What each connection was sent, in order.
    pub fn posted(&self) -> HashMap<String, Vec<Vec<u8>>> {
        lock(&self.seen.posted).clone()
    }

    /// Posts in all.
    pub fn posts(&self) -> usize {
        lock(&self.seen.posted).values().map(Vec::len).sum()
    }

    /// The most posts that were being answered at once.
    pub fn most_in_flight(&self) -> usize {
        self.seen.most_in_flight.load(Ordering::SeqCst)
    }
}

/// A company channel with its people, over the domain services.
pub struct Channel {
    pub services: AppState,
    pub owner: Caller,
    pub business: BusinessId,
    pub conversation: ConversationId,
    /// Its members: the owner first, then each client.
    pub members: Vec<UserId>,
}

/// A new business whose company channel has `people` members (its owner and `people - 1`
/// clients), over `store`.
pub async fn channel_of(store: Arc<dyn Store>, people: usize) -> anyhow::Result<Channel> {
    use futures::StreamExt as _;
    let services = functions::domain::assemble(
        store,
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            std::env::temp_dir().join("sideline-fanout-files"),
            [0u8; 32],
        )),
        Tokens::new(&[9u8; 32])?,
        "http://127.0.0.1",
    );
    let signed = services
        .accounts
        .signup_proven(shared::api::SignupRequest {
            business_name: "Fan-out".into(),
            name: "Coach".into(),
            email: format!("fanout-{}@test.example", ulid::Ulid::generate()).to_lowercase(),
            password: "a long password".into(),
        })
        .await?;
    let owner = services.accounts.authenticate(&signed.token).await?;
    let company = services
        .companies
        .create_company(
            &owner,
            shared::api::CreateCompanyRequest {
                name: "Big Company".into(),
            },
        )
        .await?;
    let services_ref = &services;
    let (owner_ref, company_id) = (&owner, company.id);
    // Each joins the one channel: a few at a time, as they would take turns on it.
    let added: Vec<_> = futures::stream::iter(1..people)
        .map(|i| async move {
            services_ref
                .clients
                .create_client(
                    owner_ref,
                    shared::api::CreateClientRequest {
                        name: format!("Member {i}"),
                        email: Some(format!("member-{i}@fanout.example")),
                        phone: None,
                        messaging: shared::model::MessagingMode::TwoWay,
                        company_id: Some(company_id),
                    },
                )
                .await
        })
        .buffered(4)
        .collect()
        .await;
    let mut members = vec![owner.user_id()];
    for a in added {
        members.push(a?.client.id);
    }
    Ok(Channel {
        business: owner.business_id(),
        conversation: company.channel_id,
        services,
        owner,
        members,
    })
}

impl Channel {
    /// The owner sends `count` messages to the channel; answers each one's stream record
    /// (its insert), oldest first.
    pub async fn messages(&self, store: &dyn Store, count: usize) -> anyhow::Result<Vec<Change>> {
        for i in 0..count {
            self.services
                .conversations
                .send_message(
                    &self.owner,
                    self.conversation,
                    shared::api::SendMessageRequest {
                        client_message_id: format!("fanout-{i}"),
                        body: format!("Update {i} for everyone"),
                        reply_to: None,
                        attachments: Vec::new(),
                        send_at: None,
                        channel: Default::default(),
                    },
                )
                .await?;
        }
        let q = Query::prefix(
            keys::conversation_pk(self.business, self.conversation),
            keys::MESSAGE_PREFIX,
        )
        .limit(count + 10);
        let page = store.query(&q).await?;
        Ok(page
            .items
            .into_iter()
            .map(|item| Change {
                pk: item.pk.clone(),
                sk: item.sk.clone(),
                old: None,
                new: Some(item),
            })
            .collect())
    }
}

/// The id API Gateway would give the `n`th connection (base64-like, with the `=` that must
/// be escaped in the path).
pub fn connection_id(n: usize) -> String {
    format!("Cn{n:06}xAMCE1Q=")
}
