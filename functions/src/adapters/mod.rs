//! Adapters of the domain's ports other than the store: on AWS and local.

pub mod apigateway;
pub mod eum;
pub mod files;
pub mod hub;
pub mod limits;
pub mod mailbox;
pub mod phone;
pub mod s3;
pub mod ses;
pub mod sns;
pub mod webpush;

/// `value` percent-encoded for a URL: RFC 3986's unreserved characters stay, every other byte
/// is `%XX` (what S3 signs, and what the local files' URLs carry).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The HTTPS client connector the adapters that speak plain HTTP use (rustls with the
/// system's roots; plain http too, for servers on this machine in tests and locally).
pub fn https_connector()
-> anyhow::Result<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>>
{
    use anyhow::Context as _;
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .context("the system's root certificates")?
        .https_or_http()
        .enable_http1()
        .build())
}
