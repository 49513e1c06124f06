//! `whatsflow-bench`: the load generator. It builds and starts the release
//! server against its own fresh Postgres (fsync on), provisions tenants
//! through the public API, drives real traffic over loopback (signed
//! webhooks shaped like Meta's, agent WebSockets, the Graph API simulator),
//! measures the machine's ceilings in the same run, verifies that nothing
//! acknowledged was lost or duplicated, prints a table and writes
//! `target/bench/results.json`.
//!
//! `cargo run --release -p whatsflow-bench -- <scenario> [--seconds N]`,
//! scenario one of ingest, latency, sockets, actors, flows, outbound, campaign, drips, all.

mod harness;
mod monitor;
mod report;
mod scenarios;

use clap::Parser;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "whatsflow-bench", about = "Measures whatsflow against this machine's own ceilings")]
struct Args {
    /// ingest | latency | sockets | actors | flows | outbound | campaign | drips | cluster | floor | all (all but floor)
    scenario: String,
    /// Seconds of load per run (ingest, latency, outbound).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Repeated runs, each on a fresh server and database, folded into a
    /// median and spread.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Conversations touched (actors).
    #[arg(long, default_value_t = 1_000_000)]
    conversations: usize,
    /// Idle seconds before passivation (actors); by default long enough
    /// that no actor idles out before the first pass ends.
    #[arg(long)]
    idle: Option<u64>,
    /// Concurrent flow runs (flows).
    #[arg(long, default_value_t = 10_000)]
    flow_runs: usize,
    /// Session counts to step through (sockets).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,10000,19000")]
    sessions: Vec<usize>,
    /// Fixed rates, messages/s (latency).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000")]
    rates: Vec<f64>,
    /// The number's configured messages per second (outbound).
    #[arg(long, default_value_t = 40)]
    mps: u32,
    /// Recipients of the broadcast (campaign).
    #[arg(long, default_value_t = 100_000)]
    recipients: usize,
    /// The number's and the campaign's messages per second (campaign).
    #[arg(long, default_value_t = 1000)]
    campaign_mps: u32,
    /// Contacts enrolled in the sequence (drips).
    #[arg(long, default_value_t = 100_000)]
    enrolled: usize,
    /// Seconds over which their steps fall due (drips).
    #[arg(long, default_value_t = 300)]
    drip_window: u64,
}

fn machine() -> Value {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("")
        .trim()
        .to_owned();
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    // The newest Postgres server installed (the one the embedded cluster uses).
    let postgres = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin/postgres")))
        .filter(|p| p.is_file())
        .max()
        .and_then(|p| std::process::Command::new(p).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "postgres (version unknown)".into());
    json!({"cores": std::thread::available_parallelism().map_or(0, |n| n.get()), "cpu": cpu, "memory_mib": mem_kib / 1024,
           "kernel": read("/proc/sys/kernel/osrelease").trim(), "rustc": rustc, "whatsflow": env!("CARGO_PKG_VERSION"),
           "postgres": format!("{postgres}; embedded cluster, fsync on")})
}

fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn print_table(name: &str, v: &Value) {
    println!("\n{name} (median of {} run(s))", v["runs"]);
    for section in ["figures", "ceilings", "ratios"] {
        if let Some(map) = v[section].as_object() {
            for (k, val) in map {
                let spread =
                    v["spread"].get(format!("{section}.{k}")).map(|s| format!("   ({} – {})", s["min"], s["max"])).unwrap_or_default();
                println!("  {section:<9} {k:<32} {val}{spread}");
            }
        }
    }
    for g in v["goals"].as_array().into_iter().flatten() {
        let mark = if g["met"].as_bool().unwrap_or(false) { "met" } else { "MISSED" };
        println!(
            "  goal      {:<32} {} → measured {}   {mark}",
            g["figure"].as_str().unwrap_or_default(),
            g["goal"].as_str().unwrap_or_default(),
            g["measured"]
        );
    }
    if let Some(why) = v["limited_by"].as_str() {
        println!("  limited by: {why}");
    }
    println!("  verified  lost {}   duplicated {}", v["lost"], v["duplicated"]);
}

/// Seconds an actor may idle before passivation in the actors scenario.
fn actor_idle(args: &Args) -> u64 {
    args.idle.unwrap_or(30 + (args.conversations / 2500) as u64)
}

