//! The Graph API simulator: a real HTTP server that answers the calls the
//! engine makes as Meta does, for tests, the demo and load runs.
//!
//! - `POST /{version}/{phone_number_id}/messages`: validates like Meta
//!   (unknown type, text over 4,096 characters, missing recipient, template
//!   that does not exist or has the wrong number of parameters → Meta-shaped
//!   errors), throttles past `--mps` with error 130429, returns a `wamid`, and
//!   then posts signed status webhooks (sent → delivered → read, or failed)
//!   to the webhook URL, shaped and signed as Meta's are. Read receipts and
//!   typing indicators answer `{"success": true}`.
//! - `GET|POST /{version}/{waba_id}/message_templates`: list and create
//!   templates; a created template is approved after a moment and a
//!   `message_template_status_update` webhook says so.
//! - `POST /{version}/{phone_number_id}/media` and `GET /{version}/{media_id}`:
//!   upload and download media, as Meta does (the URL needs the token too).
//! - `GET /{version}/{phone_number_id}` and `GET /{version}/{waba_id}/phone_numbers`:
//!   the numbers it knows (from `--number PHONE_NUMBER_ID:WABA_ID:TOKEN` or
//!   `POST /__sim/numbers`), answered only with that number's token, as Meta
//!   answers a channel's ownership check.
//! - `/__sim/requests` (what it received), `/__sim/control` (inject errors,
//!   go down, fail recipients, with any of Meta's error codes),
//!   `/__sim/numbers` (register a number), `/__sim/templates/status` (Meta
//!   pauses or disables a template, with its webhook),
//!   `/__sim/user_preferences` (a customer stops or resumes marketing, with
//!   its webhook), `/__sim/limits` (Meta changes a portfolio's messaging
//!   limit, with its webhook), `/__sim/reset`: for tests.

use crate::http::webhooks::sign;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Template sends kept for [`SimState::template_sends`] (a long-running
/// demo simulator must not grow without end).
const TEMPLATE_LOG_LIMIT: usize = 1_000_000;
/// Requests kept for `/__sim/requests`.
const REQUEST_LOG_LIMIT: usize = 20_000;

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where status webhooks go.
    pub webhook_url: String,
    /// Signs them.
    pub app_secret: String,
    /// Messages per second per number before 130429.
    pub mps: u32,
    /// Delay between a send and each of its status webhooks.
    pub status_delay: Duration,
    /// Whether customers read what they receive.
    pub auto_read: bool,
    /// Whether customers answer what they read (the demo's simulated customers).
    pub auto_reply: bool,
}

/// A business number the simulated Meta knows: which WABA it belongs to and
/// the access token that may use it.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct SimNumber {
    /// Meta's phone number id.
    pub phone_number_id: String,
    /// The WhatsApp Business Account it belongs to.
    pub waba_id: String,
    /// The access token that may use it.
    pub access_token: String,
    /// The number as displayed.
    #[serde(default = "default_display")]
    pub display_phone_number: String,
    /// The business name Meta verified.
    #[serde(default = "default_verified_name")]
    pub verified_name: String,
}

fn default_display() -> String {
    "+1 555 010 0000".into()
}

fn default_verified_name() -> String {
    "Simulated Business".into()
}

impl std::str::FromStr for SimNumber {
    type Err = String;

    /// `PHONE_NUMBER_ID:WABA_ID:TOKEN` (the token may itself contain `:`).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(p), Some(w), Some(t)) if !p.is_empty() && !w.is_empty() && !t.is_empty() => Ok(Self {
                phone_number_id: p.to_owned(),
                waba_id: w.to_owned(),
                access_token: t.to_owned(),
                display_phone_number: default_display(),
                verified_name: default_verified_name(),
            }),
            _ => Err(format!("`{s}` is not PHONE_NUMBER_ID:WABA_ID:TOKEN")),
        }
    }
}

/// Test controls (`POST /__sim/control`).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SimControl {
    /// Error codes to answer the next sends with, one per send.
    #[serde(default)]
    pub fail_next: Vec<i64>,
    /// Answer every send 503 with no Meta body (an outage in front of Meta).
    #[serde(default)]
    pub down: bool,
    /// Recipients (digits) whose messages are accepted but then fail (131026).
    #[serde(default)]
    pub fail_recipients: Vec<String>,
    /// Recipients (digits) whose messages are accepted and then fail with
    /// the given Meta error code (131049, 131050, 131048, 368, …), in a
    /// `failed` status webhook shaped as Meta's.
    #[serde(default)]
    pub fail_recipients_with: HashMap<String, i64>,
    /// Do not send read statuses.
    #[serde(default)]
    pub no_read: bool,
    /// Recipients (digits) whose messages are delivered but never read.
    #[serde(default)]
    pub unread_recipients: Vec<String>,
    /// Accept the next N sends but answer as if the answer were lost on the
    /// way (HTTP 200 with no message id): the sender cannot know.
    #[serde(default)]
    pub lose_responses: u32,
    /// Post no status webhooks at all (Meta silent, or its webhooks late).
    #[serde(default)]
    pub silent: bool,
    /// Hold each accepted send this many milliseconds before answering it
    /// (and before its statuses): Meta under load, answering slowly.
    #[serde(default)]
    pub answer_delay_ms: u64,
}

