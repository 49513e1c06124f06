//! The flow interpreter: what one node does, and how a waiting node answers
//! a reply, an input, an API result or a timeout. Pure functions: the run
//! actor persists its cursor before performing the effect a step returns, so
//! a crash never skips a node, and sends carry an idempotency key so a
//! re-executed node never sends twice.

use super::{Flow, Node};
use crate::identity::PhoneNumber;
use serde_json::{json, Map, Value};

/// Condition operators.
pub const OPERATORS: &[&str] = &["equals", "not_equals", "contains", "greater", "less", "regex", "exists", "not_exists"];

/// How many times an input node asks again before taking `invalid`.
pub const DEFAULT_INPUT_RETRIES: u32 = 2;

/// What a flow can know about the customer and the moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunContext {
    /// Contact facts: name, phone, tags, fields.
    pub contact: Map<String, Value>,
    /// The run's variables.
    pub vars: Map<String, Value>,
    /// The customer's latest message: `{type, text, reply_id}`.
    pub message: Option<Value>,
}

impl RunContext {
    /// Resolves `vars.x`, `contact.name`, `contact.fields.city`, `contact.tags`, `message.text`.
    pub fn field(&self, path: &str) -> Option<Value> {
        let (root, rest) = path.split_once('.').unwrap_or((path, ""));
        let base = match root {
            "vars" => Value::Object(self.vars.clone()),
            "contact" => Value::Object(self.contact.clone()),
            "message" => self.message.clone().unwrap_or(Value::Null),
            _ => return None,
        };
        json_path(&base, rest).filter(|v| !v.is_null())
    }
}

/// Follows a dotted path (`data.items.0.name`, optionally `$.`-prefixed).
pub fn json_path(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v;
    for part in path.trim_start_matches("$.").trim_start_matches('$').split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            Value::Object(o) => o.get(part)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(as_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Replaces `{{contact.name}}`, `{{vars.order_id}}`, … (unknown → empty).
pub fn interpolate(text: &str, ctx: &RunContext) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&ctx.field(after[..end].trim()).map(|v| as_text(&v)).unwrap_or_default());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn interpolate_value(v: &Value, ctx: &RunContext) -> Value {
    match v {
        Value::String(s) => Value::String(interpolate(s, ctx)),
        Value::Array(a) => Value::Array(a.iter().map(|x| interpolate_value(x, ctx)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), interpolate_value(x, ctx))).collect()),
        other => other.clone(),
    }
}

/// A side effect the run actor performs.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a message (Cloud API type and object).
    Send {
        /// Type.
        kind: String,
        /// The type's object.
        content: Value,
    },
    /// Call an HTTP API and branch on the answer.
    Api {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// Headers.
        headers: Vec<(String, String)>,
        /// JSON body.
        body: Option<Value>,
        /// Time limit.
        timeout_ms: u64,
    },
    /// POST the run's context to a URL.
    Webhook {
        /// URL.
        url: String,
        /// What is posted.
        body: Value,
    },
    /// Assign the conversation.
    Assign {
        /// A specific agent.
        agent_id: Option<String>,
        /// A team name.
        team: Option<String>,
        /// round_robin or least_busy.
        strategy: String,
    },
    /// Change the contact's tags.
    Tag {
        /// Added.
        add: Vec<String>,
        /// Removed.
        remove: Vec<String>,
    },
    /// Set a contact field.
    SetField {
        /// Field (`name` or a custom field).
        field: String,
        /// Value.
        value: Value,
    },
    /// Hand the conversation to people; the bot pauses.
    Handoff {
        /// For the agents.
        note: Option<String>,
    },
}

/// What happens after a node's effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Go on to this node (None: the flow is done).
    Goto(Option<String>),
    /// Wait for a button or list reply.
    WaitReply,
    /// Wait for the customer's answer.
    WaitInput {
        /// Asks left after this one.
        retries: u32,
        /// Seconds to wait before the `timeout` branch.
        timeout_seconds: Option<u64>,
    },
    /// Wait, then go on.
    Delay {
        /// Seconds.
        seconds: u64,
    },
    /// Wait for the API effect's result.
    AwaitApi,
    /// Paused for people.
    Pause,
    /// The flow ends here.
    End,
}

