//! The route × caller matrix: every route of the server's route table,
//! called by each kind of caller, answers the status this table expects.
//! A route the server serves with no row here fails the test (so no new
//! route escapes review), and so does a row for a route that is gone.
//!
//! Callers, in column order: anonymous; an agent of the tenant; an agent of
//! another tenant; an admin of another tenant; an API key with only the
//! `read` scope; an API key with only the `write` scope; the tenant's admin.
//! Outsiders learn nothing: another tenant's ids are 404 (never 403, which
//! would confirm they exist); a role or scope that is not enough is 403.

use crate::helpers::*;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Agent,
    OtherAgent,
    OtherAdmin,
    ReadKey,
    WriteKey,
    Admin,
}

const CALLERS: [Who; 7] = [Who::Anonymous, Who::Agent, Who::OtherAgent, Who::OtherAdmin, Who::ReadKey, Who::WriteKey, Who::Admin];

/// The expected status per caller, in [`CALLERS`] order.
const TABLE: &[(&str, &str, [u16; 7])] = &[
    //                                                              anon agent oAgent oAdmin rKey wKey admin
    ("get", "/health", [200, 200, 200, 200, 200, 200, 200]),
    ("get", "/ready", [200, 200, 200, 200, 200, 200, 200]),
    ("get", "/metrics", [200, 200, 200, 200, 200, 200, 200]),
    ("get", "/api/openapi.json", [200, 200, 200, 200, 200, 200, 200]),
    ("get", "/api/docs", [200, 200, 200, 200, 200, 200, 200]),
    // Webhooks authenticate by Meta's verify token and signature, not callers.
    ("get", "/webhooks/whatsapp", [403, 403, 403, 403, 403, 403, 403]),
    ("post", "/webhooks/whatsapp", [401, 401, 401, 401, 401, 401, 401]),
    ("get", "/webhooks/whatsapp/{app_id}", [404, 404, 404, 404, 404, 404, 404]),
    // Razorpay's webhook authenticates by its signature only.
    ("post", "/webhooks/razorpay", [401, 401, 401, 401, 401, 401, 401]),
    ("post", "/webhooks/whatsapp/{app_id}", [404, 404, 404, 404, 404, 404, 404]),
    // Sign-in routes are public; an empty body is a 400 whoever sends it.
    ("post", "/api/v1/auth/register", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/login", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/refresh", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/logout", [400, 400, 400, 400, 400, 400, 400]),
    ("get", "/api/v1/auth/me", [401, 200, 200, 200, 403, 403, 200]),
    ("patch", "/api/v1/auth/me", [401, 200, 200, 200, 403, 403, 200]),
    ("get", "/api/v1/users", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/users", [401, 403, 403, 201, 403, 403, 201]),
    ("get", "/api/v1/users/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/users/{id}", [401, 403, 403, 404, 403, 403, 200]),
    ("delete", "/api/v1/users/{id}", [401, 403, 403, 404, 403, 403, 204]),
    // This server sends no mail: 403 MAIL_NOT_CONFIGURED once the person is found.
    ("post", "/api/v1/users/{id}/invitation", [401, 403, 403, 404, 403, 403, 403]),
    ("get", "/api/v1/channels", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/channels", [401, 403, 403, 201, 403, 403, 201]),
    ("get", "/api/v1/channels/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/channels/{id}", [401, 403, 403, 404, 403, 403, 200]),
    ("delete", "/api/v1/channels/{id}", [401, 403, 403, 404, 403, 403, 204]),
    ("post", "/api/v1/channels/{id}/refresh", [401, 403, 403, 404, 403, 403, 200]),
    ("post", "/api/v1/channels/{id}/media", [401, 201, 404, 404, 403, 201, 201]),
    ("get", "/api/v1/channels/{id}/media/{media_id}", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/conversations", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/conversations", [401, 200, 404, 404, 403, 200, 200]),
    ("get", "/api/v1/conversations/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/conversations/{id}", [401, 200, 404, 404, 403, 200, 200]),
    ("get", "/api/v1/conversations/{id}/messages", [401, 200, 404, 404, 200, 403, 200]),
    ("post", "/api/v1/conversations/{id}/messages", [401, 201, 404, 404, 403, 201, 201]),
    ("post", "/api/v1/conversations/{id}/messages/{message_id}/resend", [401, 409, 404, 404, 403, 409, 409]),
    ("post", "/api/v1/conversations/{id}/read", [401, 202, 404, 404, 403, 202, 202]),
    ("get", "/api/v1/conversations/{id}/scheduled-messages", [401, 200, 404, 404, 200, 403, 200]),
    ("post", "/api/v1/conversations/{id}/scheduled-messages", [401, 201, 404, 404, 403, 201, 201]),
    ("patch", "/api/v1/conversations/{id}/scheduled-messages/{scheduled_id}", [401, 200, 404, 404, 403, 200, 200]),
    ("delete", "/api/v1/conversations/{id}/scheduled-messages/{scheduled_id}", [401, 200, 404, 404, 403, 200, 200]),
    ("get", "/api/v1/conversations/{id}/notes", [401, 200, 404, 404, 200, 403, 200]),
    ("post", "/api/v1/conversations/{id}/notes", [401, 201, 404, 404, 403, 201, 201]),
    ("post", "/api/v1/conversations/{id}/tags", [401, 200, 404, 404, 403, 200, 200]),
    ("delete", "/api/v1/conversations/{id}/tags/{tag}", [401, 200, 404, 404, 403, 200, 200]),
    ("post", "/api/v1/conversations/{id}/flow", [401, 202, 404, 404, 403, 202, 202]),
    ("get", "/api/v1/conversations/{id}/activity", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/conversations/{id}/bot", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/contacts", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/contacts", [401, 201, 201, 201, 403, 201, 201]),
    ("post", "/api/v1/contacts/import", [401, 403, 403, 200, 403, 200, 200]),
    ("get", "/api/v1/contacts/export", [401, 403, 403, 200, 403, 200, 200]),
    ("get", "/api/v1/contacts/segments", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/contacts/segments", [401, 403, 403, 201, 403, 201, 201]),
    ("post", "/api/v1/contacts/segments/preview", [401, 200, 200, 200, 200, 403, 200]),
    ("get", "/api/v1/contacts/segments/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/contacts/segments/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/contacts/segments/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("get", "/api/v1/contacts/segments/{id}/preview", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/contacts/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/contacts/{id}", [401, 200, 404, 404, 403, 200, 200]),
    ("delete", "/api/v1/contacts/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("get", "/api/v1/contacts/{id}/export", [401, 403, 403, 404, 403, 403, 200]),
    ("post", "/api/v1/contacts/{id}/erase", [401, 403, 403, 404, 403, 403, 200]),
    ("post", "/api/v1/contacts/{id}/tags", [401, 200, 404, 404, 403, 200, 200]),
    ("delete", "/api/v1/contacts/{id}/tags/{tag}", [401, 200, 404, 404, 403, 200, 200]),
    // Sockets are for people: a plain GET past authentication is a 400
    // (no upgrade); keys never open one.
    ("get", "/api/v1/ws", [401, 400, 400, 400, 401, 401, 400]),
    ("get", "/api/v1/analytics/overview", [401, 200, 200, 200, 200, 403, 200]),
    ("get", "/api/v1/flows", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/flows", [401, 403, 403, 201, 403, 201, 201]),
    ("get", "/api/v1/flows/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/flows/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/flows/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("patch", "/api/v1/flows/{id}/status", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/flows/{id}/executions", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/flows/{id}/analytics", [401, 200, 404, 404, 200, 403, 200]),
    ("post", "/api/v1/flows/{id}/test", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/flows/{id}/start", [401, 201, 404, 404, 403, 201, 201]),
    ("get", "/api/v1/teams", [401, 200, 200, 200, 403, 403, 200]),
    ("post", "/api/v1/teams", [401, 403, 403, 201, 403, 403, 201]),
    ("get", "/api/v1/teams/{id}", [401, 200, 404, 404, 403, 403, 200]),
    ("patch", "/api/v1/teams/{id}", [401, 403, 403, 404, 403, 403, 200]),
    ("delete", "/api/v1/teams/{id}", [401, 403, 403, 404, 403, 403, 204]),
    // Agents keep personal replies; the shared one named here is admins' to change.
    ("get", "/api/v1/canned-replies", [401, 200, 200, 200, 403, 200, 200]),
    ("post", "/api/v1/canned-replies", [401, 201, 201, 201, 403, 201, 201]),
    ("patch", "/api/v1/canned-replies/{id}", [401, 404, 404, 404, 403, 200, 200]),
    ("delete", "/api/v1/canned-replies/{id}", [401, 404, 404, 404, 403, 204, 204]),
    ("post", "/api/v1/canned-replies/{id}/render", [401, 200, 404, 404, 403, 200, 200]),
    ("get", "/api/v1/conversations/{id}/suggestions", [401, 200, 404, 404, 403, 200, 200]),
    ("get", "/api/v1/ai/status", [401, 200, 200, 200, 403, 403, 200]),
    // No language model in tests: allowed callers are told AI_NOT_CONFIGURED (403) too.
    ("post", "/api/v1/templates/draft", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/automations/catalog", [401, 403, 403, 200, 403, 200, 200]),
    ("get", "/api/v1/automations", [401, 403, 403, 200, 403, 200, 200]),
    ("post", "/api/v1/automations", [401, 403, 403, 201, 403, 201, 201]),
    ("get", "/api/v1/automations/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("put", "/api/v1/automations/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/automations/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("get", "/api/v1/automations/{id}/logs", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/business-hours", [401, 200, 200, 200, 403, 403, 200]),
    ("put", "/api/v1/business-hours", [401, 403, 403, 200, 403, 403, 200]),
    ("delete", "/api/v1/business-hours/{scope}", [401, 403, 403, 404, 403, 403, 204]),
    ("get", "/api/v1/csat/settings", [401, 403, 403, 200, 403, 403, 200]),
    ("put", "/api/v1/csat/settings", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/sla-policies", [401, 200, 200, 200, 403, 403, 200]),
    ("put", "/api/v1/sla-policies", [401, 403, 403, 200, 403, 403, 200]),
    ("delete", "/api/v1/sla-policies/{scope}", [401, 403, 403, 404, 403, 403, 204]),
    ("get", "/api/v1/analytics/performance", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/analytics/conversations", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/analytics/csat", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/analytics/export", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/webhooks/events", [401, 403, 403, 200, 403, 200, 200]),
    ("get", "/api/v1/webhooks", [401, 403, 403, 200, 403, 200, 200]),
    ("post", "/api/v1/webhooks", [401, 403, 403, 201, 403, 201, 201]),
    ("get", "/api/v1/webhooks/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("patch", "/api/v1/webhooks/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/webhooks/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("post", "/api/v1/webhooks/{id}/rotate-secret", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/webhooks/{id}/test", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/webhooks/{id}/logs", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/webhooks/{id}/deliveries", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", [401, 403, 403, 404, 403, 202, 202]),
    ("get", "/api/v1/api-keys", [401, 403, 403, 200, 403, 403, 200]),
    ("post", "/api/v1/api-keys", [401, 403, 403, 201, 403, 403, 201]),
    ("delete", "/api/v1/api-keys/{id}", [401, 403, 403, 404, 403, 403, 204]),
    ("get", "/api/v1/templates", [401, 200, 200, 200, 200, 403, 200]),
    ("post", "/api/v1/templates", [401, 403, 403, 201, 403, 201, 201]),
    ("post", "/api/v1/templates/sync", [401, 403, 403, 200, 403, 200, 200]),
    ("get", "/api/v1/templates/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/templates/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/templates/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("post", "/api/v1/templates/{id}/submit", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/templates/{id}/preview", [401, 200, 404, 404, 200, 403, 200]),
    // The account's own plan is readable by anyone of it; the console is
    // for platform operators only (their access is tested in plans.rs).
    ("get", "/api/v1/account/plan", [401, 200, 200, 200, 200, 403, 200]),
    ("get", "/api/v1/account/export", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/account/deletion", [401, 403, 403, 200, 403, 403, 200]),
    // Confirmed by the account's name: another account's admin names Acme.
    ("post", "/api/v1/account/deletion", [401, 403, 403, 400, 403, 403, 202]),
    ("delete", "/api/v1/account/deletion", [401, 403, 403, 404, 403, 403, 200]),
    ("get", "/api/v1/usage", [401, 200, 200, 200, 200, 403, 200]),
    ("get", "/api/v1/wallet", [401, 200, 200, 200, 200, 403, 200]),
    // The matrix's plan has no wallet: 403 FEATURE_NOT_IN_PLAN even for admins.
    ("post", "/api/v1/wallet/topup", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/settings/security", [401, 403, 403, 200, 403, 403, 200]),
    ("put", "/api/v1/settings/security", [401, 403, 403, 200, 403, 403, 200]),
    // Account security: links and codes authenticate these, not callers
    // (this server sends no mail: 403 MAIL_NOT_CONFIGURED).
    ("post", "/api/v1/auth/password/forgot", [403, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/auth/password/reset", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/email/verify", [400, 400, 400, 400, 400, 400, 400]),
    ("get", "/api/v1/auth/invitations/{token}", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/invitations/accept", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/auth/email/resend", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/auth/security", [401, 200, 200, 200, 403, 403, 200]),
    ("post", "/api/v1/auth/2fa/setup", [401, 200, 200, 200, 401, 401, 200]),
    ("post", "/api/v1/auth/2fa/enable", [401, 400, 400, 400, 401, 401, 400]),
    ("post", "/api/v1/auth/2fa/verify", [401, 401, 401, 401, 401, 401, 401]),
    ("post", "/api/v1/auth/2fa/disable", [401, 400, 400, 400, 403, 403, 400]),
    ("get", "/api/v1/auth/sessions", [401, 200, 200, 200, 403, 403, 200]),
    ("delete", "/api/v1/auth/sessions/{id}", [401, 404, 404, 404, 403, 403, 404]),
    // Billing is the tenant admin's (this server has no gateway configured:
    // subscribing is refused, 403 BILLING_NOT_CONFIGURED, for everyone).
    ("get", "/api/v1/billing/subscription", [401, 403, 403, 200, 403, 403, 200]),
    ("post", "/api/v1/billing/subscribe", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/billing/cancel", [401, 403, 403, 404, 403, 403, 404]),
    ("get", "/api/v1/billing/details", [401, 403, 403, 200, 403, 403, 200]),
    ("put", "/api/v1/billing/details", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/billing/invoices", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/billing/invoices/{id}", [401, 403, 403, 404, 403, 403, 200]),
    ("get", "/api/v1/billing/invoices/{id}/html", [401, 403, 403, 404, 403, 403, 200]),
    ("get", "/api/v1/billing/invoices/{id}/pdf", [401, 403, 403, 404, 403, 403, 200]),
    ("post", "/api/v1/admin/payments/{id}/refund", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/audit", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/audit/verify", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/admin/overview", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/plans", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/admin/plans", [401, 403, 403, 403, 403, 403, 403]),
    ("patch", "/api/v1/admin/plans/{code}", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/tenants", [401, 403, 403, 403, 403, 403, 403]),
    ("patch", "/api/v1/admin/tenants/{id}", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/admin/tenants/{id}/impersonate", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/admin/tenants/{id}/wallet", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/settings", [401, 403, 403, 403, 403, 403, 403]),
    ("put", "/api/v1/admin/settings", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/partners", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/admin/partners", [401, 403, 403, 403, 403, 403, 403]),
    ("patch", "/api/v1/admin/partners/{id}", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/partners/{id}/ledger", [401, 403, 403, 403, 403, 403, 403]),
    // The brand is public (the platform's on this host); no partner here has images.
    ("get", "/api/v1/branding", [200, 200, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/branding/logo", [404, 404, 404, 404, 404, 404, 404]),
    ("get", "/api/v1/branding/favicon", [404, 404, 404, 404, 404, 404, 404]),
    // Caddy's check needs `?domain=`; an application needs a body.
    ("get", "/api/v1/domains/allow", [400, 400, 400, 400, 400, 400, 400]),
    ("post", "/api/v1/partners/apply", [400, 400, 400, 400, 400, 400, 400]),
    // The partner area is for partner admins only (none among these callers).
    ("get", "/api/v1/partner", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/branding", [401, 403, 403, 403, 403, 403, 403]),
    ("put", "/api/v1/partner/branding", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/clients", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/partner/clients", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/partner/clients/{id}/impersonate", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/prices", [401, 403, 403, 403, 403, 403, 403]),
    ("put", "/api/v1/partner/prices/{plan_code}", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/domains", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/partner/domains", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/partner/domains/{domain}/verify", [401, 403, 403, 403, 403, 403, 403]),
    ("delete", "/api/v1/partner/domains/{domain}", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/ledger", [401, 403, 403, 403, 403, 403, 403]),
    ("put", "/api/v1/partner/payout", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/partner/payouts", [401, 403, 403, 403, 403, 403, 403]),
    // Any person may join the affiliate programme (never a key); each joined by the row before.
    ("post", "/api/v1/affiliate", [401, 201, 201, 201, 403, 403, 201]),
    ("get", "/api/v1/affiliate", [401, 200, 200, 200, 403, 403, 200]),
    ("patch", "/api/v1/affiliate", [401, 200, 200, 200, 403, 403, 200]),
    ("get", "/api/v1/affiliate/referrals", [401, 200, 200, 200, 403, 403, 200]),
    ("get", "/api/v1/affiliate/commissions", [401, 200, 200, 200, 403, 403, 200]),
    ("get", "/api/v1/affiliate/payouts", [401, 200, 200, 200, 403, 403, 200]),
    // A referral link sends everyone to /register (302, followed here to the
    // web app, which this test server does not serve; the affiliate tests
    // check the redirect and its cookie).
    ("get", "/r/{code}", [404, 404, 404, 404, 404, 404, 404]),
    ("get", "/api/v1/admin/affiliates", [401, 403, 403, 403, 403, 403, 403]),
    ("patch", "/api/v1/admin/affiliates/{id}", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/admin/payouts", [401, 403, 403, 403, 403, 403, 403]),
    ("post", "/api/v1/admin/payouts/run", [401, 403, 403, 403, 403, 403, 403]),
    ("get", "/api/v1/campaigns", [401, 200, 200, 200, 200, 403, 200]),
    // Another tenant's admin names a number that is not theirs.
    ("post", "/api/v1/campaigns", [401, 403, 403, 422, 403, 201, 201]),
    ("get", "/api/v1/campaigns/{id}", [401, 200, 404, 404, 200, 403, 200]),
    ("patch", "/api/v1/campaigns/{id}", [401, 403, 403, 404, 403, 200, 200]),
    ("delete", "/api/v1/campaigns/{id}", [401, 403, 403, 404, 403, 204, 204]),
    ("post", "/api/v1/campaigns/{id}/audience/csv", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/campaigns/{id}/preview", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/schedule", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/start", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/pause", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/resume", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/cancel", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/campaigns/{id}/stats", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/campaigns/{id}/messages", [401, 200, 404, 404, 200, 403, 200]),
    ("post", "/api/v1/campaigns/{id}/retarget", [401, 403, 403, 404, 403, 201, 201]),
    ("get", "/api/v1/campaigns/{id}/export", [401, 403, 403, 404, 403, 200, 200]),
    ("post", "/api/v1/campaigns/{id}/enrollments", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/campaigns/{id}/enrollments", [401, 200, 404, 404, 200, 403, 200]),
    ("get", "/api/v1/campaigns/{id}/enrollments/{enrollment_id}", [401, 200, 404, 404, 200, 403, 200]),
    // Enrolling sends paid marketing and shows the contact: admins and write keys.
    ("post", "/api/v1/contacts/{id}/campaigns/{campaign_id}/enroll", [401, 403, 403, 404, 403, 201, 201]),
    ("delete", "/api/v1/contacts/{id}/campaigns/{campaign_id}/enroll", [401, 403, 403, 404, 403, 200, 200]),
    ("get", "/api/v1/settings/consent", [401, 200, 200, 200, 200, 403, 200]),
    ("put", "/api/v1/settings/consent", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/settings/assignment", [401, 200, 200, 200, 403, 403, 200]),
    ("put", "/api/v1/settings/assignment", [401, 403, 403, 200, 403, 403, 200]),
    ("get", "/api/v1/dead-letters", [401, 403, 403, 200, 403, 403, 200]),
    ("post", "/api/v1/dead-letters/{id}/retry", [401, 403, 403, 404, 403, 403, 202]),
    // Last: it ends each person's sessions, so no row may follow it.
    ("post", "/api/v1/auth/sessions/revoke-all", [401, 204, 204, 204, 403, 403, 204]),
];

/// The tenant's resources the routes are called on.
struct Fixtures {
    admin: Tenant,
    agent: Tenant,
    other_admin: Tenant,
    other_agent: Tenant,
    read_key: String,
    write_key: String,
    channel: String,
    contact: String,
    conversation: String,
    message: String,
    flow: String,
    template: String,
    media: String,
    campaign: String,
    drip: String,
    enrollment: String,
    segment: String,
    webhook: String,
    webhook_delivery: String,
    team: String,
    canned: String,
    automation: String,
    counter: std::sync::atomic::AtomicU64,
}

enum Body {
    None,
    Json(Value),
    Csv(String),
    Multipart,
}

impl Fixtures {
    fn fresh(&self) -> u64 {
        self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert!(status.is_success(), "fixture request failed: {status} {v}");
    v
}

async fn admin_post(app: &TestApp, t: &Tenant, path: &str, body: Value) -> Value {
    json_of(app.post_json(&t.token, path, &body).await).await
}

async fn setup(app: &TestApp) -> Fixtures {
    let admin = app.register("Acme").await;
    let agent = app.add_user(&admin, "agent").await;
    let other_admin = app.register("Beta").await;
    let other_agent = app.add_user(&other_admin, "agent").await;
    let key = |scopes: Vec<&str>| {
        let body = json!({"name": "matrix", "scopes": scopes});
        let admin = &admin;
        async move { admin_post(app, admin, "/api/v1/api-keys", body).await["key"].as_str().unwrap().to_owned() }
    };
    let read_key = key(vec!["read"]).await;
    let write_key = key(vec!["write"]).await;
    let channel = app.connect_channel(&admin, PHONE_NUMBER_ID).await["id"].as_str().unwrap().to_owned();
    // The shared conversation stays unassigned whoever answers it (an
    // assignment would hide it from the agent column).
    let res = app
        .http
        .put(app.url("/api/v1/settings/assignment"))
        .bearer_auth(&admin.token)
        .json(&json!({"assign_on_handoff": false, "assign_on_first_reply": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let conversation = app.open_conversation(&admin, "15550030001").await;
    let (_, conv) = app.get(&admin, &format!("/api/v1/conversations/{conversation}")).await;
    let contact = conv["contact"]["id"].as_str().unwrap().to_owned();
    let message = admin_post(
        app,
        &admin,
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({"type": "text", "text": {"body": "fixture"}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let flow = admin_post(app, &admin, "/api/v1/flows", flow_body()).await["id"].as_str().unwrap().to_owned();
    let template = admin_post(app, &admin, "/api/v1/templates", template_body(0)).await["id"].as_str().unwrap().to_owned();
    let media = upload(app, &admin.token, None, &channel).await["id"].as_str().unwrap().to_owned();
    admin_post(app, &admin, "/api/v1/templates/sync", json!({})).await;
    for i in 0..30 {
        admin_post(app, &admin, "/api/v1/contacts", json!({"phone": format!("+1415666{i:04}"), "tags": ["bulk"]})).await;
    }
    let campaign = admin_post(app, &admin, "/api/v1/campaigns", campaign_body(&channel, &contact)).await["id"].as_str().unwrap().to_owned();
    let drip = admin_post(app, &admin, "/api/v1/campaigns", drip_body(&channel)).await["id"].as_str().unwrap().to_owned();
    admin_post(app, &admin, &format!("/api/v1/campaigns/{drip}/start"), json!({})).await;
    let enrollment = admin_post(app, &admin, &format!("/api/v1/contacts/{contact}/campaigns/{drip}/enroll"), json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let segment = admin_post(app, &admin, "/api/v1/contacts/segments", segment_body(0)).await["id"].as_str().unwrap().to_owned();
    let team = admin_post(app, &admin, "/api/v1/teams", json!({"name": "matrix team"})).await["id"].as_str().unwrap().to_owned();
    let canned = admin_post(app, &admin, "/api/v1/canned-replies", canned_body(0)).await["id"].as_str().unwrap().to_owned();
    let automation = admin_post(app, &admin, "/api/v1/automations", automation_body()).await["id"].as_str().unwrap().to_owned();
    let webhook = admin_post(app, &admin, "/api/v1/webhooks", webhook_body()).await["id"].as_str().unwrap().to_owned();
    admin_post(app, &admin, &format!("/api/v1/webhooks/{webhook}/test"), json!({})).await;
    let (_, deliveries) = app.get(&admin, &format!("/api/v1/webhooks/{webhook}/deliveries")).await;
    let webhook_delivery = deliveries["data"][0]["id"].as_str().unwrap().to_owned();
    Fixtures {
        admin,
        agent,
        other_admin,
        other_agent,
        read_key,
        write_key,
        channel,
        contact,
        conversation,
        message,
        flow,
        template,
        media,
        campaign,
        drip,
        enrollment,
        segment,
        webhook,
        webhook_delivery,
        team,
        canned,
        automation,
        counter: std::sync::atomic::AtomicU64::new(1),
    }
}

fn flow_body() -> Value {
    json!({"name": "matrix flow", "trigger_type": "manual", "flow_data": {"nodes": [
        {"id": "m", "type": "message", "position": {"x": 0, "y": 0}, "data": {"start": true, "text": "hello"}}], "edges": []}})
}

fn automation_body() -> Value {
    json!({"name": "matrix rule", "event": "message.received", "actions": [{"type": "set_priority", "priority": "high"}]})
}

fn canned_body(n: u64) -> Value {
    json!({"shortcut": format!("matrix{n}"), "text": "Thanks {{contact.name}}"})
}

/// An endpoint on a closed local port: test sends fail at once.
fn webhook_body() -> Value {
    json!({"url": "http://127.0.0.1:9/hooks", "events": ["contact.created"]})
}

fn segment_body(n: u64) -> Value {
    json!({"name": format!("matrix segment {n}"), "rule": {"all": [{"field": "tag", "op": "has", "value": "bulk"}]}})
}

/// A running sequence whose first step is an hour away: nothing sends while the matrix calls it.
fn drip_body(channel: &str) -> Value {
    json!({"type": "drip", "name": "matrix drip", "channel_id": channel,
           "steps": [{"delay_seconds": 3600, "template": {"name": "hello_world", "language": "en_US"}}]})
}

fn scheduled_body() -> Value {
    json!({"send_in_seconds": 3600, "type": "text", "text": {"body": "later"},
           "fallback": {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}})
}

fn campaign_body(channel: &str, contact: &str) -> Value {
    json!({"name": "matrix campaign", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"},
           "audience": {"contact_ids": [contact]}})
}

/// A campaign that keeps running while the matrix calls it: 30 recipients at one a second.
fn slow_campaign_body(channel: &str) -> Value {
    json!({"name": "matrix slow", "channel_id": channel, "template": {"name": "hello_world", "language": "en_US"},
           "audience": {"tags": ["bulk"]}, "rate_mps": 1})
}

fn template_body(n: u64) -> Value {
    json!({"name": format!("matrix_{n}"), "language": "en", "category": "UTILITY",
           "components": [{"type": "BODY", "text": "Hello {{1}}, thanks for writing.", "example": {"body_text": [["Asha"]]}}]})
}

fn multipart() -> reqwest::multipart::Form {
    // A 1×1 PNG.
    let png = hex::decode("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000000020001e221bc330000000049454e44ae426082").unwrap();
    reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png).file_name("dot.png").mime_str("image/png").unwrap())
}

async fn upload(app: &TestApp, token: &str, key: Option<&str>, channel: &str) -> Value {
    let mut req = app.http.post(app.url(&format!("/api/v1/channels/{channel}/media"))).multipart(multipart());
    req = match key {
        Some(k) => req.header("X-API-Key", k),
        None => req.bearer_auth(token),
    };
    json_of(req.send().await.unwrap()).await
}

/// The path (parameters filled) and body of one cell's request. Routes that
/// destroy or change what they name get a fresh resource per cell.
async fn request_for(app: &TestApp, fx: &Fixtures, method: &str, path: &str) -> (String, Body) {
    let n = fx.fresh();
    let a = &fx.admin;
    let fresh_user = || async {
        let email = format!("fresh{n}-{}@matrix.test", uuid::Uuid::new_v4().simple());
        admin_post(app, a, "/api/v1/users", json!({"email": email, "password": "fresh-password-1", "name": "Fresh", "role": "agent"})).await
            ["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id: String = match (method, path) {
        ("patch" | "delete", p) if p.starts_with("/api/v1/users/") => fresh_user().await,
        (_, p) if p.starts_with("/api/v1/users/") => fx.agent.user_id.clone(),
        ("delete", "/api/v1/channels/{id}") => {
            let pnid = format!("2065403522{n:05}");
            app.connect_channel(a, &pnid).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/channels/") => fx.channel.clone(),
        ("delete", "/api/v1/contacts/{id}") => {
            admin_post(app, a, "/api/v1/contacts", json!({"phone": format!("+1415777{n:04}")})).await["id"].as_str().unwrap().to_owned()
        }
        ("post", "/api/v1/contacts/{id}/erase") => {
            admin_post(app, a, "/api/v1/contacts", json!({"phone": format!("+1415555{n:04}")})).await["id"].as_str().unwrap().to_owned()
        }
        (_, "/api/v1/contacts/{id}/campaigns/{campaign_id}/enroll") => {
            let contact = admin_post(app, a, "/api/v1/contacts", json!({"phone": format!("+1415444{n:04}")})).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            if method == "delete" {
                admin_post(app, a, &format!("/api/v1/contacts/{contact}/campaigns/{}/enroll", fx.drip), json!({})).await;
            }
            contact
        }
        (_, p) if p.starts_with("/api/v1/contacts/{id}") => fx.contact.clone(),
        ("delete", "/api/v1/contacts/segments/{id}") => {
            admin_post(app, a, "/api/v1/contacts/segments", segment_body(n + 1000)).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/contacts/segments/{id}") => fx.segment.clone(),
        ("post", "/api/v1/flows/{id}/start") => fx.flow.clone(),
        ("delete", "/api/v1/flows/{id}") => admin_post(app, a, "/api/v1/flows", flow_body()).await["id"].as_str().unwrap().to_owned(),
        (_, p) if p.starts_with("/api/v1/flows/{id}") => fx.flow.clone(),
        ("delete", "/api/v1/api-keys/{id}") => {
            admin_post(app, a, "/api/v1/api-keys", json!({"name": "to revoke"})).await["id"].as_str().unwrap().to_owned()
        }
        ("delete" | "patch", "/api/v1/templates/{id}") | ("post", "/api/v1/templates/{id}/submit") => {
            admin_post(app, a, "/api/v1/templates", template_body(n)).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/templates/{id}") => fx.template.clone(),
        ("post", "/api/v1/dead-letters/{id}/retry") => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO dead_letters (tenant_id, channel_id, contact_id, events, error) VALUES ($1, $2, $3, $4, 'matrix') RETURNING id",
            )
            .bind(uuid::Uuid::parse_str(&a.tenant_id).unwrap())
            .bind(uuid::Uuid::parse_str(&fx.channel).unwrap())
            .bind(uuid::Uuid::parse_str(&fx.contact).unwrap())
            .bind(json!({"customer": {"phone": null, "user_id": null, "username": null, "name": null}, "works": []}))
            .fetch_one(&app.owner)
            .await
            .unwrap();
            id.to_string()
        }
        (_, p) if p.starts_with("/api/v1/conversations/{id}") => fx.conversation.clone(),
        ("patch" | "delete", "/api/v1/campaigns/{id}")
        | (
            "post",
            "/api/v1/campaigns/{id}/start"
            | "/api/v1/campaigns/{id}/schedule"
            | "/api/v1/campaigns/{id}/cancel"
            | "/api/v1/campaigns/{id}/audience/csv",
        ) => admin_post(app, a, "/api/v1/campaigns", campaign_body(&fx.channel, &fx.contact)).await["id"].as_str().unwrap().to_owned(),
        ("post", "/api/v1/campaigns/{id}/pause" | "/api/v1/campaigns/{id}/resume") => {
            let id = admin_post(app, a, "/api/v1/campaigns", slow_campaign_body(&fx.channel)).await["id"].as_str().unwrap().to_owned();
            admin_post(app, a, &format!("/api/v1/campaigns/{id}/start"), json!({})).await;
            if path.ends_with("/resume") {
                admin_post(app, a, &format!("/api/v1/campaigns/{id}/pause"), json!({})).await;
            }
            id
        }
        ("post", "/api/v1/campaigns/{id}/retarget") => {
            let id =
                admin_post(app, a, "/api/v1/campaigns", campaign_body(&fx.channel, &fx.contact)).await["id"].as_str().unwrap().to_owned();
            admin_post(app, a, &format!("/api/v1/campaigns/{id}/start"), json!({})).await;
            id
        }
        (_, p) if p.starts_with("/api/v1/campaigns/{id}/enrollments") => fx.drip.clone(),
        (_, p) if p.starts_with("/api/v1/campaigns/{id}") => fx.campaign.clone(),
        ("patch", "/api/v1/admin/tenants/{id}")
        | ("post", "/api/v1/admin/tenants/{id}/impersonate" | "/api/v1/admin/tenants/{id}/wallet") => fx.admin.tenant_id.clone(),
        (_, p) if p.starts_with("/api/v1/billing/invoices/{id}") => {
            let id: uuid::Uuid = sqlx::query_scalar(
                "INSERT INTO invoices (tenant_id, kind, number, financial_year, payment_id, issued_at, seller, buyer, place_of_supply, sac,
                     description, currency, taxable_minor, cgst_minor, sgst_minor, igst_minor, total_minor)
                 VALUES ($1, 'invoice', $2, '2026-27', $3, now(), '{}', '{}', '29-Karnataka', '997331', 'matrix', 'INR', 100, 9, 9, 0, 118)
                 RETURNING id",
            )
            .bind(uuid::Uuid::parse_str(&a.tenant_id).unwrap())
            .bind(format!("MX-{n:06}"))
            .bind(format!("pay_matrix{n}"))
            .fetch_one(&app.owner)
            .await
            .unwrap();
            id.to_string()
        }
        ("post", "/api/v1/admin/payments/{id}/refund") => "pay_matrix".into(),
        ("delete", "/api/v1/automations/{id}") => {
            admin_post(app, a, "/api/v1/automations", automation_body()).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/automations/{id}") => fx.automation.clone(),
        ("delete", "/api/v1/business-hours/{scope}" | "/api/v1/sla-policies/{scope}") => {
            let team = admin_post(app, a, "/api/v1/teams", json!({"name": format!("scoped {n}")})).await["id"].as_str().unwrap().to_owned();
            let (put, body) = if path.starts_with("/api/v1/business-hours") {
                ("/api/v1/business-hours", json!({"team_id": team, "time_zone": "UTC", "weekly": {}}))
            } else {
                ("/api/v1/sla-policies", json!({"team_id": team, "first_response_minutes": 10}))
            };
            let res = app.http.put(app.url(put)).bearer_auth(&a.token).json(&body).send().await.unwrap();
            assert!(res.status().is_success(), "fixture {put}: {}", res.text().await.unwrap_or_default());
            team
        }
        ("delete", "/api/v1/teams/{id}") => {
            admin_post(app, a, "/api/v1/teams", json!({"name": format!("doomed {n}")})).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/teams/{id}") => fx.team.clone(),
        ("delete", "/api/v1/canned-replies/{id}") => {
            admin_post(app, a, "/api/v1/canned-replies", canned_body(n + 5000)).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/canned-replies/{id}") => fx.canned.clone(),
        ("delete", "/api/v1/webhooks/{id}") => {
            admin_post(app, a, "/api/v1/webhooks", webhook_body()).await["id"].as_str().unwrap().to_owned()
        }
        (_, p) if p.starts_with("/api/v1/webhooks/{id}") => fx.webhook.clone(),
        ("delete", "/api/v1/auth/sessions/{id}") => uuid::Uuid::new_v4().to_string(),
        (_, p)
            if p.starts_with("/api/v1/admin/partners/{id}")
                || p.starts_with("/api/v1/partner/clients/{id}")
                || p.starts_with("/api/v1/admin/affiliates/{id}") =>
        {
            uuid::Uuid::new_v4().to_string()
        }
        _ => String::new(),
    };
    let filled = path
        .replace("{id}", &id)
        .replace("{app_id}", "999000111")
        .replace("{media_id}", &fx.media)
        .replace("{message_id}", &fx.message)
        .replace("{delivery_id}", &fx.webhook_delivery)
        .replace("{scope}", &id)
        .replace("{tag}", "matrix")
        .replace("{code}", "starter")
        .replace("{token}", "not-a-live-token")
        .replace("{campaign_id}", &fx.drip)
        .replace("{enrollment_id}", &fx.enrollment)
        .replace("{domain}", "chat.matrix.test")
        .replace("{plan_code}", "starter");
    let filled = if path.contains("{scheduled_id}") {
        let created = admin_post(app, a, &format!("/api/v1/conversations/{}/scheduled-messages", fx.conversation), scheduled_body()).await;
        filled.replace("{scheduled_id}", created["id"].as_str().unwrap())
    } else {
        filled
    };
    let body = match (method, path) {
        ("post", "/api/v1/users") => Body::Json(
            json!({"email": format!("new{n}-{}@matrix.test", uuid::Uuid::new_v4().simple()), "password": "fresh-password-1", "name": "New", "role": "agent"}),
        ),
        ("patch", "/api/v1/users/{id}") => Body::Json(json!({"name": "Renamed"})),
        ("patch", "/api/v1/auth/me") => Body::Json(json!({"language": "bn"})),
        ("post", "/api/v1/channels") => {
            let pnid = format!("3065403522{n:05}");
            app.sim_knows(&pnid);
            Body::Json(
                json!({"phone_number_id": pnid, "display_phone_number": "+1 555 000 0000", "waba_id": waba_for(&pnid), "access_token": ACCESS_TOKEN}),
            )
        }
        ("patch", "/api/v1/channels/{id}") => Body::Json(json!({"name": format!("Line {n}")})),
        ("post", "/api/v1/channels/{id}/media") => Body::Multipart,
        ("post", "/api/v1/conversations") => Body::Json(json!({"contact_id": fx.contact, "phone_number_id": PHONE_NUMBER_ID})),
        ("patch", "/api/v1/conversations/{id}") => Body::Json(json!({"status": "open"})),
        ("post", "/api/v1/conversations/{id}/messages") => Body::Json(json!({"type": "text", "text": {"body": format!("matrix {n}")}})),
        ("post", "/api/v1/conversations/{id}/notes") => Body::Json(json!({"body": "matrix note"})),
        ("post", "/api/v1/conversations/{id}/scheduled-messages") => Body::Json(scheduled_body()),
        ("patch", "/api/v1/conversations/{id}/scheduled-messages/{scheduled_id}") => Body::Json(json!({"send_in_seconds": 7200})),
        ("post", "/api/v1/campaigns/{id}/enrollments") => Body::Json(json!({"contact_ids": [fx.contact]})),
        ("post", "/api/v1/conversations/{id}/tags" | "/api/v1/contacts/{id}/tags") => Body::Json(json!({"tags": ["matrix"]})),
        ("post", "/api/v1/conversations/{id}/flow") => Body::Json(json!({"action": "stop"})),
        ("post", "/api/v1/contacts") => Body::Json(json!({"phone": format!("+1415888{n:04}")})),
        ("post", "/api/v1/contacts/import") => Body::Csv(format!("phone,name\n+1415999{n:04},Imported\n")),
        ("patch", "/api/v1/contacts/{id}") => Body::Json(json!({"name": "Renamed"})),
        ("post", "/api/v1/contacts/segments") => Body::Json(segment_body(n + 2000)),
        ("post", "/api/v1/webhooks") => Body::Json(webhook_body()),
        ("post", "/api/v1/teams") => Body::Json(json!({"name": format!("team {n}")})),
        ("post", "/api/v1/automations") | ("put", "/api/v1/automations/{id}") => Body::Json(automation_body()),
        ("put", "/api/v1/business-hours") => {
            Body::Json(json!({"team_id": null, "time_zone": "Asia/Kolkata", "weekly": {"mon": [["09:00", "18:00"]]}}))
        }
        ("put", "/api/v1/csat/settings") => Body::Json(json!({"enabled": false})),
        ("post", "/api/v1/templates/draft") => Body::Json(json!({"description": "order ready"})),
        ("put", "/api/v1/sla-policies") => Body::Json(json!({"first_response_minutes": 30})),
        ("patch", "/api/v1/teams/{id}") => Body::Json(json!({"assignment": "least_busy"})),
        ("post", "/api/v1/canned-replies") => Body::Json(canned_body(n + 1000)),
        ("patch", "/api/v1/canned-replies/{id}") => Body::Json(json!({"text": format!("changed {n}")})),
        ("post", "/api/v1/canned-replies/{id}/render") => Body::Json(json!({"conversation_id": fx.conversation})),
        ("patch", "/api/v1/webhooks/{id}") => Body::Json(json!({"description": format!("matrix {n}")})),
        ("patch", "/api/v1/admin/tenants/{id}") => Body::Json(json!({"status": "suspended"})),
        ("post", "/api/v1/billing/subscribe") => Body::Json(json!({"plan": "professional"})),
        ("put", "/api/v1/settings/security") => Body::Json(json!({"require_two_factor": false})),
        ("post", "/api/v1/account/deletion") => Body::Json(json!({"confirm": "Acme"})),
        ("post", "/api/v1/admin/tenants/{id}/impersonate") => Body::Json(json!({"reason": "matrix check"})),
        ("put", "/api/v1/admin/settings") => Body::Json(json!({"signups_open": true})),
        ("post", "/api/v1/wallet/topup") => Body::Json(json!({"amount_minor": 100_000})),
        ("post", "/api/v1/admin/tenants/{id}/wallet") => Body::Json(json!({"amount_minor": 1000, "note": "matrix"})),
        ("post", "/api/v1/auth/password/forgot") => Body::Json(json!({"email": "someone@matrix.test"})),
        ("post", "/api/v1/auth/password/reset") => Body::Json(json!({"token": "not-a-token", "password": "new-password-1"})),
        ("post", "/api/v1/auth/email/verify") => Body::Json(json!({"token": "not-a-token"})),
        ("post", "/api/v1/auth/invitations/accept") => Body::Json(json!({"token": "not-a-token", "password": "new-password-1"})),
        ("put", "/api/v1/settings/assignment") => Body::Json(json!({"assign_on_handoff": true, "assign_on_first_reply": true})),
        ("post", "/api/v1/auth/2fa/enable") => Body::Json(json!({"code": "000000"})),
        ("post", "/api/v1/auth/2fa/verify") => Body::Json(json!({"mfa_token": "not-a-token", "code": "000000"})),
        ("post", "/api/v1/auth/2fa/disable") => Body::Json(json!({"password": "wrong-password", "code": "000000"})),
        ("put", "/api/v1/billing/details") => Body::Json(json!({"legal_name": "Matrix Pvt Ltd", "state_code": "29"})),
        ("post", "/api/v1/admin/plans") => Body::Json(json!({"code": format!("matrix{n}"), "name": "Matrix"})),
        ("post", "/api/v1/admin/partners") => Body::Json(json!({"name": "Matrix", "slug": format!("matrix{n}"), "model": "revenue_share",
                                                                 "admin_email": format!("partner{n}@matrix.test"), "admin_password": "matrix-pass-1"})),
        ("patch", "/api/v1/admin/partners/{id}") => Body::Json(json!({"status": "approved"})),
        ("put", "/api/v1/partner/branding") => Body::Json(json!({"product_name": "Matrix"})),
        ("post", "/api/v1/partner/clients") => Body::Json(json!({"name": "Matrix client", "admin_name": "Owner",
                                                                 "admin_email": format!("client{n}@matrix.test"), "admin_password": "matrix-pass-1"})),
        ("post", "/api/v1/partner/clients/{id}/impersonate") => Body::Json(json!({"reason": "matrix check"})),
        ("put", "/api/v1/partner/prices/{plan_code}") => Body::Json(json!({"retail_monthly_minor": null})),
        ("post", "/api/v1/partner/domains") => Body::Json(json!({"domain": "chat.matrix.test"})),
        ("put", "/api/v1/partner/payout") => Body::Json(json!({"payout_vpa": "matrix@okbank"})),
        ("post", "/api/v1/affiliate") | ("patch", "/api/v1/affiliate") => Body::Json(json!({"payout_vpa": "matrix@okbank"})),
        ("patch", "/api/v1/admin/affiliates/{id}") => Body::Json(json!({"status": "approved"})),
        ("patch", "/api/v1/admin/plans/{code}") => Body::Json(json!({"price_monthly_minor": 1})),
        ("patch", "/api/v1/contacts/segments/{id}") => Body::Json(json!({"name": format!("matrix segment renamed {n}")})),
        ("post", "/api/v1/contacts/segments/preview") => {
            Body::Json(json!({"rule": {"any": [{"field": "opted_in", "op": "eq", "value": true}]}}))
        }
        ("post", "/api/v1/flows") => Body::Json(flow_body()),
        ("patch", "/api/v1/flows/{id}") => Body::Json(json!({"name": format!("renamed {n}")})),
        ("patch", "/api/v1/flows/{id}/status") => Body::Json(json!({"status": "active"})),
        ("post", "/api/v1/flows/{id}/test") => Body::Json(json!({"messages": []})),
        ("post", "/api/v1/flows/{id}/start") => {
            // A fresh conversation each time: one run at a time per conversation.
            let c = app.open_conversation(a, &format!("1555004{n:04}")).await;
            Body::Json(json!({"conversation_id": c}))
        }
        ("post", "/api/v1/api-keys") => Body::Json(json!({"name": "matrix", "scopes": ["read"]})),
        ("post", "/api/v1/templates") => Body::Json(template_body(1000 + n)),
        ("patch", "/api/v1/templates/{id}") => {
            Body::Json(json!({"components": [{"type": "BODY", "text": "Hi {{1}}, welcome back.", "example": {"body_text": [["Asha"]]}}]}))
        }
        ("post", "/api/v1/templates/{id}/preview") => Body::Json(json!({"body": ["Asha"]})),
        ("post", "/api/v1/campaigns") | ("patch", "/api/v1/campaigns/{id}") => Body::Json(campaign_body(&fx.channel, &fx.contact)),
        ("post", "/api/v1/campaigns/{id}/schedule") => Body::Json(json!({"at": chrono::Utc::now() + chrono::Duration::hours(1)})),
        ("post", "/api/v1/campaigns/{id}/retarget") => Body::Json(json!({"rule": "read_no_reply"})),
        ("post", "/api/v1/campaigns/{id}/audience/csv") => Body::Csv(format!("phone,first_name\n+1415444{n:04},Asha\n")),
        ("put", "/api/v1/settings/consent") => Body::Json(json!({"stop_keywords": ["stop"], "start_keywords": ["start"]})),
        ("post", "/webhooks/whatsapp" | "/webhooks/whatsapp/{app_id}") => Body::Json(json!({})),
        ("post", _) => Body::Json(json!({})),
        _ => Body::None,
    };
    (filled, body)
}

async fn call(app: &TestApp, fx: &Fixtures, who: Who, method: &str, path: &str) -> (u16, String) {
    let (filled, body) = request_for(app, fx, method, path).await;
    let mut req = app.http.request(method.to_uppercase().parse().unwrap(), app.url(&filled));
    let socket = path == "/api/v1/ws";
    let token = match who {
        Who::Agent => Some(&fx.agent.token),
        Who::OtherAgent => Some(&fx.other_agent.token),
        Who::OtherAdmin => Some(&fx.other_admin.token),
        Who::Admin => Some(&fx.admin.token),
        _ => None,
    };
    if let Some(t) = token {
        req = if socket { req.header("Sec-WebSocket-Protocol", format!("bearer, {t}")) } else { req.bearer_auth(t) };
    }
    match who {
        Who::ReadKey => req = req.header("X-API-Key", &fx.read_key),
        Who::WriteKey => req = req.header("X-API-Key", &fx.write_key),
        _ => {}
    }
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Csv(text) => req.header("content-type", "text/csv").body(text),
        Body::Multipart => req.multipart(multipart()),
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, format!("{method} {filled}: {}", res.text().await.unwrap_or_default().chars().take(300).collect::<String>()))
}

#[actix_rt::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = spawn_app().await;
    let fx = setup(&app).await;
    let served: Vec<(String, String)> = whatsflow::http::routes::ROUTES.iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    let missing: Vec<&(String, String)> = served.iter().filter(|(m, p)| !TABLE.iter().any(|(tm, tp, _)| tm == m && tp == p)).collect();
    assert!(missing.is_empty(), "routes with no row in the matrix (add one): {missing:?}");
    let stale: Vec<_> =
        TABLE.iter().filter(|(m, p, _)| !served.iter().any(|(sm, sp)| sm == m && sp == p)).map(|(m, p, _)| (m, p)).collect();
    assert!(stale.is_empty(), "rows for routes the server no longer serves: {stale:?}");
    let mut wrong = Vec::new();
    for (method, path, expected) in TABLE {
        for (who, want) in CALLERS.iter().zip(expected) {
            let (got, detail) = call(&app, &fx, *who, method, path).await;
            if got != *want {
                wrong.push(format!("{who:?} {method} {path}: expected {want}, got {got} ({detail})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[actix_rt::test]
async fn the_openapi_document_states_who_may_call_each_route() {
    let app = spawn_app().await;
    let doc: Value = app.http.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    for r in whatsflow::http::routes::ROUTES {
        let op = &doc["paths"][r.path][r.method];
        assert!(op.is_object(), "{} {} is not documented", r.method, r.path);
        assert_eq!(op["x-access"], serde_json::to_value(r.access).unwrap(), "{} {}", r.method, r.path);
        assert!(op["description"].as_str().unwrap().starts_with("Who may call it:"));
    }
}
