//! Texting on AWS: the Sms adapter driven through the real SDK clients. Numbers and toll-free
//! registrations against a server speaking End User Messaging SMS's wire protocol (AWS JSON
//! 1.0, `X-Amz-Target: PinpointSMSVoiceV2.*`), written here from its documentation since moto
//! has none, asserting only what AWS documents; texts published to moto's SNS.

use crate::email::Moto;
use crate::helpers::TestApp;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use functions::adapters::eum::{AwsSms, TOLL_FREE_REGISTRATION};
use functions::domain::ports::{Handed, OutgoingText, Sms, Submission};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, PoisonError};

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:sideline-inbound";
const SYSTEM: &str = "+18005550100";

/// What the wire-protocol server was asked, in order: each operation and its body.
type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// End User Messaging SMS on a loopback port: the operations the adapter calls, answered
/// with the members AWS documents for each.
struct EumServer {
    url: String,
    calls: Calls,
}

impl EumServer {
    async fn start() -> Self {
        let calls: Calls = Arc::default();
        let kept = calls.clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let calls = kept.clone();
                async move { answer(&calls, &headers, &body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, calls }
    }

    /// Forgets the calls so far.
    fn forget(&self) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn calls(&self) -> Vec<(String, Value)> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn client(&self) -> aws_sdk_pinpointsmsvoicev2::Client {
        let creds = aws_sdk_pinpointsmsvoicev2::config::Credentials::new(
            "test", "test", None, None, "tests",
        );
        let conf = aws_sdk_pinpointsmsvoicev2::Config::builder()
            .behavior_version(aws_sdk_pinpointsmsvoicev2::config::BehaviorVersion::latest())
            .region(aws_sdk_pinpointsmsvoicev2::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(&self.url)
            .build();
        aws_sdk_pinpointsmsvoicev2::Client::from_conf(conf)
    }
}

const NUMBER_ID: &str = "phone-0123456789abcdef0123456789abcdef";
const REGISTRATION_ID: &str = "registration-0123456789abcdef0123456789abcdef";
const ATTACHMENT_ID: &str = "attachment-0123456789abcdef0123456789abcdef";

fn answer(calls: &Calls, headers: &HeaderMap, body: &str) -> (StatusCode, HeaderMap, String) {
    let mut out = HeaderMap::new();
    out.insert(
        "content-type",
        "application/x-amz-json-1.0".parse().expect("header"),
    );
    let target = headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    let content_type = headers
        .get("content-type")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    let Some(op) = target.strip_prefix("PinpointSMSVoiceV2.") else {
        return (
            StatusCode::BAD_REQUEST,
            out,
            json!({"__type": "UnknownOperationException"}).to_string(),
        );
    };
    assert_eq!(content_type, "application/x-amz-json-1.0", "{op}");
    assert!(headers.contains_key("authorization"), "{op} is signed");
    let req: Value = serde_json::from_str(body).expect("a JSON body");
    calls
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((op.to_owned(), req.clone()));
    let arn =
        |what: &str, id: &str| format!("arn:aws:sms-voice:us-east-1:123456789012:{what}/{id}");
    let number = json!({
        "PhoneNumberArn": arn("phone-number", NUMBER_ID), "PhoneNumberId": NUMBER_ID,
        "PhoneNumber": "+18335550123", "Status": "PENDING", "IsoCountryCode": "US",
        "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"], "NumberType": "TOLL_FREE",
        "MonthlyLeasingPrice": "2.00", "TwoWayEnabled": false, "SelfManagedOptOutsEnabled": false,
        "OptOutListName": "Default", "DeletionProtectionEnabled": false, "CreatedTimestamp": 1_764_000_000
    });
    let registration = |version: u64| {
        json!({"RegistrationArn": arn("registration", REGISTRATION_ID),
               "RegistrationId": REGISTRATION_ID, "VersionNumber": version})
    };
    let ok = match op {
        "RequestPhoneNumber" => number,
        "UpdatePhoneNumber" => {
            let mut n = number;
            n["TwoWayEnabled"] = req["TwoWayEnabled"].clone();
            n["TwoWayChannelArn"] = req["TwoWayChannelArn"].clone();
            n
        }
        "ReleasePhoneNumber" if req["PhoneNumberId"] == NUMBER_ID => number,
        "ReleasePhoneNumber" => {
            let missing = json!({"__type": "ResourceNotFoundException",
                "Message": "The phone number does not exist", "ResourceType": "phone-number",
                "ResourceId": req["PhoneNumberId"]});
            return (StatusCode::BAD_REQUEST, out, missing.to_string());
        }
        "CreateRegistration" => {
            let mut r = registration(1);
            r["RegistrationType"] = req["RegistrationType"].clone();
            r["RegistrationStatus"] = json!("CREATED");
            r["CurrentVersionNumber"] = json!(1);
            r["CreatedTimestamp"] = json!(1_764_000_000);
            r
        }
        // What End User Messaging answers a value it does not take.
        "PutRegistrationFieldValue" if req["TextValue"] == "Not A Company" => {
            let refused = json!({"__type": "ValidationException",
                "Message": "Invalid value for field companyInfo.companyName",
                "Reason": "INVALID_PARAMETER",
                "Fields": [{"Name": "TextValue", "Message": "Invalid company name"}]});
            return (StatusCode::BAD_REQUEST, out, refused.to_string());
        }
        "PutRegistrationFieldValue" => {
            let mut r = registration(1);
            r["FieldPath"] = req["FieldPath"].clone();
            for key in ["TextValue", "SelectChoices", "RegistrationAttachmentId"] {
                if !req[key].is_null() {
                    r[key] = req[key].clone();
                }
            }
            r
        }
        // The file arrives as the JSON protocol sends a blob: base64.
        "CreateRegistrationAttachment" => {
            let body = req["AttachmentBody"].as_str().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body)
                .expect("base64");
            if !bytes.starts_with(b"\x89PNG") {
                let refused = json!({"__type": "ValidationException",
                    "Message": "The attachment must be a PDF, JPEG or PNG file",
                    "Reason": "INVALID_PARAMETER"});
                return (StatusCode::BAD_REQUEST, out, refused.to_string());
            }
            json!({"RegistrationAttachmentArn": arn("registration-attachment", ATTACHMENT_ID),
                   "RegistrationAttachmentId": ATTACHMENT_ID, "AttachmentStatus": "UPLOAD_IN_PROGRESS",
                   "CreatedTimestamp": 1_764_000_000})
        }
        "CreateRegistrationVersion" => json!({
            "RegistrationArn": arn("registration", REGISTRATION_ID), "RegistrationId": req["RegistrationId"],
            "VersionNumber": 2, "RegistrationVersionStatus": "DRAFT",
            "RegistrationVersionStatusHistory": {"DraftTimestamp": 1_764_200_000}
        }),
        "CreateRegistrationAssociation" => json!({
            "RegistrationArn": arn("registration", REGISTRATION_ID), "RegistrationId": REGISTRATION_ID,
            "RegistrationType": TOLL_FREE_REGISTRATION, "ResourceArn": arn("phone-number", NUMBER_ID),
            "ResourceId": req["ResourceId"], "ResourceType": "phone-number",
            "IsoCountryCode": "US", "PhoneNumber": "+18335550123"
        }),
        "SubmitRegistrationVersion" => {
            let mut r = registration(1);
            r["RegistrationVersionStatus"] = json!("SUBMITTED");
            r["RegistrationVersionStatusHistory"] =
                json!({"DraftTimestamp": 1_764_000_000, "SubmittedTimestamp": 1_764_000_100});
            r
        }
        // Three registrations where the reviewers got to different places.
        "DescribeRegistrations" => {
            let id = req["RegistrationIds"][0]
                .as_str()
                .expect("an id")
                .to_owned();
            let status = match id.as_str() {
                "registration-reviewing" => "REVIEWING",
                "registration-complete" => "COMPLETE",
                _ => "REQUIRES_UPDATES",
            };
            json!({"Registrations": [{
                "RegistrationArn": arn("registration", &id), "RegistrationId": id,
                "RegistrationType": TOLL_FREE_REGISTRATION, "RegistrationStatus": status,
                "CurrentVersionNumber": 2, "LatestDeniedVersionNumber": 1,
                "CreatedTimestamp": 1_764_000_000
            }]})
        }
        "DescribeRegistrationVersions" => {
            assert_eq!(req["VersionNumbers"], json!([1]), "the version turned down");
            json!({"RegistrationArn": arn("registration", REGISTRATION_ID),
            "RegistrationId": REGISTRATION_ID,
            "RegistrationVersions": [{
                "VersionNumber": 1, "RegistrationVersionStatus": "DENIED",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": 1_764_000_000,
                                                     "DeniedTimestamp": 1_764_100_000},
                "DeniedReasons": [{"Reason": "OPT_IN_IMAGE",
                                   "ShortDescription": "Opt-in proof missing",
                                   "LongDescription": "Show where clients agree to texts."}]
            }]})
        }
        other => panic!("the adapter called {other}, which this server does not answer"),
    };
    (StatusCode::OK, out, ok.to_string())
}

