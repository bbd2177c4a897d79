//! Adapters of the domain's ports other than the store: on AWS and local.

pub mod apigateway;
pub mod files;
pub mod hub;
pub mod limits;
pub mod mailbox;
pub mod s3;
pub mod ses;
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
