//! What SNS delivers over HTTPS, read and checked: the message (a notification, or the
//! confirmation of a subscription), whether SNS signed it, and the inbound text AWS End User
//! Messaging puts inside a notification of its two-way topic.
//!
//! A message is SNS's only if its signature verifies with the certificate its
//! `SigningCertURL` names, and that URL is SNS's own (https, `sns.<region>.amazonaws.com`,
//! a `.pem`): anyone can post JSON to the endpoint. Only `SignatureVersion` 2 (RSA with
//! SHA-256) is taken: the inbound topic is made with it (version 1 is SHA-1).

use base64::Engine as _;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use serde::Deserialize;

/// An SNS message as its HTTP(S) delivery carries it (the request's JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Envelope {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "MessageId")]
    pub message_id: String,
    #[serde(rename = "TopicArn")]
    pub topic_arn: String,
    #[serde(rename = "Subject", default)]
    pub subject: Option<String>,
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    #[serde(rename = "SignatureVersion")]
    pub signature_version: String,
    #[serde(rename = "Signature")]
    pub signature: String,
    /// (`SigningCertUrl` in a Lambda function's SNS event.)
    #[serde(rename = "SigningCertURL", alias = "SigningCertUrl")]
    pub signing_cert_url: String,
    /// A subscription's confirmation: where to confirm it.
    #[serde(rename = "SubscribeURL", default)]
    pub subscribe_url: Option<String>,
    #[serde(rename = "Token", default)]
    pub token: Option<String>,
}

/// Why a message is not taken as SNS's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a type SNS sends, or a field its type needs is missing.
    Shape,
    /// A signature version other than 2.
    Version,
    /// The certificate's URL is not SNS's.
    CertificateUrl,
    /// The certificate cannot be read.
    Certificate,
    /// The signature does not verify.
    Signature,
}

impl Envelope {
    /// What SNS signed: the message's fields, each name and value on its own line, in the
    /// order AWS documents for the message's type.
    pub fn string_to_sign(&self) -> Result<String, Invalid> {
        let field = |name: &str, value: &str| format!("{name}\n{value}\n");
        let mut s = field("Message", &self.message) + &field("MessageId", &self.message_id);
        match self.kind.as_str() {
            "Notification" => {
                if let Some(subject) = &self.subject {
                    s += &field("Subject", subject);
                }
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => {
                s += &field(
                    "SubscribeURL",
                    self.subscribe_url.as_deref().ok_or(Invalid::Shape)?,
                );
            }
            _ => return Err(Invalid::Shape),
        }
        s += &field("Timestamp", &self.timestamp);
        if self.kind != "Notification" {
            s += &field("Token", self.token.as_deref().ok_or(Invalid::Shape)?);
        }
        s += &field("TopicArn", &self.topic_arn);
        s += &field("Type", &self.kind);
        Ok(s)
    }

    /// Checks that SNS signed this message, with `certificate` (PEM, as fetched from
    /// [`Self::signing_cert_url`], which must be SNS's: see [`certificate_url_allowed`]).
    pub fn verify(&self, certificate: &[u8]) -> Result<(), Invalid> {
        if self.signature_version != "2" {
            return Err(Invalid::Version);
        }
        if !certificate_url_allowed(&self.signing_cert_url) {
            return Err(Invalid::CertificateUrl);
        }
        let signed = self.string_to_sign()?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(&self.signature)
            .map_err(|_| Invalid::Signature)?;
        let der = CertificateDer::from_pem_slice(certificate).map_err(|_| Invalid::Certificate)?;
        let cert = webpki::EndEntityCert::try_from(&der).map_err(|_| Invalid::Certificate)?;
        cert.verify_signature(
            webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &signature,
        )
        .map_err(|_| Invalid::Signature)
    }
}

/// Whether `url` is where SNS keeps its signing certificates: https, a host
/// `sns.<region>.amazonaws.com` (or `.amazonaws.com.cn`), no port or user, a `.pem` path.
pub fn certificate_url_allowed(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let region = host
        .strip_prefix("sns.")
        .and_then(|h| {
            h.strip_suffix(".amazonaws.com")
                .or_else(|| h.strip_suffix(".amazonaws.com.cn"))
        })
        .unwrap_or_default();
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    region_ok && path.ends_with(".pem") && !path.contains(['?', '#', '@'])
}

/// A text a phone sent to a business's number, as End User Messaging's two-way delivery puts
/// it in the SNS message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundText {
    /// The phone that sent it (E.164).
    pub origination_number: String,
    /// The business's number it was sent to (E.164).
    pub destination_number: String,
    pub message_body: String,
    /// AWS's id of the text: the same text delivered again has the same.
    pub inbound_message_id: String,
    #[serde(default)]
    pub message_keyword: Option<String>,
    /// The id of the business's last text to that phone, when the text answers one.
    #[serde(default)]
    pub previous_published_message_id: Option<String>,
}

