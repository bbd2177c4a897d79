//! Configuration of the Lambda functions, read once from the environment at start. Every
//! variable any function reads is declared in [`VARIABLES`]; the deployment test checks that
//! the template sets each required one for every function that reads it.

use anyhow::{Context as _, bail};

pub const TABLE: &str = "SIDELINE_TABLE";
pub const JWT_SECRET: &str = "SIDELINE_JWT_SECRET";
pub const DYNAMODB_ENDPOINT: &str = "DYNAMODB_ENDPOINT";
pub const WS_ENDPOINT: &str = "SIDELINE_WS_ENDPOINT";
/// Where the apps are served (`https://...`, no trailing slash): links in emails point there.
pub const SITE_URL: &str = "SIDELINE_SITE_URL";
/// The address emails are sent from (an SES-verified identity); the sender name is the
/// business's.
pub const MAIL_FROM: &str = "SIDELINE_MAIL_FROM";
/// Overrides the SES endpoint (a local test server).
pub const SES_ENDPOINT: &str = "SES_ENDPOINT";
/// The private bucket of files sent with messages.
pub const MEDIA_BUCKET: &str = "SIDELINE_MEDIA_BUCKET";
/// Overrides the S3 endpoint (a local test server), addressed by path.
pub const S3_ENDPOINT: &str = "S3_ENDPOINT";
/// The shared number texts go from before a business's own is verified (an origination
/// identity of the account's End User Messaging SMS); empty: SNS chooses.
pub const SMS_NUMBER: &str = "SIDELINE_SMS_NUMBER";
/// The SNS topic inbound texts go to (the numbers' two-way channel).
pub const SMS_INBOUND_TOPIC: &str = "SIDELINE_SMS_INBOUND_TOPIC";
/// Overrides End User Messaging SMS's endpoint (a local test server).
pub const SMS_VOICE_ENDPOINT: &str = "SMS_VOICE_ENDPOINT";
/// Overrides SNS's endpoint (a local test server).
pub const SNS_ENDPOINT: &str = "SNS_ENDPOINT";
/// SNS's signing certificate read from this file instead of SNS (tests sign with a key of
/// their own).
pub const SNS_CERTIFICATE_FILE: &str = "SNS_CERTIFICATE_FILE";

/// Which functions must have a variable set on AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// Every function.
    ByAll,
    /// Only these functions.
    By(&'static [&'static str]),
    /// Only for local runs and tests (e.g. an endpoint override); never set on AWS.
    LocalOnly,
}

/// Every environment variable the functions read.
pub const VARIABLES: &[(&str, Needed)] = &[
    (TABLE, Needed::ByAll),
    (JWT_SECRET, Needed::ByAll),
    (WS_ENDPOINT, Needed::ByAll),
    (SITE_URL, Needed::ByAll),
    (MAIL_FROM, Needed::By(&["fanout"])),
    (DYNAMODB_ENDPOINT, Needed::LocalOnly),
    (SES_ENDPOINT, Needed::LocalOnly),
    (MEDIA_BUCKET, Needed::ByAll),
    (S3_ENDPOINT, Needed::LocalOnly),
    (SMS_NUMBER, Needed::By(&["clients", "fanout"])),
    (SMS_INBOUND_TOPIC, Needed::By(&["clients"])),
    (SMS_VOICE_ENDPOINT, Needed::LocalOnly),
    (SNS_ENDPOINT, Needed::LocalOnly),
    (SNS_CERTIFICATE_FILE, Needed::LocalOnly),
];

/// A secret: its `Debug` shows nothing of it, so no log or panic message can.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table.
    pub table: String,
    /// Overrides the DynamoDB endpoint (DynamoDB Local).
    pub dynamodb_endpoint: Option<String>,
    /// The token signing secret.
    pub jwt_secret: Secret,
    /// The WebSocket API's management endpoint, for functions that push events.
    pub websocket_endpoint: Option<String>,
    /// Where the apps are served, for links in emails.
    pub site_url: String,
    /// The sending address, for the function that sends email.
    pub mail_from: Option<String>,
    /// Overrides the SES endpoint.
    pub ses_endpoint: Option<String>,
    /// The media bucket.
    pub media_bucket: Option<String>,
    /// Overrides the S3 endpoint.
    pub s3_endpoint: Option<String>,
    /// Texting: the shared number, the inbound topic, endpoint overrides.
    pub sms_number: Option<String>,
    pub sms_inbound_topic: Option<String>,
    pub sms_voice_endpoint: Option<String>,
    pub sns_endpoint: Option<String>,
    pub sns_certificate_file: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let table =
            var(TABLE).with_context(|| format!("{TABLE} is not set: the DynamoDB table name"))?;
        let jwt_secret = var(JWT_SECRET)
            .with_context(|| format!("{JWT_SECRET} is not set: the token signing secret"))?;
        if jwt_secret.len() < 32 {
            bail!("{JWT_SECRET} must be at least 32 characters");
        }
        Ok(Self {
            table,
            dynamodb_endpoint: var(DYNAMODB_ENDPOINT),
            jwt_secret: Secret::new(jwt_secret),
            websocket_endpoint: var(WS_ENDPOINT),
            site_url: var(SITE_URL)
                .with_context(|| format!("{SITE_URL} is not set: where the apps are served"))?
                .trim_end_matches('/')
                .to_owned(),
            mail_from: var(MAIL_FROM),
            ses_endpoint: var(SES_ENDPOINT),
            media_bucket: var(MEDIA_BUCKET),
            s3_endpoint: var(S3_ENDPOINT),
            sms_number: var(SMS_NUMBER),
            sms_inbound_topic: var(SMS_INBOUND_TOPIC),
            sms_voice_endpoint: var(SMS_VOICE_ENDPOINT),
            sns_endpoint: var(SNS_ENDPOINT),
            sns_certificate_file: var(SNS_CERTIFICATE_FILE),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_s_debug_output_has_no_secret() {
        let config = Config {
            table: "t".into(),
            dynamodb_endpoint: None,
            jwt_secret: Secret::new("a-very-secret-signing-key-of-32-characters".into()),
            websocket_endpoint: None,
            site_url: "https://app.example".into(),
            mail_from: None,
            ses_endpoint: None,
            media_bucket: None,
            s3_endpoint: None,
            sms_number: None,
            sms_inbound_topic: None,
            sms_voice_endpoint: None,
            sns_endpoint: None,
            sns_certificate_file: None,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("a-very-secret"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
