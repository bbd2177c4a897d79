//! Identifiers. Every id is a ULID in its canonical 26-character form, so ids sort by creation
//! time, which is what the store's sort keys rely on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ulid::Ulid;

/// The text was not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Ulid);

        impl $name {
            /// Wraps an already generated ULID.
            pub fn from_ulid(ulid: Ulid) -> Self {
                Self(ulid)
            }

            /// The underlying ULID.
            pub fn ulid(self) -> Ulid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                if s.len() != 26 {
                    return Err(InvalidId);
                }
                Ulid::from_string(s).map(Self).map_err(|_| InvalidId)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some(26))
                    .max_length(Some(26))
                    .description(Some("ULID"))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// A business (tenant).
    BusinessId
);
id_type!(
    /// A person: owner, staff or client.
    UserId
);
id_type!(
    /// A conversation (private chat or group).
    ConversationId
);
id_type!(
    /// A message; sorts by the time the server accepted it.
    MessageId
);
id_type!(
    /// A product a business sells.
    ProductId
);
id_type!(
    /// A purchase of a product by a client.
    PurchaseId
);
id_type!(
    /// A company whose people are clients of the business (corporate wellness).
    CompanyId
);
id_type!(
    /// A saved message a business's staff insert in the composer.
    TemplateId
);
id_type!(
    /// A file sent with messages: an upload to a conversation (its id is the attachment's).
    AttachmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_through_text_and_json() {
        let id = MessageId::from_ulid(Ulid::from_parts(1_700_000_000_000, 42));
        let text = id.to_string();
        assert_eq!(text.parse::<MessageId>(), Ok(id));
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<MessageId>(&json).expect("parse"), id);
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "abc",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "01ARZ3NDEKTSV4RRFFQ69G5FAVV",
            "0!ARZ3NDEKTSV4RRFFQ69G5FAV",
        ] {
            assert_eq!(bad.parse::<UserId>(), Err(InvalidId), "{bad}");
        }
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
    }

    #[test]
    fn ids_sort_by_time() {
        let a = MessageId::from_ulid(Ulid::from_parts(1, u128::MAX >> 48));
        let b = MessageId::from_ulid(Ulid::from_parts(2, 0));
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
