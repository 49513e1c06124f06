//! The delivery worker: claims due deliveries (the oldest pending one of
//! each enabled endpoint, so an endpoint receives its events in order),
//! posts each signed through the egress client, and records the attempt.
//! It wakes on Postgres `NOTIFY webhook_deliveries` (sent when events are
//! written, from any node), when an attempt ends, and when the next retry
//! falls due, with a slow poll in case a wake-up is lost. A claim is a
//! lease: a worker that dies mid-attempt loses nothing, another (or the
//! next start) takes the delivery when the lease lapses.

use super::signature;
use super::DeliveryPolicy;
use crate::crypto::{Sealed, SecretBox};
use crate::egress::EgressClient;
use crate::hub::TenantHub;
use crate::store::repo::webhooks_out::{AfterAttempt, Attempt, AttemptRules, Claimed};
use crate::store::repo::Db;
use chrono::Utc;
use rand::Rng;
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use whatsflow_actors::ids::TenantId;

/// The slowest the worker looks for due deliveries without a wake-up.
const POLL: Duration = Duration::from_secs(2);
/// The most of a receiver's answer kept in the log.
const EXCERPT_CHARS: usize = 500;

/// See the module doc.
pub struct DeliveryWorker {
    db: Db,
    pool: PgPool,
    secrets: SecretBox,
    egress: EgressClient,
    hub: Arc<TenantHub>,
    policy: DeliveryPolicy,
    wake: Notify,
}

impl DeliveryWorker {
    /// A worker; [`spawn`](Self::spawn) starts it.
    pub fn new(db: Db, pool: PgPool, secrets: SecretBox, egress: EgressClient, hub: Arc<TenantHub>, policy: DeliveryPolicy) -> Arc<Self> {
        Arc::new(Self { db, pool, secrets, egress, hub, policy, wake: Notify::new() })
    }

