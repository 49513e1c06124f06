//! Automation rules: an event (message received, conversation created,
//! resolved or assigned, tag added, a send failed, no agent reply within N
//! minutes, a campaign reply, an SLA breach, a CSAT answer) → conditions
//! over the message, contact, conversation and business hours → actions
//! (assign, tag, set status or priority, send a message or template, start
//! a flow, add a note, call a webhook, notify), in order. A rule never
//! re-triggers itself: for a minute after it acted on a conversation, the
//! events its own actions cause there do not fire it again.
//!
//! [`worker`] consumes the internal event queue (see the automation
//! migration) for rules, away messages ([`hours`]) and the satisfaction
//! survey ([`csat`]).

pub mod csat;
pub mod hours;
pub mod worker;

use regex::RegexBuilder;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The events a rule may listen to, with what fires them.
pub const RULE_EVENTS: &[(&str, &str)] = &[
    ("message.received", "A customer's message arrived"),
    ("conversation.created", "A conversation was opened"),
    ("conversation.resolved", "A conversation was resolved"),
    ("conversation.assigned", "A conversation's assignee or team changed"),
    ("tag.added", "A tag was added to the conversation or its contact"),
    ("message.failed", "One of our messages failed"),
    ("no_agent_reply", "The customer waited `minutes` without an agent's answer"),
    ("campaign.reply", "A customer answered a campaign message"),
    ("sla.breached", "A conversation missed its SLA target"),
    ("csat.received", "A customer rated the conversation"),
];

/// The internal event types that can fire a rule listening to `event`
/// (none: timed by the worker).
pub fn sources(event: &str) -> &'static [&'static str] {
    match event {
        "message.received" | "campaign.reply" => &["message.received"],
        "conversation.created" => &["conversation.created"],
        "conversation.resolved" => &["conversation.updated"],
        "conversation.assigned" => &["conversation.assigned"],
        "tag.added" => &["contact.updated", "conversation.tags"],
        "message.failed" => &["message.status"],
        "sla.breached" => &["sla.breached"],
        "csat.received" => &["csat.received"],
        _ => &[],
    }
}

/// One condition: `field` compared by `op` with `value`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// `message.text`, `message.type`, `contact.name`, `contact.phone`,
    /// `contact.tags`, `contact.<custom field>`, `conversation.status`,
    /// `conversation.tags`, `conversation.priority`, `conversation.channel_id`,
    /// `conversation.team_id`, `business_hours` (`inside`/`outside`), `tag`.
    pub field: String,
    /// `eq`, `neq`, `contains`, `not_contains`, `regex`, `in`, `exists`,
    /// `not_exists`, `gt`, `lt`.
    pub op: String,
    /// What to compare with (a list for `in`; none for `exists`).
    #[serde(default)]
    pub value: Value,
}

/// `{"all": [...]}` (every one holds) or `{"any": [...]}` (one does).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Every one must hold.
    #[serde(default)]
    pub all: Vec<Condition>,
    /// At least one must hold (when any are given).
    #[serde(default)]
    pub any: Vec<Condition>,
}

