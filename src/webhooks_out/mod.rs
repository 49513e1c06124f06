//! Outbound webhooks: a tenant's own systems hear what happens in its
//! account. Events are written as delivery rows in the same transaction as
//! the change they report (database triggers for conversations, contacts,
//! flow runs and campaigns; the batch writer for messages and statuses), so
//! a crash loses none. [`worker`] posts them, signed ([`signature`]), oldest
//! first per endpoint, retrying with exponential backoff and jitter for
//! about a day, and switches off an endpoint that failed for a day.

pub mod interest;
pub mod signature;
pub mod worker;

use std::time::Duration;

/// Every event type an endpoint may subscribe to, with what it reports.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("message.received", "A customer's message was stored (every type; reactions included)"),
    ("message.status", "One of our messages moved on: accepted, sent, delivered, read, or failed with Meta's error"),
    ("conversation.created", "A conversation was opened with a new customer or number"),
    ("conversation.updated", "A conversation's status changed (open, pending, resolved, closed)"),
    ("conversation.assigned", "A conversation's assignee changed (or it was unassigned)"),
    ("contact.created", "A contact was added (by hand, import, or a first message)"),
    ("contact.updated", "A contact's name, phone, tags, custom fields or consent changed"),
    ("flow.completed", "A flow run reached its end"),
    ("campaign.finished", "A broadcast campaign completed or was cancelled, with its recipients' counts"),
    ("csat.received", "A customer answered the satisfaction survey"),
    ("sla.breached", "A conversation missed its first-response or resolution target"),
];

/// The event a test delivery carries (never subscribed to; sent on request).
pub const TEST_EVENT: &str = "webhook.test";

/// Whether `event` is one an endpoint may subscribe to.
pub fn is_event_type(event: &str) -> bool {
    EVENT_TYPES.iter().any(|(name, _)| *name == event)
}

/// Most endpoints one account may have.
pub const MAX_ENDPOINTS: i64 = 20;

/// How deliveries are retried, given up and switched off.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// The first retry's delay; each next one doubles, up to [`Self::retry_max`].
    pub retry_base: Duration,
    /// The longest delay between two attempts.
    pub retry_max: Duration,
    /// A delivery failing this long after its first attempt is given up.
    pub give_up_after: Duration,
    /// An endpoint failing every attempt this long is switched off.
    pub disable_after: Duration,
    /// The longest one attempt may take.
    pub timeout: Duration,
    /// Attempts in flight at once (one per endpoint at a time).
    pub concurrency: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            disable_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            concurrency: 16,
        }
    }
}

impl DeliveryPolicy {
    /// The delay before the attempt after `failed` failed attempts (1 or
    /// more): exponential, capped, with jitter in its upper half so that
    /// endpoints failing together do not retry together. `jitter` is in [0, 1).
    pub fn backoff(&self, failed: u32, jitter: f64) -> Duration {
        let exp = failed.saturating_sub(1).min(30);
        let full = self.retry_base.saturating_mul(1u32 << exp.min(20)).min(self.retry_max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// How long a worker holds a claimed delivery: past it, another takes it.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let p = DeliveryPolicy::default();
        assert_eq!(p.backoff(1, 0.999_999).as_secs(), 9);
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(5));
        assert_eq!(p.backoff(2, 0.0), Duration::from_secs(10));
        assert_eq!(p.backoff(3, 0.0), Duration::from_secs(20));
        assert_eq!(p.backoff(40, 0.0), Duration::from_secs(1800));
        assert!(p.backoff(40, 0.99) <= Duration::from_secs(3600));
        // About a day of retries takes a few dozen attempts, even with the shortest jitter.
        let (mut total, mut attempts) = (Duration::ZERO, 0);
        while total < p.give_up_after {
            attempts += 1;
            total += p.backoff(attempts, 0.0);
        }
        assert!((20..=60).contains(&attempts), "{attempts} attempts");
    }

    #[test]
    fn event_types_are_known() {
        assert!(is_event_type("message.received"));
        assert!(!is_event_type(TEST_EVENT));
        assert!(!is_event_type("message.*"));
    }
}
