//! Rate limits on what is anonymous or expensive: each rule counts attempts per subject (an
//! account, a source address) in fixed windows, and refuses with 429 and `Retry-After` once
//! the subject has used its window. Only the limited subject waits; everyone else is served as
//! before. Where only failures count (wrong passwords, unknown invite links), someone who gets
//! it right is never slowed down.

use super::ports::Limits;
use super::{Error, RetryAfter};
use std::net::IpAddr;

/// A limit: at most `limit` attempts per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub limit: u32,
    pub window_secs: i64,
}

/// Failed sign-ins of one account from one source: 10 per 15 minutes. (Per source too, so an
/// attacker elsewhere cannot lock the owner of the account out.)
pub const SIGN_IN_ACCOUNT: Rule = Rule {
    name: "signin.account",
    limit: 10,
    window_secs: 900,
};
/// Failed sign-ins from one source address: 100 per 15 minutes.
pub const SIGN_IN_SOURCE: Rule = Rule {
    name: "signin.source",
    limit: 100,
    window_secs: 900,
};
/// Sign-ups from one source address: 20 per hour.
pub const SIGN_UP_SOURCE: Rule = Rule {
    name: "signup.source",
    limit: 20,
    window_secs: 3600,
};
/// Invite links that did not work (unknown, used, replaced), from one source: 50 per 15 min.
pub const INVITE_SOURCE: Rule = Rule {
    name: "invite.source",
    limit: 50,
    window_secs: 900,
};
/// Password reset requests for one account from one source: 5 per hour.
pub const RESET_ACCOUNT: Rule = Rule {
    name: "reset.account",
    limit: 5,
    window_secs: 3600,
};
/// Password reset requests and links that did not work, from one source: 30 per hour.
pub const RESET_SOURCE: Rule = Rule {
    name: "reset.source",
    limit: 30,
    window_secs: 3600,
};

/// Purchase webhook deliveries with a bad signature, per business and source: 100 per 15
/// minutes.
pub const WEBHOOK_BUSINESS: Rule = Rule {
    name: "webhook.business",
    limit: 100,
    window_secs: 900,
};

/// Mass messages a business sends: 20 an hour. Each is a background job over up to every
/// client: one business's many jobs would hold everyone else's back.
pub const MASS_BUSINESS: Rule = Rule {
    name: "mass.business",
    limit: 20,
    window_secs: 3600,
};

/// Messages one person sends (in the apps, or as texts and emails): 1,200 in 10 minutes, two a
/// second kept up, far beyond anyone typing; a script or a runaway app is held back. Sending
/// the same `client_message_id` again is not counted.
pub const SEND_PERSON: Rule = Rule {
    name: "send.person",
    limit: 1_200,
    window_secs: 600,
};

/// Files one person signs uploads for: 300 an hour.
pub const UPLOAD_PERSON: Rule = Rule {
    name: "upload.person",
    limit: 300,
    window_secs: 3600,
};

/// Texts a business sends one by one (a message sent as a text): 500 an hour. Mass messages
/// are held by [`MASS_BUSINESS`], and every text by the balance.
pub const TEXT_BUSINESS: Rule = Rule {
    name: "text.business",
    limit: 500,
    window_secs: 3600,
};

/// Who an attempt is counted against.
pub enum Subject<'a> {
    /// An account (its login name) as tried from a source (when known).
    Account(&'a str, Option<IpAddr>),
    Source(IpAddr),
    /// A business, whoever of it acts.
    Business(shared::BusinessId),
    /// A person of a business.
    Person(shared::BusinessId, shared::UserId),
}

impl Rule {
    fn key(&self, subject: &Subject) -> String {
        match subject {
            Subject::Account(login, Some(ip)) => format!("{}:{login}:{ip}", self.name),
            Subject::Account(login, None) => format!("{}:{login}", self.name),
            Subject::Source(ip) => format!("{}:{ip}", self.name),
            Subject::Business(b) => format!("{}:{b}", self.name),
            Subject::Person(b, u) => format!("{}:{b}:{u}", self.name),
        }
    }