/// What a rule does, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Assign to an agent, or put in a team (given to a member by its rule).
    Assign {
        /// The agent.
        #[serde(default)]
        agent_id: Option<uuid::Uuid>,
        /// The team.
        #[serde(default)]
        team_id: Option<uuid::Uuid>,
    },
    /// Add or remove tags of the conversation (or its contact).
    Tag {
        /// Tags to add.
        #[serde(default)]
        add: Vec<String>,
        /// Tags to remove.
        #[serde(default)]
        remove: Vec<String>,
        /// `conversation` (default) or `contact`.
        #[serde(default)]
        target: Option<String>,
    },
    /// Set the conversation's status.
    SetStatus {
        /// open, pending, resolved or closed.
        status: String,
    },
    /// Set the conversation's priority.
    SetPriority {
        /// low, normal, high or urgent.
        priority: String,
    },
    /// Send a text (inside the customer's window only).
    SendMessage {
        /// The text; `{{contact.name}}`-style variables are filled.
        text: String,
    },
    /// Send an approved template.
    SendTemplate {
        /// Its name.
        name: String,
        /// Its language code.
        language: String,
        /// Its parameters, in the Cloud API's shape.
        #[serde(default)]
        components: Vec<Value>,
    },
    /// Start a flow in the conversation.
    StartFlow {
        /// The flow.
        flow_id: uuid::Uuid,
    },
    /// Enrol the conversation's contact in a drip sequence (running or
    /// paused; its re-entry policy applies).
    EnrollInSequence {
        /// The sequence (a drip campaign's id).
        campaign_id: uuid::Uuid,
    },
    /// Add an internal note.
    AddNote {
        /// The note; variables are filled.
        text: String,
    },
    /// POST the event to a URL (through the egress client).
    CallWebhook {
        /// Where.
        url: String,
    },
    /// Tell the account's people (or some of them) live.
    Notify {
        /// What to say; variables are filled.
        text: String,
        /// Only these people (default: the admins and the assignee).
        #[serde(default)]
        user_ids: Vec<uuid::Uuid>,
    },
}

impl Action {
    /// The internal event types this action causes in its conversation
    /// (loop protection).
    pub fn produces(&self) -> &'static [&'static str] {
        match self {
            Self::Assign { .. } => &["conversation.assigned"],
            Self::Tag { target, .. } if target.as_deref() == Some("contact") => &["contact.updated"],
            Self::Tag { .. } => &["conversation.tags"],
            Self::SetStatus { .. } => &["conversation.updated"],
            Self::SendMessage { .. } | Self::SendTemplate { .. } | Self::StartFlow { .. } => &["message.status"],
            Self::EnrollInSequence { .. } => &["message.status"],
            Self::SetPriority { .. } | Self::AddNote { .. } | Self::CallWebhook { .. } | Self::Notify { .. } => &[],
        }
    }

    /// Its kind, for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Tag { .. } => "tag",
            Self::SetStatus { .. } => "set_status",
            Self::SetPriority { .. } => "set_priority",
            Self::SendMessage { .. } => "send_message",
            Self::SendTemplate { .. } => "send_template",
            Self::StartFlow { .. } => "start_flow",
            Self::EnrollInSequence { .. } => "enroll_in_sequence",
            Self::AddNote { .. } => "add_note",
            Self::CallWebhook { .. } => "call_webhook",
            Self::Notify { .. } => "notify",
        }
    }
}

/// Most conditions and actions in one rule.
pub const MAX_CONDITIONS: usize = 20;
/// Most actions in one rule.
pub const MAX_ACTIONS: usize = 10;
/// Most rules in one account.
pub const MAX_RULES: i64 = 100;
/// The largest compiled regular expression a condition may use.
const REGEX_SIZE_LIMIT: usize = 64 * 1024;