struct Template {
    id: String,
    name: String,
    language: String,
    category: String,
    status: String,
    components: Value,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Shared simulator state.
pub struct SimState {
    config: RwLock<SimConfig>,
    control: Mutex<SimControl>,
    requests: Mutex<std::collections::VecDeque<Value>>,
    /// Every accepted template send: (recipient, unix milliseconds), for
    /// benches that need more than the request log keeps.
    template_log: Mutex<std::collections::VecDeque<(String, i64)>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    templates: Mutex<Vec<Template>>,
    media: Mutex<HashMap<String, (String, Vec<u8>)>>,
    numbers: Mutex<HashMap<String, SimNumber>>,
    http: reqwest::Client,
    counter: std::sync::atomic::AtomicU64,
}

impl SimState {
    /// A simulator with `config` and the two templates every Meta account starts with.
    pub fn new(config: SimConfig) -> Arc<Self> {
        let seed = vec![
            Template {
                id: "1000000000000001".into(),
                name: "hello_world".into(),
                language: "en_US".into(),
                category: "UTILITY".into(),
                status: "APPROVED".into(),
                components: json!([{"type": "BODY", "text": "Hello World"}]),
            },
            Template {
                id: "1000000000000002".into(),
                name: "order_update".into(),
                language: "en".into(),
                category: "UTILITY".into(),
                status: "APPROVED".into(),
                components: json!([{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way.", "example": {"body_text": [["Asha", "#4821"]]}}]),
            },
            Template {
                id: "1000000000000003".into(),
                name: "spring_sale".into(),
                language: "en".into(),
                category: "MARKETING".into(),
                status: "APPROVED".into(),
                components: json!([{"type": "BODY", "text": "Hi {{1}}, our spring sale is on: {{2}} off everything.", "example": {"body_text": [["Asha", "20%"]]}}]),
            },
            Template {
                id: "1000000000000004".into(),
                name: "festive_offer".into(),
                language: "en".into(),
                category: "MARKETING".into(),
                status: "APPROVED".into(),
                components: json!([{"type": "BODY", "text": "{{1}}, this festive season take {{2}} off. Tap below to shop.", "example": {"body_text": [["Asha", "25%"]]}},
                                   {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Shop now"}, {"type": "QUICK_REPLY", "text": "Not now"}]}]),
            },
        ];
        Arc::new(Self {
            config: RwLock::new(config),
            control: Mutex::new(SimControl::default()),
            requests: Mutex::new(std::collections::VecDeque::new()),
            template_log: Mutex::new(std::collections::VecDeque::new()),
            buckets: Mutex::new(HashMap::new()),
            templates: Mutex::new(seed),
            media: Mutex::new(HashMap::new()),
            numbers: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
            counter: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// Makes a number known (a business connected it in Meta's tools).
    pub fn register_number(&self, number: SimNumber) {
        if let Ok(mut n) = self.numbers.lock() {
            n.insert(number.phone_number_id.clone(), number);
        }
    }

    fn number(&self, phone_number_id: &str) -> Option<SimNumber> {
        self.numbers.lock().ok().and_then(|n| n.get(phone_number_id).cloned())
    }

    /// Points status webhooks elsewhere (the server's port is known late).
    pub fn set_webhook_url(&self, url: &str) {
        if let Ok(mut c) = self.config.write() {
            c.webhook_url = url.to_owned();
        }
    }

    fn config(&self) -> SimConfig {
        self.config.read().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn take_throttle_token(&self, pnid: &str, mps: u32) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else { return true };
        let now = Instant::now();
        let cap = f64::from(mps.max(1));
        let b = buckets.entry(pnid.to_owned()).or_insert(Bucket { tokens: cap, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * cap).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The template sends accepted (the last million): (recipient, unix milliseconds).
    pub fn template_sends(&self) -> Vec<(String, i64)> {
        self.template_log.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    /// How many template sends are logged (without copying them).
    pub fn template_send_count(&self) -> usize {
        self.template_log.lock().map(|l| l.len()).unwrap_or(0)
    }

    fn next_wamid(&self) -> String {
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("wamid.SIM{}{:010}", uuid::Uuid::new_v4().simple(), n)
    }
}

/// Meta's error envelope.
fn meta_error(http: u16, code: i64, title: &str, details: &str) -> HttpResponse {
    let body = json!({"error": {"message": format!("(#{code}) {title}"), "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details}, "fbtrace_id": format!("Sim{}", uuid::Uuid::new_v4().simple())}});
    HttpResponse::build(actix_web::http::StatusCode::from_u16(http).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST)).json(body)
}

fn error_for_code(code: i64) -> HttpResponse {
    match code {
        130429 => meta_error(400, code, "Rate limit hit", "Cloud API message throughput has been reached."),
        131000 => meta_error(500, code, "Something went wrong", "Message failed to send due to an unknown error."),
        131047 => meta_error(400, code, "Re-engagement message", "More than 24 hours have passed since the recipient last replied to the sender number."),
        131026 => meta_error(400, code, "Message Undeliverable", "Unable to deliver message."),
        131056 => meta_error(
            400,
            code,
            "(Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
        ),
        190 => HttpResponse::Unauthorized().json(json!({"error": {"message": "Error validating access token: Session has expired.", "type": "OAuthException", "code": 190, "error_subcode": 463}})),
        other => meta_error(400, other, "Simulated error", "Injected by the simulator."),
    }
}

fn log_request(state: &SimState, path: &str, body: &Value) {
    if let Ok(mut r) = state.requests.lock() {
        if r.len() >= REQUEST_LOG_LIMIT {
            r.pop_front();
        }
        r.push_back(json!({"path": path, "body": body, "at": Utc::now()}));
    }
}

fn template_variables(components: &Value) -> usize {
    let body = components.as_array().and_then(|c| c.iter().find(|c| c["type"] == "BODY")).and_then(|b| b["text"].as_str()).unwrap_or("");
    body.matches("{{").count()
}

async fn messages(state: web::Data<Arc<SimState>>, req: HttpRequest, path: web::Path<(String, String)>, body: web::Bytes) -> HttpResponse {
    let (_version, pnid) = path.into_inner();
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return meta_error(400, 100, "Invalid parameter", "The request body is not valid JSON."),
    };
    log_request(&state, req.path(), &parsed);
    let authorised =
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
    if !authorised {
        return error_for_code(190);
    }
    // The controls as they stand for this send (the next injected error is
    // taken).
    let control = state.control.lock().map(|mut c| {
        let injected = if c.fail_next.is_empty() { None } else { Some(c.fail_next.remove(0)) };
        (injected, c.clone())
    });
    let Ok((
        injected,
        SimControl {
            down,
            fail_recipients,
            fail_recipients_with: fail_with,
            no_read,
            silent,
            unread_recipients: unread,
            answer_delay_ms,
            ..
        },
    )) = control
    else {
        return HttpResponse::InternalServerError().finish();
    };
    let slow = Duration::from_millis(answer_delay_ms);
    if down {
        return HttpResponse::ServiceUnavailable().content_type("text/html").body("<html>Service Unavailable</html>");
    }
    let config = state.config();
    if parsed["messaging_product"] != "whatsapp" {
        return meta_error(400, 100, "Invalid parameter", "messaging_product must be \"whatsapp\".");
    }
    if parsed["status"] == "read" {
        if parsed["message_id"].as_str().is_none_or(str::is_empty) {
            return meta_error(400, 131008, "Required parameter is missing", "message_id is required.");
        }
        return HttpResponse::Ok().json(json!({"success": true}));
    }
    if let Some(code) = injected {
        return error_for_code(code);
    }
    if !state.take_throttle_token(&pnid, config.mps) {
        return error_for_code(130429);
    }
    let to = parsed["to"].as_str().map(str::to_owned);
    let user_id = parsed["recipient"].as_str().map(str::to_owned);
    if to.is_none() && user_id.is_none() {
        return meta_error(400, 131008, "Required parameter is missing", "`to` or `recipient` is required.");
    }
    let kind = parsed["type"].as_str().unwrap_or("text").to_owned();
    let known = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive", "template", "reaction"];
    if !known.contains(&kind.as_str()) {
        return meta_error(400, 100, "Invalid parameter", &format!("Param type must be one of {{{}}}.", known.join(", ")));
    }
    if parsed.get(&kind).is_none() {
        return meta_error(400, 131008, "Required parameter is missing", &format!("Param {kind} is required."));
    }
    if kind == "text" {
        let n = parsed["text"]["body"].as_str().map_or(0, |b| b.chars().count());
        if n == 0 {
            return meta_error(400, 131008, "Required parameter is missing", "Param text['body'] is required.");
        }
        if n > 4096 {
            return meta_error(400, 100, "Invalid parameter", "Param text['body'] must be at most 4096 characters long.");
        }
    }
    let mut category = "service";
    if kind == "template" {
        match check_template(&state, &parsed["template"]) {
            Err(err) => return *err,
            Ok(c) => category = c,
        }
    }
    let wamid = state.next_wamid();
    let digits = to.as_deref().map(|t| t.chars().filter(char::is_ascii_digit).collect::<String>());
    let mut contact = json!({"input": to.clone().or(user_id.clone())});
    if let Some(d) = &digits {
        contact["wa_id"] = json!(d);
    }
    if let Some(u) = &user_id {
        contact["user_id"] = json!(u);
    }
    let mut message = json!({"id": wamid});
    if kind == "template" {
        message["message_status"] = json!("accepted");
        if let (Some(to), Ok(mut log)) = (to.clone(), state.template_log.lock()) {
            if log.len() >= TEMPLATE_LOG_LIMIT {
                log.pop_front();
            }
            log.push_back((to, Utc::now().timestamp_millis()));
        }
    }
    let fails = digits.as_ref().and_then(|d| fail_with.get(d).copied().or_else(|| fail_recipients.contains(d).then_some(131026)));
    let read = config.auto_read && !no_read && !digits.as_ref().is_some_and(|d| unread.contains(d));
    let status_job = StatusJob {
        pnid,
        wamid,
        digits,
        user_id,
        callback: parsed["biz_opaque_callback_data"].as_str().map(str::to_owned),
        fails,
        read,
        category,
        kind: kind.clone(),
    };
    if !slow.is_zero() {
        actix_web::rt::time::sleep(slow).await;
    }
    if !silent {
        let state2 = state.get_ref().clone();
        actix_web::rt::spawn(async move { post_statuses(state2, status_job).await });
    }
    let lose = state.control.lock().is_ok_and(|mut c| {
        let lose = c.lose_responses > 0;
        c.lose_responses = c.lose_responses.saturating_sub(1);
        lose
    });
    if lose {
        // Accepted (the wamid exists and its statuses follow), but the
        // answer that says so never arrives intact.
        return HttpResponse::Ok().content_type("application/json").body("{\"messaging_product\": \"whatsapp\"");
    }
    HttpResponse::Ok().json(json!({"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}))
}

/// A Meta error answer, as `check_template` returns it.
fn refuse(answer: HttpResponse) -> Result<&'static str, Box<HttpResponse>> {
    Err(Box::new(answer))
}

/// Checks a template send as Meta does; the template's pricing category.
fn check_template(state: &SimState, t: &Value) -> Result<&'static str, Box<HttpResponse>> {
    let name = t["name"].as_str().unwrap_or("");
    let lang = t["language"]["code"].as_str().unwrap_or("");
    let templates = state.templates.lock().map_err(|_| Box::new(HttpResponse::InternalServerError().finish()))?;
    let Some(found) = templates.iter().find(|x| x.name == name && x.language == lang) else {
        return Err(Box::new(meta_error(
            404,
            132001,
            "Template does not exist",
            &format!("template name ({name}) does not exist in {lang}"),
        )));
    };
    match found.status.as_str() {
        "APPROVED" => {}
        "PAUSED" => {
            return refuse(meta_error(
                400,
                132015,
                "Template is Paused",
                "Template is paused due to low quality so it cannot be sent in a template message.",
            ))
        }
        "DISABLED" => {
            return refuse(meta_error(
                400,
                132016,
                "Template is Disabled",
                "Template has been paused too many times due to low quality and is now permanently disabled.",
            ))
        }
        _ => {
            return refuse(meta_error(404, 132001, "Template does not exist", &format!("template name ({name}) is not approved in {lang}")))
        }
    }
    let expected = template_variables(&found.components);
    let given = t["components"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "body"))
        .and_then(|b| b["parameters"].as_array())
        .map_or(0, Vec::len);
    if expected != given {
        return Err(Box::new(meta_error(
            400,
            132000,
            "Template Param Count Mismatch",
            &format!("body: number of localizable_params ({given}) does not match the expected number of params ({expected})"),
        )));
    }
    Ok(match found.category.as_str() {
        "MARKETING" => "marketing",
        "AUTHENTICATION" => "authentication",
        _ => "utility",
    })
}

struct StatusJob {
    pnid: String,
    wamid: String,
    digits: Option<String>,
    user_id: Option<String>,
    callback: Option<String>,
    /// The Meta error code it fails with, if it does.
    fails: Option<i64>,
    read: bool,
    category: &'static str,
    kind: String,
}

/// The title and details Meta gives an error in a `failed` status.
fn async_error(code: i64) -> (&'static str, &'static str) {
    match code {
        131026 => ("Message undeliverable", "Message Undeliverable."),
        131049 => (
            "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
        ),
        131050 => (
            "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
            "The recipient stopped marketing messages.",
        ),
        131048 => (
            "Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
        ),
        368 => (
            "Temporarily blocked for policies violations",
            "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.",
        ),
        131031 => ("Account has been locked", "The Business Account was restricted or disabled for violating a platform policy."),
        130472 => ("User's number is part of an experiment", "Message was not sent as part of an experiment."),
        _ => ("Simulated failure", "Injected by the simulator."),
    }
}

/// Posts the status webhooks of one accepted message, as Meta would.
async fn post_statuses(state: Arc<SimState>, job: StatusJob) {
    let steps: &[&str] = if job.fails.is_some() {
        &["failed"]
    } else if job.read {
        &["sent", "delivered", "read"]
    } else {
        &["sent", "delivered"]
    };
    for step in steps {
        let config = state.config();
        actix_web::rt::time::sleep(config.status_delay).await;
        let mut status = json!({"id": job.wamid, "status": step, "timestamp": Utc::now().timestamp().to_string()});
        if let Some(d) = &job.digits {
            status["recipient_id"] = json!(d);
        }
        if let Some(u) = &job.user_id {
            status["recipient_user_id"] = json!(u);
        }
        if let Some(cb) = &job.callback {
            status["biz_opaque_callback_data"] = json!(cb);
        }
        if *step == "sent" || *step == "delivered" {
            // Under per-message pricing a free-form reply inside the
            // customer's window is free: Meta marks it free_customer_service.
            let kind = if job.category == "service" { "free_customer_service" } else { "regular" };
            status["pricing"] =
                json!({"billable": job.category != "service", "pricing_model": "PMP", "type": kind, "category": job.category});
        }
        if let (true, Some(code)) = (*step == "failed", job.fails) {
            let (title, details) = async_error(code);
            status["errors"] = json!([{"code": code, "title": title, "message": title,
                "error_data": {"details": details}, "href": "/documentation/business-messaging/whatsapp/support/error-codes"}]);
        }
        let mut value = json!({"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": job.pnid}, "statuses": [status]});
        if *step != "failed" {
            let mut c = json!({"profile": {"name": "Simulated customer"}});
            if let Some(d) = &job.digits {
                c["wa_id"] = json!(d);
            }
            if let Some(u) = &job.user_id {
                c["user_id"] = json!(u);
            }
            value["contacts"] = json!([c]);
        }
        let body =
            json!({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"value": value, "field": "messages"}]}]});
        deliver_webhook(&state, &config, body.to_string()).await;
    }
    let config = state.config();
    if config.auto_reply && job.fails.is_none() && job.kind != "reaction" {
        if let Some(d) = &job.digits {
            actix_web::rt::time::sleep(config.status_delay * 4).await;
            let n = usize::try_from(state.counter.load(std::sync::atomic::Ordering::Relaxed)).unwrap_or(0);
            let reply = CUSTOMER_REPLIES[n % CUSTOMER_REPLIES.len()];
            let value = json!({"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": job.pnid},
                "contacts": [{"profile": {"name": "Simulated customer"}, "wa_id": d}],
                "messages": [{"from": d, "id": state.next_wamid(), "timestamp": Utc::now().timestamp().to_string(), "type": "text",
                              "text": {"body": reply}, "context": {"from": "15550000000", "id": job.wamid}}]});
            let body =
                json!({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"value": value, "field": "messages"}]}]});
            deliver_webhook(&state, &config, body.to_string()).await;
        }
    }
}

/// What simulated customers answer.
const CUSTOMER_REPLIES: &[&str] = &["Thanks!", "Great, that helps.", "Ok 👍", "Perfect, thank you!", "Got it."];

/// Posts one signed webhook, retrying a few times like Meta.
/// Posts a webhook, retrying as Meta does while the receiver is down or
/// failing (Meta keeps trying for days with exponential backoff; the
/// simulator for about a minute, which outlasts a restart).
async fn deliver_webhook(state: &SimState, config: &SimConfig, body: String) {
    let sig = sign(config.app_secret.as_bytes(), body.as_bytes());
    for attempt in 0..15u32 {
        let res = state
            .http
            .post(&config.webhook_url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", &sig)
            .body(body.clone())
            .send()
            .await;
        if res.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis((200u64 << attempt.min(8)).min(5_000))).await;
    }
    tracing::warn!(url = %config.webhook_url, "simulator could not deliver a webhook");
}

async fn list_templates(state: web::Data<Arc<SimState>>, _path: web::Path<(String, String)>) -> HttpResponse {
    let data: Vec<Value> = state
        .templates
        .lock()
        .map(|t| t.iter().map(|t| json!({"id": t.id, "name": t.name, "language": t.language, "category": t.category, "status": t.status, "components": t.components})).collect())
        .unwrap_or_default();
    HttpResponse::Ok().json(json!({"data": data, "paging": {"cursors": {"before": "", "after": ""}}}))
}

async fn create_template(
    state: web::Data<Arc<SimState>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let (_, waba) = path.into_inner();
    log_request(&state, req.path(), &body);
    let name = body["name"].as_str().unwrap_or("");
    if name.is_empty() || name.len() > 512 || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return meta_error(400, 100, "Invalid parameter", "Template name may only contain lowercase letters, digits and underscores.");
    }
    let category = body["category"].as_str().unwrap_or("").to_uppercase();
    if !["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&category.as_str()) {
        return meta_error(400, 100, "Invalid parameter", "category must be MARKETING, UTILITY or AUTHENTICATION.");
    }
    let language = body["language"].as_str().unwrap_or("en_US").to_owned();
    let id = format!("{}", 2_000_000_000_000_000u64 + state.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    if let Ok(mut t) = state.templates.lock() {
        if t.iter().any(|x| x.name == name && x.language == language) {
            return meta_error(400, 100, "Invalid parameter", "Content in this language already exists.");
        }
        t.push(Template {
            id: id.clone(),
            name: name.to_owned(),
            language: language.clone(),
            category: category.clone(),
            status: "PENDING".into(),
            components: body["components"].clone(),
        });
    }
    let (state2, name2, id2) = (state.get_ref().clone(), name.to_owned(), id.clone());
    actix_web::rt::spawn(async move {
        let config = state2.config();
        actix_web::rt::time::sleep(config.status_delay * 3).await;
        if let Ok(mut t) = state2.templates.lock() {
            if let Some(x) = t.iter_mut().find(|x| x.id == id2) {
                x.status = "APPROVED".into();
            }
        }
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": waba, "time": Utc::now().timestamp(), "changes": [{"value": {
            "event": "APPROVED", "message_template_id": id2.parse::<u64>().unwrap_or(0), "message_template_name": name2, "message_template_language": language, "reason": "NONE"},
            "field": "message_template_status_update"}]}]});
        deliver_webhook(&state2, &config, body.to_string()).await;
    });
    HttpResponse::Ok().json(json!({"id": id, "status": "PENDING", "category": category}))
}

