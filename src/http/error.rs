//! The one API error type: every failure of every route becomes
//! `{"error": {"code", "message"}}` with its HTTP status here, and only here.
//! Database errors are logged and never shown; an unreachable database is a
//! 503 so that Meta (and clients) retry.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// See the module doc.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a stable code.
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// 401.
    #[error("{0}")]
    Unauthorized(String),
    /// 401 for a failed login.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 404: never says whether the thing exists in another tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409 with a stable code.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code.
        code: &'static str,
        /// What conflicts.
        message: String,
    },
    /// 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 422 with a stable code.
    #[error("{message}")]
    Unprocessable {
        /// Stable machine-readable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// 422 with a stable code and machine-readable details (e.g. which
    /// flow nodes are wrong).
    #[error("{message}")]
    Invalid {
        /// Stable machine-readable code.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// The problems, each pointing at what is wrong.
        details: serde_json::Value,
    },
    /// 429 with a stable code and when to come back (`Retry-After`).
    #[error("{message}")]
    TooManyRequests {
        /// Stable machine-readable code.
        code: &'static str,
        /// What limit was hit and when to try again.
        message: String,
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// 503: try again.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged, never detailed to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 400 for a field that is missing or wrong.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::BadRequest { code: "VALIDATION_FAILED", message: message.into() }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Invalid { code, .. }
            | Self::TooManyRequests { code, .. } => code,
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable { .. } | Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(e) = self {
            tracing::error!(error = ?e, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            Self::Unavailable(_) => {
                res.insert_header(("Retry-After", "5"));
            }
            Self::TooManyRequests { retry_after, .. } => {
                // Whole seconds, rounded up: never tell a client to come back too early.
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                res.insert_header(("Retry-After", secs.max(1).to_string()));
            }
            _ => {}
        }
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        if let Self::Invalid { details, .. } = self {
            error["details"] = details.clone();
        }
        if let Some(id) = crate::http::request_id::current() {
            error["request_id"] = json!(id);
        }
        res.json(json!({"error": error}))
    }
}

impl ApiError {
    /// Maps the actors' store error: unavailable → 503, a missing row → 404,
    /// anything else → a logged 500.
    pub fn from_store(e: whatsflow_actors::ports::StoreError) -> Self {
        use whatsflow_actors::ports::StoreError as S;
        match e {
            S::Unavailable(_) => Self::Unavailable("the database is unavailable; try again shortly".into()),
            S::Missing(_) => Self::NotFound("resource"),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            Self::Unavailable("the database is unavailable; try again shortly".into())
        } else {
            Self::Internal(e.into())
        }
    }
}

/// Turns actix's JSON body errors into our shape (400, or 413 when too big).
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => ApiError::PayloadTooLarge("request body too large".into()),
        J::ContentType => {
            ApiError::BadRequest { code: "UNSUPPORTED_CONTENT_TYPE", message: "send the body as `Content-Type: application/json`".into() }
        }
        J::Deserialize(e) => ApiError::BadRequest { code: "INVALID_JSON", message: format!("request body is not valid: {e}") },
        other => ApiError::BadRequest { code: "INVALID_JSON", message: format!("request body could not be read: {other}") },
    };
    api.into()
}

/// Turns query-string errors into our shape.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::BadRequest { code: "INVALID_QUERY", message: format!("query parameters are not valid: {err}") }.into()
}

/// Turns path errors (e.g. a malformed id) into our shape.
pub fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::NotFound(match err {
        actix_web::error::PathError::Deserialize(_) => "resource",
        _ => "resource",
    })
    .into()
}
