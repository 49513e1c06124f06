//! What a running campaign has in flight: the sends it handed over in the
//! last [`WINDOW`] that Meta has not answered yet. The campaign holds its
//! pace to what Meta has taken; older sends wait for their grace, not for
//! the campaign.
//!
//! The actor keeps the set itself and, each step, asks Postgres only which
//! of those few are still unanswered (a key lookup each). Counting it from
//! the recipients instead joined every recipient handed over in the window
//! to its message, ~12,000 lookups ten times a second at 400 msg/s.

use std::collections::VecDeque;
use std::time::{Duration, Instant};
use whatsflow_actors::ids::MessageId;

/// How long a send counts as in flight while Meta has not answered it.
pub const WINDOW: Duration = Duration::from_secs(30);

/// The campaign's sends Meta had not answered at the last look, oldest
/// first.
#[derive(Debug, Default)]
pub struct InFlight {
    sends: VecDeque<(Instant, MessageId)>,
}

impl InFlight {
    /// The set as the database has it when the actor starts: each send with
    /// how many seconds ago it was handed over.
    pub fn seeded(sends: impl IntoIterator<Item = (MessageId, f64)>, now: Instant) -> Self {
        let mut sends: Vec<(Instant, MessageId)> = sends
            .into_iter()
            .map(|(m, age)| (now.checked_sub(Duration::from_secs_f64(age.clamp(0.0, WINDOW.as_secs_f64()))).unwrap_or(now), m))
            .collect();
        sends.sort_by_key(|(at, _)| *at);
        Self { sends: sends.into() }
    }

    /// Sends handed over now.
    pub fn handed(&mut self, messages: impl IntoIterator<Item = MessageId>, now: Instant) {
        self.sends.extend(messages.into_iter().map(|m| (now, m)));
    }

    /// Forgets sends older than the window; returns the rest, to be looked
    /// up.
    pub fn current(&mut self, now: Instant) -> Vec<MessageId> {
        while self.sends.front().is_some_and(|(at, _)| now.saturating_duration_since(*at) >= WINDOW) {
            self.sends.pop_front();
        }
        self.sends.iter().map(|(_, m)| *m).collect()
    }

    /// Keeps only the sends Meta has still not answered.
    pub fn retain_unanswered(&mut self, unanswered: &[MessageId]) {
        let still: std::collections::HashSet<&MessageId> = unanswered.iter().collect();
        self.sends.retain(|(_, m)| still.contains(m));
    }

    /// How many sends are in flight.
    pub fn len(&self) -> usize {
        self.sends.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> MessageId {
        MessageId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn answered_sends_leave_and_unanswered_ones_stay_until_the_window_passes() {
        let start = Instant::now();
        let mut f = InFlight::default();
        f.handed([id(1), id(2), id(3)], start);
        assert_eq!(f.current(start), vec![id(1), id(2), id(3)]);
        f.retain_unanswered(&[id(2), id(3)]);
        assert_eq!(f.len(), 2, "Meta answered the first");
        f.handed([id(4)], start + Duration::from_secs(20));
        assert_eq!(f.current(start + Duration::from_secs(29)), vec![id(2), id(3), id(4)]);
        assert_eq!(
            f.current(start + Duration::from_secs(30)),
            vec![id(4)],
            "past the window they wait for their grace, not for the campaign"
        );
        assert_eq!(f.current(start + Duration::from_secs(50)), Vec::<MessageId>::new());
        assert!(f.is_empty());
    }

    #[test]
    fn a_seeded_set_keeps_each_send_s_age() {
        let now = Instant::now() + Duration::from_secs(60);
        let mut f = InFlight::seeded([(id(1), 25.0), (id(2), 2.0), (id(3), 29.5)], now);
        assert_eq!(f.current(now), vec![id(3), id(1), id(2)], "oldest first");
        assert_eq!(f.current(now + Duration::from_secs(6)), vec![id(2)]);
    }
}
