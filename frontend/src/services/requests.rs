//! One request function for the whole app: JSON in, JSON out, every failure a typed [`ApiError`].
//! Requests carry the signed-in session's token themselves (the session state hands it over
//! with [`set_token`]); a 401 on a request that carried one signs the app out.

use super::read::{self, Read};
use futures::FutureExt as _;
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use shared::api::ErrorBody;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

thread_local! {
    static ON_UNAUTHORIZED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The session token requests carry from now on (none once signed out).
pub fn set_token(token: Option<String>) {
    TOKEN.with(|t| *t.borrow_mut() = token);
}

/// The token requests carry now.
pub fn current_token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

/// Whether a request is made for the signed-in person or before anyone signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Session,
    Public,
}

/// A query string's pairs.
pub type Query = Vec<(&'static str, String)>;

/// What to do when the server refuses the session a request carried (expired, revoked, or
/// signed with a secret it no longer has): the app signs out, wherever the request came from.
pub fn on_unauthorized(handler: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
}

/// What went wrong with a request, as the server said it (or as the network failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// 0 when the request never got an answer.
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    fn offline() -> Self {
        Self {
            status: 0,
            code: "network.offline".into(),
            message: "Can't reach Sideline. Check your connection.".into(),
        }
    }

    /// The session is gone: sign in again.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The one place a request is made: no type parameters, so the app carries one copy of it.
/// Answers the status and the body's text, or the error when the request failed.
async fn exchange(
    method: Method,
    path: String,
    query: Query,
    token: Option<String>,
    body: Result<Option<(String, wasm_bindgen::JsValue)>, ApiError>,
) -> Result<(u16, String), ApiError> {
    let body = body?;
    // JSON answers only: a file's URL comes as JSON rather than as a redirect to it.
    let mut builder = RequestBuilder::new(&super::config::api(&path))
        .method(method)
        .header("Accept", "application/json")
        .query(query.iter().map(|(k, v)| (*k, v)));
    if let Some(t) = &token {
        builder = builder.header("Authorization", &format!("Bearer {t}"));
    }
    let sent = match body {
        Some((content_type, b)) => {
            builder
                .header("Content-Type", &content_type)
                .body(b)
                .map_err(|_| ApiError::offline())?
                .send()
                .await
        }
        None => builder.send().await,
    };
    let response = sent.map_err(|_| ApiError::offline())?;
    let status = response.status();
    if status == 401
        && token.is_some()
        && let Some(handler) = ON_UNAUTHORIZED.with(|h| h.borrow().clone())
    {
        handler();
    }
    let text = response.text().await.map_err(|_| ApiError::offline())?;
    if (200..300).contains(&status) {
        return Ok((status, text));
    }
    Err(match read::from_str::<ErrorBody>(&text) {
        Some(e) => ApiError {
            status,
            code: e.error.code,
            message: e.error.message,
        },
        None => ApiError {
            status,
            code: "server.error".into(),
            message: "Something went wrong. Please try again.".into(),
        },
    })
}

/// A successful answer read as `T`; no content reads as `null` (for `()` or an `Option`).
fn decode<T: Read>(answer: Result<(u16, String), ApiError>) -> Result<T, ApiError> {
    let (status, text) = answer?;
    // No content (a 204, or a 202 with an empty body) reads as `null`.
    let text = if status == 204 || text.trim().is_empty() {
        "null"
    } else {
        text.as_str()
    };
    read::from_str::<T>(text).ok_or_else(|| ApiError {
        status,
        code: "client.unreadable".into(),
        message: "The server's answer could not be read.".into(),
    })
}

fn encode<B: Serialize>(body: &B) -> Result<(String, wasm_bindgen::JsValue), ApiError> {
    match serde_json::to_string(body) {
        Ok(json) => Ok(("application/json".into(), json.into())),
        Err(_) => Err(ApiError {
            status: 0,
            code: "client.unwritable".into(),
            message: "This request could not be written.".into(),
        }),
    }
}

/// A request: the body is written now and the session's token taken now (a request made before
/// signing out still goes as the session it was made in), the answer read as `T` when it comes.
/// Only the writing and the reading are made per type; the exchange itself is shared.
pub fn request<B: Serialize, T: Read>(
    method: Method,
    path: String,
    query: Query,
    auth: Auth,
    body: Option<&B>,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    let body = body.map(encode).transpose();
    let token = match auth {
        Auth::Session => current_token(),
        Auth::Public => None,
    };
    // Boxed, so that waiting for the answer is one piece of code for every type.
    exchange(method, path, query, token, body)
        .boxed_local()
        .map(decode)
}

pub fn get<T: Read>(path: String) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    request::<(), T>(Method::GET, path, Vec::new(), Auth::Session, None)
}

/// A GET with a query string.
pub fn get_with<T: Read>(
    path: String,
    query: Query,
) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    request::<(), T>(Method::GET, path, query, Auth::Session, None)
}

pub fn post<B: Serialize, T: Read>(
    path: String,
    body: &B,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    request(Method::POST, path, Vec::new(), Auth::Session, Some(body))
}

pub fn patch<B: Serialize, T: Read>(
    path: String,
    body: &B,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    request(Method::PATCH, path, Vec::new(), Auth::Session, Some(body))
}

pub fn put<B: Serialize, T: Read>(
    path: String,
    body: &B,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    request(Method::PUT, path, Vec::new(), Auth::Session, Some(body))
}

/// A PUT of a file as the whole body, with its type.
pub fn put_file<T: Read>(
    path: String,
    file: &web_sys::File,
) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    let body = Ok(Some((file.type_(), file.clone().into())));
    exchange(Method::PUT, path, Vec::new(), current_token(), body)
        .boxed_local()
        .map(decode)
}

pub fn delete<T: Read>(path: String) -> impl Future<Output = Result<T, ApiError>> + use<T> {
    request::<(), T>(Method::DELETE, path, Vec::new(), Auth::Session, None)
}
