//! Chatbot flows: the React Flow graph a business draws (`nodes`, `edges`),
//! checked before it is saved or activated, and interpreted one node at a
//! time by a [`actor::FlowRun`] actor per conversation.
//!
//! One job per file:
//!
//! - this module: the stored graph ([`FlowData`]) and its validation into a
//!   [`Flow`];
//! - [`spec`]: each node's settings, parsed once;
//! - [`interpret`]: one node's step, pure (what to do, where to go next);
//! - [`record`]: a run as stored ([`record::RunRecord`], its status and what
//!   it waits for);
//! - [`driver`]: [`driver::drive`], which executes nodes until the run
//!   waits, through an [`driver::Effects`] executor;
//! - [`triggers`]: the tenant's active flows and what starts them;
//! - [`ports`]: what a run needs from the store and from HTTP;
//! - [`actor`]: [`actor::FlowRun`], the live run of one conversation, which
//!   talks to its conversation only through [`crate::protocol::FlowRequest`];
//! - [`run`]: the old paths of the record, driver, triggers and ports.

pub mod actor;
pub mod driver;
pub mod interpret;
pub mod ports;
pub mod record;
pub mod run;
pub mod spec;
pub mod triggers;

pub use spec::{NodeSpec, Pattern, PatternError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};

/// Largest `flow_data` the server accepts, in bytes of the raw request body:
/// a flow is a graph a person draws, and everything below is sized for that.
pub const MAX_FLOW_JSON_BYTES: usize = 512 * 1024;
/// Most nodes in one flow (runs scan them; the builder never needs more).
pub const MAX_NODES: usize = 500;
/// Most edges in one flow.
pub const MAX_EDGES: usize = 2_000;
/// Shortest delay or input timeout, in seconds.
pub const MIN_WAIT_SECONDS: u64 = 1;
/// Longest delay or input timeout: 30 days, far past any conversation window,
/// and small enough that `now + wait` can never overflow a timestamp.
pub const MAX_WAIT_SECONDS: u64 = 30 * 24 * 3600;
/// Most times an input node asks again before its `invalid` branch.
pub const MAX_INPUT_RETRIES: u32 = 10;
/// Shortest time limit an `api` node may set, in milliseconds.
pub const MIN_API_TIMEOUT_MS: u64 = 100;
/// Longest time limit an `api` node may set: a run waits for it.
pub const MAX_API_TIMEOUT_MS: u64 = 60_000;
/// An `api` node's time limit when it sets none (and a webhook's).
pub const DEFAULT_API_TIMEOUT_MS: u64 = 10_000;
/// Longest free text (message text, prompt, caption, note), in characters:
/// the Cloud API's text body limit.
pub const MAX_TEXT_CHARS: usize = crate::send::limits::TEXT_BODY;
/// Longest URL template (`api`, `webhook`, media link), in characters.
pub const MAX_URL_CHARS: usize = 2_048;
/// Most headers on an `api` node.
pub const MAX_HEADERS: usize = 20;
/// Longest header name, in bytes.
pub const MAX_HEADER_NAME_CHARS: usize = 256;
/// Longest header value template, in characters.
pub const MAX_HEADER_VALUE_CHARS: usize = 2_048;
/// Longest id, name, variable, handle, field or JSON path, in characters.
pub const MAX_NAME_CHARS: usize = 512;
/// Longest regex source (input patterns, condition rules), in characters.
pub const MAX_PATTERN_CHARS: usize = 1_024;
/// Compiled size limit of every flow regex, so a pattern cannot eat memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most rules in one condition node.
pub const MAX_RULES: usize = 50;
/// Most choices of a `choice` input.
pub const MAX_CHOICES: usize = 100;
/// Most tags a `tag` node adds (and, separately, removes).
pub const MAX_TAGS: usize = 50;
/// Most variables an `api` node saves from its answer.
pub const MAX_SAVES: usize = 50;

/// Node types a flow may use.
pub const NODE_TYPES: &[&str] = &[
    "message",
    "template",
    "buttons",
    "list",
    "input",
    "condition",
    "delay",
    "api",
    "webhook",
    "assign",
    "tag",
    "set_field",
    "enroll",
    "jump",
    "handoff",
    "end",
];