fn bearer_ok(req: &HttpRequest) -> bool {
    req.headers().get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7)
}

/// `POST /{version}/{phone_number_id}/media` (multipart: messaging_product, type, file).
async fn upload_media(state: web::Data<Arc<SimState>>, req: HttpRequest, mut form: actix_multipart::Multipart) -> HttpResponse {
    use futures::{StreamExt, TryStreamExt};
    if !bearer_ok(&req) {
        return error_for_code(190);
    }
    let mut product = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(mut field)) = form.try_next().await {
        let name = field.name().unwrap_or("").to_owned();
        let mime = field.content_type().map(|m| m.essence_str().to_owned());
        let mut data = Vec::new();
        while let Some(Ok(chunk)) = field.next().await {
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "messaging_product" => product = String::from_utf8_lossy(&data).into_owned(),
            "file" => file = Some((mime.unwrap_or_else(|| "application/octet-stream".into()), data)),
            _ => {}
        }
    }
    if product != "whatsapp" {
        return meta_error(400, 100, "Invalid parameter", "messaging_product must be \"whatsapp\".");
    }
    let Some((mime, data)) = file else { return meta_error(400, 131008, "Required parameter is missing", "file is required.") };
    let id = format!("{}", 3_000_000_000_000_000u64 + state.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    log_request(&state, req.path(), &json!({"mime_type": mime, "file_size": data.len()}));
    if let Ok(mut m) = state.media.lock() {
        m.insert(id.clone(), (mime, data));
    }
    HttpResponse::Ok().json(json!({"id": id}))
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers().get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")
}

