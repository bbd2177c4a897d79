//! Limits both sides check: the server enforces them, the app shows them.

/// The largest JSON request body, in bytes: the largest a request of the API needs (a thousand
/// ids, a message of 4,000 characters each escaped) with room to spare; more is a 413
/// `request.too_large` before any of it is read. Files go elsewhere (signed uploads) or say
/// their own limit.
pub const REQUEST_BODY_MAX_BYTES: usize = 128 * 1024;

/// An `Idempotency-Key` header: 1 to 64 of these characters. A POST of a signed-in person sent
/// with one runs once; a retry with the same key (within a day) gets the first answer again.
pub const IDEMPOTENCY_KEY_MAX: usize = 64;
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[A-Za-z0-9_.:-]{1,64}$";

/// Whether `key` is a valid `Idempotency-Key`.
pub fn idempotency_key_valid(key: &str) -> bool {
    (1..=IDEMPOTENCY_KEY_MAX).contains(&key.len())
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'))
}

/// The most sockets one person keeps open at once (tabs, devices); more are refused with 429
/// `realtime.too_many_sockets`.
pub const SOCKETS_PER_USER_MAX: usize = 20;

/// Events waiting to go out on one socket: one that falls this far behind is closed
/// ([`crate::events::FELL_BEHIND_CLOSE_CODE`]) and catches up when it connects again.
pub const SOCKET_QUEUE_MAX: usize = 512;

/// Longest message body, in characters (Unicode scalar values), after trimming.
pub const MESSAGE_MAX_CHARS: usize = 4_000;
/// When the composer starts showing how many characters are left.
pub const MESSAGE_COUNTER_FROM: usize = 3_500;
/// Default and largest page of message history.
pub const MESSAGES_PAGE_DEFAULT: usize = 50;
pub const MESSAGES_PAGE_MAX: usize = 200;
/// Default and largest page of the roster and the conversation list.
pub const LIST_PAGE_DEFAULT: usize = 50;
pub const LIST_PAGE_MAX: usize = 100;
/// Names, business names.
pub const NAME_MAX_CHARS: usize = 100;
/// Passwords.
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Email addresses (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// A sender-chosen idempotency key.
pub const CLIENT_MESSAGE_ID_MAX_CHARS: usize = 64;
/// The longest mass message id: its messages' `client_message_id` is `mass-<id>`.
pub const MASS_MESSAGE_ID_MAX_CHARS: usize = 48;
/// How long an invite link stays valid, in seconds (7 days).
pub const INVITE_TTL_SECS: i64 = 7 * 24 * 3600;
/// How long a session token stays valid, in seconds (12 hours).
pub const SESSION_TTL_SECS: i64 = 12 * 3600;
/// How long a password reset link works.
pub const RESET_TTL_SECS: i64 = 3600;
/// How long a link confirming an email works.
pub const VERIFY_TTL_SECS: i64 = 7 * 24 * 3600;

/// Different emoji on one message.
pub const REACTION_EMOJI_MAX: usize = 24;
/// Unicode scalar values in one reaction (a family emoji with skin tones takes several).
pub const EMOJI_MAX_CHARS: usize = 16;
/// Members of one group or company channel, its creator included. The conversation's record
/// lists them all (about 150 bytes each, far below the 400 KB an item may hold).
pub const GROUP_MEMBERS_MAX: usize = 1_000;
/// A product's price label ("$49 / month").
pub const PRICE_LABEL_MAX_CHARS: usize = 40;
/// A saved message's name, as the composer's `/` finds it.
pub const TEMPLATE_NAME_MAX_CHARS: usize = 60;
/// Saved messages a business keeps.
pub const TEMPLATES_MAX: usize = 200;
/// How far a webhook's signed timestamp may be from the server's clock, in seconds.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;
/// Longest welcome message template, in characters.
pub const WELCOME_MAX_CHARS: usize = 2_000;
/// Clients named one by one in a mass message.
pub const MASS_CLIENT_IDS_MAX: usize = 1_000;
/// Companies a business keeps.
pub const COMPANY_NAME_MAX_CHARS: usize = 100;

/// How many times one message may be edited (each version is kept until it is deleted).
pub const MESSAGE_EDITS_MAX: u32 = 50;

/// How many people one message may mention.
pub const MESSAGE_MENTIONS_MAX: usize = 50;

/// Items a business's Vault holds at most.
pub const VAULT_ITEMS_MAX: usize = 1_000;
/// A Vault folder's name.
pub const VAULT_FOLDER_MAX_CHARS: usize = 60;
/// A push subscription's endpoint URL.
pub const PUSH_ENDPOINT_MAX_CHARS: usize = 2_048;
