//! The Sms port on AWS. Numbers and toll-free registrations through AWS End User Messaging SMS
//! (`pinpoint-sms-voice-v2`): a toll-free number per business (`RequestPhoneNumber`), two-way
//! to the SNS topic the `sms` function reads (`UpdatePhoneNumber`), released when kept too
//! long (`ReleasePhoneNumber`); the registration created, filled field by field, tied to the
//! number and submitted. Texts are sent with SNS `Publish` to the phone, with the origination
//! number and the SMS type as message attributes.

use crate::domain::ports::{Handed, OutgoingText, ProvisionedNumber, Refused, Sms, Submission};
use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_pinpointsmsvoicev2::types::{MessageType, NumberCapability, RequestableNumberType};
use aws_sdk_sns::types::MessageAttributeValue;
use shared::BusinessId;
use shared::sms::{RegistrationForm, RegistrationState, TextKind};

/// The registration type of a toll-free number in the United States (it covers Canada too).
pub const TOLL_FREE_REGISTRATION: &str = "US_TOLL_FREE_REGISTRATION";

/// What the registration form's fields are to End User Messaging (`FieldPath`), with the value
/// of each; select fields take choices, the opt-in proof is the attachment of id
/// `opt_in_proof`, the rest text.
pub fn registration_fields(
    form: &RegistrationForm,
    opt_in_proof: &str,
    address: &shared::model::Address,
    country: &str,
) -> Vec<(&'static str, Field)> {
    let text = |v: &str| Field::Text(v.to_owned());
    let mut fields = vec![
        (
            "companyInfo.businessType",
            Field::Choice(form.business_type.network_value().into()),
        ),
        ("companyInfo.companyName", text(&form.legal_name)),
        ("companyInfo.website", text(&form.website)),
        ("companyInfo.address1", text(&address.line1)),
        ("companyInfo.city", text(&address.city)),
        ("companyInfo.state", text(&address.region)),
        ("companyInfo.zipCode", text(&address.postal_code)),
        ("companyInfo.isoCountryCode", text(country)),
        ("contactInfo.firstName", text(&form.contact_first_name)),
        ("contactInfo.lastName", text(&form.contact_last_name)),
        ("contactInfo.supportEmail", text(&form.contact_email)),
        ("contactInfo.supportPhoneNumber", text(&form.contact_phone)),
        // A coach and their clients writing to each other, the business answering them.
        (
            "messagingUseCase.useCaseCategory",
            Field::Choice("CUSTOMER_CARE".into()),
        ),
        ("messagingUseCase.useCaseDetails", text(&form.use_case)),
        (
            "messagingUseCase.monthlyMessageVolume",
            Field::Choice(form.monthly_volume.to_string()),
        ),
        (
            "messagingUseCase.optInDescription",
            text(&form.opt_in_description),
        ),
        (
            "messagingUseCase.optInType",
            Field::Choice(form.opt_in_type.network_value().into()),
        ),
        (
            "messagingUseCase.optInImage",
            Field::Attachment(opt_in_proof.to_owned()),
        ),
        (
            "messagingUseCase.privacyPolicyUrl",
            text(&form.privacy_policy_url),
        ),
        (
            "messagingUseCase.termsAndConditionsUrl",
            text(&form.terms_url),
        ),
    ];
    if !address.line2.is_empty() {
        fields.push(("companyInfo.address2", text(&address.line2)));
    }
    const SAMPLES: [&str; 5] = [
        "messageSamples.messageSample1",
        "messageSamples.messageSample2",
        "messageSamples.messageSample3",
        "messageSamples.messageSample4",
        "messageSamples.messageSample5",
    ];
    for (path, sample) in SAMPLES.iter().zip(&form.sample_messages) {
        fields.push((path, text(sample)));
    }
    fields
}

/// A registration field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Text(String),
    Choice(String),
    /// A registration attachment's id.
    Attachment(String),
}

pub struct AwsSms {
    numbers: aws_sdk_pinpointsmsvoicev2::Client,
    sns: aws_sdk_sns::Client,
    /// The shared number texts go from before a business's own is verified.
    system_number: String,
    /// The SNS topic inbound texts go to (two-way), if set up.
    inbound_topic: Option<String>,
}

