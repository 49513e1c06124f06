//! The Graph API client: sends Cloud API messages with the channel's access
//! token (decrypted on first use and cached) and sorts Meta's answers into
//! accepted, refused-for-now, refused-for-good and unknown.

use crate::crypto::{Sealed, SecretBox};
use crate::db::tenant_tx;
use async_trait::async_trait;
use dashmap::DashMap;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;
use whatsflow_actors::ids::{ChannelId, Wamid};
use whatsflow_actors::outbound::{GraphTransport, SendError};
use whatsflow_actors::ports::ChannelRef;

/// How long a send may take before its outcome counts as unknown.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an idle connection to the Graph API stays pooled.
const POOL_IDLE: Duration = Duration::from_secs(4);

/// Meta error codes that mean "not accepted, try again later" (Meta's own
/// advice; HTTP status alone does not tell, since Meta answers 400 to most).
const RETRYABLE_CODES: &[i64] = &[1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056, 131057, 133004];

/// See the module doc.
pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    pool: PgPool,
    secrets: SecretBox,
    tokens: DashMap<ChannelId, String>,
}

impl GraphClient {
    /// A client for `base` (Meta's Graph API URL with version, or the simulator).
    pub fn new(base: &str, pool: PgPool, secrets: SecretBox) -> Self {
        // Idle pooled connections are dropped before the common 5 s server
        // keep-alive closes them: a send written on a connection the server
        // has just closed comes back in doubt (never resent blindly), so a
        // stale connection must not be the reason a message is left unsent.
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(POOL_IDLE)
            .build()
            .unwrap_or_default();
        Self { http, base: base.trim_end_matches('/').to_owned(), pool, secrets, tokens: DashMap::new() }
    }

    /// Forgets a cached token (after it is rotated or its channel is
    /// disconnected), so the next send reads the stored one.
    pub fn forget_token(&self, channel: ChannelId) {
        self.tokens.remove(&channel);
    }

    async fn token(&self, channel: &ChannelRef) -> Result<String, SendError> {
        if let Some(t) = self.tokens.get(&channel.channel_id) {
            return Ok(t.clone());
        }
        let local = |e: String| SendError::Retryable { code: None, title: e };
        let mut tx = tenant_tx(&self.pool, channel.tenant_id).await.map_err(|e| local(e.to_string()))?;
        let sealed: Option<Vec<u8>> = sqlx::query_scalar("SELECT access_token_enc FROM channels WHERE id = $1")
            .bind(channel.channel_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| local(e.to_string()))?;
        tx.commit().await.map_err(|e| local(e.to_string()))?;
        let sealed = sealed.ok_or(SendError::Permanent { code: 0, title: "the channel was disconnected".into(), details: None })?;
        let token = self
            .secrets
            .open(&sealed, &Sealed::AccessToken.context(channel.tenant_id, &channel.channel_id.0.to_string()))
            .map_err(|e| SendError::Permanent { code: 0, title: e.to_string(), details: None })?;
        self.tokens.insert(channel.channel_id, token.clone());
        Ok(token)
    }

    async fn post(&self, channel: &ChannelRef, body: &Value) -> Result<Value, SendError> {
        let token = self.token(channel).await?;
        let url = format!("{}/{}/messages", self.base, channel.phone_number_id);
        let res = self.http.post(&url).bearer_auth(token).json(body).send().await.map_err(|e| {
            if e.is_connect() {
                // The request never left: safe to send again.
                SendError::Retryable { code: None, title: format!("Graph API unreachable: {e}") }
            } else {
                SendError::Ambiguous(format!("Graph API request failed after sending: {e}"))
            }
        })?;
        let status = res.status();
        let text = res.text().await.map_err(|e| SendError::Ambiguous(format!("Graph API response lost: {e}")))?;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        if status.as_u16() == 401 || json["error"]["code"].as_i64() == Some(190) {
            self.tokens.remove(&channel.channel_id);
        }
        Err(classify(status.as_u16(), &json))
    }
}

/// Sorts a Graph API error answer.
pub fn classify(http_status: u16, body: &Value) -> SendError {
    let err = &body["error"];
    let code = err["code"].as_i64();
    let title = err["message"].as_str().map(str::to_owned).unwrap_or_else(|| format!("Graph API answered HTTP {http_status}"));
    let details = err["error_data"]["details"].as_str().map(str::to_owned);
    match code {
        Some(c) if RETRYABLE_CODES.contains(&c) => SendError::Retryable { code: Some(c), title },
        Some(c) => SendError::Permanent { code: c, title, details },
        // No Meta error body: a proxy or an outage in front of Meta.
        None if http_status == 429 || http_status >= 500 => SendError::Retryable { code: None, title },
        None => SendError::Permanent { code: i64::from(http_status), title, details },
    }
}