    /// Runs until the database pool is closed (the application stopped).
    pub fn spawn(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move { me.listen().await });
        let me = self.clone();
        tokio::spawn(async move { me.run().await });
    }

    /// Relays `NOTIFY webhook_deliveries` to the loop.
    async fn listen(self: Arc<Self>) {
        loop {
            if self.pool.is_closed() {
                return;
            }
            match sqlx::postgres::PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen("webhook_deliveries").await {
                        tracing::warn!(error = %e, "listening for webhook deliveries");
                    } else {
                        while listener.recv().await.is_ok() {
                            self.wake.notify_one();
                        }
                    }
                }
                Err(e) => tracing::debug!(error = %e, "connecting the webhook listener"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(self.policy.concurrency.max(1)));
        loop {
            if self.pool.is_closed() {
                return;
            }
            let free = slots.available_permits();
            let mut claimed_all = false;
            if free > 0 {
                match self.db.claim_webhook_deliveries(i64::try_from(free).unwrap_or(1), self.policy.lease()).await {
                    Ok(claimed) => {
                        claimed_all = claimed.len() == free;
                        for delivery in claimed {
                            let Ok(permit) = slots.clone().acquire_owned().await else { return };
                            let me = self.clone();
                            tokio::spawn(async move {
                                me.deliver(delivery).await;
                                drop(permit);
                                // The endpoint's next event may be due now.
                                me.wake.notify_one();
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries"),
                }
            }
            if claimed_all {
                continue;
            }
            let wait = match self.db.next_webhook_due().await {
                Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(POLL),
                _ => POLL,
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait.max(Duration::from_millis(20))) => {}
            }
        }
    }

    /// One attempt of one claimed delivery, recorded.
    async fn deliver(&self, delivery: Claimed) {
        let tenant = TenantId(delivery.tenant_id);
        let context = Sealed::WebhookSecret.context(tenant, &delivery.endpoint_id.to_string());
        let outcome = match self.secrets.open(&delivery.secret_enc, &context) {
            Ok(secret) => post(&self.egress, &delivery.url, &secret, &delivery.payload, &delivery.event_type, self.policy.timeout).await,
            Err(_) => {
                Attempt { error: Some("the endpoint's secret cannot be opened with this server's master key".into()), ..Attempt::default() }
            }
        };
        let failed = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
        let jitter: f64 = rand::thread_rng().gen();
        let now = Utc::now();
        let first = delivery.first_attempt_at.unwrap_or(now);
        let give_up_after = chrono::Duration::from_std(self.policy.give_up_after).unwrap_or(chrono::Duration::days(1));
        let disable_after = chrono::Duration::from_std(self.policy.disable_after).unwrap_or(chrono::Duration::days(1));
        let rules = AttemptRules {
            retry_at: now + chrono::Duration::from_std(self.policy.backoff(failed, jitter)).unwrap_or(chrono::Duration::seconds(60)),
            give_up: now - first >= give_up_after,
            disable_if_failing_since: now - disable_after,
        };
        match self.db.record_webhook_attempt(&delivery, &outcome, rules).await {
            Ok(AfterAttempt::Recorded) => {}
            Ok(AfterAttempt::Disabled(url)) => self.tell_disabled(tenant, delivery.endpoint_id, &url).await,
            // The lease lapses and the delivery is attempted again (receivers
            // deduplicate on the event id).
            Err(e) => tracing::warn!(error = %e, delivery = %delivery.id, "recording a webhook attempt"),
        }
    }

    /// An endpoint switched off after a day of failures: the admins are told
    /// live and it is audited.
    async fn tell_disabled(&self, tenant: TenantId, endpoint: uuid::Uuid, url: &str) {
        tracing::warn!(tenant = %tenant.0, endpoint = %endpoint, "outbound webhook switched off after a day of failures");
        // Audited first: whoever the alert reaches finds the entry.
        let entry = crate::audit::Entry::new(Some(tenant), crate::audit::Actor::System, "webhook.disabled")
            .target(format!("webhook:{endpoint}"))
            .change(Some(json!({"enabled": true})), Some(json!({"enabled": false, "url": url})));
        if let Err(e) = self.db.audit().append(entry).await {
            tracing::warn!(error = %e, "auditing a webhook switch-off");
        }
        let message = format!("The webhook endpoint {url} failed every delivery for a day and was switched off; fix it and switch it on again: what waits will be sent.");
        // Admins only: the URL may carry a token.
        self.hub.broadcast(
            tenant,
            crate::hub::HubFrame {
                conversation_id: None,
                assignee: None,
                seq: None,
                scope: crate::hub::Scope::Admins,
                except: None,
                text: json!({"event": "notification", "data": {"kind": "webhook_disabled", "endpoint_id": endpoint, "url": url, "message": message}})
                    .to_string()
                    .into(),
            },
        );
    }
}

/// Posts `payload` to `url`, signed with `secret`; what the receiver said.
pub async fn post(
    egress: &EgressClient,
    url: &str,
    secret: &str,
    payload: &serde_json::Value,
    event_type: &str,
    timeout: Duration,
) -> Attempt {
    let body = match serde_json::to_vec(payload) {
        Ok(b) => b,
        Err(e) => return Attempt { error: Some(format!("the event cannot be serialised: {e}")), ..Attempt::default() },
    };
    let t = Utc::now().timestamp();
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (signature::HEADER.to_owned(), signature::sign(secret, t, &body)),
        ("X-Whatsflow-Event".to_owned(), event_type.to_owned()),
        ("X-Whatsflow-Event-Id".to_owned(), payload["id"].as_str().unwrap_or_default().to_owned()),
    ];
    let started = Instant::now();
    let result = egress.send("POST", url, &headers, Some(body), timeout).await;
    let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match result {
        Ok((status, answer)) => Attempt {
            status_code: Some(i32::from(status)),
            latency_ms,
            error: None,
            response_excerpt: Some(String::from_utf8_lossy(&answer).chars().take(EXCERPT_CHARS).collect()),
        },
        Err(e) => Attempt { status_code: None, latency_ms, error: Some(e.to_string()), response_excerpt: None },
    }
}