/// A node as React Flow stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "FlowNode")]
pub struct Node {
    /// Its id.
    pub id: String,
    /// Its type (one of [`NODE_TYPES`]).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is drawn.
    #[serde(default)]
    #[ts(type = "{ x: number; y: number }")]
    pub position: Value,
    /// Its settings, as stored; [`validate`] parses them into a [`NodeSpec`].
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub data: Value,
}

/// An edge as React Flow stores it; `source_handle` picks a branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "FlowEdge")]
pub struct Edge {
    /// Its id.
    pub id: String,
    /// From node.
    pub source: String,
    /// To node.
    pub target: String,
    /// Which branch of the source (button id, `ok`, `else`, …).
    #[serde(default, rename = "sourceHandle", alias = "source_handle", skip_serializing_if = "Option::is_none")]
    pub source_handle: Option<String>,
}

/// `flow_data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct FlowData {
    /// Nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Edges.
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// One thing wrong with a flow, pointing at the node or edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowProblem {
    /// The offending node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// The offending edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_id: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn node_problem(id: &str, message: impl Into<String>) -> FlowProblem {
    FlowProblem { node_id: Some(id.to_owned()), edge_id: None, message: message.into() }
}

fn flow_problem(message: impl Into<String>) -> FlowProblem {
    FlowProblem { node_id: None, edge_id: None, message: message.into() }
}

/// A validated flow, indexed for the interpreter, with every node's settings
/// parsed (and its regexes compiled) once.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The graph, as stored.
    pub data: FlowData,
    /// Where runs start.
    pub start: String,
    index: HashMap<String, usize>,
    /// `specs[i]` is `data.nodes[i]` parsed.
    specs: Vec<NodeSpec>,
}

impl Flow {
    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).and_then(|&i| self.data.nodes.get(i))
    }

    /// The parsed settings of the node with this id.
    pub fn spec(&self, id: &str) -> Option<&NodeSpec> {
        self.index.get(id).and_then(|&i| self.specs.get(i))
    }

    /// The node an edge from `source` leads to: the edge with `handle`, or
    /// (with no handle asked) the edge without one.
    pub fn next(&self, source: &str, handle: Option<&str>) -> Option<&str> {
        let out = self.data.edges.iter().filter(|e| e.source == source);
        let found = match handle {
            Some(h) => out.clone().find(|e| e.source_handle.as_deref() == Some(h)),
            None => out.clone().find(|e| e.source_handle.is_none()).or_else(|| out.clone().next()),
        };
        found.map(|e| e.target.as_str())
    }
}

