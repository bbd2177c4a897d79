//! Property tests of the parsers that take outside input: the chat formatting grammar, SMS
//! segment counting and the typographic clean-up, and the validated ids and fields a request
//! carries. Each runs `PROPTEST_CASES` cases (256 by default, in the test command); a longer
//! run: `PROPTEST_CASES=200000 cargo test -p sideline-shared --lib properties` (README).

use crate::markup;
use crate::sms::{self, Encoding};
use proptest::prelude::*;

/// Text a person might send: any characters, weighted towards the formatting grammar's own
/// and GSM-7's edges.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        any::<char>().prop_map(String::from),
        prop::sample::select(vec![
            "*",
            "**",
            "_",
            "~~",
            "`",
            "```",
            "\n",
            "- ",
            "1. ",
            "> ",
            "[",
            "](",
            ")",
            "<@",
            ">",
            "http://",
            "https://x.y/",
            "mailto:",
            "@",
            "€",
            "^",
            "{",
            "é",
            "😀",
            "\u{200d}",
            "\r\n",
            " ",
            "a",
            "1",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(pieces, 0..200).prop_map(|p| p.concat())
}

proptest! {
    /// Any text parses, its tree gives plain text and mentions, and parsing is deterministic.
    #[test]
    fn formatting_parses_anything(source in text()) {
        let blocks = markup::parse(&source);
        prop_assert_eq!(&blocks, &markup::parse(&source));
        let _ = markup::mentions(&blocks);
        let plain = markup::plain_text(&blocks, &|_| Some("Name".into()));
        // Plain text never grows past the source by more than the names it put in.
        prop_assert!(plain.chars().count() <= source.chars().count() * 5 + 8);
        let _ = markup::summary(&source, &|_| None);
    }

    /// Words without any formatting come out as they went in.
    #[test]
    fn plain_words_stay_plain(words in prop::collection::vec("[A-Za-z0-9]{1,12}", 1..30)) {
        let source = words.join(" ");
        let blocks = markup::parse(&source);
        prop_assert_eq!(markup::plain_text(&blocks, &|_| None), source);
    }

    /// A link target is only ever http, https or mailto.
    #[test]
    fn link_targets_are_safe(url in text()) {
        if let Some(target) = markup::link_target(&url) {
            let lower = target.to_ascii_lowercase();
            prop_assert!(
                lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"),
                "{}", target
            );
        }
    }

    /// Segments agree with a count made here from the encoding's rules: the units, the
    /// encoding (GSM-7 exactly when every character is in it), one part exactly when the units
    /// fit one, and the parts' room holding every unit.
    #[test]
    fn segments_count_what_is_sent(body in text()) {
        let s = sms::segments(&body);
        if body.is_empty() {
            prop_assert_eq!(s.segments, 0);
            return Ok(());
        }
        let gsm = body.chars().all(sms::is_gsm7);
        prop_assert_eq!(s.encoding == Encoding::Gsm7, gsm);
        let units: u32 = body
            .chars()
            .map(|c| match (gsm, c) {
                (true, '\u{c}' | '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€') => 2,
                (true, _) => 1,
                (false, c) => c.len_utf16() as u32,
            })
            .sum();
        prop_assert_eq!(s.units, units);
        let one = s.encoding.single();
        prop_assert_eq!(s.segments == 1, units <= one);
        if s.segments > 1 {
            let per = s.encoding.per_part();
            prop_assert!(s.segments * per >= units);
            // Never more than one unit lost to a part's end per part (a character kept whole).
            prop_assert!(s.segments * (per - 1) < units + per);
            prop_assert!(s.remaining < per);
        } else {
            prop_assert_eq!(s.remaining, one - units);
        }
        prop_assert_eq!(s.switched_by.is_some(), !gsm);
    }

    /// The clean-up for texts never adds a character outside GSM-7 and never empties a body.
    #[test]
    fn plain_text_for_texts_only_helps(body in text()) {
        let plain = sms::plain(&body);
        let before = body.chars().filter(|c| !sms::is_gsm7(*c)).count();
        let after = plain.chars().filter(|c| !sms::is_gsm7(*c)).count();
        prop_assert!(after <= before);
        prop_assert_eq!(plain.trim().is_empty(), body.trim().is_empty());
    }

    /// Validated fields and ids refuse or take anything, never panic.
    #[test]
    fn validated_fields_take_anything(input in text()) {
        let _ = crate::validate::Name::parse(&input, "name");
        let _ = crate::validate::ClientMessageId::parse(&input);
        let _ = crate::validate::MessageBody::parse(&input);
        let _ = crate::validate::Emoji::parse(&input);
        let _ = input.parse::<crate::UserId>();
        let _ = input.parse::<crate::ConversationId>();
        let _ = crate::limits::idempotency_key_valid(&input);
        let _ = sms::check_opt_in_proof(&input, input.len() as u64);
    }
}
