//! Segments: saved filters over a tenant's contacts (tags, custom fields,
//! consent, numbers, last inbound time, conversation status) that a
//! campaign can take as its audience.
//!
//! - [`rule`]: the rule tree, read from JSON with errors that name the path.
//!
//! The SQL a rule becomes lives with the other queries, in
//! [`crate::store::repo::segments`].

pub mod rule;
