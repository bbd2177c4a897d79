//! Who is notified of a message, and through what: the rules the notification worker applies to
//! each member of a conversation (everyone but the sender), as one pure function.
//!
//! - Someone who has the conversation open and visible on a device right now is not notified.
//! - A conversation's level decides what notifies at all: every message, only those that
//!   mention the person (a muted conversation), or nothing. Announcement groups follow the
//!   person's own setting for them.
//! - In-app (the bell) whenever someone is notified. A push to each of their devices, if they
//!   want pushes and were not active in the app in the last 30 seconds. An email digest if they
//!   want emails: sent only if the message is still unread 15 minutes on.
//! - Quiet hours (in the person's own time zone) hold pushes and emails: one summary after.

use crate::model::NotifyLevel;
use crate::validate::ValidationError;

/// How long after someone was last active in the app a push is held back (they are there).
pub const ACTIVE_WITHIN_SECS: i64 = 30;
/// How long a message stays unread before it goes into an email digest.
pub const EMAIL_AFTER_SECS: i64 = 15 * 60;

/// What the worker knows of one member when a message arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    /// The conversation is open and visible on one of their devices now.
    pub viewing: bool,
    /// They used the app in the last [`ACTIVE_WITHIN_SECS`].
    pub active: bool,
    /// Their level for this conversation (for an announcement group: their setting for those).
    pub level: NotifyLevel,
    /// The message mentions them.
    pub mentioned: bool,
    /// Their settings: pushes, emails.
    pub push: bool,
    pub email: bool,
    /// It is within their quiet hours now.
    pub quiet: bool,
}

/// When something goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Never,
    Now,
    /// When their quiet hours end (one summary for all that was held).
    AfterQuietHours,
    /// Only if still unread [`EMAIL_AFTER_SECS`] on (one digest for the window).
    IfUnread,
}

/// What one member gets of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub in_app: bool,
    pub push: When,
    pub email: When,
}

impl Decision {
    pub const NOTHING: Decision = Decision {
        in_app: false,
        push: When::Never,
        email: When::Never,
    };
}

/// What `r` gets of a message.
pub fn decide(r: Recipient) -> Decision {
    let wanted = match r.level {
        NotifyLevel::All => true,
        NotifyLevel::Mentions => r.mentioned,
        NotifyLevel::None => false,
    };
    if r.viewing || !wanted {
        return Decision::NOTHING;
    }
    let push = match (r.push && !r.active, r.quiet) {
        (false, _) => When::Never,
        (true, false) => When::Now,
        (true, true) => When::AfterQuietHours,
    };
    let email = match (r.email, r.quiet) {
        (false, _) => When::Never,
        (true, false) => When::IfUnread,
        (true, true) => When::AfterQuietHours,
    };
    Decision {
        in_app: true,
        push,
        email,
    }
}

/// A time of day as minutes since midnight, from `HH:MM` (24-hour).
pub fn minute_of_day(text: &str) -> Result<u16, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "notifications.quiet_hours_invalid",
            "Quiet hours are two times of day as HH:MM, from 00:00 to 23:59.",
        )
    };
    let (h, m) = text.split_once(':').ok_or_else(invalid)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(invalid());
    }
    let (h, m): (u16, u16) = (
        h.parse().map_err(|_| invalid())?,
        m.parse().map_err(|_| invalid())?,
    );
    if h > 23 || m > 59 {
        return Err(invalid());
    }
    Ok(h * 60 + m)
}

/// Whether `now` (minutes since midnight, local) is within quiet hours from `from` to `to`
/// (which may wrap past midnight: 22:00 to 07:00). Equal ends mean none.
pub fn in_quiet_hours(from: u16, to: u16, now: u16) -> bool {
    match from.cmp(&to) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Less => (from..to).contains(&now),
        std::cmp::Ordering::Greater => now >= from || now < to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotifyLevel::*;

    fn someone() -> Recipient {
        Recipient {
            viewing: false,
            active: false,
            level: All,
            mentioned: false,
            push: true,
            email: true,
            quiet: false,
        }
    }

    /// Every combination of presence, level, mute, mention, settings and quiet hours, against
    /// the rules written out one by one.
    #[test]
    fn the_rules_hold_for_every_combination() {
        // Six yes-or-no facts and three levels: 192 cases.
        for case in 0..(64 * 3) {
            let fact = |i: u32| case >> i & 1 == 1;
            let r = Recipient {
                viewing: fact(0),
                active: fact(1),
                mentioned: fact(2),
                push: fact(3),
                email: fact(4),
                quiet: fact(5),
                level: [All, Mentions, None][(case >> 6) as usize],
            };
            let d = decide(r);
            let notified = !r.viewing
                && match r.level {
                    All => true,
                    Mentions => r.mentioned,
                    None => false,
                };
            if !notified {
                assert_eq!(d, Decision::NOTHING, "{r:?}");
                continue;
            }
            assert!(d.in_app, "{r:?}");
            let push = match (r.push && !r.active, r.quiet) {
                (false, _) => When::Never,
                (true, false) => When::Now,
                (true, true) => When::AfterQuietHours,
            };
            assert_eq!(d.push, push, "{r:?}");
            let email = match (r.email, r.quiet) {
                (false, _) => When::Never,
                (true, false) => When::IfUnread,
                (true, true) => When::AfterQuietHours,
            };
            assert_eq!(d.email, email, "{r:?}");
        }
    }

    #[test]
    fn the_usual_cases_read_as_expected() {
        // A client away from the app: pushed now, emailed if still unread.
        assert_eq!(
            decide(someone()),
            Decision {
                in_app: true,
                push: When::Now,
                email: When::IfUnread
            }
        );
        // Reading it right now: nothing at all.
        let viewing = Recipient {
            viewing: true,
            ..someone()
        };
        assert_eq!(decide(viewing), Decision::NOTHING);
        // In the app on another screen: the bell, no push.
        let active = Recipient {
            active: true,
            ..someone()
        };
        assert_eq!(decide(active).push, When::Never);
        assert!(decide(active).in_app);
        // A muted conversation notifies of a mention only, at night after the quiet hours.
        let muted = Recipient {
            level: Mentions,
            quiet: true,
            ..someone()
        };
        assert_eq!(decide(muted), Decision::NOTHING);
        let mentioned = Recipient {
            mentioned: true,
            ..muted
        };
        assert_eq!(decide(mentioned).push, When::AfterQuietHours);
    }

    #[test]
    fn quiet_hours_are_read_and_may_wrap_past_midnight() {
        assert_eq!(minute_of_day("22:00"), Ok(22 * 60));
        assert_eq!(minute_of_day("07:05"), Ok(7 * 60 + 5));
        for bad in ["7:00", "24:00", "12:60", "12-00", "", "aa:bb", "12:000"] {
            assert!(minute_of_day(bad).is_err(), "{bad}");
        }
        let (night_from, night_to) = (22 * 60, 7 * 60);
        assert!(in_quiet_hours(night_from, night_to, 23 * 60));
        assert!(in_quiet_hours(night_from, night_to, 3 * 60));
        assert!(!in_quiet_hours(night_from, night_to, 7 * 60));
        assert!(!in_quiet_hours(night_from, night_to, 12 * 60));
        let (lunch_from, lunch_to) = (12 * 60, 13 * 60);
        assert!(in_quiet_hours(lunch_from, lunch_to, 12 * 60 + 30));
        assert!(!in_quiet_hours(lunch_from, lunch_to, 13 * 60));
        assert!(!in_quiet_hours(9 * 60, 9 * 60, 9 * 60), "equal ends: none");
    }
}
