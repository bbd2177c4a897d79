//! Delivery receipts of the texts SNS sent: SNS writes one log entry per text to CloudWatch
//! Logs (its SMS delivery status logging: `sns/<region>/<account>/DirectPublishToPhoneNumber`
//! and its `/Failure` group), whose subscription filter hands them to the `sms` function as a
//! CloudWatch Logs event (gzip, then base64). Each entry names the text by the message id
//! `Publish` answered; the text and the message it carries then show delivered, or failed
//! with the carrier's reason ([`super::texts::receipt`]).

use anyhow::Context as _;
use base64::Engine as _;
use serde::Deserialize;
use std::io::Read as _;

/// A Lambda function's CloudWatch Logs event.
#[derive(Debug, Deserialize)]
pub struct LogsEvent {
    pub awslogs: LogsPayload,
}

#[derive(Debug, Deserialize)]
pub struct LogsPayload {
    /// The log entries, gzip-compressed then base64-encoded.
    pub data: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogsData {
    message_type: String,
    #[serde(default)]
    log_events: Vec<LogEntry>,
}

#[derive(Debug, Deserialize)]
struct LogEntry {
    message: String,
}

/// One SNS SMS delivery log entry (the fields read here).
#[derive(Debug, Deserialize)]
struct DeliveryLog {
    notification: DeliveryNotification,
    delivery: Delivery,
    status: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryNotification {
    message_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delivery {
    #[serde(default)]
    provider_response: Option<String>,
}

/// What a receipt says of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The id `Publish` answered for the text.
    pub provider_id: String,
    pub delivered: bool,
    /// The carrier's words (why it failed, or that it was accepted).
    pub response: Option<String>,
}

/// The most a CloudWatch Logs event decompresses to here (Lambda's own payload is 6 MB at
/// most, and its entries compress well).
const MAX_DECODED: u64 = 32 * 1024 * 1024;

/// The receipts an event carries. An entry that is not a delivery log is skipped (logged); an
/// event that is not CloudWatch Logs' gzip and base64 is an error.
pub fn decode(event: &LogsEvent) -> anyhow::Result<Vec<Receipt>> {
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(event.awslogs.data.trim())
        .context("a logs event's data is not base64")?;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(MAX_DECODED)
        .read_to_end(&mut json)
        .context("a logs event's data is not gzip")?;
    let data: LogsData = serde_json::from_slice(&json).context("a logs event's data")?;
    // CloudWatch Logs checks a new subscription with a control message: nothing to do.
    if data.message_type != "DATA_MESSAGE" {
        return Ok(Vec::new());
    }
    let mut receipts = Vec::with_capacity(data.log_events.len());
    for entry in data.log_events {
        match serde_json::from_str::<DeliveryLog>(&entry.message) {
            Ok(log) => receipts.push(Receipt {
                provider_id: log.notification.message_id,
                delivered: log.status == "SUCCESS",
                response: log.delivery.provider_response,
            }),
            Err(e) => tracing::warn!(error = %e, "a log entry that is not an SMS delivery"),
        }
    }
    Ok(receipts)
}

/// A CloudWatch Logs event carrying `entries` as log messages, as CloudWatch Logs sends it
/// (for tests and the local tools).
pub fn encode(entries: &[serde_json::Value]) -> anyhow::Result<serde_json::Value> {
    use std::io::Write as _;
    let data = serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "sns/us-east-1/123456789012/DirectPublishToPhoneNumber",
        "logStream": "stream",
        "subscriptionFilters": ["receipts"],
        "logEvents": entries.iter().enumerate().map(|(i, e)| serde_json::json!({
            "id": i.to_string(),
            "timestamp": 1_700_000_000_000u64,
            "message": e.to_string(),
        })).collect::<Vec<_>>(),
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data.to_string().as_bytes())?;
    let compressed = gz.finish()?;
    Ok(serde_json::json!({
        "awslogs": { "data": base64::engine::general_purpose::STANDARD.encode(compressed) }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Entries as SNS documents them (its SMS delivery status logs).
    fn success(id: &str) -> serde_json::Value {
        json!({
            "notification": {"messageId": id, "timestamp": "2026-12-03 10:40:34.558"},
            "delivery": {"phoneCarrier": "My Phone Carrier", "mnc": 270, "numberOfMessageParts": 1,
                         "destination": "+14155550100", "priceInUSD": 0.00645,
                         "smsType": "Transactional", "mcc": 310,
                         "providerResponse": "Message has been accepted by phone carrier",
                         "dwellTimeMs": 599, "dwellTimeMsUntilDeviceAck": 1344},
            "status": "SUCCESS"
        })
    }

    #[test]
    fn a_logs_event_gives_each_text_s_receipt() {
        let failure = json!({
            "notification": {"messageId": "m-2", "timestamp": "2026-12-03 10:41:00.000"},
            "delivery": {"destination": "+14155550101", "smsType": "Promotional",
                         "providerResponse": "Phone is currently unreachable/unavailable"},
            "status": "FAILURE"
        });
        let event: LogsEvent = serde_json::from_value(
            encode(&[success("m-1"), failure, json!("not a delivery")]).expect("encoded"),
        )
        .expect("an event");
        let receipts = decode(&event).expect("decoded");
        assert_eq!(
            receipts,
            [
                Receipt {
                    provider_id: "m-1".into(),
                    delivered: true,
                    response: Some("Message has been accepted by phone carrier".into()),
                },
                Receipt {
                    provider_id: "m-2".into(),
                    delivered: false,
                    response: Some("Phone is currently unreachable/unavailable".into()),
                },
            ]
        );
    }

    #[test]
    fn what_is_not_a_logs_event_is_an_error_and_a_control_message_nothing() {
        let bad = LogsEvent {
            awslogs: LogsPayload {
                data: "not base64!".into(),
            },
        };
        assert!(decode(&bad).is_err());
        let plain = LogsEvent {
            awslogs: LogsPayload {
                data: base64::engine::general_purpose::STANDARD.encode("{}"),
            },
        };
        assert!(decode(&plain).is_err());
        let mut event = encode(&[success("m-1")]).expect("encoded");
        let data = json!({"messageType": "CONTROL_MESSAGE", "logEvents": []});
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, data.to_string().as_bytes()).expect("gzip");
        event["awslogs"]["data"] =
            json!(base64::engine::general_purpose::STANDARD.encode(gz.finish().expect("gzip")));
        let control: LogsEvent = serde_json::from_value(event).expect("an event");
        assert_eq!(decode(&control).expect("decoded"), []);
    }
}
