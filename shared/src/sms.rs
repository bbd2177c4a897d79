//! Text messages: how a body is encoded and into how many parts (segments) it is split, as
//! the networks do it, so that the composer, the balance and the server all agree.
//!
//! Written from GSM 03.38 (3GPP TS 23.038): a body of only the default alphabet and its
//! extension table goes as GSM-7, 160 septets in one part or 153 per part when split (the
//! rest of each part is the concatenation header), an extension character taking two (the
//! escape and itself, never split between parts). Any other character switches the whole
//! body to UCS-2: 70 UTF-16 code units in one part, 67 per part, a character outside the
//! Basic Multilingual Plane taking two (a surrogate pair, never split between parts).
//!
//! And the keywords every business number must honour (STOP and its synonyms, START, HELP),
//! with the reply each gets.

use serde::{Deserialize, Serialize};

/// The most characters a text may have (about four parts of GSM-7, eight of UCS-2).
pub const MAX_SMS_CHARS: usize = 550;

/// The default alphabet, in the order of its code points (0x1B, the escape, left out: it is
/// not a character a person writes).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each is sent as the escape and a second septet.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// How a text is encoded on the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    /// Units in a text of one part.
    pub const fn single(self) -> u32 {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units in each part of a text of several.
    pub const fn per_part(self) -> u32 {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }

    /// The units (septets or UTF-16 code units) `c` takes.
    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Gsm7 if GSM7_EXTENSION.contains(c) => 2,
            Encoding::Gsm7 => 1,
            Encoding::Ucs2 => c.len_utf16() as u32,
        }
    }
}

/// A number as people read it: North American numbers as `+1 833-555-0123`, any other as it is
/// stored (E.164).
pub fn display_number(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(rest) if rest.len() == 10 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            format!("+1 {}-{}-{}", &rest[..3], &rest[3..6], &rest[6..])
        }
        _ => e164.to_owned(),
    }
}

/// The segments a business may send in a month (its plan's allowance); received texts are
/// free.
pub const MONTHLY_SEGMENTS: u32 = 1000;

/// How many sample messages a registration carries at most.
pub const MAX_SAMPLE_MESSAGES: usize = 5;

/// The monthly volumes a toll-free registration may declare.
pub const MONTHLY_VOLUMES: [u32; 6] = [10, 100, 1_000, 10_000, 100_000, 250_000];

/// How long a business's number is kept after texting is turned off: turned on again within
/// it, the business gets the same number back.
pub const NUMBER_KEPT_DAYS: i64 = 90;

/// How a message reaches its reader: in the apps (the default), as a text, or as an email.
/// Whatever the channel, it is in the client's one thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    InApp,
    Sms,
    Email,
}

/// Why a text was sent, recorded on each: direct (a person wrote it to one client),
/// transactional (automatic: keyword answers, auto replies), marketing (a mass message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    Direct,
    Transactional,
    Marketing,
}

/// Where a text got to: queued (accepted, not yet handed to the network), sent (the network
/// took it), delivered (the phone got it), failed (with the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextStatus {
    Queued,
    Sent,
    Delivered,
    Failed,
    /// Received from the client's phone.
    Received,
}

/// What a message sent or received as a text carries besides its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextInfo {
    /// Parts it was split into (each deducted from the balance when sent).
    pub segments: u32,
    pub encoding: Encoding,
    pub status: TextStatus,
    pub kind: TextKind,
    /// Why it failed, as the network said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where the business's toll-free verification stands. Until it is approved, texts go from
/// the shared system number (delivery is not guaranteed, replies are not received).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    #[default]
    NotSubmitted,
    Submitted,
    Reviewing,
    /// The reviewers want changes (`reason` says which): fill it again and resubmit.
    RequiresUpdates,
    Approved,
    Denied,
}

/// What happens to texts that arrive while texting is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AutoReply {
    /// They get one text saying this number does not take replies.
    DoNotReply,
    /// Nothing is answered.
    None,
}

