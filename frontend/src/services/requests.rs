//! One request function for the whole app: JSON in, JSON out, every failure a typed [`ApiError`].

use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::ErrorBody;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static ON_UNAUTHORIZED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

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

pub async fn request<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let mut builder = RequestBuilder::new(&super::config::api(path)).method(method);
    if let Some(t) = token {
        builder = builder.header("Authorization", &format!("Bearer {t}"));
    }
    let sent = match body {
        Some(b) => {
            builder
                .json(b)
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
    if status == 204 {
        // No content: only `()` (or an `Option`) reads from nothing.
        return serde_json::from_str::<T>("null").map_err(|_| ApiError {
            status,
            code: "client.unreadable".into(),
            message: "The server's answer could not be read.".into(),
        });
    }
    if (200..300).contains(&status) {
        return response.json::<T>().await.map_err(|_| ApiError {
            status,
            code: "client.unreadable".into(),
            message: "The server's answer could not be read.".into(),
        });
    }
    match response.json::<ErrorBody>().await {
        Ok(e) => Err(ApiError {
            status,
            code: e.error.code,
            message: e.error.message,
        }),
        Err(_) => Err(ApiError {
            status,
            code: "server.error".into(),
            message: "Something went wrong. Please try again.".into(),
        }),
    }
}

pub async fn get<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    request::<(), T>(Method::GET, path, token, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<T, ApiError> {
    request(Method::POST, path, token, Some(body)).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<T, ApiError> {
    request(Method::PATCH, path, token, Some(body)).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<T, ApiError> {
    request(Method::PUT, path, token, Some(body)).await
}

pub async fn delete<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    request::<(), T>(Method::DELETE, path, token, None).await
}
