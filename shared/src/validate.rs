//! Parse, don't validate: every value a user types becomes one of these newtypes or a
//! [`ValidationError`] with a stable code. The server and the app run the same parsers.

use crate::limits::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused. `code` is stable and part of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub code: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident, |$raw:ident| $parse:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        /// Only through its parser: no text becomes one without being checked.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $raw = String::deserialize(d)?;
                $parse.map_err(serde::de::Error::custom)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// A message body: trimmed, 1 to [`MESSAGE_MAX_CHARS`] characters.
    MessageBody,
    |raw| MessageBody::parse(&raw)
);
text_newtype!(
    /// A person's or a business's display name: trimmed, 1 to [`NAME_MAX_CHARS`] characters,
    /// no control characters.
    Name,
    |raw| Name::parse(&raw, "name")
);
text_newtype!(
    /// An email address, trimmed and lower-cased.
    Email,
    |raw| Email::parse(&raw)
);
text_newtype!(
    /// A phone number in E.164 form: `+` then 8 to 15 digits, the first not 0.
    Phone,
    |raw| Phone::parse(&raw)
);
text_newtype!(
    /// The sender's idempotency key for a message: 1 to 64 of `[A-Za-z0-9_-]`.
    ClientMessageId,
    |raw| ClientMessageId::parse(&raw)
);
text_newtype!(
    /// One emoji for a reaction: pictographic, with its modifiers, joiners and variation
    /// selectors; no letters, spaces or control characters.
    Emoji,
    |raw| Emoji::parse(&raw)
);
text_newtype!(
    /// The id a sender gives a mass message: 1 to [`MASS_MESSAGE_ID_MAX_CHARS`] of
    /// `[A-Za-z0-9_-]` (its messages' `client_message_id` is `mass-<id>`, within 64).
    MassMessageId,
    |raw| MassMessageId::parse(&raw)
);

text_newtype!(
    /// A country, as its ISO 3166-1 alpha-2 code (`US`, `CA`, `GB`...).
    Country,
    |raw| Country::parse(&raw)
);

/// Every officially assigned ISO 3166-1 alpha-2 code, in order, two letters each (one string
/// rather than a table: the apps carry it).
pub const COUNTRY_CODES: &str = concat!(
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCI",
    "CKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQ",
    "GRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLS",
    "LTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPG",
    "PHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTK",
    "TLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW",
);

/// The codes of [`COUNTRY_CODES`], one by one.
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    (0..COUNTRY_CODES.len() / 2).map(|i| &COUNTRY_CODES[i * 2..i * 2 + 2])
}

impl Country {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.len() != 2 || !country_codes().any(|c| c == raw) {
            return Err(ValidationError::new(
                "business.country_invalid",
                "A country is its two-letter ISO 3166 code, such as US, CA or GB.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Whether two-way texting can be turned on for a business here (toll-free numbers are
    /// for the United States and Canada).
    pub fn texting_available(&self) -> bool {
        matches!(self.0.as_str(), "US" | "CA")
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Country {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(country_codes()))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Country {}

impl Emoji {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "reaction.invalid_emoji",
                "A reaction is one emoji, such as 👍 or ❤️.",
            )
        };
        let chars: Vec<char> = raw.chars().collect();
        if chars.is_empty() || chars.len() > crate::limits::EMOJI_MAX_CHARS {
            return Err(invalid());
        }
        // Keycaps (1️⃣, #️⃣) are the only emoji that start with ASCII.
        let keycap = matches!(chars.as_slice(), [c, '\u{FE0F}', '\u{20E3}'] | [c, '\u{20E3}'] if c.is_ascii_digit() || *c == '#' || *c == '*');
        let allowed = |c: char| {
            let u = c as u32;
            matches!(u,
                0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
                | 0x2194..=0x21AA | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x27BF
                | 0x2934 | 0x2935 | 0x2B05..=0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
                | 0x1F000..=0x1FAFF
                | 0x200D | 0xFE0F | 0xFE0E | 0x20E3 | 0xE0020..=0xE007F)
        };
        let pictographic = |c: char| !matches!(c as u32, 0x200D | 0xFE0F | 0xFE0E | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F);
        if keycap || (chars.iter().all(|&c| allowed(c)) && pictographic(chars[0])) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(invalid())
        }
    }
}

impl MessageBody {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let body = raw.trim();
        if body.is_empty() {
            return Err(ValidationError::new(
                "message.body_empty",
                "A message cannot be empty.",
            ));
        }
        let chars = body.chars().count();
        if chars > MESSAGE_MAX_CHARS {
            return Err(ValidationError::new(
                "message.body_too_long",
                format!(
                    "A message can have at most {MESSAGE_MAX_CHARS} characters; this one has {chars}."
                ),
            ));
        }
        Ok(Self(body.to_owned()))
    }
}

