//! The flow interpreter: what one node does, and how a waiting node answers
//! a reply, an input, an API result or a timeout. Pure functions: the driver
//! persists the cursor wherever resuming from the last save could act
//! differently ([`Replay`]), so a crash never skips a node, and sends carry an
//! idempotency key so a re-executed node never sends twice.

use super::spec::{ApiSpec, InputSpec, InputValidation, MessageSpec, NodeSpec, Operator, Rule};
use super::Flow;
use crate::identity::PhoneNumber;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

/// Condition operators.
pub const OPERATORS: &[&str] = &["equals", "not_equals", "contains", "greater", "less", "regex", "exists", "not_exists"];

/// How many times an input node asks again before taking `invalid`.
pub const DEFAULT_INPUT_RETRIES: u32 = 2;

/// What an interpolated value may keep unencoded in a URL: RFC 3986's
/// unreserved characters, so a value is always one URL component.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

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
        follow_dotted(&base, rest).filter(|v| !v.is_null())
    }
}

/// Follows a variable's dotted path (`fields.city`, `items.0`).
fn follow_dotted(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            Value::Object(o) => o.get(part)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}

/// A value as flows show it: strings bare, lists joined, null empty.
pub(super) fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(as_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Fills `{{…}}` placeholders; `each` gets the output so far and the value.
fn fill(text: &str, ctx: &RunContext, mut each: impl FnMut(&str, String) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let value = ctx.field(after[..end].trim()).map(|v| as_text(&v)).unwrap_or_default();
        let value = each(&out, value);
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Replaces `{{contact.name}}`, `{{vars.order_id}}`, … (unknown → empty).
pub fn interpolate(text: &str, ctx: &RunContext) -> String {
    fill(text, ctx, |_, value| value)
}

/// Interpolates a URL template: the template's own characters stay as
/// written, and every value is percent-encoded as one URL component, so a
/// customer's `../admin?x=` cannot change the path or the query. In the path
/// (before any `?` or `#`), a value that is only `.` or `..` is dropped:
/// URL parsers resolve such a segment even when percent-encoded.
pub fn interpolate_url(template: &str, ctx: &RunContext) -> String {
    fill(template, ctx, |so_far, value| {
        let in_path = !so_far.contains(['?', '#']);
        if in_path && (value == "." || value == "..") {
            return String::new();
        }
        utf8_percent_encode(&value, URL_COMPONENT).to_string()
    })
}

/// Interpolates a header value template; control characters (CR, LF, …)
/// from values are stripped so a value cannot add a header.
fn interpolate_header(template: &str, ctx: &RunContext) -> String {
    interpolate(template, ctx).chars().filter(|c| !c.is_control() || *c == '\t').collect()
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
    /// Put the contact into a drip sequence.
    Enroll {
        /// The sequence.
        campaign_id: String,
    },
}

/// What doing an effect again does, when a run resumes from a save taken
/// before it (a restart, or another node taking the conversation over): the
/// driver saves a run only where resuming from its last save could act
/// differently from the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// A send: done again under the same key, the outbox refuses it.
    Deduplicated,
    /// A change to the contact (tags, a field, a drip enrolment): done again,
    /// it changes nothing more; but a step before it in the same unsaved
    /// stretch may have read what it changes.
    Idempotent,
    /// A call out or a hand-over (API, webhook, assignment, hand-off): done
    /// again it may answer or pick differently, or be seen twice.
    External,
}

impl Effect {
    /// How this effect behaves when done again (see [`Replay`]).
    pub fn replay(&self) -> Replay {
        match self {
            Effect::Send { .. } => Replay::Deduplicated,
            Effect::Tag { .. } | Effect::SetField { .. } | Effect::Enroll { .. } => Replay::Idempotent,
            Effect::Api { .. } | Effect::Webhook { .. } | Effect::Assign { .. } | Effect::Handoff { .. } => Replay::External,
        }
    }
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

/// The message a node sends.
fn message_of(spec: &NodeSpec, ctx: &RunContext) -> Option<Effect> {
    let (kind, content) = match spec {
        NodeSpec::Message(MessageSpec::Text { text }) => ("text".to_owned(), json!({"body": interpolate(text, ctx)})),
        NodeSpec::Message(MessageSpec::Media(m)) => {
            let mut obj = Map::new();
            for (key, v) in [("link", &m.link), ("id", &m.id), ("filename", &m.filename), ("caption", &m.caption)] {
                if let Some(v) = v {
                    obj.insert(key.into(), json!(interpolate(v, ctx)));
                }
            }
            (m.kind.clone(), Value::Object(obj))
        }
        NodeSpec::Template { name, language, components } => {
            ("template".to_owned(), json!({"name": name, "language": {"code": language}, "components": interpolate_value(components, ctx)}))
        }
        NodeSpec::Buttons { text, buttons } => {
            let buttons: Vec<Value> =
                buttons.iter().map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": interpolate(&b.title, ctx)}})).collect();
            ("interactive".to_owned(), json!({"type": "button", "body": {"text": interpolate(text, ctx)}, "action": {"buttons": buttons}}))
        }
        NodeSpec::List { text, button, sections } => {
            let sections: Vec<Value> = sections
                .iter()
                .map(|s| {
                    let rows: Vec<Value> = s
                        .rows
                        .iter()
                        .map(|r| {
                            let mut row = json!({"id": r.id, "title": interpolate(&r.title, ctx)});
                            if let Some(desc) = &r.description {
                                row["description"] = json!(interpolate(desc, ctx));
                            }
                            row
                        })
                        .collect();
                    json!({"title": interpolate(&s.title, ctx), "rows": rows})
                })
                .collect();
            (
                "interactive".to_owned(),
                json!({"type": "list", "body": {"text": interpolate(text, ctx)}, "action": {"button": button, "sections": sections}}),
            )
        }
        NodeSpec::Input(input) => ("text".to_owned(), json!({"body": interpolate(&input.prompt, ctx)})),
        _ => return None,
    };
    Some(Effect::Send { kind, content })
}

/// Executes one node (`id`, with its parsed settings).
pub fn execute(flow: &Flow, id: &str, spec: &NodeSpec, ctx: &RunContext) -> Step {
    let next = || flow.next(id, None).map(str::to_owned);
    match spec {
        NodeSpec::Message(_) | NodeSpec::Template { .. } => Step { effect: message_of(spec, ctx), then: Then::Goto(next()) },
        NodeSpec::Buttons { .. } | NodeSpec::List { .. } => Step { effect: message_of(spec, ctx), then: Then::WaitReply },
        NodeSpec::Input(input) => {
            Step { effect: message_of(spec, ctx), then: Then::WaitInput { retries: input.retries, timeout_seconds: input.timeout_seconds } }
        }
        NodeSpec::Condition { rules } => {
            let handle = rules.iter().find(|r| rule_holds(r, ctx)).map_or("else", |r| r.handle.as_str());
            Step { effect: None, then: Then::Goto(flow.next(id, Some(handle)).map(str::to_owned)) }
        }
        NodeSpec::Delay { seconds } => Step { effect: None, then: Then::Delay { seconds: *seconds } },
        NodeSpec::Api(api) => Step {
            effect: Some(Effect::Api {
                method: api.method.clone(),
                url: interpolate_url(&api.url, ctx),
                headers: api.headers.iter().map(|(k, v)| (k.clone(), interpolate_header(v, ctx))).collect(),
                body: api.body.as_ref().map(|b| interpolate_value(b, ctx)),
                timeout_ms: api.timeout_ms,
            }),
            then: Then::AwaitApi,
        },
        NodeSpec::Webhook { url } => Step {
            effect: Some(Effect::Webhook {
                url: interpolate_url(url, ctx),
                body: json!({"contact": ctx.contact, "vars": ctx.vars, "message": ctx.message}),
            }),
            then: Then::Goto(next()),
        },
        NodeSpec::Assign { agent_id, team, strategy } => Step {
            effect: Some(Effect::Assign { agent_id: agent_id.clone(), team: team.clone(), strategy: strategy.clone() }),
            then: Then::Goto(next()),
        },
        NodeSpec::Tag { add, remove } => {
            Step { effect: Some(Effect::Tag { add: add.clone(), remove: remove.clone() }), then: Then::Goto(next()) }
        }
        NodeSpec::SetField { field, value } => {
            Step { effect: Some(Effect::SetField { field: field.clone(), value: interpolate_value(value, ctx) }), then: Then::Goto(next()) }
        }
        NodeSpec::Enroll { campaign_id } => {
            Step { effect: Some(Effect::Enroll { campaign_id: campaign_id.clone() }), then: Then::Goto(next()) }
        }
        NodeSpec::Jump { target } => Step { effect: None, then: Then::Goto(Some(target.clone())) },
        NodeSpec::Handoff { note } => {
            Step { effect: Some(Effect::Handoff { note: note.as_deref().map(|n| interpolate(n, ctx)) }), then: Then::Pause }
        }
        NodeSpec::End => Step { effect: None, then: Then::End },
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `equals`: numerically when both sides are numbers ("5.0" equals 5),
/// otherwise as text without regard to case; `not_equals` is its negation.
fn equals(v: &Value, want: &Value) -> bool {
    match (number(v), number(want)) {
        (Some(a), Some(b)) if !v.is_array() => (a - b).abs() < f64::EPSILON,
        _ => as_text(v).eq_ignore_ascii_case(&as_text(want)),
    }
}

/// Whether one condition rule holds.
pub fn rule_holds(rule: &Rule, ctx: &RunContext) -> bool {
    let field = ctx.field(&rule.field);
    let want = &rule.value;
    match &rule.operator {
        Operator::Exists => field.is_some_and(|v| v != json!("") && v != json!([])),
        Operator::NotExists => field.is_none_or(|v| v == json!("") || v == json!([])),
        Operator::Equals => field.is_some_and(|v| equals(&v, want)),
        Operator::NotEquals => !field.is_some_and(|v| equals(&v, want)),
        Operator::Contains => field.is_some_and(|v| match &v {
            Value::Array(a) => a.iter().any(|x| as_text(x).eq_ignore_ascii_case(&as_text(want))),
            other => as_text(other).to_lowercase().contains(&as_text(want).to_lowercase()),
        }),
        Operator::Greater => field.and_then(|v| number(&v)).zip(number(want)).is_some_and(|(a, b)| a > b),
        Operator::Less => field.and_then(|v| number(&v)).zip(number(want)).is_some_and(|(a, b)| a < b),
        Operator::Regex(pattern) => field.is_some_and(|v| pattern.is_match(&as_text(&v))),
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

/// A reply to a buttons or list node (`id`, with its parsed settings): the
/// branch of the chosen option (by id, or by title typed as text), or None
/// when it matches nothing.
pub fn branch_for_reply(flow: &Flow, id: &str, spec: &NodeSpec, message: &Value) -> Option<Option<String>> {
    let reply_id = message["reply_id"].as_str();
    let typed = message["text"].as_str().map(|t| t.trim().to_lowercase());
    let options: Vec<(&str, &str)> = match spec {
        NodeSpec::Buttons { buttons, .. } => buttons.iter().map(|b| (b.id.as_str(), b.title.as_str())).collect(),
        NodeSpec::List { sections, .. } => sections.iter().flat_map(|s| &s.rows).map(|r| (r.id.as_str(), r.title.as_str())).collect(),
        _ => Vec::new(),
    };
    let chosen = options.iter().find(|(id, title)| reply_id == Some(*id) || typed.as_deref() == Some(title.to_lowercase().as_str()))?;
    Some(flow.next(id, Some(chosen.0)).or_else(|| flow.next(id, None)).map(str::to_owned))
}

/// Checks an answer to an input node; the value to store when valid.
pub fn validate_input(input: &InputSpec, message: &Value) -> Option<Value> {
    let answer = message["reply_id"].as_str().or(message["text"].as_str()).unwrap_or("").trim().to_owned();
    if answer.is_empty() {
        return None;
    }
    match &input.validation {
        // A whole number stays whole ("5", not "5.0", when the bot says it back).
        InputValidation::Number => {
            let answer = answer.replace(',', "");
            match answer.parse::<i64>() {
                Ok(n) => Some(Value::from(n)),
                Err(_) => answer.parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
            }
        }
        InputValidation::Email => {
            let ok = answer.split_once('@').is_some_and(|(l, dom)| !l.is_empty() && dom.contains('.') && !dom.ends_with('.'))
                && !answer.contains(' ');
            if ok {
                Some(json!(answer.to_lowercase()))
            } else {
                None
            }
        }
        InputValidation::Phone => PhoneNumber::parse(&answer).ok().map(|p| json!(p.as_str())),
        InputValidation::Regex(pattern) => {
            if pattern.is_match(&answer) {
                Some(json!(answer))
            } else {
                None
            }
        }
        InputValidation::Choice(choices) => {
            let by_number = answer.parse::<usize>().ok().and_then(|i| i.checked_sub(1)).and_then(|i| choices.get(i));
            by_number.or_else(|| choices.iter().find(|c| c.eq_ignore_ascii_case(&answer))).map(|c| json!(c))
        }
        InputValidation::Text => Some(json!(answer)),
    }
}

/// The variables an API answer fills (`save: {var: "json.path"}`).
pub fn api_saves(api: &ApiSpec, answer: &Value) -> Map<String, Value> {
    api.save.iter().filter_map(|(var, path)| path.find(answer).map(|v| (var.clone(), v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{validate, FlowData, Node};

    fn spec(kind: &str, data: Value) -> NodeSpec {
        NodeSpec::parse(&Node { id: "n".into(), kind: kind.into(), position: Value::Null, data }).unwrap()
    }

    fn input(data: Value) -> InputSpec {
        let mut data = data;
        data["prompt"] = json!("?");
        data["variable"] = json!("v");
        match spec("input", data) {
            NodeSpec::Input(i) => i,
            other => panic!("not an input: {other:?}"),
        }
    }

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
        let r = |field: &str, op: &str, value: Value| match spec(
            "condition",
            json!({"rules": [{"field": field, "operator": op, "value": value, "handle": "h"}]}),
        ) {
            NodeSpec::Condition { rules } => rule_holds(&rules[0], &c),
            other => panic!("not a condition: {other:?}"),
        };
        assert!(r("contact.tags", "contains", json!("VIP")));
        assert!(r("vars.total", "greater", json!(100)));
        assert!(!r("vars.total", "less", json!(100)));
        assert!(r("message.text", "contains", json!("order")));
        assert!(r("message.text", "regex", json!("^where")));
        assert!(r("vars.order_id", "equals", json!(4821)));
        assert!(r("vars.nothing", "not_exists", json!(null)));
        assert!(r("contact.name", "exists", json!(null)));
        assert!(r("contact.name", "not_equals", json!("ravi")));
        assert!(!r("vars.order_id", "not_equals", json!(4821)), "not_equals is the negation of equals");
        assert!(!r("vars.order_id", "not_equals", json!("4821.0")), "numbers compare as numbers both ways");
    }

    #[test]
    fn inputs_validate_by_kind() {
        let msg = |t: &str| json!({"type": "text", "text": t});
        assert_eq!(validate_input(&input(json!({"validation": "number"})), &msg("1,250")), Some(json!(1250)));
        assert_eq!(validate_input(&input(json!({"validation": "number"})), &msg("2.5")), Some(json!(2.5)));
        assert!(validate_input(&input(json!({"validation": "number"})), &msg("lots")).is_none());
        assert_eq!(validate_input(&input(json!({"validation": "email"})), &msg("A@B.co")), Some(json!("a@b.co")));
        assert!(validate_input(&input(json!({"validation": "email"})), &msg("nope")).is_none());
        assert_eq!(validate_input(&input(json!({"validation": "phone"})), &msg("+1 415 555 0101")), Some(json!("+14155550101")));
        assert_eq!(validate_input(&input(json!({"validation": "choice", "choices": ["Small", "Large"]})), &msg("2")), Some(json!("Large")));
        assert!(validate_input(&input(json!({"validation": "regex", "pattern": "^#?\\d{4}$"})), &msg("order?")).is_none());
        assert_eq!(validate_input(&input(json!({"validation": "regex", "pattern": "^#?\\d{4}$"})), &msg("#4821")), Some(json!("#4821")));
    }

    #[test]
    fn replies_branch_by_button_id_or_typed_title() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "b", "type": "buttons", "data": {"start": true, "text": "Pick", "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]}},
            {"id": "y", "type": "end"}, {"id": "n", "type": "end"}],
            "edges": [{"id": "1", "source": "b", "target": "y", "sourceHandle": "yes"}, {"id": "2", "source": "b", "target": "n", "sourceHandle": "no"}]})).unwrap();
        let flow = validate(&data).unwrap();
        let b = flow.spec("b").unwrap();
        assert_eq!(branch_for_reply(&flow, "b", b, &json!({"reply_id": "no"})), Some(Some("n".into())));
        assert_eq!(branch_for_reply(&flow, "b", b, &json!({"text": " yes "})), Some(Some("y".into())));
        assert_eq!(branch_for_reply(&flow, "b", b, &json!({"text": "maybe"})), None);
    }

    #[test]
    fn api_answers_fill_variables_by_path() {
        let NodeSpec::Api(api) = spec(
            "api",
            json!({"url": "https://x.test", "save": {"status": "data.order.status", "first": "$.items.0", "last": "$.items[-1]", "odd": 3}}),
        ) else {
            panic!("not an api spec")
        };
        let saved = api_saves(&api, &json!({"data": {"order": {"status": "shipped"}}, "items": ["x", "y"]}));
        assert_eq!(saved["status"], "shipped");
        assert_eq!(saved["first"], "x");
        assert_eq!(saved["last"], "y", "RFC 9535 JSONPath works too");
    }

    #[test]
    fn url_values_are_percent_encoded_but_the_template_is_not() {
        let mut c = ctx();
        c.vars.insert("x".into(), json!("a/b?c=d&e"));
        c.vars.insert("evil".into(), json!("../admin?x="));
        c.vars.insert("dots".into(), json!(".."));
        assert_eq!(
            interpolate_url("https://api.test/v1/orders/{{vars.x}}?q=1&r=2", &c),
            "https://api.test/v1/orders/a%2Fb%3Fc%3Dd%26e?q=1&r=2"
        );
        assert_eq!(interpolate_url("https://api.test/orders/{{vars.evil}}", &c), "https://api.test/orders/..%2Fadmin%3Fx%3D");
        assert_eq!(interpolate_url("https://api.test/orders/{{vars.dots}}/items", &c), "https://api.test/orders//items", "no dot segment");
        assert_eq!(interpolate_url("https://api.test/s?q={{vars.dots}}", &c), "https://api.test/s?q=..", "dots are harmless in a query");
        assert_eq!(
            interpolate_url("https://api.test/c/{{contact.phone}}/{{contact.name}} x", &c),
            "https://api.test/c/%2B14155550101/Asha x"
        );
        assert_eq!(interpolate_url("https://api.test/m?t={{message.text}}", &c), "https://api.test/m?t=Where%20is%20my%20ORDER%3F");
    }

    #[test]
    fn api_and_webhook_steps_encode_urls_and_strip_header_breaks() {
        let data: FlowData = serde_json::from_value(json!({"nodes": [
            {"id": "a", "type": "api", "data": {"start": true, "url": "https://api.test/o/{{vars.x}}", "headers": {"X-Q": "{{vars.x}}", "X-N": 5},
                                                "body": {"q": "{{vars.x}}"}}},
            {"id": "w", "type": "webhook", "data": {"url": "https://hook.test/{{vars.x}}"}}],
            "edges": [{"id": "1", "source": "a", "target": "w", "sourceHandle": "ok"}]})).unwrap();
        let flow = validate(&data).unwrap();
        let mut c = ctx();
        c.vars.insert("x".into(), json!("a/b?c=d&e\r\nX-Evil: 1"));
        let step = execute(&flow, "a", flow.spec("a").unwrap(), &c);
        let Some(Effect::Api { url, mut headers, body, method, timeout_ms }) = step.effect else { panic!("not an api effect") };
        headers.sort();
        assert_eq!(url, "https://api.test/o/a%2Fb%3Fc%3Dd%26e%0D%0AX-Evil%3A%201");
        assert_eq!(headers, vec![("X-N".to_owned(), "5".to_owned()), ("X-Q".to_owned(), "a/b?c=d&eX-Evil: 1".to_owned())]);
        assert_eq!(body, Some(json!({"q": "a/b?c=d&e\r\nX-Evil: 1"})), "JSON bodies are not encoded");
        assert_eq!((method.as_str(), timeout_ms), ("GET", crate::flow::DEFAULT_API_TIMEOUT_MS));
        let step = execute(&flow, "w", flow.spec("w").unwrap(), &c);
        let Some(Effect::Webhook { url, .. }) = step.effect else { panic!("not a webhook effect") };
        assert_eq!(url, "https://hook.test/a%2Fb%3Fc%3Dd%26e%0D%0AX-Evil%3A%201");
    }
}
