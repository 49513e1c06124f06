//! Test harness: one Postgres cluster per test process (embedded, or the one
//! named by WHATSFLOW_TEST_DATABASE_URL), a fresh database per test cloned
//! from a migrated template, and the real server on a random port.

use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use whatsflow::config::{Config, Secret};
use whatsflow::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};
use whatsflow::startup::{AppState, Application, StoreLayer};

pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const WABA_ID: &str = "102290129340398";
pub const MASTER_KEY: [u8; 32] = [42; 32];
/// The access token the simulated Meta accepts for the tests' numbers.
pub const ACCESS_TOKEN: &str = "EAAG-secret-access-token";

/// The WABA a test number belongs to: the fixtures' WABA for the main test
/// number, one of its own for any other (a WABA belongs to one tenant).
pub fn waba_for(phone_number_id: &str) -> String {
    if phone_number_id == PHONE_NUMBER_ID {
        WABA_ID.to_owned()
    } else {
        format!("9{}", &phone_number_id[phone_number_id.len().saturating_sub(14)..])
    }
}

/// The cluster's admin URL for a database name.
pub struct Cluster {
    base: String,
}

impl Cluster {
    pub fn url(&self, db: &str) -> String {
        format!("{}/{db}", self.base)
    }
}

fn start_cluster() -> Cluster {
    if let Ok(url) = std::env::var("WHATSFLOW_TEST_DATABASE_URL") {
        let base = url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(url);
        return prepare(Cluster { base });
    }
    let dir = std::env::temp_dir().join("whatsflow-test-pg");
    let pg = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(EmbeddedPostgres::start(
            &dir,
            &EmbeddedOptions {
                max_connections: 500,
                settings: vec![
                    ("fsync".into(), "off".into()),
                    ("synchronous_commit".into(), "off".into()),
                    ("full_page_writes".into(), "off".into()),
                ],
            },
        ))
    })
    .join()
    .unwrap()
    .expect("start the test Postgres cluster");
    let base = pg.url("postgres").rsplit_once('/').unwrap().0.to_owned();
    prepare(Cluster { base })
}

/// Drops leftovers of earlier runs and builds the migrated template.
fn prepare(cluster: Cluster) -> Cluster {
    let admin = cluster.url("postgres");
    let template = cluster.url("wf_template");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let pool = PgPoolOptions::new().max_connections(1).connect(&admin).await.unwrap();
            let old: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'wf_%'").fetch_all(&pool).await.unwrap();
            for db in old {
                pool.execute(format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)").as_str()).await.unwrap();
            }
            pool.execute("CREATE DATABASE wf_template").await.unwrap();
            whatsflow::db::migrate(&template).await.unwrap();
            pool.close().await;
        });
    })
    .join()
    .unwrap();
    cluster
}

pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(start_cluster)
}

/// A fresh database cloned from the template; returns its URL.
pub async fn fresh_database() -> String {
    let c = cluster();
    let name = format!("wf_test_{}", uuid::Uuid::new_v4().simple());
    let pool = PgPoolOptions::new().max_connections(1).connect(&c.url("postgres")).await.unwrap();
    pool.execute(format!("CREATE DATABASE \"{name}\" TEMPLATE wf_template").as_str()).await.unwrap();
    pool.close().await;
    c.url(&name)
}