/// One run of a scenario on a fresh server and database.
async fn run_once(name: &str, args: &Args, bin: &std::path::Path) -> anyhow::Result<Value> {
    let mut env = vec![];
    if name == "actors" {
        env.push(("WHATSFLOW_CONVERSATION_IDLE_SECS", actor_idle(args).to_string()));
    }
    // The cluster scenario's nodes share a Redis of the bench's own.
    let redis = if name == "cluster" { Some(scenarios::RedisServer::start().await?) } else { None };
    let mut node_env = vec![];
    if let Some(r) = &redis {
        node_env.push(("REDIS_URL", r.url.clone()));
        node_env.push(("WHATSFLOW_LEASE_SECS", "5".to_owned()));
        env.extend(node_env.iter().cloned());
        env.push(("WHATSFLOW_NODE_ID", "node-1".to_owned()));
    }
    let h = Arc::new(harness::Harness::start(bin, &env).await?);
    let res = match name {
        "ingest" => scenarios::ingest(h.clone(), args.seconds).await,
        "latency" => scenarios::latency(h.clone(), args.seconds, &args.rates).await,
        "sockets" => scenarios::sockets(h.clone(), &args.sessions).await,
        "actors" => scenarios::actors(h.clone(), args.conversations, actor_idle(args)).await,
        "flows" => scenarios::flows(h.clone(), args.flow_runs).await,
        "outbound" => scenarios::outbound(h.clone(), args.seconds, args.mps).await,
        "campaign" => scenarios::campaign(h.clone(), args.recipients, args.campaign_mps).await,
        "drips" => scenarios::drips(h.clone(), args.enrolled, args.drip_window).await,
        "floor" => scenarios::floor(h.clone(), args.seconds).await,
        "cluster" => match &redis {
            Some(r) => scenarios::cluster(h.clone(), args.seconds, r, &node_env).await,
            None => Err(anyhow::anyhow!("the cluster scenario needs its Redis")),
        },
        other => Err(anyhow::anyhow!("unknown scenario `{other}`")),
    };
    let res = match Arc::try_unwrap(h) {
        Ok(h) => {
            let alive = h.check_alive();
            h.stop().await;
            alive.and(res)
        }
        Err(_) => res,
    };
    res
}

/// `--runs` runs of a scenario, folded into one report and judged against
/// its goals. A run that fails (or loses or duplicates work) fails it.
async fn run(name: &str, args: &Args, bin: &std::path::Path) -> anyhow::Result<Value> {
    let mut runs = Vec::new();
    for i in 0..args.runs.max(1) {
        if args.runs > 1 {
            println!("  run {}/{}", i + 1, args.runs);
        }
        let v = run_once(name, args, bin).await.map_err(|e| e.context(format!("run {} of {name}", i + 1)))?;
        if let Some(verdict) = report::lookup(&v, "resources.load.verdict") {
            println!("  resources: {}", verdict.as_str().unwrap_or_default());
        }
        runs.push(v);
    }
    Ok(report::judge(name, report::aggregate(&runs)))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let fds = harness::raise_fd_limit();
    let names: Vec<&str> = if args.scenario == "all" {
        vec!["ingest", "latency", "sockets", "actors", "flows", "outbound", "campaign", "drips", "cluster"]
    } else {
        vec![args.scenario.as_str()]
    };
    println!("whatsflow-bench: building the release server…");
    let bin = match harness::build_server() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("whatsflow-bench: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/results.json");
    let mut results: Value =
        std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(json!({"scenarios": {}}));
    results["commit"] = json!(commit());
    results["machine"] = machine();
    results["machine"]["open_files_limit"] = json!(fds);
    let mut failed = false;
    for name in names {
        println!("\n== {name}");
        match run(name, &args, &bin).await {
            Ok(v) => {
                print_table(name, &v);
                let bad = v["lost"].as_i64().unwrap_or(0) > 0 || v["duplicated"].as_i64().unwrap_or(0) > 0;
                if bad {
                    eprintln!("  FAILED: acknowledged work was lost or duplicated");
                    failed = true;
                }
                results["scenarios"][name] = v;
                results["scenarios"][name]["measured_at"] = json!(chrono::Utc::now());
            }
            Err(e) => {
                eprintln!("  FAILED: {e:#}");
                results["scenarios"][name] = json!({"error": format!("{e:#}"), "measured_at": chrono::Utc::now()});
                failed = true;
            }
        }
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match serde_json::to_string_pretty(&results).map(|t| std::fs::write(&path, t)) {
        Ok(Ok(())) => println!("\nresults: {}", path.display()),
        _ => eprintln!("could not write {}", path.display()),
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
