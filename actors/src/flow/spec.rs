//! Typed node settings. Each node's `type` + `data` is parsed once, when a
//! flow is validated (at save, and again when a stored version is loaded),
//! into a [`NodeSpec`] the interpreter runs without probing JSON by key.
//! Bounds are checked here so that nothing a flow stores can make a run
//! misbehave, and regexes are compiled here so a message never compiles one.
//! Keys this module does not know (`label`, builder UI state) are ignored.

use super::interpret::{as_text, DEFAULT_INPUT_RETRIES, OPERATORS};
use super::{
    node_problem, FlowProblem, Node, DEFAULT_API_TIMEOUT_MS, MAX_API_TIMEOUT_MS, MAX_CHOICES, MAX_HEADERS, MAX_HEADER_NAME_CHARS,
    MAX_HEADER_VALUE_CHARS, MAX_INPUT_RETRIES, MAX_NAME_CHARS, MAX_PATTERN_CHARS, MAX_RULES, MAX_SAVES, MAX_TAGS, MAX_TEXT_CHARS,
    MAX_URL_CHARS, MAX_WAIT_SECONDS, MIN_API_TIMEOUT_MS, MIN_WAIT_SECONDS, NODE_TYPES, REGEX_SIZE_LIMIT,
};
use crate::send::limits;
use serde_json::{json, Value};
use std::ops::RangeInclusive;

/// Media types a `message` node may send.
pub const MEDIA_KINDS: &[&str] = &["image", "video", "audio", "document", "sticker"];

/// HTTP methods an `api` node may use.
pub const API_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A case-insensitive regex compiled once (per flow version, or per active
/// flow's trigger) with a size limit, instead of once per inbound message.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    re: regex::Regex,
}

/// Why a pattern was refused: it does not parse, or compiles too large.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{pattern}` is not a usable regex: {reason}")]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// The regex engine's reason.
    pub reason: String,
}

impl Pattern {
    /// Compiles `source` case-insensitively within [`REGEX_SIZE_LIMIT`].
    pub fn new(source: &str) -> Result<Self, PatternError> {
        regex::RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(|re| Self { source: source.to_owned(), re })
            .map_err(|e| PatternError { pattern: source.to_owned(), reason: e.to_string() })
    }

    /// Whether the text matches anywhere.
    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// Two patterns are equal when written the same (compiled regexes have no equality).
impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// A node's settings by type (a node's `data` in the flow JSON the builder
/// saves), parsed and bounded.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeSpec {
    /// `message`: text or media.
    Message(MessageSpec),
    /// `template`: an approved template.
    Template {
        /// Template name.
        name: String,
        /// Language code.
        language: String,
        /// Send-payload components (text inside is interpolated).
        components: Value,
    },
    /// `buttons`: reply buttons; the run waits for a choice.
    Buttons {
        /// Body text (interpolated).
        text: String,
        /// The buttons; each id is an edge handle.
        buttons: Vec<ReplyButton>,
    },
    /// `list`: a list message; the run waits for a row.
    List {
        /// Body text (interpolated).
        text: String,
        /// The label of the button that opens the list.
        button: String,
        /// Sections of rows; each row id is an edge handle.
        sections: Vec<ListSection>,
    },
    /// `input`: asks and waits for a checked answer.
    Input(InputSpec),
    /// `condition`: the first rule that holds picks the branch, else `else`.
    Condition {
        /// Rules in order.
        rules: Vec<Rule>,
    },
    /// `delay`: waits, then goes on.
    Delay {
        /// How long, within [`MIN_WAIT_SECONDS`]..=[`MAX_WAIT_SECONDS`].
        seconds: u64,
    },
    /// `api`: calls an HTTP API and branches on `ok` / `error`.
    Api(ApiSpec),
    /// `webhook`: posts the run's context.
    Webhook {
        /// URL template (interpolated values are percent-encoded).
        url: String,
    },
    /// `assign`: assigns the conversation.
    Assign {
        /// A specific agent.
        agent_id: Option<String>,
        /// A team name.
        team: Option<String>,
        /// `round_robin` (default) or `least_busy`.
        strategy: String,
    },
    /// `tag`: changes the contact's tags.
    Tag {
        /// Tags added.
        add: Vec<String>,
        /// Tags removed.
        remove: Vec<String>,
    },
    /// `set_field`: sets a contact field.
    SetField {
        /// `name` or a custom field.
        field: String,
        /// The value (text inside is interpolated).
        value: Value,
    },
    /// `enroll`: puts the contact into a drip sequence (by its id).
    Enroll {
        /// The sequence (a drip campaign's id).
        campaign_id: String,
    },
    /// `jump`: goes to another node.
    Jump {
        /// The node.
        target: String,
    },
    /// `handoff`: hands the conversation to people; the bot pauses.
    Handoff {
        /// For the agents (interpolated).
        note: Option<String>,
    },
    /// `end`: the run completes.
    End,
}

