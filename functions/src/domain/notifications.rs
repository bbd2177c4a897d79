//! How people want to be notified: their settings (pushes, email digests, quiet hours in their
//! own time zone, announcement groups) and, per conversation, what notifies them of it (every
//! message, mentions only, nothing). The rules that apply them to a message are
//! `shared::notify`; [`quiet_now`] tells whether someone's quiet hours hold at an instant.

use super::auth::Caller;
use super::conversations::Conversations;
use super::*;
use crate::store::repo::{self, NotificationSettingsRecord, NotifyLevelRecord};
use shared::api::{ConversationNotifications, UpdateNotificationSettings};
use shared::model::{NotificationSettings, NotifyLevel, QuietHours};
use shared::{BusinessId, ConversationId, UserId};

pub struct Notifications {
    store: Arc<dyn Store>,
    conversations: Arc<Conversations>,
}

/// `name` if it is a time zone of the IANA database.
fn time_zone(name: &str) -> Result<String> {
    let name = name.trim();
    match jiff::tz::TimeZone::get(name) {
        Ok(_) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(Error::invalid(
            "notifications.time_zone_invalid",
            "The time zone is not one of the IANA database's (like Europe/Berlin).",
        )),
    }
}

/// Whether `settings`' quiet hours hold at `at`, in their time zone.
pub fn quiet_now(settings: &NotificationSettings, at: time::OffsetDateTime) -> bool {
    let Some(QuietHours { from, to }) = &settings.quiet_hours else {
        return false;
    };
    let (Ok(from), Ok(to)) = (
        shared::notify::minute_of_day(from),
        shared::notify::minute_of_day(to),
    ) else {
        return false;
    };
    let Ok(tz) = jiff::tz::TimeZone::get(&settings.time_zone) else {
        return false;
    };
    let Ok(instant) = jiff::Timestamp::from_second(at.unix_timestamp()) else {
        return false;
    };
    let local = instant.to_zoned(tz);
    let now = local.hour() as u16 * 60 + local.minute() as u16;
    shared::notify::in_quiet_hours(from, to, now)
}

/// When `settings`' quiet hours holding at `at` end: the next time their end comes round in
/// their time zone. None when they do not hold at `at`.
pub fn quiet_ends(
    settings: &NotificationSettings,
    at: time::OffsetDateTime,
) -> Option<time::OffsetDateTime> {
    if !quiet_now(settings, at) {
        return None;
    }
    let to = shared::notify::minute_of_day(&settings.quiet_hours.as_ref()?.to).ok()?;
    let tz = jiff::tz::TimeZone::get(&settings.time_zone).ok()?;
    let local = jiff::Timestamp::from_second(at.unix_timestamp())
        .ok()?
        .to_zoned(tz);
    let end_today = local
        .with()
        .hour((to / 60) as i8)
        .minute((to % 60) as i8)
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .ok()?;
    let end = match end_today.timestamp() > local.timestamp() {
        true => end_today,
        false => end_today.tomorrow().ok()?,
    };
    time::OffsetDateTime::from_unix_timestamp(end.timestamp().as_second()).ok()
}

impl Notifications {
    pub fn new(store: Arc<dyn Store>, conversations: Arc<Conversations>) -> Self {
        Self {
            store,
            conversations,
        }
    }

    /// Someone's settings: what they saved, or the defaults (pushes and email digests on, no
    /// quiet hours, UTC).
    pub async fn settings_of(&self, b: BusinessId, u: UserId) -> Result<NotificationSettings> {
        Ok(
            repo::get::<NotificationSettingsRecord>(&*self.store, (b, u))
                .await?
                .map_or_else(NotificationSettings::default, |r| r.value.into()),
        )
    }

    /// The caller's settings.
    pub async fn settings(&self, caller: &Caller) -> Result<NotificationSettings> {
        self.settings_of(caller.business_id(), caller.user_id())
            .await
    }

    /// Changes the fields of the caller's settings that `req` names.
    pub async fn update_settings(
        &self,
        caller: &Caller,
        req: UpdateNotificationSettings,
    ) -> Result<NotificationSettings> {
        let zone = req.time_zone.as_deref().map(time_zone).transpose()?;
        let quiet = match &req.quiet_hours {
            Some(Some(q)) => {
                shared::notify::minute_of_day(&q.from)?;
                shared::notify::minute_of_day(&q.to)?;
                Some(Some(q.clone()))
            }
            other => other.clone(),
        };
        let (b, u) = (caller.business_id(), caller.user_id());
        retrying(|| async {
            let current = repo::get::<NotificationSettingsRecord>(&*self.store, (b, u)).await?;
            let mut next: NotificationSettings = current
                .as_ref()
                .map_or_else(NotificationSettings::default, |r| r.value.clone().into());
            let before = next.clone();
            if let Some(push) = req.push {
                next.push = push;
            }
            if let Some(email) = req.email {
                next.email = email;
            }
            if let Some(q) = &quiet {
                next.quiet_hours = q.clone();
            }
            if let Some(zone) = &zone {
                next.time_zone = zone.clone();
            }
            if let Some(level) = req.announcements {
                next.announcements = level;
            }
            if current.is_some() && next == before {
                return Ok(Attempt::Done(next));
            }
            let record = NotificationSettingsRecord::from(next.clone());
            let tx = Writes::from(vec![repo::save(current.as_ref(), (b, u), &record)?]);
            commit(&*self.store, tx, next).await
        })
        .await
    }

