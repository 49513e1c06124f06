//! What a sequence is made of: its settings (exit rules, re-entry,
//! enrolment by tag) and its steps (delay, send window, message,
//! condition), read from a request with errors that name the field, and
//! the one rule that turns a step into a due time: the delay from the
//! enrolment or the previous step, then the next open moment of the step's
//! send window in the contact's own time zone (DST included). Pure, so the
//! rules are tested without a database.

use crate::campaigns::local_time::local_instant;
use crate::store::repo::campaigns::TemplateRef;
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most steps in one sequence.
pub const MAX_STEPS: usize = 20;
/// The longest delay of one step (a year).
pub const MAX_DELAY_SECONDS: i64 = 365 * 24 * 3600;
/// Most exit tags.
pub const MAX_EXIT_TAGS: usize = 20;

/// Where a step's delay counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DelayFrom {
    /// From when the previous step went out (the first step: the enrolment).
    #[default]
    Previous,
    /// From the enrolment.
    Enrolment,
}

/// The days and hours a step may go out, in the contact's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SendWindow {
    /// ISO weekdays (Monday 1 … Sunday 7).
    pub days: Vec<u8>,
    /// Opens at (`HH:MM`).
    pub start: String,
    /// Closes at (`HH:MM`, after `start`).
    pub end: String,
}

impl SendWindow {
    fn times(&self) -> Option<(NaiveTime, NaiveTime)> {
        Some((NaiveTime::parse_from_str(&self.start, "%H:%M").ok()?, NaiveTime::parse_from_str(&self.end, "%H:%M").ok()?))
    }

    /// The first moment at or after `at` inside the window in `zone`: `at`
    /// itself when the window is open then, else the next opening. A
    /// window's edges are wall-clock times of that day, so a DST change
    /// moves them with the clocks.
    pub fn next_open(&self, at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let Some((start, end)) = self.times() else { return at };
        let local_day = at.with_timezone(&zone).date_naive();
        for offset in 0..=8 {
            let Some(day) = local_day.checked_add_signed(Duration::days(offset)) else { break };
            let weekday = u8::try_from(day.weekday().number_from_monday()).unwrap_or(1);
            if !self.days.contains(&weekday) {
                continue;
            }
            let (opens, closes) = (local_instant(day, start, zone), local_instant(day, end, zone));
            if at < opens {
                return opens;
            }
            if at < closes {
                return at;
            }
        }
        at
    }
}

/// A step runs only when this holds for the contact (else it is skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum StepCondition {
    /// The contact has this tag.
    Tag {
        /// The tag.
        tag: String,
    },
    /// The contact's custom field has this value (compared as text).
    Field {
        /// The field's key.
        field: String,
        /// The value.
        equals: String,
    },
}

impl StepCondition {
    /// Whether the contact meets it.
    pub fn holds(&self, tags: &[String], fields: &Value) -> bool {
        match self {
            Self::Tag { tag } => tags.iter().any(|t| t.eq_ignore_ascii_case(tag)),
            Self::Field { field, equals } => field_text(fields, field).is_some_and(|v| v == *equals),
        }
    }
}

/// A custom field as text (`true`, `42`, `Pune`); None when unset.
pub fn field_text(fields: &Value, key: &str) -> Option<String> {
    match fields.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_owned()),
        other => Some(other.to_string()),
    }
}

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StepSpec {
    /// What the business calls it ("Welcome").
    #[serde(default)]
    pub name: String,
    /// Seconds to wait.
    pub delay_seconds: i64,
    /// From the previous step or from the enrolment.
    #[serde(default)]
    pub delay_from: DelayFrom,
    /// When it may go out, in the contact's zone (None: any time).
    #[serde(default)]
    pub send_window: Option<SendWindow>,
    /// The approved template it sends (always usable; paid).
    #[serde(default)]
    pub template: Option<TemplateRef>,
    /// The template's parameter sources, as broadcasts name them.
    #[serde(default)]
    #[ts(type = "Record<string, Array<Record<string, string>>>")]
    pub variables: Value,
    /// A free-form message (`{"type": "text", "text": {"body"}}`) sent
    /// instead when the contact's 24-hour window is open.
    #[serde(default)]
    #[ts(type = "Record<string, unknown> | null")]
    pub session_message: Option<Value>,
    /// Skip the step unless this holds.
    #[serde(default)]
    pub condition: Option<StepCondition>,
}