/// A `message` node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageSpec {
    /// A text message.
    Text {
        /// Body (interpolated).
        text: String,
    },
    /// A media message.
    Media(MediaSpec),
}

/// A media message's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaSpec {
    /// One of [`MEDIA_KINDS`].
    pub kind: String,
    /// Public link (interpolated).
    pub link: Option<String>,
    /// Uploaded media id (interpolated).
    pub id: Option<String>,
    /// Document file name (interpolated).
    pub filename: Option<String>,
    /// Caption (interpolated); never set for audio or stickers.
    pub caption: Option<String>,
}

/// A reply button.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyButton {
    /// Its id, also the edge handle.
    pub id: String,
    /// Its title (interpolated).
    pub title: String,
}

/// A list section.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSection {
    /// Its title (interpolated).
    pub title: String,
    /// Its rows.
    pub rows: Vec<ListRow>,
}

/// A list row.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    /// Its id, also the edge handle.
    pub id: String,
    /// Its title (interpolated).
    pub title: String,
    /// Its description (interpolated).
    pub description: Option<String>,
}

/// An `input` node's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// The question (interpolated).
    pub prompt: String,
    /// Asked after a wrong answer instead of the prompt.
    pub retry_prompt: Option<String>,
    /// The run variable the answer fills.
    pub variable: String,
    /// How the answer is checked.
    pub validation: InputValidation,
    /// Asks again this many times before `invalid` (at most [`MAX_INPUT_RETRIES`]).
    pub retries: u32,
    /// Seconds before the `timeout` branch, within [`MIN_WAIT_SECONDS`]..=[`MAX_WAIT_SECONDS`].
    pub timeout_seconds: Option<u64>,
}

/// How an input answer is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum InputValidation {
    /// Any non-empty text.
    Text,
    /// A number (thousands commas allowed).
    Number,
    /// An email address (stored lowercased).
    Email,
    /// A phone number (stored E.164).
    Phone,
    /// Text matching a pattern, compiled at validation.
    Regex(Pattern),
    /// One of the choices, by text or 1-based number.
    Choice(Vec<String>),
}

/// A condition rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What is tested: `vars.x`, `contact.tags`, `message.text`, …
    pub field: String,
    /// How.
    pub operator: Operator,
    /// Compared with (unused by `exists`, `not_exists`; the pattern's source for `regex`).
    pub value: Value,
    /// The branch taken when the rule holds.
    pub handle: String,
}

/// A condition operator (spellings in [`OPERATORS`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// Equal numbers, or equal text ignoring case.
    Equals,
    /// Not equal text ignoring case.
    NotEquals,
    /// A list holds the value, or text contains it (ignoring case).
    Contains,
    /// A larger number.
    Greater,
    /// A smaller number.
    Less,
    /// Text matches the pattern, compiled at validation.
    Regex(Pattern),
    /// Present and not empty.
    Exists,
    /// Absent or empty.
    NotExists,
}

