//! The satisfaction survey: when a conversation is resolved (inside the
//! customer's window), an interactive list of ratings 5 to 1; the answer is
//! stored against the conversation, its agent and team; the customer's
//! next text within the hour is kept as their comment. The answer itself
//! does not reopen the conversation.

use serde_json::{json, Value};

/// Row ids of the survey's answers: `csat:<rating>`.
const PREFIX: &str = "csat:";

/// How long after the survey an answer (and then a comment) is taken.
pub const ANSWER_WITHIN_HOURS: i64 = 24;
/// How long after the rating the next text is taken as its comment.
pub const COMMENT_WITHIN_MINUTES: i64 = 60;

/// Whether an inbound message (its type and content) answers a survey.
pub fn is_survey_answer(kind: &str, content: &Value) -> bool {
    rating(kind, content).is_some()
}

/// The rating an inbound message gives, if it answers a survey.
pub fn rating(kind: &str, content: &Value) -> Option<i32> {
    if kind != "interactive" {
        return None;
    }
    let id = content.get("list_reply").or(content.get("button_reply"))?.get("id")?.as_str()?;
    let n: i32 = id.strip_prefix(PREFIX)?.parse().ok()?;
    (1..=5).contains(&n).then_some(n)
}

/// The survey message (Cloud API `interactive` list).
pub fn survey(question: &str) -> Value {
    let rows: Vec<Value> = [(5, "⭐⭐⭐⭐⭐ Excellent"), (4, "⭐⭐⭐⭐ Good"), (3, "⭐⭐⭐ Okay"), (2, "⭐⭐ Poor"), (1, "⭐ Very poor")]
        .iter()
        .map(|(n, title)| json!({"id": format!("{PREFIX}{n}"), "title": title}))
        .collect();
    json!({
        "type": "list",
        "body": {"text": question},
        "action": {"button": "Rate us", "sections": [{"title": "Your rating", "rows": rows}]},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_recognised_by_their_row_id() {
        let answer = json!({"type": "list_reply", "list_reply": {"id": "csat:4", "title": "Good"}});
        assert_eq!(rating("interactive", &answer), Some(4));
        assert_eq!(rating("text", &json!({"body": "csat:4"})), None);
        assert_eq!(rating("interactive", &json!({"type": "list_reply", "list_reply": {"id": "csat:9"}})), None);
        assert_eq!(rating("interactive", &json!({"type": "button_reply", "button_reply": {"id": "menu"}})), None);
        let s = survey("How did we do?");
        assert_eq!(s["action"]["sections"][0]["rows"].as_array().unwrap().len(), 5);
        // WhatsApp's limits: row titles up to 24 characters.
        assert!(s["action"]["sections"][0]["rows"].as_array().unwrap().iter().all(|r| r["title"].as_str().unwrap().chars().count() <= 24));
    }
}
