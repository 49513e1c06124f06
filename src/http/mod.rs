//! The HTTP edge: every route registered in one place, JSON errors from one
//! type ([`error::ApiError`]).

pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod bench;
pub mod channels;
pub mod contacts;
pub mod conversations;
pub mod error;
pub mod flows;
pub mod health;
pub mod media;
pub mod messages;
pub mod openapi;
pub mod pagination;
pub mod templates;
pub mod users;
pub mod webhooks;

use actix_web::web;
use error::ApiError;

/// Registers every route (the same list [`openapi::ROUTES`] documents).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(1024 * 1024).error_handler(error::json_error))
        .app_data(web::PayloadConfig::new(contacts::MAX_IMPORT_BYTES + 1))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .route("/health", web::get().to(health::health))
        .route("/ready", web::get().to(health::ready))
        .route("/metrics", web::get().to(health::metrics))
        .route("/api/openapi.json", web::get().to(openapi::openapi_json))
        .route("/api/docs", web::get().to(openapi::docs_page))
        .route("/webhooks/whatsapp", web::get().to(webhooks::verify_platform))
        .route("/webhooks/whatsapp", web::post().to(webhooks::receive_platform))
        .route("/webhooks/whatsapp/{app_id}", web::get().to(webhooks::verify_tenant_app))
        .route("/webhooks/whatsapp/{app_id}", web::post().to(webhooks::receive_tenant_app))
        .service(
            web::scope("/api/v1")
                .route("/auth/register", web::post().to(auth::register))
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/refresh", web::post().to(auth::refresh))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/me", web::get().to(auth::me))
                .route("/channels", web::get().to(channels::list))
                .route("/channels", web::post().to(channels::create))
                .route("/channels/{id}", web::get().to(channels::get))
                .route("/channels/{id}", web::patch().to(channels::update))
                .route("/channels/{id}", web::delete().to(channels::delete))
                .route("/channels/{id}/media", web::post().to(media::upload))
                .route("/channels/{id}/media/{media_id}", web::get().to(media::download))
                .route("/conversations", web::get().to(conversations::list))
                .route("/conversations", web::post().to(messages::start))
                .route("/conversations/{id}", web::get().to(conversations::get))
                .route("/conversations/{id}", web::patch().to(messages::patch))
                .route("/conversations/{id}/messages", web::get().to(conversations::messages))
                .route("/conversations/{id}/messages", web::post().to(messages::post_message))
                .route("/conversations/{id}/read", web::post().to(messages::mark_read))
                .route("/conversations/{id}/notes", web::get().to(messages::list_notes))
                .route("/conversations/{id}/notes", web::post().to(messages::add_note))
                .route("/contacts", web::get().to(contacts::list))
                .route("/contacts", web::post().to(contacts::create))
                .route("/contacts/import", web::post().to(contacts::import))
                .route("/contacts/export", web::get().to(contacts::export))
                .route("/contacts/{id}", web::get().to(contacts::get))
                .route("/contacts/{id}", web::patch().to(contacts::update))
                .route("/contacts/{id}", web::delete().to(contacts::delete))
                .route("/contacts/{id}/tags", web::post().to(contacts::post_tags))
                .route("/contacts/{id}/tags/{tag}", web::delete().to(contacts::delete_tag))
                .route("/conversations/{id}/tags", web::post().to(contacts::post_conversation_tags))
                .route("/conversations/{id}/tags/{tag}", web::delete().to(contacts::delete_conversation_tag))
                .route("/ws", web::get().to(crate::ws::connect))
                .route("/analytics/overview", web::get().to(analytics::overview))
                .route("/flows", web::get().to(flows::list))
                .route("/flows", web::post().to(flows::create))
                .route("/flows/{id}", web::get().to(flows::get))
                .route("/flows/{id}", web::patch().to(flows::update))
                .route("/flows/{id}", web::delete().to(flows::delete))
                .route("/flows/{id}/status", web::patch().to(flows::set_status))
                .route("/flows/{id}/executions", web::get().to(flows::executions))
                .route("/flows/{id}/analytics", web::get().to(flows::analytics))
                .route("/flows/{id}/test", web::post().to(flows::test))
                .route("/flows/{id}/start", web::post().to(flows::start))
                .route("/conversations/{id}/flow", web::post().to(flows::control))
                .route("/api-keys", web::get().to(api_keys::list))
                .route("/api-keys", web::post().to(api_keys::create))
                .route("/api-keys/{id}", web::delete().to(api_keys::revoke))
                .route("/templates", web::get().to(templates::list))
                .route("/templates", web::post().to(templates::create))
                .route("/templates/sync", web::post().to(templates::sync))
                .route("/templates/{id}", web::get().to(templates::get))
                .route("/templates/{id}", web::patch().to(templates::update))
                .route("/templates/{id}", web::delete().to(templates::delete))
                .route("/templates/{id}/submit", web::post().to(templates::submit))
                .route("/templates/{id}/preview", web::post().to(templates::preview))
                .route("/users", web::get().to(users::list))
                .route("/users", web::post().to(users::create))
                .route("/users/{id}", web::get().to(users::get))
                .route("/users/{id}", web::patch().to(users::update))
                .route("/users/{id}", web::delete().to(users::delete))
                .default_service(web::to(not_found)),
        );
}

/// JSON 404 for unknown API routes.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("route"))
}