impl StepSpec {
    /// When the step is due: its delay from the enrolment or from
    /// `previous_at` (when the previous step went, or the enrolment for the
    /// first), moved into its send window in `zone`.
    pub fn due_at(&self, enrolled_at: DateTime<Utc>, previous_at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let base = match self.delay_from {
            DelayFrom::Previous => previous_at,
            DelayFrom::Enrolment => enrolled_at,
        };
        let at = base.checked_add_signed(Duration::seconds(self.delay_seconds)).unwrap_or(base);
        match &self.send_window {
            Some(w) => w.next_open(at, zone),
            None => at,
        }
    }
}

/// Whether a contact may go through a sequence again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum Reentry {
    /// Once only.
    Never,
    /// Again once this many days passed since their last time ended.
    AfterDays {
        /// Days.
        days: u32,
    },
}

/// Exit when a custom field takes a value (`order_placed = true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldEquals {
    /// The field's key.
    pub field: String,
    /// The value, compared as text.
    pub equals: String,
}

/// A sequence's rules besides its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DripSettings {
    /// A message from the contact ends their sequence.
    pub exit_on_reply: bool,
    /// One of these tags on the contact ends it.
    pub exit_on_tags: Vec<String>,
    /// This field value ends it.
    pub exit_when: Option<FieldEquals>,
    /// Adding this tag to a contact enrols them.
    pub enroll_on_tag: Option<String>,
    /// Members of this segment are enrolled (those who are when it starts,
    /// and those who join it later), swept every few seconds.
    #[serde(default)]
    pub enroll_segment_id: Option<uuid::Uuid>,
    /// Whether they may go through it again.
    pub reentry: Reentry,
}

impl Default for DripSettings {
    fn default() -> Self {
        Self {
            exit_on_reply: true,
            exit_on_tags: Vec::new(),
            exit_when: None,
            enroll_on_tag: None,
            enroll_segment_id: None,
            reentry: Reentry::Never,
        }
    }
}

/// Why an enrolment ended before its last step.
pub mod exit {
    /// The contact wrote.
    pub const REPLIED: &str = "replied";
    /// An exit tag was added.
    pub const TAG_ADDED: &str = "tag_added";
    /// The exit field took its value.
    pub const FIELD_MATCHED: &str = "field_matched";
    /// The contact opted out of marketing.
    pub const OPTED_OUT: &str = "opted_out";
    /// Meta refused a step for good.
    pub const SEND_FAILED: &str = "send_failed";
    /// Someone took them out (API or app).
    pub const API: &str = "api";
    /// The sequence was cancelled.
    pub const CANCELLED: &str = "cancelled";
    /// The contact was deleted or erased.
    pub const CONTACT_GONE: &str = "contact_gone";
}

/// Meta's errors after which a contact gets no more steps: undeliverable,
/// stopped marketing, in an experiment, the business's own number.
pub const PERMANENT_ERRORS: [i64; 4] = [131026, 131050, 130472, 131021];

fn hhmm(v: &str) -> bool {
    v.len() == 5 && NaiveTime::parse_from_str(v, "%H:%M").is_ok()
}

fn tag_ok(t: &str) -> bool {
    !t.trim().is_empty() && t.chars().count() <= 50
}