/// The toll-free verification form (`PUT /api/texting/registration`): who the business is and
/// how it texts. The address is the business's (`PATCH /api/business`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationForm {
    /// The business's legal name.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub legal_name: String,
    /// The business's website (https).
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub website: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub privacy_policy_url: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub terms_url: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub contact_first_name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub contact_last_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// What the business texts about, in its words.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub use_case: String,
    /// One to five texts the business sends.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5))]
    pub sample_messages: Vec<String>,
    /// How clients agree to get texts.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub opt_in_description: String,
    /// How clients agree: the form, app or conversation where they say yes (shown in the
    /// opt-in proof uploaded with `PUT /api/texting/opt-in-proof`).
    pub opt_in_type: OptInType,
    /// What kind of organisation the business is.
    pub business_type: BusinessType,
    /// Texts a month: 10, 100, 1000, 10000, 100000 or 250000.
    #[cfg_attr(feature = "openapi", schema(minimum = 10, maximum = 250000))]
    pub monthly_volume: u32,
}

/// How clients agree to get texts, as the toll-free verification asks it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OptInType {
    /// A web or app form with a consent box (signing up, booking).
    #[default]
    DigitalForm,
    /// A paper form they sign.
    PaperForm,
    /// They say yes aloud (a session, a call), recorded by staff.
    Verbal,
    /// They text a keyword to the number.
    Text,
    /// They scan a code that opens the form or the text.
    QrCode,
}

impl OptInType {
    pub const ALL: [OptInType; 5] = [
        OptInType::DigitalForm,
        OptInType::PaperForm,
        OptInType::Verbal,
        OptInType::Text,
        OptInType::QrCode,
    ];

    /// The registration's value for it.
    pub fn network_value(self) -> &'static str {
        match self {
            OptInType::DigitalForm => "DIGITAL_FORM",
            OptInType::PaperForm => "PAPER_FORM",
            OptInType::Verbal => "VERBAL",
            OptInType::Text => "TEXT",
            OptInType::QrCode => "QR_CODE",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OptInType::DigitalForm => "An online form or the app",
            OptInType::PaperForm => "A paper form",
            OptInType::Verbal => "Aloud, recorded by staff",
            OptInType::Text => "By texting a keyword",
            OptInType::QrCode => "By scanning a QR code",
        }
    }
}

/// What kind of organisation a business is, as the toll-free verification asks it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    /// A privately held company (an LLC, a corporation).
    #[default]
    PrivateProfit,
    /// A publicly traded company.
    PublicProfit,
    NonProfit,
    /// One person trading in their own name.
    SoleProprietor,
    Government,
}

impl BusinessType {
    pub const ALL: [BusinessType; 5] = [
        BusinessType::PrivateProfit,
        BusinessType::SoleProprietor,
        BusinessType::PublicProfit,
        BusinessType::NonProfit,
        BusinessType::Government,
    ];

    /// The registration's value for it.
    pub fn network_value(self) -> &'static str {
        match self {
            BusinessType::PrivateProfit => "PRIVATE_PROFIT",
            BusinessType::PublicProfit => "PUBLIC_PROFIT",
            BusinessType::NonProfit => "NON_PROFIT",
            BusinessType::SoleProprietor => "SOLE_PROPRIETOR",
            BusinessType::Government => "GOVERNMENT",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BusinessType::PrivateProfit => "Private company",
            BusinessType::PublicProfit => "Public company",
            BusinessType::NonProfit => "Non-profit",
            BusinessType::SoleProprietor => "Sole proprietor",
            BusinessType::Government => "Government",
        }
    }
}

/// The opt-in proof's largest size: what the carriers' registration takes.
pub const OPT_IN_PROOF_MAX_BYTES: u64 = 500 * 1024;

/// The types an opt-in proof may be: a screenshot or a scan.
pub const OPT_IN_PROOF_TYPES: [&str; 3] = ["image/png", "image/jpeg", "application/pdf"];

