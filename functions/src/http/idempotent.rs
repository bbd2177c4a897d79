//! `Idempotency-Key` on every POST of a signed-in person: the first request with a key runs
//! and, once it succeeded, its answer is kept a day; a retry with the same key and the same
//! request gets that answer again (with `Idempotent-Replayed: true`) and does nothing. A retry
//! while the first still runs gets 409 `request.in_progress`; the key with another request,
//! 422 `request.idempotency_key_reused`. A request that failed frees its key.

use super::error::ApiError;
use crate::domain::AppState;
use crate::domain::auth::Caller;
use crate::store::idempotency::{Answer, Claim};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts as _, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use sha2::{Digest as _, Sha256};
use shared::limits::{REQUEST_BODY_MAX_BYTES, idempotency_key_valid};

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// Answers larger than this are not kept (the key then stays claimed: a retry is told it ran).
const ANSWER_KEPT_MAX: usize = 300 * 1024;

pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if idempotency_key_valid(k) => k.to_owned(),
        _ => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "request.idempotency_key",
                "Idempotency-Key is 1 to 64 letters, digits and - _ . :",
            )
            .into_response();
        }
    };
    let (mut parts, body) = request.into_parts();
    // Who asks: without a valid sign-in the route answers as it would.
    let Ok(caller) = Caller::from_request_parts(&mut parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "The request is too large.",
        )
        .into_response();
    };
    let fingerprint = {
        let mut hash = Sha256::new();
        hash.update(parts.uri.path().as_bytes());
        hash.update([0]);
        hash.update(&bytes);
        hex(&hash.finalize())
    };
    let requests = &state.requests;
    match requests.claim(&caller, &key, &fingerprint).await {
        Ok(Claim::New) => {}
        Ok(Claim::Done(answer)) => return replay(answer),
        Ok(Claim::Running) => {
            let mut response = ApiError::new(
                StatusCode::CONFLICT,
                "request.in_progress",
                "A request with this Idempotency-Key is still running. Try again shortly.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Ok(Claim::Reused) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "request.idempotency_key_reused",
                "This Idempotency-Key was used for another request.",
            )
            .into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !response.status().is_success() {
        if let Err(e) = requests.release(&caller, &key).await {
            tracing::warn!(error = %e, "an idempotency key could not be freed (it expires)");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, ANSWER_KEPT_MAX).await else {
        tracing::warn!("an answer too large to keep for its Idempotency-Key");
        return Response::from_parts(parts, Body::empty());
    };
    let answer = Answer {
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    if let Err(e) = requests.complete(&caller, &key, answer).await {
        tracing::warn!(error = %e, "the answer to an Idempotency-Key could not be kept");
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Bytes::from(answer.body)).into_response();
    let headers = response.headers_mut();
    if let Some(kind) = answer
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
