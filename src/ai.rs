//! The optional language-model provider: any OpenAI-compatible chat
//! completions endpoint (`AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`). It
//! suggests replies and drafts templates; without it, smart replies use the
//! offline retrieval engine and drafting is refused with a message saying
//! what to set. Its answers are suggestions only: nothing is sent by them.

use crate::config::{env_var, Secret};
use serde_json::{json, Value};
use std::time::Duration;

/// Where the provider is and how to call it.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// Base URL, e.g. `https://api.openai.com/v1` (the server calls `{base}/chat/completions`).
    pub base_url: String,
    /// Bearer key.
    pub api_key: Secret,
    /// Model name.
    pub model: String,
}

impl AiConfig {
    /// From `AI_BASE_URL`, `AI_API_KEY` and `AI_MODEL` (all three, or none).
    pub fn from_env() -> Result<Option<Self>, crate::config::ConfigError> {
        match (env_var("AI_BASE_URL"), env_var("AI_API_KEY"), env_var("AI_MODEL")) {
            (None, None, None) => Ok(None),
            (Some(base_url), Some(key), Some(model)) => Ok(Some(Self { base_url, api_key: Secret::new(key), model })),
            _ => Err(crate::config::ConfigError::Invalid {
                var: "AI_BASE_URL",
                problem: "set all three of AI_BASE_URL, AI_API_KEY and AI_MODEL for the language-model provider, or none of them".into(),
            }),
        }
    }
}

/// Why the provider gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// None is configured.
    #[error("no language-model provider is configured on this installation: set AI_BASE_URL, AI_API_KEY and AI_MODEL")]
    NotConfigured,
    /// It failed or answered something unreadable.
    #[error("the language model did not give a usable answer: {0}")]
    Failed(String),
}

/// The most time one call may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// See the module doc.
#[derive(Clone)]
pub struct AiClient {
    http: reqwest::Client,
    config: Option<AiConfig>,
}

impl AiClient {
    /// A client for `config` (None: not configured).
    pub fn new(config: Option<AiConfig>) -> Self {
        Self { http: reqwest::Client::builder().timeout(TIMEOUT).build().unwrap_or_default(), config }
    }

    /// The model, when configured.
    pub fn model(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.model.as_str())
    }

    async fn complete(&self, system: &str, user: &str) -> Result<String, AiError> {
        let config = self.config.as_ref().ok_or(AiError::NotConfigured)?;
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        let body = json!({"model": config.model, "temperature": 0.3,
                          "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]});
        let res = self
            .http
            .post(url)
            .bearer_auth(config.api_key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| AiError::Failed(e.without_url().to_string()))?;
        let status = res.status();
        let answer: Value = res.json().await.map_err(|e| AiError::Failed(e.without_url().to_string()))?;
        if !status.is_success() {
            // The provider's own message may echo part of the key: only the status is kept.
            return Err(AiError::Failed(format!("the provider answered HTTP {}", status.as_u16())));
        }
        answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_owned)
            .ok_or(AiError::Failed("no choices[0].message.content".into()))
    }

    /// Three replies an agent could send next, from the recent transcript
    /// (`Customer: …` / `Agent: …` lines).
    pub async fn suggest(&self, transcript: &str) -> Result<Vec<String>, AiError> {
        let system =
            "You help a customer support agent answering on WhatsApp. Suggest three short, polite replies the agent could send next, \
                      in the customer's language. Answer with a JSON array of three strings and nothing else.";
        let text = self.complete(system, transcript).await?;
        let list: Vec<String> = json_in(&text, '[', ']').ok_or(AiError::Failed("the answer is not a JSON array".into()))?;
        Ok(list.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty() && s.chars().count() <= 4096).take(3).collect())
    }

    /// A template drafted from a description: `{name, body, examples}`.
    pub async fn draft_template(&self, description: &str, category: &str, language: &str) -> Result<TemplateDraft, AiError> {
        let system = "You write WhatsApp Business message templates. Use {{1}}, {{2}}, {{3}} for at most three variables, \
                      at most 550 characters, no URLs unless asked. Answer with a JSON object and nothing else: \
                      {\"name\": \"lower_snake_case name, at most 60 characters\", \"body\": \"the text\", \"examples\": [\"a value for each variable\"]}";
        let user = format!("Category: {category}. Language: {language}. The template: {description}");
        let text = self.complete(system, &user).await?;
        let draft: TemplateDraft = json_in(&text, '{', '}').ok_or(AiError::Failed("the answer is not the JSON object asked for".into()))?;
        Ok(draft)
    }
}

/// A drafted template, as the model answers it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TemplateDraft {
    /// Its name.
    pub name: String,
    /// Its body with {{n}} variables.
    pub body: String,
    /// One example per variable.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// The JSON value between the first `open` and the last `close` of `text`
/// (models wrap their JSON in prose or code fences).
fn json_in<T: serde::de::DeserializeOwned>(text: &str, open: char, close: char) -> Option<T> {
    let start = text.find(open)?;
    let end = text.rfind(close)?;
    (start < end).then(|| serde_json::from_str(&text[start..=end]).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_inside_prose_and_fences() {
        let v: Vec<String> = json_in("Sure!\n```json\n[\"a\", \"b\"]\n```", '[', ']').unwrap();
        assert_eq!(v, ["a", "b"]);
        assert!(json_in::<Vec<String>>("no json here", '[', ']').is_none());
        let d: TemplateDraft = json_in(r#"{"name": "order_ready", "body": "Hi {{1}}", "examples": ["Asha"]}"#, '{', '}').unwrap();
        assert_eq!(d.name, "order_ready");
    }
}
