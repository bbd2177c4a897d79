//! The Blobs port on AWS: a private S3 bucket. Every request is a SigV4-presigned URL: the
//! browser's PUT (with `Content-Type` and `Content-Length` among the signed headers, so S3
//! refuses any other type or size) and GET, and the server's own HEAD and DELETE, sent over
//! the HTTP client the AWS SDK already links.

use super::percent_encode as encode;
use crate::domain::ports::{BlobInfo, Blobs, Disposition, Presigned};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Requests the server itself makes wait at most this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server's own HEAD and DELETE URLs are signed for.
const OWN_TTL: Duration = Duration::from_secs(60);

pub struct S3Blobs {
    bucket: String,
    region: String,
    /// `https://<bucket>.s3.<region>.amazonaws.com`, or the overriding endpoint with the
    /// bucket in the path (a local test server).
    base: String,
    credentials: Credentials,
    http: Client<Https, Empty<Bytes>>,
}

/// Where signing identities come from: the provider (the Lambda's role), with the last one
/// kept until shortly before it expires so signing a URL needs no I/O.
struct Credentials {
    provider: SharedCredentialsProvider,
    current: Mutex<Option<aws_credential_types::Credentials>>,
}

impl Credentials {
    fn cached(&self) -> Option<aws_credential_types::Credentials> {
        let guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        guard.clone().filter(|c| {
            c.expiry()
                .is_none_or(|e| e > SystemTime::now() + Duration::from_secs(300))
        })
    }

    async fn refresh(&self) -> anyhow::Result<aws_credential_types::Credentials> {
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let fresh = self
            .provider
            .provide_credentials()
            .await
            .context("AWS credentials for signing")?;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh.clone());
        Ok(fresh)
    }
}

impl S3Blobs {
    /// The bucket `bucket` in the environment's region, with the environment's credentials;
    /// `endpoint` overrides S3's (a local test server, addressed by path).
    pub async fn new(bucket: String, endpoint: Option<&str>) -> anyhow::Result<Self> {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .context("no AWS region configured")?;
        let provider = config
            .credentials_provider()
            .context("no AWS credentials configured")?;
        Self::with(bucket, region, endpoint, provider)
    }

    /// With the region and credentials given (tests).
    pub fn with(
        bucket: String,
        region: String,
        endpoint: Option<&str>,
        provider: SharedCredentialsProvider,
    ) -> anyhow::Result<Self> {
        let base = match endpoint {
            Some(e) => format!("{}/{bucket}", e.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        let https = super::https_connector()?;
        Ok(Self {
            bucket,
            region,
            base,
            credentials: Credentials {
                provider,
                current: Mutex::new(None),
            },
            http: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A presigned URL for `method` on `key`, with `query` added and `headers` signed.
    fn presign(
        &self,
        credentials: &aws_credential_types::Credentials,
        method: &str,
        key: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let mut url = format!("{}/{}", self.base, encode_path(key));
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
        }
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(ttl);
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let identity: Identity = credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .context("signing parameters")?
            .into();
        let request = SignableRequest::new(
            method,
            url.as_str(),
            headers.iter().copied(),
            SignableBody::UnsignedPayload,
        )
        .context("a request to sign")?;
        let (instructions, _) = sign(request, &params)
            .context("signing a request")?
            .into_parts();
        for (k, v) in instructions.params() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
        }
        Ok(url)
    }

    async fn send(&self, method: hyper::Method, url: &str) -> anyhow::Result<http::Response<()>> {
        let request = http::Request::builder()
            .method(method)
            .uri(url)
            .body(Empty::<Bytes>::new())
            .context("an S3 request")?;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .context("S3 did not answer in time")?
            .context("an S3 request")?;
        let (parts, body) = response.into_parts();
        // Read the (small) body so the connection can be reused.
        let _ = tokio::time::timeout(REQUEST_TIMEOUT, body.collect()).await;
        Ok(http::Response::from_parts(parts, ()))
    }
}

fn encode_path(key: &str) -> String {
    key.split('/').map(encode).collect::<Vec<_>>().join("/")
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        let credentials = self.credentials.refresh().await?;
        let length = size.to_string();
        let headers = [
            ("content-type", content_type),
            ("content-length", length.as_str()),
        ];
        let url = self.presign(&credentials, "PUT", key, &[], &headers, ttl)?;
        // The browser sets Content-Length itself from the body; only the type is sent as is.
        Ok(Presigned {
            url,
            headers: vec![("Content-Type".into(), content_type.into())],
        })
    }

    async fn presign_get(
        &self,
        key: &str,
        content_type: &str,
        name: &str,
        disposition: Disposition,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let credentials = self.credentials.refresh().await?;
        let disposition = match disposition {
            Disposition::Inline => "inline".to_owned(),
            Disposition::Download => format!("attachment; filename*=UTF-8''{}", encode(name)),
        };
        self.presign(
            &credentials,
            "GET",
            key,
            &[
                ("response-content-disposition", &disposition),
                ("response-content-type", content_type),
            ],
            &[],
            ttl,
        )
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<BlobInfo>> {
        let credentials = self.credentials.refresh().await?;
        let url = self.presign(&credentials, "HEAD", key, &[], &[], OWN_TTL)?;
        let response = self.send(hyper::Method::HEAD, &url).await?;
        match response.status().as_u16() {
            200 => {
                let header = |name: http::header::HeaderName| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let size = header(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.parse().ok())
                    .context("S3's HEAD without a length")?;
                Ok(Some(BlobInfo {
                    size,
                    content_type: header(http::header::CONTENT_TYPE).unwrap_or_default(),
                }))
            }
            404 | 403 => Ok(None),
            status => anyhow::bail!("S3 answered HEAD {key} with {status}"),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let credentials = self.credentials.refresh().await?;
        let url = self.presign(&credentials, "DELETE", key, &[], &[], OWN_TTL)?;
        let response = self.send(hyper::Method::DELETE, &url).await?;
        match response.status().as_u16() {
            200 | 204 | 404 => Ok(()),
            status => anyhow::bail!("S3 answered DELETE {key} with {status}"),
        }
    }
}

/// For tests: a fixed provider.
pub fn static_credentials(key: &str, secret: &str) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
        key, secret, None, None, "static",
    ))
}

impl std::fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Blobs")
            .field("bucket", &self.bucket)
            .field("base", &self.base)
            .finish()
    }
}