/// Reads the steps of a request; the error names the field (`steps[1].delay_seconds`).
pub fn parse_steps(v: &Value) -> Result<Vec<StepSpec>, String> {
    let Some(list) = v.as_array() else {
        return Err("`steps` must be a list of steps such as [{\"delay_seconds\": 0, \"template\": {\"name\", \"language\"}}]".into());
    };
    if list.is_empty() {
        return Err("`steps` must hold at least one step".into());
    }
    if list.len() > MAX_STEPS {
        return Err(format!("`steps` holds {} steps; a sequence has at most {MAX_STEPS}", list.len()));
    }
    list.iter().enumerate().map(|(i, s)| parse_step(i, s)).collect()
}

fn parse_step(i: usize, v: &Value) -> Result<StepSpec, String> {
    let f = |name: &str| format!("steps[{i}].{name}");
    let mut step: StepSpec = serde_json::from_value(v.clone()).map_err(|e| format!("`steps[{i}]` is not a step: {e}"))?;
    step.name = step.name.trim().to_owned();
    if step.name.chars().count() > 100 {
        return Err(format!("`{}` is longer than 100 characters", f("name")));
    }
    if step.name.is_empty() {
        step.name = format!("Step {}", i + 1);
    }
    if !(0..=MAX_DELAY_SECONDS).contains(&step.delay_seconds) {
        return Err(format!("`{}` must be between 0 and {MAX_DELAY_SECONDS} (a year)", f("delay_seconds")));
    }
    if let Some(w) = &mut step.send_window {
        w.days.sort_unstable();
        w.days.dedup();
        if w.days.is_empty() || w.days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(format!("`{}` must list weekdays 1 (Monday) to 7 (Sunday), at least one", f("send_window.days")));
        }
        if !hhmm(&w.start) || !hhmm(&w.end) {
            return Err(format!("`{}` and `{}` must be times like 09:00", f("send_window.start"), f("send_window.end")));
        }
        if w.start >= w.end {
            return Err(format!("`{}` must be after `{}` (a window within one day)", f("send_window.end"), f("send_window.start")));
        }
    }
    if let Some(t) = &mut step.template {
        t.name = t.name.trim().to_owned();
        t.language = t.language.trim().to_owned();
        if t.name.is_empty() || t.language.is_empty() {
            return Err(format!("`{}` needs a name and a language", f("template")));
        }
    }
    if let Some(m) = &step.session_message {
        if m.is_null() {
            step.session_message = None;
        } else {
            let kind = m["type"].as_str().unwrap_or_default();
            if kind != "text" || m["text"]["body"].as_str().is_none_or(|b| b.trim().is_empty()) {
                return Err(format!(
                    "`{}` must be a text message: {{\"type\": \"text\", \"text\": {{\"body\": \"…\"}}}}",
                    f("session_message")
                ));
            }
            if m["text"]["body"].as_str().is_some_and(|b| b.chars().count() > 4096) {
                return Err(format!("`{}` is longer than WhatsApp's 4,096 characters", f("session_message.text.body")));
            }
        }
    }
    if step.template.is_none() && step.session_message.is_none() {
        return Err(format!(
            "`{}` needs a `template` (always sendable) or a `session_message` (sent only inside the 24-hour window)",
            f("template")
        ));
    }
    if step.variables.is_null() {
        step.variables = Value::Object(serde_json::Map::new());
    }
    match &step.condition {
        Some(StepCondition::Tag { tag }) if !tag_ok(tag) => {
            return Err(format!("`{}` must be a tag of 1 to 50 characters", f("condition.tag")))
        }
        Some(StepCondition::Field { field, .. }) if field.trim().is_empty() => {
            return Err(format!("`{}` must name a custom field", f("condition.field")))
        }
        _ => {}
    }
    Ok(step)
}

