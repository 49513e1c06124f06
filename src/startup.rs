//! Wiring: builds the database, the actors and the HTTP server from a
//! [`Config`], and runs them until stopped. Tests build the same
//! [`Application`] on port 0 against their own database.

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::db;
use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};
use crate::graph::GraphClient;
use crate::hub::TenantHub;
use crate::store::inbox::Inbox;
use crate::store::writer::start_batch_writer;
use crate::store::PgStore;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use anyhow::Context as _;
use sqlx::PgPool;
use std::net::TcpListener;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};
use whatsflow_actors::engine::{EngineDeps, EngineSettings};
use whatsflow_actors::metrics::EngineMetrics;
use whatsflow_actors::pool::ArbiterPool;
use whatsflow_actors::ports::{ChannelDirectory, Clock, Store, SystemClock};
use whatsflow_actors::router::WebhookRouter;

/// Database connections in the application pool.
const POOL_SIZE: u32 = 32;
/// Writer tasks committing conversation batches concurrently.
const WRITER_TASKS: usize = 4;

/// Webhook edge counters.
#[derive(Debug, Default)]
pub struct WebhookStats {
    /// POSTs stored and acknowledged.
    pub accepted: AtomicU64,
    /// POSTs refused for their signature.
    pub signature_failures: AtomicU64,
}

/// What every request handler can reach.
pub struct AppState {
    /// Application pool (role `whatsflow_app`).
    pub pool: PgPool,
    /// The repositories over it.
    pub db: crate::store::repo::Db,
    /// Configuration.
    pub config: Arc<Config>,
    /// Token signing.
    pub jwt: JwtKeys,
    /// Encryption of stored credentials.
    pub secrets: SecretBox,
    /// The Graph API client (its token cache is cleared on rotation).
    pub graph: Arc<GraphClient>,
    /// Flows (its cache is cleared when a flow changes).
    pub flows: crate::store::flows::PgFlowStore,
    /// Entry of webhook events into the actors.
    pub router: Arc<WebhookRouter>,
    /// The durable webhook inbox.
    pub inbox: Inbox,
    /// Fan-out to agent sessions.
    pub hub: Arc<TenantHub>,
    /// Engine counters.
    pub metrics: Arc<EngineMetrics>,
    /// The tenants' STOP / START keywords (forgotten when changed).
    pub keywords: Arc<crate::store::keywords::ConsentKeywords>,
    /// Razorpay (billing).
    pub razorpay: crate::billing::razorpay::Razorpay,
    /// Mail (password resets, email verification).
    pub mailer: crate::mail::Mailer,
    /// The campaigns this node drives.
    pub campaigns: Arc<crate::campaigns::runner::CampaignRunner>,
    /// Revocable sessions (token versions).
    pub sessions: crate::auth::sessions::Sessions,
    /// Sign-in rate limits and the password hashing pool.
    pub auth_guard: crate::auth::limits::AuthGuard,
    /// The client for tenant-supplied URLs.
    pub egress: crate::egress::EgressClient,
    /// Which tenants want message events (forgotten when their endpoints change).
    pub webhook_interest: Arc<crate::webhooks_out::interest::WebhookInterest>,
    /// Hands team conversations to online members.
    pub teams: Arc<crate::routing::TeamRouter>,
    /// The time SLA targets and timed rules are measured by.
    pub clock: Arc<dyn Clock>,
    /// The optional language-model provider.
    pub ai: crate::ai::AiClient,
    /// Webhook edge counters.
    pub webhook_stats: WebhookStats,
    /// Passes of the automation timers (timed rules and SLA breaches) so
    /// far: an operator sees they run, a test waits for the next one.
    pub timer_passes: AtomicU64,
    /// The timer of drip steps and scheduled messages.
    pub timers: Arc<crate::drips::timer::DueTimers>,
    /// Passes of the meter's sweep (limit alerts, overdue and lapsed
    /// accounts, due deletions) so far.
    pub meter_passes: AtomicU64,
    /// Process start.
    pub started_at: Instant,
    /// This node's part of the cluster (`REDIS_URL` set).
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

impl AppState {
    /// Whether this node runs the piece of work `id` (a campaign, a drip
    /// sequence, a scheduled message, a team's routing): always on one
    /// node; with several, only on the owner of the work's partition, so
    /// each runs in one place at a time.
    pub fn runs_here(&self, id: uuid::Uuid) -> bool {
        self.cluster.as_ref().is_none_or(|c| c.leases.runs(id))
    }
}

/// Wraps the store (tests inject faults with it).
pub type StoreLayer = Box<dyn FnOnce(Arc<dyn Store>) -> Arc<dyn Store> + Send>;

/// A built, not yet running, server.
pub struct Application {
    server: Server,
    port: u16,
    arbiters: ArbiterPool,
    embedded: Option<EmbeddedPostgres>,
    state: web::Data<AppState>,
}

impl Application {
    /// Builds everything from `config`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, None).await
    }