/// One node's step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What to do.
    pub effect: Option<Effect>,
    /// Then.
    pub then: Then,
}

fn text(d: &Value, key: &str) -> String {
    d.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn strings(d: &Value, key: &str) -> Vec<String> {
    d.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

/// The message a node sends.
fn message_of(node: &Node, ctx: &RunContext) -> Option<Effect> {
    let d = &node.data;
    let (kind, content) = match node.kind.as_str() {
        "message" => match d.get("media") {
            Some(m) => {
                let kind = text(m, "type");
                let mut obj = Map::new();
                for key in ["link", "id", "filename"] {
                    if let Some(v) = m.get(key).and_then(Value::as_str) {
                        obj.insert(key.into(), json!(interpolate(v, ctx)));
                    }
                }
                if let Some(c) = m.get("caption").and_then(Value::as_str).filter(|_| kind != "audio" && kind != "sticker") {
                    obj.insert("caption".into(), json!(interpolate(c, ctx)));
                }
                (kind, Value::Object(obj))
            }
            None => ("text".to_owned(), json!({"body": interpolate(&text(d, "text"), ctx)})),
        },
        "template" => (
            "template".to_owned(),
            json!({"name": text(d, "name"), "language": {"code": text(d, "language")},
                                                      "components": interpolate_value(d.get("components").unwrap_or(&json!([])), ctx)}),
        ),
        "buttons" => {
            let buttons: Vec<Value> = d["buttons"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|b| json!({"type": "reply", "reply": {"id": text(b, "id"), "title": interpolate(&text(b, "title"), ctx)}}))
                .collect();
            (
                "interactive".to_owned(),
                json!({"type": "button", "body": {"text": interpolate(&text(d, "text"), ctx)}, "action": {"buttons": buttons}}),
            )
        }
        "list" => {
            let sections: Vec<Value> = d["sections"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    let rows: Vec<Value> = s["rows"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|r| {
                            let mut row = json!({"id": text(r, "id"), "title": interpolate(&text(r, "title"), ctx)});
                            if let Some(desc) = r.get("description").and_then(Value::as_str) {
                                row["description"] = json!(interpolate(desc, ctx));
                            }
                            row
                        })
                        .collect();
                    json!({"title": interpolate(&text(s, "title"), ctx), "rows": rows})
                })
                .collect();
            (
                "interactive".to_owned(),
                json!({"type": "list", "body": {"text": interpolate(&text(d, "text"), ctx)},
                                              "action": {"button": text(d, "button"), "sections": sections}}),
            )
        }
        "input" => ("text".to_owned(), json!({"body": interpolate(&text(d, "prompt"), ctx)})),
        _ => return None,
    };
    Some(Effect::Send { kind, content })
}

/// Executes one node.
pub fn execute(flow: &Flow, node: &Node, ctx: &RunContext) -> Step {
    let d = &node.data;
    let next = || flow.next(&node.id, None).map(str::to_owned);
    match node.kind.as_str() {
        "message" | "template" => Step { effect: message_of(node, ctx), then: Then::Goto(next()) },
        "buttons" | "list" => Step { effect: message_of(node, ctx), then: Then::WaitReply },
        "input" => Step {
            effect: message_of(node, ctx),
            then: Then::WaitInput {
                retries: d
                    .get("retries")
                    .and_then(Value::as_u64)
                    .map_or(DEFAULT_INPUT_RETRIES, |r| u32::try_from(r).unwrap_or(DEFAULT_INPUT_RETRIES)),
                timeout_seconds: d.get("timeout_seconds").and_then(Value::as_u64),
            },
        },
        "condition" => {
            let rules = d["rules"].as_array().cloned().unwrap_or_default();
            let handle = rules.iter().find(|r| rule_holds(r, ctx)).map(|r| text(r, "handle")).unwrap_or_else(|| "else".to_owned());
            Step { effect: None, then: Then::Goto(flow.next(&node.id, Some(&handle)).map(str::to_owned)) }
        }
        "delay" => Step { effect: None, then: Then::Delay { seconds: d.get("seconds").and_then(Value::as_u64).unwrap_or(1) } },
        "api" => {
            let headers = d
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| h.iter().map(|(k, v)| (k.clone(), interpolate(&as_text(v), ctx))).collect())
                .unwrap_or_default();
            Step {
                effect: Some(Effect::Api {
                    method: Some(text(d, "method").to_uppercase()).filter(|m| !m.is_empty()).unwrap_or_else(|| "GET".to_owned()),
                    url: interpolate(&text(d, "url"), ctx),
                    headers,
                    body: d.get("body").map(|b| interpolate_value(b, ctx)),
                    timeout_ms: d.get("timeout_ms").and_then(Value::as_u64).unwrap_or(10_000).clamp(100, 60_000),
                }),
                then: Then::AwaitApi,
            }
        }
        "webhook" => Step {
            effect: Some(Effect::Webhook {
                url: interpolate(&text(d, "url"), ctx),
                body: json!({"contact": ctx.contact, "vars": ctx.vars, "message": ctx.message}),
            }),
            then: Then::Goto(next()),
        },
        "assign" => Step {
            effect: Some(Effect::Assign {
                agent_id: d.get("agent_id").and_then(Value::as_str).map(str::to_owned),
                team: d.get("team").and_then(Value::as_str).map(str::to_owned),
                strategy: d.get("strategy").and_then(Value::as_str).unwrap_or("round_robin").to_owned(),
            }),
            then: Then::Goto(next()),
        },
        "tag" => Step { effect: Some(Effect::Tag { add: strings(d, "add"), remove: strings(d, "remove") }), then: Then::Goto(next()) },
        "set_field" => Step {
            effect: Some(Effect::SetField {
                field: text(d, "field"),
                value: interpolate_value(d.get("value").unwrap_or(&Value::Null), ctx),
            }),
            then: Then::Goto(next()),
        },
        "jump" => Step { effect: None, then: Then::Goto(Some(text(d, "target"))) },
        "handoff" => Step {
            effect: Some(Effect::Handoff { note: d.get("note").and_then(Value::as_str).map(|n| interpolate(n, ctx)) }),
            then: Then::Pause,
        },
        _ => Step { effect: None, then: Then::End },
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether one condition rule holds.
pub fn rule_holds(rule: &Value, ctx: &RunContext) -> bool {
    let field = ctx.field(rule["field"].as_str().unwrap_or(""));
    let want = &rule["value"];
    match rule["operator"].as_str().unwrap_or("") {
        "exists" => field.is_some_and(|v| v != json!("") && v != json!([])),
        "not_exists" => field.is_none_or(|v| v == json!("") || v == json!([])),
        "equals" => field.is_some_and(|v| match (number(&v), number(want)) {
            (Some(a), Some(b)) if !v.is_array() => (a - b).abs() < f64::EPSILON,
            _ => as_text(&v).eq_ignore_ascii_case(&as_text(want)),
        }),
        "not_equals" => !field.is_some_and(|v| as_text(&v).eq_ignore_ascii_case(&as_text(want))),
        "contains" => field.is_some_and(|v| match &v {
            Value::Array(a) => a.iter().any(|x| as_text(x).eq_ignore_ascii_case(&as_text(want))),
            other => as_text(other).to_lowercase().contains(&as_text(want).to_lowercase()),
        }),
        "greater" => field.and_then(|v| number(&v)).zip(number(want)).is_some_and(|(a, b)| a > b),
        "less" => field.and_then(|v| number(&v)).zip(number(want)).is_some_and(|(a, b)| a < b),
        "regex" => field.is_some_and(|v| {
            regex::RegexBuilder::new(&as_text(want))
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .is_ok_and(|re| re.is_match(&as_text(&v)))
        }),
        _ => false,
    }
}

/// The customer's message as flows see it.
pub fn message_facts(kind: &str, content: &Value) -> Value {
    let (text, reply_id) = match kind {
        "text" => (content["body"].as_str().map(str::to_owned), None),
        "interactive" => {
            let r = content.get("button_reply").or(content.get("list_reply")).cloned().unwrap_or(Value::Null);
            (r["title"].as_str().map(str::to_owned), r["id"].as_str().map(str::to_owned))
        }
        "button" => (content["text"].as_str().map(str::to_owned), content["payload"].as_str().map(str::to_owned)),
        _ => (content["caption"].as_str().map(str::to_owned), None),
    };
    json!({"type": kind, "text": text, "reply_id": reply_id})
}

/// A reply to a buttons or list node: the branch of the chosen option
/// (by id, or by title typed as text), or None when it matches nothing.
pub fn branch_for_reply(flow: &Flow, node: &Node, message: &Value) -> Option<Option<String>> {
    let reply_id = message["reply_id"].as_str();
    let typed = message["text"].as_str().map(|t| t.trim().to_lowercase());
    let options: Vec<(String, String)> = match node.kind.as_str() {
        "buttons" => {
            node.data["buttons"].as_array().cloned().unwrap_or_default().iter().map(|b| (text(b, "id"), text(b, "title"))).collect()
        }
        _ => node.data["sections"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
            .map(|r| (text(&r, "id"), text(&r, "title")))
            .collect(),
    };
    let chosen =
        options.iter().find(|(id, title)| reply_id == Some(id.as_str()) || typed.as_deref() == Some(title.to_lowercase().as_str()))?;
    Some(flow.next(&node.id, Some(&chosen.0)).or_else(|| flow.next(&node.id, None)).map(str::to_owned))
}

/// Checks an answer to an input node; the value to store when valid.
pub fn validate_input(node: &Node, message: &Value) -> Option<Value> {
    let answer = message["reply_id"].as_str().or(message["text"].as_str()).unwrap_or("").trim().to_owned();
    if answer.is_empty() {
        return None;
    }
    let d = &node.data;
    match d.get("validation").and_then(Value::as_str).unwrap_or("text") {
        "number" => answer.replace(',', "").parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
        "email" => {
            let ok = answer.split_once('@').is_some_and(|(l, dom)| !l.is_empty() && dom.contains('.') && !dom.ends_with('.'))
                && !answer.contains(' ');
            if ok {
                Some(json!(answer.to_lowercase()))
            } else {
                None
            }
        }
        "phone" => PhoneNumber::parse(&answer).ok().map(|p| json!(p.as_str())),
        "regex" => {
            let re = regex::RegexBuilder::new(&text(d, "pattern")).case_insensitive(true).size_limit(1 << 20).build().ok()?;
            if re.is_match(&answer) {
                Some(json!(answer))
            } else {
                None
            }
        }
        "choice" => {
            let choices = strings(d, "choices");
            let by_number = answer.parse::<usize>().ok().and_then(|i| i.checked_sub(1)).and_then(|i| choices.get(i));
            by_number.or_else(|| choices.iter().find(|c| c.eq_ignore_ascii_case(&answer))).map(|c| json!(c))
        }
        _ => Some(json!(answer)),
    }
}

/// The variables an API answer fills (`save: {var: "json.path"}`).
pub fn api_saves(node: &Node, answer: &Value) -> Map<String, Value> {
    node.data
        .get("save")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(var, path)| path.as_str().and_then(|p| json_path(answer, p)).map(|v| (var.clone(), v))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{validate, FlowData};

    fn ctx() -> RunContext {
        RunContext {
            contact: json!({"name": "Asha", "phone": "+14155550101", "tags": ["vip"], "fields": {"city": "Pune"}})
                .as_object()
                .cloned()
                .unwrap(),
            vars: json!({"order_id": "4821", "total": "120"}).as_object().cloned().unwrap(),
            message: Some(json!({"type": "text", "text": "Where is my ORDER?"})),
        }
    }

    #[test]
    fn interpolation_reads_contact_vars_and_message() {
        assert_eq!(
            interpolate("Hi {{contact.name}}, order {{vars.order_id}} from {{contact.fields.city}}{{vars.none}}.", &ctx()),
            "Hi Asha, order 4821 from Pune."
        );
    }

    #[test]
    fn conditions_cover_every_operator() {
        let c = ctx();
        let r =
            |field: &str, op: &str, value: Value| rule_holds(&json!({"field": field, "operator": op, "value": value, "handle": "h"}), &c);
        assert!(r("contact.tags", "contains", json!("VIP")));
        assert!(r("vars.total", "greater", json!(100)));
        assert!(!r("vars.total", "less", json!(100)));
        assert!(r("message.text", "contains", json!("order")));
        assert!(r("message.text", "regex", json!("^where")));
        assert!(r("vars.order_id", "equals", json!(4821)));
        assert!(r("vars.nothing", "not_exists", json!(null)));
        assert!(r("contact.name", "exists", json!(null)));
        assert!(r("contact.name", "not_equals", json!("ravi")));
    }

    #[test]
    fn inputs_validate_by_kind() {
        let node = |v: Value| crate::flow::Node { id: "i".into(), kind: "input".into(), position: Value::Null, data: v };
        let msg = |t: &str| json!({"type": "text", "text": t});
        assert_eq!(validate_input(&node(json!({"validation": "number"})), &msg("1,250")), Some(json!(1250.0)));
        assert!(validate_input(&node(json!({"validation": "number"})), &msg("lots")).is_none());
        assert_eq!(validate_input(&node(json!({"validation": "email"})), &msg("A@B.co")), Some(json!("a@b.co")));
        assert!(validate_input(&node(json!({"validation": "email"})), &msg("nope")).is_none());
        assert_eq!(validate_input(&node(json!({"validation": "phone"})), &msg("+1 415 555 0101")), Some(json!("+14155550101")));
        assert_eq!(validate_input(&node(json!({"validation": "choice", "choices": ["Small", "Large"]})), &msg("2")), Some(json!("Large")));
        assert!(validate_input(&node(json!({"validation": "regex", "pattern": "^#?\\d{4}$"})), &msg("order?")).is_none());
    }

    #[test]
    fn replies_branch_by_button_id_or_typed_title() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "b", "type": "buttons", "data": {"start": true, "text": "Pick", "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]}},
            {"id": "y", "type": "end"}, {"id": "n", "type": "end"}],
            "edges": [{"id": "1", "source": "b", "target": "y", "sourceHandle": "yes"}, {"id": "2", "source": "b", "target": "n", "sourceHandle": "no"}]})).unwrap();
        let flow = validate(&data).unwrap();
        let b = flow.node("b").unwrap().clone();
        assert_eq!(branch_for_reply(&flow, &b, &json!({"reply_id": "no"})), Some(Some("n".into())));
        assert_eq!(branch_for_reply(&flow, &b, &json!({"text": " yes "})), Some(Some("y".into())));
        assert_eq!(branch_for_reply(&flow, &b, &json!({"text": "maybe"})), None);
    }

    #[test]
    fn api_answers_fill_variables_by_path() {
        let node = crate::flow::Node {
            id: "a".into(),
            kind: "api".into(),
            position: Value::Null,
            data: json!({"save": {"status": "data.order.status", "first": "$.items.0"}}),
        };
        let saved = api_saves(&node, &json!({"data": {"order": {"status": "shipped"}}, "items": ["x", "y"]}));
        assert_eq!(saved["status"], "shipped");
        assert_eq!(saved["first"], "x");
    }
}
