//! Drip sequences and scheduled messages: messages that go out at a time
//! decided earlier. Both wait as rows with a due time (never as live
//! actors), woken by one timer that sleeps until the earliest due row.
//!
//! - [`spec`]: what a sequence is made of, and when a step falls due
//!   (delay, then the send window in the contact's zone).
//! - [`enroll`]: putting contacts into a sequence (API, bulk, tag, flow),
//!   idempotent under its re-entry policy.
//! - [`step`]: one pass over a running sequence: claim the due contacts,
//!   decide each step (exit, skip, session message or template), hand the
//!   sends to their conversations on the bulk lane, record, move on.
//! - [`scheduled`]: one scheduled message at its time, under the window rule.
//! - [`events`]: exits and enrolments that follow the internal event queue
//!   (a reply, a contact change, a failed send).
//! - [`timer`]: the loop that wakes exactly the due rows.

pub mod enroll;
pub mod events;
pub mod scheduled;
pub mod spec;
pub mod step;
pub mod timer;
