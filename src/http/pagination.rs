//! Keyset pagination: lists return `{"data": [...], "next_cursor": "..."}`;
//! pass `cursor=<next_cursor>` for the next page (`null` means the end).

use crate::http::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// A position in a list ordered by (time, id) descending.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Cursor {
    /// Sort time of the last row seen.
    pub t: DateTime<Utc>,
    /// Id of the last row seen.
    pub id: uuid::Uuid,
}

impl Cursor {
    /// The opaque string form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses what [`encode`](Self::encode) made.
    pub fn decode(s: &str) -> Result<Self, ApiError> {
        URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or(ApiError::BadRequest {
            code: "INVALID_CURSOR",
            message: "`cursor` is not one this API returned; start again without it".into(),
        })
    }
}

/// Clamps a requested page size.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::validation(format!("`limit` must be between 1 and {MAX_LIMIT}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = Cursor { t: Utc::now(), id: uuid::Uuid::new_v4() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("nope!").is_err());
        assert!(limit(Some(0)).is_err());
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
    }
}
