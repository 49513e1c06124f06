//! A thin Razorpay client of our own (no maintained Rust SDK exists): the
//! few calls billing makes — plans, subscriptions, refunds — over HTTPS with
//! the key id and secret as basic auth, at `RAZORPAY_API_BASE` (Razorpay's,
//! or the project's simulator). Errors keep Razorpay's own description.

use crate::config::Secret;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Razorpay's production API.
pub const DEFAULT_API_BASE: &str = "https://api.razorpay.com/v1";

/// What a call failed with.
#[derive(Debug, thiserror::Error)]
pub enum RazorpayError {
    /// No key is configured: billing is off on this installation.
    #[error("billing is not configured: set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET")]
    NotConfigured,
    /// Razorpay could not be reached or answered garbage.
    #[error("Razorpay could not be reached: {0}")]
    Unreachable(String),
    /// Razorpay refused the call.
    #[error("Razorpay refused: {description} ({code})")]
    Refused {
        /// Its HTTP status.
        status: u16,
        /// Razorpay's error code (BAD_REQUEST_ERROR, ...).
        code: String,
        /// Razorpay's description.
        description: String,
    },
}

/// A subscription as Razorpay returns it (the fields billing reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    /// `sub_...`.
    pub id: String,
    /// created, authenticated, active, pending, halted, cancelled, completed, expired, paused.
    pub status: String,
    /// Where the customer authorises it.
    #[serde(default)]
    pub short_url: Option<String>,
}

/// A refund as Razorpay returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    /// `rfnd_...`.
    pub id: String,
    /// pending or processed.
    pub status: String,
}

/// A payment link as Razorpay returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentLink {
    /// `plink_...`.
    pub id: String,
    /// Where the customer pays.
    pub short_url: String,
}

/// A payout as RazorpayX returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct Payout {
    /// `pout_...`.
    pub id: String,
    /// queued, pending, processing, processed, reversed, failed, ...
    pub status: String,
}

/// What to pay, to whom.
#[derive(Debug, Clone)]
pub struct PayoutRequest<'a> {
    /// Our payout's id: its idempotency key and reference.
    pub id: uuid::Uuid,
    /// The RazorpayX account paid from.
    pub account_number: &'a str,
    /// Paise.
    pub amount_minor: i64,
    /// The payee's UPI address.
    pub vpa: &'a str,
    /// The payee's name.
    pub name: &'a str,
    /// affiliate or partner.
    pub payee_kind: &'a str,
    /// The payee (its RazorpayX contact's reference).
    pub payee_id: uuid::Uuid,
}

/// The client.
#[derive(Clone)]
pub struct Razorpay {
    http: reqwest::Client,
    base: String,
    key: Option<(String, Secret)>,
}