/// Whether a file of `content_type` and `size` bytes may be the opt-in proof; why not.
pub fn check_opt_in_proof(content_type: &str, size: u64) -> Result<(), &'static str> {
    if !OPT_IN_PROOF_TYPES.contains(&content_type) {
        return Err("The opt-in proof must be a PNG or JPEG screenshot or a PDF.");
    }
    if size == 0 {
        return Err("The file is empty.");
    }
    if size > OPT_IN_PROOF_MAX_BYTES {
        return Err("The opt-in proof may be 500 KB at most: crop or shrink the screenshot.");
    }
    Ok(())
}

/// The screenshot or scan that shows where clients agree to texts, as kept for the
/// registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptInProof {
    /// `image/png`, `image/jpeg` or `application/pdf`.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded (RFC 3339).
    pub uploaded_at: String,
}

/// The registration as it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub state: RegistrationState,
    /// Why it needs changes or was denied, as the reviewers said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was last submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<RegistrationForm>,
    /// The opt-in proof the next submission sends (`PUT /api/texting/opt-in-proof`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in_proof: Option<OptInProof>,
}

/// Segments this month: the allowance, what was sent, what is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub allowance: u32,
    pub used: u32,
    pub remaining: u32,
    /// The month it counts (`2026-12`); the next starts afresh.
    pub month: String,
}

/// `GET /api/texting`: the business's texting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Texting {
    /// Whether the business's country allows it (the United States and Canada).
    pub available: bool,
    pub enabled: bool,
    /// The business's dedicated number (kept a while after texting is turned off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Until when a number of a business that turned texting off is kept for it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_kept_until: Option<String>,
    /// The number texts go from now: the dedicated number once verified, the shared one
    /// before.
    pub sending_from: String,
    /// Whether clients' replies are received (the dedicated number is verified).
    pub replies_received: bool,
    /// While off: what texts that arrive get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_reply: Option<AutoReply>,
    pub registration: Registration,
    pub balance: Balance,
    /// Which automatic messages also go to a client's phone as texts.
    pub transactional: TransactionalTexts,
}

/// Which automatic messages also go to a client's phone as a text (transactional, from the
/// business's number once verified; each counts against the balance, and none goes to a phone
/// that said STOP or past the balance). `PUT /api/texting/transactional`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransactionalTexts {
    /// A client's invite link (when they are added with a phone, and each new link).
    pub invites: bool,
    /// The welcome message that opens a new client's conversation.
    pub welcome: bool,
}

impl Default for TransactionalTexts {
    fn default() -> Self {
        Self {
            invites: true,
            welcome: false,
        }
    }
}

/// `POST /api/texting/deactivate`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeactivateTextingRequest {
    pub auto_reply: AutoReply,
}

/// What a body costs: its encoding, its parts, and what is left in the last part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segments {
    pub encoding: Encoding,
    /// Parts sent (each deducted from the balance); none for an empty body.
    pub segments: u32,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) in all.
    pub units: u32,
    /// Units that still fit in the last part before another starts.
    pub remaining: u32,
    /// The first character outside GSM-7, which made the body UCS-2.
    pub switched_by: Option<char>,
}

/// Whether `c` is in the default alphabet or its extension table.
pub fn is_gsm7(c: char) -> bool {
    GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c)
}

