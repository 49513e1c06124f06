//! What starts a flow: a tenant's active flows with their triggers
//! (keyword, welcome, button, referral, campaign reply) compiled once, and
//! the rule that decides whether a customer's message triggers one.

use super::spec::{Pattern, PatternError};
use super::Flow;
use serde_json::Value;
use std::sync::Arc;

/// What starts a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerType {
    /// A customer's message matches a keyword or `/regex/`.
    Keyword,
    /// The first message of a new conversation.
    Welcome,
    /// A button reply with this payload.
    Button,
    /// A message that came from a click-to-WhatsApp ad (optionally this one).
    Referral,
    /// Only started by hand (or by a campaign).
    Manual,
    /// A reply to a message a campaign sent (optionally this campaign).
    CampaignReply,
}

impl TriggerType {
    /// All of them.
    pub const ALL: [TriggerType; 6] = [Self::Keyword, Self::Welcome, Self::Button, Self::Referral, Self::Manual, Self::CampaignReply];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyword => "keyword",
            Self::Welcome => "welcome",
            Self::Button => "button",
            Self::Referral => "referral",
            Self::Manual => "manual",
            Self::CampaignReply => "campaign_reply",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How a keyword trigger compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerMatch {
    /// The whole message, ignoring case and surrounding spaces.
    Exact,
    /// Anywhere in the message, ignoring case.
    Contains,
    /// The value is a regular expression.
    Regex,
}

impl TriggerMatch {
    /// All of them.
    pub const ALL: [TriggerMatch; 3] = [Self::Exact, Self::Contains, Self::Regex];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Contains => "contains",
            Self::Regex => "regex",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A tenant's active flow, ready to run. Built with [`ActiveFlow::new`],
/// which compiles a keyword trigger's regex once, not per message.
#[derive(Debug, Clone)]
pub struct ActiveFlow {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its current version.
    pub version: i32,
    /// Its name.
    pub name: String,
    /// What starts it (None: a stored value this version does not know,
    /// which never triggers).
    pub trigger_type: Option<TriggerType>,
    /// Keyword, `/regex/`, button payload or ad id.
    pub trigger_value: Option<String>,
    /// How a keyword compares.
    pub trigger_match: TriggerMatch,
    /// Higher first when several match.
    pub priority: i32,
    /// Whether an agent's reply pauses its runs.
    pub pause_on_agent_reply: bool,
    /// The graph.
    pub flow: Arc<Flow>,
    /// The keyword regex (a `/regex/` value or `trigger_match` regex),
    /// compiled from the fields above when built.
    keyword_regex: Option<Pattern>,
}

/// An active flow's stored fields, before [`ActiveFlow::new`] compiles its
/// trigger (named fields, so the three trigger strings cannot be swapped).
#[derive(Debug, Clone)]
pub struct ActiveFlowRow {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its current version.
    pub version: i32,
    /// Its name.
    pub name: String,
    /// keyword, welcome, button, referral, manual.
    pub trigger_type: String,
    /// Keyword, `/regex/`, button payload or ad id.
    pub trigger_value: Option<String>,
    /// exact, contains or regex (keywords).
    pub trigger_match: String,
    /// Higher first when several match.
    pub priority: i32,
    /// Whether an agent's reply pauses its runs.
    pub pause_on_agent_reply: bool,
    /// The graph.
    pub flow: Arc<Flow>,
}

impl ActiveFlow {
    /// An active flow with its keyword regex compiled; an error when the
    /// trigger's regex does not compile (the flow cannot be triggered).
    pub fn new(row: ActiveFlowRow) -> Result<Self, PatternError> {
        let trigger_type = TriggerType::parse(&row.trigger_type);
        let trigger_match = TriggerMatch::parse(&row.trigger_match).unwrap_or(TriggerMatch::Exact);
        let keyword_regex = match trigger_type {
            Some(TriggerType::Keyword) => {
                let value = row.trigger_value.as_deref().unwrap_or("").trim();
                let slashed = value.strip_prefix('/').and_then(|v| v.strip_suffix('/')).filter(|_| value.len() > 2);
                match slashed {
                    Some(inner) => Some(Pattern::new(inner)?),
                    None if trigger_match == TriggerMatch::Regex => Some(Pattern::new(value)?),
                    None => None,
                }
            }
            _ => None,
        };
        Ok(Self {
            id: row.id,
            version: row.version,
            name: row.name,
            trigger_type,
            trigger_value: row.trigger_value,
            trigger_match,
            priority: row.priority,
            pause_on_agent_reply: row.pause_on_agent_reply,
            flow: row.flow,
            keyword_regex,
        })
    }