/// An `api` node's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSpec {
    /// One of [`API_METHODS`].
    pub method: String,
    /// URL template (interpolated values are percent-encoded).
    pub url: String,
    /// Header names and value templates (CR/LF stripped after interpolation).
    pub headers: Vec<(String, String)>,
    /// JSON body (text inside is interpolated).
    pub body: Option<Value>,
    /// Time limit, within [`MIN_API_TIMEOUT_MS`]..=[`MAX_API_TIMEOUT_MS`].
    pub timeout_ms: u64,
    /// Variables filled from the answer: (variable, where in the answer).
    pub save: Vec<(String, AnswerPath)>,
}

/// Where an `api` node finds a value in the answer: an RFC 9535 JSONPath
/// (`$.items[0].name`), or the dotted shorthand the builder offers
/// (`items.0.name`), read as the same path. Parsed when the flow is saved, so
/// a run never meets a path it cannot follow.
#[derive(Debug, Clone)]
pub struct AnswerPath {
    text: String,
    path: serde_json_path::JsonPath,
}

impl PartialEq for AnswerPath {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl AnswerPath {
    /// Parses `text`; the error names what JSONPath could not read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let path = if text.starts_with('$') {
            // `$.items.0` was accepted before JSONPath was; it still reads as
            // the shorthand when it is not valid JSONPath.
            serde_json_path::JsonPath::parse(text)
                .map_err(|e| e.to_string())
                .or_else(|e| Self::shorthand(text.trim_start_matches('$').trim_start_matches('.')).map_err(|_| e))
        } else {
            Self::shorthand(text)
        }?;
        Ok(Self { text: text.to_owned(), path })
    }

    /// `items.0.name` as `$['items'][0]['name']`: parts of letters, digits,
    /// `_` and `-`.
    fn shorthand(text: &str) -> Result<serde_json_path::JsonPath, String> {
        let mut query = String::from("$");
        for part in text.split('.') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return Err(format!("`{part}` is not a name or an index"));
            }
            if part.bytes().all(|b| b.is_ascii_digit()) {
                query.push_str(&format!("[{part}]"));
            } else {
                query.push_str(&format!("[{}]", Value::String(part.to_owned())));
            }
        }
        serde_json_path::JsonPath::parse(&query).map_err(|e| e.to_string())
    }

    /// The value at this path, when exactly one node matches.
    pub fn find(&self, answer: &Value) -> Option<Value> {
        self.path.query(answer).exactly_one().ok().cloned()
    }

    /// The path as the builder wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A non-blank string at `key`.
pub(super) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Whether a header name is an HTTP token.
fn header_name_ok(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Collects one node's problems while its data is read.
struct Reader<'a> {
    node: &'a Node,
    problems: Vec<FlowProblem>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(node_problem(&self.node.id, message));
    }

    fn data(&self) -> &'a Value {
        &self.node.data
    }

    /// Reports text longer than `max` characters.
    fn bounded(&mut self, what: &str, text: &str, max: usize) {
        let n = text.chars().count();
        if n > max {
            self.problem(format!("data.{what} is too long: at most {max} characters, got {n}"));
        }
    }

    /// A non-blank string of `data`, reported as needed when missing.
    fn required(&mut self, key: &str, max: usize) -> String {
        match str_of(self.data(), key) {
            Some(s) => {
                self.bounded(key, s, max);
                s.to_owned()
            }
            None => {
                self.problem(format!("`{}` needs data.{key}", self.node.kind));
                String::new()
            }
        }
    }

    /// Any string at `obj.key` (as stored), bounded.
    fn optional(&mut self, obj: &Value, key: &str, what: &str, max: usize) -> Option<String> {
        let s = obj.get(key).and_then(Value::as_str)?;
        self.bounded(what, s, max);
        Some(s.to_owned())
    }

    /// A whole number in `range` at `data.key`; absent or null is None.
    fn number(&mut self, key: &str, range: RangeInclusive<u64>) -> Option<u64> {
        match self.data().get(key) {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().filter(|n| range.contains(n)) {
                Some(n) => Some(n),
                None => {
                    self.problem(format!("data.{key} must be a whole number from {} to {}, got {v}", range.start(), range.end()));
                    None
                }
            },
        }
    }

    /// The strings of an array at `data.key` (other entries ignored), at most `max` of them.
    fn strings(&mut self, key: &str, max: usize) -> Vec<String> {
        let list: Vec<String> =
            self.data().get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
        if list.len() > max {
            self.problem(format!("data.{key}: at most {max} entries, got {}", list.len()));
        }
        for s in &list {
            self.bounded(key, s, MAX_NAME_CHARS);
        }
        list
    }

    /// An object at `data.key` (absent or null is empty).
    fn object(&mut self, key: &str) -> Option<&'a serde_json::Map<String, Value>> {
        match self.data().get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.problem(format!("data.{key} must be an object"));
                None
            }
        }
    }

    /// A pattern compiled, or a problem naming what it is for.
    fn pattern(&mut self, what: &str, source: &str) -> Option<Pattern> {
        let n = source.chars().count();
        if n > MAX_PATTERN_CHARS {
            self.problem(format!("{what}: the regex is too long: at most {MAX_PATTERN_CHARS} characters, got {n}"));
            return None;
        }
        match Pattern::new(source) {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(format!("{what}: {e}"));
                None
            }
        }
    }
}