/// Shared by every function that touches files.
pub type SharedBlobs = Arc<dyn Blobs>;

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> S3Blobs {
        S3Blobs::with(
            "media".into(),
            "us-east-1".into(),
            None,
            static_credentials("AKIDEXAMPLE", "secret"),
        )
        .expect("blobs")
    }

    fn query(url: &str, name: &str) -> Option<String> {
        url.split_once('?')?.1.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    #[tokio::test]
    async fn a_put_url_signs_its_size_and_type() {
        let signed = blobs()
            .presign_put("b/c/u", "image/jpeg", 1234, Duration::from_secs(900))
            .await
            .expect("presign");
        assert!(
            signed
                .url
                .starts_with("https://media.s3.us-east-1.amazonaws.com/b/c/u?"),
            "{}",
            signed.url
        );
        let signed_headers = query(&signed.url, "X-Amz-SignedHeaders").expect("signed headers");
        assert_eq!(signed_headers, "content-length%3Bcontent-type%3Bhost");
        assert_eq!(query(&signed.url, "X-Amz-Expires").as_deref(), Some("900"));
        assert_eq!(
            query(&signed.url, "X-Amz-Algorithm").as_deref(),
            Some("AWS4-HMAC-SHA256")
        );
        assert_eq!(
            signed.headers,
            vec![("Content-Type".to_owned(), "image/jpeg".to_owned())]
        );
        // Another size or type makes another signature: S3 compares what it computes from
        // the request's headers with the one in the URL.
        let other_size = blobs()
            .presign_put("b/c/u", "image/jpeg", 1235, Duration::from_secs(900))
            .await
            .expect("presign");
        let other_type = blobs()
            .presign_put("b/c/u", "image/png", 1234, Duration::from_secs(900))
            .await
            .expect("presign");
        let sig = |u: &str| query(u, "X-Amz-Signature").expect("signature");
        assert_ne!(sig(&signed.url), sig(&other_size.url));
        assert_ne!(sig(&signed.url), sig(&other_type.url));
    }

    #[tokio::test]
    async fn a_download_url_names_the_file_and_its_type() {
        let url = blobs()
            .presign_get(
                "b/c/u",
                "application/pdf",
                "My plan.pdf",
                Disposition::Download,
                Duration::from_secs(300),
            )
            .await
            .expect("presign");
        assert!(
            url.contains("response-content-type=application%2Fpdf"),
            "{url}"
        );
        assert!(
            url.contains("response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27My%2520plan.pdf"),
            "{url}"
        );
        assert_eq!(query(&url, "X-Amz-SignedHeaders").as_deref(), Some("host"));
    }
}
