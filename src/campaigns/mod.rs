//! Broadcast campaigns: an approved template sent to an audience on one
//! number, paced, each recipient at most once, with counts that add up.
//!
//! - [`audience`]: who is reached, who is skipped and why, and each
//!   recipient's template parameters (pure rules).
//! - [`csv`]: an audience uploaded as CSV, every line accepted or rejected
//!   with its number and reason.
//! - [`launch`]: the checks a campaign passes before it starts (template
//!   approved, parameters fit) and the resolution of its audience.
//! - [`local_time`]: each recipient's time zone, "10:00 their time"
//!   (DST-correct) and quiet hours.
//! - [`pacing`]: the sends a running campaign has in flight, which hold
//!   its pace to what Meta has taken.
//! - [`retarget`]: a new draft for the recipients of an earlier campaign
//!   who did (or did not) act on their message.
//! - [`split`]: a second template for an exact, interleaved share of the
//!   audience (a split test).
//! - [`runner`]: the actor that drives a running campaign, and the
//!   scheduler that starts due ones and resumes them after a restart.

pub mod audience;
pub mod csv;
pub mod launch;
pub mod local_time;
pub mod pacing;
pub mod retarget;
pub mod runner;
pub mod split;
