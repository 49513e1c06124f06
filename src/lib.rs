//! # whatsflow (server)
//!
//! The edges and adapters around the actors of `whatsflow-actors`:
//!
//! - [`cli`], [`config`], [`telemetry`]: how the process is started.
//! - [`startup`]: wires Postgres, the actors and the HTTP server together
//!   ([`startup::Application`]).
//! - [`embedded_pg`]: the private Postgres cluster used when no
//!   `DATABASE_URL` is given.
//! - [`db`], [`store`]: sqlx pools, row-level-security transactions, and the
//!   actors' ports implemented on Postgres (group-commit writer, webhook
//!   inbox).
//! - [`http`]: every route and the one API error type; [`auth`]: passwords
//!   JWTs, sessions, abuse limits and who may call what; [`crypto`]: secrets
//!   at rest; [`egress`]: the only client that calls tenant-supplied URLs;
//!   [`cache`]: bounded caches; [`hub`]: fan-out to sessions; [`web_app`]:
//!   the built front end.
//! - [`graph`]: the Graph API client (sends, media, templates, number
//!   verification); [`sim`]: the stand-ins for Meta (and later Razorpay)
//!   that demo, tests and benches run against.
//! - [`campaigns`]: broadcast campaigns (audience, launch checks, the
//!   actor that paces and sends them).
//! - [`store::repo`]: every query the HTTP edge needs, one repository per
//!   aggregate, reached as `db.tenant(t).conversations()…`.

pub mod ai;
pub mod audit;
pub mod auth;
pub mod automations;
pub mod billing;
pub mod cache;
pub mod campaigns;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod drips;
pub mod egress;
pub mod embedded_pg;
pub mod graph;
pub mod http;
pub mod hub;
pub mod mail;
pub mod outbox;
pub mod partners;
pub mod plans;
pub mod rotate;
pub mod routing;
pub mod segments;
pub mod sim;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web_app;
pub mod webhooks_out;
pub mod ws;