fn adapter(eum: &EumServer, sns: aws_sdk_sns::Client) -> AwsSms {
    AwsSms::from_clients(eum.client(), sns, SYSTEM.into(), Some(TOPIC.into()))
}

fn sns_client(url: &str) -> aws_sdk_sns::Client {
    let creds = aws_sdk_sns::config::Credentials::new("test", "test", None, None, "tests");
    let conf = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(url)
        .build();
    aws_sdk_sns::Client::from_conf(conf)
}

fn business() -> shared::BusinessId {
    shared::BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1))
}

#[tokio::test]
async fn a_toll_free_number_is_requested_two_way_and_released() {
    let eum = EumServer::start().await;
    let sms = adapter(&eum, sns_client("http://127.0.0.1:9"));
    let number = sms.request_number(business()).await.expect("a number");
    assert_eq!(
        (number.number.as_str(), number.id.as_str()),
        ("+18335550123", NUMBER_ID)
    );
    let calls = eum.calls();
    assert_eq!(calls[0].0, "RequestPhoneNumber");
    let asked = &calls[0].1;
    assert_eq!(asked["IsoCountryCode"], "US");
    assert_eq!(asked["MessageType"], "TRANSACTIONAL");
    assert_eq!(asked["NumberCapabilities"], json!(["SMS"]));
    assert_eq!(asked["NumberType"], "TOLL_FREE");
    assert!(asked["ClientToken"].as_str().is_some_and(|t| !t.is_empty()));
    // Its texts go to the topic the `sms` function reads.
    assert_eq!(calls[1].0, "UpdatePhoneNumber");
    assert_eq!(calls[1].1["PhoneNumberId"], NUMBER_ID);
    assert_eq!(calls[1].1["TwoWayEnabled"], true);
    assert_eq!(calls[1].1["TwoWayChannelArn"], TOPIC);

    sms.release_number(NUMBER_ID).await.expect("released");
    // One already gone is released too.
    sms.release_number("phone-gone")
        .await
        .expect("already gone");
    let calls = eum.calls();
    assert_eq!(
        calls.iter().map(|(op, _)| op.as_str()).collect::<Vec<_>>(),
        [
            "RequestPhoneNumber",
            "UpdatePhoneNumber",
            "ReleasePhoneNumber",
            "ReleasePhoneNumber"
        ]
    );
}