/// What is wrong with a rule, for the 400 message.
pub fn validate(event: &str, minutes: Option<i32>, conditions: &Conditions, actions: &[Action]) -> Result<(), String> {
    if !RULE_EVENTS.iter().any(|(e, _)| *e == event) {
        let known: Vec<&str> = RULE_EVENTS.iter().map(|(e, _)| *e).collect();
        return Err(format!("`event` must be one of {}", known.join(", ")));
    }
    match (event, minutes) {
        ("no_agent_reply", None) => return Err("`minutes` (1 to 10080) is required for no_agent_reply".into()),
        ("no_agent_reply", Some(m)) if !(1..=10080).contains(&m) => return Err("`minutes` must be 1 to 10080".into()),
        ("no_agent_reply", _) => {}
        (_, Some(_)) => return Err("`minutes` is for no_agent_reply only".into()),
        _ => {}
    }
    if conditions.all.len() + conditions.any.len() > MAX_CONDITIONS {
        return Err(format!("a rule has at most {MAX_CONDITIONS} conditions"));
    }
    for c in conditions.all.iter().chain(&conditions.any) {
        if !matches!(c.op.as_str(), "eq" | "neq" | "contains" | "not_contains" | "regex" | "in" | "exists" | "not_exists" | "gt" | "lt") {
            return Err(format!(
                "condition on `{}`: `op` must be eq, neq, contains, not_contains, regex, in, exists, not_exists, gt or lt",
                c.field
            ));
        }
        if c.field.is_empty() || c.field.len() > 100 {
            return Err("a condition's `field` must be 1 to 100 characters".into());
        }
        if c.op == "regex" {
            let pattern = c.value.as_str().ok_or(format!("condition on `{}`: a regex `value` is a string", c.field))?;
            RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("condition on `{}`: the regex does not compile: {e}", c.field))?;
        }
        if c.op == "in" && !c.value.is_array() {
            return Err(format!("condition on `{}`: `in` takes a list", c.field));
        }
    }
    if actions.is_empty() || actions.len() > MAX_ACTIONS {
        return Err(format!("a rule has 1 to {MAX_ACTIONS} actions"));
    }
    for a in actions {
        match a {
            Action::Assign { agent_id: None, team_id: None } => return Err("assign needs `agent_id` or `team_id`".into()),
            Action::Tag { add, remove, target } => {
                if add.is_empty() && remove.is_empty() {
                    return Err("tag needs `add` or `remove`".into());
                }
                if !matches!(target.as_deref(), None | Some("conversation") | Some("contact")) {
                    return Err("tag `target` must be conversation or contact".into());
                }
                if add.iter().chain(remove).any(|t| t.trim().is_empty() || t.len() > 50) {
                    return Err("tags are 1 to 50 characters".into());
                }
            }
            Action::SetStatus { status } if !matches!(status.as_str(), "open" | "pending" | "resolved" | "closed") => {
                return Err("set_status `status` must be open, pending, resolved or closed".into())
            }
            Action::SetPriority { priority } if !matches!(priority.as_str(), "low" | "normal" | "high" | "urgent") => {
                return Err("set_priority `priority` must be low, normal, high or urgent".into())
            }
            Action::SendMessage { text } | Action::AddNote { text } | Action::Notify { text, .. }
                if text.trim().is_empty() || text.chars().count() > 4096 =>
            {
                return Err(format!("{} `text` must be 1 to 4096 characters", a.kind()))
            }
            Action::CallWebhook { url } if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 => {
                return Err("call_webhook `url` must be an http(s) URL".into())
            }
            Action::SendTemplate { name, language, .. } if name.is_empty() || language.is_empty() => {
                return Err("send_template needs `name` and `language`".into())
            }
            _ => {}
        }
    }
    Ok(())
}

/// Looks a dotted `field` up in the facts; `contact.<x>` falls back to the
/// contact's custom field `x`.
fn lookup<'a>(facts: &'a Value, field: &str) -> Option<&'a Value> {
    let mut v = facts;
    for part in field.split('.') {
        v = v.get(part)?;
    }
    if v.is_null() {
        return None;
    }
    Some(v)
}

fn field_value<'a>(facts: &'a Value, field: &str) -> Option<&'a Value> {
    lookup(facts, field).or_else(|| field.strip_prefix("contact.").and_then(|f| facts["contact"]["fields"].get(f)).filter(|v| !v.is_null()))
}