/// Meta's answer to a token it does not accept.
fn invalid_token() -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({"error": {"message": "Invalid OAuth access token - Cannot parse access token",
        "type": "OAuthException", "code": 190, "fbtrace_id": format!("Sim{}", uuid::Uuid::new_v4().simple())}}))
}

/// Meta's answer for an object the token cannot see (or that does not exist).
fn no_such_object(id: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": {"message": format!("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
        "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": format!("Sim{}", uuid::Uuid::new_v4().simple())}}))
}

fn phone_number_json(n: &SimNumber) -> Value {
    json!({"id": n.phone_number_id, "display_phone_number": n.display_phone_number, "verified_name": n.verified_name,
           "quality_rating": "GREEN", "code_verification_status": "VERIFIED", "platform_type": "CLOUD_API",
           "throughput": {"level": "STANDARD"}, "messaging_limit_tier": "TIER_1K"})
}

/// `GET /{version}/{waba_id}/phone_numbers`: the WABA's numbers, for a
/// token of that WABA.
async fn phone_numbers(state: web::Data<Arc<SimState>>, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (_, waba) = path.into_inner();
    let Some(token) = bearer(&req) else { return invalid_token() };
    let numbers: Vec<SimNumber> =
        state.numbers.lock().map(|n| n.values().filter(|x| x.waba_id == waba).cloned().collect()).unwrap_or_default();
    if numbers.is_empty() || !numbers.iter().any(|n| n.access_token == token) {
        return if state.numbers.lock().is_ok_and(|n| n.values().any(|x| x.access_token == token)) {
            no_such_object(&waba)
        } else {
            invalid_token()
        };
    }
    let data: Vec<Value> = numbers.iter().map(phone_number_json).collect();
    HttpResponse::Ok().json(json!({"data": data, "paging": {"cursors": {"before": "QVFIUk", "after": "QVFIUk"}}}))
}