/// Whether `text` holds a character that reorders what is shown around it (bidirectional
/// overrides, embeddings, isolates and marks: a name could then read as another) or one that
/// shows as nothing (zero-width space, word joiner, byte order mark). The zero-width joiner
/// and non-joiner are allowed between two letters, where scripts (Persian, Indic) and emoji
/// sequences need them, and nowhere else.
pub fn hides_or_reorders(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| match c {
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => true,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' => true,
        '\u{200C}' | '\u{200D}' => {
            let joins = |c: Option<&char>| {
                c.is_some_and(|c| {
                    !c.is_whitespace()
                        && !c.is_ascii_punctuation()
                        && !matches!(*c, '\u{200C}' | '\u{200D}')
                })
            };
            !(i > 0 && joins(chars.get(i - 1)) && joins(chars.get(i + 1)))
        }
        _ => false,
    })
}

impl Name {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(ValidationError::new(
                "validation.required",
                format!("The {field} is required."),
            ));
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(ValidationError::new(
                "validation.too_long",
                format!("The {field} can have at most {NAME_MAX_CHARS} characters."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "validation.invalid_characters",
                format!("The {field} cannot contain control characters."),
            ));
        }
        if hides_or_reorders(name) {
            return Err(ValidationError::new(
                "validation.invisible_characters",
                format!(
                    "The {field} cannot contain invisible characters or ones that reorder text."
                ),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The lower-cased form used for prefix search.
    pub fn search_key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The first word, for greetings.
    pub fn first_name(&self) -> &str {
        self.0.split_whitespace().next().unwrap_or(&self.0)
    }
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            ValidationError::new(
                "validation.email",
                "Enter a valid email address, like name@example.com.",
            )
        };
        if email.is_empty() || email.chars().count() > EMAIL_MAX_CHARS {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '<' || c == '>');
        if !local_ok || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }
}

impl Phone {
    /// Accepts spaces, dashes, dots and parentheses between digits; stores pure E.164.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "validation.phone",
                "Enter the phone number in international form, like +14155550123.",
            )
        };
        let raw = raw.trim();
        let rest = raw.strip_prefix('+').ok_or_else(invalid)?;
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(invalid());
        }
        Ok(Self(format!("+{digits}")))
    }
}