    fn window(&self, now: i64) -> (i64, i64) {
        let window = now.div_euclid(self.window_secs);
        (window, (window + 1) * self.window_secs)
    }

    /// Refuses (429) when `subject` has used its allowance: the attempts of this window plus
    /// those of the one before, weighted by how much of it still overlaps the last
    /// `window_secs` (a sliding window: a new window does not hand out a fresh allowance the
    /// moment it starts).
    pub async fn check(&self, limits: &dyn Limits, subject: Subject<'_>) -> super::Result<()> {
        let now = super::now().unix_timestamp();
        let (window, ends_at) = self.window(now);
        let key = self.key(&subject);
        let current = limits.count(&key, window).await?;
        let previous = match current < self.limit {
            true => limits.count(&key, window - 1).await?,
            false => 0,
        };
        let overlap = (ends_at - now) as f64 / self.window_secs as f64;
        if f64::from(current) + f64::from(previous) * overlap < f64::from(self.limit) {
            return Ok(());
        }
        Err(Error::Limited {
            code: "rate.limited",
            message: "Too many attempts. Wait a little, then try again.".into(),
            retry_after: RetryAfter((ends_at - now).max(1) as u64),
        })
    }

    /// Counts one attempt of `subject`.
    pub async fn add(&self, limits: &dyn Limits, subject: Subject<'_>) -> super::Result<()> {
        let (window, ends_at) = self.window(super::now().unix_timestamp());
        Ok(limits.add(&self.key(&subject), window, ends_at).await?)
    }

    /// Refuses when `subject` has used this window, and counts this attempt otherwise.
    pub async fn take(&self, limits: &dyn Limits, subject: Subject<'_>) -> super::Result<()> {
        let key = self.key(&subject);
        self.check(limits, subject).await?;
        let (window, ends_at) = self.window(super::now().unix_timestamp());
        Ok(limits.add(&key, window, ends_at).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::limits::MemoryLimits;

    #[tokio::test]
    async fn a_subject_is_refused_once_its_window_is_used_and_only_it() {
        let limits = MemoryLimits::default();
        let rule = Rule {
            name: "test",
            limit: 3,
            window_secs: 3600,
        };
        for _ in 0..3 {
            rule.check(&limits, Subject::Account("a", None))
                .await
                .expect("under");
            rule.add(&limits, Subject::Account("a", None))
                .await
                .expect("count");
        }
        match rule.check(&limits, Subject::Account("a", None)).await {
            Err(Error::Limited { retry_after, .. }) => {
                assert!((1..=3600).contains(&retry_after.0), "{retry_after:?}")
            }
            other => panic!("expected a limit, got {other:?}"),
        }
        rule.check(&limits, Subject::Account("b", None))
            .await
            .expect("another account is not limited");
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        rule.take(&limits, Subject::Source(ip))
            .await
            .expect("a source");
    }

    #[tokio::test]
    async fn a_new_window_does_not_hand_out_a_fresh_allowance_at_once() {
        let limits = MemoryLimits::default();
        let rule = Rule {
            name: "test",
            limit: 3,
            window_secs: 1_000_000,
        };
        let (window, _) = rule.window(crate::domain::now().unix_timestamp());
        let key = rule.key(&Subject::Account("c", None));
        // The window before was used many times over: it still weighs on this one.
        for _ in 0..1000 {
            limits.add(&key, window - 1, 0).await.expect("count");
        }
        assert!(
            rule.check(&limits, Subject::Account("c", None))
                .await
                .is_err(),
            "the last window's attempts count"
        );
        // Long ago, nothing counts.
        let old = rule.key(&Subject::Account("d", None));
        for _ in 0..1000 {
            limits.add(&old, window - 2, 0).await.expect("count");
        }
        rule.check(&limits, Subject::Account("d", None))
            .await
            .expect("two windows back is forgotten");
    }
}
