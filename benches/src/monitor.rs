//! Where the time went during a load phase: CPU of the machine, of the
//! server, of Postgres and of the load generator itself; Postgres commits
//! and how often its active backends waited on flushing the WAL; failed
//! requests and sockets. From these a scenario that misses its goal says
//! why (CPU saturated, Postgres commit-bound, socket errors) instead of
//! leaving a bare number.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clock ticks per second of /proc's CPU times.
fn ticks_per_s() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// utime + stime of a process (all its threads), in ticks; 0 once gone.
fn process_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return 0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// CPU ticks of each thread of a process, with the thread's name.
fn thread_ticks(pid: u32) -> std::collections::HashMap<u32, (String, u64)> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Default::default() };
    dir.filter_map(|e| {
        let tid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let name = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).ok()?.trim().to_owned();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
        let f: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
        let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some((tid, (name, ticks)))
    })
    .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc").map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()).unwrap_or_default()
}

/// The postmaster listening on `port` and its children (the backends).
fn postgres_pids(port: u16) -> Vec<u32> {
    let needle = format!("-p {port}");
    let pids = all_pids();
    let Some(master) = pids.iter().copied().find(|p| {
        std::fs::read(format!("/proc/{p}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .is_ok_and(|c| c.contains("postgres") && c.contains(&needle))
    }) else {
        return Vec::new();
    };
    let mut out = vec![master];
    out.extend(pids.into_iter().filter(|&p| parent_of(p) == Some(master)));
    out
}

/// Busy and total ticks of the whole machine.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else { return (0, 0) };
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// Counts of failures the load generator saw (webhook posts, sockets).
#[derive(Default)]
pub struct Errors {
    /// Failed requests or connections.
    pub count: AtomicU64,
    /// The first failure, as text.
    pub first: Mutex<Option<String>>,
}

impl Errors {
    /// Records one failure.
    pub fn record(&self, what: impl std::fmt::Display) {
        if self.count.fetch_add(1, Ordering::Relaxed) == 0 {
            if let Ok(mut f) = self.first.lock() {
                *f = Some(what.to_string());
            }
        }
    }
}

#[derive(Default)]
struct WalSamples {
    active: u64,
    waiting_on_wal: u64,
}

/// A running measurement of one load phase.
pub struct Monitor {
    started: Instant,
    server_pid: u32,
    pg_pids: Vec<u32>,
    server0: u64,
    threads0: std::collections::HashMap<u32, (String, u64)>,
    /// Each Postgres process's ticks at the start, by pid.
    pg0: std::collections::HashMap<u32, u64>,
    me0: u64,
    machine0: (u64, u64),
    commits0: (i64, i64),
    writes0: Writes,
    pool: sqlx::PgPool,
    wal: Arc<Mutex<WalSamples>>,
    stop: Arc<AtomicBool>,
    sampler: tokio::task::JoinHandle<()>,
    /// `perf record` on the server and its Postgres backends for the phase
    /// (`WF_BENCH_PERF`).
    profiler: Option<std::process::Child>,
    /// Failures seen by the load generator during the phase.
    pub errors: Arc<Errors>,
}

/// Phases profiled so far in this process (names the perf files).
static PROFILED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// With `WF_BENCH_PERF=<dir>`, samples the stacks of the server (every
/// thread) and of the Postgres processes alive when the phase starts (its
/// pooled connections' backends, the WAL writer, the checkpointer), 199 Hz,
/// unwound from DWARF (neither build keeps frame pointers), into
/// `<dir>/phase-<n>.perf.data`. `benches/flame` turns one into a flame
/// graph whose first level is the process name, so the server's and
/// Postgres's shares show side by side.
fn start_profiler(server_pid: u32, pg_pids: &[u32]) -> Option<std::process::Child> {
    let dir = std::env::var_os("WF_BENCH_PERF")?;
    let n = PROFILED.fetch_add(1, Ordering::Relaxed) + 1;
    let out = std::path::Path::new(&dir).join(format!("phase-{n}.perf.data"));
    let _ = std::fs::create_dir_all(&dir);
    // Only processes still there: perf refuses a list naming one that left.
    let pids: Vec<String> = std::iter::once(server_pid)
        .chain(pg_pids.iter().copied())
        .filter(|p| std::path::Path::new(&format!("/proc/{p}")).exists())
        .map(|p| p.to_string())
        .collect();
    std::process::Command::new("perf")
        .args(["record", "-q", "-F", "199", "--call-graph", "dwarf,16384", "-p", &pids.join(","), "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| eprintln!("perf could not start ({e}); the phase is not profiled"))
        .ok()
}

/// Stops `perf record` as Ctrl-C would, so it writes its file out.
fn stop_profiler(child: Option<std::process::Child>) {
    if let Some(mut child) = child {
        // SAFETY: a plain signal to a child of ours.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        let _ = child.wait();
    }
}

/// Transactions committed and deadlocks detected in the database so far.
async fn commits(pool: &sqlx::PgPool) -> (i64, i64) {
    sqlx::query_as("SELECT xact_commit, deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(pool)
        .await
        .unwrap_or((0, 0))
}

impl Monitor {
    /// Starts measuring: the server process, the cluster on `pg_port`, and
    /// Postgres statistics through `db_url` (the owner's connection).
    pub async fn start(server_pid: u32, pg_port: u16, db_url: &str) -> anyhow::Result<Self> {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(db_url).await?;
        let pg_pids = postgres_pids(pg_port);
        let wal = Arc::new(Mutex::new(WalSamples::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (pool, wal, stop) = (pool.clone(), wal.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let row: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT count(*) FILTER (WHERE state = 'active' AND pid <> pg_backend_pid()),
                                count(*) FILTER (WHERE state = 'active' AND wait_event IN ('WALSync', 'WALWrite', 'WalSync', 'WalWrite', 'WALInsert'))
                         FROM pg_stat_activity WHERE backend_type = 'client backend'",
                    )
                    .fetch_optional(&pool)
                    .await
                    .ok()
                    .flatten();
                    if let (Some((active, waiting)), Ok(mut w)) = (row, wal.lock()) {
                        w.active += u64::try_from(active).unwrap_or(0);
                        w.waiting_on_wal += u64::try_from(waiting).unwrap_or(0);
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        // Fresh planner statistics, as a database past its first minutes
        // has them: the set-up just grew tables from nothing, and plans
        // made on "this table is empty" (a tenant's conversations scanned
        // where one row is looked up) are autovacuum's first minute, not
        // the steady state a phase measures.
        let _ = sqlx::query("ANALYZE").execute(&pool).await;
        let _ = sqlx::query("SELECT pg_stat_statements_reset()").execute(&pool).await;
        let commits0 = commits(&pool).await;
        let writes0 = writes(&pool).await;
        let pg0 = postgres_pids_now(&pg_pids).into_iter().map(|p| (p, process_ticks(p))).collect();
        let profiler = start_profiler(server_pid, &pg_pids);
        Ok(Self {
            started: Instant::now(),
            server_pid,
            server0: process_ticks(server_pid),
            threads0: thread_ticks(server_pid),
            pg0,
            me0: process_ticks(std::process::id()),
            machine0: machine_ticks(),
            commits0,
            writes0,
            pool,
            wal,
            stop,
            sampler,
            pg_pids,
            profiler,
            errors: Arc::new(Errors::default()),
        })
    }

    /// Ends the phase and says where its time went.
    pub async fn finish(mut self) -> Usage {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        stop_profiler(self.profiler.take());
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.sampler.await;
        // Each process's own growth (a new one's whole), so one that ends
        // during the phase (an autovacuum worker, a closed connection)
        // takes nothing off the others; what it spent is missed, as is a
        // backend that came and went.
        let pg_used: u64 = postgres_pids_now(&self.pg_pids)
            .into_iter()
            .map(|p| process_ticks(p).saturating_sub(self.pg0.get(&p).copied().unwrap_or(0)))
            .sum();
        let tps = ticks_per_s();
        let pct = |ticks: u64| ticks as f64 / tps / secs * 100.0;
        let (busy1, total1) = machine_ticks();
        let hottest_thread = thread_ticks(self.server_pid)
            .into_iter()
            .map(|(tid, (name, t))| (name, pct(t.saturating_sub(self.threads0.get(&tid).map_or(0, |s| s.1)))))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let (busy0, total0) = self.machine0;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let (commits1, deadlocks1) = commits(&self.pool).await;
        let (commits, deadlocks) = (commits1 - self.commits0.0, deadlocks1 - self.commits0.1);
        let (top_statements, top_nested_statements) = (busiest(&self.pool, true).await, busiest(&self.pool, false).await);
        let writes = writes(&self.pool).await.since(&self.writes0);
        self.pool.close().await;
        let wal = self.wal.lock().map(|w| (w.active, w.waiting_on_wal)).unwrap_or((0, 0));
        Usage {
            seconds: secs,
            machine_busy_pct: (busy1 - busy0) as f64 / (total1 - total0).max(1) as f64 * 100.0,
            cores,
            server_cpu_pct: pct(process_ticks(self.server_pid).saturating_sub(self.server0)),
            postgres_cpu_pct: pct(pg_used),
            loadgen_cpu_pct: pct(process_ticks(std::process::id()).saturating_sub(self.me0)),
            commits_per_s: commits as f64 / secs,
            deadlocks: u64::try_from(deadlocks).unwrap_or(0),
            wal_wait_share: if wal.0 == 0 { 0.0 } else { wal.1 as f64 / wal.0 as f64 },
            errors: self.errors.count.load(Ordering::Relaxed),
            first_error: self.errors.first.lock().ok().and_then(|f| f.clone()),
            top_statements,
            top_nested_statements,
            writes,
            hottest_thread,
        }
    }
}

/// The statements that took most of Postgres's time in the phase: those the
/// server sent (`toplevel`), or those run inside functions and triggers
/// (their time is also inside the statement that fired them).
async fn busiest(pool: &sqlx::PgPool, toplevel: bool) -> Vec<Value> {
    let rows: Vec<(String, i64, f64)> = sqlx::query_as(
        "SELECT regexp_replace(left(query, 120), '\\s+', ' ', 'g'), calls, total_exec_time FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel = $1
         ORDER BY total_exec_time DESC LIMIT 6",
    )
    .bind(toplevel)
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    rows.into_iter()
        .map(|(query, calls, ms)| json!({"query": query, "calls": calls, "total_ms": crate::harness::round(ms), "mean_us": crate::harness::round(ms * 1000.0 / calls.max(1) as f64)}))
        .collect()
}

/// The busiest tables whose row versions a phase counts.
const COUNTED_TABLES: [&str; 5] = ["conversations", "messages", "webhook_inbox", "contacts", "flow_runs"];

/// Rows written and WAL generated so far: what each message costs Postgres
/// to write, beside the time it takes.
#[derive(Debug, Clone, Default)]
pub struct Writes {
    /// Per table: rows inserted, rows updated, of which HOT (no index
    /// entry), rows deleted.
    pub tables: Vec<(String, i64, i64, i64, i64)>,
    /// WAL generated, bytes.
    pub wal_bytes: i64,
    /// Per table (all of them): sequential scans and the rows they read. A
    /// lookup planned as a scan (say, a foreign key check planned while its
    /// table was empty) shows here as a table read over and over.
    pub seq_scans: Vec<(String, i64, i64)>,
}

impl Writes {
    /// What was written between `start` and this reading.
    fn since(&self, start: &Writes) -> Writes {
        let before = |name: &str| start.tables.iter().find(|t| t.0 == name).map_or((0, 0, 0, 0), |t| (t.1, t.2, t.3, t.4));
        Writes {
            tables: self
                .tables
                .iter()
                .map(|(name, ins, upd, hot, del)| {
                    let (i0, u0, h0, d0) = before(name);
                    (name.clone(), ins - i0, upd - u0, hot - h0, del - d0)
                })
                .collect(),
            wal_bytes: self.wal_bytes - start.wal_bytes,
            seq_scans: self
                .seq_scans
                .iter()
                .map(|(name, scans, rows)| {
                    let (s0, r0) = start.seq_scans.iter().find(|t| &t.0 == name).map_or((0, 0), |t| (t.1, t.2));
                    (name.clone(), scans - s0, rows - r0)
                })
                .collect(),
        }
    }

    /// As JSON: per table, inserts, updates, the HOT share of updates and
    /// deletes.
    fn to_json(&self) -> Value {
        let tables: serde_json::Map<String, Value> = self
            .tables
            .iter()
            .map(|(name, ins, upd, hot, del)| {
                let share = if *upd > 0 { crate::harness::round(*hot as f64 / *upd as f64) } else { 0.0 };
                (name.clone(), json!({"inserted": ins, "updated": upd, "hot_updated": hot, "hot_share": share, "deleted": del}))
            })
            .collect();
        let mut scanned: Vec<&(String, i64, i64)> = self.seq_scans.iter().filter(|t| t.2 > 0).collect();
        scanned.sort_by_key(|t| std::cmp::Reverse(t.2));
        let seq_scans: serde_json::Map<String, Value> =
            scanned.iter().take(5).map(|(name, scans, rows)| (name.clone(), json!({"scans": scans, "rows_read": rows}))).collect();
        json!({"tables": tables, "wal_mib": crate::harness::round(self.wal_bytes as f64 / 1_048_576.0), "seq_scans": seq_scans})
    }
}

/// Reads the counted tables' row counters and the WAL position. Backends
/// report their counters a little after their transactions end (once a
/// second while busy), so a phase's counts are approximate at its edges;
/// the HOT share, a ratio, is not affected.
async fn writes(pool: &sqlx::PgPool) -> Writes {
    let tables: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT relname::text, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname",
    )
    .bind(COUNTED_TABLES.as_slice())
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    let wal_bytes: i64 = sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(pool).await.unwrap_or(0);
    let seq_scans =
        sqlx::query_as("SELECT relname::text, seq_scan, seq_tup_read FROM pg_stat_user_tables").fetch_all(pool).await.unwrap_or_default();
    Writes { tables, wal_bytes, seq_scans }
}

/// The pids measured at the start that still run, plus backends started since.
fn postgres_pids_now(start: &[u32]) -> Vec<u32> {
    let Some(&master) = start.first() else { return Vec::new() };
    let mut out = vec![master];
    out.extend(all_pids().into_iter().filter(|&p| parent_of(p) == Some(master)));
    out
}

/// What a load phase used, and the verdict drawn from it.
#[derive(Debug, Clone)]
pub struct Usage {
    /// Length of the phase.
    pub seconds: f64,
    /// Busy share of all cores.
    pub machine_busy_pct: f64,
    /// Cores of the machine.
    pub cores: f64,
    /// The server's CPU, % of one core.
    pub server_cpu_pct: f64,
    /// Postgres's CPU (all its processes), % of one core.
    pub postgres_cpu_pct: f64,
    /// The load generator's own CPU (with the simulator), % of one core.
    pub loadgen_cpu_pct: f64,
    /// Transactions committed per second.
    pub commits_per_s: f64,
    /// Share of sampled active backends waiting on the WAL.
    pub wal_wait_share: f64,
    /// Deadlocks Postgres broke (each costs `deadlock_timeout` and a retry).
    pub deadlocks: u64,
    /// Failed requests or sockets.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Postgres's busiest statements (pg_stat_statements).
    pub top_statements: Vec<Value>,
    /// The busiest statements run inside functions and triggers.
    pub top_nested_statements: Vec<Value>,
    /// Rows written per table (with the HOT share of updates) and WAL.
    pub writes: Writes,
    /// The server's busiest thread and its CPU, % of one core.
    pub hottest_thread: Option<(String, f64)>,
}

impl Usage {
    /// What limited the phase: socket errors, CPU, Postgres commits, or
    /// neither (time spent waiting inside the pipeline).
    pub fn verdict(&self) -> String {
        let cpu = format!(
            "server {:.0}%, Postgres {:.0}%, load generator {:.0}% of one core; machine {:.0}% busy over {} cores",
            self.server_cpu_pct, self.postgres_cpu_pct, self.loadgen_cpu_pct, self.machine_busy_pct, self.cores
        );
        if self.errors > 0 {
            return format!("socket errors: {} failed ({}); {cpu}", self.errors, self.first_error.as_deref().unwrap_or("?"));
        }
        let deadlocks = if self.deadlocks > 0 { format!("; {} deadlocks broken by Postgres", self.deadlocks) } else { String::new() };
        let cpu = format!("{cpu}{deadlocks}");
        if self.machine_busy_pct >= 85.0 {
            let top =
                [("the server", self.server_cpu_pct), ("Postgres", self.postgres_cpu_pct), ("the load generator", self.loadgen_cpu_pct)]
                    .into_iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map_or("?", |t| t.0);
            return format!("CPU saturated, most of it {top}: {cpu}");
        }
        if let Some((name, pct)) = self.hottest_thread.as_ref().filter(|t| t.1 >= 85.0) {
            return format!("one server thread saturated ({name} at {pct:.0}% of a core): {cpu}");
        }
        // A few commits caught waiting on the WAL do not make a commit-bound phase.
        if self.wal_wait_share >= 0.3 && self.commits_per_s >= 500.0 {
            return format!(
                "Postgres commit-bound: {:.0} commits/s, {:.0}% of active backends waiting on the WAL flush; {cpu}",
                self.commits_per_s,
                self.wal_wait_share * 100.0
            );
        }
        format!("neither CPU nor commits saturated (waiting inside the pipeline): {:.0} commits/s; {cpu}", self.commits_per_s)
    }

    /// As JSON, with the verdict.
    pub fn to_json(&self) -> Value {
        let r = crate::harness::round;
        json!({"seconds": r(self.seconds), "machine_busy_pct": r(self.machine_busy_pct), "server_cpu_pct": r(self.server_cpu_pct),
               "postgres_cpu_pct": r(self.postgres_cpu_pct), "loadgen_cpu_pct": r(self.loadgen_cpu_pct), "commits_per_s": r(self.commits_per_s),
               "wal_wait_share": r(self.wal_wait_share), "deadlocks": self.deadlocks, "errors": self.errors, "first_error": self.first_error, "top_statements": self.top_statements, "top_nested_statements": self.top_nested_statements, "writes": self.writes.to_json(),
               "hottest_server_thread": self.hottest_thread.as_ref().map(|(n, p)| json!({"name": n, "cpu_pct": r(*p)})), "verdict": self.verdict()})
    }
}