impl Razorpay {
    /// A client of `base` with the key (None: billing is off).
    pub fn new(base: &str, key: Option<(String, Secret)>) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap_or_default();
        Self { http, base: base.trim_end_matches('/').to_owned(), key }
    }

    /// Whether a key is configured.
    pub fn configured(&self) -> bool {
        self.key.is_some()
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, RazorpayError> {
        self.call_with(method, path, body, None).await
    }

    async fn call_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        idempotency: Option<&str>,
    ) -> Result<Value, RazorpayError> {
        let Some((id, secret)) = &self.key else { return Err(RazorpayError::NotConfigured) };
        let mut req = self.http.request(method, format!("{}{path}", self.base)).basic_auth(id, Some(secret.expose()));
        if let Some(key) = idempotency {
            req = req.header("X-Payout-Idempotency", key);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.map_err(|e| RazorpayError::Unreachable(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        let v: Value = res.json().await.map_err(|e| RazorpayError::Unreachable(format!("unreadable answer: {}", e.without_url())))?;
        if (200..300).contains(&status) {
            return Ok(v);
        }
        Err(RazorpayError::Refused {
            status,
            code: v["error"]["code"].as_str().unwrap_or("UNKNOWN").to_owned(),
            description: v["error"]["description"].as_str().unwrap_or("no description").to_owned(),
        })
    }

    /// Makes a plan billed every month or year; its id.
    pub async fn create_plan(&self, name: &str, amount_minor: i64, currency: &str, annual: bool) -> Result<String, RazorpayError> {
        let body = json!({
            "period": if annual { "yearly" } else { "monthly" }, "interval": 1,
            "item": {"name": name, "amount": amount_minor, "currency": currency},
        });
        let v = self.call(reqwest::Method::POST, "/plans", Some(body)).await?;
        v["id"].as_str().map(str::to_owned).ok_or_else(|| RazorpayError::Unreachable("a plan without an id".into()))
    }

    /// Subscribes to a plan for `total_count` cycles, noting the tenant.
    pub async fn create_subscription(&self, plan_id: &str, total_count: u32, notes: Value) -> Result<Subscription, RazorpayError> {
        let body = json!({"plan_id": plan_id, "total_count": total_count, "customer_notify": 1, "quantity": 1, "notes": notes});
        let v = self.call(reqwest::Method::POST, "/subscriptions", Some(body)).await?;
        serde_json::from_value(v).map_err(|e| RazorpayError::Unreachable(format!("unreadable subscription: {e}")))
    }

    /// Cancels a subscription now.
    pub async fn cancel_subscription(&self, id: &str) -> Result<Subscription, RazorpayError> {
        let v = self.call(reqwest::Method::POST, &format!("/subscriptions/{id}/cancel"), Some(json!({"cancel_at_cycle_end": 0}))).await?;
        serde_json::from_value(v).map_err(|e| RazorpayError::Unreachable(format!("unreadable subscription: {e}")))
    }

    /// A one-off payment link (a wallet top-up), noting what it is for.
    pub async fn create_payment_link(
        &self,
        amount_minor: i64,
        currency: &str,
        description: &str,
        notes: Value,
    ) -> Result<PaymentLink, RazorpayError> {
        let body = json!({"amount": amount_minor, "currency": currency, "description": description, "notes": notes,
                          "reminder_enable": false, "accept_partial": false});
        let v = self.call(reqwest::Method::POST, "/payment_links", Some(body)).await?;
        serde_json::from_value(v).map_err(|e| RazorpayError::Unreachable(format!("unreadable payment link: {e}")))
    }

    /// Refunds `amount_minor` of a captured payment.
    pub async fn refund(&self, payment_id: &str, amount_minor: i64) -> Result<Refund, RazorpayError> {
        let v = self.call(reqwest::Method::POST, &format!("/payments/{payment_id}/refund"), Some(json!({"amount": amount_minor}))).await?;
        serde_json::from_value(v).map_err(|e| RazorpayError::Unreachable(format!("unreadable refund: {e}")))
    }

    /// Pays a UPI address (a composite payout: contact and fund account
    /// with it). The same request with the same id pays once, however often
    /// it is retried.
    pub async fn create_payout(&self, p: &PayoutRequest<'_>) -> Result<Payout, RazorpayError> {
        let body = json!({
            "account_number": p.account_number, "amount": p.amount_minor, "currency": "INR", "mode": "UPI", "purpose": "payout",
            "queue_if_low_balance": true, "reference_id": p.id.to_string(), "narration": "whatsflow earnings",
            "fund_account": {"account_type": "vpa", "vpa": {"address": p.vpa},
                             "contact": {"name": p.name, "type": "vendor", "reference_id": p.payee_id.to_string()}},
            "notes": {"payee_kind": p.payee_kind},
        });
        let key = p.id.to_string();
        let v = self.call_with(reqwest::Method::POST, "/payouts", Some(body), Some(&key)).await?;
        serde_json::from_value(v).map_err(|e| RazorpayError::Unreachable(format!("unreadable payout: {e}")))
    }
}