/// Reads a request's settings; absent ones take their defaults (exit on
/// reply, never re-enter).
pub fn parse_settings(body: &Value) -> Result<DripSettings, String> {
    let mut s = DripSettings::default();
    if let Some(v) = body.get("exit_on_reply").filter(|v| !v.is_null()) {
        s.exit_on_reply = v.as_bool().ok_or("`exit_on_reply` must be true or false")?;
    }
    if let Some(v) = body.get("exit_on_tags").filter(|v| !v.is_null()) {
        let tags: Vec<String> = serde_json::from_value(v.clone()).map_err(|_| "`exit_on_tags` must be a list of tags")?;
        if tags.len() > MAX_EXIT_TAGS || tags.iter().any(|t| !tag_ok(t)) {
            return Err(format!("`exit_on_tags` must be at most {MAX_EXIT_TAGS} tags of 1 to 50 characters"));
        }
        s.exit_on_tags = tags.iter().map(|t| t.trim().to_owned()).collect();
    }
    if let Some(v) = body.get("exit_when").filter(|v| !v.is_null()) {
        let f: FieldEquals =
            serde_json::from_value(v.clone()).map_err(|_| "`exit_when` must be {\"field\": \"order_placed\", \"equals\": \"true\"}")?;
        if f.field.trim().is_empty() {
            return Err("`exit_when.field` must name a custom field".into());
        }
        s.exit_when = Some(FieldEquals { field: f.field.trim().to_owned(), equals: f.equals.trim().to_owned() });
    }
    if let Some(v) = body.get("enroll_on_tag").filter(|v| !v.is_null()) {
        let tag = v.as_str().filter(|t| tag_ok(t)).ok_or("`enroll_on_tag` must be a tag of 1 to 50 characters")?;
        s.enroll_on_tag = Some(tag.trim().to_owned());
    }
    if let Some(v) = body.get("enroll_segment_id").filter(|v| !v.is_null()) {
        let id = v.as_str().and_then(|s| s.parse::<uuid::Uuid>().ok()).ok_or("`enroll_segment_id` must be a segment's id")?;
        s.enroll_segment_id = Some(id);
    }
    if let Some(v) = body.get("reentry").filter(|v| !v.is_null()) {
        s.reentry = serde_json::from_value(v.clone())
            .map_err(|_| "`reentry` must be {\"policy\": \"never\"} or {\"policy\": \"after_days\", \"days\": 30}")?;
        if let Reentry::AfterDays { days } = s.reentry {
            if !(1..=3650).contains(&days) {
                return Err("`reentry.days` must be between 1 and 3650".into());
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn weekdays_9_to_18() -> SendWindow {
        SendWindow { days: vec![1, 2, 3, 4, 5], start: "09:00".into(), end: "18:00".into() }
    }

    #[test]
    fn a_time_inside_the_window_stays() {
        // Monday 2026-11-30 10:00 in Kolkata is 04:30 UTC.
        let at = utc(2026, 11, 30, 4, 30);
        assert_eq!(weekdays_9_to_18().next_open(at, Tz::Asia__Kolkata), at);
    }

    #[test]
    fn a_time_after_hours_moves_to_the_next_opening() {
        // Monday 20:00 Kolkata → Tuesday 09:00 Kolkata = 03:30 UTC.
        let at = utc(2026, 11, 30, 14, 30);
        assert_eq!(weekdays_9_to_18().next_open(at, Tz::Asia__Kolkata), utc(2026, 12, 1, 3, 30));
    }

    #[test]
    fn a_weekend_moves_to_monday() {
        // Saturday 2026-12-05 12:00 Kolkata → Monday 09:00.
        let at = utc(2026, 12, 5, 6, 30);
        assert_eq!(weekdays_9_to_18().next_open(at, Tz::Asia__Kolkata), utc(2026, 12, 7, 3, 30));
    }

    #[test]
    fn the_window_follows_the_clocks_across_dst() {
        // New York springs forward on Sunday 2027-03-14. 09:00 on Friday
        // 03-12 is 14:00 UTC (EST); 09:00 on Monday 03-15 is 13:00 UTC (EDT).
        let w = weekdays_9_to_18();
        assert_eq!(w.next_open(utc(2027, 3, 12, 12, 0), Tz::America__New_York), utc(2027, 3, 12, 14, 0));
        assert_eq!(w.next_open(utc(2027, 3, 12, 23, 30), Tz::America__New_York), utc(2027, 3, 15, 13, 0));
        // And back in November: Monday 2027-11-08 09:00 EST = 14:00 UTC.
        assert_eq!(w.next_open(utc(2027, 11, 6, 12, 0), Tz::America__New_York), utc(2027, 11, 8, 14, 0));
    }

    #[test]
    fn a_window_in_the_gap_of_a_spring_forward_opens_when_the_clock_exists() {
        // Sunday 2027-03-14 02:30 does not exist in New York: opens 03:00 EDT = 07:00 UTC.
        let w = SendWindow { days: vec![7], start: "02:30".into(), end: "04:00".into() };
        assert_eq!(w.next_open(utc(2027, 3, 14, 5, 0), Tz::America__New_York), utc(2027, 3, 14, 7, 0));
    }

    #[test]
    fn due_counts_from_the_previous_step_or_the_enrolment() {
        let enrolled = utc(2026, 11, 30, 0, 0);
        let previous = utc(2026, 11, 30, 5, 0);
        let mut step = parse_steps(&json!([{"delay_seconds": 3600, "template": {"name": "t", "language": "en"}}])).unwrap().remove(0);
        assert_eq!(step.due_at(enrolled, previous, Tz::UTC), utc(2026, 11, 30, 6, 0));
        step.delay_from = DelayFrom::Enrolment;
        assert_eq!(step.due_at(enrolled, previous, Tz::UTC), utc(2026, 11, 30, 1, 0));
        step.send_window = Some(weekdays_9_to_18());
        assert_eq!(step.due_at(enrolled, previous, Tz::UTC), utc(2026, 11, 30, 9, 0));
    }

    #[test]
    fn steps_are_checked_field_by_field() {
        let e = parse_steps(&json!([{"delay_seconds": 0, "template": {"name": "a", "language": "en"}}, {"delay_seconds": -5, "template": {"name": "a", "language": "en"}}])).unwrap_err();
        assert!(e.contains("`steps[1].delay_seconds`"), "{e}");
        let e = parse_steps(&json!([{"delay_seconds": 0}])).unwrap_err();
        assert!(e.contains("`steps[0].template`"), "{e}");
        let e = parse_steps(&json!([{"delay_seconds": 0, "session_message": {"type": "text", "text": {"body": "hi"}}, "send_window": {"days": [1], "start": "18:00", "end": "09:00"}}])).unwrap_err();
        assert!(e.contains("`steps[0].send_window.end`"), "{e}");
        let e = parse_steps(&json!([])).unwrap_err();
        assert!(e.contains("at least one"), "{e}");
        let ok = parse_steps(&json!([{"delay_seconds": 0, "session_message": {"type": "text", "text": {"body": "hi"}}, "condition": {"field": "city", "equals": "Pune"}}])).unwrap();
        assert_eq!(ok[0].name, "Step 1");
        assert_eq!(ok[0].condition, Some(StepCondition::Field { field: "city".into(), equals: "Pune".into() }));
    }

    #[test]
    fn conditions_read_tags_and_fields() {
        let fields = json!({"order_placed": true, "city": "Pune"});
        assert!(StepCondition::Field { field: "order_placed".into(), equals: "true".into() }.holds(&[], &fields));
        assert!(StepCondition::Tag { tag: "VIP".into() }.holds(&["vip".into()], &fields));
        assert!(!StepCondition::Field { field: "city".into(), equals: "Delhi".into() }.holds(&[], &fields));
    }

    #[test]
    fn settings_default_to_exit_on_reply_and_never_again() {
        let s = parse_settings(&json!({})).unwrap();
        assert!(s.exit_on_reply);
        assert_eq!(s.reentry, Reentry::Never);
        let s = parse_settings(
            &json!({"reentry": {"policy": "after_days", "days": 30}, "exit_when": {"field": "order_placed", "equals": "true"}}),
        )
        .unwrap();
        assert_eq!(s.reentry, Reentry::AfterDays { days: 30 });
        assert!(parse_settings(&json!({"reentry": {"policy": "after_days", "days": 0}})).is_err());
    }
}