/// Counts the parts of `body` exactly as they are split: a part never ends in the middle of
/// an extension character or a surrogate pair, so such a character at a boundary starts the
/// next part and leaves the previous one a unit short.
pub fn segments(body: &str) -> Segments {
    let switched_by = body.chars().find(|c| !is_gsm7(*c));
    let encoding = match switched_by {
        None => Encoding::Gsm7,
        Some(_) => Encoding::Ucs2,
    };
    let units: u32 = body.chars().map(|c| encoding.width(c)).sum();
    if units == 0 {
        return Segments {
            encoding,
            segments: 0,
            units,
            remaining: encoding.single(),
            switched_by,
        };
    }
    if units <= encoding.single() {
        return Segments {
            encoding,
            segments: 1,
            units,
            remaining: encoding.single() - units,
            switched_by,
        };
    }
    let per_part = encoding.per_part();
    let (mut parts, mut used) = (1, 0);
    for c in body.chars() {
        let w = encoding.width(c);
        if used + w > per_part {
            parts += 1;
            used = 0;
        }
        used += w;
    }
    Segments {
        encoding,
        segments: parts,
        units,
        remaining: per_part - used,
        switched_by,
    }
}

/// `body` with the typographic characters that force UCS-2 (curly quotes, long dashes, the
/// ellipsis, unusual spaces) replaced by their plain GSM-7 look-alikes; everything else kept.
pub fn plain(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => {
                out.push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => out.push('"'),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{202F}' => out.push(' '),
            '\u{2022}' => out.push('-'),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// What a text that is only a keyword asks for: carriers require every business number to
/// honour these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyword {
    /// No more texts to this phone from the business, until it starts again.
    Stop,
    /// Texts again after a stop.
    Start,
    /// The business's help reply.
    Help,
}

/// The opt-out keywords (in English and French, as carriers list them).
const STOP_WORDS: [&str; 13] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT-OUT",
    "OPT OUT",
    "REMOVE",
    "ARRET",
    "TD",
];
const START_WORDS: [&str; 2] = ["START", "UNSTOP"];
const HELP_WORDS: [&str; 1] = ["HELP"];