impl NodeSpec {
    /// Parses and bounds one node's `type` + `data`. Only the node itself is
    /// checked; what needs the graph (jump targets, `else` branches, handles)
    /// is checked by [`super::validate`]. Every problem names the node.
    pub fn parse(node: &Node) -> Result<NodeSpec, Vec<FlowProblem>> {
        let mut r = Reader { node, problems: Vec::new() };
        let spec = match node.kind.as_str() {
            "message" => message(&mut r),
            "template" => NodeSpec::Template {
                name: r.required("name", MAX_NAME_CHARS),
                language: r.required("language", MAX_NAME_CHARS),
                components: r.data().get("components").cloned().unwrap_or_else(|| json!([])),
            },
            "buttons" => buttons(&mut r),
            "list" => list(&mut r),
            "input" => input(&mut r),
            "condition" => condition(&mut r),
            "delay" => {
                match r.data().get("seconds").and_then(Value::as_u64).filter(|s| (MIN_WAIT_SECONDS..=MAX_WAIT_SECONDS).contains(s)) {
                    Some(seconds) => NodeSpec::Delay { seconds },
                    None => {
                        r.problem(format!("data.seconds must be {MIN_WAIT_SECONDS} to {MAX_WAIT_SECONDS} (30 days)"));
                        NodeSpec::End
                    }
                }
            }
            "api" => api(&mut r),
            "webhook" => NodeSpec::Webhook { url: r.required("url", MAX_URL_CHARS) },
            "assign" => {
                let d = r.data();
                if str_of(d, "agent_id").is_none() && str_of(d, "team").is_none() && str_of(d, "strategy").is_none() {
                    r.problem("assign needs data.agent_id, data.team or data.strategy");
                }
                NodeSpec::Assign {
                    agent_id: r.optional(d, "agent_id", "agent_id", MAX_NAME_CHARS),
                    team: r.optional(d, "team", "team", MAX_NAME_CHARS),
                    strategy: r.optional(d, "strategy", "strategy", MAX_NAME_CHARS).unwrap_or_else(|| "round_robin".to_owned()),
                }
            }
            "tag" => {
                let (add, remove) = (r.strings("add", MAX_TAGS), r.strings("remove", MAX_TAGS));
                if add.is_empty() && remove.is_empty() {
                    r.problem("tag needs data.add or data.remove");
                }
                NodeSpec::Tag { add, remove }
            }
            "set_field" => {
                let field = r.required("field", MAX_NAME_CHARS);
                let value = r.data().get("value").cloned();
                if value.is_none() {
                    r.problem("set_field needs data.value");
                }
                NodeSpec::SetField { field, value: value.unwrap_or(Value::Null) }
            }
            "enroll" => {
                let campaign_id = r.required("campaign_id", MAX_NAME_CHARS);
                if !campaign_id.is_empty() && uuid::Uuid::parse_str(&campaign_id).is_err() {
                    r.problem("enroll needs data.campaign_id: the id of a drip sequence");
                }
                NodeSpec::Enroll { campaign_id }
            }
            "jump" => match str_of(r.data(), "target") {
                Some(t) => NodeSpec::Jump { target: t.to_owned() },
                None => {
                    r.problem("jump needs data.target naming a node");
                    NodeSpec::End
                }
            },
            "handoff" => NodeSpec::Handoff { note: r.optional(r.data(), "note", "note", MAX_TEXT_CHARS) },
            "end" => NodeSpec::End,
            other => {
                r.problem(format!("unknown node type `{other}`; use one of {}", NODE_TYPES.join(", ")));
                NodeSpec::End
            }
        };
        if r.problems.is_empty() {
            Ok(spec)
        } else {
            Err(r.problems)
        }
    }
}

