//! How times and counts are shown. The rules are plain functions of the time, the viewer's
//! clock ("now") and their UTC offset; the browser supplies the last two.

use time::{Date, OffsetDateTime, UtcOffset};

/// A badge count: 1..99, then "99+".
pub fn unread_badge(count: u64) -> Option<String> {
    match count {
        0 => None,
        1..=99 => Some(count.to_string()),
        _ => Some("99+".into()),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "14:05", 24-hour, at `offset`.
pub fn clock_at(at: OffsetDateTime, offset: UtcOffset) -> String {
    let t = at.to_offset(offset);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The calendar day of `at` at `offset`.
pub fn day_at(at: OffsetDateTime, offset: UtcOffset) -> Date {
    at.to_offset(offset).date()
}

/// "Today", "Yesterday", "Mar 4", or "Mar 4, 2025" when not this year, seen at `now`.
pub fn day_label_at(at: OffsetDateTime, now: OffsetDateTime, offset: UtcOffset) -> String {
    let day = day_at(at, offset);
    let today = day_at(now, offset);
    if day == today {
        "Today".into()
    } else if today.previous_day() == Some(day) {
        "Yesterday".into()
    } else if day.year() == today.year() {
        format!("{} {}", MONTHS[day.month() as usize - 1], day.day())
    } else {
        format!(
            "{} {}, {}",
            MONTHS[day.month() as usize - 1],
            day.day(),
            day.year()
        )
    }
}

/// For lists: the clock today, else the day's label.
pub fn list_time_at(at: OffsetDateTime, now: OffsetDateTime, offset: UtcOffset) -> String {
    if day_at(at, offset) == day_at(now, offset) {
        clock_at(at, offset)
    } else {
        day_label_at(at, now, offset)
    }
}

/// `text` in lower case, for matching without regard to case.
pub fn fold_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_lowercase();
}

/// `text` in upper case. In the browser this and [`fold_case`] use the browser's own Unicode
/// rules: the standard library's would bring its case tables into the app (~4 KB brotli each).
pub fn upper_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_upper_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_uppercase();
}

/// Up to two initials for an avatar, in upper case (an initial whose upper case is two letters,
/// like ß, keeps the first).
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .map(|c| {
            upper_case(c.encode_utf8(&mut [0; 4]))
                .chars()
                .next()
                .unwrap_or(c)
        })
        .collect()
}

/// What the browser knows: the time now and the viewer's offset at a given moment (which moves
/// with daylight saving time).
#[cfg(target_arch = "wasm32")]
mod viewer {
    use time::{OffsetDateTime, UtcOffset};

    pub fn now() -> OffsetDateTime {
        let ms = js_sys::Date::now() as i128;
        OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn offset(at: OffsetDateTime) -> UtcOffset {
        let ms = (at.unix_timestamp_nanos() / 1_000_000) as f64;
        let minutes = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).get_timezone_offset();
        // JavaScript counts minutes *behind* UTC.
        UtcOffset::from_whole_seconds(-(minutes as i32) * 60).unwrap_or(UtcOffset::UTC)
    }

    /// A random UUID from the browser (`crypto.randomUUID()`, in secure contexts: HTTPS and
    /// localhost).
    pub fn uuid() -> Option<String> {
        Some(web_sys::window()?.crypto().ok()?.random_uuid())
    }