    /// Whether an inbound message (facts) triggers this flow; `new_conversation`
    /// for welcome flows, `referral` for ad flows.
    pub fn triggered_by(&self, facts: &Value, new_conversation: bool, referral: Option<&Value>) -> bool {
        let value = self.trigger_value.as_deref().unwrap_or("").trim();
        let Some(trigger) = self.trigger_type else { return false };
        match trigger {
            TriggerType::Welcome => new_conversation,
            TriggerType::Button => facts["reply_id"].as_str().is_some_and(|id| !value.is_empty() && id == value),
            TriggerType::Referral => referral.is_some_and(|r| value.is_empty() || r["source_id"].as_str() == Some(value)),
            // A reply (context) to a message a campaign sent; a value names the campaign.
            TriggerType::CampaignReply => {
                let by = &facts["replied_to"];
                by["kind"] == "campaign" && (value.is_empty() || by["id"].as_str() == Some(value))
            }
            TriggerType::Keyword => {
                let Some(text) = facts["text"].as_str().map(str::trim) else { return false };
                if let Some(re) = &self.keyword_regex {
                    return re.is_match(text);
                }
                match self.trigger_match {
                    TriggerMatch::Contains => text.to_lowercase().contains(&value.to_lowercase()),
                    // A regex trigger is compiled by `new`; without one nothing matches.
                    TriggerMatch::Regex => false,
                    TriggerMatch::Exact => text.eq_ignore_ascii_case(value),
                }
            }
            TriggerType::Manual => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{validate, FlowData};
    use serde_json::json;

    #[test]
    fn keyword_triggers_match_exact_contains_and_regex() {
        let f = |kind: &str, value: &str, mode: &str| active(kind, value, mode).unwrap();
        let facts = |t: &str| json!({"type": "text", "text": t});
        assert!(f("keyword", "ORDER", "exact").triggered_by(&facts(" order "), false, None));
        assert!(!f("keyword", "order", "exact").triggered_by(&facts("my order"), false, None));
        assert!(f("keyword", "order", "contains").triggered_by(&facts("my ORDER please"), false, None));
        assert!(f("keyword", "/^track\\s+\\d+$/", "exact").triggered_by(&facts("Track 42"), false, None));
        assert!(!f("keyword", "/^track\\s+\\d+$/", "exact").triggered_by(&facts("Track it"), false, None));
        assert!(f("keyword", "^(hi|hello)\\b", "regex").triggered_by(&facts("HELLO there"), false, None));
        assert!(!f("keyword", "^(hi|hello)\\b", "regex").triggered_by(&facts("oh hello"), false, None));
        assert!(f("welcome", "", "exact").triggered_by(&facts("hi"), true, None));
        assert!(f("button", "SHOP", "exact").triggered_by(&json!({"reply_id": "SHOP"}), false, None));
        let reply = json!({"text": "yes", "replied_to": {"kind": "campaign", "id": "c1"}});
        assert!(f("campaign_reply", "", "exact").triggered_by(&reply, false, None));
        assert!(f("campaign_reply", "c1", "exact").triggered_by(&reply, false, None));
        assert!(!f("campaign_reply", "c2", "exact").triggered_by(&reply, false, None));
        assert!(!f("campaign_reply", "", "exact").triggered_by(&json!({"text": "yes"}), false, None));
    }

    fn active(kind: &str, value: &str, mode: &str) -> Result<ActiveFlow, PatternError> {
        ActiveFlow::new(ActiveFlowRow {
            id: uuid::Uuid::nil(),
            version: 1,
            name: "f".into(),
            trigger_type: kind.into(),
            trigger_value: Some(value.into()),
            trigger_match: mode.into(),
            priority: 0,
            pause_on_agent_reply: true,
            flow: Arc::new(a_flow()),
        })
    }

    #[test]
    fn keyword_regexes_compile_once_when_the_active_flow_is_built() {
        assert!(active("keyword", "/(unclosed/", "exact").is_err());
        assert!(active("keyword", "(unclosed", "regex").is_err());
        assert!(active("keyword", "\\w{500}\\w{500}\\w{500}", "regex").unwrap_err().reason.contains("size limit"));
        // Not a regex unless asked: the same text is a plain keyword.
        assert!(active("keyword", "(unclosed", "exact").unwrap().triggered_by(&json!({"text": "(UNCLOSED"}), false, None));
        assert!(active("button", "(unclosed", "regex").is_ok(), "only keyword triggers are regexes");
        let f = active("keyword", "/^order\\s*#?\\d+$/", "exact").unwrap();
        assert_eq!(f.keyword_regex.as_ref().map(Pattern::as_str), Some("^order\\s*#?\\d+$"));
        assert!(f.triggered_by(&json!({"text": " Order #12 "}), false, None));
    }

    fn a_flow() -> Flow {
        let data: FlowData =
            serde_json::from_value(json!({"nodes": [{"id": "hi", "type": "message", "data": {"text": "Hi"}}], "edges": []})).unwrap();
        validate(&data).unwrap()
    }

    #[test]
    fn trigger_kinds_round_trip_and_an_unknown_one_never_triggers() {
        for t in TriggerType::ALL {
            assert_eq!(TriggerType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
        for m in TriggerMatch::ALL {
            assert_eq!(TriggerMatch::parse(m.as_str()), Some(m));
        }
        assert_eq!(TriggerType::parse("Keyword"), None);
        let unknown = active("sms_keyword", "order", "exact").unwrap();
        assert_eq!(unknown.trigger_type, None);
        assert!(
            !unknown.triggered_by(&json!({"type": "text", "text": "order"}), true, None),
            "a stored trigger this version does not know never fires"
        );
    }
}