/// `POST /__sim/numbers`: registers a number (tests, the demo).
async fn sim_numbers(state: web::Data<Arc<SimState>>, body: web::Json<SimNumber>) -> HttpResponse {
    state.register_number(body.into_inner());
    HttpResponse::NoContent().finish()
}

/// `GET /{version}/{id}`: a phone number (for its token), or a media
/// file's short-lived URL.
async fn media_url(state: web::Data<Arc<SimState>>, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    use sha2::Digest;
    if !bearer_ok(&req) {
        return error_for_code(190);
    }
    let (_, id) = path.into_inner();
    if let Some(number) = state.number(&id) {
        return if bearer(&req) == Some(number.access_token.as_str()) {
            HttpResponse::Ok().json(phone_number_json(&number))
        } else if state.numbers.lock().is_ok_and(|n| n.values().any(|x| Some(x.access_token.as_str()) == bearer(&req))) {
            no_such_object(&id)
        } else {
            invalid_token()
        };
    }
    let found = state
        .media
        .lock()
        .ok()
        .and_then(|m| m.get(&id).map(|(mime, data)| (mime.clone(), data.len(), hex::encode(sha2::Sha256::digest(data)))));
    let Some((mime, size, sha)) = found else {
        return meta_error(400, 100, "Invalid parameter", "Unsupported get request. Object does not exist.");
    };
    let host = req.connection_info().host().to_owned();
    HttpResponse::Ok().json(json!({"messaging_product": "whatsapp", "url": format!("http://{host}/__media/{id}"), "mime_type": mime, "sha256": sha, "file_size": size.to_string(), "id": id}))
}