fn message(r: &mut Reader<'_>) -> NodeSpec {
    let d = r.data();
    let Some(m) = d.get("media") else {
        if str_of(d, "text").is_none() {
            r.problem("a message needs data.text or data.media");
        }
        let text = r.optional(d, "text", "text", MAX_TEXT_CHARS).unwrap_or_default();
        return NodeSpec::Message(MessageSpec::Text { text });
    };
    let kind = str_of(m, "type").unwrap_or("");
    if !MEDIA_KINDS.contains(&kind) || (str_of(m, "link").is_none() && str_of(m, "id").is_none()) {
        r.problem("data.media needs type (image|video|audio|document|sticker) and link or id");
    }
    let caption = r.optional(m, "caption", "media.caption", MAX_TEXT_CHARS).filter(|_| kind != "audio" && kind != "sticker");
    NodeSpec::Message(MessageSpec::Media(MediaSpec {
        kind: kind.to_owned(),
        link: r.optional(m, "link", "media.link", MAX_URL_CHARS),
        id: r.optional(m, "id", "media.id", MAX_NAME_CHARS),
        filename: r.optional(m, "filename", "media.filename", MAX_NAME_CHARS),
        caption,
    }))
}

fn buttons(r: &mut Reader<'_>) -> NodeSpec {
    let text = r.required("text", MAX_TEXT_CHARS);
    let raw = r.data().get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if raw.is_empty() || raw.len() > limits::REPLY_BUTTONS {
        r.problem(format!("reply buttons: 1 to {} allowed, got {}", limits::REPLY_BUTTONS, raw.len()));
    }
    let mut buttons = Vec::with_capacity(raw.len());
    for b in raw {
        let title = str_of(b, "title").unwrap_or("");
        match str_of(b, "id") {
            Some(id) if !title.is_empty() && title.chars().count() <= limits::BUTTON_TITLE => {
                r.bounded("buttons.id", id, MAX_NAME_CHARS);
                buttons.push(ReplyButton { id: id.to_owned(), title: title.to_owned() });
            }
            _ => r.problem(format!("each button needs an id and a title of 1 to {} characters", limits::BUTTON_TITLE)),
        }
    }
    NodeSpec::Buttons { text, buttons }
}

fn list(r: &mut Reader<'_>) -> NodeSpec {
    let text = r.required("text", MAX_TEXT_CHARS);
    let button = r.required("button", MAX_NAME_CHARS);
    let raw = r.data().get("sections").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let row_count: usize = raw.iter().filter_map(|s| s.get("rows").and_then(Value::as_array)).map(Vec::len).sum();
    if raw.is_empty() || raw.len() > limits::LIST_SECTIONS || row_count == 0 || row_count > limits::LIST_ROWS {
        r.problem(format!("a list needs 1 to {} sections with 1 to {} rows in all", limits::LIST_SECTIONS, limits::LIST_ROWS));
    }
    let mut bad_row = false;
    let mut sections = Vec::with_capacity(raw.len());
    for s in raw {
        let title = r.optional(s, "title", "sections.title", MAX_NAME_CHARS).unwrap_or_default();
        let mut rows = Vec::new();
        for row in s.get("rows").and_then(Value::as_array).into_iter().flatten() {
            match (str_of(row, "id"), str_of(row, "title")) {
                (Some(id), Some(title)) if title.chars().count() <= limits::ROW_TITLE => {
                    r.bounded("sections.rows.id", id, MAX_NAME_CHARS);
                    let description = r.optional(row, "description", "sections.rows.description", MAX_NAME_CHARS);
                    rows.push(ListRow { id: id.to_owned(), title: title.to_owned(), description });
                }
                _ => bad_row = true,
            }
        }
        sections.push(ListSection { title, rows });
    }
    if bad_row {
        r.problem(format!("list rows need an id and a title of 1 to {} characters", limits::ROW_TITLE));
    }
    NodeSpec::List { text, button, sections }
}