#[tokio::test]
async fn a_registration_is_created_filled_tied_to_the_number_and_submitted() {
    let eum = EumServer::start().await;
    let sms = adapter(&eum, sns_client("http://127.0.0.1:9"));
    let form = shared::sms::RegistrationForm {
        legal_name: "Peak Coaching LLC".into(),
        website: "https://peak.example.com".into(),
        privacy_policy_url: "https://peak.example.com/privacy".into(),
        terms_url: "https://peak.example.com/terms".into(),
        contact_first_name: "Sam".into(),
        contact_last_name: "Rivera".into(),
        contact_email: "sam@peak.example.com".into(),
        contact_phone: "+14155550100".into(),
        use_case: "Reminders and replies to our coaching clients.".into(),
        sample_messages: vec![
            "Peak: see you at 6. Reply STOP to opt out.".into(),
            "Peak: great work today!".into(),
        ],
        opt_in_description: "Clients agree to texts when they sign up.".into(),
        opt_in_type: shared::sms::OptInType::DigitalForm,
        business_type: shared::sms::BusinessType::SoleProprietor,
        monthly_volume: 1000,
    };
    let address = shared::model::Address {
        line1: "1 Market St".into(),
        line2: "Suite 4".into(),
        city: "San Francisco".into(),
        region: "CA".into(),
        postal_code: "94105".into(),
    };
    // The opt-in proof goes first, as a registration attachment of its bytes.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(b"the signup form's consent box");
    let proof = sms
        .registration_attachment("image/png", png.clone())
        .await
        .expect("attached");
    assert_eq!(proof, ATTACHMENT_ID);
    let refused = sms
        .registration_attachment("image/png", b"GIF89a".to_vec())
        .await
        .expect_err("refused");
    assert!(
        refused
            .downcast_ref::<functions::domain::ports::Refused>()
            .is_some(),
        "{refused:#}"
    );
    let sent = eum.calls();
    assert_eq!(sent[0].0, "CreateRegistrationAttachment");
    assert_eq!(
        sent[0].1["AttachmentBody"],
        base64::engine::general_purpose::STANDARD.encode(&png)
    );
    eum.forget();
    let submission = Submission {
        business: business(),
        number_id: NUMBER_ID,
        revising: None,
        form: &form,
        opt_in_proof: &proof,
        address: &address,
        country: "US",
    };
    let id = sms
        .submit_registration(&submission)
        .await
        .expect("submitted");
    assert_eq!(id, REGISTRATION_ID);
    let calls = eum.calls();
    assert_eq!(calls[0].0, "CreateRegistration");
    assert_eq!(calls[0].1["RegistrationType"], TOLL_FREE_REGISTRATION);
    let fields: std::collections::HashMap<String, Value> = calls
        .iter()
        .filter(|(op, _)| op == "PutRegistrationFieldValue")
        .map(|(_, req)| {
            assert_eq!(req["RegistrationId"], REGISTRATION_ID);
            let value = [
                &req["TextValue"],
                &req["SelectChoices"],
                &req["RegistrationAttachmentId"],
            ]
            .into_iter()
            .find(|v| !v.is_null())
            .cloned()
            .expect("a value");
            (req["FieldPath"].as_str().expect("path").to_owned(), value)
        })
        .collect();
    for (path, value) in [
        ("companyInfo.companyName", json!("Peak Coaching LLC")),
        ("companyInfo.address1", json!("1 Market St")),
        ("companyInfo.address2", json!("Suite 4")),
        ("companyInfo.zipCode", json!("94105")),
        ("companyInfo.isoCountryCode", json!("US")),
        ("contactInfo.supportEmail", json!("sam@peak.example.com")),
        ("messagingUseCase.monthlyMessageVolume", json!(["1000"])),
        ("messagingUseCase.optInType", json!(["DIGITAL_FORM"])),
        ("messagingUseCase.optInImage", json!(ATTACHMENT_ID)),
        ("companyInfo.businessType", json!(["SOLE_PROPRIETOR"])),
        (
            "messagingUseCase.privacyPolicyUrl",
            json!("https://peak.example.com/privacy"),
        ),
        (
            "messageSamples.messageSample2",
            json!("Peak: great work today!"),
        ),
    ] {
        assert_eq!(fields.get(path), Some(&value), "{path}");
    }
    assert!(!fields.contains_key("messageSamples.messageSample3"));
    // Where the reviewers got: reviewing; approved; changes wanted, with their reasons.
    use shared::sms::RegistrationState as R;
    assert_eq!(
        sms.registration_review("registration-reviewing")
            .await
            .expect("read"),
        Some((R::Reviewing, None))
    );
    assert_eq!(
        sms.registration_review("registration-complete")
            .await
            .expect("read"),
        Some((R::Approved, None))
    );
    assert_eq!(
        sms.registration_review(REGISTRATION_ID)
            .await
            .expect("read"),
        Some((
            R::RequiresUpdates,
            Some("Opt-in proof missing: Show where clients agree to texts.".into())
        ))
    );
    // A value End User Messaging refuses is told as a refusal, in its words.
    let refused = sms
        .submit_registration(&Submission {
            form: &shared::sms::RegistrationForm {
                legal_name: "Not A Company".into(),
                ..form.clone()
            },
            ..submission
        })
        .await
        .expect_err("refused");
    let words = refused
        .downcast_ref::<functions::domain::ports::Refused>()
        .map(ToString::to_string);
    assert_eq!(
        words.as_deref(),
        Some(
            "the registration's companyInfo.companyName: Invalid value for field companyInfo.companyName"
        )
    );
    let tail: Vec<&str> = calls[calls.len() - 2..]
        .iter()
        .map(|(op, _)| op.as_str())
        .collect();
    assert_eq!(
        tail,
        ["CreateRegistrationAssociation", "SubmitRegistrationVersion"]
    );
    let tie = &calls[calls.len() - 2].1;
    assert_eq!(
        (tie["RegistrationId"].clone(), tie["ResourceId"].clone()),
        (json!(REGISTRATION_ID), json!(NUMBER_ID))
    );

    // Changes the reviewers asked for go in the registration's next version: the same
    // registration, already tied to the number.
    eum.forget();
    let id = sms
        .submit_registration(&Submission {
            revising: Some(REGISTRATION_ID),
            ..submission
        })
        .await
        .expect("resubmitted");
    assert_eq!(id, REGISTRATION_ID);
    let calls = eum.calls();
    let ops: Vec<&str> = calls.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(ops.first(), Some(&"CreateRegistrationVersion"));
    assert_eq!(calls[0].1["RegistrationId"], REGISTRATION_ID);
    assert_eq!(ops.last(), Some(&"SubmitRegistrationVersion"));
    assert!(!ops.contains(&"CreateRegistration"));
    assert!(!ops.contains(&"CreateRegistrationAssociation"));
    assert!(
        calls
            .iter()
            .filter(|(op, _)| op == "PutRegistrationFieldValue")
            .all(|(_, req)| req["RegistrationId"] == REGISTRATION_ID)
    );
}