/// The media bytes (Meta requires the bearer token here too).
async fn media_bytes(state: web::Data<Arc<SimState>>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    if !bearer_ok(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    match state.media.lock().ok().and_then(|m| m.get(path.as_str()).cloned()) {
        Some((mime, data)) => HttpResponse::Ok().content_type(mime).body(data),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn sim_requests(state: web::Data<Arc<SimState>>) -> HttpResponse {
    let r = state.requests.lock().map(|r| r.clone()).unwrap_or_default();
    HttpResponse::Ok().json(json!({"data": r}))
}

async fn sim_control(state: web::Data<Arc<SimState>>, body: web::Json<SimControl>) -> HttpResponse {
    if let Ok(mut c) = state.control.lock() {
        *c = body.into_inner();
    }
    HttpResponse::NoContent().finish()
}

/// `POST /__sim/templates/status`: Meta changes a template's status
/// (`PAUSED`, `DISABLED`, `APPROVED` again, …) and says so by webhook, as
/// `message_template_status_update` on the given WABA.
#[derive(Deserialize)]
struct TemplateStatusChange {
    waba_id: String,
    name: String,
    language: String,
    event: String,
}

async fn sim_template_status(state: web::Data<Arc<SimState>>, body: web::Json<TemplateStatusChange>) -> HttpResponse {
    let b = body.into_inner();
    let id = state.templates.lock().ok().and_then(|mut t| {
        t.iter_mut().find(|x| x.name == b.name && x.language == b.language).map(|x| {
            x.status = b.event.clone();
            x.id.clone()
        })
    });
    let Some(id) = id else { return HttpResponse::NotFound().finish() };
    let config = state.config();
    let mut value = json!({"event": b.event, "message_template_id": id.parse::<u64>().unwrap_or(0), "message_template_name": b.name,
        "message_template_language": b.language, "reason": "NONE"});
    if b.event == "PAUSED" {
        value["other_info"] = json!({"title": "FIRST_PAUSE", "description": "Your WhatsApp message template has been paused for 3 hours until 2:00 PM UTC because it had issues."});
    }
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": b.waba_id, "time": Utc::now().timestamp(), "changes": [{"value": value,
        "field": "message_template_status_update"}]}]});
    deliver_webhook(&state, &config, body.to_string()).await;
    HttpResponse::NoContent().finish()
}

