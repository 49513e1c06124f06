//! Repeated runs folded into one report (median per figure, spread kept),
//! the goals each scenario is measured against, and the verdict on what
//! limited a scenario that missed one.

use serde_json::{json, Map, Value};

/// A goal: a figure (dotted path into the scenario's result) and its bound.
pub struct Goal {
    /// e.g. `figures.msgs_per_s`.
    pub path: &'static str,
    /// Whether the figure must be at least (else at most) `target`.
    pub at_least: bool,
    /// The bound.
    pub target: f64,
    /// What a miss means when it is not a throughput limit (memory goals).
    pub miss_means: Option<&'static str>,
}

const fn at_least(path: &'static str, target: f64) -> Goal {
    Goal { path, at_least: true, target, miss_means: None }
}

const fn at_most(path: &'static str, target: f64) -> Goal {
    Goal { path, at_least: false, target, miss_means: None }
}

/// A memory bound: missing it is about what each unit holds, not about a
/// saturated resource.
const fn memory_at_most(path: &'static str, target: f64, miss_means: &'static str) -> Goal {
    Goal { path, at_least: false, target, miss_means: Some(miss_means) }
}

/// The goals for this 2-core machine, per scenario.
pub fn goals(scenario: &str) -> Vec<Goal> {
    match scenario {
        // At one event per POST (issue 19): stored, deduplicated and
        // delivered, and against the HTTP no-op ceiling at the same shape.
        "ingest" => vec![at_least("figures.msgs_per_s", 15_000.0), at_least("ratios.msgs_vs_http_one_per_post", 0.25)],
        "latency" => vec![at_most("figures.rate_5000.ack_p99_ms", 20.0), at_most("figures.rate_5000.e2e_p99_ms", 25.0)],
        "sockets" => vec![
            at_least("figures.sessions", 19_000.0),
            memory_at_most("figures.kib_per_session", 20.0, "memory per agent session (RSS growth per added session)"),
            at_most("figures.fanout_1000_p99_ms", 50.0),
            at_least("ratios.fanout_vs_noop", 0.5),
        ],
        "actors" => vec![
            at_least("figures.live_actors", 1_000_000.0),
            memory_at_most(
                "figures.bytes_per_live_actor",
                2048.0,
                "memory per live conversation: the server's RSS growth over the first pass divided by the live actors, which \
                 counts the actor's state, mailbox and supervisor, its entry in the tenant's registry and the tenant's contact cache",
            ),
        ],
        "flows" => vec![at_least("figures.concurrent_runs", 10_000.0), at_least("figures.node_steps_per_s", 20_000.0)],
        "outbound" => vec![at_most("figures.rate_error_abs_pct", 2.0), at_most("figures.live_reply_p99_rise_pct", 10.0)],
        "campaign" => vec![
            at_least("ratios.achieved_vs_configured", 0.95),
            at_most("ratios.busiest_second_vs_configured", 1.1),
            at_most("figures.sends_counted_twice_after_kill", 0.0),
            at_most("figures.pause_to_last_send_ms", 5000.0),
        ],
        "drips" => vec![
            at_most("figures.lateness_p99_ms", 1000.0),
            at_most("figures.sends_counted_twice_after_kill", 0.0),
            memory_at_most(
                "figures.bytes_per_waiting_enrolment",
                64.0,
                "memory per waiting enrolment: the server's RSS growth while contacts were enrolled and waited, divided by them",
            ),
        ],
        // Issue 16: failover within the lease (5 s here) and 2 s; nothing
        // lost or doubled is judged for every scenario.
        "cluster" => vec![at_most("figures.failover_s", 7.0), at_most("figures.takeover_s", 7.0)],
        _ => Vec::new(),
    }
}

