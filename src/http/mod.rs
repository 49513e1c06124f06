//! The HTTP edge: every route in one table ([`routes`]), JSON errors from
//! one type ([`error::ApiError`]), request ids and security headers on every
//! response ([`request_id`]).

pub mod activity;
pub mod admin;
pub mod affiliates;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod automations;
pub mod bench;
pub mod billing;
pub mod branding;
pub mod campaigns;
pub mod canned;
pub mod channels;
pub mod contacts;
pub mod contacts_csv;
pub mod conversations;
pub mod dead_letters;
pub mod drips;
pub mod error;
pub mod flow_runs;
pub mod flow_sandbox;
pub mod flows;
pub mod gdpr;
pub mod health;
pub mod invitations;
pub mod media;
pub mod messages;
pub mod openapi;
pub mod pagination;
pub mod partners;
pub mod request_id;
pub mod routes;
pub mod scheduled;
pub mod security;
pub mod segments;
pub mod service_levels;
pub mod settings;
pub mod suggestions;
pub mod tags;
pub mod teams;
pub mod templates;
pub mod typescript;
pub mod usage;
pub mod users;
pub mod valid;
pub mod wallet;
pub mod webhooks;
pub mod webhooks_out;

use actix_web::web;
use error::ApiError;

/// Registers every route of the route table ([`routes::ROUTES`]) with the
/// request limits, and a JSON 404 for unknown API paths.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(1024 * 1024).error_handler(error::json_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error));
    routes::register(cfg);
    cfg.service(web::scope("/api/v1").default_service(web::to(not_found)));
}

/// JSON 404 for unknown API routes.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("route"))
}
