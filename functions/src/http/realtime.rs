//! Realtime entry points: `/ws` on the local server, and the API Gateway WebSocket routes
//! (`$connect`, `$disconnect`, `$default`) on AWS.

use super::error::ApiError;
use crate::adapters::hub::LocalHub;
use crate::domain::auth::Caller;
use crate::domain::{AppState, Error};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use lambda_http::RequestExt as _;
use lambda_http::request::RequestContext;
use serde::Deserialize;
use shared::events::*;
use std::sync::Arc;

#[derive(Deserialize)]
struct WsQuery {
    token: Option<String>,
}

/// `GET /ws?token=...` on the local server.
pub fn local_router(state: AppState, hub: Arc<LocalHub>) -> Router {
    Router::new()
        .route("/ws", get(local_ws))
        .with_state((state, hub))
}

async fn local_ws(
    State((state, hub)): State<(AppState, Arc<LocalHub>)>,
    Query(q): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let token = q.token.ok_or_else(|| {
        Error::unauthorized("auth.missing_token", "Connect with ?token=<session token>.")
    })?;
    let caller = state.accounts.authenticate(&token).await?;
    if hub.open_connections(Some(caller.user_id())) >= shared::limits::SOCKETS_PER_USER_MAX {
        return Err(Error::Limited {
            code: "realtime.too_many_sockets",
            message: "Too many open connections: close some tabs or devices.".into(),
            retry_after: crate::domain::RetryAfter(hub.heartbeat().ping_every.as_secs().max(1)),
        }
        .into());
    }
    Ok(upgrade
        .max_message_size(PRESENCE_BYTES_MAX)
        .max_frame_size(PRESENCE_BYTES_MAX)
        // Small buffers: what comes in is a presence report, what goes out an event at a time
        // (the library's default, 128 KB each way, would be most of an idle socket's memory).
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, hub, caller))
        .into_response())
}

/// Each socket's read buffer, and the writes it gathers before sending.
const SOCKET_BUFFER_BYTES: usize = 8 * 1024;

/// What an app sends over its socket is small: a presence report. A bigger message (or frame)
/// closes the socket (1009).
const PRESENCE_BYTES_MAX: usize = 4096;

async fn serve_socket(socket: WebSocket, hub: Arc<LocalHub>, caller: Caller) {
    let user = caller.user_id();
    let heartbeat = hub.heartbeat();
    let (ping_every, silent_for_max) = (heartbeat.ping_every, heartbeat.silent_for_max);
    let mut connection = hub.connect(user, caller.session());
    let (mut tx, mut rx) = socket.split();
    let hello =
        serde_json::to_string(&ServerEvent::Hello(Hello { user_id: user })).unwrap_or_default();
    if tx.send(WsMessage::Text(hello.into())).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    let mut heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            event = connection.events.recv() => match event {
                // A peer that reads nothing for a minute is gone.
                Some(text) => match tokio::time::timeout(silent_for_max, tx.send(WsMessage::Text(text.as_ref().into()))).await {
                    Ok(Ok(())) => {}
                    _ => break,
                },
                // It fell behind: it connects again and catches up by cursor.
                None if connection.fell_behind() => {
                    let close = CloseFrame { code: FELL_BEHIND_CLOSE_CODE, reason: "fell behind".into() };
                    let _ = tx.send(WsMessage::Close(Some(close))).await;
                    break;
                }
                // The session ended (the event saying so went first).
                None => {
                    let close = CloseFrame { code: SESSION_ENDED_CLOSE_CODE, reason: "session ended".into() };
                    let _ = tx.send(WsMessage::Close(Some(close))).await;
                    break;
                }
            },
            incoming = rx.next() => {
                heard = tokio::time::Instant::now();
                match incoming {
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(WsMessage::Text(text))) => {
                        if let Ok(ClientEvent::Presence(presence)) = serde_json::from_str(&text) {
                            hub.report(&connection, presence);
                        }
                    }
                    // Pongs among them: the app is there.
                    Some(Ok(_)) => {}
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() > silent_for_max {
                    let close = CloseFrame { code: UNRESPONSIVE_CLOSE_CODE, reason: "no answer to pings".into() };
                    let _ = tokio::time::timeout(ping_every, tx.send(WsMessage::Close(Some(close)))).await;
                    break;
                }
                // A send that cannot finish (the peer reads nothing) does not hold the socket.
                match tokio::time::timeout(ping_every, tx.send(WsMessage::Ping(Vec::new().into()))).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
            }
        }
    }
}

/// The API Gateway WebSocket routes: every route key arrives here.
pub fn apigateway_router(state: AppState) -> Router {
    Router::new().fallback(apigateway_event).with_state(state)
}

async fn apigateway_event(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let (route, connection_id) = match req.request_context_ref() {
        Some(RequestContext::WebSocket(ctx)) => (
            ctx.route_key.clone().unwrap_or_default(),
            ctx.connection_id.clone().unwrap_or_default(),
        ),
        _ => {
            return Err(Error::bad_request(
                "realtime.not_websocket",
                "This function serves WebSocket events only.",
            )
            .into());
        }
    };
    match route.as_str() {
        "$connect" => {
            let token = req
                .query_string_parameters_ref()
                .and_then(|q| q.first("token").map(str::to_owned));
            let token = token.ok_or_else(|| {
                Error::unauthorized("auth.missing_token", "Connect with ?token=<session token>.")
            })?;
            let caller = state.accounts.authenticate(&token).await?;
            state.accounts.connect(&caller, &connection_id).await?;
            Ok(axum::http::StatusCode::OK.into_response())
        }
        "$disconnect" => {
            state.accounts.disconnect(&connection_id).await?;
            Ok(axum::http::StatusCode::OK.into_response())
        }
        // What the app shows now; anything else is acknowledged and ignored.
        _ => {
            let body = axum::body::to_bytes(req.into_body(), PRESENCE_BYTES_MAX)
                .await
                .unwrap_or_default();
            if let Ok(ClientEvent::Presence(presence)) = serde_json::from_slice(&body) {
                state.accounts.report(&connection_id, presence).await?;
            }
            Ok(axum::http::StatusCode::OK.into_response())
        }
    }
}
