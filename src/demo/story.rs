//! The demo business's story, seeded once on first run through the public
//! API and signed webhooks (as a real business's month would arrive): a
//! month of customers who wrote in (their 24-hour windows long closed, most
//! resolved), today's conversations the team answered, contacts with tags,
//! two flows (one active), a broadcast campaign that finished, a drip
//! sequence the returning customers are going through, and a follow-up an
//! agent scheduled for later today.

use super::customers::{deliver, message_webhook, Customer, LINES, LIVE, PAST};
use super::{DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, DEMO_EMAIL, DEMO_PASSWORD};
use crate::config::Secret;
use crate::store::repo::Db;
use anyhow::Context as _;
use chrono::{Duration as Days, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::time::Duration;
use whatsflow_actors::ids::TenantId;

/// Signs in as the demo admin; answers the access token.
pub async fn sign_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    sign_in_as(http, base, DEMO_EMAIL, DEMO_PASSWORD).await
}

async fn sign_in_as(http: &reqwest::Client, base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let res = http.post(format!("{base}/api/v1/auth/login")).json(&json!({"email": email, "password": password})).send().await?;
    let body: Value = res.error_for_status()?.json().await?;
    body["access_token"].as_str().map(str::to_owned).context("the login answered no access token")
}

/// The demo's API calls as one signed-in person.
struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: String,
}

impl Api<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            anyhow::bail!("{method} {path} answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::PATCH, path, Some(body)).await
    }
}