/// Checks a flow and parses every node's settings; every problem names its
/// node or edge (flow-wide ones, like too many nodes, name neither).
pub fn validate(data: &FlowData) -> Result<Flow, Vec<FlowProblem>> {
    let mut p = Vec::new();
    if data.nodes.is_empty() {
        p.push(flow_problem("a flow needs at least one node"));
        return Err(p);
    }
    if data.nodes.len() > MAX_NODES {
        p.push(flow_problem(format!("a flow has at most {MAX_NODES} nodes, got {}", data.nodes.len())));
    }
    if data.edges.len() > MAX_EDGES {
        p.push(flow_problem(format!("a flow has at most {MAX_EDGES} edges, got {}", data.edges.len())));
    }
    if !p.is_empty() {
        return Err(p);
    }
    let mut index = HashMap::new();
    for (i, n) in data.nodes.iter().enumerate() {
        if n.id.is_empty() || n.id.chars().count() > MAX_NAME_CHARS {
            p.push(node_problem(&n.id, format!("a node id has 1 to {MAX_NAME_CHARS} characters")));
        }
        if index.insert(n.id.clone(), i).is_some() {
            p.push(node_problem(&n.id, "two nodes share this id"));
        }
    }
    for e in &data.edges {
        let edge_problem = |message: String| FlowProblem { node_id: None, edge_id: Some(e.id.clone()), message };
        if e.id.chars().count() > MAX_NAME_CHARS || e.source_handle.as_ref().is_some_and(|h| h.chars().count() > MAX_NAME_CHARS) {
            p.push(edge_problem(format!("edge ids and handles have at most {MAX_NAME_CHARS} characters")));
        }
        for end in [&e.source, &e.target] {
            if !index.contains_key(end) {
                p.push(edge_problem(format!("edge points at `{end}`, which is not a node")));
            }
        }
    }
    let mut specs = Vec::with_capacity(data.nodes.len());
    for n in &data.nodes {
        check_graph(n, data, &index, &mut p);
        match NodeSpec::parse(n) {
            Ok(spec) => specs.push(spec),
            Err(problems) => p.extend(problems),
        }
    }
    // Start: the node marked start, else the one node nothing leads to.
    let marked: Vec<&Node> = data.nodes.iter().filter(|n| n.data.get("start").and_then(Value::as_bool) == Some(true)).collect();
    let targets: HashSet<&str> = data.edges.iter().map(|e| e.target.as_str()).collect();
    let roots: Vec<&Node> = data.nodes.iter().filter(|n| !targets.contains(n.id.as_str())).collect();
    let start = match (marked.as_slice(), roots.as_slice()) {
        ([one], _) => Some(one.id.clone()),
        ([], [one]) => Some(one.id.clone()),
        ([], _) => {
            p.push(flow_problem("mark the first node with data.start = true (no single node without incoming edges)"));
            None
        }
        (many, _) => {
            for n in many {
                p.push(node_problem(&n.id, "only one node may be the start"));
            }
            None
        }
    };
    if let Some(start) = &start {
        // Reachability, following edges and jumps.
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([start.clone()]);
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id.clone()) {
                continue;
            }
            for e in data.edges.iter().filter(|e| e.source == id) {
                queue.push_back(e.target.clone());
            }
            if let Some(n) = index.get(&id).and_then(|&i| data.nodes.get(i)) {
                if n.kind == "jump" {
                    if let Some(t) = spec::str_of(&n.data, "target") {
                        queue.push_back(t.to_owned());
                    }
                }
            }
        }
        for n in data.nodes.iter().filter(|n| !seen.contains(&n.id)) {
            p.push(node_problem(&n.id, "unreachable from the start node"));
        }
    }
    match (p.is_empty(), start) {
        (true, Some(start)) if specs.len() == data.nodes.len() => Ok(Flow { data: data.clone(), start, index, specs }),
        _ => Err(p),
    }
}