fn input(r: &mut Reader<'_>) -> NodeSpec {
    let prompt = r.required("prompt", MAX_TEXT_CHARS);
    let variable = r.required("variable", MAX_NAME_CHARS);
    let d = r.data();
    let retry_prompt = r.optional(d, "retry_prompt", "retry_prompt", MAX_TEXT_CHARS).filter(|p| !p.trim().is_empty());
    let validation = match str_of(d, "validation").unwrap_or("text") {
        "text" => InputValidation::Text,
        "number" => InputValidation::Number,
        "email" => InputValidation::Email,
        "phone" => InputValidation::Phone,
        "regex" => match str_of(d, "pattern") {
            Some(p) => r.pattern("data.pattern", p).map_or(InputValidation::Text, InputValidation::Regex),
            None => {
                r.problem("validation regex needs a valid data.pattern");
                InputValidation::Text
            }
        },
        "choice" => {
            let choices = r.strings("choices", MAX_CHOICES);
            if choices.is_empty() {
                r.problem("validation choice needs data.choices");
            }
            InputValidation::Choice(choices)
        }
        _ => {
            r.problem("data.validation must be text, number, email, phone, regex or choice");
            InputValidation::Text
        }
    };
    let retries =
        r.number("retries", 0..=u64::from(MAX_INPUT_RETRIES)).and_then(|n| u32::try_from(n).ok()).unwrap_or(DEFAULT_INPUT_RETRIES);
    let timeout_seconds = r.number("timeout_seconds", MIN_WAIT_SECONDS..=MAX_WAIT_SECONDS);
    NodeSpec::Input(InputSpec { prompt, retry_prompt, variable, validation, retries, timeout_seconds })
}

fn condition(r: &mut Reader<'_>) -> NodeSpec {
    let raw = r.data().get("rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if raw.is_empty() {
        r.problem("a condition needs data.rules");
    }
    if raw.len() > MAX_RULES {
        r.problem(format!("a condition has at most {MAX_RULES} rules, got {}", raw.len()));
    }
    let mut rules = Vec::with_capacity(raw.len());
    for (i, rule) in raw.iter().enumerate() {
        let value = rule.get("value").cloned().unwrap_or(Value::Null);
        let operator = match str_of(rule, "operator").unwrap_or("") {
            "equals" => Some(Operator::Equals),
            "not_equals" => Some(Operator::NotEquals),
            "contains" => Some(Operator::Contains),
            "greater" => Some(Operator::Greater),
            "less" => Some(Operator::Less),
            "regex" => match r.pattern(&format!("rule {}", i + 1), &as_text(&value)) {
                Some(p) => Some(Operator::Regex(p)),
                None => continue,
            },
            "exists" => Some(Operator::Exists),
            "not_exists" => Some(Operator::NotExists),
            _ => None,
        };
        match (str_of(rule, "field"), str_of(rule, "handle"), operator) {
            (Some(field), Some(handle), Some(operator)) => {
                r.bounded("rules.field", field, MAX_NAME_CHARS);
                r.bounded("rules.handle", handle, MAX_NAME_CHARS);
                rules.push(Rule { field: field.to_owned(), operator, value, handle: handle.to_owned() });
            }
            _ => r.problem(format!("each rule needs field, handle and an operator of {}", OPERATORS.join(", "))),
        }
    }
    NodeSpec::Condition { rules }
}

