//! Pushes to browsers' push services over the HTTP client the functions already link (rustls;
//! plain http only reaches an endpoint the domain allowed: one on this machine, locally).

use crate::domain::ports::PushService;
use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// A push service answers within this or the push is counted as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub struct WebPush {
    http: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl WebPush {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            http: Client::builder(TokioExecutor::new()).build(super::https_connector()?),
        })
    }
}

#[async_trait]
impl PushService for WebPush {
    async fn post(
        &self,
        endpoint: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> anyhow::Result<u16> {
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(endpoint);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .context("a push request")?;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .context("the push service did not answer in time")?
            .context("a push request")?;
        let status = response.status().as_u16();
        // Read the (small) body so the connection can be reused.
        let _ = tokio::time::timeout(REQUEST_TIMEOUT, response.into_body().collect()).await;
        Ok(status)
    }
}
