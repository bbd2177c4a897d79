//! How times and counts are shown.

use time::OffsetDateTime;

/// A badge count: 1..99, then "99+".
pub fn unread_badge(count: u64) -> Option<String> {
    match count {
        0 => None,
        1..=99 => Some(count.to_string()),
        _ => Some("99+".into()),
    }
}

fn local(at: OffsetDateTime) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        (at.unix_timestamp_nanos() / 1_000_000) as f64,
    ))
}

/// "14:05" in the viewer's time zone.
pub fn clock(at: OffsetDateTime) -> String {
    let d = local(at);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// A key that is equal for two times on the same local day.
pub fn day_key(at: OffsetDateTime) -> (u32, u32, u32) {
    let d = local(at);
    (d.get_full_year(), d.get_month(), d.get_date())
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Today", "Yesterday", or "Mar 4" (with the year when it is not this year).
pub fn day_label(at: OffsetDateTime) -> String {
    let d = local(at);
    let now = js_sys::Date::new_0();
    let today = (now.get_full_year(), now.get_month(), now.get_date());
    let yesterday = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        now.get_time() - 86_400_000.0,
    ));
    let key = (d.get_full_year(), d.get_month(), d.get_date());
    if key == today {
        "Today".into()
    } else if key
        == (
            yesterday.get_full_year(),
            yesterday.get_month(),
            yesterday.get_date(),
        )
    {
        "Yesterday".into()
    } else if d.get_full_year() == now.get_full_year() {
        format!("{} {}", MONTHS[d.get_month() as usize % 12], d.get_date())
    } else {
        format!(
            "{} {}, {}",
            MONTHS[d.get_month() as usize % 12],
            d.get_date(),
            d.get_full_year()
        )
    }
}

/// A short time for lists: the clock today, else the day.
pub fn list_time(at: OffsetDateTime) -> String {
    let label = day_label(at);
    if label == "Today" { clock(at) } else { label }
}

/// A fresh idempotency key for a message.
pub fn new_client_message_id() -> String {
    let now = js_sys::Date::now() as u64;
    let a = (js_sys::Math::random() * 1e15) as u64;
    let b = (js_sys::Math::random() * 1e15) as u64;
    format!("{now:x}-{a:x}{b:x}")
}

/// Up to two initials for an avatar.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}