impl AwsSms {
    /// Over the environment's credentials; `endpoints` override End User Messaging's and
    /// SNS's (test servers).
    pub async fn new(
        system_number: String,
        inbound_topic: Option<String>,
        numbers_endpoint: Option<&str>,
        sns_endpoint: Option<&str>,
    ) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let mut numbers = aws_sdk_pinpointsmsvoicev2::config::Builder::from(&config);
        if let Some(url) = numbers_endpoint {
            numbers = numbers.endpoint_url(url);
        }
        let mut sns = aws_sdk_sns::config::Builder::from(&config);
        if let Some(url) = sns_endpoint {
            sns = sns.endpoint_url(url);
        }
        Self::from_clients(
            aws_sdk_pinpointsmsvoicev2::Client::from_conf(numbers.build()),
            aws_sdk_sns::Client::from_conf(sns.build()),
            system_number,
            inbound_topic,
        )
    }

    /// Over clients configured elsewhere (a test's).
    pub fn from_clients(
        numbers: aws_sdk_pinpointsmsvoicev2::Client,
        sns: aws_sdk_sns::Client,
        system_number: String,
        inbound_topic: Option<String>,
    ) -> Self {
        Self {
            numbers,
            sns,
            system_number,
            inbound_topic,
        }
    }
}

fn string_attribute(value: &str) -> anyhow::Result<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .context("a message attribute")
}

#[async_trait]
impl Sms for AwsSms {
    fn system_number(&self) -> String {
        self.system_number.clone()
    }

    async fn request_number(&self, business: BusinessId) -> anyhow::Result<ProvisionedNumber> {
        let got = self
            .numbers
            .request_phone_number()
            .iso_country_code("US")
            .message_type(MessageType::Transactional)
            .number_capabilities(NumberCapability::Sms)
            .number_type(RequestableNumberType::TollFree)
            .deletion_protection_enabled(false)
            .client_token(format!("sideline-{business}"))
            .send()
            .await
            .context("requesting a toll-free number")?;
        let number = got.phone_number().context("a number without its digits")?;
        let id = got.phone_number_id().context("a number without its id")?;
        if let Some(topic) = &self.inbound_topic {
            self.numbers
                .update_phone_number()
                .phone_number_id(id)
                .two_way_enabled(true)
                .two_way_channel_arn(topic)
                .send()
                .await
                .context("sending the number's texts to the inbound topic")?;
        }
        Ok(ProvisionedNumber {
            number: number.to_owned(),
            id: id.to_owned(),
        })
    }

    async fn release_number(&self, id: &str) -> anyhow::Result<()> {
        match self
            .numbers
            .release_phone_number()
            .phone_number_id(id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(anyhow::Error::new(e).context("releasing a number")),
        }
    }

