//! The demo's simulated customers: who they are, what they write, and the
//! signed webhooks that carry it, shaped as Meta delivers them. Live, they
//! write in bursts and then go quiet, and leave alone a conversation an
//! agent resolved (so "Resolved" stays resolved).

use super::{random_hex, DEMO_PHONE_NUMBER_ID, DEMO_WABA_ID};
use crate::config::Secret;
use crate::http::webhooks::sign;
use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::time::Duration;

/// A customer: WhatsApp id and profile name.
pub type Customer = (&'static str, &'static str);

/// The customers who write in live (their windows are open).
pub const LIVE: &[Customer] = &[
    ("919812345670", "Priya Sharma"),
    ("14155550123", "Jordan Lee"),
    ("447700900123", "Amelia Clarke"),
    ("5511987654321", "Lucas Souza"),
    ("971501234567", "Omar Haddad"),
];

/// Customers from the past month (their windows have closed).
pub const PAST: &[Customer] = &[
    ("919876500001", "Ananya Iyer"),
    ("919876500002", "Rohan Mehta"),
    ("919876500003", "Kavya Nair"),
    ("919876500004", "Arjun Reddy"),
    ("919876500005", "Meera Pillai"),
    ("919876500006", "Vikram Singh"),
    ("919876500007", "Sneha Das"),
    ("919876500008", "Aditya Rao"),
    ("919876500009", "Ishita Bose"),
    ("919876500010", "Karthik Subramanian"),
    ("14155550201", "Emily Carter"),
    ("14155550202", "Noah Kim"),
    ("447700900201", "Oliver Brown"),
    ("447700900202", "Grace Wilson"),
    ("6591234567", "Wei Ling Tan"),
    ("61412345678", "Liam Murphy"),
    ("27821234567", "Thandiwe Nkosi"),
    ("2348031234567", "Chinedu Okafor"),
];

/// What customers ask.
pub const LINES: &[&str] = &[
    "Hi! Is my order #4821 shipped yet?",
    "Do you deliver on Sundays?",
    "I'd like to change my delivery address",
    "What are your opening hours?",
    "Thanks, that was quick!",
    "Can I pay cash on delivery?",
    "The size M is too small, can I exchange it?",
    "Is the blue kurta back in stock?",
    "My parcel says delivered but I can't find it",
    "Do you have a store in Bengaluru?",
];

/// One customer message as Meta's `messages` webhook carries it: text, or
/// a shared location when `text` is empty.
pub fn message_webhook(customer: Customer, text: &str, at: DateTime<Utc>, seq: u64) -> Vec<u8> {
    let (wa_id, name) = customer;
    let ts = at.timestamp().to_string();
    let id = format!("wamid.demo.{}.{seq}", random_hex(8));
    let message = if text.is_empty() {
        json!({"from": wa_id, "id": id, "timestamp": ts, "type": "location",
               "location": {"latitude": 19.0760, "longitude": 72.8777, "name": "Home", "address": "Bandra West, Mumbai"}})
    } else {
        json!({"from": wa_id, "id": id, "timestamp": ts, "type": "text", "text": {"body": text}})
    };
    json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": DEMO_PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message]
    }}]}]})
    .to_string()
    .into_bytes()
}

/// Delivers a webhook signed with the app secret, as Meta would.
pub async fn deliver(http: &reqwest::Client, base: &str, secret: &Secret, body: Vec<u8>) -> anyhow::Result<()> {
    let sig = sign(secret.expose().as_bytes(), &body);
    http.post(format!("{base}/webhooks/whatsapp")).header("X-Hub-Signature-256", sig).body(body).send().await?.error_for_status()?;
    Ok(())
}

/// How the live customers pace themselves.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Messages in one burst (at most).
    pub burst: usize,
    /// Between two messages of a burst.
    pub within: Duration,
    /// Quiet after a burst: from, to.
    pub quiet: (Duration, Duration),
}

/// Quick enough to see the inbox move, quiet enough to read and resolve.
pub const PACE: Pace = Pace { burst: 3, within: Duration::from_secs(4), quiet: (Duration::from_secs(45), Duration::from_secs(120)) };

/// Runs the live customers until the process stops: one customer at a
/// time writes a short burst, then everyone is quiet for a while. A
/// customer whose conversation an agent resolved does not write again.
pub async fn live(http: reqwest::Client, base: String, secret: Secret) {
    let mut seq: u64 = 0;
    let mut token: Option<String> = None;
    loop {
        let resolved = resolved_customers(&http, &base, &mut token).await;
        let waiting: Vec<Customer> = LIVE.iter().copied().filter(|(wa_id, _)| !resolved.iter().any(|r| r.ends_with(wa_id))).collect();
        let (customer, burst, quiet) = {
            let mut rng = rand::thread_rng();
            let quiet = rng.gen_range(PACE.quiet.0..=PACE.quiet.1);
            (waiting.choose(&mut rng).copied(), burst(&mut rng), quiet)
        };
        if let Some(customer) = customer {
            let n = burst.len();
            for (i, text) in burst.into_iter().enumerate() {
                seq += 1;
                if let Err(e) = deliver(&http, &base, &secret, message_webhook(customer, text, Utc::now(), seq)).await {
                    tracing::warn!(error = %e, "a simulated customer could not reach the server");
                }
                if i + 1 < n {
                    tokio::time::sleep(PACE.within).await;
                }
            }
        }
        tokio::time::sleep(quiet).await;
    }
}

/// What one burst says: now and then the keyword of the order-status bot
/// and then an order number (the bot asks, then hands over to the team);
/// otherwise one to [`PACE`]`.burst` questions, now and then a location
/// (an empty text).
fn burst(rng: &mut impl Rng) -> Vec<&'static str> {
    if rng.gen_ratio(1, 6) {
        return vec!["order", "4821"];
    }
    (0..rng.gen_range(1..=PACE.burst))
        .map(|_| if rng.gen_ratio(1, 5) { "" } else { LINES.choose(rng).copied().unwrap_or("Hello") })
        .collect()
}

/// The phone numbers of customers whose conversation is resolved now (as
/// the demo admin sees them, signed in once and again when the access
/// token expires; none when that cannot be read).
async fn resolved_customers(http: &reqwest::Client, base: &str, token: &mut Option<String>) -> Vec<String> {
    for _ in 0..2 {
        let bearer = match token.clone() {
            Some(t) => t,
            None => match super::story::sign_in(http, base).await {
                Ok(t) => token.insert(t).clone(),
                Err(_) => return Vec::new(),
            },
        };
        let res = http.get(format!("{base}/api/v1/conversations?status=resolved&limit=200")).bearer_auth(bearer).send().await;
        match res {
            Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED => *token = None,
            Ok(r) => return resolved_phones(r).await,
            Err(_) => return Vec::new(),
        }
    }
    Vec::new()
}

/// The contacts' phones of a page of conversations.
async fn resolved_phones(res: reqwest::Response) -> Vec<String> {
    let Ok(page) = res.json::<Value>().await else { return Vec::new() };
    page["data"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["contact"]["phone"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}
