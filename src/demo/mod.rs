//! `whatsflow demo`: the product alive offline with no credentials. It
//! generates (and keeps) its secrets under the data directory, runs the
//! server on the embedded Postgres, seeds a demo business with an admin login
//! and a connected number, and has simulated customers write in through
//! signed webhooks exactly as Meta would deliver them.

mod customers;
pub mod story;

use crate::config::{Config, Secret, DEFAULT_GRAPH_API_BASE};
use crate::startup::Application;
use anyhow::Context as _;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The demo admin's login.
pub const DEMO_EMAIL: &str = "demo@whatsflow.local";
/// The demo admin's password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// The demo agent's login.
pub const DEMO_AGENT_EMAIL: &str = "agent@whatsflow.local";
/// The demo agent's password.
pub const DEMO_AGENT_PASSWORD: &str = "agent-password";
/// The demo platform operator's login (the Admin console).
pub const DEMO_SUPER_ADMIN_EMAIL: &str = "operator@whatsflow.local";
/// The demo platform operator's password.
pub const DEMO_SUPER_ADMIN_PASSWORD: &str = "operator-password";
/// The demo business number's Meta id.
pub const DEMO_PHONE_NUMBER_ID: &str = "100000000000001";
/// The demo WABA.
pub const DEMO_WABA_ID: &str = "200000000000001";

#[derive(Serialize, Deserialize)]
struct DemoSecrets {
    app_secret: String,
    verify_token: String,
    jwt_secret: String,
    master_key: String,
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill(b.as_mut_slice());
    hex::encode(b)
}

fn load_or_create_secrets(dir: &Path) -> anyhow::Result<DemoSecrets> {
    let path = dir.join("demo-secrets.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(s) = serde_json::from_str(&text) {
            return Ok(s);
        }
    }
    std::fs::create_dir_all(dir)?;
    let s = DemoSecrets { app_secret: random_hex(16), verify_token: random_hex(8), jwt_secret: random_hex(32), master_key: random_hex(32) };
    std::fs::write(&path, serde_json::to_vec_pretty(&s)?)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(s)
}