impl InboundText {
    /// The text inside a notification of the two-way topic.
    pub fn from_notification(envelope: &Envelope) -> Option<Self> {
        (envelope.kind == "Notification")
            .then(|| serde_json::from_str(&envelope.message).ok())
            .flatten()
    }
}

/// The fixtures were made with a throwaway key (not kept):
/// `openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 36500
/// -subj /CN=sns.us-east-1.amazonaws.com`, each message's string to sign signed with
/// `openssl dgst -sha256 -sign key.pem`.
#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &[u8] = include_bytes!("testdata/cert.pem");

    fn fixture(name: &str) -> Envelope {
        let text = match name {
            "notification" => include_str!("testdata/notification.json"),
            _ => include_str!("testdata/confirmation.json"),
        };
        serde_json::from_str(text).expect("fixture")
    }

    #[test]
    fn a_signed_notification_verifies_and_carries_the_text() {
        let n = fixture("notification");
        assert_eq!(n.verify(CERT), Ok(()));
        let text = InboundText::from_notification(&n).expect("an inbound text");
        assert_eq!(text.origination_number, "+14255550182");
        assert_eq!(text.destination_number, "+18335550100");
        assert_eq!(text.message_body, "Can we move Thursday to 6pm?");
        assert_eq!(
            text.inbound_message_id,
            "cae173d2-66b9-564c-8309-21f858e9fb84"
        );
    }

    #[test]
    fn a_signed_subscription_confirmation_verifies() {
        let c = fixture("confirmation");
        assert_eq!(c.verify(CERT), Ok(()));
        assert!(c.subscribe_url.is_some());
        assert_eq!(InboundText::from_notification(&c), None);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let n = fixture("notification");
        let changes: [fn(&mut Envelope); 5] = [
            |e| e.message = e.message.replace("6pm", "7pm"),
            |e| e.message_id.push('0'),
            |e| e.timestamp = "2026-12-03T14:00:01.000Z".into(),
            |e| e.topic_arn = e.topic_arn.replace("123456789012", "210987654321"),
            |e| e.subject = Some("Hello".into()),
        ];
        for change in changes {
            let mut e = n.clone();
            change(&mut e);
            assert_eq!(e.verify(CERT), Err(Invalid::Signature), "{e:?}");
        }
        let mut e = n.clone();
        e.signature = "not base64!".into();
        assert_eq!(e.verify(CERT), Err(Invalid::Signature));
        let mut e = n.clone();
        e.kind = "Nonsense".into();
        assert_eq!(e.verify(CERT), Err(Invalid::Shape));
        let mut e = n.clone();
        e.signature_version = "1".into();
        assert_eq!(e.verify(CERT), Err(Invalid::Version));
        assert_eq!(n.verify(b"not a certificate"), Err(Invalid::Certificate));
    }

    #[test]
    fn only_sns_hosts_its_certificates() {
        for ok in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://sns.ca-central-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
        ] {
            assert!(certificate_url_allowed(ok), "{ok}");
        }
        for bad in [
            "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com:8443/x.pem",
            "https://user@sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com/x.txt",
            "https://sns.us-east-1.amazonaws.com/x.pem?y",
            "https://sns.US-EAST-1.amazonaws.com/x.pem",
            "",
        ] {
            assert!(!certificate_url_allowed(bad), "{bad}");
        }
        let mut e = fixture("notification");
        e.signing_cert_url = "https://evil.example/cert.pem".into();
        assert_eq!(e.verify(CERT), Err(Invalid::CertificateUrl));
    }
}
