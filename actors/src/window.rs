//! The 24-hour customer service window: a business may send free-form
//! messages only within 24 hours of the customer's last inbound message;
//! outside it, only approved templates.

use chrono::{DateTime, Duration, Utc};

/// How long a customer's message keeps the window open.
pub const SESSION_WINDOW_HOURS: i64 = 24;

/// The window of one conversation, derived from the last inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionWindow {
    last_inbound_at: Option<DateTime<Utc>>,
}

impl SessionWindow {
    /// The window opened by the customer's last message (none yet: closed).
    pub fn from_last_inbound(last_inbound_at: Option<DateTime<Utc>>) -> Self {
        Self { last_inbound_at }
    }

    /// When free-form messaging stops being allowed.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.last_inbound_at.map(|t| t + Duration::hours(SESSION_WINDOW_HOURS))
    }

    /// Whether a free-form (non-template) message may be sent at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.expires_at().is_some_and(|end| now < end)
    }

    /// A new inbound message at `at` reopens (or extends) the window; an
    /// older, late-arriving message never shortens it.
    pub fn record_inbound(&mut self, at: DateTime<Utc>) {
        if self.last_inbound_at.is_none_or(|t| at > t) {
            self.last_inbound_at = Some(at);
        }
    }

    /// The customer's last message time.
    pub fn last_inbound_at(&self) -> Option<DateTime<Utc>> {
        self.last_inbound_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default() + Duration::hours(h)
    }

    #[test]
    fn closed_until_the_customer_writes() {
        let w = SessionWindow::default();
        assert!(!w.is_open(t(0)));
        assert_eq!(w.expires_at(), None);
    }

    #[test]
    fn open_for_24_hours_after_inbound() {
        let mut w = SessionWindow::default();
        w.record_inbound(t(0));
        assert!(w.is_open(t(23)));
        assert!(!w.is_open(t(24)));
        w.record_inbound(t(20));
        assert!(w.is_open(t(43)));
    }

    #[test]
    fn a_late_old_message_never_shortens_it() {
        let mut w = SessionWindow::default();
        w.record_inbound(t(10));
        w.record_inbound(t(1));
        assert_eq!(w.last_inbound_at(), Some(t(10)));
    }
}