fn api(r: &mut Reader<'_>) -> NodeSpec {
    let url = r.required("url", MAX_URL_CHARS);
    let method = str_of(r.data(), "method").unwrap_or("GET").trim().to_uppercase();
    if !API_METHODS.contains(&method.as_str()) {
        r.problem("data.method must be GET, POST, PUT, PATCH or DELETE");
    }
    let mut headers = Vec::new();
    if let Some(h) = r.object("headers") {
        if h.len() > MAX_HEADERS {
            r.problem(format!("data.headers: at most {MAX_HEADERS} headers, got {}", h.len()));
        }
        for (name, v) in h {
            let value = as_text(v);
            if !header_name_ok(name) || name.len() > MAX_HEADER_NAME_CHARS {
                r.problem(format!("header name `{name}` must be 1 to {MAX_HEADER_NAME_CHARS} letters, digits or !#$%&'*+-.^_`|~"));
            }
            if value.contains(['\r', '\n']) {
                r.problem(format!("header `{name}` must not contain line breaks"));
            }
            r.bounded("headers", &value, MAX_HEADER_VALUE_CHARS);
            headers.push((name.clone(), value));
        }
    }
    let mut save = Vec::new();
    if let Some(s) = r.object("save") {
        if s.len() > MAX_SAVES {
            r.problem(format!("data.save: at most {MAX_SAVES} variables, got {}", s.len()));
        }
        for (var, path) in s {
            if let Some(path) = path.as_str() {
                r.bounded("save", var, MAX_NAME_CHARS);
                r.bounded("save", path, MAX_NAME_CHARS);
                match AnswerPath::parse(path) {
                    Ok(path) => save.push((var.clone(), path)),
                    Err(e) => r.problem(format!(
                        "data.save.{var}: `{path}` is not a JSON path ({e}); write it as `$.items[0].name` or `items.0.name`"
                    )),
                }
            }
        }
    }
    let timeout_ms = r.number("timeout_ms", MIN_API_TIMEOUT_MS..=MAX_API_TIMEOUT_MS).unwrap_or(DEFAULT_API_TIMEOUT_MS);
    NodeSpec::Api(ApiSpec { method, url, headers, body: r.data().get("body").cloned(), timeout_ms, save })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: &str, data: Value) -> Node {
        Node { id: "n1".into(), kind: kind.into(), position: Value::Null, data }
    }

    fn refused(kind: &str, data: Value, text: &str) {
        let p = NodeSpec::parse(&node(kind, data)).unwrap_err();
        assert!(
            p.iter().any(|x| x.node_id.as_deref() == Some("n1") && x.message.contains(text)),
            "{kind}: expected a problem with `{text}` naming n1, got {p:?}"
        );
    }

    #[test]
    fn unknown_keys_are_ignored_and_defaults_apply() {
        let spec = NodeSpec::parse(&node(
            "api",
            json!({"label": "Look up", "ui": {"collapsed": true}, "url": "https://x.test/{{vars.id}}", "method": "post"}),
        ))
        .unwrap();
        let NodeSpec::Api(api) = spec else { panic!("not an api spec") };
        assert_eq!(api.method, "POST");
        assert_eq!(api.timeout_ms, DEFAULT_API_TIMEOUT_MS);
        let NodeSpec::Input(i) = NodeSpec::parse(&node("input", json!({"prompt": "?", "variable": "v", "x": 1}))).unwrap() else {
            panic!("not an input spec")
        };
        assert_eq!((i.retries, i.timeout_seconds, i.validation), (DEFAULT_INPUT_RETRIES, None, InputValidation::Text));
    }

    #[test]
    fn every_bound_is_refused_naming_the_node() {
        let long = |n: usize| "x".repeat(n);
        refused("delay", json!({"seconds": MAX_WAIT_SECONDS + 1}), "data.seconds");
        refused("delay", json!({"seconds": 0}), "data.seconds");
        refused("delay", json!({"seconds": u64::MAX}), "data.seconds");
        refused("input", json!({"prompt": "?", "variable": "v", "timeout_seconds": MAX_WAIT_SECONDS + 1}), "timeout_seconds");
        refused("input", json!({"prompt": "?", "variable": "v", "timeout_seconds": 0}), "timeout_seconds");
        refused("input", json!({"prompt": "?", "variable": "v", "timeout_seconds": "soon"}), "timeout_seconds");
        refused("input", json!({"prompt": "?", "variable": "v", "retries": MAX_INPUT_RETRIES + 1}), "retries");
        refused("input", json!({"prompt": "?", "variable": "v", "retries": -1}), "retries");
        refused("api", json!({"url": "https://x.test", "timeout_ms": 99}), "timeout_ms");
        refused("api", json!({"url": "https://x.test", "timeout_ms": MAX_API_TIMEOUT_MS + 1}), "timeout_ms");
        refused("api", json!({"url": format!("https://x.test/{}", long(MAX_URL_CHARS))}), "data.url is too long");
        let many: serde_json::Map<String, Value> = (0..=MAX_HEADERS).map(|i| (format!("X-H{i}"), json!("v"))).collect();
        refused("api", json!({"url": "https://x.test", "headers": many}), "at most 20 headers");
        refused("api", json!({"url": "https://x.test", "headers": {"X-A": "a\r\nX-Evil: 1"}}), "line breaks");
        refused("api", json!({"url": "https://x.test", "headers": {"Bad Name": "a"}}), "header name");
        refused("webhook", json!({"url": long(MAX_URL_CHARS + 1)}), "data.url is too long");
        refused("message", json!({"text": long(MAX_TEXT_CHARS + 1)}), "data.text is too long");
        refused("buttons", json!({"text": long(MAX_TEXT_CHARS + 1), "buttons": [{"id": "a", "title": "A"}]}), "data.text is too long");
        refused("input", json!({"prompt": long(MAX_TEXT_CHARS + 1), "variable": "v"}), "data.prompt is too long");
        refused("handoff", json!({"note": long(MAX_TEXT_CHARS + 1)}), "data.note is too long");
        refused("tag", json!({"add": (0..=MAX_TAGS).map(|i| i.to_string()).collect::<Vec<_>>()}), "data.add");
        let rules: Vec<Value> = (0..=MAX_RULES).map(|_| json!({"field": "vars.x", "operator": "exists", "handle": "h"})).collect();
        refused("condition", json!({"rules": rules}), "at most 50 rules");
        refused(
            "input",
            json!({"prompt": "?", "variable": "v", "validation": "regex", "pattern": long(MAX_PATTERN_CHARS + 1)}),
            "too long",
        );
    }

    #[test]
    fn answer_paths_parse_at_validation() {
        refused("api", json!({"url": "https://x.test", "save": {"v": "$.items[?"}}), "data.save.v");
        refused("api", json!({"url": "https://x.test", "save": {"v": "order status"}}), "data.save.v");
        refused("api", json!({"url": "https://x.test", "save": {"v": "a..b"}}), "data.save.v");
    }

    #[test]
    fn regexes_compile_at_validation() {
        refused("input", json!({"prompt": "?", "variable": "v", "validation": "regex", "pattern": "(unclosed"}), "data.pattern");
        refused("input", json!({"prompt": "?", "variable": "v", "validation": "regex"}), "data.pattern");
        refused("condition", json!({"rules": [{"field": "vars.x", "operator": "regex", "value": "[z-a]", "handle": "h"}]}), "rule 1");
        // Over the compiled size limit.
        refused(
            "condition",
            json!({"rules": [{"field": "vars.x", "operator": "regex", "value": "\\w{200}\\w{200}\\w{200}", "handle": "h"}]}),
            "size limit",
        );
        let NodeSpec::Condition { rules } = NodeSpec::parse(&node(
            "condition",
            json!({"rules": [{"field": "vars.x", "operator": "regex", "value": "^a+$", "handle": "h"}]}),
        ))
        .unwrap() else {
            panic!("not a condition")
        };
        let Operator::Regex(p) = &rules[0].operator else { panic!("not a regex rule") };
        assert!(p.is_match("AAA"), "case-insensitive as before");
    }
}