    /// What notifies someone of conversation `c` (every message unless they changed it).
    pub async fn level_of(
        &self,
        b: BusinessId,
        u: UserId,
        c: ConversationId,
    ) -> Result<NotifyLevel> {
        Ok(repo::get::<NotifyLevelRecord>(&*self.store, (b, u, c))
            .await?
            .map_or(NotifyLevel::All, |r| r.value.0))
    }

    /// What notifies the caller of a conversation they can read.
    pub async fn level(
        &self,
        caller: &Caller,
        c: ConversationId,
    ) -> Result<ConversationNotifications> {
        self.conversations.readable(caller, c).await?;
        let level = self
            .level_of(caller.business_id(), caller.user_id(), c)
            .await?;
        Ok(ConversationNotifications { level })
    }

    /// Sets what notifies the caller of a conversation they can read.
    pub async fn set_level(
        &self,
        caller: &Caller,
        c: ConversationId,
        level: NotifyLevel,
    ) -> Result<ConversationNotifications> {
        self.conversations.readable(caller, c).await?;
        let (b, u) = (caller.business_id(), caller.user_id());
        let write = match level {
            // The default needs no record.
            NotifyLevel::All => repo::delete::<NotifyLevelRecord>((b, u, c)),
            level => repo::overwrite((b, u, c), &NotifyLevelRecord(level))?,
        };
        self.store.transact(vec![write]).await?;
        Ok(ConversationNotifications { level })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn at_night(zone: &str) -> NotificationSettings {
        NotificationSettings {
            quiet_hours: Some(QuietHours {
                from: "22:00".into(),
                to: "07:00".into(),
            }),
            time_zone: zone.into(),
            ..NotificationSettings::default()
        }
    }

    /// Quiet hours are the person's own: the same instant is night in Berlin and evening in
    /// New York, and daylight saving time moves them with the clocks.
    #[test]
    fn quiet_hours_follow_the_persons_time_zone() {
        let instant = datetime!(2026-01-15 22:30 UTC);
        assert!(
            quiet_now(&at_night("Europe/Berlin"), instant),
            "23:30 there"
        );
        assert!(
            !quiet_now(&at_night("America/New_York"), instant),
            "17:30 there"
        );
        assert!(quiet_now(&at_night("UTC"), instant));
        // 05:30 UTC in July is 07:30 in Berlin (summer time): over; in January 06:30: not.
        assert!(!quiet_now(
            &at_night("Europe/Berlin"),
            datetime!(2026-07-15 05:30 UTC)
        ));
        assert!(quiet_now(
            &at_night("Europe/Berlin"),
            datetime!(2026-01-15 05:30 UTC)
        ));
        assert!(
            !quiet_now(&NotificationSettings::default(), instant),
            "none set"
        );
    }

    /// Quiet hours end at their end in the person's own time zone, the same night or the next
    /// morning.
    #[test]
    fn quiet_hours_end_at_their_local_end() {
        let berlin = at_night("Europe/Berlin");
        // 23:30 in Berlin (winter, UTC+1): ends 07:00 there the next day, 06:00 UTC.
        assert_eq!(
            quiet_ends(&berlin, datetime!(2026-01-15 22:30 UTC)),
            Some(datetime!(2026-01-16 06:00 UTC))
        );
        // 05:30 in Berlin: ends at 07:00 the same morning.
        assert_eq!(
            quiet_ends(&berlin, datetime!(2026-01-15 04:30 UTC)),
            Some(datetime!(2026-01-15 06:00 UTC))
        );
        assert_eq!(quiet_ends(&berlin, datetime!(2026-01-15 12:00 UTC)), None);
    }

    #[test]
    fn only_iana_time_zones_are_taken() {
        assert_eq!(
            time_zone(" Europe/Berlin ").ok().as_deref(),
            Some("Europe/Berlin")
        );
        assert!(time_zone("America/Argentina/Buenos_Aires").is_ok());
        for bad in ["", "Mars/Olympus", "../../etc/passwd", "+05:00"] {
            assert!(time_zone(bad).is_err(), "{bad}");
        }
    }
}
