//! A segment's rule: a tree of `all` / `any` groups over conditions on a
//! contact, read from JSON with an error that names the wrong path, and
//! written back in one canonical form.
//!
//! ```json
//! {"all": [{"field": "tag", "op": "has", "value": "vip"},
//!          {"any": [{"field": "custom.city", "op": "eq", "value": "Chennai"},
//!                   {"field": "last_inbound", "op": "within_days", "value": 30}]}]}
//! ```

use serde_json::{json, Map, Value};
use uuid::Uuid;
use whatsflow_actors::ports::ConversationStatus;

/// Most groups from the top one down to the deepest.
pub const MAX_DEPTH: usize = 4;
/// Most conditions in one rule.
pub const MAX_CONDITIONS: usize = 30;
/// Longest text a condition compares with.
pub const MAX_VALUE_CHARS: usize = 200;
/// Longest custom field name.
const MAX_FIELD_CHARS: usize = 64;
/// Most days a time condition looks back.
const MAX_DAYS: i64 = 3650;

/// How a group combines its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// Every member holds.
    All,
    /// At least one member holds.
    Any,
}

impl Join {
    fn key(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Any => "any",
        }
    }
}

/// A rule: a group of rules or one condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `{"all": [...]}` or `{"any": [...]}`.
    Group(Join, Vec<Rule>),
    /// `{"field", "op", "value"}`.
    Condition(Condition),
}

/// What a custom field is tested for.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldTest {
    /// Equal (text case-insensitively; numbers and booleans exactly).
    Eq(Value),
    /// Not equal, missing included.
    Neq(Value),
    /// Text containing this, case-insensitively.
    Contains(String),
    /// A number (or numeric text) greater than this.
    Gt(f64),
    /// A number (or numeric text) less than this.
    Lt(f64),
    /// Present and not empty.
    Exists,
    /// Absent, null or empty.
    Missing,
}

/// When the customer last wrote to the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastInbound {
    /// In the last N days.
    WithinDays(i64),
    /// Once, but not in the last N days.
    OlderThanDays(i64),
    /// Never.
    Never,
}

/// One test on a contact.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Has this contact tag.
    HasTag(String),
    /// Lacks this contact tag.
    LacksTag(String),
    /// A custom field's test.
    Custom(String, FieldTest),
    /// Marketing consent is (or is not) given.
    OptedIn(bool),
    /// Has a conversation on this number.
    Channel(Uuid),
    /// Their last message's age.
    LastInbound(LastInbound),
    /// Has a conversation in this status.
    ConversationStatus(ConversationStatus),
    /// Their phone starts with this (`+91`).
    PhoneStartsWith(String),
    /// Their name contains this, case-insensitively.
    NameContains(String),
}

impl Rule {
    /// Reads and checks a rule; the error names the path (`rule.all[1].value`).
    pub fn parse(v: &Value) -> Result<Rule, String> {
        let mut conditions = 0;
        let rule = parse_at(v, "rule", 1, &mut conditions)?;
        if matches!(rule, Rule::Condition(_)) {
            return Ok(Rule::Group(Join::All, vec![rule]));
        }
        Ok(rule)
    }

    /// The canonical JSON form (what is stored and shown).
    pub fn to_json(&self) -> Value {
        match self {
            Rule::Group(join, members) => json!({ join.key(): members.iter().map(Rule::to_json).collect::<Vec<_>>() }),
            Rule::Condition(c) => c.to_json(),
        }
    }
}

fn parse_at(v: &Value, path: &str, depth: usize, conditions: &mut usize) -> Result<Rule, String> {
    let Some(obj) = v.as_object() else {
        return Err(format!("`{path}` must be an object: {{\"all\": [...]}}, {{\"any\": [...]}} or {{\"field\", \"op\", \"value\"}}"));
    };
    for join in [Join::All, Join::Any] {
        let Some(members) = obj.get(join.key()) else { continue };
        if obj.len() != 1 {
            return Err(format!("`{path}`: a group has only its `{}` list", join.key()));
        }
        if depth > MAX_DEPTH {
            return Err(format!("`{path}`: groups nest at most {MAX_DEPTH} deep"));
        }
        let Some(list) = members.as_array() else {
            return Err(format!("`{path}.{}` must be a list", join.key()));
        };
        if list.is_empty() {
            return Err(format!("`{path}.{}` is empty; add a condition or remove the group", join.key()));
        }
        let members = list
            .iter()
            .enumerate()
            .map(|(i, m)| parse_at(m, &format!("{path}.{}[{i}]", join.key()), depth + 1, conditions))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Rule::Group(join, members));
    }
    *conditions += 1;
    if *conditions > MAX_CONDITIONS {
        return Err(format!("`{path}`: a rule has at most {MAX_CONDITIONS} conditions"));
    }
    Condition::parse(obj, path).map(Rule::Condition)
}