fn text_of(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn holds(c: &Condition, facts: &Value) -> bool {
    let got = field_value(facts, &c.field);
    let want = &c.value;
    match c.op.as_str() {
        "exists" => got.is_some(),
        "not_exists" => got.is_none(),
        "eq" => got.is_some_and(|g| g == want || text_of(g).eq_ignore_ascii_case(&text_of(want))),
        "neq" => !got.is_some_and(|g| g == want || text_of(g).eq_ignore_ascii_case(&text_of(want))),
        "contains" | "not_contains" => {
            let found = match got {
                Some(Value::Array(items)) => items.iter().any(|i| text_of(i).eq_ignore_ascii_case(&text_of(want))),
                Some(g) => text_of(g).to_lowercase().contains(&text_of(want).to_lowercase()),
                None => false,
            };
            found == (c.op == "contains")
        }
        "regex" => match (got, want.as_str()) {
            (Some(g), Some(p)) => RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build().is_ok_and(|re| re.is_match(&text_of(g))),
            _ => false,
        },
        "in" => got.is_some_and(|g| want.as_array().is_some_and(|list| list.iter().any(|w| w == g || text_of(w) == text_of(g)))),
        "gt" | "lt" => match (got.and_then(|g| g.as_f64().or_else(|| text_of(g).parse().ok())), want.as_f64()) {
            (Some(g), Some(w)) => (c.op == "gt" && g > w) || (c.op == "lt" && g < w),
            _ => false,
        },
        _ => false,
    }
}

/// Whether the facts meet the conditions (none: always).
pub fn matches(conditions: &Conditions, facts: &Value) -> bool {
    conditions.all.iter().all(|c| holds(c, facts)) && (conditions.any.is_empty() || conditions.any.iter().any(|c| holds(c, facts)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(field: &str, op: &str, value: Value) -> Condition {
        Condition { field: field.into(), op: op.into(), value }
    }

    #[test]
    fn conditions_read_the_message_contact_and_hours() {
        let facts = json!({
            "message": {"text": "Where is my ORDER 42?", "type": "text"},
            "contact": {"name": "Asha", "tags": ["vip"], "fields": {"order_placed": true, "spend": 1200}},
            "conversation": {"status": "open", "tags": []},
            "business_hours": "outside",
        });
        let all = |c: Vec<Condition>| Conditions { all: c, any: vec![] };
        assert!(matches(&all(vec![cond("message.text", "contains", json!("order"))]), &facts));
        assert!(matches(&all(vec![cond("message.text", "regex", json!(r"(?i)order\s+\d+"))]), &facts));
        assert!(matches(&all(vec![cond("contact.tags", "contains", json!("VIP"))]), &facts));
        assert!(matches(&all(vec![cond("contact.order_placed", "eq", json!(true))]), &facts));
        assert!(matches(&all(vec![cond("contact.spend", "gt", json!(1000))]), &facts));
        assert!(matches(&all(vec![cond("business_hours", "eq", json!("outside"))]), &facts));
        assert!(!matches(&all(vec![cond("contact.tags", "contains", json!("lead"))]), &facts));
        assert!(matches(&all(vec![cond("contact.email", "not_exists", Value::Null)]), &facts));
        assert!(matches(&all(vec![cond("conversation.status", "in", json!(["open", "pending"]))]), &facts));
        let any = Conditions {
            all: vec![],
            any: vec![cond("message.text", "contains", json!("refund")), cond("contact.name", "eq", json!("asha"))],
        };
        assert!(matches(&any, &facts));
        assert!(matches(&Conditions::default(), &facts));
    }

    #[test]
    fn rules_are_checked_with_a_message_that_names_the_fix() {
        let ok = vec![Action::SetPriority { priority: "high".into() }];
        assert!(validate("message.received", None, &Conditions::default(), &ok).is_ok());
        assert!(validate("message.*", None, &Conditions::default(), &ok).unwrap_err().contains("message.received"));
        assert!(validate("no_agent_reply", None, &Conditions::default(), &ok).unwrap_err().contains("minutes"));
        assert!(validate("message.received", None, &Conditions::default(), &[]).is_err());
        let bad_re = Conditions { all: vec![cond("message.text", "regex", json!("(unclosed"))], any: vec![] };
        assert!(validate("message.received", None, &bad_re, &ok).unwrap_err().contains("regex"));
        assert!(validate("message.received", None, &Conditions::default(), &[Action::Assign { agent_id: None, team_id: None }]).is_err());
    }

    #[test]
    fn actions_parse_from_their_json() {
        let a: Vec<Action> = serde_json::from_value(json!([
            {"type": "assign", "team_id": "00000000-0000-0000-0000-000000000001"},
            {"type": "tag", "add": ["vip"]},
            {"type": "send_message", "text": "Hi {{contact.name}}"},
        ]))
        .unwrap();
        assert_eq!(a[1].produces(), ["conversation.tags"]);
        assert!(serde_json::from_value::<Action>(json!({"type": "explode"})).is_err());
    }
}
