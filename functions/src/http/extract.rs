//! Extractors whose rejections speak the API's error format, and the caller's identity.

use super::error::ApiError;
use crate::domain::auth::Caller;
use crate::domain::{AppState, Error};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// A JSON body, parsed once straight into `T` (never through an untyped tree, which would
/// hold many times the body's size). Each failure has its own code: the wrong content type is
/// a 415 `request.content_type`, too large a 413 `request.too_large`, not JSON at all a 400
/// `request.malformed_json`; JSON of the wrong shape (unknown fields, wrong types, a `null`
/// where a value is needed) is a 422 `request.invalid_body`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.content_type",
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "request.too_large",
                    "The request body is too large.",
                ),
                status => ApiError::new(status, "request.invalid_body", r.body_text()),
            })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            // serde reports some shapes it cannot take (a `null` for a choice) as syntax:
            // JSON all the same, so the shape is what is wrong. Checked without building
            // anything, and only on this rare path.
            let json =
                e.is_data() || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok();
            match json {
                true => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "request.invalid_body",
                    format!("The request body does not fit: {e}"),
                ),
                false => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "request.malformed_json",
                    format!("The request body is not JSON: {e}"),
                ),
            }
        })
    }
}

/// A file: its bytes are the whole request body, its type the `Content-Type`.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBody(pub Vec<u8>);

/// A file sent as the whole body: its type (one of `types`, as the request's `Content-Type`
/// says, parameters left off) and its bytes, at most `max`. Another type is a 415
/// `request.content_type`, more bytes a 413 `request.too_large` (read no further).
pub async fn file_body(
    req: axum::extract::Request,
    types: &[&str],
    max: usize,
) -> Result<(String, axum::body::Bytes), ApiError> {
    let content_type = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !types.contains(&content_type.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.content_type",
            format!(
                "Send the file as the body, with Content-Type {}.",
                types.join(", ")
            ),
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            format!("The file may be {} KB at most.", max / 1024),
        )
    };
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(req.into_body(), max)
        .await
        .map_err(|_| too_large())?;
    Ok((content_type, body))
}

/// `application/json`, or a `+json` type, as the request says its body is.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Path parameters; a malformed id is a 400 with a code.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Where a request comes from, for rate limits: the socket's peer on the local server, the
/// address API Gateway saw on AWS (never a header a client could set).
pub struct Source(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(axum::extract::ConnectInfo(addr)) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            return Ok(Source(Some(addr.ip())));
        }
        let from_gateway = match parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
        {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => {
                ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
            }
            _ => None,
        };
        Ok(Source(from_gateway))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::unauthorized(
                    "auth.missing_token",
                    "Sign in first: this needs an Authorization: Bearer token.",
                )
            })?;
        Ok(state.accounts.authenticate(token).await?)
    }
}