#[tokio::test]
async fn a_text_is_published_to_the_phone_from_its_number_with_its_type() {
    let recording = tempfile::NamedTempFile::new().expect("a recording file");
    let moto = Moto::start_recording(recording.path()).await;
    let eum = EumServer::start().await;
    let sms = adapter(&eum, sns_client(&moto.url));
    reqwest::Client::new()
        .post(format!("{}/moto-api/recorder/start-recording", moto.url))
        .send()
        .await
        .expect("start recording");
    let sent = sms
        .send(&OutgoingText {
            id: "t-1",
            to: "+14155550123",
            from: Some("+18335550123"),
            body: "See you at 6 – bring water",
            kind: shared::sms::TextKind::Direct,
        })
        .await
        .expect("published");
    let Handed::Sent(id) = sent else {
        panic!("SNS answers with an id, delivery comes later: {sent:?}")
    };
    let marketing = sms
        .send(&OutgoingText {
            id: "t-2",
            to: "+14155550124",
            from: None,
            body: "Spring offer",
            kind: shared::sms::TextKind::Marketing,
        })
        .await
        .expect("published");
    assert!(matches!(marketing, Handed::Sent(_)));

    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto.url))
        .await
        .expect("moto's data")
        .json()
        .await
        .expect("json");
    let texts = data["sns"]["SMS"].as_array().expect("texts SNS took");
    let first = texts
        .iter()
        .find(|t| t["message_id"] == id.as_str())
        .expect("the text by its id");
    assert_eq!(first["phone_number"], "+14155550123");
    assert_eq!(first["message"], "See you at 6 – bring water");

    // What was published: the origination number and the type as message attributes.
    let recorded = reqwest::get(format!("{}/moto-api/recorder/download-recording", moto.url))
        .await
        .expect("the recording")
        .text()
        .await
        .expect("text");
    let publishes: Vec<String> = recorded
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|entry| {
            let body = entry["body"].as_str()?.to_owned();
            let body = match entry["body_encoded"].as_bool() {
                Some(true) => String::from_utf8(
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body)
                        .ok()?,
                )
                .ok()?,
                _ => body,
            };
            body.contains("Action=Publish").then_some(body)
        })
        .collect();
    assert_eq!(publishes.len(), 2, "{recorded}");
    let form = |body: &str| -> std::collections::HashMap<String, String> {
        form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect()
    };
    let attributes = |body: &str| -> std::collections::HashMap<String, String> {
        let f = form(body);
        (1..=5)
            .filter_map(|n| {
                let name = f.get(&format!("MessageAttributes.entry.{n}.Name"))?;
                let value = f.get(&format!("MessageAttributes.entry.{n}.Value.StringValue"))?;
                Some((name.clone(), value.clone()))
            })
            .collect()
    };
    let direct = attributes(&publishes[0]);
    assert_eq!(direct["AWS.MM.SMS.OriginationNumber"], "+18335550123");
    assert_eq!(direct["AWS.SNS.SMS.SMSType"], "Transactional");
    assert_eq!(form(&publishes[0])["PhoneNumber"], "+14155550123");
    let promo = attributes(&publishes[1]);
    assert_eq!(
        promo["AWS.MM.SMS.OriginationNumber"], SYSTEM,
        "the shared number"
    );
    assert_eq!(promo["AWS.SNS.SMS.SMSType"], "Promotional");
}

