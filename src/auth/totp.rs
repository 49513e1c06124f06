//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1,
//! 6 digits, 30-second steps, one step of clock drift either way; and the
//! recovery codes that stand in for a lost phone.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Recovery codes given when two-factor is turned on.
pub const RECOVERY_CODES: usize = 10;

/// A new 160-bit secret (RFC 4226 recommends 160 bits).
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::thread_rng().fill_bytes(&mut s);
    s
}

/// The secret as authenticator apps take it (base32, no padding).
pub fn base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// The `otpauth://` URI a QR code carries.
pub fn uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// HOTP value of `counter` (RFC 4226 §5.3).
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return 0 };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin =
        (u32::from(h[offset]) & 0x7f) << 24 | u32::from(h[offset + 1]) << 16 | u32::from(h[offset + 2]) << 8 | u32::from(h[offset + 3]);
    bin % 10u32.pow(DIGITS)
}

/// The step holding unix time `t`.
pub fn step_of(t: i64) -> i64 {
    t.div_euclid(STEP_SECS)
}

/// The step `code` is valid for at time `now` (±1 step), if any, and later
/// than `after` (a code is never accepted twice).
pub fn verify(secret: &[u8], code: &str, now: i64, after: Option<i64>) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found = None;
    for step in [step_of(now) - 1, step_of(now), step_of(now) + 1] {
        let Ok(counter) = u64::try_from(step) else { continue };
        let expected = format!("{:0width$}", hotp(secret, counter), width = DIGITS as usize);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && after.is_none_or(|a| step > a) {
            found = Some(step);
        }
    }
    found
}

/// Fresh recovery codes (`xxxx-xxxx`, lower-case letters and digits).
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut b = [0u8; 8];
            rng.fill_bytes(&mut b);
            let s: String = b.iter().map(|x| ALPHABET[usize::from(*x) % ALPHABET.len()] as char).collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect()
}

/// How a recovery code is stored.
pub fn code_hash(code: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(code.trim().to_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vectors_for_sha1() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890", 8 digits.
        let secret = b"12345678901234567890";
        let eight = |t: i64| {
            let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { panic!() };
            mac.update(&(step_of(t) as u64).to_be_bytes());
            let h = mac.finalize().into_bytes();
            let o = usize::from(h[19] & 0x0f);
            ((u32::from(h[o]) & 0x7f) << 24 | u32::from(h[o + 1]) << 16 | u32::from(h[o + 2]) << 8 | u32::from(h[o + 3])) % 100_000_000
        };
        assert_eq!(eight(59), 94_287_082);
        assert_eq!(eight(1_111_111_109), 7_081_804);
        assert_eq!(eight(2_000_000_000), 69_279_037);
        // The 6-digit code is the last six digits.
        assert_eq!(hotp(secret, step_of(59) as u64), 287_082);
    }

    #[test]
    fn codes_work_within_a_step_of_drift_and_only_once() {
        let s = new_secret();
        let now = 1_790_000_000;
        let code = format!("{:06}", hotp(&s, step_of(now) as u64));
        let step = verify(&s, &code, now, None).unwrap();
        assert_eq!(verify(&s, &code, now + 30, None), Some(step));
        assert_eq!(verify(&s, &code, now + 90, None), None);
        assert_eq!(verify(&s, &code, now, Some(step)), None, "a code is never accepted twice");
        assert_eq!(verify(&s, "12345", now, None), None);
        assert!(uri(&s, "whatsflow", "asha@acme.in").starts_with("otpauth://totp/whatsflow:asha@acme.in?secret="));
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(code_hash(&codes[0].to_uppercase()), code_hash(&codes[0]));
    }
}
