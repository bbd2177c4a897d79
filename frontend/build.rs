//! Writes the emoji picker's data (`$OUT_DIR/emoji.txt`) from the `emojis` crate (the Unicode
//! emoji list with names and groups): one line per emoji people pick (skin-tone variants are
//! not lines of their own), as `group<TAB>emoji<TAB>name<TAB>tones`, where `tones` is `1` when
//! the five skin tones are the emoji with a tone modifier after its first character, the five
//! variants themselves (comma-separated) when they are made otherwise, and empty when it has
//! none. Only the media module includes it (the picker is opened seldom; the apps never carry
//! it). Emoji newer than Unicode 14 are left out: older phones show them as boxes.

use std::fmt::Write as _;

fn main() {
    let mut out = String::new();
    for group in emojis::Group::iter() {
        for e in group.emojis() {
            if e.unicode_version() > emojis::UnicodeVersion::new(14, 0) {
                continue;
            }
            let tones = match e.skin_tones() {
                None => String::new(),
                Some(all) => {
                    let variants: Vec<&str> = all.skip(1).take(5).map(|t| t.as_str()).collect();
                    let mut chars = e.as_str().chars();
                    let first = chars.next().map(String::from).unwrap_or_default();
                    // A variation selector right after the first character gives way to the
                    // modifier; any later one stays.
                    let rest: String = chars.as_str().trim_start_matches('\u{FE0F}').to_owned();
                    let simple = [
                        '\u{1F3FB}',
                        '\u{1F3FC}',
                        '\u{1F3FD}',
                        '\u{1F3FE}',
                        '\u{1F3FF}',
                    ]
                    .iter()
                    .map(|m| format!("{first}{m}{rest}"))
                    .collect::<Vec<_>>();
                    if variants.iter().zip(&simple).all(|(v, s)| v == s) {
                        "1".to_owned()
                    } else {
                        variants.join(",")
                    }
                }
            };
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{tones}",
                group as u8,
                e.as_str(),
                e.name()
            );
        }
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("emoji.txt");
    std::fs::write(path, out).expect("write the emoji data");
    println!("cargo:rerun-if-changed=build.rs");
}