/// The keyword `body` is, if it is one: any case, with spaces or punctuation around it (`Stop.`,
/// ` STOP!`, `opt  out`); a keyword inside a sentence is not one (`please stop by at 6`).
pub fn keyword(body: &str) -> Option<Keyword> {
    let core = body.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
    let words: Vec<String> = core
        .split_whitespace()
        .map(|w| w.to_uppercase().replace(['Ê', 'É'], "E"))
        .collect();
    let word = words.join(" ");
    if STOP_WORDS.contains(&word.as_str()) {
        Some(Keyword::Stop)
    } else if START_WORDS.contains(&word.as_str()) {
        Some(Keyword::Start)
    } else if HELP_WORDS.contains(&word.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// The text that answers `keyword` from `business` (what carriers require each to get).
pub fn keyword_reply(keyword: Keyword, business: &str) -> String {
    match keyword {
        Keyword::Stop => format!(
            "{business}: you are unsubscribed and will get no more texts from us. Reply START to text again."
        ),
        Keyword::Start => format!(
            "{business}: you will get our texts again. Msg & data rates may apply. Reply STOP to unsubscribe, HELP for help."
        ),
        Keyword::Help => format!(
            "{business}: reply here to reach us. Msg & data rates may apply. Reply STOP to unsubscribe."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(body: &str) -> (Encoding, u32, u32) {
        let s = segments(body);
        (s.encoding, s.segments, s.units)
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(display_number("+14155550123"), "+1 415-555-0123");
        assert_eq!(display_number("+447700900123"), "+447700900123");
        // Anything else is shown as it is, never cut inside a character.
        assert_eq!(display_number("+1415555012é"), "+1415555012é");
        assert_eq!(display_number(""), "");
    }

    #[test]
    fn the_alphabet_is_128_characters_less_the_escape() {
        assert_eq!(GSM7_BASIC.chars().count(), 127);
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
        assert!(GSM7_BASIC.chars().all(|c| !GSM7_EXTENSION.contains(c)));
    }

    #[test]
    fn gsm7_boundaries() {
        use Encoding::Gsm7;
        let a = |n: usize| "a".repeat(n);
        assert_eq!(count(""), (Gsm7, 0, 0));
        assert_eq!(count(&a(1)), (Gsm7, 1, 1));
        assert_eq!(count(&a(160)), (Gsm7, 1, 160));
        assert_eq!(count(&a(161)), (Gsm7, 2, 161));
        assert_eq!(count(&a(306)), (Gsm7, 2, 306));
        assert_eq!(count(&a(307)), (Gsm7, 3, 307));
        assert_eq!(count(&a(459)), (Gsm7, 3, 459));
        assert_eq!(count(&a(460)), (Gsm7, 4, 460));
        assert_eq!(count(&a(550)), (Gsm7, 4, 550));
        assert_eq!(segments(&a(161)).remaining, 153 * 2 - 161);
        assert_eq!(segments(&a(150)).remaining, 10);
    }

    #[test]
    fn extension_characters_count_two_and_are_never_split() {
        use Encoding::Gsm7;
        assert_eq!(count("€"), (Gsm7, 1, 2));
        assert_eq!(count(&"{".repeat(80)), (Gsm7, 1, 160));
        assert_eq!(count(&"{".repeat(81)), (Gsm7, 2, 162));
        // 152 septets, then an extension character: it does not fit the one septet left, so
        // the first part carries 152 and the second starts with it.
        let body = format!("{}[{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(count(&body), (Gsm7, 3, 306));
        let body = format!("{}[{}", "a".repeat(151), "a".repeat(152));
        assert_eq!(count(&body), (Gsm7, 2, 305));
        // Every character of the extension table, and form feed among them.
        for c in "\u{c}^{}\\[~]|€".chars() {
            assert_eq!(count(&c.to_string()), (Gsm7, 1, 2), "{c:?}");
        }
    }

    #[test]
    fn one_character_outside_gsm7_makes_the_whole_text_ucs2() {
        use Encoding::Ucs2;
        let a = |n: usize| "a".repeat(n);
        assert_eq!(count(&format!("{}’", a(69))), (Ucs2, 1, 70));
        assert_eq!(count(&format!("{}’", a(70))), (Ucs2, 2, 71));
        assert_eq!(count(&format!("{}’", a(133))), (Ucs2, 2, 134));
        assert_eq!(count(&format!("{}’", a(134))), (Ucs2, 3, 135));
        assert_eq!(segments(&format!("Don’t {}", a(10))).switched_by, Some('’'));
        // Extension characters are one unit in UCS-2.
        assert_eq!(count("€’"), (Ucs2, 1, 2));
        // Characters of the default alphabet outside Latin-1 stay GSM-7; others do not.
        assert_eq!(count("ΔΦΓΛΩΠΨΣΘΞ").0, Encoding::Gsm7);
        assert_eq!(count("α").0, Ucs2);
        assert_eq!(count("ç").0, Ucs2, "only the capital Ç is in the alphabet");
        assert_eq!(count("\t").0, Ucs2);
    }

    #[test]
    fn surrogate_pairs_count_two_and_are_never_split() {
        use Encoding::Ucs2;
        assert_eq!(count("😀"), (Ucs2, 1, 2));
        assert_eq!(count(&"😀".repeat(35)), (Ucs2, 1, 70));
        assert_eq!(count(&"😀".repeat(36)), (Ucs2, 2, 72));
        // 66 units, then a pair: it starts the second part.
        let body = format!("{}😀{}", "a".repeat(66), "a".repeat(66));
        assert_eq!(count(&body), (Ucs2, 3, 134));
        let body = format!("{}😀{}", "a".repeat(65), "a".repeat(66));
        assert_eq!(count(&body), (Ucs2, 2, 133));
    }

    /// The examples the published segment calculator (TwilioDevEd/message-segment-calculator)
    /// tests itself with, as part counts and sizes in bits.
    #[test]
    fn the_published_calculator_examples() {
        let digits = |n: usize| {
            "1234567890"
                .chars()
                .cycle()
                .skip(1)
                .take(n)
                .collect::<String>()
        };
        let one = format!("{{{}", digits(158));
        let s = segments(&one);
        assert_eq!(
            (s.encoding, s.segments, s.units * 7),
            (Encoding::Gsm7, 1, 1120)
        );
        let two = format!("{{{}", digits(159));
        let s = segments(&two);
        assert_eq!(
            (s.encoding, s.segments, s.units * 7),
            (Encoding::Gsm7, 2, 1127)
        );
        let one = format!("😜{}", digits(68));
        let s = segments(&one);
        assert_eq!(
            (s.encoding, s.segments, s.units * 16),
            (Encoding::Ucs2, 1, 1120)
        );
        let two = format!("😜{}", digits(69));
        let s = segments(&two);
        assert_eq!(
            (s.encoding, s.segments, s.units * 16),
            (Encoding::Ucs2, 2, 1136)
        );
        // 307 digits: 153 + 153 + 1; a pair and 133 digits: 67 + 67 + 1.
        let three: String = "1234567890".chars().cycle().take(307).collect();
        assert_eq!(segments(&three).segments, 3);
        assert_eq!(segments(&format!("😜{}", digits(133))).segments, 3);
    }

    #[test]
    fn keywords_in_any_case_with_spaces_and_punctuation_around() {
        use Keyword::*;
        let table = [
            ("STOP", Some(Stop)),
            ("stop", Some(Stop)),
            (" Stop. ", Some(Stop)),
            ("STOP!!", Some(Stop)),
            ("\"stop\"", Some(Stop)),
            ("StopAll", Some(Stop)),
            ("unsubscribe", Some(Stop)),
            ("Cancel", Some(Stop)),
            ("end", Some(Stop)),
            ("quit", Some(Stop)),
            ("revoke", Some(Stop)),
            ("optout", Some(Stop)),
            ("opt-out", Some(Stop)),
            ("Opt Out", Some(Stop)),
            ("opt   out", Some(Stop)),
            ("remove", Some(Stop)),
            ("arret", Some(Stop)),
            ("Arrêt", Some(Stop)),
            ("td", Some(Stop)),
            ("START", Some(Start)),
            ("unstop", Some(Start)),
            ("Start.", Some(Start)),
            ("help", Some(Help)),
            ("HELP?", Some(Help)),
            // A keyword inside a sentence is a message.
            ("please stop by at 6", None),
            ("stop it", None),
            ("I want to end my plan", None),
            ("helpful, thanks", None),
            ("opt", None),
            ("", None),
            ("...", None),
            ("-stop-", Some(Stop)),
            ("stop-ish", None),
        ];
        for (body, expected) in table {
            assert_eq!(keyword(body), expected, "{body:?}");
        }
    }

    #[test]
    fn each_keyword_is_answered_with_what_it_did() {
        let stop = keyword_reply(Keyword::Stop, "Peak Form");
        assert!(
            stop.starts_with("Peak Form:") && stop.contains("START"),
            "{stop}"
        );
        let start = keyword_reply(Keyword::Start, "Peak Form");
        assert!(start.contains("STOP") && start.contains("HELP"), "{start}");
        let help = keyword_reply(Keyword::Help, "Peak Form");
        assert!(help.contains("STOP"), "{help}");
        // One part each, in GSM-7, for a business name of reasonable length.
        for k in [Keyword::Stop, Keyword::Start, Keyword::Help] {
            let s = segments(&keyword_reply(k, "Peak Form Coaching & Wellness"));
            assert_eq!((s.encoding, s.segments), (Encoding::Gsm7, 1), "{k:?}");
        }
    }

    #[test]
    fn plain_replaces_what_forces_ucs2() {
        let body = "“Don’t” – see you at 6… ok";
        assert_eq!(segments(body).encoding, Encoding::Ucs2);
        let p = plain(body);
        assert_eq!(p, "\"Don't\" - see you at 6... ok");
        assert_eq!(segments(&p).encoding, Encoding::Gsm7);
        // What has no plain look-alike stays.
        assert_eq!(plain("😀"), "😀");
    }
}
