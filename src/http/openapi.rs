//! `GET /api/openapi.json` (OpenAPI 3.1 of every route) and `GET /api/docs`
//! (a page that renders it). The route table here is the one the server
//! registers; a test checks that each documented route answers.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

/// One documented route.
pub struct RouteDoc {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path with `{params}`.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Grouping.
    pub tag: &'static str,
    /// Needs a bearer token.
    pub auth: bool,
    /// Example request body, if it takes one.
    pub body: Option<&'static str>,
}

macro_rules! route {
    ($m:literal, $p:literal, $tag:literal, $auth:literal, $s:literal) => {
        RouteDoc { method: $m, path: $p, summary: $s, tag: $tag, auth: $auth, body: None }
    };
    ($m:literal, $p:literal, $tag:literal, $auth:literal, $s:literal, $b:literal) => {
        RouteDoc { method: $m, path: $p, summary: $s, tag: $tag, auth: $auth, body: Some($b) }
    };
}

/// Every route the server serves.
pub const ROUTES: &[RouteDoc] = &[
    route!("get", "/health", "ops", false, "Liveness: the process is up"),
    route!("get", "/ready", "ops", false, "Readiness: the database is reachable (503 when not)"),
    route!("get", "/metrics", "ops", false, "Prometheus counters"),
    route!("get", "/api/openapi.json", "ops", false, "This document"),
    route!("get", "/api/docs", "ops", false, "Browsable API documentation"),
    route!(
        "get",
        "/webhooks/whatsapp",
        "webhooks",
        false,
        "Meta subscription check for the platform app (echoes hub.challenge when hub.verify_token matches)"
    ),
    route!(
        "post",
        "/webhooks/whatsapp",
        "webhooks",
        false,
        "Meta event delivery, signed with X-Hub-Signature-256 by the platform app; 200 only once stored"
    ),
    route!("get", "/webhooks/whatsapp/{app_id}", "webhooks", false, "Meta subscription check for a tenant's own app"),
    route!("post", "/webhooks/whatsapp/{app_id}", "webhooks", false, "Meta event delivery signed by a tenant's own app"),
    route!(
        "post",
        "/api/v1/auth/register",
        "auth",
        false,
        "Create a business and its first admin; returns tokens",
        r#"{"tenant_name":"Acme","name":"Asha","email":"asha@acme.test","password":"at least 8"}"#
    ),
    route!(
        "post",
        "/api/v1/auth/login",
        "auth",
        false,
        "Log in; returns access (15 min) and refresh (7 days) tokens",
        r#"{"email":"asha@acme.test","password":"..."}"#
    ),
    route!(
        "post",
        "/api/v1/auth/refresh",
        "auth",
        false,
        "Trade a refresh token for a new pair (the old one dies)",
        r#"{"refresh_token":"..."}"#
    ),
    route!("post", "/api/v1/auth/logout", "auth", false, "Revoke a refresh token", r#"{"refresh_token":"..."}"#),
    route!("get", "/api/v1/auth/me", "auth", true, "The logged-in user"),
    route!("get", "/api/v1/users", "team", true, "The team, with roles and presence"),
    route!("post", "/api/v1/users", "team", true, "Add an agent or admin (tenant admin)", r#"{"email":"ravi@acme.test","password":"at least 8","name":"Ravi","role":"agent"}"#),
    route!("get", "/api/v1/users/{id}", "team", true, "One team member"),
    route!("patch", "/api/v1/users/{id}", "team", true, "Change name, role (tenant admin) or password", r#"{"name":"Ravi K","role":"tenant_admin"}"#),
    route!("delete", "/api/v1/users/{id}", "team", true, "Remove a team member (tenant admin)"),
    route!("get", "/api/v1/channels", "channels", true, "Connected WhatsApp numbers"),
    route!(
        "post",
        "/api/v1/channels",
        "channels",
        true,
        "Connect a number (tenant admin); the access token is stored encrypted and never returned",
        r#"{"phone_number_id":"106540352242922","display_phone_number":"+1 555 078 3881","waba_id":"102290129340398","access_token":"EAAG...","app_id":"optional","app_secret":"optional","verify_token":"optional"}"#
    ),
    route!("get", "/api/v1/channels/{id}", "channels", true, "One number"),
    route!(
        "patch",
        "/api/v1/channels/{id}",
        "channels",
        true,
        "Change a number or rotate its token (tenant admin)",
        r#"{"name":"Support","access_token":"EAAG..."}"#
    ),
    route!("delete", "/api/v1/channels/{id}", "channels", true, "Disconnect a number (tenant admin)"),
    route!(
        "get",
        "/api/v1/conversations",
        "inbox",
        true,
        "Conversations, newest activity first; filters status, assignee (me|unassigned|all|id), unread, search (contact name/phone/username), tag; paginated by cursor"
    ),
    route!("get", "/api/v1/conversations/{id}", "inbox", true, "One conversation with its contact, window end and last message"),
    route!(
        "get",
        "/api/v1/conversations/{id}/messages",
        "inbox",
        true,
        "Messages in ascending sequence; cursor pages back in time, after_seq resynchronises"
    ),
    route!("get", "/api/v1/contacts", "contacts", true, "Contacts, newest first; search by name, phone or username; filter by tag"),
    route!("post", "/api/v1/contacts", "contacts", true, "Add a contact", r#"{"phone":"+14155550123","name":"Asha","tags":["vip"],"custom_fields":{"city":"Pune"},"opted_in":true}"#),
    route!("post", "/api/v1/contacts/import", "contacts", true, "Import a CSV (header: phone[,name,tags,opted_in,<custom>...]); answers imported/updated/failed with a per-line error report"),
    route!("get", "/api/v1/contacts/export", "contacts", true, "Every contact as CSV"),
    route!("get", "/api/v1/contacts/{id}", "contacts", true, "One contact with its conversations"),
    route!("patch", "/api/v1/contacts/{id}", "contacts", true, "Change a contact; custom_fields merge (null removes a field)", r#"{"name":"Asha K","custom_fields":{"city":null,"tier":"gold"}}"#),
    route!("delete", "/api/v1/contacts/{id}", "contacts", true, "Delete a contact and its conversations (tenant admin)"),
    route!("post", "/api/v1/contacts/{id}/tags", "contacts", true, "Add tags", r#"{"tags":["vip"]}"#),
    route!("delete", "/api/v1/contacts/{id}/tags/{tag}", "contacts", true, "Remove a tag"),
    route!("post", "/api/v1/conversations/{id}/tags", "inbox", true, "Tag a conversation", r#"{"tags":["refund"]}"#),
    route!("delete", "/api/v1/conversations/{id}/tags/{tag}", "inbox", true, "Untag a conversation"),
    route!("get", "/api/v1/templates", "templates", true, "Message templates (filter status=APPROVED…)"),
    route!("post", "/api/v1/templates", "templates", true, "Create a draft; checked against Meta's rules (422 TEMPLATE_INVALID lists every problem)", r##"{"name":"order_update","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"Hi {{1}}, your order {{2}} ships today.","example":{"body_text":[["Asha","#4821"]]}}]}"##),
    route!("post", "/api/v1/templates/sync", "templates", true, "Pull templates and their status from Meta"),
    route!("get", "/api/v1/templates/{id}", "templates", true, "One template"),
    route!("patch", "/api/v1/templates/{id}", "templates", true, "Edit a draft or rejected template", r#"{"components":[{"type":"BODY","text":"Hello {{1}}!","example":{"body_text":[["Asha"]]}}]}"#),
    route!("delete", "/api/v1/templates/{id}", "templates", true, "Delete a template"),
    route!("post", "/api/v1/templates/{id}/submit", "templates", true, "Submit a draft to Meta for review"),
    route!("post", "/api/v1/templates/{id}/preview", "templates", true, "Render with parameters", r##"{"header":[],"body":["Asha","#4821"]}"##),
    route!("get", "/api/v1/api-keys", "api-keys", true, "API keys (never the keys themselves)"),
    route!("post", "/api/v1/api-keys", "api-keys", true, "Create a key for X-API-Key (shown once; stored as SHA-256); scopes read and/or write", r#"{"name":"CRM sync","scopes":["read","write"]}"#),
    route!("delete", "/api/v1/api-keys/{id}", "api-keys", true, "Revoke a key"),
    route!("get", "/api/v1/flows", "flows", true, "Chatbot flows"),
    route!("post", "/api/v1/flows", "flows", true, "Create a flow (React Flow JSON); 422 FLOW_INVALID with details naming each bad node or edge", r#"{"name":"Order status","trigger_type":"keyword","trigger_value":"order","flow_data":{"nodes":[{"id":"a","type":"message","position":{"x":0,"y":0},"data":{"text":"Hi {{contact.name}}"}}],"edges":[]}}"#),
    route!("get", "/api/v1/flows/{id}", "flows", true, "One flow"),
    route!("patch", "/api/v1/flows/{id}", "flows", true, "Change a flow; new flow_data is a new version (live runs keep theirs)"),
    route!("delete", "/api/v1/flows/{id}", "flows", true, "Delete a flow with no live runs"),
    route!("patch", "/api/v1/flows/{id}/status", "flows", true, "draft | active (validated again) | inactive", r#"{"status":"active"}"#),
    route!("get", "/api/v1/flows/{id}/executions", "flows", true, "Runs with the path taken, status and error"),
    route!("get", "/api/v1/flows/{id}/analytics", "flows", true, "Starts, completions, drop-off per node"),
    route!("post", "/api/v1/flows/{id}/test", "flows", true, "Run against scripted customer messages in a sandbox; returns the transcript (nothing reaches Meta)", r#"{"messages":["order","4821"]}"#),
    route!("post", "/api/v1/flows/{id}/start", "flows", true, "Start a flow in a conversation by hand", r#"{"conversation_id":"…"}"#),
    route!("post", "/api/v1/conversations/{id}/flow", "flows", true, "Pause, resume or stop the conversation's bot", r#"{"action":"stop"}"#),
    route!("get", "/api/v1/analytics/overview", "analytics", true, "Dashboard numbers for the last `days` (1–90): conversations and messages per day, first-response times, agents, flow runs"),
    route!("get", "/api/v1/ws", "live", true, "Agent WebSocket (token as ?token= or the `bearer, <token>` subprotocol): message:new, message:status, conversation:*, agent:typing, agent:status, notification, error; send conversation:join {conversation_id, since_seq?}, conversation:leave, conversation:typing, agent:status, message:send → message:ack"),
];

/// Builds the OpenAPI document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": r.summary,
            "tags": [r.tag],
            "parameters": params,
            "responses": {
                "200": {"description": "OK"},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if r.auth {
            op["security"] = json!([{"bearer": []}, {"apiKey": []}]);
        }
        if let Some(body) = r.body {
            let example: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"example": example}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "whatsflow API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Multi-tenant WhatsApp Business platform. Errors are {\"error\": {\"code\", \"message\"}}. Lists return {\"data\", \"next_cursor\"}: pass cursor=<next_cursor> for the next page."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// `GET /api/docs`: a self-contained page listing every route.
pub async fn docs_page() -> HttpResponse {
    let mut rows = String::new();
    for r in ROUTES {
        let body = r.body.map(|b| format!("<pre>{}</pre>", html_escape(b))).unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            r.method.to_uppercase(),
            html_escape(r.path),
            r.tag,
            if r.auth { "bearer / X-API-Key" } else { "none" },
            html_escape(r.summary),
            body
        ));
    }
    let page = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>whatsflow API</title><style>body{{font-family:system-ui;margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top}}pre{{margin:0;white-space:pre-wrap}}</style></head>\
         <body><h1>whatsflow API</h1><p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a>. Errors are <code>{{\"error\":{{\"code\",\"message\"}}}}</code>.</p>\
         <table><tr><th>Method</th><th>Path</th><th>Tag</th><th>Auth</th><th>What</th></tr>{rows}</table></body></html>"
    );
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