pub fn test_config(database_url: &str) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        database_url: Some(database_url.to_owned()),
        database_app_url: None,
        redis_url: None,
        cluster: whatsflow::cluster::ClusterConfig::default(),
        data_dir: std::env::temp_dir().join("whatsflow-test-data"),
        graph_api_base: "http://127.0.0.1:9/unused".into(),
        app_secret: Secret::new(APP_SECRET),
        verify_token: Secret::new(VERIFY_TOKEN),
        jwt_secret: Secret::new("test-jwt-secret-0123456789-abcdefghijklmnop"),
        master_key: MASTER_KEY,
        previous_master_keys: Vec::new(),
        conversation_idle: Duration::from_secs(300),
        send_recheck: Duration::from_secs(2),
        web_dir: "/nonexistent".into(),
        workers: Some(2),
        ws_outbox: whatsflow::config::DEFAULT_WS_OUTBOX,
        egress_allow: vec!["127.0.0.0/8".parse().unwrap()],
        trusted_proxies: Vec::new(),
        retention: whatsflow::config::DEFAULT_RETENTION,
        auth_limits: whatsflow::auth::limits::AuthLimits::default(),
        // Unlimited, so tests of other features never meet a plan limit;
        // the plan tests move their tenants to the plans they test.
        default_plan: "enterprise".into(),
        billing: whatsflow::billing::BillingConfig::disabled(),
        mail: whatsflow::mail::MailConfig {
            smtp_url: None,
            from: "whatsflow <no-reply@whatsflow.test>".into(),
            public_url: "http://app.test".into(),
        },
        // Alerts, overdue accounts and due deletions are seen at once.
        meter_sweep: Duration::from_secs(1),
        // Retries within a test's patience; tests of giving up and
        // switching off shorten the day further.
        webhook_delivery: whatsflow::webhooks_out::DeliveryPolicy {
            retry_base: Duration::from_millis(200),
            retry_max: Duration::from_secs(2),
            timeout: Duration::from_secs(3),
            ..Default::default()
        },
        routing: whatsflow::routing::RoutingPolicy { every: Duration::from_millis(300), reassign_after: Duration::from_secs(600) },
        partners: whatsflow::partners::PartnerConfig { base_domain: Some("partners.test".into()), dns_server: None },
        ai: None,
    }
}

/// The tests' HTTP client. Pooled connections idle for 2 s are dropped, so a
/// request never goes out on one a server's 5 s keep-alive is just closing
/// (it would fail as an incomplete message on a busy machine).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(2)).build().unwrap()
}

/// The tests' client for seeing a route's own answer: it does not follow
/// redirects (a referral link answers with one). Idle connections go as in
/// [`http_client`].
pub fn http_client_without_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).pool_idle_timeout(Duration::from_secs(2)).build().unwrap()
}

pub struct TestApp {
    pub base: String,
    pub sim: whatsflow::sim::graph::GraphSim,
    pub db_url: String,
    pub http: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub owner: PgPool,
    handle: actix_web::dev::ServerHandle,
    arbiters: whatsflow_actors::pool::ArbiterPool,
}

impl Drop for TestApp {
    /// The test's runtime ends with the test, but the actors' arbiters are
    /// threads of their own: stopped here, they let go of the database
    /// pool, so a long run does not pile up connections.
    fn drop(&mut self) {
        self.arbiters.stop();
    }
}

#[derive(Clone)]
pub struct Tenant {
    pub token: String,
    pub refresh: String,
    pub tenant_id: String,
    pub user_id: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(fresh_database().await, |c| c, None).await
}

pub async fn spawn_with(db_url: String, tweak: impl FnOnce(Config) -> Config, layer: Option<StoreLayer>) -> TestApp {
    spawn_on(db_url, tweak, layer, std::sync::Arc::new(whatsflow_actors::ports::SystemClock)).await
}

/// The server, with conversation actors passivated after `idle`, and a
/// tenant with its number connected (passivation tests).
pub async fn spawn_idling(idle: Duration) -> (TestApp, Tenant) {
    let app = spawn_with(
        fresh_database().await,
        |mut c| {
            c.conversation_idle = idle;
            c
        },
        None,
    )
    .await;
    let t = app.register("Acme").await;
    app.connect_channel(&t, PHONE_NUMBER_ID).await;
    (app, t)
}

/// The server on a clock the test moves.
pub async fn spawn_with_clock(db_url: String, clock: std::sync::Arc<dyn whatsflow_actors::ports::Clock>) -> TestApp {
    spawn_on(db_url, |c| c, None, clock).await
}

/// The server on a clock the test moves, with its configuration tweaked.
pub async fn spawn_with_clock_and(
    db_url: String,
    clock: std::sync::Arc<dyn whatsflow_actors::ports::Clock>,
    tweak: impl FnOnce(Config) -> Config,
) -> TestApp {
    spawn_on(db_url, tweak, None, clock).await
}

