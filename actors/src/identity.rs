//! Who a customer is. Until 2026 Meta named a WhatsApp user by phone number
//! (`wa_id`); since then it also sends a business-scoped user id and may send
//! a username with no phone at all. A contact is known by either.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form with its leading `+`, the one form stored and
/// sent to Meta.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Why a string is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a phone number: give it in international form, e.g. +14155550123")]
pub struct InvalidPhone(pub String);

impl PhoneNumber {
    /// Normalises `+1 (415) 555-0123`, `14155550123` and `0014155550123`
    /// alike to `+14155550123`; E.164 allows at most 15 digits.
    pub fn parse(raw: &str) -> Result<Self, InvalidPhone> {
        let trimmed = raw.trim();
        let mut digits = String::with_capacity(16);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() => {}
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(InvalidPhone(raw.to_owned())),
            }
        }
        let digits = digits.strip_prefix("00").unwrap_or(&digits);
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(InvalidPhone(raw.to_owned()));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// `+14155550123`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `14155550123`: the form Meta uses in `wa_id` and `to`.
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything a webhook says about the customer. At least one of `phone` and
/// `user_id` is present on every routable event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactIdentity {
    /// The customer's number, when Meta shares it.
    pub phone: Option<PhoneNumber>,
    /// Meta's business-scoped user id (stable per business portfolio).
    pub user_id: Option<String>,
    /// The customer's WhatsApp username, when they have one.
    pub username: Option<String>,
    /// The profile name the customer set.
    pub name: Option<String>,
}

/// The key a tenant uses to find a contact in its cache: the phone when
/// known, else the user id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdentityKey {
    /// Known by phone number.
    Phone(PhoneNumber),
    /// Known by business-scoped user id only.
    User(String),
}

impl ContactIdentity {
    /// The primary key to route by, or `None` when the event names nobody.
    pub fn primary_key(&self) -> Option<IdentityKey> {
        if let Some(p) = &self.phone {
            return Some(IdentityKey::Phone(p.clone()));
        }
        self.user_id.clone().map(IdentityKey::User)
    }

    /// Every key this identity can be found by (for caching).
    pub fn keys(&self) -> Vec<IdentityKey> {
        let mut keys = Vec::with_capacity(2);
        if let Some(p) = &self.phone {
            keys.push(IdentityKey::Phone(p.clone()));
        }
        if let Some(u) = &self.user_id {
            keys.push(IdentityKey::User(u.clone()));
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_forms_normalise_to_e164() {
        for raw in ["+1 (415) 555-0123", "14155550123", "0014155550123", " +14155550123 "] {
            assert_eq!(PhoneNumber::parse(raw).map(|p| p.0), Ok("+14155550123".to_owned()));
        }
    }

    #[test]
    fn garbage_is_not_a_phone() {
        for raw in ["", "abc", "+12", "1234567890123456", "+1 415 555 01x3", "0123456789"] {
            assert!(PhoneNumber::parse(raw).is_err(), "{raw} accepted");
        }
    }

    #[test]
    fn routing_key_prefers_phone() {
        let id = ContactIdentity { phone: PhoneNumber::parse("16315551181").ok(), user_id: Some("US.1".into()), ..Default::default() };
        assert!(matches!(id.primary_key(), Some(IdentityKey::Phone(_))));
        assert_eq!(id.keys().len(), 2);
        let only_user = ContactIdentity { user_id: Some("US.1".into()), ..Default::default() };
        assert_eq!(only_user.primary_key(), Some(IdentityKey::User("US.1".into())));
    }
}
