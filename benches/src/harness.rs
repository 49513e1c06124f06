//! The bench's world: its own Postgres cluster (fsync on), the release
//! server as a child process, the Graph API simulator on its own thread,
//! tenants provisioned through the public API, agent sockets that count what
//! they receive, and the statistics of it all.

use anyhow::{bail, Context as _};
use dashmap::DashMap;
use futures::StreamExt;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use whatsflow::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};

/// The platform app secret the bench signs with.
pub const APP_SECRET: &str = "bench-app-secret";

/// A running server and what it stands on.
pub struct Harness {
    /// The cluster.
    pub pg: EmbeddedPostgres,
    /// The server's database (owner URL).
    pub db_url: String,
    /// The server process (replaced by [`Harness::kill_and_restart`]).
    server: Mutex<Child>,
    /// How to start it again.
    command: ServerCommand,
    log: std::path::PathBuf,
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The simulator's base URL (with version).
    pub sim_base: String,
    /// The simulator (numbers are registered with it before they connect).
    sim: Arc<whatsflow::sim::graph::SimState>,
    /// A pooled client.
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// What starting the server takes, kept to start it again after a kill.
#[derive(Clone)]
struct ServerCommand {
    bin: std::path::PathBuf,
    db_url: String,
    port: u16,
    sim_base: String,
    env: Vec<(String, String)>,
}

impl ServerCommand {
    fn spawn(&self, log: &std::path::Path) -> anyhow::Result<Child> {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("serve")
            .env("DATABASE_URL", &self.db_url)
            .env("WHATSFLOW_BIND", format!("127.0.0.1:{}", self.port))
            .env("WHATSAPP_APP_SECRET", APP_SECRET)
            .env("WHATSAPP_VERIFY_TOKEN", "bench")
            .env("JWT_SECRET", "bench-jwt-secret-0123456789-abcdefghijklmnop")
            // The load generator provisions and signs in thousands of users
            // from one address.
            .env("WHATSFLOW_REGISTER_PER_MINUTE", "1000000")
            .env("WHATSFLOW_LOGIN_PER_MINUTE", "1000000")
            .env("WHATSFLOW_REFRESH_PER_MINUTE", "1000000")
            .env("WHATSFLOW_MASTER_KEY", "11".repeat(32))
            .env("WHATSFLOW_DEFAULT_PLAN", "enterprise")
            .env("GRAPH_API_BASE", &self.sim_base)
            .env("WHATSFLOW_BENCH", "1")
            .env("WHATSFLOW_WEB_DIR", "/nonexistent")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log)?);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.spawn().context("starting the server")
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Raises the open-files limit to the hard limit (sockets scenario).
pub fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain libc calls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    lim.rlim_cur
}

/// Builds the release server binary (the bench runs it as a child). It
/// builds into its own target directory: the server alone resolves its
/// dependencies' features differently from the bench, and sharing one
/// directory would rebuild half the tree on every alternation.
/// `WF_BENCH_SERVER_BIN=<path>` runs that binary instead of building (to
/// compare two builds in one sitting without rebuilding between runs).
pub fn build_server() -> anyhow::Result<std::path::PathBuf> {
    if let Some(bin) = std::env::var_os("WF_BENCH_SERVER_BIN") {
        let bin = std::path::PathBuf::from(bin);
        if !bin.is_file() {
            bail!("WF_BENCH_SERVER_BIN={} is not a file", bin.display());
        }
        return Ok(bin);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/bench-server");
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "-p", "whatsflow", "--bin", "whatsflow", "--target-dir"])
        .arg(&target)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the release server failed");
    }
    let bin = target.join("release/whatsflow");
    if !bin.is_file() {
        bail!("{} not found after building", bin.display());
    }
    Ok(bin)
}