    /// Builds everything, with the store wrapped by `layer`.
    pub async fn build_with(config: Config, layer: Option<StoreLayer>) -> anyhow::Result<Self> {
        Self::build_with_clock(config, layer, Arc::new(SystemClock)).await
    }

    /// Builds everything on `clock` (tests move time by hand: SLA targets,
    /// timed rules, the window), with the store wrapped by `layer`.
    pub async fn build_with_clock(config: Config, layer: Option<StoreLayer>, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // The address first: a busy port is reported before anything (an
        // embedded database) is started that would then be left running.
        let listener = TcpListener::bind(&config.bind).with_context(|| {
            format!("cannot listen on {}: is another server using it? Set WHATSFLOW_BIND to a free address", config.bind)
        })?;
        // With only WHATSFLOW_DATABASE_APP_URL, the server never holds the
        // owner's credentials: migrations and key rotation are run apart
        // (`whatsflow migrate`, `whatsflow rotate-key`).
        let (app_url, embedded) = match (&config.database_url, &config.database_app_url) {
            (None, Some(app_url)) => (app_url.clone(), None),
            _ => {
                let (url, embedded) = owner_database(&config).await?;
                let app_url = match &config.database_app_url {
                    Some(u) => u.clone(),
                    None => db::provision_app_role(&url, &db::app_role_password(&config.master_key)).await?,
                };
                (app_url, embedded)
            }
        };
        let idle_in_transaction = config.redis_url.as_ref().map(|_| config.cluster.lease / 2);
        let pool = db::connect(&app_url, POOL_SIZE, idle_in_transaction).await.context("connecting to Postgres as whatsflow_app")?;

        let metrics = Arc::new(EngineMetrics::default());
        let hub = Arc::new(TenantHub::default());
        // Several nodes: this node's leases first, so it knows what it owns
        // before it processes anything.
        let leases = match &config.redis_url {
            Some(_) => {
                let leases = Arc::new(crate::cluster::lease::Leases::new(
                    pool.clone(),
                    config.cluster.node_id(),
                    config.cluster.partitions,
                    config.cluster.lease,
                ));
                leases.prepare().await.context("creating the partition leases")?;
                leases.tick().await.context("acquiring partition leases")?;
                tracing::info!(node_id = %leases.node_id(), owned = leases.owned().len(), "cluster mode: joined");
                Some(leases)
            }
            None => None,
        };
        let inbox = Inbox::start(pool.clone(), leases.clone(), config.cluster.lease);
        let cluster = match (&config.redis_url, &leases) {
            (Some(url), Some(leases)) => {
                let client = redis::Client::open(url.as_str()).context("REDIS_URL is not a Redis URL (e.g. redis://127.0.0.1:6379/0)")?;
                let owner = leases.clone();
                let bus = crate::cluster::bus::FrameBus::start(
                    client.clone(),
                    leases.node_id().to_owned(),
                    hub.clone(),
                    Arc::new(move |p| owner.owns(p)),
                    inbox.waker(),
                );
                hub.attach_bus(bus.clone());
                inbox.attach_bus(bus.clone());
                Some(Arc::new(crate::cluster::Cluster { leases: leases.clone(), bus, client, rounds: std::sync::Mutex::new(None) }))
            }
            _ => None,
        };
        let keywords = Arc::new(crate::store::keywords::ConsentKeywords::default());
        let webhook_interest = Arc::new(crate::webhooks_out::interest::WebhookInterest::default());
        let pg_store =
            PgStore::new(pool.clone(), start_batch_writer(pool.clone(), WRITER_TASKS, keywords.clone(), webhook_interest.clone()));
        let directory: Arc<dyn ChannelDirectory> = Arc::new(pg_store.clone());
        let ledger = pg_store.clone();
        let mut store: Arc<dyn Store> = Arc::new(pg_store);
        if let Some(layer) = layer {
            store = layer(store);
        }
        let timers = Arc::new(crate::drips::timer::DueTimers::default());
        let flows = crate::store::flows::PgFlowStore::new(pool.clone(), hub.clone(), timers.clone(), clock.clone());
        let secrets = SecretBox::with_previous(&config.master_key, &config.previous_master_keys);
        let graph = Arc::new(GraphClient::new(&config.graph_api_base, pool.clone(), secrets.clone()));
        let egress = crate::egress::EgressClient::new(crate::egress::EgressPolicy::new(config.egress_allow.clone()))
            .context("building the egress HTTP client")?;
        let deps = Arc::new(EngineDeps {
            store,
            directory,
            sink: hub.clone(),
            transport: graph.clone(),
            ledger: Arc::new(ledger),
            flows: Arc::new(flows.clone()),
            flow_http: Arc::new(egress.clone()),
            clock: clock.clone(),
            metrics: metrics.clone(),
            ownership: match &cluster {
                Some(c) => c.leases.clone(),
                None => Arc::new(whatsflow_actors::ownership::SingleNode),
            },
            shared_rate: cluster.as_ref().map(|c| {
                Arc::new(crate::cluster::rate::RedisRate::new(c.client.clone(), c.leases.clone()))
                    as Arc<dyn whatsflow_actors::outbound::SharedRate>
            }),
            handoffs: match &cluster {
                Some(c) => Arc::new(crate::cluster::handoff::ClusterHandoffs::new(pool.clone(), c.bus.clone())),
                None => Arc::new(whatsflow_actors::ownership::SingleNode),
            },
            settings: EngineSettings {
                conversation_idle: config.conversation_idle,
                ambiguous_grace: config.send_recheck,
                ..EngineSettings::default()
            },
        });
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arbiters = ArbiterPool::start(cores);
        let router = Arc::new(WebhookRouter::new(deps, arbiters.clone()));
        // Finish what a previous run acknowledged but did not process (one
        // node; with several, rows come due for whichever node is alive).
        let replayed = inbox.sweep(&router, cluster.is_none()).await.context("replaying the webhook inbox")?;
        if replayed > 0 {
            tracing::info!(rows = replayed, "replayed unprocessed webhook inbox rows");
        }
        inbox.spawn_sweeper(router.clone());
        crate::store::retention::spawn(pool.clone(), config.retention);
        // One node: every conversation; several: this node's.
        let mine = |ch: whatsflow_actors::ids::ChannelId, co: whatsflow_actors::ids::ContactId| {
            leases.as_ref().is_none_or(|l| l.owns(l.partition_of(ch, co)))
        };
        let only: crate::outbox::ConversationFilter<'_> = &mine;
        let woken = crate::outbox::wake_flow_runs(&pool, &router, only).await.context("waking flow runs")?;
        if woken > 0 {
            tracing::info!(runs = woken, "woke flow runs waiting on timers or caught mid-step");
        }
        let resumed =
            crate::outbox::resume_pending_sends(&pool, &router, config.send_recheck, only).await.context("re-queueing pending sends")?;
        if resumed > 0 {
            tracing::info!(messages = resumed, "re-queued sends that had no answer from Meta before the restart");
        }
        if let Some(c) = &cluster {
            let rounds = spawn_lease_ticks(c.clone(), pool.clone(), router.clone(), config.send_recheck);
            *c.rounds.lock().unwrap_or_else(|e| e.into_inner()) = Some(rounds);
        }

        let sessions = crate::auth::sessions::Sessions::new(hub.clone());
        let db = crate::store::repo::Db::new(pool.clone());
        if db.plans().get(&config.default_plan).await.context("reading the plans")?.is_none() {
            anyhow::bail!(
                "WHATSFLOW_DEFAULT_PLAN is `{}`, which is not a plan; use starter, professional, business or enterprise",
                config.default_plan
            );
        }
        let campaigns = crate::campaigns::runner::CampaignRunner::new(db.clone(), router.clone(), hub.clone());
        if let Some(c) = &cluster {
            campaigns.only_where(c.runs_here());
        }
        campaigns.spawn_scheduler();
        let razorpay = crate::billing::razorpay::Razorpay::new(&config.billing.api_base, config.billing.key.clone());
        let mailer = crate::mail::Mailer::new(&config.mail)?;
        let webhook_worker = crate::webhooks_out::worker::DeliveryWorker::new(
            db.clone(),
            pool.clone(),
            secrets.clone(),
            egress.clone(),
            hub.clone(),
            config.webhook_delivery,
        );
        webhook_worker.spawn();
        let teams = crate::routing::TeamRouter::new(db.clone(), hub.clone(), router.clone(), config.routing);
        if let Some(c) = &cluster {
            teams.only_where(c.runs_here());
        }
        teams.spawn(pool.clone());
        let state = web::Data::new(AppState {
            mailer,
            razorpay,
            db,
            keywords,
            campaigns,
            pool,
            jwt: JwtKeys::new(config.jwt_secret.expose()),
            secrets,
            graph,
            flows,
            router,
            inbox,
            hub,
            metrics,
            sessions,
            auth_guard: crate::auth::limits::AuthGuard::new(config.auth_limits),
            egress,
            webhook_interest,
            teams,
            clock,
            ai: crate::ai::AiClient::new(config.ai.clone()),
            webhook_stats: WebhookStats::default(),
            timer_passes: AtomicU64::new(0),
            timers,
            meter_passes: AtomicU64::new(0),
            started_at: Instant::now(),
            cluster,
            config: Arc::new(config),
        });
        if let Some(c) = &state.cluster {
            // Other nodes' invalidations apply here (weakly held: the state
            // owns the bus).
            let weak = std::sync::Arc::downgrade(&state.clone().into_inner());
            c.bus.on_forget(Box::new(move |what| {
                if let Some(state) = weak.upgrade() {
                    what.apply(&state);
                }
            }));
        }
        spawn_housekeeping(&state);
        spawn_meter(&state);
        crate::automations::worker::spawn(&state);
        crate::drips::timer::spawn(&state);
        let port = listener.local_addr()?.port();
        let web_dir = state.config.web_dir.clone();
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            let mut app = App::new()
                .app_data(app_state.clone())
                .wrap(actix_web::middleware::from_fn(crate::http::request_id::middleware))
                .configure(crate::http::configure);
            if crate::http::bench::enabled() {
                app = app.configure(crate::http::bench::configure);
            }
            if web_dir.join("index.html").is_file() {
                app = app.service(crate::web_app::service(&web_dir));
            }
            app
        })
        .listen(listener)?;
        if let Some(n) = state.config.workers {
            server = server.workers(n);
        }
        Ok(Self { server: server.run(), port, arbiters, embedded, state })
    }

    /// The port the server listens on (the real one when bound to port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The actors' arbiters (tests stop them when an application is
    /// dropped without being stopped, so its database connections go).
    pub fn arbiters(&self) -> ArbiterPool {
        self.arbiters.clone()
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Shared state (tests read counters from it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then shuts the
    /// actors and an embedded database down.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let res = self.server.await;
        if let Some(c) = &self.state.cluster {
            // Hand every partition over now rather than let them expire.
            match c.leave().await {
                Ok(()) => tracing::info!(node_id = %c.leases.node_id(), "left the cluster: partitions handed back"),
                Err(e) => tracing::warn!(error = %e, "handing partitions back failed; they expire with their lease"),
            }
        }
        self.arbiters.stop();
        self.state.pool.close().await;
        if let Some(pg) = &self.embedded {
            if let Err(e) = pg.stop().await {
                tracing::warn!(error = %e, "stopping embedded Postgres");
            }
        }
        res.map_err(Into::into)
    }
}

