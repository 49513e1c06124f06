//! `Valid<T>`: a JSON body that passed its `garde` rules, so handlers start
//! from a request whose lengths, ranges and formats are already known good.
//! A failure is one 400 `VALIDATION_FAILED` naming every field that is wrong.

use crate::http::error::ApiError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A JSON body deserialized and validated.
#[derive(Debug)]
pub struct Valid<T>(pub T);

impl<T> std::ops::Deref for Valid<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> FromRequest for Valid<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()> + 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?.into_inner();
            body.validate().map_err(|report| ApiError::validation(describe(&report)))?;
            Ok(Valid(body))
        })
    }
}

/// Reads and validates a body already parsed as JSON (for routes whose
/// body shape depends on a field, like a campaign's `type`).
pub fn from_value<T: DeserializeOwned + garde::Validate<Context = ()>>(v: serde_json::Value) -> Result<T, ApiError> {
    let body: T = serde_json::from_value(v).map_err(|e| ApiError::BadRequest {
        code: crate::http::error::ErrorCode::InvalidJson,
        message: format!("the body does not have the expected shape: {e}"),
    })?;
    body.validate().map_err(|report| ApiError::validation(describe(&report)))?;
    Ok(body)
}

/// "`name`: length is lower than 1; `email`: not a valid email" — every
/// field, in the order garde found them.
fn describe(report: &garde::Report) -> String {
    report
        .iter()
        .map(|(path, error)| {
            let field = path.to_string();
            if field.is_empty() {
                error.message().to_string()
            } else {
                format!("`{field}`: {}", error.message())
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A rule for required text: something other than spaces.
pub fn not_blank(value: &str, _: &()) -> garde::Result {
    if value.trim().is_empty() {
        return Err(garde::Error::new("is required"));
    }
    Ok(())
}

/// `#[serde(default, deserialize_with = "crate::http::valid::double_option")]`:
/// tells an absent field (None: leave it) from an explicit `null`
/// (Some(None): clear it) in a PATCH body.
pub fn double_option<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(<Option<T> as serde::Deserialize>::deserialize(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use garde::Validate;

    #[derive(garde::Validate)]
    struct Body {
        #[garde(length(chars, max = 5), custom(not_blank))]
        name: String,
        #[garde(range(min = 1, max = 10))]
        rate: u32,
    }

    #[test]
    fn every_wrong_field_is_named() {
        let Err(report) = (Body { name: "   ".into(), rate: 11 }).validate() else { panic!("accepted") };
        let text = describe(&report);
        assert!(text.contains("`name`: is required"), "{text}");
        assert!(text.contains("`rate`:"), "{text}");
        assert!((Body { name: "ok".into(), rate: 3 }).validate().is_ok());
    }
}