/// What Meta says of a number whose ownership checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNumber {
    /// The number as Meta displays it.
    pub display_phone_number: Option<String>,
    /// The business name Meta verified.
    pub verified_name: Option<String>,
    /// GREEN / YELLOW / RED / UNKNOWN.
    pub quality_rating: Option<String>,
    /// TIER_250 … TIER_UNLIMITED.
    pub messaging_limit_tier: Option<String>,
}

/// Why a number's ownership did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Meta contradicts the claim; the message names the mismatch.
    #[error("{0}")]
    Mismatch(String),
    /// Meta could not be asked.
    #[error("Meta could not be reached to check the number: {0}")]
    Unreachable(String),
}

impl GraphClient {
    /// Checks with Meta that `phone_number_id` belongs to `waba_id` and that
    /// `token` may use both: `GET /{phone_number_id}` and `GET
    /// /{waba_id}/phone_numbers` must agree. Nothing is stored before this
    /// passes, so no one can claim a number they do not hold.
    pub async fn verify_number(&self, token: &str, phone_number_id: &str, waba_id: &str) -> Result<VerifiedNumber, VerifyError> {
        let get = |url: String| async move {
            let res =
                self.http.get(&url).bearer_auth(token).send().await.map_err(|e| VerifyError::Unreachable(e.without_url().to_string()))?;
            let status = res.status();
            let json: Value = res.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(json);
            }
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(VerifyError::Unreachable(format!("Meta answered HTTP {}", status.as_u16())));
            }
            Err(VerifyError::Mismatch(match json["error"]["code"].as_i64() {
                Some(190) => "Meta refused the access token (error 190): check the token in WhatsApp Manager → API setup".to_owned(),
                Some(code) => format!("Meta answered error {code}: {}", json["error"]["message"].as_str().unwrap_or("")),
                None => format!("Meta answered HTTP {}", status.as_u16()),
            }))
        };
        let number = get(format!(
            "{}/{phone_number_id}?fields=id,display_phone_number,verified_name,quality_rating,messaging_limit_tier",
            self.base
        ))
        .await
        .map_err(|e| match e {
            VerifyError::Mismatch(m) => {
                VerifyError::Mismatch(format!("phone number id {phone_number_id} is not visible with this token: {m}"))
            }
            other => other,
        })?;
        if number["id"].as_str() != Some(phone_number_id) {
            return Err(VerifyError::Mismatch(format!("Meta does not know phone number id {phone_number_id} for this token")));
        }
        let listed = get(format!("{}/{waba_id}/phone_numbers", self.base)).await.map_err(|e| match e {
            VerifyError::Mismatch(m) => {
                VerifyError::Mismatch(format!("WhatsApp Business Account {waba_id} is not visible with this token: {m}"))
            }
            other => other,
        })?;
        let ids: Vec<&str> = listed["data"].as_array().map(|a| a.iter().filter_map(|n| n["id"].as_str()).collect()).unwrap_or_default();
        if !ids.contains(&phone_number_id) {
            return Err(VerifyError::Mismatch(format!(
                "phone number id {phone_number_id} is not a number of WhatsApp Business Account {waba_id} (its numbers: {})",
                if ids.is_empty() { "none".to_owned() } else { ids.join(", ") }
            )));
        }
        let text = |k: &str| number[k].as_str().map(str::to_owned);
        Ok(VerifiedNumber {
            display_phone_number: text("display_phone_number"),
            verified_name: text("verified_name"),
            quality_rating: text("quality_rating"),
            messaging_limit_tier: text("messaging_limit_tier"),
        })
    }

    /// `POST /{waba_id}/message_templates` with the token of a channel of that WABA.
    pub async fn create_template(&self, channel: &ChannelRef, waba_id: &str, body: &Value) -> Result<Value, SendError> {
        self.call(channel, reqwest::Method::POST, &format!("{}/{waba_id}/message_templates", self.base), Some(body)).await
    }

    /// `GET /{waba_id}/message_templates` (every page).
    pub async fn list_templates(&self, channel: &ChannelRef, waba_id: &str) -> Result<Vec<Value>, SendError> {
        let mut url = format!("{}/{waba_id}/message_templates?limit=100", self.base);
        let mut out = Vec::new();
        for _ in 0..100 {
            let page = self.call(channel, reqwest::Method::GET, &url, None).await?;
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["paging"]["next"].as_str() {
                Some(next) if !next.is_empty() => url = next.to_owned(),
                _ => break,
            }
        }
        Ok(out)
    }

    /// `POST /{phone_number_id}/media`: uploads a file (streamed from where
    /// it was spooled); Meta's media id.
    pub async fn upload_media(
        &self,
        channel: &ChannelRef,
        mime: &str,
        filename: &str,
        file: tokio::fs::File,
        length: u64,
    ) -> Result<String, SendError> {
        let token = self.token(channel).await?;
        let part = reqwest::multipart::Part::stream_with_length(file, length)
            .file_name(filename.to_owned())
            .mime_str(mime)
            .map_err(|e| SendError::Permanent { code: 100, title: e.to_string(), details: None })?;
        let form = reqwest::multipart::Form::new().text("messaging_product", "whatsapp").text("type", mime.to_owned()).part("file", part);
        let res = self
            .http
            .post(format!("{}/{}/media", self.base, channel.phone_number_id))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .map_err(|e| SendError::Retryable { code: None, title: format!("Graph API unreachable: {e}") })?;
        let status = res.status();
        let json: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(classify(status.as_u16(), &json));
        }
        json["id"].as_str().map(str::to_owned).ok_or_else(|| SendError::Ambiguous("upload answered without an id".into()))
    }

    /// Downloads a media file: `GET /{media_id}` for its short-lived URL, then
    /// its bytes as a stream (never held whole).
    pub async fn download_media(
        &self,
        channel: &ChannelRef,
        media_id: &str,
    ) -> Result<(String, Option<u64>, impl futures::Stream<Item = Result<bytes::Bytes, reqwest::Error>>), SendError> {
        let meta = self
            .call(channel, reqwest::Method::GET, &format!("{}/{media_id}?phone_number_id={}", self.base, channel.phone_number_id), None)
            .await?;
        let url =
            meta["url"].as_str().ok_or_else(|| SendError::Permanent { code: 100, title: "media has no url".into(), details: None })?;
        let mime = meta["mime_type"].as_str().unwrap_or("application/octet-stream").to_owned();
        let token = self.token(channel).await?;
        let res =
            self.http.get(url).bearer_auth(token).send().await.map_err(|e| SendError::Retryable { code: None, title: e.to_string() })?;
        if !res.status().is_success() {
            return Err(classify(res.status().as_u16(), &Value::Null));
        }
        let length = res.content_length();
        Ok((mime, length, res.bytes_stream()))
    }

    async fn call(&self, channel: &ChannelRef, method: reqwest::Method, url: &str, body: Option<&Value>) -> Result<Value, SendError> {
        let token = self.token(channel).await?;
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| SendError::Retryable { code: None, title: format!("Graph API unreachable: {e}") })?;
        let status = res.status();
        let json: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(json)
        } else {
            Err(classify(status.as_u16(), &json))
        }
    }
}

#[async_trait]
impl GraphTransport for GraphClient {
    async fn send_message(&self, channel: &ChannelRef, body: &Value) -> Result<Wamid, SendError> {
        let json = self.post(channel, body).await?;
        json["messages"][0]["id"]
            .as_str()
            .map(|id| Wamid(id.to_owned()))
            .ok_or_else(|| SendError::Ambiguous(format!("Graph API accepted the request but returned no message id: {json}")))
    }

    async fn send_status(&self, channel: &ChannelRef, body: &Value) -> Result<(), SendError> {
        self.post(channel, body).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meta_errors_sort_by_code_not_http_status() {
        let throttled = json!({"error": {"message": "(#130429) Rate limit hit", "code": 130429}});
        assert!(matches!(classify(400, &throttled), SendError::Retryable { code: Some(130429), .. }));
        let window = json!({"error": {"message": "(#131047) Re-engagement message", "code": 131047, "error_data": {"details": "More than 24 hours"}}});
        assert!(matches!(classify(400, &window), SendError::Permanent { code: 131047, .. }));
        assert!(matches!(classify(502, &Value::Null), SendError::Retryable { code: None, .. }));
        assert!(matches!(classify(404, &Value::Null), SendError::Permanent { code: 404, .. }));
    }
}
