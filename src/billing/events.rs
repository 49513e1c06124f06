//! Razorpay's webhooks as billing reads them: the signature (hex
//! HMAC-SHA256 of the raw body under the webhook secret, the previous secret
//! too during a rotation) and the entities an event contains, parsed
//! leniently where Razorpay is loose (`captured` as `true` or `"1"`).

use crate::config::Secret;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Whether `header` is the body's signature under one of `secrets`,
/// compared in constant time.
pub fn signature_valid(secrets: &[Secret], body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| hex::decode(h.trim()).ok()) else { return false };
    let mut ok = false;
    for s in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(s.expose().as_bytes()) else { continue };
        mac.update(body);
        ok |= bool::from(mac.finalize().into_bytes().as_slice().ct_eq(&given));
    }
    ok
}

/// The body's signature under `secret`, as Razorpay writes it (the
/// simulator signs with it).
pub fn sign(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length: never reached.
        Err(_) => String::new(),
    }
}

/// A subscription entity.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionFacts {
    /// `sub_...`.
    pub id: String,
    /// Razorpay's status.
    pub status: String,
    /// Charges made so far.
    pub paid_count: i32,
    /// The current cycle.
    pub current_start: Option<DateTime<Utc>>,
    /// Its end.
    pub current_end: Option<DateTime<Utc>>,
    /// The next charge.
    pub charge_at: Option<DateTime<Utc>>,
    /// The tenant named in its notes.
    pub tenant: Option<uuid::Uuid>,
}

/// A payment entity.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentFacts {
    /// `pay_...`.
    pub id: String,
    /// Paise.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// created, authorized, captured, refunded or failed.
    pub status: String,
    /// Captured (Razorpay sends `true` or `"1"`).
    pub captured: bool,
    /// The Razorpay invoice it paid (a subscription's cycle).
    pub invoice_id: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The tenant named in its notes.
    pub tenant: Option<uuid::Uuid>,
    /// What it paid for, from its notes (`wallet_topup`; none: a subscription).
    pub purpose: Option<String>,
    /// For a top-up, the paise it credits (the rest is GST), from its notes.
    pub credit_minor: Option<i64>,
    /// The payer's phone (`contact`).
    pub contact: Option<String>,
    /// How they paid: `card:<card_id>`, `vpa:<address>` or `token:<token_id>`.
    pub payer_method: Option<String>,
}

/// An invoice entity (Razorpay's, not ours: it links a payment to a subscription).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceFacts {
    /// `inv_...`.
    pub id: String,
    /// Its subscription.
    pub subscription_id: Option<String>,
    /// The payment that paid it.
    pub payment_id: Option<String>,
}

/// A refund entity.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundFacts {
    /// `rfnd_...`.
    pub id: String,
    /// The payment refunded.
    pub payment_id: String,
    /// Paise.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// pending, processed or failed.
    pub status: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A payout entity (RazorpayX).
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutFacts {
    /// `pout_...`.
    pub id: String,
    /// queued, processing, processed, reversed, failed, ...
    pub status: String,
    /// Our payout's id, sent as its `reference_id`.
    pub reference: Option<uuid::Uuid>,
    /// Why it failed or reversed.
    pub reason: Option<String>,
}

/// One webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct RazorpayEvent {
    /// `subscription.charged`, `payment.captured`, ...
    pub event: String,
    /// When Razorpay made it (orders subscription states).
    pub created_at: DateTime<Utc>,
    /// Its subscription, if it contains one.
    pub subscription: Option<SubscriptionFacts>,
    /// Its payment.
    pub payment: Option<PaymentFacts>,
    /// Its invoice.
    pub invoice: Option<InvoiceFacts>,
    /// Its refund.
    pub refund: Option<RefundFacts>,
    /// Its payout.
    pub payout: Option<PayoutFacts>,
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    let secs = v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))?;
    Utc.timestamp_opt(secs, 0).single()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => matches!(s.as_str(), "1" | "true"),
        _ => false,
    }
}

fn tenant(entity: &Value) -> Option<uuid::Uuid> {
    entity["notes"]["tenant_id"].as_str().and_then(|s| s.parse().ok())
}

