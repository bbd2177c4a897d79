//! Texts that arrive: End User Messaging's two-way delivery puts each in an SNS message of the
//! inbound topic, which reaches the `sms` function (its subscription) or, over HTTPS, an
//! endpoint. Each message is taken only if SNS signed it (its certificate fetched from SNS's
//! own host, once per process), then acted on once by its text's id
//! ([`crate::domain::texting::Texting::receive`]).

use crate::adapters::sns::{Envelope, InboundText, certificate_url_allowed};
use crate::domain::AppState;
use crate::domain::texting::{Inbound, Received};
use anyhow::Context as _;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A Lambda function's SNS event: its records, each one SNS message.
#[derive(Debug, Deserialize)]
pub struct SnsEvent {
    #[serde(rename = "Records")]
    pub records: Vec<SnsRecord>,
}

#[derive(Debug, Deserialize)]
pub struct SnsRecord {
    #[serde(rename = "Sns")]
    pub sns: Envelope,
}

/// Where SNS's signing certificates come from: SNS itself, or a file (the tests', whose
/// messages are signed by a key of their own).
pub enum CertificateSource {
    Sns,
    File(std::path::PathBuf),
    /// SNS's stand-in at this address (the local server's, with `SNS_ENDPOINT`: moto's
    /// server): the certificate's path is asked of it, the request naming SNS and its region
    /// in the credential scope an SDK call carries (how that server tells services apart).
    Endpoint(String),
}

impl CertificateSource {
    /// SNS's stand-in when one is configured (`SNS_ENDPOINT`), else SNS itself.
    pub fn from_env() -> Self {
        match std::env::var(crate::config::SNS_ENDPOINT) {
            Ok(endpoint) if !endpoint.is_empty() => CertificateSource::Endpoint(endpoint),
            _ => CertificateSource::Sns,
        }
    }
}

/// SNS's signing certificates, each fetched once.
pub struct Certificates {
    source: CertificateSource,
    known: Mutex<HashMap<String, Vec<u8>>>,
}

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

impl Certificates {
    pub fn new(source: CertificateSource) -> Self {
        Self {
            source,
            known: Mutex::default(),
        }
    }

    async fn get(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        if let Some(pem) = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(url)
        {
            return Ok(pem.clone());
        }
        let pem = match &self.source {
            CertificateSource::File(path) => std::fs::read(path)
                .with_context(|| format!("reading the certificate {}", path.display()))?,
            CertificateSource::Sns => fetch(url.parse()?, None).await?,
            CertificateSource::Endpoint(base) => {
                let rest = url.strip_prefix("https://").unwrap_or(url);
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                let region = host
                    .strip_prefix("sns.")
                    .and_then(|h| h.split('.').next())
                    .unwrap_or("us-east-1");
                let scope = format!(
                    "AWS4-HMAC-SHA256 Credential=local/20260101/{region}/sns/aws4_request, \
                     SignedHeaders=host, Signature=0"
                );
                let at = format!("{}/{path}", base.trim_end_matches('/'));
                fetch(at.parse()?, Some(&scope)).await?
            }
        };
        let mut known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() > 16 {
            known.clear();
        }
        known.insert(url.to_owned(), pem.clone());
        Ok(pem)
    }
}

/// SNS has no certificate where a message says: not SNS's message (never worth a retry).
#[derive(Debug, thiserror::Error)]
#[error("SNS has no such certificate")]
pub struct NoCertificate;

/// A certificate at `uri` (asked with `scope` as the request's authorization, when given).
async fn fetch(uri: hyper::Uri, scope: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let client: Client<_, Empty<bytes::Bytes>> =
        Client::builder(TokioExecutor::new()).build(crate::adapters::https_connector()?);
    let mut request = hyper::Request::get(uri);
    if let Some(scope) = scope {
        request = request.header(hyper::header::AUTHORIZATION, scope);
    }
    let response = tokio::time::timeout(FETCH_TIMEOUT, client.request(request.body(Empty::new())?))
        .await
        .context("fetching SNS's certificate timed out")??;
    if response.status().is_client_error() {
        return Err(NoCertificate.into());
    }
    anyhow::ensure!(
        response.status().is_success(),
        "SNS's certificate: {}",
        response.status()
    );
    let body = tokio::time::timeout(FETCH_TIMEOUT, response.into_body().collect())
        .await
        .context("reading SNS's certificate timed out")??;
    Ok(body.to_bytes().to_vec())
}

/// What became of one SNS message.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not SNS's (a bad signature, a foreign certificate): dropped, never retried.
    Refused(&'static str),
    /// Not an inbound text (a subscription's confirmation, another shape).
    Ignored,
    Received(Received),
}

/// Checks one SNS message and acts on the text inside. An error (the store, the certificate
/// out of reach) is worth a retry; what cannot ever be taken is an [`Outcome::Refused`].
pub async fn receive(
    state: &AppState,
    certificates: &Certificates,
    envelope: &Envelope,
) -> anyhow::Result<Outcome> {
    if !certificate_url_allowed(&envelope.signing_cert_url) {
        return Ok(Outcome::Refused("the certificate is not SNS's"));
    }
    let certificate = match certificates.get(&envelope.signing_cert_url).await {
        Ok(c) => c,
        Err(e) if e.is::<NoCertificate>() => {
            return Ok(Outcome::Refused("SNS has no such certificate"));
        }
        Err(e) => return Err(e),
    };
    if let Err(why) = envelope.verify(&certificate) {
        tracing::warn!(?why, message = %envelope.message_id, "an SNS message that does not verify");
        return Ok(Outcome::Refused("the signature does not verify"));
    }
    let Some(text) = InboundText::from_notification(envelope) else {
        return Ok(Outcome::Ignored);
    };
    let received = state
        .texting
        .receive(Inbound {
            from: text.origination_number,
            to: text.destination_number,
            body: text.message_body,
            id: text.inbound_message_id,
        })
        .await?;
    Ok(Outcome::Received(received))
}