impl Harness {
    /// Starts Postgres, the simulator and the server (`env` adds settings).
    pub async fn start(bin: &std::path::Path, env: &[(&str, String)]) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("wf-bench-").tempdir_in("/tmp")?;
        // pg_stat_statements lets a run say which statements took Postgres's
        // time; with WF_BENCH_NESTED=1, also those inside functions and
        // triggers (off by default: tracking them costs a little per row).
        let mut settings = vec![("shared_preload_libraries".to_owned(), "pg_stat_statements".to_owned())];
        if std::env::var_os("WF_BENCH_NESTED").is_some_and(|v| v == "1") {
            settings.push(("pg_stat_statements.track".to_owned(), "all".to_owned()));
        }
        // WF_BENCH_PG="name=value;name=value" adds Postgres settings (say
        // auto_explain, to see the plan of a statement that turned slow);
        // a setting named twice takes its last value.
        if let Ok(extra) = std::env::var("WF_BENCH_PG") {
            for pair in extra.split(';').filter(|p| !p.trim().is_empty()) {
                let (name, value) = pair.split_once('=').context("WF_BENCH_PG takes name=value pairs separated by ';'")?;
                settings.retain(|(n, _)| n != name.trim());
                settings.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let pg = EmbeddedPostgres::start(dir.path(), &EmbeddedOptions { max_connections: 300, settings }).await?;
        let db = format!("bench_{}", uuid::Uuid::new_v4().simple());
        whatsflow::db::ensure_database(&pg.url("postgres"), &db).await?;
        let db_url = pg.url(&db);
        {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&db_url).await?;
            sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&pool).await?;
            pool.close().await;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
                    Ok(l) => l,
                    Err(_) => return,
                };
                let cfg = whatsflow::sim::graph::SimConfig {
                    webhook_url: String::new(),
                    app_secret: APP_SECRET.into(),
                    mps: 100_000,
                    status_delay: Duration::from_millis(200),
                    auto_read: true,
                    auto_reply: false,
                };
                if let Ok(sim) = whatsflow::sim::graph::start(listener, cfg) {
                    let _ = tx.send((sim.state.clone(), sim.base_url.clone()));
                    futures::future::pending::<()>().await;
                }
            });
        });
        let (sim, sim_base): (Arc<whatsflow::sim::graph::SimState>, String) =
            rx.recv_timeout(Duration::from_secs(10)).context("simulator did not start")?;
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        sim.set_webhook_url(&format!("{base}/webhooks/whatsapp"));
        let log = dir.path().join("server.log");
        let command = ServerCommand {
            bin: bin.to_owned(),
            db_url: db_url.clone(),
            port,
            sim_base: sim_base.clone(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        };
        let server = Mutex::new(command.spawn(&log)?);
        let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
        let h = Self { pg, db_url, server, command, log, base, sim_base, sim, http, _dir: dir };
        h.wait_ready().await?;
        Ok(h)
    }

    /// Starts another node of the same server on the same database and
    /// simulator, with `env` added (cluster mode), and waits until it is ready.
    pub async fn spawn_node(&self, env: &[(&str, String)]) -> anyhow::Result<ExtraNode> {
        let mut command = self.command.clone();
        command.port = free_port()?;
        command.env.extend(env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let base = format!("http://127.0.0.1:{}", command.port);
        let child = command.spawn(&self.log)?;
        let node = ExtraNode { base, child };
        let start = Instant::now();
        while !self.http.get(format!("{}/ready", node.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            if start.elapsed() > Duration::from_secs(60) {
                bail!("a cluster node did not become ready: {}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(node)
    }

    /// Waits until the server answers `/ready`.
    async fn wait_ready(&self) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            if self.http.get(format!("{}/ready", self.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("the server did not become ready: {}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9` the server, start it again on the same database and port,
    /// and wait until it is ready.
    pub async fn kill_and_restart(&self) -> anyhow::Result<()> {
        {
            let mut server = self.server.lock().map_err(|_| anyhow::anyhow!("server lock poisoned"))?;
            server.kill()?;
            server.wait()?;
            *server = self.command.spawn(&self.log)?;
        }
        self.wait_ready().await
    }

    /// Every template send the simulator accepted: (recipient, unix ms).
    pub fn sim_template_sends(&self) -> Vec<(String, i64)> {
        self.sim.template_sends()
    }

    /// How many template sends the simulator accepted.
    pub fn sim_template_send_count(&self) -> usize {
        self.sim.template_send_count()
    }

    /// The server's process id.
    fn server_pid(&self) -> u32 {
        self.server.lock().map(|s| s.id()).unwrap_or(0)
    }

    /// The last lines of the server's log, after the first lines of every
    /// panic in it: a panic while unwinding from another leaves only the
    /// second one's backtrace at the end.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let mut out: Vec<&str> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("panicked at") {
                out.extend(lines[i..(i + 3).min(lines.len())].iter().copied());
            }
        }
        if !out.is_empty() {
            out.push("…");
        }
        out.extend(lines[lines.len().saturating_sub(30)..].iter().copied());
        out.join("\n")
    }

    /// Fails if the server died.
    pub fn check_alive(&self) -> anyhow::Result<()> {
        let exited = self.server.lock().ok().and_then(|mut s| s.try_wait().ok().flatten());
        if let Some(status) = exited {
            bail!("the server exited ({status}) mid-run; log tail:\n{}", self.log_tail());
        }
        Ok(())
    }

    /// Starts measuring where the time of a load phase goes.
    pub async fn monitor(&self) -> anyhow::Result<crate::monitor::Monitor> {
        crate::monitor::Monitor::start(self.server_pid(), self.pg.port(), &self.db_url).await
    }

    /// The server's resident memory, in KiB.
    pub fn server_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.server_pid())).unwrap_or_default();
        status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// A gauge or counter from /metrics.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = match self.http.get(format!("{}/metrics", self.base)).send().await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => return 0.0,
        };
        text.lines().find_map(|l| l.strip_prefix(&format!("{name} ")).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
    }

    /// Stops the server (SIGTERM) and the cluster.
    pub async fn stop(self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.server_pid() as i32, libc::SIGTERM) };
        if let Ok(mut s) = self.server.lock() {
            let _ = s.wait();
        }
        let _ = self.pg.stop().await;
    }

    /// Registers a tenant and connects a number; returns its access token and ids.
    pub async fn tenant(&self, name: &str, phone_number_id: &str, mps: u32) -> anyhow::Result<Tenant> {
        let email = format!("{}@bench.test", uuid::Uuid::new_v4().simple());
        let reg: Value = self
            .http
            .post(format!("{}/api/v1/auth/register", self.base))
            .json(&json!({"tenant_name": name, "name": "Bench", "email": email, "password": "bench-password"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = reg["access_token"].as_str().context("no token")?.to_owned();
        // Meta (the simulator) must know the number before it connects.
        let waba_id = format!("9{phone_number_id}");
        self.sim.register_number(whatsflow::sim::graph::SimNumber {
            phone_number_id: phone_number_id.to_owned(),
            waba_id: waba_id.clone(),
            access_token: "bench".into(),
            display_phone_number: "+1 555 000 0000".into(),
            verified_name: name.to_owned(),
        });
        self
            .http
            .post(format!("{}/api/v1/channels", self.base))
            .bearer_auth(&token)
            .json(&json!({"phone_number_id": phone_number_id, "display_phone_number": "+1", "waba_id": waba_id, "access_token": "bench", "messages_per_second": mps}))
            .send()
            .await?
            .error_for_status()?;
        Ok(Tenant {
            token,
            tenant_id: reg["user"]["tenant_id"].as_str().unwrap_or_default().to_owned(),
            phone_number_id: phone_number_id.to_owned(),
        })
    }

    /// Posts a signed webhook; the ack latency on success.
    pub async fn post_webhook(&self, body: Vec<u8>) -> anyhow::Result<Duration> {
        self.post_webhook_to(&self.base, body).await
    }

    /// Posts a signed webhook to the node at `base`; the ack latency.
    pub async fn post_webhook_to(&self, base: &str, body: Vec<u8>) -> anyhow::Result<Duration> {
        let sig = whatsflow::http::webhooks::sign(APP_SECRET.as_bytes(), &body);
        let t = Instant::now();
        let res = self.http.post(format!("{base}/webhooks/whatsapp")).header("X-Hub-Signature-256", sig).body(body).send().await?;
        if !res.status().is_success() {
            bail!("webhook answered {}", res.status());
        }
        Ok(t.elapsed())
    }
}

/// Another node of the server (the cluster scenario), killed when dropped.
pub struct ExtraNode {
    /// Its address.
    pub base: String,
    child: Child,
}

impl ExtraNode {
    /// `kill -9`.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ExtraNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A provisioned tenant.
#[derive(Clone)]
pub struct Tenant {
    /// Admin access token.
    pub token: String,
    /// Its id.
    pub tenant_id: String,
    /// Meta's id of its number.
    pub phone_number_id: String,
}

/// One customer message of the realistic mix.
pub fn message(from: &str, wamid: &str, i: usize) -> Value {
    let ts = chrono::Utc::now().timestamp().to_string();
    match i % 10 {
        0 => {
            json!({"from": from, "id": wamid, "timestamp": ts, "type": "image", "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1234567890", "caption": "photo"}})
        }
        1 => {
            json!({"from": from, "id": wamid, "timestamp": ts, "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "track", "title": "Track order"}}})
        }
        2 => {
            json!({"from": from, "id": wamid, "timestamp": ts, "type": "location", "location": {"latitude": 19.07, "longitude": 72.87, "name": "Home"}})
        }
        _ => {
            json!({"from": from, "id": wamid, "timestamp": ts, "type": "text", "text": {"body": format!("Hello, where is my order {i}? I ordered it last week and it has not arrived.")}})
        }
    }
}

/// A webhook body carrying `messages` (plus statuses for messages the
/// business never sent: kept as held events, as Meta's strays are).
pub fn webhook(phone_number_id: &str, messages: Vec<Value>, statuses: Vec<Value>) -> Vec<u8> {
    let mut value = json!({"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id}, "messages": messages});
    if !statuses.is_empty() {
        value["statuses"] = json!(statuses);
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]})
        .to_string()
        .into_bytes()
}

/// What an agent socket saw.
#[derive(Default)]
pub struct Collector {
    /// Text frames received.
    pub frames: AtomicU64,
    /// `message:new` frames per wamid.
    pub seen: DashMap<String, u32>,
    /// When each wamid was sent (for end-to-end latency).
    pub sent_at: DashMap<String, Instant>,
    /// End-to-end latencies, ms.
    pub e2e_ms: Mutex<Vec<f64>>,
    /// Why the server closed the socket, once it has.
    pub closed: Mutex<Option<String>>,
}

impl Collector {
    /// Why the server closed this socket, if it did.
    pub fn closed_because(&self) -> Option<String> {
        self.closed.lock().ok().and_then(|c| c.clone())
    }
}

/// Connects an agent socket that counts what it receives.
pub async fn collector(h: &Harness, token: &str, bind: Option<std::net::IpAddr>) -> anyhow::Result<Arc<Collector>> {
    let c = Arc::new(Collector::default());
    socket_with(h, token, bind, c.clone()).await?;
    Ok(c)
}

/// Connects a socket feeding `c`.
pub async fn socket_with(h: &Harness, token: &str, bind: Option<std::net::IpAddr>, c: Arc<Collector>) -> anyhow::Result<()> {
    socket_at(&h.base, token, bind, c).await
}

/// Connects a socket to the node at `base`, feeding `c`.
pub async fn socket_at(base: &str, token: &str, bind: Option<std::net::IpAddr>, c: Arc<Collector>) -> anyhow::Result<()> {
    let url = format!("{}/api/v1/ws?token={token}", base.replace("http://", "ws://"));
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse()?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    if let Some(ip) = bind {
        socket.bind(std::net::SocketAddr::new(ip, 0))?;
    }
    let tcp = socket.connect(addr).await?;
    let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await?;
    tokio::spawn(async move {
        let mut why = "the connection ended".to_owned();
        while let Some(msg) = ws.next().await {
            let msg = match msg {
                Ok(m) => m,
                Err(e) => {
                    why = e.to_string();
                    break;
                }
            };
            if let tokio_tungstenite::tungstenite::Message::Close(frame) = &msg {
                why = frame.as_ref().map_or_else(|| "closed without a reason".to_owned(), |f| format!("{}: {}", f.code, f.reason));
            }
            if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
                c.frames.fetch_add(1, Ordering::Relaxed);
                if t.starts_with(r#"{"data":{"conversation_id""#) || t.contains(r#""event":"message:new""#) {
                    if let Some(w) = extract(&t, r#""wamid":""#) {
                        *c.seen.entry(w.to_owned()).or_insert(0) += 1;
                        if let Some(at) = c.sent_at.get(w) {
                            if let Ok(mut v) = c.e2e_ms.lock() {
                                v.push(at.elapsed().as_secs_f64() * 1000.0);
                            }
                        }
                    }
                }
            }
        }
        if let Ok(mut closed) = c.closed.lock() {
            *closed = Some(why);
        }
    });
    Ok(())
}

fn extract<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let end = text[start..].find('"')?;
    Some(&text[start..start + end])
}

/// Percentile (0–100) of samples.
pub fn pct(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let idx = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[idx.min(samples.len() - 1)]
}

/// Two decimals.
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A progress bar for a phase.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template("  {msg:<28} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb.set_message(what.to_owned());
    pb
}