/// Texts that arrive through an SNS topic's HTTP subscription: moto's SNS, as End User
/// Messaging's two-way delivery would, publishes the text to the topic and posts it, signed,
/// to the local server, which checks the signature with the certificate moto serves and acts
/// on the text once (a lead whose thread holds it); a message SNS did not sign is refused.
#[tokio::test]
async fn a_text_published_to_the_topic_reaches_the_local_server_over_http() {
    let moto = Moto::start().await;
    let app = TestApp::with_sns(&moto.url).await;
    let (owner, number) = crate::texting::texting_business(&app).await;
    let sns = sns_client(&moto.url);
    let topic = sns
        .create_topic()
        .name("inbound-texts")
        .send()
        .await
        .expect("topic")
        .topic_arn()
        .expect("arn")
        .to_owned();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(format!("{}/sns/texts", app.base))
        .send()
        .await
        .expect("subscribed");
    let text = json!({
        "originationNumber": "+14155550190", "destinationNumber": number,
        "messageKeyword": "KEYWORD_123456789012", "messageBody": "Hi, saw your ad",
        "inboundMessageId": "moto-inbound-1"
    })
    .to_string();
    // Delivered twice (SNS delivers at least once): one lead, one message.
    for _ in 0..2 {
        sns.publish()
            .topic_arn(&topic)
            .message(&text)
            .send()
            .await
            .expect("published");
    }
    let mut lead = Value::Null;
    for _ in 0..100 {
        let found = app
            .get("/api/clients?q=%2B1%20415-555-0190", Some(&owner.token))
            .await
            .ok();
        if let Some(first) = found["items"].get(0) {
            lead = first.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(lead["phone"], "+14155550190", "a lead: {lead}");
    let thread = lead["conversation_id"].as_str().expect("a thread");
    let page = app.history(&owner, thread, "").await.ok();
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "once: {page}");
    assert_eq!(items[0]["body"], "Hi, saw your ad");
    assert_eq!(items[0]["channel"], "sms");

    // The same shape, not signed by SNS: refused.
    let forged = json!({
        "Type": "Notification", "MessageId": "forged-1", "TopicArn": topic,
        "Message": text.replace("moto-inbound-1", "forged-1"),
        "Timestamp": "2026-12-03T10:00:00.000Z", "SignatureVersion": "2",
        "Signature": "AAAA",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
    });
    let r = app.post("/sns/texts", None, forged).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.body);
    let r = app.post("/sns/texts", None, json!({"not": "sns"})).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.body);
}