/// Seeds the story (the business, its number and its agent exist).
pub async fn seed(http: &reqwest::Client, base: &str, secret: &Secret, db: &Db) -> anyhow::Result<()> {
    let admin = Api { http, base, token: sign_in(http, base).await? };
    let agent = Api { http, base, token: sign_in_as(http, base, DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD).await? };
    let tenant = TenantId(admin.get("/api/v1/auth/me").await?["tenant_id"].as_str().context("no tenant id")?.parse()?);

    flows(&admin).await.context("seeding the flows")?;
    let seq = past_month(http, base, secret).await.context("seeding the past month")?;
    let sent = today(http, base, secret, &agent, seq).await.context("seeding today's conversations")?;
    // Wait for every message to be stored (a late one would reopen a
    // conversation resolved below), then date the month as received.
    for _ in 0..240 {
        if db.tenant(tenant).inbound_messages().await? >= i64::try_from(sent)? {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let dated = db.tenant(tenant).date_seeded_history().await?;
    tracing::info!(messages = dated, "demo history dated over the past month");
    tags(&admin).await.context("tagging contacts")?;
    resolve_most_of_the_month(&admin).await.context("resolving past conversations")?;
    campaign(&admin).await.context("sending the demo campaign")?;
    sequence(&admin).await.context("starting the demo sequence")?;
    follow_up(&admin).await.context("scheduling the demo follow-up")?;
    Ok(())
}

/// Two flows: an order-status bot that hands over to people (active), and
/// a welcome offer being drafted.
async fn flows(admin: &Api<'_>) -> anyhow::Result<()> {
    let order = admin
        .post(
            "/api/v1/flows",
            json!({"name": "Order status", "trigger_type": "keyword", "trigger_value": "order", "flow_data": {"nodes": [
                {"id": "ask", "type": "input", "position": {"x": 0, "y": 0},
                 "data": {"start": true, "label": "Ask the order number", "prompt": "Happy to help! What is your order number?", "variable": "order"}},
                {"id": "thanks", "type": "message", "position": {"x": 0, "y": 140},
                 "data": {"label": "Confirm", "text": "Thanks! Let me get a teammate to check order {{vars.order}}."}},
                {"id": "team", "type": "handoff", "position": {"x": 0, "y": 280},
                 "data": {"label": "Hand to the team", "note": "Order {{vars.order}}: the customer wants an update"}}
            ], "edges": [{"id": "e1", "source": "ask", "target": "thanks"}, {"id": "e2", "source": "thanks", "target": "team"}]}}),
        )
        .await?;
    let id = order["id"].as_str().context("no flow id")?;
    admin.patch(&format!("/api/v1/flows/{id}/status"), json!({"status": "active"})).await?;
    admin
        .post(
            "/api/v1/flows",
            json!({"name": "Welcome offer", "trigger_type": "welcome", "flow_data": {"nodes": [
                {"id": "hello", "type": "message", "position": {"x": 0, "y": 0},
                 "data": {"start": true, "label": "Greet", "text": "Welcome to Demo Store, {{contact.name}}! Here is 10% off your first order: WELCOME10"}}
            ], "edges": []}}),
        )
        .await?;
    Ok(())
}

/// The past month: each past customer wrote one to four messages on a day
/// of it (more on recent days), during shop hours. Answers how many.
async fn past_month(http: &reqwest::Client, base: &str, secret: &Secret) -> anyhow::Result<u64> {
    let mut seq = 0;
    for (i, customer) in PAST.iter().enumerate() {
        let (days_ago, hour, count) = {
            let mut rng = rand::thread_rng();
            // Squared: recent days are busier.
            let r: f64 = rng.gen_range(0.0..1.0);
            (2 + (r * r * 27.0) as i64, rng.gen_range(9..20), rng.gen_range(1..=4))
        };
        let start = (Utc::now() - Days::days(days_ago)).date_naive().and_hms_opt(hour, 0, 0).context("a time of day")?.and_utc();
        for m in 0..count {
            seq += 1;
            let line = LINES[(i + m) % LINES.len()];
            deliver(http, base, secret, message_webhook(*customer, line, start + Days::minutes(3 * m as i64), seq)).await?;
        }
    }
    Ok(seq)
}

/// Today: three live customers wrote in the last hours and the agent
/// answered them (their windows are open). Answers how many customer
/// messages were sent in all.
async fn today(http: &reqwest::Client, base: &str, secret: &Secret, agent: &Api<'_>, mut seq: u64) -> anyhow::Result<u64> {
    let answers = [
        "Hi! It left our warehouse this morning; you will get a tracking link shortly.",
        "Yes, we deliver every day including Sundays.",
        "Sure, send me the new address and I'll update it.",
    ];
    for (n, customer) in LIVE.iter().take(3).enumerate() {
        seq += 1;
        let at = Utc::now() - Days::hours(1 + n as i64 * 2);
        deliver(http, base, secret, message_webhook(*customer, LINES[n], at, seq)).await?;
        let id = conversation_of(agent, customer).await?;
        agent.post(&format!("/api/v1/conversations/{id}/messages"), json!({"type": "text", "text": {"body": answers[n]}})).await?;
    }
    Ok(seq)
}

/// The conversation with `customer`, once it is stored.
async fn conversation_of(api: &Api<'_>, customer: &Customer) -> anyhow::Result<String> {
    let phone = format!("+{}", customer.0);
    for _ in 0..80 {
        let page = api.get(&format!("/api/v1/conversations?search={}", customer.0)).await?;
        let found = page["data"].as_array().and_then(|a| a.iter().find(|c| c["contact"]["phone"] == phone.as_str()).cloned());
        if let Some(id) = found.and_then(|c| c["id"].as_str().map(str::to_owned)) {
            return Ok(id);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    anyhow::bail!("the conversation with {phone} did not appear")
}

/// Contact tags a business keeps: VIPs (the campaign's audience),
/// wholesale buyers and returning customers.
async fn tags(admin: &Api<'_>) -> anyhow::Result<()> {
    let plan: Vec<(&Customer, &[&str])> = vec![
        (&LIVE[0], &["vip", "returning"]),
        (&LIVE[1], &["returning"]),
        (&PAST[0], &["vip"]),
        (&PAST[1], &["vip", "wholesale"]),
        (&PAST[2], &["vip"]),
        (&PAST[3], &["wholesale"]),
        (&PAST[4], &["returning"]),
        (&PAST[10], &["vip"]),
    ];
    for (customer, tags) in plan {
        let page = admin.get(&format!("/api/v1/contacts?search={}", customer.0)).await?;
        let Some(id) = page["data"].as_array().and_then(|a| a.first()).and_then(|c| c["id"].as_str()).map(str::to_owned) else { continue };
        admin.post(&format!("/api/v1/contacts/{id}/tags"), json!({"tags": tags})).await?;
    }
    Ok(())
}

/// Most of the month's conversations were resolved; a few still wait.
async fn resolve_most_of_the_month(admin: &Api<'_>) -> anyhow::Result<()> {
    let mut past: Vec<&Customer> = PAST.iter().collect();
    past.shuffle(&mut rand::thread_rng());
    for customer in past.iter().take(PAST.len() * 2 / 3) {
        let id = conversation_of(admin, customer).await?;
        admin.patch(&format!("/api/v1/conversations/{id}"), json!({"status": "resolved"})).await?;
    }
    Ok(())
}

/// A thank-you broadcast to the VIPs with Meta's `hello_world` template,
/// sent (the simulated Meta delivers and reads it).
async fn campaign(admin: &Api<'_>) -> anyhow::Result<()> {
    let channels = admin.get("/api/v1/channels").await?;
    let channel = channels["data"][0]["id"].as_str().context("no channel")?.to_owned();
    let created = admin
        .post(
            "/api/v1/campaigns",
            json!({"name": "VIP thank-you", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"},
                   "audience": {"tags": ["vip"]}}),
        )
        .await?;
    let id = created["id"].as_str().context("no campaign id")?;
    admin.post(&format!("/api/v1/campaigns/{id}/start"), json!({})).await?;
    Ok(())
}

/// A three-step sequence for returning customers (enrolled by tag, and
/// whoever gets the tag later): a thank-you now, a check-in a day later
/// (free text inside their window, else the template), an offer on the
/// third weekday morning.
async fn sequence(admin: &Api<'_>) -> anyhow::Result<()> {
    let channels = admin.get("/api/v1/channels").await?;
    let channel = channels["data"][0]["id"].as_str().context("no channel")?.to_owned();
    let hello = json!({"name": "hello_world", "language": "en_US"});
    let created = admin
        .post(
            "/api/v1/campaigns",
            json!({"type": "drip", "name": "Returning customers", "channel_id": channel, "timezone": "Asia/Kolkata",
                   "enroll_on_tag": "returning", "exit_on_reply": true, "exit_on_tags": ["wholesale"],
                   "steps": [
                       {"name": "Thank you", "delay_seconds": 0, "template": hello},
                       {"name": "Check-in", "delay_seconds": 86_400, "template": hello,
                        "session_message": {"type": "text", "text": {"body": "How is everything with your order? Reply here if you need us."}}},
                       {"name": "Offer", "delay_seconds": 259_200, "delay_from": "enrolment", "template": hello,
                        "send_window": {"days": [1, 2, 3, 4, 5], "start": "10:00", "end": "13:00"}}]}),
        )
        .await?;
    let id = created["id"].as_str().context("no sequence id")?;
    admin.post(&format!("/api/v1/campaigns/{id}/start"), json!({})).await?;
    admin.post(&format!("/api/v1/campaigns/{id}/enrollments"), json!({"tag": "returning"})).await?;
    Ok(())
}

/// The agent's promise to a customer of today, written now for later.
async fn follow_up(admin: &Api<'_>) -> anyhow::Result<()> {
    let id = conversation_of(admin, &LIVE[0]).await?;
    admin
        .post(
            &format!("/api/v1/conversations/{id}/scheduled-messages"),
            json!({"send_in_seconds": 7200, "type": "text", "text": {"body": "Checking in as promised: did the replacement reach you?"},
                   "fallback": {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}}),
        )
        .await?;
    Ok(())
}