    async fn registration_attachment(
        &self,
        _content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<String> {
        // The network tells the type from the file itself.
        let created = self
            .numbers
            .create_registration_attachment()
            .attachment_body(aws_sdk_pinpointsmsvoicev2::primitives::Blob::new(body))
            .send()
            .await
            .map_err(|e| refusal(e, "the opt-in proof"))?;
        Ok(created.registration_attachment_id().to_owned())
    }

    async fn submit_registration(&self, s: &Submission<'_>) -> anyhow::Result<String> {
        // Changes the reviewers asked for go in the registration's next version; otherwise
        // (the first time, or after a refusal closed it) a new registration for the number.
        let id = match s.revising {
            Some(id) => {
                self.numbers
                    .create_registration_version()
                    .registration_id(id)
                    .send()
                    .await
                    .map_err(|e| refusal(e, "opening the registration's next version"))?;
                id.to_owned()
            }
            None => self
                .numbers
                .create_registration()
                .registration_type(TOLL_FREE_REGISTRATION)
                .send()
                .await
                .context("creating the registration")?
                .registration_id()
                .to_owned(),
        };
        for (path, value) in registration_fields(s.form, s.opt_in_proof, s.address, s.country) {
            let put = self
                .numbers
                .put_registration_field_value()
                .registration_id(&id)
                .field_path(path);
            let put = match value {
                Field::Text(t) => put.text_value(t),
                Field::Choice(c) => put.select_choices(c),
                Field::Attachment(a) => put.registration_attachment_id(a),
            };
            put.send()
                .await
                .map_err(|e| refusal(e, &format!("the registration's {path}")))?;
        }
        if s.revising.is_none() {
            self.numbers
                .create_registration_association()
                .registration_id(&id)
                .resource_id(s.number_id)
                .send()
                .await
                .map_err(|e| refusal(e, "tying the registration to the number"))?;
        }
        self.numbers
            .submit_registration_version()
            .registration_id(&id)
            .send()
            .await
            .map_err(|e| refusal(e, "submitting the registration"))?;
        Ok(id)
    }

    async fn registration_review(
        &self,
        id: &str,
    ) -> anyhow::Result<Option<(RegistrationState, Option<String>)>> {
        use aws_sdk_pinpointsmsvoicev2::types::RegistrationStatus as S;
        let found = self
            .numbers
            .describe_registrations()
            .registration_ids(id)
            .send()
            .await
            .context("reading the registration")?;
        let Some(r) = found.registrations().first() else {
            anyhow::bail!("registration {id} is not there");
        };
        let state = match r.registration_status() {
            S::Created | S::Submitted => RegistrationState::Submitted,
            S::AwsReviewing | S::Reviewing | S::Provisioning => RegistrationState::Reviewing,
            S::RequiresUpdates | S::RequiresAuthentication => RegistrationState::RequiresUpdates,
            S::Complete => RegistrationState::Approved,
            S::Closed | S::Deleted => RegistrationState::Denied,
            other => {
                tracing::warn!(status = %other.as_str(), registration = %id, "an unknown registration status");
                return Ok(None);
            }
        };
        if !matches!(
            state,
            RegistrationState::RequiresUpdates | RegistrationState::Denied
        ) {
            return Ok(Some((state, None)));
        }
        // Why: the denied reasons of the version the reviewers turned down.
        let version = r
            .latest_denied_version_number()
            .unwrap_or(r.current_version_number());
        let versions = self
            .numbers
            .describe_registration_versions()
            .registration_id(id)
            .version_numbers(version)
            .send()
            .await
            .context("reading the registration's reviewed version")?;
        let reasons: Vec<String> = versions
            .registration_versions()
            .iter()
            .flat_map(|v| v.denied_reasons())
            .map(|d| match d.long_description() {
                Some(long) => format!("{}: {long}", d.short_description()),
                None => d.short_description().to_owned(),
            })
            .collect();
        let reason = (!reasons.is_empty()).then(|| reasons.join(" "));
        Ok(Some((state, reason)))
    }

    async fn send(&self, text: &OutgoingText<'_>) -> anyhow::Result<Handed> {
        let kind = match text.kind {
            TextKind::Marketing => "Promotional",
            TextKind::Direct | TextKind::Transactional => "Transactional",
        };
        let mut publish = self
            .sns
            .publish()
            .phone_number(text.to)
            .message(text.body)
            .message_attributes("AWS.SNS.SMS.SMSType", string_attribute(kind)?);
        // Without a shared number configured, SNS chooses one of the account's.
        let from = text.from.unwrap_or(&self.system_number);
        if !from.is_empty() {
            publish =
                publish.message_attributes("AWS.MM.SMS.OriginationNumber", string_attribute(from)?);
        }
        let sent = publish.send().await.context("publishing the text")?;
        Ok(Handed::Sent(
            sent.message_id()
                .context("a text without its id")?
                .to_owned(),
        ))
    }
}

/// What a failed call of End User Messaging means: a refusal of what was asked (its
/// validation, a conflict with the registration's state), told with the network's words; or
/// the network's trouble.
fn refusal<E>(
    e: aws_sdk_pinpointsmsvoicev2::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    what: &str,
) -> anyhow::Error
where
    E: aws_sdk_pinpointsmsvoicev2::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    if let Some(service) = e.as_service_error()
        && matches!(
            service.code(),
            Some("ValidationException" | "ConflictException")
        )
    {
        let words = service.message().unwrap_or("refused");
        return Refused(format!("{what}: {words}")).into();
    }
    anyhow::Error::new(e).context(format!("{what} failed"))
}
