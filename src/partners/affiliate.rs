//! Referral affiliates: the rules that need no database. Referral codes,
//! the signed first-touch cookie a referral link sets, the sign-up window,
//! which sign-ups are the affiliate's own, and what a payment earns.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie a referral link sets.
pub const COOKIE: &str = "wf_ref";
/// How long a click can bind a sign-up.
pub const WINDOW_DAYS: i64 = 60;
/// Paid cycles of a referred account that earn a commission.
pub const PAID_CYCLES: i32 = 12;
/// Days a commission is held before it can be paid (refunds void it meanwhile).
pub const HOLD_DAYS: i64 = 30;
/// The least balance paid out, in paise (₹1,000).
pub const PAYOUT_THRESHOLD_MINOR: i64 = 100_000;

/// An affiliate's rate: 20%, or 25% for the premium tier, in basis points.
pub fn rate_bps(tier: &str) -> i32 {
    if tier == "premium" {
        2500
    } else {
        2000
    }
}

/// Whether `vpa` (lower-cased) is a UPI address like `name@bank`: where
/// affiliates and partners are paid.
pub fn valid_vpa(vpa: &str) -> bool {
    vpa.len() <= 100
        && vpa.split_once('@').is_some_and(|(user, bank)| !user.is_empty() && !bank.is_empty())
        && vpa.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

/// A new referral code: 10 lower-case letters and digits.
pub fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..10).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

fn mac(key: &[u8], payload: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(b"referral-cookie:");
            m.update(payload.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The cookie value for a click on `affiliate`'s link at `at`, signed so a
/// visitor cannot forge or back-date one.
pub fn cookie_value(key: &[u8], affiliate: uuid::Uuid, at: DateTime<Utc>) -> String {
    let payload = format!("{}.{}", affiliate.simple(), at.timestamp());
    format!("{payload}.{}", hex::encode(mac(key, &payload)))
}

/// The click a cookie records (affiliate, when), if its signature holds.
pub fn read_cookie(key: &[u8], value: &str) -> Option<(uuid::Uuid, DateTime<Utc>)> {
    let (payload, sig) = value.rsplit_once('.')?;
    let given = hex::decode(sig).ok()?;
    if !bool::from(mac(key, payload).as_slice().ct_eq(&given)) {
        return None;
    }
    let (id, at) = payload.split_once('.')?;
    Some((uuid::Uuid::parse_str(id).ok()?, Utc.timestamp_opt(at.parse().ok()?, 0).single()?))
}

/// Whether a click at `clicked` still binds a sign-up at `now`.
pub fn within_window(clicked: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    clicked <= now + Duration::minutes(5) && now - clicked <= Duration::days(WINDOW_DAYS)
}

/// Mail providers anyone can sign up at: sharing one says nothing.
const PUBLIC_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.in",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "rediffmail.com",
    "aol.com",
    "zoho.com",
    "gmx.com",
    "mail.com",
];

/// Why a sign-up is the affiliate's own (None: it is not): the same email,
/// or the same company mail domain.
pub fn own_sign_up(affiliate_email: &str, new_email: &str) -> Option<String> {
    let (a, n) = (affiliate_email.trim().to_lowercase(), new_email.trim().to_lowercase());
    if a == n {
        return Some("the same email as the affiliate".into());
    }
    let domain = |e: &str| e.rsplit_once('@').map(|(_, d)| d.to_owned());
    match (domain(&a), domain(&n)) {
        (Some(da), Some(dn)) if da == dn && !PUBLIC_MAIL.contains(&da.as_str()) => Some(format!("the affiliate's own mail domain ({da})")),
        _ => None,
    }
}

/// A payment's commission: `rate_bps` of what was collected before GST,
/// rounded half up.
pub fn commission(base_minor: i64, rate_bps: i32) -> i64 {
    let n = i128::from(base_minor.max(0)) * i128::from(rate_bps.clamp(0, 10_000));
    i64::try_from((2 * n + 10_000) / 20_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_signed_and_keep_their_click_time() {
        let key = b"secret-key";
        let id = uuid::Uuid::new_v4();
        let at = Utc.timestamp_opt(1_790_000_000, 0).single().unwrap();
        let v = cookie_value(key, id, at);
        assert_eq!(read_cookie(key, &v), Some((id, at)));
        assert_eq!(read_cookie(b"other-key", &v), None);
        let forged = v.replace("1790000000", "1799999999");
        assert_eq!(read_cookie(key, &forged), None);
        assert_eq!(read_cookie(key, "garbage"), None);
    }

    #[test]
    fn a_click_binds_for_sixty_days() {
        let click = Utc.timestamp_opt(1_790_000_000, 0).single().unwrap();
        assert!(within_window(click, click + Duration::days(60)));
        assert!(!within_window(click, click + Duration::days(60) + Duration::seconds(1)));
        assert!(!within_window(click + Duration::days(1), click));
    }

    #[test]
    fn own_sign_ups_are_recognised() {
        assert!(own_sign_up("Asha@Acme.in", "asha@acme.in").is_some());
        assert!(own_sign_up("asha@acme.in", "ravi@acme.in").unwrap().contains("acme.in"));
        assert_eq!(own_sign_up("asha@gmail.com", "ravi@gmail.com"), None);
        assert_eq!(own_sign_up("asha@acme.in", "ravi@sharma.in"), None);
    }

    #[test]
    fn upi_addresses_name_a_user_at_a_bank() {
        assert!(valid_vpa("asha.k@okbank"));
        assert!(!valid_vpa("asha"));
        assert!(!valid_vpa("@okbank"));
        assert!(!valid_vpa("asha@"));
        assert!(!valid_vpa("asha k@okbank"));
    }

    #[test]
    fn commissions_are_a_share_of_the_amount_before_gst() {
        // ₹2,999 before GST at 20% is ₹599.80; at 25% ₹749.75.
        assert_eq!(commission(299_900, rate_bps("standard")), 59_980);
        assert_eq!(commission(299_900, rate_bps("premium")), 74_975);
        assert_eq!(commission(3, 2000), 1);
        assert_eq!(commission(-5, 2000), 0);
    }
}
