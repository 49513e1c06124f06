//! Chatbot flows: the React Flow graph a business draws (`nodes`, `edges`),
//! checked before it is saved or activated, and interpreted one node at a
//! time by a [`run::FlowRun`] actor per conversation.

pub mod actor;
pub mod interpret;
pub mod run;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};

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
    "jump",
    "handoff",
    "end",
];

/// A node as React Flow stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Its id.
    pub id: String,
    /// Its type (one of [`NODE_TYPES`]).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is drawn.
    #[serde(default)]
    pub position: Value,
    /// Its settings.
    #[serde(default)]
    pub data: Value,
}

/// An edge as React Flow stores it; `source_handle` picks a branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
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

/// A validated flow, indexed for the interpreter.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The graph.
    pub data: FlowData,
    /// Where runs start.
    pub start: String,
    index: HashMap<String, usize>,
}

impl Flow {
    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.data.nodes[i])
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

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Checks a flow; every problem names its node or edge.
pub fn validate(data: &FlowData) -> Result<Flow, Vec<FlowProblem>> {
    let mut p = Vec::new();
    if data.nodes.is_empty() {
        p.push(FlowProblem { node_id: None, edge_id: None, message: "a flow needs at least one node".into() });
        return Err(p);
    }
    let mut index = HashMap::new();
    for (i, n) in data.nodes.iter().enumerate() {
        if index.insert(n.id.clone(), i).is_some() {
            p.push(node_problem(&n.id, "two nodes share this id"));
        }
    }
    for e in &data.edges {
        for end in [&e.source, &e.target] {
            if !index.contains_key(end) {
                p.push(FlowProblem {
                    node_id: None,
                    edge_id: Some(e.id.clone()),
                    message: format!("edge points at `{end}`, which is not a node"),
                });
            }
        }
    }
    for n in &data.nodes {
        check_node(n, data, &mut p);
    }
    // Start: the node marked start, else the one node nothing leads to.
    let marked: Vec<&Node> = data.nodes.iter().filter(|n| n.data.get("start").and_then(Value::as_bool) == Some(true)).collect();
    let targets: HashSet<&str> = data.edges.iter().map(|e| e.target.as_str()).collect();
    let roots: Vec<&Node> = data.nodes.iter().filter(|n| !targets.contains(n.id.as_str())).collect();
    let start = match (marked.as_slice(), roots.as_slice()) {
        ([one], _) => Some(one.id.clone()),
        ([], [one]) => Some(one.id.clone()),
        ([], _) => {
            p.push(FlowProblem {
                node_id: None,
                edge_id: None,
                message: "mark the first node with data.start = true (no single node without incoming edges)".into(),
            });
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
            if let Some(n) = index.get(&id).map(|&i| &data.nodes[i]) {
                if n.kind == "jump" {
                    if let Some(t) = str_of(&n.data, "target") {
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
        (true, Some(start)) => Ok(Flow { data: data.clone(), start, index }),
        _ => Err(p),
    }
}

fn check_node(n: &Node, data: &FlowData, p: &mut Vec<FlowProblem>) {
    let d = &n.data;
    let need = |key: &str, p: &mut Vec<FlowProblem>| {
        if str_of(d, key).is_none() {
            p.push(node_problem(&n.id, format!("`{}` needs data.{key}", n.kind)));
        }
    };
    let handles: Vec<&str> = data.edges.iter().filter(|e| e.source == n.id).filter_map(|e| e.source_handle.as_deref()).collect();
    match n.kind.as_str() {
        "message" => {
            let media = d.get("media");
            if str_of(d, "text").is_none() && media.is_none() {
                p.push(node_problem(&n.id, "a message needs data.text or data.media"));
            }
            if let Some(m) = media {
                let kind = str_of(m, "type").unwrap_or("");
                if !["image", "video", "audio", "document", "sticker"].contains(&kind)
                    || (str_of(m, "link").is_none() && str_of(m, "id").is_none())
                {
                    p.push(node_problem(&n.id, "data.media needs type (image|video|audio|document|sticker) and link or id"));
                }
            }
        }
        "template" => {
            need("name", p);
            need("language", p);
        }
        "buttons" => {
            need("text", p);
            let buttons = d.get("buttons").and_then(Value::as_array).cloned().unwrap_or_default();
            if buttons.is_empty() || buttons.len() > crate::send::limits::REPLY_BUTTONS {
                p.push(node_problem(
                    &n.id,
                    format!("reply buttons: 1 to {} allowed, got {}", crate::send::limits::REPLY_BUTTONS, buttons.len()),
                ));
            }
            for b in &buttons {
                let title = str_of(b, "title").unwrap_or("");
                if str_of(b, "id").is_none() || title.is_empty() || title.chars().count() > crate::send::limits::BUTTON_TITLE {
                    p.push(node_problem(
                        &n.id,
                        format!("each button needs an id and a title of 1 to {} characters", crate::send::limits::BUTTON_TITLE),
                    ));
                }
            }
        }
        "list" => {
            need("text", p);
            need("button", p);
            let sections = d.get("sections").and_then(Value::as_array).cloned().unwrap_or_default();
            let rows: Vec<Value> = sections.iter().filter_map(|s| s.get("rows").and_then(Value::as_array)).flatten().cloned().collect();
            if sections.is_empty()
                || sections.len() > crate::send::limits::LIST_SECTIONS
                || rows.is_empty()
                || rows.len() > crate::send::limits::LIST_ROWS
            {
                p.push(node_problem(
                    &n.id,
                    format!(
                        "a list needs 1 to {} sections with 1 to {} rows in all",
                        crate::send::limits::LIST_SECTIONS,
                        crate::send::limits::LIST_ROWS
                    ),
                ));
            }
            if rows
                .iter()
                .any(|r| str_of(r, "id").is_none() || str_of(r, "title").is_none_or(|t| t.chars().count() > crate::send::limits::ROW_TITLE))
            {
                p.push(node_problem(
                    &n.id,
                    format!("list rows need an id and a title of 1 to {} characters", crate::send::limits::ROW_TITLE),
                ));
            }
        }
        "input" => {
            need("prompt", p);
            need("variable", p);
            let v = str_of(d, "validation").unwrap_or("text");
            if !["text", "number", "email", "phone", "regex", "choice"].contains(&v) {
                p.push(node_problem(&n.id, "data.validation must be text, number, email, phone, regex or choice"));
            }
            if v == "regex" && str_of(d, "pattern").is_none_or(|pat| !regex_ok(pat)) {
                p.push(node_problem(&n.id, "validation regex needs a valid data.pattern"));
            }
            if v == "choice" && d.get("choices").and_then(Value::as_array).is_none_or(Vec::is_empty) {
                p.push(node_problem(&n.id, "validation choice needs data.choices"));
            }
        }
        "condition" => {
            let rules = d.get("rules").and_then(Value::as_array).cloned().unwrap_or_default();
            if rules.is_empty() {
                p.push(node_problem(&n.id, "a condition needs data.rules"));
            }
            for r in &rules {
                let op = str_of(r, "operator").unwrap_or("");
                if str_of(r, "field").is_none() || str_of(r, "handle").is_none() || !interpret::OPERATORS.contains(&op) {
                    p.push(node_problem(
                        &n.id,
                        format!("each rule needs field, handle and an operator of {}", interpret::OPERATORS.join(", ")),
                    ));
                }
            }
            if !handles.contains(&"else") {
                p.push(node_problem(&n.id, "a condition needs an `else` branch (an edge with sourceHandle \"else\")"));
            }
        }
        "delay" => {
            if d.get("seconds").and_then(Value::as_u64).is_none_or(|s| s == 0 || s > 30 * 24 * 3600) {
                p.push(node_problem(&n.id, "data.seconds must be 1 to 2592000 (30 days)"));
            }
        }
        "api" => {
            need("url", p);
            let m = str_of(d, "method").unwrap_or("GET").to_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()) {
                p.push(node_problem(&n.id, "data.method must be GET, POST, PUT, PATCH or DELETE"));
            }
        }
        "webhook" => need("url", p),
        "assign" => {
            if str_of(d, "agent_id").is_none() && str_of(d, "team").is_none() && str_of(d, "strategy").is_none() {
                p.push(node_problem(&n.id, "assign needs data.agent_id, data.team or data.strategy"));
            }
        }
        "tag" => {
            if d.get("add").and_then(Value::as_array).is_none_or(Vec::is_empty)
                && d.get("remove").and_then(Value::as_array).is_none_or(Vec::is_empty)
            {
                p.push(node_problem(&n.id, "tag needs data.add or data.remove"));
            }
        }
        "set_field" => {
            need("field", p);
            if d.get("value").is_none() {
                p.push(node_problem(&n.id, "set_field needs data.value"));
            }
        }
        "jump" => match str_of(d, "target") {
            Some(t) if data.nodes.iter().any(|x| x.id == t) => {}
            _ => p.push(node_problem(&n.id, "jump needs data.target naming a node")),
        },
        "handoff" | "end" => {}
        other => p.push(node_problem(&n.id, format!("unknown node type `{other}`; use one of {}", NODE_TYPES.join(", ")))),
    }
}

/// Whether a pattern compiles (case-insensitive, as the interpreter runs it).
fn regex_ok(pattern: &str) -> bool {
    regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build().is_ok()
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
}