/// The value at a dotted path.
pub fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// Each goal with what was measured and whether it was met; adds
/// `limited_by` (the main load phase's verdict) when one was missed.
pub fn judge(scenario: &str, mut v: Value) -> Value {
    let mut throughput_missed = false;
    let mut memory_missed = Vec::new();
    let checked: Vec<Value> = goals(scenario)
        .iter()
        .map(|g| {
            let measured = lookup(&v, g.path).and_then(Value::as_f64);
            let met = measured.is_some_and(|m| if g.at_least { m >= g.target } else { m <= g.target });
            match (met, g.miss_means) {
                (false, Some(why)) => memory_missed.push(why),
                (false, None) => throughput_missed = true,
                _ => {}
            }
            json!({"figure": g.path, "goal": format!("{} {}", if g.at_least { ">=" } else { "<=" }, g.target), "measured": measured, "met": met})
        })
        .collect();
    v["goals"] = Value::Array(checked);
    let mut why: Vec<String> = memory_missed.into_iter().map(str::to_owned).collect();
    if throughput_missed {
        let verdict = lookup(&v, "resources.load.verdict").and_then(Value::as_str).unwrap_or("no resource measurement");
        why.insert(0, verdict.to_owned());
    }
    if !why.is_empty() {
        v["limited_by"] = json!(why.join("; "));
    }
    v
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Folds values of the same shape: numbers → median (spread recorded under
/// their path), objects → key by key, anything else → the first run's.
fn fold(values: &[&Value], path: &str, spread: &mut Map<String, Value>) -> Value {
    let Some(first) = values.first() else { return Value::Null };
    if values.iter().all(|v| v.is_number()) {
        let mut xs: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        let m = median(&mut xs);
        if values.len() > 1 {
            let (lo, hi) = (xs.first().copied().unwrap_or(m), xs.last().copied().unwrap_or(m));
            spread.insert(path.to_owned(), json!({"median": crate::harness::round(m), "min": lo, "max": hi}));
        }
        return json!(crate::harness::round(m));
    }
    if let Some(obj) = first.as_object() {
        let mut out = Map::new();
        for k in obj.keys() {
            let children: Vec<&Value> = values.iter().filter_map(|v| v.get(k)).collect();
            let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            out.insert(k.clone(), fold(&children, &child, spread));
        }
        return Value::Object(out);
    }
    (*first).clone()
}

/// One report from repeated runs: the median of every figure, ceiling and
/// ratio, the spread of each, and lost/duplicated summed over all runs.
pub fn aggregate(runs: &[Value]) -> Value {
    let refs: Vec<&Value> = runs.iter().collect();
    let mut spread = Map::new();
    let mut out = fold(&refs, "", &mut spread);
    let sum = |k: &str| runs.iter().filter_map(|r| r[k].as_i64()).sum::<i64>();
    out["lost"] = json!(sum("lost"));
    out["duplicated"] = json!(sum("duplicated"));
    out["runs"] = json!(runs.len());
    if runs.len() > 1 {
        spread.retain(|k, _| !k.starts_with("lost") && !k.starts_with("duplicated"));
        out["spread"] = Value::Object(spread);
        out["verdicts_per_run"] =
            json!(runs.iter().map(|r| lookup(r, "resources.load.verdict").cloned().unwrap_or(Value::Null)).collect::<Vec<_>>());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_runs_fold_to_medians_with_spread() {
        let runs = vec![
            json!({"figures": {"msgs_per_s": 10.0, "nested": {"p99": 3.0}, "label": "a"}, "lost": 0, "duplicated": 1}),
            json!({"figures": {"msgs_per_s": 30.0, "nested": {"p99": 1.0}, "label": "b"}, "lost": 2, "duplicated": 0}),
            json!({"figures": {"msgs_per_s": 20.0, "nested": {"p99": 2.0}, "label": "c"}, "lost": 0, "duplicated": 0}),
        ];
        let v = aggregate(&runs);
        assert_eq!(v["figures"]["msgs_per_s"], 20.0);
        assert_eq!(v["figures"]["nested"]["p99"], 2.0);
        assert_eq!(v["figures"]["label"], "a");
        assert_eq!(v["spread"]["figures.msgs_per_s"], json!({"median": 20.0, "min": 10.0, "max": 30.0}));
        assert_eq!(v["lost"], 2, "lost work is summed, never averaged away");
        assert_eq!(v["duplicated"], 1);
        assert_eq!(v["runs"], 3);
    }

    #[test]
    fn a_missed_goal_names_what_limited_the_run() {
        let v = json!({"figures": {"msgs_per_s": 12_000.0}, "ratios": {"msgs_vs_http_one_per_post": 0.3},
                       "resources": {"load": {"verdict": "CPU saturated, most of it the server"}}});
        let judged = judge("ingest", v);
        assert_eq!(judged["goals"][0]["met"], false);
        assert_eq!(judged["goals"][1]["met"], true);
        assert_eq!(judged["limited_by"], "CPU saturated, most of it the server");
        let met = judge("ingest", json!({"figures": {"msgs_per_s": 25_000.0}, "ratios": {"msgs_vs_http_one_per_post": 0.6}}));
        assert!(met.get("limited_by").is_none());
    }
}
