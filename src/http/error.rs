//! The one API error type: every failure of every route becomes
//! `{"error": {"code", "message"}}` with its HTTP status here, and only here.
//! Database errors are logged and never shown; an unreachable database is a
//! 503 so that Meta (and clients) retry.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// Declares [`ErrorCode`] and its wire strings in one list.
macro_rules! error_codes {
    ($($variant:ident => $code:literal, $doc:literal;)*) => {
        /// Every stable error code the API and the socket answer with: the
        /// `error.code` clients branch on. The web app imports the same list
        /// (`web/src/lib/errorCodes.ts`, generated from this one).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
        }

        impl ErrorCode {
            /// All of them, in order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// What it means.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $doc,)*
                }
            }
        }
    };
}

error_codes! {
    AccountLocked => "ACCOUNT_LOCKED", "Too many failed logins: the account is locked for a while.";
    AccountRestricted => "ACCOUNT_RESTRICTED", "The account's payment is overdue: outbound messages, campaigns and flows are stopped until it is paid.";
    AffiliateExists => "AFFILIATE_EXISTS", "The person is already in the affiliate programme.";
    AiNotConfigured => "AI_NOT_CONFIGURED", "No language-model provider is configured (AI_BASE_URL, AI_API_KEY, AI_MODEL).";
    AlreadyRetried => "ALREADY_RETRIED", "This dead letter was already fed back.";
    AppInUse => "APP_IN_USE", "This Meta app is connected to another account.";
    BillingNotConfigured => "BILLING_NOT_CONFIGURED", "This installation has no payment gateway configured (RAZORPAY_KEY_ID).";
    BodyUnreadable => "BODY_UNREADABLE", "The request body could not be read.";
    CampaignState => "CAMPAIGN_STATE", "The campaign's status does not allow this (e.g. editing one that started).";
    CannedReplyExists => "CANNED_REPLY_EXISTS", "A canned reply with this shortcut exists (shared, or yours).";
    ChannelChanged => "CHANNEL_CHANGED", "The number changed while this change was checked: reload and retry.";
    ChannelExists => "CHANNEL_EXISTS", "This number (or app id) is already connected.";
    ChannelGone => "CHANNEL_GONE", "The number the events arrived on was disconnected.";
    ChannelNotVerified => "CHANNEL_NOT_VERIFIED", "Meta does not confirm the number with the given token.";
    ContactExists => "CONTACT_EXISTS", "A contact with this phone number exists.";
    CurrentPasswordRequired => "CURRENT_PASSWORD_REQUIRED", "Changing your own password needs the current one.";
    DomainLimit => "DOMAIN_LIMIT", "The partner has as many custom domains as it may: remove one first.";
    DomainNotVerified => "DOMAIN_NOT_VERIFIED", "The domain's DNS TXT record was not found: create it (the message names it) and try again.";
    DomainTaken => "DOMAIN_TAKEN", "This domain is already added (by this or another partner).";
    Duplicate => "DUPLICATE", "This client_id was used in another conversation.";
    EmailTaken => "EMAIL_TAKEN", "An account with this email exists.";
    EnrollmentClosed => "ENROLLMENT_CLOSED", "The contact went through this sequence and its re-entry policy does not let them in again (yet).";
    FeatureNotInPlan => "FEATURE_NOT_IN_PLAN", "The account's plan does not include this; the message names a plan that does.";
    FlowInUse => "FLOW_IN_USE", "The flow has live runs.";
    FlowInvalid => "FLOW_INVALID", "The flow graph has problems (see details).";
    FlowNotStarted => "FLOW_NOT_STARTED", "The conversation could not start the flow.";
    Forbidden => "FORBIDDEN", "The caller may not do this.";
    Internal => "INTERNAL", "An unexpected failure (logged with the request id).";
    InvalidCredentials => "INVALID_CREDENTIALS", "Email or password is wrong.";
    InvalidCode => "INVALID_CODE", "The two-factor code (or recovery code) is wrong or was already used.";
    InvalidCsv => "INVALID_CSV", "The CSV file cannot be read.";
    InvalidCursor => "INVALID_CURSOR", "The cursor is not one this API returned.";
    InvalidFrame => "INVALID_FRAME", "A socket frame is malformed.";
    InvalidJson => "INVALID_JSON", "The request body is not valid JSON of the expected shape.";
    InvalidMessage => "INVALID_MESSAGE", "The message is not valid for its type.";
    InvalidQuery => "INVALID_QUERY", "The query string is not valid.";
    InvalidToken => "INVALID_TOKEN", "The mailed link is used, expired or replaced by a newer one: ask for a new one.";
    InvalidUpload => "INVALID_UPLOAD", "The multipart upload cannot be read.";
    InvalidWebhook => "INVALID_WEBHOOK", "The webhook body is not a WhatsApp webhook.";
    InvitationAccepted => "INVITATION_ACCEPTED", "The person has no open invitation: they joined already, or were added with a password.";
    MailNotConfigured => "MAIL_NOT_CONFIGURED", "This installation sends no mail (SMTP_URL is not set).";
    MetaRejected => "META_REJECTED", "Meta refused the request.";
    NoChannel => "NO_CHANNEL", "Connect a number first.";
    NoRecipient => "NO_RECIPIENT", "The contact has neither a phone nor a user id.";
    NotFound => "NOT_FOUND", "No such resource (in this account).";
    NotUnconfirmed => "NOT_UNCONFIRMED", "Only an unconfirmed message can be resent.";
    OptedOut => "OPTED_OUT", "The contact opted out of marketing messages.";
    PartnerNotApproved => "PARTNER_NOT_APPROVED", "The partner is not approved (yet, or any more): the platform's operators decide.";
    PayloadTooLarge => "PAYLOAD_TOO_LARGE", "The request body or file is too large.";
    PaymentGateway => "PAYMENT_GATEWAY", "The payment gateway refused or could not be reached; the message carries its reason.";
    PlanExists => "PLAN_EXISTS", "A plan with this code exists.";
    PlanInvoiced => "PLAN_INVOICED", "This plan is invoiced by the platform's team, never charged to a card automatically.";
    PlanLimit => "PLAN_LIMIT", "The account's plan allows no more of this; the message names the limit and the upgrade.";
    PricingModel => "PRICING_MODEL", "Only a partner selling at markup sets its own prices; this one takes a revenue share.";
    RateLimited => "RATE_LIMITED", "Too many requests from this address.";
    ScheduledLimit => "SCHEDULED_LIMIT", "The conversation has as many scheduled messages waiting as it may.";
    ScheduledState => "SCHEDULED_STATE", "The scheduled message already went (or was cancelled): it can no longer change.";
    SegmentExists => "SEGMENT_EXISTS", "A segment with this name exists.";
    SegmentInUse => "SEGMENT_IN_USE", "A draft or scheduled campaign uses this segment as its audience, or a sequence enrols its members.";
    SignupsClosed => "SIGNUPS_CLOSED", "The platform is not taking new sign-ups; the message says whom to contact.";
    SlugTaken => "SLUG_TAKEN", "Another partner has this address (slug).";
    SubscriptionExists => "SUBSCRIPTION_EXISTS", "The account already has a live subscription: cancel it first.";
    TeamExists => "TEAM_EXISTS", "A team with this name exists.";
    TemplateExists => "TEMPLATE_EXISTS", "A template with this name and language exists.";
    TemplateInvalid => "TEMPLATE_INVALID", "The template breaks Meta's rules.";
    TemplateLocked => "TEMPLATE_LOCKED", "The template cannot be changed in its status.";
    TemplateNotApproved => "TEMPLATE_NOT_APPROVED", "The template is not approved by Meta (or is paused or disabled).";
    TemplateParams => "TEMPLATE_PARAMS", "The template parameters do not fit.";
    TemplateRequired => "TEMPLATE_REQUIRED", "The customer's window will be closed at that time: schedule a template, or add a fallback template.";
    TenantSuspended => "TENANT_SUSPENDED", "The account is suspended; the message says how to reactivate it.";
    TwoFactorEnabled => "TWO_FACTOR_ENABLED", "Two-factor is already on: turn it off first to change the app.";
    Unauthorized => "UNAUTHORIZED", "Sign in (or the token expired or was revoked).";
    Unavailable => "UNAVAILABLE", "A dependency is unavailable: retry.";
    UnknownEvent => "UNKNOWN_EVENT", "The socket event is not one the server knows.";
    UnsupportedContentType => "UNSUPPORTED_CONTENT_TYPE", "Send the body as JSON.";
    UnsupportedMedia => "UNSUPPORTED_MEDIA", "WhatsApp does not accept this file type.";
    ValidationFailed => "VALIDATION_FAILED", "A field is missing or wrong.";
    WabaInUse => "WABA_IN_USE", "The WhatsApp Business Account belongs to another account.";
    WalletBalanceLow => "WALLET_BALANCE_LOW", "The prepaid wallet cannot cover this send's expected cost: top it up.";
    WindowClosed => "WINDOW_CLOSED", "The 24-hour window is closed: send a template.";
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TypeScript module the web app imports: every code and its meaning.
pub fn error_codes_typescript() -> String {
    let mut out = String::from("// Generated from src/http/error.rs by `cargo test generated_typescript`; do not edit.\n\n");
    out.push_str("export const ERROR_CODES = {\n");
    for code in ErrorCode::ALL {
        out.push_str(&format!("  {}: {:?},\n", code.as_str(), code.meaning()));
    }
    out.push_str(
        "} as const;\n\n/** A stable `error.code` of the API or the socket. */\nexport type ErrorCode = keyof typeof ERROR_CODES;\n",
    );
    out
}

/// See the module doc.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a stable code.
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: ErrorCode,
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
    /// 403 with a stable code (a feature outside the plan, a suspended account).
    #[error("{message}")]
    Denied {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// Why, and what to do.
        message: String,
    },
    /// 402: the plan allows no more; the message names the upgrade.
    #[error("{message}")]
    PaymentRequired {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// Which limit, and the plan that allows more.
        message: String,
    },
    /// 404: never says whether the thing exists in another tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409 with a stable code.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code.
        code: ErrorCode,
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
        code: ErrorCode,
        /// What is wrong.
        message: String,
    },
    /// 422 with a stable code and machine-readable details (e.g. which
    /// flow nodes are wrong).
    #[error("{message}")]
    Invalid {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// What is wrong.
        message: String,
        /// The problems, each pointing at what is wrong.
        details: serde_json::Value,
    },
    /// 429 with a stable code and when to come back (`Retry-After`).
    #[error("{message}")]
    TooManyRequests {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// What limit was hit and when to try again.
        message: String,
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// 502 with a stable code: a gateway we called refused or failed.
    #[error("{message}")]
    BadGateway {
        /// Stable machine-readable code.
        code: ErrorCode,
        /// The gateway's reason.
        message: String,
    },
    /// 503: try again.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged, never detailed to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<crate::plans::FeatureMissing> for ApiError {
    fn from(e: crate::plans::FeatureMissing) -> Self {
        Self::Denied { code: ErrorCode::FeatureNotInPlan, message: e.to_string() }
    }
}