async fn spawn_on(
    db_url: String,
    tweak: impl FnOnce(Config) -> Config,
    layer: Option<StoreLayer>,
    clock: std::sync::Arc<dyn whatsflow_actors::ports::Clock>,
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        whatsflow::telemetry::init();
    }
    let sim = whatsflow::sim::graph::start(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        whatsflow::sim::graph::SimConfig {
            webhook_url: String::new(),
            app_secret: APP_SECRET.into(),
            mps: 1000,
            status_delay: Duration::from_millis(50),
            auto_read: true,
            auto_reply: false,
        },
    )
    .unwrap();
    sim.state.register_number(sim_number(PHONE_NUMBER_ID));
    let mut config = test_config(&db_url);
    config.graph_api_base = sim.base_url.clone();
    let app = Application::build_with_clock(tweak(config), layer, clock).await.expect("build app");
    let port = app.port();
    sim.state.set_webhook_url(&format!("http://127.0.0.1:{port}/webhooks/whatsapp"));
    let state = app.state();
    let handle = app.handle();
    let arbiters = app.arbiters();
    actix_rt::spawn(app.run_until_stopped());
    let owner = PgPoolOptions::new().max_connections(2).connect(&db_url).await.unwrap();
    TestApp { base: format!("http://127.0.0.1:{port}"), sim, db_url, http: http_client(), state, owner, handle, arbiters }
}