impl Condition {
    fn parse(obj: &Map<String, Value>, path: &str) -> Result<Condition, String> {
        let field = obj.get("field").and_then(Value::as_str).ok_or_else(|| format!("`{path}.field` is missing"))?;
        let op = obj.get("op").and_then(Value::as_str).ok_or_else(|| format!("`{path}.op` is missing"))?;
        let value = obj.get("value").unwrap_or(&Value::Null);
        let vpath = format!("{path}.value");
        let bad_op = |ops: &str| format!("`{path}.op`: `{field}` takes {ops}, not `{op}`");
        if let Some(name) = field.strip_prefix("custom.") {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > MAX_FIELD_CHARS {
                return Err(format!("`{path}.field`: a custom field name is 1 to {MAX_FIELD_CHARS} characters"));
            }
            let test = match op {
                "eq" => FieldTest::Eq(scalar(value, &vpath)?),
                "neq" => FieldTest::Neq(scalar(value, &vpath)?),
                "contains" => FieldTest::Contains(text(value, &vpath)?),
                "gt" => FieldTest::Gt(number(value, &vpath)?),
                "lt" => FieldTest::Lt(number(value, &vpath)?),
                "exists" => FieldTest::Exists,
                "missing" => FieldTest::Missing,
                _ => return Err(bad_op("eq, neq, contains, gt, lt, exists or missing")),
            };
            return Ok(Condition::Custom(name.to_owned(), test));
        }
        Ok(match (field, op) {
            ("tag", "has") => Condition::HasTag(text(value, &vpath)?.to_lowercase()),
            ("tag", "lacks") => Condition::LacksTag(text(value, &vpath)?.to_lowercase()),
            ("tag", _) => return Err(bad_op("has or lacks")),
            ("opted_in", "eq") => {
                Condition::OptedIn(value.as_bool().ok_or_else(|| format!("`{vpath}` must be true or false"))?)
            }
            ("opted_in", _) => return Err(bad_op("eq")),
            ("channel", "eq") => Condition::Channel(
                value.as_str().and_then(|s| Uuid::parse_str(s).ok()).ok_or_else(|| format!("`{vpath}` must be a channel id"))?,
            ),
            ("channel", _) => return Err(bad_op("eq")),
            ("last_inbound", "within_days") => Condition::LastInbound(LastInbound::WithinDays(days(value, &vpath)?)),
            ("last_inbound", "older_than_days") => Condition::LastInbound(LastInbound::OlderThanDays(days(value, &vpath)?)),
            ("last_inbound", "never") => Condition::LastInbound(LastInbound::Never),
            ("last_inbound", _) => return Err(bad_op("within_days, older_than_days or never")),
            ("conversation_status", "eq") => Condition::ConversationStatus(
                value
                    .as_str()
                    .and_then(|s| ConversationStatus::ALL.into_iter().find(|c| c.as_str() == s))
                    .ok_or_else(|| format!("`{vpath}` must be open, pending, resolved or closed"))?,
            ),
            ("conversation_status", _) => return Err(bad_op("eq")),
            ("phone", "starts_with") => {
                let p = text(value, &vpath)?;
                let digits = p.strip_prefix('+').unwrap_or(&p);
                if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("`{vpath}` must be a `+` and digits, like +91"));
                }
                Condition::PhoneStartsWith(format!("+{digits}"))
            }
            ("phone", _) => return Err(bad_op("starts_with")),
            ("name", "contains") => Condition::NameContains(text(value, &vpath)?),
            ("name", _) => return Err(bad_op("contains")),
            _ => {
                return Err(format!(
                    "`{path}.field`: `{field}` is not a field; use tag, custom.<name>, opted_in, channel, last_inbound, conversation_status, phone or name"
                ))
            }
        })
    }

    fn to_json(&self) -> Value {
        let c = |field: &str, op: &str, value: Value| {
            if value.is_null() {
                json!({"field": field, "op": op})
            } else {
                json!({"field": field, "op": op, "value": value})
            }
        };
        match self {
            Self::HasTag(t) => c("tag", "has", json!(t)),
            Self::LacksTag(t) => c("tag", "lacks", json!(t)),
            Self::Custom(name, test) => {
                let field = format!("custom.{name}");
                match test {
                    FieldTest::Eq(v) => c(&field, "eq", v.clone()),
                    FieldTest::Neq(v) => c(&field, "neq", v.clone()),
                    FieldTest::Contains(s) => c(&field, "contains", json!(s)),
                    FieldTest::Gt(n) => c(&field, "gt", json!(n)),
                    FieldTest::Lt(n) => c(&field, "lt", json!(n)),
                    FieldTest::Exists => c(&field, "exists", Value::Null),
                    FieldTest::Missing => c(&field, "missing", Value::Null),
                }
            }
            Self::OptedIn(b) => c("opted_in", "eq", json!(b)),
            Self::Channel(id) => c("channel", "eq", json!(id)),
            Self::LastInbound(LastInbound::WithinDays(d)) => c("last_inbound", "within_days", json!(d)),
            Self::LastInbound(LastInbound::OlderThanDays(d)) => c("last_inbound", "older_than_days", json!(d)),
            Self::LastInbound(LastInbound::Never) => c("last_inbound", "never", Value::Null),
            Self::ConversationStatus(s) => c("conversation_status", "eq", json!(s.as_str())),
            Self::PhoneStartsWith(p) => c("phone", "starts_with", json!(p)),
            Self::NameContains(s) => c("name", "contains", json!(s)),
        }
    }
}

