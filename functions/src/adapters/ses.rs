//! The Email port on AWS: SES v2 `SendEmail` with the raw MIME message built here, so every
//! header (the business's name as sender name, `List-Unsubscribe`...) is what was built.

use crate::domain::ports::{Email, Mail};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;

pub struct SesEmail {
    client: Client,
    /// The verified address every email is sent from (`no-reply@...`); the display name is
    /// the business's.
    from: String,
}

impl SesEmail {
    /// `endpoint` overrides SES's (a local test server); `from` is the sending address.
    pub async fn new(endpoint: Option<&str>, from: String) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let mut conf = aws_sdk_sesv2::config::Builder::from(&config);
        if let Some(url) = endpoint {
            conf = conf.endpoint_url(url);
        }
        Self::from_client(Client::from_conf(conf.build()), from)
    }

    /// Over a client configured elsewhere (a test's, with its own credentials).
    pub fn from_client(client: Client, from: String) -> Self {
        Self { client, from }
    }
}

/// The MIME message of `mail`, sent from `from` with the business's name: a plain-text part
/// (quoted-printable or base64 as its content needs), a Message-ID made of the outbox's id, and
/// for what is not strictly transactional the one-click unsubscribe headers of RFC 8058.
pub fn mime(id: &str, from: &str, mail: &Mail) -> anyhow::Result<Vec<u8>> {
    let domain = from.rsplit_once('@').map_or("sideline.invalid", |(_, d)| d);
    let mut message = MessageBuilder::new()
        .from((mail.from_name.as_str(), from))
        .to(mail.to.as_str())
        .subject(mail.subject.as_str())
        .message_id(format!("{id}@{domain}"))
        .text_body(mail.text.as_str());
    if let Some(url) = &mail.unsubscribe {
        message = message
            .header("List-Unsubscribe", URL::new(url.as_str()))
            .header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            );
    }
    message.write_to_vec().context("building the MIME message")
}

#[async_trait]
impl Email for SesEmail {
    async fn send(&self, id: &str, mail: &Mail) -> anyhow::Result<()> {
        let raw = RawMessage::builder()
            .data(Blob::new(mime(id, &self.from, mail)?))
            .build()
            .context("a raw message")?;
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(aws_sdk_sesv2::Error::from)
            .with_context(|| format!("SES refused email {id}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(unsubscribe: Option<&str>) -> Mail {
        Mail {
            business_id: shared::BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1)),
            to: "dana@example.com".into(),
            from_name: "Peak Performance".into(),
            subject: "Your invite".into(),
            text: "Hi Dana,\n\nJoin here: https://app.example/join/abc\n".into(),
            links: vec!["https://app.example/join/abc".into()],
            unsubscribe: unsubscribe.map(str::to_owned),
        }
    }

    fn text(mail: &Mail) -> String {
        String::from_utf8(mime("01J", "no-reply@mail.example", mail).expect("built"))
            .expect("ASCII")
    }

    #[test]
    fn a_transactional_email_has_the_business_as_sender_and_a_text_part() {
        let raw = text(&mail(None));
        assert!(
            raw.contains("From: \"Peak Performance\" <no-reply@mail.example>"),
            "{raw}"
        );
        assert!(raw.contains("To: <dana@example.com>"), "{raw}");
        assert!(raw.contains("Subject: Your invite"), "{raw}");
        assert!(raw.contains("Message-ID: <01J@mail.example>"), "{raw}");
        assert!(raw.contains("Content-Type: text/plain"), "{raw}");
        assert!(raw.contains("https://app.example/join/abc"), "{raw}");
        assert!(!raw.contains("List-Unsubscribe"), "{raw}");
    }

    #[test]
    fn anything_else_carries_one_click_unsubscribe() {
        let raw = text(&mail(Some("https://app.example/api/unsubscribe/t")));
        assert!(
            raw.contains("List-Unsubscribe: <https://app.example/api/unsubscribe/t>"),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{raw}"
        );
    }
}