/// The demo's configuration: the environment where set, generated secrets otherwise.
pub fn demo_config() -> anyhow::Result<Config> {
    let env = crate::config::env_var;
    let data_dir = env("WHATSFLOW_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("whatsflow-data"));
    let s = load_or_create_secrets(&data_dir)?;
    Ok(Config {
        bind: env("WHATSFLOW_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
        database_url: env("DATABASE_URL"),
        database_app_url: env("WHATSFLOW_DATABASE_APP_URL"),
        redis_url: env("REDIS_URL"),
        cluster: crate::cluster::ClusterConfig::from_env()?,
        data_dir,
        graph_api_base: crate::config::graph_api_base(&env("GRAPH_API_BASE").unwrap_or_else(|| DEFAULT_GRAPH_API_BASE.into())),
        app_secret: Secret::new(env("WHATSAPP_APP_SECRET").unwrap_or(s.app_secret)),
        verify_token: Secret::new(env("WHATSAPP_VERIFY_TOKEN").unwrap_or(s.verify_token)),
        jwt_secret: Secret::new(env("JWT_SECRET").unwrap_or(s.jwt_secret)),
        master_key: crate::config::parse_master_key(&env("WHATSFLOW_MASTER_KEY").unwrap_or(s.master_key))?,
        previous_master_keys: crate::config::previous_master_keys_var()?,
        conversation_idle: whatsflow_actors::engine::DEFAULT_CONVERSATION_IDLE,
        send_recheck: whatsflow_actors::engine::DEFAULT_AMBIGUOUS_GRACE,
        web_dir: env("WHATSFLOW_WEB_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("web/dist")),
        workers: env("WHATSFLOW_WORKERS").and_then(|v| v.parse().ok()),
        ws_outbox: crate::config::ws_outbox_var()?,
        egress_allow: crate::config::egress_allow_var()?,
        trusted_proxies: crate::config::trusted_proxies_var()?,
        retention: crate::config::retention_var()?,
        auth_limits: crate::auth::limits::AuthLimits::from_env()?,
        // The demo business shows every feature.
        default_plan: "enterprise".into(),
        billing: crate::billing::BillingConfig::from_env()?,
        mail: crate::mail::MailConfig::from_env(&env("WHATSFLOW_BIND").unwrap_or_else(|| "127.0.0.1:8080".into())),
        meter_sweep: crate::config::secs_var("WHATSFLOW_METER_SWEEP_SECS", std::time::Duration::from_secs(5))?,
        webhook_delivery: crate::webhooks_out::DeliveryPolicy::default(),
        routing: crate::routing::RoutingPolicy::default(),
        partners: crate::partners::PartnerConfig::from_env()?,
        ai: crate::ai::AiConfig::from_env()?,
    })
}

/// Runs the demo until stopped: the server, and the Graph API simulator
/// in-process unless `GRAPH_API_BASE` points elsewhere.
pub async fn run() -> anyhow::Result<()> {
    let mut config = demo_config()?;
    let secret = config.app_secret.clone();
    let sim = if crate::config::env_var("GRAPH_API_BASE").is_none() {
        let sim = crate::sim::graph::start(
            std::net::TcpListener::bind("127.0.0.1:0")?,
            crate::sim::graph::SimConfig {
                webhook_url: String::new(),
                app_secret: secret.expose().to_owned(),
                mps: 80,
                status_delay: Duration::from_millis(700),
                auto_read: true,
                auto_reply: true,
            },
        )?;
        config.graph_api_base = sim.base_url.clone();
        sim.state.register_number(demo_number());
        Some(sim)
    } else {
        None
    };
    // Razorpay, simulated in-process unless RAZORPAY_API_BASE is set: its
    // checkout page authorises a subscription and "charges" it.
    let razorpay = if crate::config::env_var("RAZORPAY_API_BASE").is_none() {
        let webhook_secret = random_hex(16);
        let key_secret = random_hex(16);
        let sim = crate::sim::razorpay::start(
            std::net::TcpListener::bind("127.0.0.1:0")?,
            crate::sim::razorpay::RazorpaySimConfig {
                webhook_url: String::new(),
                webhook_secret: webhook_secret.clone(),
                key_id: "rzp_test_demo".into(),
                key_secret: key_secret.clone(),
                charge_every: None,
            },
        )?;
        config.billing.api_base = sim.base_url.clone();
        config.billing.key = Some(("rzp_test_demo".into(), Secret::new(key_secret)));
        config.billing.webhook_secrets = vec![Secret::new(webhook_secret)];
        // Payouts to affiliates and partners go through the simulator's RazorpayX.
        config.billing.payout_account.get_or_insert_with(|| "7878780080316316".into());
        Some(sim)
    } else {
        None
    };
    // Mail (password resets, verification) goes to a local sink that prints
    // each mail here, unless SMTP_URL names a real server.
    let _mail_sink = if config.mail.smtp_url.is_none() {
        let sink = crate::sim::smtp::start(std::net::TcpListener::bind("127.0.0.1:0")?, true)?;
        config.mail.smtp_url = Some(sink.smtp_url());
        println!("Mail: no SMTP_URL, so the mails whatsflow sends are printed here");
        Some(sink)
    } else {
        None
    };
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    if let Some(sim) = &sim {
        sim.state.set_webhook_url(&format!("{base}/webhooks/whatsapp"));
    }
    if let Some(rzp) = &razorpay {
        rzp.state.set_webhook_url(&format!("{base}/webhooks/razorpay"));
        println!("Razorpay (simulated): {} — subscribing opens its checkout page; nothing is charged", rzp.base_url);
    }
    let web = app.state().config.web_dir.join("index.html").is_file();
    let graph_base = app.state().config.graph_api_base.clone();
    // A known operator login is for the demo's own embedded database only,
    // never for one named by DATABASE_URL (it could be a real platform's).
    let operator = app.state().config.database_url.is_none() && app.state().config.database_app_url.is_none();
    if operator {
        seed_super_admin(&app.state().db).await?;
    }
    let db = app.state().db.clone();
    actix::spawn(async move {
        if let Err(e) = seed_and_simulate(&base, &graph_base, &secret, web, operator, &db).await {
            tracing::error!(error = %e, "demo seeding failed");
        }
    });
    app.run_until_stopped().await
}

/// The platform operator who opens the Admin console (once).
async fn seed_super_admin(db: &crate::store::repo::Db) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_SUPER_ADMIN_PASSWORD).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    match db.admin().create_super_admin(DEMO_SUPER_ADMIN_EMAIL, "Platform Operator", &hash).await {
        Ok(_) | Err(crate::store::repo::DbError::Conflict(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The demo business's number as the (simulated) Meta knows it.
fn demo_number() -> crate::sim::graph::SimNumber {
    crate::sim::graph::SimNumber {
        phone_number_id: DEMO_PHONE_NUMBER_ID.into(),
        waba_id: DEMO_WABA_ID.into(),
        access_token: DEMO_ACCESS_TOKEN.into(),
        display_phone_number: "+1 555 010 0001".into(),
        verified_name: "Demo Store".into(),
    }
}

/// The demo number's access token in the simulator.
const DEMO_ACCESS_TOKEN: &str = "demo-access-token";

async fn seed_and_simulate(
    base: &str,
    graph_base: &str,
    secret: &Secret,
    web: bool,
    operator: bool,
    db: &crate::store::repo::Db,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    // A simulator started apart (GRAPH_API_BASE) learns the demo number
    // through its control API; real Meta has no such route and refuses.
    let sim_root = graph_base.trim_end_matches('/').rsplit_once('/').map_or(graph_base, |(root, _)| root);
    if let Err(e) = http.post(format!("{sim_root}/__sim/numbers")).json(&demo_number()).send().await {
        tracing::debug!(error = %e, "the Graph API at GRAPH_API_BASE is not a simulator");
    }
    let login =
        http.post(format!("{base}/api/v1/auth/login")).json(&json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD})).send().await?;
    if !login.status().is_success() {
        let reg = http
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"tenant_name": "Demo Store", "name": "Demo Admin", "email": DEMO_EMAIL, "password": DEMO_PASSWORD}))
            .send()
            .await?
            .error_for_status()
            .context("registering the demo business")?;
        let token = reg.json::<serde_json::Value>().await?["access_token"].as_str().unwrap_or_default().to_owned();
        http.post(format!("{base}/api/v1/channels"))
            .bearer_auth(&token)
            .json(&json!({"phone_number_id": DEMO_PHONE_NUMBER_ID, "display_phone_number": "+1 555 010 0001", "waba_id": DEMO_WABA_ID,
                          "access_token": DEMO_ACCESS_TOKEN, "name": "Demo support line"}))
            .send()
            .await?
            .error_for_status()
            .context("connecting the demo number")?;
        http.post(format!("{base}/api/v1/users"))
            .bearer_auth(&token)
            .json(&json!({"email": DEMO_AGENT_EMAIL, "password": DEMO_AGENT_PASSWORD, "name": "Demo Agent", "role": "agent"}))
            .send()
            .await?
            .error_for_status()
            .context("adding the demo agent")?;
        // The approved templates the (simulated) Meta account has.
        let synced = http.post(format!("{base}/api/v1/templates/sync")).bearer_auth(&token).send().await?;
        if !synced.status().is_success() {
            tracing::warn!(status = %synced.status(), "demo templates not synced");
        }
        // A month of history, flows, tags and a campaign (the demo works
        // without them if this fails).
        if let Err(e) = story::seed(&http, base, secret, db).await {
            tracing::warn!(error = format!("{e:#}"), "the demo story was not fully seeded");
        }
    }
    println!("\n  whatsflow demo is running");
    if web {
        println!("  open          {base}/");
    }
    println!("  log in as     {DEMO_EMAIL} / {DEMO_PASSWORD}  (admin)");
    println!("           or   {DEMO_AGENT_EMAIL} / {DEMO_AGENT_PASSWORD}  (agent)");
    if operator {
        println!("           or   {DEMO_SUPER_ADMIN_EMAIL} / {DEMO_SUPER_ADMIN_PASSWORD}  (platform operator: the Admin console)");
    }
    println!("  API docs      {base}/api/docs");
    println!("  simulated customers write in bursts, then go quiet, and leave resolved conversations alone; Ctrl-C stops.\n");
    customers::live(http, base.to_owned(), secret.clone()).await;
    Ok(())
}