/// A number the simulated Meta knows.
pub fn sim_number(phone_number_id: &str) -> whatsflow::sim::graph::SimNumber {
    whatsflow::sim::graph::SimNumber {
        phone_number_id: phone_number_id.to_owned(),
        waba_id: waba_for(phone_number_id),
        access_token: ACCESS_TOKEN.to_owned(),
        display_phone_number: "+1 555 078 3881".into(),
        verified_name: "Test Business".into(),
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/webhooks/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn sign(body: &[u8]) -> String {
    whatsflow::http::webhooks::sign(APP_SECRET.as_bytes(), body)
}

/// A text-message webhook from `from` to the test number.
pub fn text_webhook(phone_number_id: &str, from: &str, wamid: &str, body: &str) -> Vec<u8> {
    text_webhook_at(phone_number_id, from, wamid, body, chrono::Utc::now())
}

/// A customer's text as Meta delivers it, written at `at` (Meta's timestamp).
pub fn text_webhook_at(phone_number_id: &str, from: &str, wamid: &str, body: &str, at: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": format!("Customer {from}")}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": at.timestamp().to_string(), "type": "text", "text": {"body": body}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

impl TestApp {
    /// A pool logged in as the server's own role (row-level security applies).
    pub async fn app_pool(&self) -> PgPool {
        let url = whatsflow::db::app_url(&self.db_url, &whatsflow::db::app_role_password(&MASTER_KEY)).unwrap();
        whatsflow::db::connect(&url, 2, None).await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post_webhook(&self, body: Vec<u8>) -> reqwest::Response {
        let sig = sign(&body);
        self.http
            .post(self.url("/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_webhook_ok(&self, body: Vec<u8>) -> Value {
        let res = self.post_webhook(body).await;
        assert_eq!(res.status(), 200, "webhook refused");
        res.json().await.unwrap()
    }

    pub async fn register(&self, tenant_name: &str) -> Tenant {
        let email = format!("{}@{}.test", uuid::Uuid::new_v4().simple(), tenant_name.to_lowercase().replace(' ', ""));
        let res = self
            .http
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({"tenant_name": tenant_name, "name": "Admin", "email": email, "password": "correct-horse-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        Tenant {
            token: v["access_token"].as_str().unwrap().to_owned(),
            refresh: v["refresh_token"].as_str().unwrap().to_owned(),
            tenant_id: v["user"]["tenant_id"].as_str().unwrap().to_owned(),
            user_id: v["user"]["id"].as_str().unwrap().to_owned(),
        }
    }

    /// Makes the simulated Meta know a number (of [`waba_for`] it, with
    /// [`ACCESS_TOKEN`]), as a business connecting it in Meta's tools.
    pub fn sim_knows(&self, phone_number_id: &str) {
        self.sim.state.register_number(sim_number(phone_number_id));
    }

    pub async fn connect_channel(&self, t: &Tenant, phone_number_id: &str) -> Value {
        self.sim_knows(phone_number_id);
        let res = self
            .http
            .post(self.url("/api/v1/channels"))
            .bearer_auth(&t.token)
            .json(&json!({"phone_number_id": phone_number_id, "display_phone_number": "+1 555 078 3881", "waba_id": waba_for(phone_number_id), "access_token": ACCESS_TOKEN}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "connect channel: {}", res.text().await.unwrap_or_default());
        res.json().await.unwrap()
    }

    /// `POST path` with a JSON body as the holder of `token`.
    pub async fn post_json(&self, token: &str, path: &str, body: impl serde::Serialize) -> reqwest::Response {
        self.http.post(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// `PATCH path` with a JSON body as the holder of `token`.
    pub async fn patch_json(&self, token: &str, path: &str, body: impl serde::Serialize) -> reqwest::Response {
        self.http.patch(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    pub async fn get(&self, t: &Tenant, path: &str) -> (u16, Value) {
        let res = self.http.get(self.url(path)).bearer_auth(&t.token).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn conversations(&self, t: &Tenant) -> Vec<Value> {
        let (s, v) = self.get(t, "/api/v1/conversations?limit=200").await;
        assert_eq!(s, 200, "{v}");
        v["data"].as_array().cloned().unwrap_or_default()
    }

    /// Every message of every conversation of the tenant.
    pub async fn all_messages(&self, t: &Tenant) -> Vec<Value> {
        let mut out = Vec::new();
        for c in self.conversations(t).await {
            let (s, v) = self.get(t, &format!("/api/v1/conversations/{}/messages?limit=200", c["id"].as_str().unwrap())).await;
            assert_eq!(s, 200);
            out.extend(v["data"].as_array().cloned().unwrap_or_default());
        }
        out
    }

    pub async fn message_by_wamid(&self, t: &Tenant, wamid: &str) -> Option<Value> {
        self.all_messages(t).await.into_iter().find(|m| m["wamid"] == wamid)
    }

    /// Rows in a table, read as the owner (no row-level security).
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.owner).await.unwrap()
    }

    /// What the Graph API simulator received on its messages endpoint.
    pub async fn sim_sends(&self) -> Vec<Value> {
        let base = self.sim.base_url.trim_end_matches("/v23.0").to_owned();
        let v: Value = self.http.get(format!("{base}/__sim/requests")).send().await.unwrap().json().await.unwrap();
        v["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/messages")))
            .map(|r| r["body"].clone())
            .collect()
    }

    /// Bodies the simulator received on paths ending with `suffix`.
    pub async fn sim_requests_on(&self, suffix: &str) -> Vec<Value> {
        let base = self.sim.base_url.trim_end_matches("/v23.0").to_owned();
        let v: Value = self.http.get(format!("{base}/__sim/requests")).send().await.unwrap().json().await.unwrap();
        v["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .map(|r| r["body"].clone())
            .collect()
    }

    pub async fn sim_control(&self, control: Value) {
        let base = self.sim.base_url.trim_end_matches("/v23.0").to_owned();
        let res = self.http.post(format!("{base}/__sim/control")).json(&control).send().await.unwrap();
        assert_eq!(res.status(), 204);
    }

    /// Sends as an agent over REST.
    pub async fn send(&self, t: &Tenant, conversation: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/api/v1/conversations/{conversation}/messages")))
            .bearer_auth(&t.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A conversation with an open window: the customer just wrote.
    pub async fn open_conversation(&self, t: &Tenant, customer: &str) -> String {
        let wamid = format!("wamid.open-{}", uuid::Uuid::new_v4().simple());
        self.post_webhook_ok(text_webhook(PHONE_NUMBER_ID, customer, &wamid, "hello?")).await;
        let phone = format!("+{customer}");
        eventually("conversation", WAIT, || async {
            self.conversations(t)
                .await
                .into_iter()
                .find(|c| c["contact"]["phone"] == phone.as_str() && c["window_expires_at"].is_string())
                .map(|c| c["id"].as_str().unwrap().to_owned())
        })
        .await
    }

    pub fn stop(&self) -> impl std::future::Future<Output = ()> {
        self.handle.stop(false)
    }
}

/// Polls `check` until it returns Some or `timeout` passes.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub const WAIT: Duration = Duration::from_secs(15);

/// A real WebSocket client on /api/v1/ws.
pub struct Socket {
    pub stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

/// An agent's socket to the server at `base` (a child-process node).
pub async fn socket_at(base: &str, token: &str) -> Socket {
    let url = format!("{}/api/v1/ws?token={token}", base.replace("http://", "ws://"));
    let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("websocket upgrade");
    let mut socket = Socket { stream };
    socket.subscribed().await;
    socket
}

impl TestApp {
    pub async fn socket(&self, token: &str) -> Socket {
        let url = format!("{}/api/v1/ws?token={token}", self.base.replace("http://", "ws://"));
        let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("websocket upgrade");
        let mut socket = Socket { stream };
        socket.subscribed().await;
        socket
    }

    /// Adds a team member and logs them in.
    pub async fn add_user(&self, admin: &Tenant, role: &str) -> Tenant {
        let email = format!("{}@team.test", uuid::Uuid::new_v4().simple());
        let res = self
            .http
            .post(self.url("/api/v1/users"))
            .bearer_auth(&admin.token)
            .json(&json!({"email": email, "password": "team-password-1", "name": format!("{role} user"), "role": role}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
        let v: Value = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "team-password-1"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Tenant {
            token: v["access_token"].as_str().unwrap().to_owned(),
            refresh: v["refresh_token"].as_str().unwrap().to_owned(),
            tenant_id: v["user"]["tenant_id"].as_str().unwrap().to_owned(),
            user_id: v["user"]["id"].as_str().unwrap().to_owned(),
        }
    }
}

/// Waits until no outbound message is pending (each has Meta's answer or
/// failed for good): from then on nothing more can be sent or resent, so a
/// count of what reached the simulator is final.
/// Waits until the server has handled everything it was given: every
/// webhook processed (its events committed by their conversations), every
/// tenant event handled (automation rules, outbound webhooks) and no
/// outbound message still waiting for Meta's answer. Checks that something
/// did *not* happen wait on this instead of a fixed sleep.
pub async fn settled(app: &TestApp) {
    eventually("the server to settle", WAIT, || async {
        let left: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL) + (SELECT count(*) FROM tenant_events)
                  + (SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'pending')",
        )
        .fetch_one(&app.owner)
        .await
        .unwrap();
        (left == 0).then_some(())
    })
    .await;
}

/// Waits until the automation timers (timed rules, SLA checks) have run a
/// whole pass that began after this call (e.g. after the clock moved), then
/// for the server to settle.
pub async fn timers_passed(app: &TestApp) {
    passes_of(app, "whatsflow_automation_timer_passes_total").await;
}

/// Waits until the meter's sweep (overdue and lapsed accounts, limit
/// alerts) has run a whole pass that began after this call.
pub async fn meter_passed(app: &TestApp) {
    passes_of(app, "whatsflow_meter_passes_total").await;
}

/// Waits until the timer of drip steps and scheduled messages has run a
/// whole pass that began after this call (e.g. after the clock moved).
pub async fn due_passed(app: &TestApp) {
    passes_of(app, "whatsflow_due_timer_passes_total").await;
}

/// A counter of `/metrics` (`whatsflow_<name>_total`).
pub async fn counter(app: &TestApp, name: &str) -> u64 {
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let prefix = format!("whatsflow_{name}_total ");
    metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).and_then(|v| v.trim().parse::<u64>().ok()).expect("a counter")
}

/// Waits until the counter `name` has grown by `n` since it read `before`,
/// then for the server to settle: the barrier a negative check waits on.
pub async fn counted(app: &TestApp, name: &str, before: u64, n: u64) {
    eventually(&format!("{name} to count {n} more"), WAIT, || async { (counter(app, name).await >= before + n).then_some(()) }).await;
    settled(app).await;
}

/// Waits until the outboxes have twice looked at the sends they hold for
/// their grace after this call (so one look began after it).
/// (Held sends stay `pending`, so this does not wait for the server to settle.)
pub async fn held_sends_checked(app: &TestApp) {
    let start = counter(app, "held_send_checks").await;
    grew(app, "held_send_checks", start, 2).await;
}

/// Waits until the counter `name` has grown by `n` since it read `before`
/// (without waiting for the server to settle).
pub async fn grew(app: &TestApp, name: &str, before: u64, n: u64) {
    eventually(&format!("{name} to count {n} more"), WAIT, || async { (counter(app, name).await >= before + n).then_some(()) }).await;
}

/// Waits until the team router has swept twice after this call.
pub async fn routing_passed(app: &TestApp) {
    passes_of(app, "whatsflow_routing_passes_total").await;
}

/// Two more passes of the sweep counted by `metric` (so one began after
/// this call), then the server settled.
async fn passes_of(app: &TestApp, metric: &str) {
    let passes = || async {
        let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let prefix = format!("{metric} ");
        metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).and_then(|v| v.trim().parse::<u64>().ok()).expect("a pass counter")
    };
    let start = passes().await;
    eventually("two sweep passes", WAIT, || async { (passes().await >= start + 2).then_some(()) }).await;
    settled(app).await;
}

pub async fn outbox_settled(owner: &PgPool) {
    eventually("the outbox settled", WAIT, || async {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'pending'")
            .fetch_one(owner)
            .await
            .unwrap();
        (pending == 0).then_some(())
    })
    .await;
}

impl Socket {
    /// Waits until the session has started, so it is subscribed to its
    /// tenant's frames: the server answers a ping only after that.
    async fn subscribed(&mut self) {
        use futures::{SinkExt, StreamExt};
        self.stream.send(tokio_tungstenite::tungstenite::Message::Ping(b"ready".to_vec())).await.unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.checked_duration_since(Instant::now()).expect("no pong from a new socket");
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Pong(p)))) if p == b"ready" => return,
                Ok(Some(Ok(_))) => continue,
                other => panic!("socket ended before its pong: {other:?}"),
            }
        }
    }

    /// Joins a conversation and waits until the server has authorized it
    /// (`conversation:joined`), so typing and live frames reach it.
    pub async fn join(&mut self, conversation: &str) {
        self.send(json!({"event": "conversation:join", "data": {"conversation_id": conversation}})).await;
        self.expect("conversation:joined", |d| d["conversation_id"] == conversation).await;
    }

    pub async fn send(&mut self, frame: Value) {
        use futures::SinkExt;
        self.stream.send(tokio_tungstenite::tungstenite::Message::Text(frame.to_string())).await.unwrap();
    }

    /// The next text frame, or None after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        use futures::StreamExt;
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Waits for the first frame of `event` matching `pred`, skipping others.
    pub async fn expect(&mut self, event: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.checked_duration_since(Instant::now()).unwrap_or_default();
            match self.next(left).await {
                Some(f) if f["event"] == event && pred(&f["data"]) => return f["data"].clone(),
                Some(_) => continue,
                None => panic!("no `{event}` frame arrived"),
            }
        }
    }

    /// Every frame that arrives within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(f) = self.next(wait).await {
            out.push(f);
        }
        out
    }
}

// Servers as child processes (killed with SIGKILL, paused with SIGSTOP).

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn spawn_server(db: Option<&str>, port: u16, data_dir: &std::path::Path) -> std::process::Child {
    spawn_server_with(db, port, data_dir, &[])
}

pub fn spawn_server_with(db: Option<&str>, port: u16, data_dir: &std::path::Path, env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_whatsflow"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("serve")
        .env("WHATSFLOW_BIND", format!("127.0.0.1:{port}"))
        .env("WHATSAPP_APP_SECRET", APP_SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("JWT_SECRET", "test-jwt-secret-0123456789-abcdefghijklmnop")
        .env("WHATSFLOW_MASTER_KEY", hex::encode(MASTER_KEY))
        .env("WHATSFLOW_DATA_DIR", data_dir)
        .env("WHATSFLOW_WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        // WF_NODE_LOGS=<dir> keeps each server's log there (debugging).
        .stderr(match std::env::var("WF_NODE_LOGS") {
            Ok(dir) => std::fs::File::create(format!("{dir}/node-{port}.log")).map_or(std::process::Stdio::null(), Into::into),
            Err(_) => std::process::Stdio::null(),
        });
    match db {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd.spawn().unwrap()
}

pub async fn wait_ready(base: &str) {
    let http = http_client();
    eventually("server ready", Duration::from_secs(90), || async {
        http.get(format!("{base}/ready")).send().await.ok().filter(|r| r.status() == 200).map(|_| ())
    })
    .await;
}

pub fn kill9(child: &mut std::process::Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
}
