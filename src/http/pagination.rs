//! Keyset pagination: lists return `{"data": [...], "next_cursor": "..."}`;
//! pass `cursor=<next_cursor>` for the next page (`null` means the end).

use crate::http::error::{ApiError, ErrorCode};

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

pub use crate::store::repo::Cursor;

/// Reads a `cursor` parameter the API returned.
pub fn cursor(s: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    s.map(|s| {
        Cursor::decode(s).ok_or(ApiError::BadRequest {
            code: ErrorCode::InvalidCursor,
            message: "`cursor` is not one this API returned; start again without it".into(),
        })
    })
    .transpose()
}

/// `{"data": [...], "next_cursor": ...}` of a page.
pub fn page_response<T: serde::Serialize>(page: crate::store::repo::Page<T>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(serde_json::json!({"data": page.items, "next_cursor": page.next.map(|c| c.encode())}))
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
        let c = Cursor { t: chrono::Utc::now(), id: uuid::Uuid::new_v4() };
        assert_eq!(cursor(Some(&c.encode())).unwrap(), Some(c));
        assert!(cursor(Some("nope!")).is_err());
        assert!(limit(Some(0)).is_err());
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
    }
}
