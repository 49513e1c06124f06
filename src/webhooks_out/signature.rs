//! The signature of an outbound webhook: `X-Whatsflow-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
//! timestamp is signed with the body, so a receiver that refuses timestamps
//! older than its replay window (we document 5 minutes) cannot be fed a
//! captured delivery later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const HEADER: &str = "X-Whatsflow-Signature";

/// How old a signature a receiver should accept, as documented.
pub const REPLAY_WINDOW_SECS: i64 = 300;

/// The header value for `body` signed with `secret` at `unix_time`.
pub fn sign(secret: &str, unix_time: i64, body: &[u8]) -> String {
    format!("t={unix_time},v1={}", hex::encode(mac(secret, unix_time, body)))
}

fn mac(secret: &str, unix_time: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; the error arm cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return Vec::new() };
    mac.update(unix_time.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a header as a receiver would: right secret, the exact body, and a
/// timestamp within [`REPLAY_WINDOW_SECS`] of `now` (constant-time compare).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > REPLAY_WINDOW_SECS {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    v1.iter().any(|sig| subtle::ConstantTimeEq::ct_eq(sig.as_slice(), expected.as_slice()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let body = br#"{"id":"e1","type":"message.received"}"#;
        let header = sign("whsec_abc", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
        assert!(verify("whsec_abc", &header, body, 1_700_000_100));
        assert!(!verify("whsec_abd", &header, body, 1_700_000_100));
        assert!(!verify("whsec_abc", &header, b"{}", 1_700_000_100));
        // Replayed after the window.
        assert!(!verify("whsec_abc", &header, body, 1_700_000_000 + REPLAY_WINDOW_SECS + 1));
        // The timestamp is part of what is signed.
        let moved = header.replace("t=1700000000", "t=1700000050");
        assert!(!verify("whsec_abc", &moved, body, 1_700_000_050));
    }

    #[test]
    fn the_mac_is_hmac_sha256_of_t_dot_body() {
        // Computed independently: printf '1.{}' | openssl dgst -sha256 -hmac s
        assert_eq!(sign("s", 1, b"{}"), "t=1,v1=b253639bcd705ed1cda3073f66104f16988bd40272584dea7d0d345ae93e61cc");
    }
}
