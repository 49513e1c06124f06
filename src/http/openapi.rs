//! `GET /api/openapi.json` (OpenAPI 3.1 of every route) and `GET /api/docs`
//! (a page that renders it), both built from the route table the server
//! registers ([`super::routes::ROUTES`]).

use super::routes::ROUTES;
use crate::auth::Access;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

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
        op["x-access"] = json!(r.access);
        op["description"] = json!(format!("Who may call it: {}.", r.access.describe()));
        match r.access {
            Access::Public => {}
            Access::Person | Access::Admin | Access::SuperAdmin | Access::PartnerAdmin => op["security"] = json!([{"bearer": []}]),
            Access::Reader | Access::Writer | Access::Manager => op["security"] = json!([{"bearer": []}, {"apiKey": []}]),
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
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "request_id": {"type": "string"},
                    "details": {}}}}}
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// `GET /api/docs`: the reference as a page people read: a table of
/// contents by area, then each route with its method, path, who may call
/// it, what it does and an example body; how to authenticate, paginate and
/// read errors first. Plain HTML and CSS (no script, so the strict CSP
/// holds), readable from a phone to a wide screen.
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(reference_page())
}

/// The areas (tags) in the order the route table first names them.
fn areas() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in ROUTES {
        if !out.contains(&r.tag) {
            out.push(r.tag);
        }
    }
    out
}

fn anchor(method: &str, path: &str) -> String {
    let mut id = format!("{method}-");
    id.extend(path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }));
    id
}

fn reference_page() -> String {
    let mut toc = String::new();
    let mut sections = String::new();
    for area in areas() {
        let routes: Vec<_> = ROUTES.iter().filter(|r| r.tag == area).collect();
        toc.push_str(&format!("<li><a href=\"#area-{area}\">{area}</a> <span class=n>{}</span></li>", routes.len()));
        sections.push_str(&format!("<section id=\"area-{area}\"><h2>{area}</h2>"));
        for r in routes {
            let body = r
                .body
                .map(|b| {
                    let pretty = serde_json::from_str::<Value>(b)
                        .ok()
                        .and_then(|v| serde_json::to_string_pretty(&v).ok())
                        .unwrap_or_else(|| b.to_owned());
                    format!("<details><summary>Example body</summary><pre>{}</pre></details>", html_escape(&pretty))
                })
                .unwrap_or_default();
            let method = r.method.to_uppercase();
            sections.push_str(&format!(
                "<article id=\"{id}\"><h3><span class=\"m m-{m}\">{method}</span> <code>{path}</code></h3><p>{summary}</p><p class=who>Who may call it: {who}</p>{body}</article>",
                id = anchor(r.method, r.path),
                m = r.method,
                path = html_escape(r.path),
                summary = html_escape(r.summary),
                who = html_escape(r.access.describe()),
            ));
        }
        sections.push_str("</section>");
    }
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>whatsflow API reference</title><style>{STYLE}</style></head>\
         <body><header><h1>whatsflow API reference</h1><p>Version {version} · {count} routes · machine-readable as <a href=\"/api/openapi.json\">OpenAPI 3.1</a></p></header>\
         <div class=layout><nav aria-label=\"Areas\"><h2>Areas</h2><ul>{toc}</ul></nav><main>\
         <section id=basics><h2>Basics</h2>\
         <p><b>Authentication.</b> People send <code>Authorization: Bearer &lt;access token&gt;</code> from <code>POST /api/v1/auth/login</code> (refresh it with <code>POST /api/v1/auth/refresh</code>). Programs send <code>X-API-Key: &lt;key&gt;</code> (Settings → API keys) with the <code>read</code> or <code>write</code> scope. Each route says who may call it.</p>\
         <p><b>Errors</b> are <code>{{\"error\": {{\"code\", \"message\", \"request_id\"}}}}</code> with a stable <code>code</code> and a message that names the fix; quote the request id when asking for help.</p>\
         <p><b>Lists</b> answer <code>{{\"data\": [...], \"next_cursor\"}}</code>: pass <code>cursor=&lt;next_cursor&gt;</code> for the next page (and <code>limit</code>, at most 200).</p>\
         <p><b>Sending</b> takes the WhatsApp Cloud API's own message shapes, plus an optional <code>client_id</code> (or <code>Idempotency-Key</code> header) so a retry never sends twice.</p></section>\
         {sections}</main></div></body></html>",
        version = env!("CARGO_PKG_VERSION"),
        count = ROUTES.len(),
    )
}

/// The page's look: a sticky table of contents beside the routes on wide
/// screens, above them on narrow ones; long paths and bodies wrap.
const STYLE: &str = "*{box-sizing:border-box}body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2937;background:#f8fafc;line-height:1.5}\
header{background:#065f46;color:#fff;padding:1.25rem 1.5rem}header h1{margin:0;font-size:1.5rem}header p{margin:.25rem 0 0;opacity:.9}header a{color:#a7f3d0}\
.layout{display:grid;grid-template-columns:15rem minmax(0,1fr);gap:1.5rem;max-width:80rem;margin:0 auto;padding:1.5rem}\
nav{position:sticky;top:1rem;align-self:start;max-height:calc(100vh - 2rem);overflow:auto;background:#fff;border:1px solid #e5e7eb;border-radius:.5rem;padding:.75rem 1rem}\
nav h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:#6b7280;margin:.25rem 0 .5rem}nav ul{list-style:none;margin:0;padding:0}nav li{display:flex;justify-content:space-between;padding:.15rem 0}\
nav a{color:#065f46;text-decoration:none}nav a:hover{text-decoration:underline}.n{color:#9ca3af;font-size:.8rem}\
main{min-width:0}section{margin-bottom:2rem}section>h2{font-size:1.25rem;text-transform:capitalize;border-bottom:2px solid #d1fae5;padding-bottom:.25rem}\
article{background:#fff;border:1px solid #e5e7eb;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}article h3{margin:0;font-size:1rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}\
article h3 code{overflow-wrap:anywhere;font-size:.95rem}article p{margin:.4rem 0}.who{color:#4b5563;font-size:.9rem}\
.m{display:inline-block;min-width:4.2rem;text-align:center;font-size:.75rem;font-weight:700;border-radius:.25rem;padding:.1rem .4rem;color:#fff}\
.m-get{background:#2563eb}.m-post{background:#059669}.m-put{background:#d97706}.m-patch{background:#7c3aed}.m-delete{background:#dc2626}\
pre{background:#0f172a;color:#e2e8f0;padding:.75rem;border-radius:.375rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}\
details summary{cursor:pointer;color:#065f46;font-size:.9rem}code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}\
@media (max-width:48rem){.layout{grid-template-columns:1fr;padding:1rem}nav{position:static;max-height:none}nav ul{columns:2}}";

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