/// `POST /__sim/user_preferences`: a customer stops (or resumes) the
/// business's marketing messages in WhatsApp, and Meta says so with a
/// `user_preferences` webhook.
#[derive(Deserialize)]
struct PreferenceChange {
    waba_id: String,
    phone_number_id: String,
    wa_id: String,
    /// `stop` or `resume`.
    value: String,
    /// Unix seconds (now when absent).
    #[serde(default)]
    timestamp: Option<i64>,
}

async fn sim_user_preferences(state: web::Data<Arc<SimState>>, body: web::Json<PreferenceChange>) -> HttpResponse {
    let b = body.into_inner();
    let detail =
        if b.value == "stop" { "User requested to stop marketing messages" } else { "User requested to resume marketing messages" };
    let value = json!({"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000", "phone_number_id": b.phone_number_id},
        "contacts": [{"wa_id": b.wa_id}],
        "user_preferences": [{"wa_id": b.wa_id, "detail": detail, "category": "marketing_messages", "value": b.value,
            "timestamp": b.timestamp.unwrap_or_else(|| Utc::now().timestamp())}]});
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": b.waba_id, "changes": [{"value": value, "field": "user_preferences"}]}]});
    let config = state.config();
    deliver_webhook(&state, &config, body.to_string()).await;
    HttpResponse::NoContent().finish()
}