/// 1 to `max` of `[A-Za-z0-9_-]`: what the keys a sender chooses are made of.
fn plain_key(raw: &str, max: usize) -> bool {
    !raw.is_empty()
        && raw.len() <= max
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl ClientMessageId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if !plain_key(raw, CLIENT_MESSAGE_ID_MAX_CHARS) {
            return Err(ValidationError::new(
                "message.client_message_id",
                "client_message_id must be 1 to 64 letters, digits, '-' or '_'.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl MassMessageId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let id = raw.trim();
        if !plain_key(id, MASS_MESSAGE_ID_MAX_CHARS) {
            return Err(ValidationError::new(
                "mass_message.invalid_id",
                format!("id must be 1 to {MASS_MESSAGE_ID_MAX_CHARS} letters, digits, '-' or '_'."),
            ));
        }
        Ok(Self(id.to_owned()))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for MassMessageId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(MASS_MESSAGE_ID_MAX_CHARS))
            .pattern(Some("^[A-Za-z0-9_-]+$"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for MassMessageId {}

/// A new password: checked for length only; it is hashed and never stored or logged.
pub fn check_password(raw: &str) -> Result<(), ValidationError> {
    let chars = raw.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ValidationError::new(
            "auth.password_too_short",
            format!("Choose a password of at least {PASSWORD_MIN_CHARS} characters."),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ValidationError::new(
            "auth.password_too_long",
            format!("A password can have at most {PASSWORD_MAX_CHARS} characters."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_the_assigned_codes_in_order() {
        let codes: Vec<&str> = country_codes().collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(COUNTRY_CODES.chars().all(|l| l.is_ascii_uppercase()));
        for ok in ["US", "CA", "GB", "AD", "ZW"] {
            assert_eq!(Country::parse(ok).expect(ok).as_str(), ok);
        }
        for bad in ["", "us", "USA", "ZZ", "UK", " US"] {
            assert_eq!(
                Country::parse(bad).expect_err(bad).code,
                "business.country_invalid"
            );
        }
        assert!(Country::parse("US").is_ok_and(|c| c.texting_available()));
        assert!(Country::parse("CA").is_ok_and(|c| c.texting_available()));
        assert!(Country::parse("MX").is_ok_and(|c| !c.texting_available()));
    }

    #[test]
    fn emoji_are_one_emoji_and_nothing_else() {
        for ok in [
            "👍",
            "❤️",
            "😂",
            "🎉",
            "💪🏽",
            "🙏",
            "👨‍👩‍👧‍👦",
            "🏳️‍🌈",
            "1️⃣",
            "#️⃣",
            "🇬🇧",
            "✅",
            "©️",
        ] {
            assert_eq!(
                Emoji::parse(ok).map(|e| e.into_inner()),
                Ok(ok.to_owned()),
                "{ok}"
            );
        }
        for bad in [
            "",
            " ",
            "a",
            "ok",
            "👍 ",
            " 👍",
            "👍a",
            "<script>",
            "\u{200D}",
            "\u{FE0F}",
            "🏽",
            "1",
            "#",
            "\u{7}",
            &"👍".repeat(17),
        ] {
            assert_eq!(
                Emoji::parse(bad).map_err(|e| e.code),
                Err("reaction.invalid_emoji"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_message_body_is_trimmed() {
        assert_eq!(
            MessageBody::parse("  hi there \n").expect("valid").as_str(),
            "hi there"
        );
    }

    #[test]
    fn an_empty_or_blank_message_is_refused() {
        for raw in ["", "   ", "\n\t"] {
            assert_eq!(
                MessageBody::parse(raw).expect_err("blank").code,
                "message.body_empty"
            );
        }
    }

    #[test]
    fn a_message_is_limited_in_characters_not_bytes() {
        let at_limit = "é".repeat(MESSAGE_MAX_CHARS);
        assert!(MessageBody::parse(&at_limit).is_ok());
        let over = "a".repeat(MESSAGE_MAX_CHARS + 1);
        assert_eq!(
            MessageBody::parse(&over).expect_err("too long").code,
            "message.body_too_long"
        );
        let padded = format!("   {}   ", "a".repeat(MESSAGE_MAX_CHARS));
        assert!(
            MessageBody::parse(&padded).is_ok(),
            "whitespace around does not count"
        );
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").expect("valid").as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a na@example.com",
            "ana@exa_mple.com",
            "ana@.com",
        ] {
            assert_eq!(
                Email::parse(bad).expect_err(bad).code,
                "validation.email",
                "{bad}"
            );
        }
    }

    #[test]
    fn phones_must_be_e164() {
        assert_eq!(
            Phone::parse("+1 (415) 555-0123").expect("valid").as_str(),
            "+14155550123"
        );
        assert_eq!(
            Phone::parse("+447700900123").expect("valid").as_str(),
            "+447700900123"
        );
        for bad in [
            "4155550123",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+1415abc0123",
            "",
        ] {
            assert_eq!(
                Phone::parse(bad).expect_err(bad).code,
                "validation.phone",
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        let name = Name::parse("  Ana María Silva ", "name").expect("valid");
        assert_eq!(name.as_str(), "Ana María Silva");
        assert_eq!(name.first_name(), "Ana");
        assert_eq!(name.search_key(), "ana maría silva");
        assert_eq!(
            Name::parse(" ", "name").expect_err("blank").code,
            "validation.required"
        );
        assert_eq!(
            Name::parse(&"x".repeat(101), "name")
                .expect_err("long")
                .code,
            "validation.too_long"
        );
        assert_eq!(
            Name::parse("a\u{0}b", "name").expect_err("ctl").code,
            "validation.invalid_characters"
        );
    }

    #[test]
    fn client_message_ids_are_short_and_plain() {
        assert!(ClientMessageId::parse("01HZX-abc_9").is_ok());
        for bad in ["", "has space", "ü", &"a".repeat(65)] {
            assert!(ClientMessageId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(check_password("correct horse").is_ok());
        assert_eq!(
            check_password("short").expect_err("short").code,
            "auth.password_too_short"
        );
        assert_eq!(
            check_password(&"p".repeat(129)).expect_err("long").code,
            "auth.password_too_long"
        );
    }

    #[test]
    fn text_becomes_a_checked_value_only_through_its_parser() {
        let body: MessageBody = serde_json::from_str("\"  hi  \"").expect("a body");
        assert_eq!(body.as_str(), "hi");
        assert!(serde_json::from_str::<MessageBody>("\"   \"").is_err());
        let email: Email = serde_json::from_str("\"Ana@Example.COM\"").expect("an email");
        assert_eq!(email.as_str(), "ana@example.com");
        for bad in ["\"not-an-email\"", "\"a@b\"", "42", "null"] {
            assert!(serde_json::from_str::<Email>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Phone>("\"0123\"").is_err());
        assert!(serde_json::from_str::<Name>("\"a\\u0007b\"").is_err());
        assert!(serde_json::from_str::<ClientMessageId>("\"no spaces\"").is_err());
        assert!(serde_json::from_str::<Emoji>("\"abc\"").is_err());
        // What was checked round-trips unchanged.
        let json = serde_json::to_string(&email).expect("serialize");
        assert_eq!(serde_json::from_str::<Email>(&json).expect("again"), email);
    }

    #[test]
    fn mass_message_ids_are_short_and_plain() {
        assert_eq!(
            MassMessageId::parse(" spring-promo_2 ")
                .expect("ok")
                .as_str(),
            "spring-promo_2"
        );
        assert!(MassMessageId::parse(&"a".repeat(MASS_MESSAGE_ID_MAX_CHARS)).is_ok());
        for bad in [
            "",
            "  ",
            "a b",
            "é",
            &"a".repeat(MASS_MESSAGE_ID_MAX_CHARS + 1),
        ] {
            assert_eq!(
                MassMessageId::parse(bad).expect_err(bad).code,
                "mass_message.invalid_id"
            );
        }
        assert!(serde_json::from_str::<MassMessageId>("\"a/b\"").is_err());
    }

    #[test]
    fn names_refuse_text_that_hides_or_reorders() {
        for bad in [
            "Maya\u{202E}nahC",
            "\u{2067}Admin\u{2069}",
            "Ma\u{200B}ya",
            "Maya\u{FEFF}",
            "\u{200D}Maya",
            "Maya \u{200C}Chen",
            "Maya\u{200F}",
        ] {
            assert_eq!(
                Name::parse(bad, "name").expect_err(bad).code,
                "validation.invisible_characters",
                "{bad:?}"
            );
        }
        for good in [
            "Maya Chen",
            "José Álvarez",
            "می\u{200C}خواهم",
            "👨\u{200D}👩\u{200D}👧 Family",
            "עדן כהן",
        ] {
            assert!(Name::parse(good, "name").is_ok(), "{good:?}");
        }
    }
}
