//! Retargeting: a new draft whose audience is the recipients of an earlier
//! campaign who did something (or nothing) with their message — delivered
//! but not read after some hours, read without a reply, or failed for a
//! reason worth another try. Never the opted-out, never anyone who replied.
//! The audience is read when the draft is previewed or launched, so "not
//! read after 24 hours" means at that moment.

use serde_json::{json, Value};

/// Meta's error codes after which another try can succeed: throttling and
/// temporary failures, the per-user marketing limit, the pair rate. Not
/// undeliverable numbers, stopped marketing, experiments or policy blocks.
pub const RETRYABLE_ERRORS: [i64; 8] = [1, 2, 130429, 131000, 131016, 131049, 131056, 133004];

/// Longest wait a "delivered, not read" rule may name, in hours (30 days).
const MAX_AFTER_HOURS: i64 = 720;

/// Which recipients of the earlier campaign to reach again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetargetRule {
    /// Delivered, not read, at least this many hours after delivery.
    DeliveredNotRead {
        /// Hours since delivery.
        after_hours: i64,
    },
    /// Read, no reply.
    ReadNoReply,
    /// Failed with one of [`RETRYABLE_ERRORS`].
    FailedRetryable,
}

impl RetargetRule {
    /// Reads `{"rule": "delivered_not_read", "after_hours": 24}` (after_hours
    /// defaults to 24), `{"rule": "read_no_reply"}` or `{"rule": "failed_retryable"}`.
    pub fn parse(rule: &str, after_hours: Option<i64>) -> Result<Self, String> {
        match rule {
            "delivered_not_read" => {
                let after_hours = after_hours.unwrap_or(24);
                if !(1..=MAX_AFTER_HOURS).contains(&after_hours) {
                    return Err(format!("`after_hours` must be 1 to {MAX_AFTER_HOURS}"));
                }
                Ok(Self::DeliveredNotRead { after_hours })
            }
            "read_no_reply" => Ok(Self::ReadNoReply),
            "failed_retryable" => Ok(Self::FailedRetryable),
            other => Err(format!("`rule` is `{other}`; use delivered_not_read, read_no_reply or failed_retryable")),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeliveredNotRead { .. } => "delivered_not_read",
            Self::ReadNoReply => "read_no_reply",
            Self::FailedRetryable => "failed_retryable",
        }
    }

    /// How a person reads it (a new draft's name).
    pub fn describe(self) -> String {
        match self {
            Self::DeliveredNotRead { after_hours } => format!("delivered, not read after {after_hours} h"),
            Self::ReadNoReply => "read, no reply".into(),
            Self::FailedRetryable => "failed, worth retrying".into(),
        }
    }

    /// The audience a retarget draft stores: the earlier campaign, the rule,
    /// and that campaign's CSV columns (its recipients keep their row's values).
    pub fn audience(self, source: uuid::Uuid, columns: Option<Vec<String>>) -> Value {
        let mut a = json!({"campaign_id": source, "rule": self.as_str()});
        if let Self::DeliveredNotRead { after_hours } = self {
            a["after_hours"] = json!(after_hours);
        }
        if let Some(columns) = columns {
            a["columns"] = json!(columns);
        }
        json!({ "retarget": a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_with_their_defaults_and_limits() {
        assert_eq!(RetargetRule::parse("delivered_not_read", None), Ok(RetargetRule::DeliveredNotRead { after_hours: 24 }));
        assert!(RetargetRule::parse("delivered_not_read", Some(0)).unwrap_err().contains("1 to 720"));
        assert_eq!(RetargetRule::parse("read_no_reply", Some(5)), Ok(RetargetRule::ReadNoReply));
        assert!(RetargetRule::parse("opened", None).unwrap_err().contains("use delivered_not_read"));
        let id = uuid::Uuid::new_v4();
        assert_eq!(
            RetargetRule::DeliveredNotRead { after_hours: 6 }.audience(id, Some(vec!["first_name".into()])),
            json!({"retarget": {"campaign_id": id, "rule": "delivered_not_read", "after_hours": 6, "columns": ["first_name"]}})
        );
    }
}