/// `POST /__sim/limits`: Meta changes a business portfolio's messaging
/// limit and says so with a `business_capability_update` webhook
/// (`max_daily_conversations_per_business`, -1 for unlimited).
#[derive(Deserialize)]
struct LimitChange {
    waba_id: String,
    limit: i64,
}

async fn sim_limits(state: web::Data<Arc<SimState>>, body: web::Json<LimitChange>) -> HttpResponse {
    let b = body.into_inner();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": b.waba_id, "time": Utc::now().timestamp(), "changes": [{"value": {
        "max_daily_conversations_per_business": b.limit, "max_phone_numbers_per_waba": 25}, "field": "business_capability_update"}]}]});
    let config = state.config();
    deliver_webhook(&state, &config, body.to_string()).await;
    HttpResponse::NoContent().finish()
}

async fn sim_reset(state: web::Data<Arc<SimState>>) -> HttpResponse {
    if let Ok(mut c) = state.control.lock() {
        *c = SimControl::default();
    }
    if let Ok(mut r) = state.requests.lock() {
        r.clear();
    }
    if let Ok(mut l) = state.template_log.lock() {
        l.clear();
    }
    HttpResponse::NoContent().finish()
}

/// Registers the simulator's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(4 * 1024 * 1024))
        .route("/__sim/requests", web::get().to(sim_requests))
        .route("/__sim/control", web::post().to(sim_control))
        .route("/__sim/reset", web::post().to(sim_reset))
        .route("/__sim/numbers", web::post().to(sim_numbers))
        .route("/__sim/templates/status", web::post().to(sim_template_status))
        .route("/__sim/user_preferences", web::post().to(sim_user_preferences))
        .route("/__sim/limits", web::post().to(sim_limits))
        .route("/__media/{id}", web::get().to(media_bytes))
        .route("/{version}/{pnid}/media", web::post().to(upload_media))
        .route("/{version}/{media_id}", web::get().to(media_url))
        .route("/{version}/{pnid}/messages", web::post().to(messages))
        .route("/{version}/{waba}/phone_numbers", web::get().to(phone_numbers))
        .route("/{version}/{waba}/message_templates", web::get().to(list_templates))
        .route("/{version}/{waba}/message_templates", web::post().to(create_template));
}

/// A running simulator.
pub struct GraphSim {
    /// Its state (tests steer it).
    pub state: Arc<SimState>,
    /// Base URL for `GRAPH_API_BASE` (with a version segment).
    pub base_url: String,
    /// Stops it.
    pub handle: actix_web::dev::ServerHandle,
}

/// Starts the simulator on `listener` (in the current actix system).
pub fn start(listener: TcpListener, config: SimConfig) -> std::io::Result<GraphSim> {
    let port = listener.local_addr()?.port();
    let state = SimState::new(config);
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(configure)).workers(1).listen(listener)?.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok(GraphSim { state, base_url: format!("http://127.0.0.1:{port}/v23.0"), handle })
}