fn text(v: &Value, path: &str) -> Result<String, String> {
    let s = v.as_str().map(str::trim).ok_or_else(|| format!("`{path}` must be text"))?;
    if s.is_empty() || s.chars().count() > MAX_VALUE_CHARS {
        return Err(format!("`{path}` must be 1 to {MAX_VALUE_CHARS} characters"));
    }
    Ok(s.to_owned())
}

fn scalar(v: &Value, path: &str) -> Result<Value, String> {
    match v {
        Value::String(_) => Ok(Value::String(text(v, path)?)),
        Value::Number(_) | Value::Bool(_) => Ok(v.clone()),
        _ => Err(format!("`{path}` must be text, a number or true/false")),
    }
}

fn number(v: &Value, path: &str) -> Result<f64, String> {
    v.as_f64().filter(|n| n.is_finite()).ok_or_else(|| format!("`{path}` must be a number"))
}

fn days(v: &Value, path: &str) -> Result<i64, String> {
    v.as_i64().filter(|d| (1..=MAX_DAYS).contains(d)).ok_or_else(|| format!("`{path}` must be a whole number of days from 1 to {MAX_DAYS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_rule_reads_and_writes_back_the_same() {
        let v = json!({"all": [
            {"field": "tag", "op": "has", "value": " VIP "},
            {"any": [{"field": "custom.city", "op": "eq", "value": "Chennai"},
                     {"field": "last_inbound", "op": "within_days", "value": 30},
                     {"field": "last_inbound", "op": "never"}]}
        ]});
        let rule = Rule::parse(&v).unwrap();
        let back = rule.to_json();
        assert_eq!(back["all"][0]["value"], "vip");
        assert_eq!(back["all"][1]["any"][2], json!({"field": "last_inbound", "op": "never"}));
        assert_eq!(Rule::parse(&back).unwrap(), rule);
    }

    #[test]
    fn a_bare_condition_becomes_a_group() {
        let rule = Rule::parse(&json!({"field": "opted_in", "op": "eq", "value": true})).unwrap();
        assert_eq!(rule, Rule::Group(Join::All, vec![Rule::Condition(Condition::OptedIn(true))]));
    }

    #[test]
    fn errors_name_the_path_and_the_fix() {
        let err = |v: Value| Rule::parse(&v).unwrap_err();
        assert!(err(json!({"all": []})).contains("`rule.all` is empty"));
        assert!(err(json!({"all": [{"field": "tag", "op": "eq", "value": "x"}]})).contains("`rule.all[0].op`: `tag` takes has or lacks"));
        assert!(err(json!({"any": [{"field": "custom.n", "op": "gt", "value": "x"}]})).contains("`rule.any[0].value` must be a number"));
        assert!(err(json!({"all": [{"field": "colour", "op": "eq", "value": "x"}]})).contains("`colour` is not a field"));
        assert!(err(json!({"all": [{"field": "phone", "op": "starts_with", "value": "91%"}]})).contains("a `+` and digits"));
        assert!(err(json!({"all": [{"field": "last_inbound", "op": "within_days", "value": 0}]})).contains("from 1 to"));
        assert!(err(json!({"all": [{"field": "conversation_status", "op": "eq", "value": "done"}]})).contains("open, pending"));
        assert!(err(json!({"all": [], "any": []})).contains("a group has only"));
        assert!(err(json!([1])).contains("must be an object"));
    }

    #[test]
    fn limits_bound_depth_and_size() {
        let deep = json!({"all": [{"all": [{"all": [{"all": [{"all": [{"field": "opted_in", "op": "eq", "value": true}]}]}]}]}]});
        assert!(Rule::parse(&deep).unwrap_err().contains("at most 4 deep"));
        let wide = json!({"any": (0..31).map(|i| json!({"field": "tag", "op": "has", "value": format!("t{i}")})).collect::<Vec<_>>()});
        assert!(Rule::parse(&wide).unwrap_err().contains("at most 30 conditions"));
    }
}
