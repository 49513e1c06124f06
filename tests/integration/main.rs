//! Integration tests: the real server on a random port against a real
//! Postgres (a fresh database per test), driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod account_security;
mod affiliates;
mod agent_day;
mod audit;
mod auth;
mod automations;
mod billing;
mod campaigns;
mod channels;
mod cluster;
mod contacts;
mod drips;
mod flows;
mod gdpr;
mod in_doubt;
mod ingest;
mod live;
mod matrix;
mod outbound;
mod partners;
mod plans;
mod recovery;
mod security;
mod segments;
mod suggestions;
mod teams;
mod templates;
mod tenancy;
mod usage;
mod webhooks_out;