    pub fn random() -> u64 {
        (js_sys::Math::random() * 1e15) as u64
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod viewer {
    use time::{OffsetDateTime, UtcOffset};

    pub fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    pub fn offset(_: OffsetDateTime) -> UtcOffset {
        UtcOffset::UTC
    }

    pub fn uuid() -> Option<String> {
        None
    }

    pub fn random() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(OffsetDateTime::now_utc().unix_timestamp_nanos() as u128);
        h.finish()
    }
}

/// Now, by the viewer's clock.
pub fn now() -> OffsetDateTime {
    viewer::now()
}

/// "14:05" in the viewer's time zone.
pub fn clock(at: OffsetDateTime) -> String {
    clock_at(at, viewer::offset(at))
}

/// The viewer's calendar day of `at`.
pub fn day_key(at: OffsetDateTime) -> Date {
    day_at(at, viewer::offset(at))
}

/// "Today", "Yesterday", "Mar 4" or "Mar 4, 2025" for the viewer.
pub fn day_label(at: OffsetDateTime) -> String {
    day_label_at(at, viewer::now(), viewer::offset(at))
}

/// A short time for lists, for the viewer.
pub fn list_time(at: OffsetDateTime) -> String {
    list_time_at(at, viewer::now(), viewer::offset(at))
}

/// A fresh idempotency key for a message: a random UUID, or where the browser gives none (a
/// page served over plain HTTP from another host) the time and two random numbers.
pub fn new_client_message_id() -> String {
    viewer::uuid().unwrap_or_else(|| {
        let now = viewer::now().unix_timestamp_nanos() / 1_000_000;
        format!("{now:x}-{:x}{:x}", viewer::random(), viewer::random())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn badges_count_to_99_then_cap() {
        assert_eq!(unread_badge(0), None);
        assert_eq!(unread_badge(1).as_deref(), Some("1"));
        assert_eq!(unread_badge(99).as_deref(), Some("99"));
        assert_eq!(unread_badge(100).as_deref(), Some("99+"));
        assert_eq!(unread_badge(u64::MAX).as_deref(), Some("99+"));
    }

    #[test]
    fn clock_is_in_the_viewers_zone() {
        let at = datetime!(2026-03-04 23:05:59 UTC);
        assert_eq!(clock_at(at, offset!(UTC)), "23:05");
        assert_eq!(clock_at(at, offset!(+2)), "01:05");
        assert_eq!(clock_at(at, offset!(-5:30)), "17:35");
    }

    #[test]
    fn days_are_labelled_from_the_viewers_today() {
        let now = datetime!(2026-03-04 09:00 UTC);
        let utc = offset!(UTC);
        assert_eq!(
            day_label_at(datetime!(2026-03-04 00:00 UTC), now, utc),
            "Today"
        );
        assert_eq!(
            day_label_at(datetime!(2026-03-03 23:59 UTC), now, utc),
            "Yesterday"
        );
        assert_eq!(
            day_label_at(datetime!(2026-03-02 12:00 UTC), now, utc),
            "Mar 2"
        );
        assert_eq!(
            day_label_at(datetime!(2026-01-01 12:00 UTC), now, utc),
            "Jan 1"
        );
        assert_eq!(
            day_label_at(datetime!(2025-12-31 12:00 UTC), now, utc),
            "Dec 31, 2025"
        );
        // Yesterday across a year boundary.
        let new_year = datetime!(2027-01-01 10:00 UTC);
        assert_eq!(
            day_label_at(datetime!(2026-12-31 10:00 UTC), new_year, utc),
            "Yesterday"
        );
    }

    #[test]
    fn the_day_depends_on_the_offset() {
        // 23:30 UTC on the 3rd is already the 4th in Berlin, still the 3rd in New York.
        let at = datetime!(2026-03-03 23:30 UTC);
        let now = datetime!(2026-03-04 08:00 UTC);
        assert_eq!(day_label_at(at, now, offset!(+1)), "Today");
        assert_eq!(day_label_at(at, now, offset!(-5)), "Yesterday");
        assert_ne!(day_at(at, offset!(+1)), day_at(at, offset!(-5)));
    }

    #[test]
    fn lists_show_the_clock_today_and_the_day_before() {
        let now = datetime!(2026-03-04 18:00 UTC);
        let utc = offset!(UTC);
        assert_eq!(
            list_time_at(datetime!(2026-03-04 07:45 UTC), now, utc),
            "07:45"
        );
        assert_eq!(
            list_time_at(datetime!(2026-03-03 07:45 UTC), now, utc),
            "Yesterday"
        );
        assert_eq!(
            list_time_at(datetime!(2026-02-14 07:45 UTC), now, utc),
            "Feb 14"
        );
    }

    #[test]
    fn initials_take_two_words_uppercased() {
        assert_eq!(initials("jordan reyes"), "JR");
        assert_eq!(initials("Sam Okafor Lindqvist"), "SO");
        assert_eq!(initials("  Ana  "), "A");
        assert_eq!(initials("élodie ßauer"), "ÉS");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn message_keys_are_unique() {
        let keys: std::collections::HashSet<_> =
            (0..100).map(|_| new_client_message_id()).collect();
        assert_eq!(keys.len(), 100);
    }
}
