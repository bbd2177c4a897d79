//! The domain's error: a refusal with a kind and a stable code, or something unexpected.

use crate::store::StoreError;
use shared::rules::Denied;
use shared::validate::ValidationError;

/// The kind of refusal; the HTTP layer maps each to one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Well-formed but not acceptable (422).
    Invalid,
    /// Malformed (400).
    BadRequest,
    /// Not signed in, or wrong credentials (401).
    Unauthorized,
    /// Signed in but not allowed (403).
    Forbidden,
    /// Not there, or not visible to the caller (404).
    NotFound,
    /// Clashes with what exists (409).
    Conflict,
    /// Was there, is no longer usable (410).
    Gone,
    /// Too much contention right now; safe to retry (503).
    Busy,
}

/// How long a caller who went over a rate limit waits (429 with `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Refused {
        kind: Kind,
        code: &'static str,
        message: String,
    },
    /// Too many attempts: try again after the given seconds (429).
    #[error("{message}")]
    Limited {
        code: &'static str,
        message: String,
        retry_after: RetryAfter,
    },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Error {
    pub fn refused(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Error::Refused {
            kind,
            code,
            message: message.into(),
        }
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::NotFound, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::Conflict, code, message)
    }
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::Invalid, code, message)
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::BadRequest, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::Forbidden, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(Kind::Unauthorized, code, message)
    }
    pub fn busy() -> Self {
        Self::refused(
            Kind::Busy,
            "server.busy",
            "The server is busy; try again in a moment.",
        )
    }

    /// Whether the same call may pass if made again: the store failed, or was busy.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Unexpected(_)
                | Error::Refused {
                    kind: Kind::Busy,
                    ..
                }
        )
    }

    /// The stable code, for refusals.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Refused { code, .. } | Error::Limited { code, .. } => Some(code),
            Error::Unexpected(_) => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Refused {
            kind: Kind::Invalid,
            code: e.code,
            message: e.message,
        }
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::Refused {
            kind: Kind::Forbidden,
            code: d.code,
            message: d.message.to_owned(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => Error::bad_request(
                "request.invalid_cursor",
                "The cursor is not valid for this list.",
            ),
            StoreError::InvalidLimit => {
                Error::bad_request("request.invalid_limit", "The limit is out of range.")
            }
            StoreError::ItemTooLarge { .. } => {
                Error::invalid("request.too_large", "This is too large to store.")
            }
            StoreError::Conflict => Error::busy(),
            other => Error::Unexpected(anyhow::Error::new(other)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