/// Renews and rebalances this node's leases until the process ends; for
/// partitions newly taken over, wakes their flow runs and resumes their
/// pending sends (what a dead or departed owner left).
fn spawn_lease_ticks(
    cluster: Arc<crate::cluster::Cluster>,
    pool: PgPool,
    router: Arc<WebhookRouter>,
    grace: Duration,
) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let leases = cluster.leases.clone();
        let mut every = tokio::time::interval(leases.tick_every());
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut owned: std::collections::BTreeSet<i32> = leases.owned().into_iter().collect();
        loop {
            every.tick().await;
            let round = leases.tick().await;
            // Partitions lost (taken over, handed back, or leases gone stale
            // while rounds fail): their conversations stop now.
            let now_owned: std::collections::BTreeSet<i32> = leases.owned().into_iter().collect();
            if !owned.is_subset(&now_owned) {
                router.relinquish_lost();
            }
            owned = now_owned;
            let newly = match round {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(node_id = %leases.node_id(), error = %e, "partition lease round failed; self-fencing if it keeps failing");
                    continue;
                }
            };
            if newly.is_empty() {
                continue;
            }
            let set: std::collections::HashSet<u16> = newly.into_iter().collect();
            let only = |ch: whatsflow_actors::ids::ChannelId, co: whatsflow_actors::ids::ContactId| set.contains(&leases.partition_of(ch, co));
            if let Err(e) = crate::outbox::wake_flow_runs(&pool, &router, &only).await {
                tracing::warn!(error = %e, "waking the flow runs of partitions taken over failed");
            }
            if let Err(e) = crate::outbox::resume_pending_sends(&pool, &router, grace, &only).await {
                tracing::warn!(error = %e, "resuming the sends of partitions taken over failed");
            }
        }
    })
    .abort_handle()
}