/// What a node needs from the graph around it (the rest of its settings
/// are checked by [`NodeSpec::parse`]).
fn check_graph(n: &Node, data: &FlowData, index: &HashMap<String, usize>, p: &mut Vec<FlowProblem>) {
    let message = match n.kind.as_str() {
        "condition" if !data.edges.iter().any(|e| e.source == n.id && e.source_handle.as_deref() == Some("else")) => {
            "a condition needs an `else` branch (an edge with sourceHandle \"else\")"
        }
        "jump" if spec::str_of(&n.data, "target").is_some_and(|t| !index.contains_key(t)) => "jump needs data.target naming a node",
        _ => return,
    };
    p.push(node_problem(&n.id, message));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flow(v: Value) -> FlowData {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn problems_name_their_nodes_and_edges() {
        let f = flow(json!({"nodes": [
            {"id": "a", "type": "buttons", "data": {"start": true, "text": "Pick", "buttons": [
                {"id": "1", "title": "One"}, {"id": "2", "title": "Two"}, {"id": "3", "title": "Three"}, {"id": "4", "title": "Four"}]}},
            {"id": "b", "type": "condition", "data": {"rules": [{"field": "vars.x", "operator": "equals", "value": "1", "handle": "yes"}]}},
            {"id": "c", "type": "teleport", "data": {}},
            {"id": "d", "type": "end", "data": {}}
        ], "edges": [
            {"id": "e1", "source": "a", "target": "b", "sourceHandle": "1"},
            {"id": "e2", "source": "b", "target": "ghost", "sourceHandle": "yes"}
        ]}));
        let p = validate(&f).unwrap_err();
        let has = |node: Option<&str>, edge: Option<&str>, text: &str| {
            p.iter().any(|x| x.node_id.as_deref() == node && x.edge_id.as_deref() == edge && x.message.contains(text))
        };
        assert!(has(Some("a"), None, "1 to 3"));
        assert!(has(Some("b"), None, "else"));
        assert!(has(Some("c"), None, "unknown node type"));
        assert!(has(None, Some("e2"), "ghost"));
        assert!(has(Some("d"), None, "unreachable"));
    }

    #[test]
    fn start_is_the_marked_node_or_the_only_root() {
        let f = flow(json!({"nodes": [{"id": "x", "type": "message", "data": {"text": "hi"}}, {"id": "y", "type": "end"}],
                            "edges": [{"id": "e", "source": "x", "target": "y"}]}));
        assert_eq!(validate(&f).unwrap().start, "x");
    }

    fn has(p: &[FlowProblem], node: Option<&str>, text: &str) -> bool {
        p.iter().any(|x| x.node_id.as_deref() == node && x.message.contains(text))
    }

    #[test]
    fn node_and_edge_counts_are_bounded() {
        let nodes: Vec<Value> = (0..=MAX_NODES).map(|i| json!({"id": format!("n{i}"), "type": "end"})).collect();
        let p = validate(&flow(json!({"nodes": nodes, "edges": []}))).unwrap_err();
        assert!(has(&p, None, "at most 500 nodes"), "{p:?}");
        let edges: Vec<Value> = (0..=MAX_EDGES).map(|i| json!({"id": format!("e{i}"), "source": "a", "target": "b"})).collect();
        let p = validate(&flow(json!({"nodes": [{"id": "a", "type": "end"}, {"id": "b", "type": "end"}], "edges": edges}))).unwrap_err();
        assert!(has(&p, None, "at most 2000 edges"), "{p:?}");
    }

    #[test]
    fn bounds_and_bad_regexes_are_refused_naming_their_nodes() {
        let f = flow(json!({"nodes": [
            {"id": "ask", "type": "input", "data": {"start": true, "prompt": "Code?", "variable": "code", "retries": 11, "timeout_seconds": 2_592_001}},
            {"id": "check", "type": "condition", "data": {"rules": [{"field": "vars.code", "operator": "regex", "value": "(", "handle": "ok"}]}},
            {"id": "wait", "type": "delay", "data": {"seconds": 999_999_999_999_u64}},
            {"id": "call", "type": "api", "data": {"url": "https://x.test/{{vars.code}}", "timeout_ms": 60_001}},
            {"id": "go", "type": "jump", "data": {"target": "nowhere"}}
        ], "edges": [
            {"id": "1", "source": "ask", "target": "check", "sourceHandle": "ok"},
            {"id": "2", "source": "check", "target": "wait", "sourceHandle": "else"},
            {"id": "3", "source": "wait", "target": "call"},
            {"id": "4", "source": "call", "target": "go", "sourceHandle": "ok"}
        ]}));
        let p = validate(&f).unwrap_err();
        assert!(has(&p, Some("ask"), "data.retries"), "{p:?}");
        assert!(has(&p, Some("ask"), "data.timeout_seconds"), "{p:?}");
        assert!(has(&p, Some("check"), "rule 1"), "{p:?}");
        assert!(has(&p, Some("wait"), "data.seconds"), "{p:?}");
        assert!(has(&p, Some("call"), "data.timeout_ms"), "{p:?}");
        assert!(has(&p, Some("go"), "naming a node"), "{p:?}");
    }

    #[test]
    fn stored_shape_round_trips_and_specs_are_kept() {
        let stored = json!({"nodes": [
            {"id": "ask", "type": "input", "position": {"x": 10, "y": 20},
             "data": {"start": true, "label": "Ask", "prompt": "Code?", "variable": "code", "validation": "regex", "pattern": "^\\d+$"}},
            {"id": "bye", "type": "end", "position": {"x": 0, "y": 0}, "data": {}}
        ], "edges": [{"id": "1", "source": "ask", "target": "bye", "sourceHandle": "ok"}]});
        let data = flow(stored.clone());
        assert_eq!(serde_json::to_value(&data).unwrap(), stored, "what the builder saved is what is stored");
        let f = validate(&data).unwrap();
        assert_eq!(f.data, data);
        let Some(NodeSpec::Input(input)) = f.spec("ask") else { panic!("not an input") };
        assert!(matches!(&input.validation, spec::InputValidation::Regex(p) if p.as_str() == "^\\d+$"));
        assert_eq!(f.spec("bye"), Some(&NodeSpec::End));
        assert!(f.spec("ghost").is_none());
    }
}
