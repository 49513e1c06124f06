//! Billing: tenants pay for their plan through Razorpay subscriptions. The
//! server asks Razorpay for a subscription ([`razorpay`]), Razorpay's signed
//! webhooks ([`events`]) move the subscription and the account's state
//! (active → grace → restricted → suspended, and back), and every captured
//! payment gets one GST invoice, every refund a credit note ([`gst`],
//! rendered by [`document`]). The project's simulator (`sim::razorpay`)
//! stands in for Razorpay offline.

pub mod document;
pub mod events;
pub mod gst;
pub mod razorpay;

use crate::config::{env_var, ConfigError, Secret};
use crate::store::repo::billing::Seller;
use std::time::Duration;

/// The most a plan may cost a month (paise) to be charged to a card by a
/// subscription; dearer and custom-priced plans are invoiced by the team.
pub const MAX_AUTO_DEBIT_MINOR: i64 = 1_500_000;

/// How long an account stays restricted (unpaid) before it is suspended, by default.
pub const DEFAULT_SUSPEND_AFTER_DAYS: u64 = 15;

/// Billing's configuration.
#[derive(Clone)]
pub struct BillingConfig {
    /// `RAZORPAY_API_BASE`.
    pub api_base: String,
    /// `RAZORPAY_KEY_ID` and `RAZORPAY_KEY_SECRET` (None: billing is off).
    pub key: Option<(String, Secret)>,
    /// `RAZORPAY_WEBHOOK_SECRET`, then `RAZORPAY_WEBHOOK_SECRET_PREVIOUS`
    /// during a rotation.
    pub webhook_secrets: Vec<Secret>,
    /// The platform on its invoices (`PLATFORM_LEGAL_NAME`, `PLATFORM_GSTIN`,
    /// `PLATFORM_STATE_CODE`, `PLATFORM_ADDRESS`).
    pub seller: Seller,
    /// `BILLING_SUSPEND_AFTER_DAYS`.
    pub suspend_after: Duration,
    /// `RAZORPAYX_ACCOUNT_NUMBER`: the RazorpayX account affiliates and
    /// partners are paid from (None: payouts are off).
    pub payout_account: Option<String>,
    /// `RAZORPAYX_MONTHLY_PAYOUTS` (default on): pay due balances by
    /// themselves once a month; off, only an operator's run pays.
    pub monthly_payouts: bool,
}

impl std::fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingConfig").field("api_base", &self.api_base).field("configured", &self.key.is_some()).finish_non_exhaustive()
    }
}

impl BillingConfig {
    /// Off: no gateway, no webhook secret (tests of other features).
    pub fn disabled() -> Self {
        Self {
            api_base: razorpay::DEFAULT_API_BASE.into(),
            key: None,
            webhook_secrets: Vec::new(),
            seller: Seller { legal_name: "whatsflow".into(), gstin: String::new(), state_code: "29".into(), address: String::new() },
            suspend_after: Duration::from_secs(DEFAULT_SUSPEND_AFTER_DAYS * 86_400),
            payout_account: None,
            monthly_payouts: true,
        }
    }

    /// From the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let key = match (env_var("RAZORPAY_KEY_ID"), env_var("RAZORPAY_KEY_SECRET")) {
            (Some(id), Some(secret)) => Some((id, Secret::new(secret))),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid {
                    var: "RAZORPAY_KEY_ID",
                    problem: "set both RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET, or neither".into(),
                })
            }
        };
        let state_code = env_var("PLATFORM_STATE_CODE").unwrap_or_else(|| "29".into());
        if gst::state_name(&state_code).is_none() {
            return Err(ConfigError::Invalid {
                var: "PLATFORM_STATE_CODE",
                problem: format!("`{state_code}` is not a GST state code; write two digits, e.g. 29 for Karnataka"),
            });
        }
        let suspend_days = match env_var("BILLING_SUSPEND_AFTER_DAYS") {
            None => DEFAULT_SUSPEND_AFTER_DAYS,
            Some(v) => v.parse().ok().filter(|d| *d <= 365).ok_or_else(|| ConfigError::Invalid {
                var: "BILLING_SUSPEND_AFTER_DAYS",
                problem: format!("`{v}` is not a number of days from 0 to 365"),
            })?,
        };
        Ok(Self {
            api_base: env_var("RAZORPAY_API_BASE").unwrap_or_else(|| razorpay::DEFAULT_API_BASE.into()),
            key,
            webhook_secrets: ["RAZORPAY_WEBHOOK_SECRET", "RAZORPAY_WEBHOOK_SECRET_PREVIOUS"]
                .iter()
                .filter_map(|v| env_var(v))
                .map(Secret::new)
                .collect(),
            seller: Seller {
                legal_name: env_var("PLATFORM_LEGAL_NAME").unwrap_or_else(|| "whatsflow".into()),
                gstin: env_var("PLATFORM_GSTIN").unwrap_or_default(),
                state_code,
                address: env_var("PLATFORM_ADDRESS").unwrap_or_default(),
            },
            suspend_after: Duration::from_secs(suspend_days * 86_400),
            payout_account: env_var("RAZORPAYX_ACCOUNT_NUMBER"),
            monthly_payouts: env_var("RAZORPAYX_MONTHLY_PAYOUTS").is_none_or(|v| !matches!(v.as_str(), "0" | "false" | "off")),
        })
    }
}