/// The database as its owner: `DATABASE_URL`, or the embedded cluster
/// (started, and the `whatsflow` database created, when needed), migrated.
/// The embedded cluster is returned so the caller stops it.
pub async fn owner_database(config: &Config) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    let (url, embedded) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let pg = EmbeddedPostgres::start(&config.data_dir, &EmbeddedOptions::default()).await?;
            db::ensure_database(&pg.url("postgres"), "whatsflow").await.context("creating the whatsflow database")?;
            (pg.url("whatsflow"), Some(pg))
        }
    };
    db::migrate(&url).await.context("applying migrations")?;
    // Secrets of the first format, or under a previous master key, are
    // re-sealed now, while the owner's access is at hand: the running
    // server then opens only the current format.
    let secrets = SecretBox::with_previous(&config.master_key, &config.previous_master_keys);
    let report = crate::rotate::rotate(&url, &secrets).await.context("re-sealing stored secrets under the current master key")?;
    if report.resealed > 0 {
        tracing::info!(secrets = report.resealed, "stored secrets re-sealed under the current master key");
    }
    Ok((url, embedded))
}

/// How often quiet addresses are dropped from the sign-in limiters.
const LIMITER_SWEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a wallet hold waits for its message's delivery or failure.
const WALLET_HOLD_EXPIRY: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// Fires and tells the plan-limit alerts (80% and 100% of a limit, once per
/// period each): a `usage:alert` frame to the tenant's people and an audit
/// entry; and suspends accounts billing kept restricted too long. Ends with
/// the application.
fn spawn_meter(state: &web::Data<AppState>) {
    let weak = Arc::downgrade(&state.clone().into_inner());
    tokio::spawn(async move {
        let every = weak.upgrade().map_or(crate::config::DEFAULT_METER_SWEEP, |s| s.config.meter_sweep);
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { return };
            // Accounts unpaid for too long are suspended (their people signed out).
            match state.db.billing().suspend_overdue(state.config.billing.suspend_after).await {
                Ok(people) => {
                    let mut tenants = std::collections::BTreeSet::new();
                    for (tenant, user) in people {
                        state.sessions.revoked(tenant, user, "the account is suspended: its payment is overdue");
                        tenants.insert(tenant.0);
                    }
                    for tenant in tenants {
                        state.forget(crate::cluster::forget::Forget::Flows(whatsflow_actors::ids::TenantId(tenant)));
                        let entry = crate::audit::Entry::new(
                            Some(whatsflow_actors::ids::TenantId(tenant)),
                            crate::audit::Actor::System,
                            "billing.account_state",
                        )
                        .change(Some(serde_json::json!({"status": "restricted"})), Some(serde_json::json!({"status": "suspended"})));
                        if let Err(e) = state.db.audit().append(entry).await {
                            tracing::warn!(error = %e, "auditing a suspension");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "suspending overdue accounts"),
            }
            // Accounts whose deletion grace period ended are deleted.
            match crate::store::repo::gdpr::purge_due_tenants(&state.pool).await {
                Ok(purged) => {
                    for (tenant, people) in purged {
                        for user in people {
                            state.sessions.revoked(tenant, user, "the account was deleted");
                        }
                        let entry = crate::audit::Entry::new(None, crate::audit::Actor::System, "account.deleted")
                            .target(format!("tenant:{}", tenant.0));
                        if let Err(e) = state.db.audit().append(entry).await {
                            tracing::warn!(error = %e, "auditing an account's deletion");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "deleting accounts past their grace period"),
            }
            // Plans of subscriptions that ended and whose paid time is over lapse.
            match state.db.admin().settings().await {
                Ok(settings) => {
                    let plan = settings.default_plan.unwrap_or_else(|| state.config.default_plan.clone());
                    match state.db.billing().lapse_plans(&plan).await {
                        Ok(lapsed) => {
                            for tenant in lapsed {
                                let entry = crate::audit::Entry::new(Some(tenant), crate::audit::Actor::System, "billing.plan_lapsed")
                                    .change(None, Some(serde_json::json!({"plan": plan})));
                                if let Err(e) = state.db.audit().append(entry).await {
                                    tracing::warn!(error = %e, "auditing a lapsed plan");
                                }
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "lapsing plans of ended subscriptions"),
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reading platform settings"),
            }
            // Wallet holds whose message never settled go back after a week.
            if let Err(e) = crate::store::repo::wallet::expire(&state.pool, WALLET_HOLD_EXPIRY).await {
                tracing::warn!(error = %e, "expiring wallet holds");
            }
            let fired = match state.db.meter().sweep(chrono::Utc::now()).await {
                Ok(fired) => fired,
                Err(e) => {
                    tracing::warn!(error = %e, "metering sweep");
                    continue;
                }
            };
            for a in fired {
                let data = serde_json::json!({
                    "limit": a.limit, "threshold": a.threshold, "used": a.used, "allowed": a.allowed, "period": a.period,
                });
                state.hub.notify(a.tenant, serde_json::json!({"event": "usage:alert", "data": data}));
                let entry = crate::audit::Entry::new(Some(a.tenant), crate::audit::Actor::System, "usage.alert")
                    .target(format!("limit:{}", a.limit))
                    .change(None, Some(data));
                if let Err(e) = state.db.audit().append(entry).await {
                    tracing::warn!(error = %e, "auditing a usage alert");
                }
            }
            // Affiliates and partners are paid once a month, from its first day.
            if state.config.billing.monthly_payouts && state.config.billing.payout_account.is_some() && state.razorpay.configured() {
                let month = state.clock.now().format("%Y-%m").to_string();
                match state.db.affiliates(&state.mailer.public_url).start_monthly_run(&month).await {
                    Ok(true) => {
                        let incomplete = match crate::http::affiliates::run_payouts(&state, crate::audit::Actor::System).await {
                            Ok(run) => run.unanswered > 0,
                            Err(e) => {
                                tracing::warn!(error = %e, %month, "the monthly payout run failed");
                                true
                            }
                        };
                        // Not all paid: the next sweep runs the month again
                        // (unanswered payouts go with their own key).
                        if incomplete {
                            if let Err(e) = state.db.affiliates(&state.mailer.public_url).forget_monthly_run(&month).await {
                                tracing::warn!(error = %e, %month, "un-marking the monthly payout run");
                            }
                        }
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "starting the monthly payout run"),
                }
            }
            state.meter_passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
}

/// Periodic upkeep of in-memory state; ends with the application (it holds
/// only a weak reference).
fn spawn_housekeeping(state: &web::Data<AppState>) {
    let weak = Arc::downgrade(&state.clone().into_inner());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LIMITER_SWEEP);
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { return };
            state.auth_guard.forget_quiet();
        }
    });
}