impl RazorpayEvent {
    /// Reads a webhook body; the error names what is missing.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        let event = text(&v["event"]).ok_or("the body has no `event`")?;
        let created_at = time(&v["created_at"]).unwrap_or_else(Utc::now);
        let p = &v["payload"];
        let subscription = match &p["subscription"]["entity"] {
            Value::Null => None,
            s => Some(SubscriptionFacts {
                id: text(&s["id"]).ok_or("the subscription has no `id`")?,
                status: text(&s["status"]).unwrap_or_default(),
                paid_count: int(&s["paid_count"]).and_then(|n| i32::try_from(n).ok()).unwrap_or(0),
                current_start: time(&s["current_start"]),
                current_end: time(&s["current_end"]),
                charge_at: time(&s["charge_at"]),
                tenant: tenant(s),
            }),
        };
        let payment = match &p["payment"]["entity"] {
            Value::Null => None,
            e => Some(PaymentFacts {
                id: text(&e["id"]).ok_or("the payment has no `id`")?,
                amount: int(&e["amount"]).ok_or("the payment has no `amount`")?,
                currency: text(&e["currency"]).unwrap_or_else(|| "INR".into()),
                status: text(&e["status"]).unwrap_or_default(),
                captured: truthy(&e["captured"]) || e["status"] == "captured",
                invoice_id: text(&e["invoice_id"]),
                created_at: time(&e["created_at"]).unwrap_or(created_at),
                tenant: tenant(e),
                purpose: text(&e["notes"]["purpose"]),
                credit_minor: int(&e["notes"]["credit_minor"]),
                contact: text(&e["contact"]).filter(|c| c.len() <= 32),
                // A UPI address names the payer everywhere; Razorpay's token
                // and card ids only within its customer record.
                payer_method: text(&e["vpa"])
                    .map(|v| format!("vpa:{}", v.to_lowercase()))
                    .or_else(|| text(&e["token_id"]).map(|t| format!("token:{t}")))
                    .or_else(|| text(&e["card_id"]).map(|c| format!("card:{c}")))
                    .filter(|m| m.len() <= 120),
            }),
        };
        let invoice = match &p["invoice"]["entity"] {
            Value::Null => None,
            i => Some(InvoiceFacts {
                id: text(&i["id"]).ok_or("the invoice has no `id`")?,
                subscription_id: text(&i["subscription_id"]),
                payment_id: text(&i["payment_id"]),
            }),
        };
        let refund = match &p["refund"]["entity"] {
            Value::Null => None,
            r => Some(RefundFacts {
                id: text(&r["id"]).ok_or("the refund has no `id`")?,
                payment_id: text(&r["payment_id"]).ok_or("the refund has no `payment_id`")?,
                amount: int(&r["amount"]).ok_or("the refund has no `amount`")?,
                currency: text(&r["currency"]).unwrap_or_else(|| "INR".into()),
                status: text(&r["status"]).unwrap_or_default(),
                created_at: time(&r["created_at"]).unwrap_or(created_at),
            }),
        };
        let payout = match &p["payout"]["entity"] {
            Value::Null => None,
            o => Some(PayoutFacts {
                id: text(&o["id"]).ok_or("the payout has no `id`")?,
                status: text(&o["status"]).unwrap_or_default(),
                reference: o["reference_id"].as_str().and_then(|r| r.parse().ok()),
                reason: text(&o["status_details"]["description"]).or_else(|| text(&o["failure_reason"])),
            }),
        };
        Ok(Self { event, created_at, subscription, payment, invoice, refund, payout })
    }
}

/// The tenant state a subscription state puts an account in (None: it
/// does not move the account).
pub fn account_state(subscription_status: &str) -> Option<&'static str> {
    match subscription_status {
        "authenticated" | "active" => Some("active"),
        "pending" => Some("grace"),
        "halted" => Some("restricted"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_under_either_secret() {
        let body = br#"{"event":"payment.captured"}"#;
        let sig = sign("new-secret", body);
        let secrets = [Secret::new("new-secret"), Secret::new("old-secret")];
        assert!(signature_valid(&secrets, body, Some(&sig)));
        assert!(signature_valid(&secrets, body, Some(&sign("old-secret", body))));
        assert!(!signature_valid(&secrets, body, Some(&sign("other", body))));
        assert!(!signature_valid(&secrets, b"{}", Some(&sig)));
        assert!(!signature_valid(&secrets, body, None));
        assert!(!signature_valid(&secrets, body, Some("not hex")));
    }

    #[test]
    fn captured_may_be_a_string() {
        let body = serde_json::json!({"event": "payment.captured", "created_at": 1_790_000_000, "contains": ["payment"],
            "payload": {"payment": {"entity": {"id": "pay_1", "amount": 117_882, "currency": "INR", "status": "captured",
                "captured": "1", "invoice_id": "inv_1", "created_at": 1_790_000_000}}}});
        let e = RazorpayEvent::parse(body.to_string().as_bytes()).unwrap();
        let p = e.payment.unwrap();
        assert!(p.captured);
        assert_eq!((p.amount, p.invoice_id.as_deref()), (117_882, Some("inv_1")));
        assert!(RazorpayEvent::parse(b"{\"payload\":{}}").unwrap_err().contains("event"));
    }
}
