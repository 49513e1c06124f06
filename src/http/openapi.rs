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
            Access::Person | Access::Admin | Access::SuperAdmin => op["security"] = json!([{"bearer": []}]),
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
            r.access.describe(),
            html_escape(r.summary),
            body
        ));
    }
    let page = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>whatsflow API</title><style>body{{font-family:system-ui;margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top}}pre{{margin:0;white-space:pre-wrap}}</style></head>\
         <body><h1>whatsflow API</h1><p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a>. Errors are <code>{{\"error\":{{\"code\",\"message\"}}}}</code>.</p>\
         <table><tr><th>Method</th><th>Path</th><th>Tag</th><th>Who may call it</th><th>What</th></tr>{rows}</table></body></html>"
    );
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
