//! Saved messages: their placeholders, filled for the conversation a template goes into, and
//! the search the composer's `/` runs over their names.

/// What a template's placeholders stand for in one conversation. A value not known there (no
/// client in a group) leaves its placeholder as written, for the sender to fill by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders<'a> {
    /// The first word of the client's name, in a private conversation.
    pub client_first_name: Option<&'a str>,
    /// The staff member sending it.
    pub coach_name: Option<&'a str>,
    pub business_name: Option<&'a str>,
}

/// The placeholders a template may use, as written.
pub const PLACEHOLDERS: [&str; 3] = ["{client_first_name}", "{coach_name}", "{business_name}"];

/// `body` with each known placeholder replaced, in one pass: a value that itself reads like a
/// placeholder is not replaced again.
pub fn fill(body: &str, with: &Placeholders) -> String {
    let values = [with.client_first_name, with.coach_name, with.business_name];
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let known = PLACEHOLDERS
            .iter()
            .zip(values)
            .find(|(p, v)| v.is_some() && tail.starts_with(**p));
        match known {
            Some((p, Some(value))) => {
                out.push_str(value);
                rest = &tail[p.len()..];
            }
            _ => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first word of a name (what `{client_first_name}` becomes).
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// Whether a template named `name` answers what was typed after `/`: a word of its name starts
/// with it (both already folded to lower case).
pub fn matches(name: &str, query: &str) -> bool {
    let query = query.trim();
    query.is_empty() || name.starts_with(query) || name.split(' ').any(|w| w.starts_with(query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_stay() {
        let with = Placeholders {
            client_first_name: Some("Maya"),
            coach_name: Some("Casey Coach"),
            business_name: Some("Peak {coach_name}"),
        };
        assert_eq!(
            fill(
                "Hi {client_first_name}, {coach_name} here from {business_name}.",
                &with
            ),
            "Hi Maya, Casey Coach here from Peak {coach_name}."
        );
        let group = Placeholders {
            coach_name: Some("Casey"),
            ..Default::default()
        };
        assert_eq!(
            fill("Hi {client_first_name} — {coach_name} {unknown} {", &group),
            "Hi {client_first_name} — Casey {unknown} {"
        );
        assert_eq!(fill("", &with), "");
        assert_eq!(fill("{{coach_name}}", &with), "{Casey Coach}");
        assert_eq!(first_name("  Maya  Chen "), "Maya");
        assert_eq!(first_name(""), "");
    }

    #[test]
    fn a_name_matches_by_the_start_of_any_word() {
        assert!(matches("weekly check-in", "week"));
        assert!(matches("weekly check-in", "check"));
        assert!(matches("weekly check-in", ""));
        assert!(!matches("weekly check-in", "in"));
    }
}