impl From<crate::billing::razorpay::RazorpayError> for ApiError {
    fn from(e: crate::billing::razorpay::RazorpayError) -> Self {
        use crate::billing::razorpay::RazorpayError as R;
        match e {
            R::NotConfigured => Self::Denied { code: ErrorCode::BillingNotConfigured, message: e.to_string() },
            R::Unreachable(_) | R::Refused { .. } => Self::BadGateway { code: ErrorCode::PaymentGateway, message: e.to_string() },
        }
    }
}

impl ApiError {
    /// A 400 for a field that is missing or wrong.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::BadRequest { code: ErrorCode::ValidationFailed, message: message.into() }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { code, .. }
            | Self::Denied { code, .. }
            | Self::PaymentRequired { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Invalid { code, .. }
            | Self::TooManyRequests { code, .. }
            | Self::BadGateway { code, .. } => *code,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Denied { .. } => StatusCode::FORBIDDEN,
            Self::PaymentRequired { .. } => StatusCode::PAYMENT_REQUIRED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable { .. } | Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway { .. } => StatusCode::BAD_GATEWAY,
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

impl From<crate::store::repo::DbError> for ApiError {
    fn from(e: crate::store::repo::DbError) -> Self {
        use crate::store::repo::{Conflict as C, DbError};
        match e {
            DbError::Unavailable(err) => err.into(),
            DbError::Other(err) => Self::Internal(err.into()),
            DbError::LimitReached(hit) => Self::PaymentRequired { code: ErrorCode::PlanLimit, message: hit.to_string() },
            DbError::Conflict(c) => {
                let (code, fix) = match &c {
                    C::EmailTaken(_) => {
                        (ErrorCode::EmailTaken, "sign in with it, or use another address (one email belongs to one account)")
                    }
                    C::ContactExists => (ErrorCode::ContactExists, "update it instead"),
                    C::ChannelExists(_) => (ErrorCode::ChannelExists, "disconnect it first or use another"),
                    C::ChannelChanged => (ErrorCode::ChannelChanged, "reload the number and send your change again"),
                    C::WabaInUse(_) => (ErrorCode::WabaInUse, "a WABA belongs to one account"),
                    C::AppInUse => (ErrorCode::AppInUse, ""),
                    C::TemplateExists { .. } => (ErrorCode::TemplateExists, "edit it or choose another name"),
                    C::FlowInUse(_) => (ErrorCode::FlowInUse, "deactivate it and let them end (or stop them) first"),
                    C::PlanExists(_) => (ErrorCode::PlanExists, "change that plan or choose another code"),
                    C::SegmentExists(_) => (ErrorCode::SegmentExists, "edit it or choose another name"),
                    C::SegmentInUse(_) => (ErrorCode::SegmentInUse, "give those campaigns another audience (or delete them) first"),
                    C::TeamExists(_) => (ErrorCode::TeamExists, "edit it or choose another name"),
                    C::CannedReplyExists(_) => (ErrorCode::CannedReplyExists, "edit it or choose another shortcut"),
                    C::SlugTaken(_) => (ErrorCode::SlugTaken, "choose another"),
                    C::AffiliateExists => (ErrorCode::AffiliateExists, "see your dashboard at /affiliate"),
                    C::DomainTaken(_) => (ErrorCode::DomainTaken, "a domain belongs to one partner; remove it there first or use another"),
                };
                Self::Conflict { code, message: if fix.is_empty() { c.to_string() } else { format!("{c}; {fix}") } }
            }
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
        J::ContentType => ApiError::BadRequest {
            code: ErrorCode::UnsupportedContentType,
            message: "send the body as `Content-Type: application/json`".into(),
        },
        J::Deserialize(e) => ApiError::BadRequest { code: ErrorCode::InvalidJson, message: format!("request body is not valid: {e}") },
        other => ApiError::BadRequest { code: ErrorCode::InvalidJson, message: format!("request body could not be read: {other}") },
    };
    api.into()
}

/// Turns query-string errors into our shape.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::BadRequest { code: ErrorCode::InvalidQuery, message: format!("query parameters are not valid: {err}") }.into()
}

/// Turns path errors (e.g. a malformed id) into our shape.
pub fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::NotFound(match err {
        actix_web::error::PathError::Deserialize(_) => "resource",
        _ => "resource",
    })
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_serialise_as_their_wire_form() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        }
        let e = ApiError::validation("x");
        assert_eq!(e.code().as_str(), "VALIDATION_FAILED");
    }
}
