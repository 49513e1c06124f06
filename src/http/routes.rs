//! The one route table: every route the server serves, with who may call it
//! and what it does. The same list registers the handlers ([`register`]) and
//! documents them ([`ROUTES`], from which `/api/openapi.json` and `/api/docs`
//! are built), so the documentation cannot drift from the server. The route ×
//! caller matrix test walks [`ROUTES`]; a route it has no row for fails it.

use super::{
    activity, affiliates, analytics, api_keys, auth, channels, contacts, contacts_csv, conversations, dead_letters, flows, health, media,
    messages, openapi,
};
use super::{
    admin, audit, automations, billing, branding, campaigns, canned, drips, flow_runs, flow_sandbox, gdpr, invitations, partners,
    scheduled, security, segments, service_levels, settings, suggestions, tags, teams, templates, usage, users, wallet, webhooks,
    webhooks_out,
};
use crate::auth::Access;
use actix_web::web;

/// One route as documented.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path with `{params}`.
    pub path: &'static str,
    /// Who may call it (its handler's extractor enforces this).
    pub access: Access,
    /// Grouping.
    pub tag: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Example request body, if it takes one.
    pub body: Option<&'static str>,
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $access:ident, $tag:literal, $summary:literal $(, $body:literal)? ; )*) => {
        /// Every route the server serves, in registration order.
        pub const ROUTES: &[RouteDoc] = &[
            $( RouteDoc { method: stringify!($method), path: $path, access: Access::$access, tag: $tag, summary: $summary,
                          body: routes!(@body $($body)?) }, )*
        ];

        /// Registers every route of [`ROUTES`] with its handler.
        pub fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
    (@body) => { None };
    (@body $b:literal) => { Some($b) };
}

routes! {
    get "/health" => health::health, Public, "ops", "Liveness: the process is up";
    get "/ready" => health::ready, Public, "ops", "Readiness: the database is reachable (503 when not)";
    get "/metrics" => health::metrics, Public, "ops", "Prometheus counters and cache sizes";
    get "/api/openapi.json" => openapi::openapi_json, Public, "ops", "This document";
    get "/api/docs" => openapi::docs_page, Public, "ops", "Browsable API documentation";
    get "/webhooks/whatsapp" => webhooks::verify_platform, Public, "webhooks",
        "Meta subscription check for the platform app (echoes hub.challenge when hub.verify_token matches)";
    post "/webhooks/whatsapp" => webhooks::receive_platform, Public, "webhooks",
        "Meta event delivery, signed with X-Hub-Signature-256 by the platform app; 200 only once stored";
    post "/webhooks/razorpay" => billing::webhook, Public, "webhooks",
        "Razorpay event delivery, signed with X-Razorpay-Signature (401 otherwise); idempotent on X-Razorpay-Event-Id, order-independent";
    get "/webhooks/whatsapp/{app_id}" => webhooks::verify_tenant_app, Public, "webhooks", "Meta subscription check for a tenant's own app";
    post "/webhooks/whatsapp/{app_id}" => webhooks::receive_tenant_app, Public, "webhooks", "Meta event delivery signed by a tenant's own app";
    post "/api/v1/auth/register" => auth::register, Public, "auth",
        "Create a business and its first admin; returns tokens (rate limited per address: 429 RATE_LIMITED with Retry-After)",
        r#"{"tenant_name":"Acme","name":"Asha","email":"asha@acme.test","password":"at least 8"}"#;
    post "/api/v1/auth/login" => auth::login, Public, "auth",
        "Log in; returns access (15 min) and refresh (7 days) tokens. Rate limited per address (429 RATE_LIMITED); 5 failures in a row lock the account, exponentially (429 ACCOUNT_LOCKED)",
        r#"{"email":"asha@acme.test","password":"..."}"#;
    post "/api/v1/auth/refresh" => auth::refresh, Public, "auth", "Trade a refresh token for a new pair (the old one dies)",
        r#"{"refresh_token":"..."}"#;
    post "/api/v1/auth/logout" => auth::logout, Public, "auth",
        "Revoke a refresh token and end the user's access tokens and sockets", r#"{"refresh_token":"..."}"#;
    get "/api/v1/auth/me" => auth::me, Person, "auth", "The signed-in user";
    patch "/api/v1/auth/me" => auth::update_me, Person, "auth", "Save your interface language (en, hi, ta, bn; null: the device's)",
        r#"{"language":"ta"}"#;
    post "/api/v1/auth/password/forgot" => security::forgot_password, Public, "auth",
        "Mail a password-reset link (one use, 1 hour) to the account with this email; the same 202 whether or not one exists",
        r#"{"email":"asha@acme.in"}"#;
    post "/api/v1/auth/password/reset" => security::reset_password, Public, "auth",
        "Set a new password with the mailed token (once); every session of the account ends", r#"{"token":"…","password":"new-password-1"}"#;
    post "/api/v1/auth/email/verify" => security::verify_email, Public, "auth", "Confirm the email address with the mailed token", r#"{"token":"…"}"#;
    post "/api/v1/auth/email/resend" => security::resend_verification, Person, "auth", "Mail a new verification link";
    get "/api/v1/auth/security" => security::overview, Person, "auth", "The caller's email verification and two-factor state, and the account's rule";
    post "/api/v1/auth/2fa/setup" => security::setup, Public, "auth",
        "Start two-factor: a secret and its otpauth:// URI (signed in, or with the mfa_token of a sign-in that must set it up)";
    post "/api/v1/auth/2fa/enable" => security::enable, Public, "auth",
        "Turn two-factor on with a code from the app: the recovery codes (shown once), and the session for a sign-in that had to set it up",
        r#"{"code":"123456"}"#;
    post "/api/v1/auth/2fa/verify" => security::verify, Public, "auth",
        "Finish a two-factor sign-in: the mfa_token from /auth/login and a code or a recovery code", r#"{"mfa_token":"…","code":"123456"}"#;
    post "/api/v1/auth/2fa/disable" => security::disable, Person, "auth", "Turn two-factor off (password and a code)",
        r#"{"password":"…","code":"123456"}"#;
    get "/api/v1/auth/sessions" => security::sessions, Person, "auth", "The caller's open sessions (client, address, last use)";
    delete "/api/v1/auth/sessions/{id}" => security::end_session, Person, "auth", "End one of the caller's sessions";
    post "/api/v1/auth/sessions/revoke-all" => security::end_all_sessions, Person, "auth", "Sign out everywhere";
    get "/api/v1/auth/invitations/{token}" => invitations::show, Public, "auth", "Whom an invitation link is for (email, name, account, expiry)";
    post "/api/v1/auth/invitations/accept" => invitations::accept, Public, "auth",
        "Join a team: choose your password with the mailed invitation link (once)", r#"{"token":"…","password":"…"}"#;
    get "/api/v1/users" => users::list, Reader, "team", "The team, with roles and presence";
    post "/api/v1/users" => users::create, Admin, "team",
        "Add an agent or admin: with a password you choose, or `invite: true` to mail them a link to choose their own",
        r#"{"email":"ravi@acme.test","name":"Ravi","role":"agent","invite":true}"#;
    get "/api/v1/users/{id}" => users::get, Reader, "team", "One team member";
    patch "/api/v1/users/{id}" => users::update, Person, "team",
        "Change your own name or password; admins change anyone's name, role or password (ends that user's sessions)",
        r#"{"name":"Ravi K","role":"tenant_admin"}"#;
    post "/api/v1/users/{id}/invitation" => invitations::resend, Admin, "team", "Mail a fresh invitation link to someone who has not joined yet";
    delete "/api/v1/users/{id}" => users::delete, Admin, "team", "Remove a team member (their sockets close at once)";
    get "/api/v1/channels" => channels::list, Reader, "channels", "Connected WhatsApp numbers";
    post "/api/v1/channels" => channels::create, Admin, "channels",
        "Connect a number: Meta must confirm the phone number id belongs to the WABA with this token (422 CHANNEL_NOT_VERIFIED otherwise); a WABA belongs to one account (409 WABA_IN_USE); the token is stored encrypted and never returned",
        r#"{"phone_number_id":"106540352242922","display_phone_number":"+1 555 078 3881","waba_id":"102290129340398","access_token":"EAAG...","app_id":"optional","app_secret":"optional","verify_token":"optional"}"#;
    get "/api/v1/channels/{id}" => channels::get, Reader, "channels", "One number";
    patch "/api/v1/channels/{id}" => channels::update, Admin, "channels",
        "Rename a number, change its rate, or rotate its token (verified with Meta; used from the next send)",
        r#"{"name":"Support","access_token":"EAAG..."}"#;
    delete "/api/v1/channels/{id}" => channels::delete, Admin, "channels", "Disconnect a number";
    post "/api/v1/channels/{id}/refresh" => channels::refresh, Admin, "channels", "Read the number's quality rating and messaging tier from Meta now";
    post "/api/v1/channels/{id}/media" => media::upload, Writer, "media", "Upload a file to Meta (multipart field `file`); answers the media id";
    get "/api/v1/channels/{id}/media/{media_id}" => media::download, Reader, "media",
        "Download a customer's media (as an attachment; unsafe types as application/octet-stream)";
    get "/api/v1/conversations" => conversations::list, Reader, "inbox",
        "Conversations, newest activity first; filters status, assignee (me|unassigned|all|id), unread, search (contact name/phone/username), tag, team_id, channel_id; paginated by cursor. Agents see unassigned conversations and their own";
    post "/api/v1/conversations" => messages::start, Writer, "inbox", "Open (or find) the conversation between a number and a contact",
        r#"{"contact_id":"…","phone_number_id":"106540352242922"}"#;
    get "/api/v1/conversations/{id}" => conversations::get, Reader, "inbox", "One conversation with its contact, window end and last message";
    patch "/api/v1/conversations/{id}" => messages::patch, Writer, "inbox", "Change status or assignee (agents assign only themselves)",
        r#"{"status":"resolved","assignee_id":null}"#;
    get "/api/v1/conversations/{id}/messages" => conversations::messages, Reader, "inbox",
        "Messages in ascending sequence; cursor pages back in time, after_seq resynchronises";
    post "/api/v1/conversations/{id}/messages" => messages::post_message, Writer, "inbox",
        "Send (Cloud API shape); 201 stored and queued, 200 when the client_id / Idempotency-Key was used before; 422 WINDOW_CLOSED outside the 24-hour window (send a template), 422 OPTED_OUT for a marketing template to a contact who opted out",
        r#"{"type":"text","text":{"body":"Hello"},"client_id":"optional idempotency key"}"#;
    post "/api/v1/conversations/{id}/messages/{message_id}/resend" => messages::resend, Writer, "inbox",
        "Resend a message whose outcome is unconfirmed (Meta's answer was lost and no status came within the grace); 409 NOT_UNCONFIRMED otherwise";
    post "/api/v1/conversations/{id}/read" => messages::mark_read, Writer, "inbox", "Unread to zero and a read receipt to the customer";
    get "/api/v1/conversations/{id}/scheduled-messages" => scheduled::list, Reader, "inbox",
        "Messages scheduled in the conversation: those waiting by time, then the last 20 sent, failed or cancelled";
    post "/api/v1/conversations/{id}/scheduled-messages" => scheduled::create, Writer, "inbox",
        "Schedule a message (`send_at`, or `send_in_seconds`) as a send takes it, with an optional `fallback` template; 422 TEMPLATE_REQUIRED when the customer's window will be closed then and no template goes",
        r#"{"send_in_seconds":3600,"type":"text","text":{"body":"Your order ships today"},"fallback":{"type":"template","template":{"name":"order_update","language":{"code":"en"}}}}"#;
    patch "/api/v1/conversations/{id}/scheduled-messages/{scheduled_id}" => scheduled::update, Writer, "inbox",
        "Change a scheduled message's time, content or fallback while it waits (409 SCHEDULED_STATE once it went)";
    delete "/api/v1/conversations/{id}/scheduled-messages/{scheduled_id}" => scheduled::cancel, Writer, "inbox",
        "Cancel a scheduled message while it waits (409 SCHEDULED_STATE once it went)";
    get "/api/v1/conversations/{id}/notes" => messages::list_notes, Reader, "inbox", "Internal notes, oldest first";
    post "/api/v1/conversations/{id}/notes" => messages::add_note, Writer, "inbox", "Add an internal note (never sent to the customer)",
        r#"{"body":"Called the customer back"}"#;
    post "/api/v1/conversations/{id}/tags" => tags::post_conversation_tags, Writer, "inbox", "Tag a conversation", r#"{"tags":["refund"]}"#;
    delete "/api/v1/conversations/{id}/tags/{tag}" => tags::delete_conversation_tag, Writer, "inbox", "Untag a conversation";
    post "/api/v1/conversations/{id}/flow" => flow_runs::control, Writer, "flows", "Pause, resume or stop the conversation's bot",
        r#"{"action":"stop"}"#;
    get "/api/v1/conversations/{id}/activity" => activity::activity, Reader, "inbox",
        "What happened besides messages, oldest first: assignments, status and team changes, the bot's hand-off and runs";
    get "/api/v1/conversations/{id}/bot" => activity::bot, Reader, "inbox", "The flow running in the conversation now (run: null when none)";
    get "/api/v1/contacts" => contacts::list, Reader, "contacts", "Contacts, newest first; search by name, phone or username; filter by tag";
    post "/api/v1/contacts" => contacts::create, Writer, "contacts", "Add a contact",
        r#"{"phone":"+14155550123","name":"Asha","tags":["vip"],"custom_fields":{"city":"Pune"},"opted_in":true}"#;
    post "/api/v1/contacts/import" => contacts_csv::import, Manager, "contacts",
        "Import a CSV (header: phone[,name,tags,opted_in,<custom>...]; at most 100,000 rows and 50 columns), streamed; answers imported/updated/failed with a per-line error report. opted_in changes only when the column is present";
    get "/api/v1/contacts/export" => contacts_csv::export, Manager, "contacts", "Every contact as CSV (streamed)";
    get "/api/v1/contacts/segments" => segments::list, Reader, "contacts", "Saved contact filters, by name, each with its member count";
    post "/api/v1/contacts/segments" => segments::create, Manager, "contacts",
        "Save a filter: `all`/`any` groups of {field, op, value} over tag, custom.<name>, opted_in, channel, last_inbound, conversation_status, phone, name",
        r#"{"name":"Chennai VIPs","rule":{"all":[{"field":"tag","op":"has","value":"vip"},{"any":[{"field":"custom.city","op":"eq","value":"Chennai"},{"field":"last_inbound","op":"within_days","value":30}]}]}}"#;
    post "/api/v1/contacts/segments/preview" => segments::preview_rule, Reader, "contacts",
        "Member count and newest 20 members of a rule being edited", r#"{"rule":{"all":[{"field":"opted_in","op":"eq","value":true}]}}"#;
    get "/api/v1/contacts/segments/{id}" => segments::get, Reader, "contacts", "One segment with its member count";
    patch "/api/v1/contacts/segments/{id}" => segments::update, Manager, "contacts", "Rename a segment or replace its rule",
        r#"{"name":"Chennai VIPs (active)"}"#;
    delete "/api/v1/contacts/segments/{id}" => segments::delete, Manager, "contacts",
        "Delete a segment (409 SEGMENT_IN_USE while a draft or scheduled campaign, or a sequence that enrols its members, uses it)";
    get "/api/v1/contacts/segments/{id}/preview" => segments::preview, Reader, "contacts", "Member count and newest 20 members of a segment";
    get "/api/v1/contacts/{id}" => contacts::get, Reader, "contacts", "One contact with its conversations";
    patch "/api/v1/contacts/{id}" => contacts::update, Writer, "contacts", "Change a contact; custom_fields merge (null removes a field)",
        r#"{"name":"Asha K","custom_fields":{"city":null,"tier":"gold"}}"#;
    delete "/api/v1/contacts/{id}" => contacts::delete, Manager, "contacts", "Delete a contact and its conversations";
    get "/api/v1/contacts/{id}/export" => gdpr::export_contact, Admin, "contacts",
        "Everything the account holds about one contact, as JSON (GDPR access request)";
    post "/api/v1/contacts/{id}/erase" => gdpr::erase_contact, Admin, "contacts",
        "Erase a contact (GDPR): message bodies, notes, campaign rows and raw webhooks emptied, identity anonymised; counts and invoices kept";
    post "/api/v1/contacts/{id}/tags" => tags::post_tags, Writer, "contacts", "Add tags", r#"{"tags":["vip"]}"#;
    delete "/api/v1/contacts/{id}/tags/{tag}" => tags::delete_tag, Writer, "contacts", "Remove a tag";
    get "/api/v1/ws" => crate::ws::connect, Person, "live",
        "Agent WebSocket (access token as the `bearer, <token>` subprotocol): message:new, message:status, conversation:*, agent:typing, agent:status, notification, error; send conversation:join {conversation_id, since_seq?}, conversation:leave, conversation:typing, agent:status, message:send → message:ack. Closed with code 4401 when the session is revoked";
    get "/api/v1/analytics/overview" => analytics::overview, Reader, "analytics",
        "Dashboard numbers for the last `days` (1–90): conversations and messages per day, first-response times, agents, flow runs";
    get "/api/v1/flows" => flows::list, Reader, "flows", "Chatbot flows";
    post "/api/v1/flows" => flows::create, Manager, "flows",
        "Create a flow (React Flow JSON); 422 FLOW_INVALID with details naming each bad node or edge",
        r#"{"name":"Order status","trigger_type":"keyword","trigger_value":"order","flow_data":{"nodes":[{"id":"a","type":"message","position":{"x":0,"y":0},"data":{"text":"Hi {{contact.name}}"}}],"edges":[]}}"#;
    get "/api/v1/flows/{id}" => flows::get, Reader, "flows", "One flow";
    patch "/api/v1/flows/{id}" => flows::update, Manager, "flows", "Change a flow; new flow_data is a new version (live runs keep theirs)";
    delete "/api/v1/flows/{id}" => flows::delete, Manager, "flows", "Delete a flow with no live runs";
    patch "/api/v1/flows/{id}/status" => flows::set_status, Manager, "flows", "draft | active (validated again) | inactive",
        r#"{"status":"active"}"#;
    get "/api/v1/flows/{id}/executions" => flow_runs::executions, Reader, "flows",
        "Runs with the path taken, status and error (agents see runs of the conversations they may see)";
    get "/api/v1/flows/{id}/analytics" => flow_runs::analytics, Reader, "flows", "Starts, completions, drop-off per node";
    post "/api/v1/flows/{id}/test" => flow_sandbox::test, Manager, "flows",
        "Run against scripted customer messages in a sandbox; returns the transcript (nothing reaches Meta; api nodes go through the egress rules)",
        r#"{"messages":["order","4821"]}"#;
    post "/api/v1/flows/{id}/start" => flow_runs::start, Writer, "flows", "Start a flow in a conversation by hand", r#"{"conversation_id":"…"}"#;
    get "/api/v1/teams" => teams::list, Person, "teams", "Teams with their members (and each one's open conversations) and assignment rules";
    post "/api/v1/teams" => teams::create, Admin, "teams",
        "Create a team: assignment manual | round_robin (the online member served longest ago) | least_busy (fewest open), an optional cap of open conversations per member",
        r#"{"name":"Sales","member_ids":["…"],"assignment":"round_robin","max_open_per_agent":10}"#;
    get "/api/v1/teams/{id}" => teams::get, Person, "teams", "One team";
    patch "/api/v1/teams/{id}" => teams::update, Admin, "teams", "Change a team (member_ids replaces the members)",
        r#"{"assignment":"least_busy"}"#;
    delete "/api/v1/teams/{id}" => teams::delete, Admin, "teams", "Delete a team (its conversations keep their assignees)";
    get "/api/v1/canned-replies" => canned::list, Writer, "canned-replies", "Shared canned replies and your own, by shortcut; ?search=";
    post "/api/v1/canned-replies" => canned::create, Writer, "canned-replies",
        "Save a canned reply: shared (admins) or personal; variables {{contact.name}}, {{contact.phone}}, {{contact.<field>}}, {{agent.name}}",
        r#"{"shortcut":"thanks","text":"Thanks {{contact.name}}, we are on it!"}"#;
    patch "/api/v1/canned-replies/{id}" => canned::update, Writer, "canned-replies", "Change a canned reply (your own; shared ones: admins)",
        r#"{"text":"Thank you {{contact.name}}!"}"#;
    delete "/api/v1/canned-replies/{id}" => canned::delete, Writer, "canned-replies", "Delete a canned reply (your own; shared ones: admins)";
    post "/api/v1/canned-replies/{id}/render" => canned::render, Writer, "canned-replies",
        "The reply's text with the conversation's variables filled, and its attachment (nothing is sent)",
        r#"{"conversation_id":"…"}"#;
    get "/api/v1/automations/catalog" => automations::catalog, Manager, "automations", "The events, condition fields, operators and actions rules use";
    get "/api/v1/automations" => automations::list, Manager, "automations", "Automation rules, in order";
    post "/api/v1/automations" => automations::create, Manager, "automations",
        "Create a rule: event → conditions ({all, any} of {field, op, value}) → actions, in order; a rule never re-triggers itself",
        r#"{"name":"VIP to Sales","event":"message.received","conditions":{"all":[{"field":"contact.tags","op":"contains","value":"vip"}]},"actions":[{"type":"assign","team_id":"…"},{"type":"set_priority","priority":"high"}]}"#;
    get "/api/v1/automations/{id}" => automations::get, Manager, "automations", "One rule";
    put "/api/v1/automations/{id}" => automations::update, Manager, "automations", "Replace a rule (the same body as creating one)",
        r#"{"name":"VIP to Sales","event":"message.received","actions":[{"type":"set_priority","priority":"high"}],"enabled":false}"#;
    delete "/api/v1/automations/{id}" => automations::delete, Manager, "automations", "Delete a rule and its log";
    get "/api/v1/automations/{id}/logs" => automations::logs, Manager, "automations",
        "What the rule did, newest first: the event, each action's result, skips by loop protection (paginated)";
    get "/api/v1/business-hours" => service_levels::hours, Person, "service", "The account's business hours and the teams' own, each with open_now";
    put "/api/v1/business-hours" => service_levels::put_hours, Admin, "service",
        "Save the account's schedule (team_id null) or a team's: weekly spans in a time zone, holidays, the away message",
        r#"{"team_id":null,"time_zone":"Asia/Kolkata","weekly":{"mon":[["09:00","18:00"]]},"holidays":[{"date":"2026-12-25","name":"Christmas"}],"away_enabled":true,"away_message":"We are closed; we answer from 9:00.","away_every_hours":24}"#;
    delete "/api/v1/business-hours/{scope}" => service_levels::delete_hours, Admin, "service",
        "Remove the account's schedule (`default`) or a team's (it follows the account's again)";
    get "/api/v1/csat/settings" => service_levels::csat_settings, Admin, "service", "The satisfaction survey's settings";
    put "/api/v1/csat/settings" => service_levels::put_csat_settings, Admin, "service",
        "Switch the survey (sent on resolve, inside the customer's window) on or off and word it",
        r#"{"enabled":true,"question":"How did we do?","thanks":"Thanks! Anything to add?"}"#;
    get "/api/v1/settings/assignment" => service_levels::assignment_settings, Person, "service",
        "Whether the bot's hand-off and an agent's first reply assign the conversation";
    put "/api/v1/settings/assignment" => service_levels::put_assignment_settings, Admin, "service",
        "Turn either on or off", r#"{"assign_on_handoff":true,"assign_on_first_reply":true}"#;
    get "/api/v1/sla-policies" => service_levels::sla_policies, Person, "service", "SLA targets: the account's default and teams'";
    put "/api/v1/sla-policies" => service_levels::put_sla_policy, Admin, "service",
        "Save first-response and/or resolution targets in minutes (team_id null: the default)",
        r#"{"team_id":null,"first_response_minutes":15,"resolution_minutes":1440}"#;
    delete "/api/v1/sla-policies/{scope}" => service_levels::delete_sla_policy, Admin, "service", "Remove a policy (`default` or a team id)";
    get "/api/v1/analytics/performance" => service_levels::performance, Admin, "analytics",
        "Per agent or team (?by=agent|team&from=&to=): resolved, first response and resolution p50/p90, CSAT";
    get "/api/v1/analytics/conversations" => service_levels::conversations, Admin, "analytics", "Conversations opened and resolved per day and channel";
    get "/api/v1/analytics/csat" => service_levels::csat, Admin, "analytics", "Ratings: count, average, distribution, latest comments";
    get "/api/v1/analytics/export" => service_levels::export, Admin, "analytics",
        "A report as CSV: ?report=performance|conversations|csat (&by=agent|team&from=&to=)";
    get "/api/v1/conversations/{id}/suggestions" => suggestions::suggestions, Writer, "inbox",
        "Up to three suggested replies: from the language model when configured, else from canned replies and past answers to similar questions (never sent by themselves)";
    get "/api/v1/ai/status" => suggestions::ai_status, Person, "ai", "Whether a language-model provider is configured";
    post "/api/v1/templates/draft" => suggestions::draft_template, Manager, "templates",
        "Draft a template from a description with the language model (403 AI_NOT_CONFIGURED without one); nothing is stored",
        r#"{"description":"Tell a customer their order is ready for pickup","category":"UTILITY","language":"en"}"#;
    get "/api/v1/webhooks/events" => webhooks_out::events, Manager, "webhooks-out", "The event types an endpoint may subscribe to";
    get "/api/v1/webhooks" => webhooks_out::list, Manager, "webhooks-out",
        "Outbound webhook endpoints (never their secrets), with deliveries waiting and the last answer";
    post "/api/v1/webhooks" => webhooks_out::create, Manager, "webhooks-out",
        "Add an endpoint; the answer carries its signing secret, shown this once. Deliveries: POST of {id, type, created_at, tenant_id, data} with X-Whatsflow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>; refuse t older than 5 minutes, deduplicate on id. Retried with backoff for a day, in order per endpoint; switched off after a day of failures",
        r#"{"url":"https://example.com/hooks/whatsflow","events":["message.received","message.status"],"description":"CRM"}"#;
    get "/api/v1/webhooks/{id}" => webhooks_out::get, Manager, "webhooks-out", "One endpoint";
    patch "/api/v1/webhooks/{id}" => webhooks_out::update, Manager, "webhooks-out",
        "Change an endpoint's URL, events or description, or switch it on (what waited is sent) or off",
        r#"{"enabled":true}"#;
    delete "/api/v1/webhooks/{id}" => webhooks_out::delete, Manager, "webhooks-out", "Delete an endpoint, its waiting deliveries and its log";
    post "/api/v1/webhooks/{id}/rotate-secret" => webhooks_out::rotate_secret, Manager, "webhooks-out",
        "A new signing secret, in force at once (shown once)";
    post "/api/v1/webhooks/{id}/test" => webhooks_out::test, Manager, "webhooks-out",
        "Send a webhook.test event now and return the receiver's status, latency and answer (logged)";
    get "/api/v1/webhooks/{id}/logs" => webhooks_out::logs, Manager, "webhooks-out",
        "Every attempt, newest first: status code, latency, error, response excerpt (paginated)";
    get "/api/v1/webhooks/{id}/deliveries" => webhooks_out::deliveries, Manager, "webhooks-out",
        "Deliveries with their bodies, newest first; ?status=pending|delivered|failed (paginated)";
    post "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay" => webhooks_out::replay, Manager, "webhooks-out",
        "Send a delivery again by hand (same event id and body), after what waits";
    get "/api/v1/api-keys" => api_keys::list, Admin, "api-keys", "API keys (never the keys themselves)";
    post "/api/v1/api-keys" => api_keys::create, Admin, "api-keys",
        "Create a key for X-API-Key (shown once; stored as SHA-256); scopes read and/or write. Keys never manage people, keys or channel credentials",
        r#"{"name":"CRM sync","scopes":["read","write"]}"#;
    delete "/api/v1/api-keys/{id}" => api_keys::revoke, Admin, "api-keys", "Revoke a key";
    get "/api/v1/templates" => templates::list, Reader, "templates", "Message templates (filter status=APPROVED…)";
    post "/api/v1/templates" => templates::create, Manager, "templates",
        "Create a draft; checked against Meta's rules (422 TEMPLATE_INVALID lists every problem)",
        r##"{"name":"order_update","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"Hi {{1}}, your order {{2}} ships today.","example":{"body_text":[["Asha","#4821"]]}}]}"##;
    post "/api/v1/templates/sync" => templates::sync, Manager, "templates", "Pull templates and their status from Meta";
    get "/api/v1/templates/{id}" => templates::get, Reader, "templates", "One template";
    patch "/api/v1/templates/{id}" => templates::update, Manager, "templates", "Edit a draft or rejected template",
        r#"{"components":[{"type":"BODY","text":"Hello {{1}}!","example":{"body_text":[["Asha"]]}}]}"#;
    delete "/api/v1/templates/{id}" => templates::delete, Manager, "templates", "Delete a template";
    post "/api/v1/templates/{id}/submit" => templates::submit, Manager, "templates", "Submit a draft to Meta for review";
    post "/api/v1/templates/{id}/preview" => templates::preview, Reader, "templates", "Render with parameters",
        r##"{"header":[],"body":["Asha","#4821"]}"##;
    get "/api/v1/account/plan" => admin::account_plan, Reader, "account", "The account's plan, its state and counts, and the plans offered";
    get "/api/v1/settings/security" => security::settings, Admin, "account", "Whether the account requires two-factor of everyone";
    put "/api/v1/settings/security" => security::set_settings, Admin, "account",
        "Require two-factor of everyone (those without it sign in again and set it up)", r#"{"require_two_factor":true}"#;
    get "/api/v1/account/export" => gdpr::export_account, Admin, "account",
        "The whole account as a zip (one JSON-lines file per table; secrets and password hashes never included)";
    get "/api/v1/account/deletion" => gdpr::deletion, Admin, "account", "When the account is due to be deleted (null: not scheduled)";
    post "/api/v1/account/deletion" => gdpr::schedule_deletion, Admin, "account",
        "Delete the account in 30 days (confirm with its name); everything but invoices, payments and the audit log goes", r#"{"confirm":"Acme"}"#;
    delete "/api/v1/account/deletion" => gdpr::cancel_deletion, Admin, "account", "Cancel a scheduled deletion";
    get "/api/v1/wallet" => wallet::wallet, Reader, "account",
        "The prepaid wallet for WhatsApp charges: balance, held for sends in flight, free, and its ledger (ten-thousandths)";
    post "/api/v1/wallet/topup" => wallet::top_up, Admin, "account",
        "A Razorpay payment link to top the wallet up (credited when the payment is captured, once)", r#"{"amount_minor":100000}"#;
    get "/api/v1/usage" => usage::usage, Reader, "account",
        "Usage in a billing month (?period=2026-11): monthly unique users against the plan, Meta's charges by day and category, limit alerts";
    get "/api/v1/billing/subscription" => billing::subscription, Admin, "billing",
        "The account's Razorpay subscription (status, paid_count, current_end) and account state";
    post "/api/v1/billing/subscribe" => billing::subscribe, Admin, "billing",
        "Subscribe to a plan (GST included in the charge): returns the subscription with the short_url where the mandate is authorised",
        r#"{"plan":"professional","cycle":"monthly"}"#;
    post "/api/v1/billing/cancel" => billing::cancel, Admin, "billing", "Cancel the subscription (nothing is deleted)";
    get "/api/v1/billing/details" => billing::details, Admin, "billing", "The legal name, GSTIN, state and address invoices carry";
    put "/api/v1/billing/details" => billing::set_details, Admin, "billing", "Set them (later invoices use them)",
        r#"{"legal_name":"Acme Retail Pvt Ltd","gstin":"27AAPFU0939F1ZV","state_code":"27","address":"Pune","email":"accounts@acme.example"}"#;
    get "/api/v1/billing/invoices" => billing::invoices, Admin, "billing",
        "GST invoices (one per captured payment) and credit notes (one per refund), newest first";
    get "/api/v1/billing/invoices/{id}" => billing::invoice, Admin, "billing", "One invoice";
    get "/api/v1/billing/invoices/{id}/html" => billing::invoice_html, Admin, "billing", "One invoice as a page";
    get "/api/v1/billing/invoices/{id}/pdf" => billing::invoice_pdf, Admin, "billing", "One invoice as a PDF";
    get "/api/v1/audit" => audit::list, Admin, "account",
        "The audit log, newest first (?before=<id> pages): a tenant admin's account, or every account for a platform operator";
    get "/api/v1/audit/verify" => audit::verify, Admin, "account",
        "Whether the audit log's hash chain is intact ({valid, first_bad_id?})";
    get "/api/v1/admin/overview" => admin::overview, SuperAdmin, "admin", "Platform figures: tenants, suspended, sign-ups, MRR, messages";
    get "/api/v1/admin/plans" => admin::plans, SuperAdmin, "admin", "Every plan, offered or not";
    post "/api/v1/admin/plans" => admin::create_plan, SuperAdmin, "admin", "A new plan (prices in paise; null is custom)",
        r#"{"code":"growth","name":"Growth","price_monthly_minor":499900,"price_annual_minor":4999000,"limits":{"agents":15,"numbers":3,"flows":50,"monthly_unique_users":10000},"features":["broadcasts","api_access"]}"#;
    patch "/api/v1/admin/plans/{code}" => admin::update_plan, SuperAdmin, "admin", "Change a plan's name, prices, limits, features or whether it is offered",
        r#"{"price_monthly_minor":109900}"#;
    post "/api/v1/admin/payments/{id}/refund" => billing::refund, SuperAdmin, "admin",
        "Refund a captured payment (all of it unless amount_minor is given); a credit note follows Razorpay's webhook",
        r#"{"amount_minor":117882}"#;
    post "/api/v1/admin/tenants/{id}/impersonate" => admin::impersonate, SuperAdmin, "admin",
        "View a tenant as its admin for 30 minutes (an access token marked with the operator; audited with the reason)",
        r#"{"reason":"ticket #4821: campaign stuck"}"#;
    post "/api/v1/admin/tenants/{id}/wallet" => wallet::adjust, SuperAdmin, "admin", "Credit a tenant's wallet with a note (a bank transfer, a goodwill credit)",
        r#"{"amount_minor":50000,"note":"NEFT UTR 12345"}"#;
    get "/api/v1/admin/settings" => admin::settings, SuperAdmin, "admin", "Platform settings: sign-ups open, default plan, support email";
    put "/api/v1/admin/settings" => admin::update_settings, SuperAdmin, "admin", "Change the platform settings",
        r#"{"signups_open":false,"support_email":"support@whatsflow.example"}"#;
    get "/api/v1/admin/tenants" => admin::tenants, SuperAdmin, "admin", "Customer tenants (search by name or a member's email) with plan, state, size and MRR";
    patch "/api/v1/admin/tenants/{id}" => admin::update_tenant, SuperAdmin, "admin",
        "Move a tenant to a plan, or suspend (sessions end, inbound still stored) or reactivate it", r#"{"plan":"professional"}"#;
    get "/api/v1/admin/partners" => partners::admin_list, SuperAdmin, "partners", "White-label partners (pending first) with their clients, first admin and earnings";
    post "/api/v1/admin/partners" => partners::admin_create, SuperAdmin, "partners",
        "Create an approved partner and its first partner admin (model markup, revenue_share or hybrid; share in basis points)",
        r#"{"name":"Acme Digital","slug":"acme","model":"revenue_share","revenue_share_bps":6000,"admin_email":"ops@acme.test","admin_password":"at least 8"}"#;
    patch "/api/v1/admin/partners/{id}" => partners::admin_update, SuperAdmin, "partners",
        "Approve or suspend a partner, or change its model, share or hybrid fee (payments already shared keep their split)", r#"{"status":"approved"}"#;
    get "/api/v1/admin/partners/{id}/ledger" => partners::admin_ledger, SuperAdmin, "partners", "A partner's statement for a month (?month=YYYY-MM)";
    get "/api/v1/branding" => branding::branding, Public, "partners",
        "The brand of the host asked (product name, colours, logo, links; the platform's for unknown hosts), before sign-in";
    get "/api/v1/branding/logo" => branding::logo, Public, "partners", "The host's partner's logo";
    get "/api/v1/branding/favicon" => branding::favicon, Public, "partners", "The host's partner's favicon";
    get "/api/v1/domains/allow" => branding::allow_domain, Public, "partners",
        "On-demand TLS check (Caddy's `ask`): 200 for an approved partner's verified domain or slug address, else 404";
    post "/api/v1/partners/apply" => branding::apply, Public, "partners",
        "Apply to become a white-label partner: the partner waits for an operator's approval; its admin can sign in (rate limited per address)",
        r#"{"name":"Acme Digital","slug":"acme","admin_name":"Asha","admin_email":"ops@acme.test","admin_password":"at least 8"}"#;
    get "/api/v1/partner" => partners::me, PartnerAdmin, "partners", "The caller's partner: status, model, share, address, clients, earnings";
    get "/api/v1/partner/branding" => partners::get_branding, PartnerAdmin, "partners", "The partner's brand";
    put "/api/v1/partner/branding" => partners::put_branding, PartnerAdmin, "partners",
        "Set the brand: product name, colours, support and legal links; logo and favicon as data URLs (PNG, JPEG, WebP, ICO; 256 KiB; null removes)",
        r##"{"product_name":"Acme Chat","colors":{"primary":"#1d4ed8","accent":"#1e3a8a"},"support_email":"help@acme.test"}"##;
    get "/api/v1/partner/clients" => partners::clients, PartnerAdmin, "partners", "The partner's client accounts with their usage and payments";
    post "/api/v1/partner/clients" => partners::create_client, PartnerAdmin, "partners", "Open a client account with its first admin",
        r#"{"name":"Sharma Sweets","admin_name":"Ravi","admin_email":"ravi@sharma.test","admin_password":"at least 8"}"#;
    post "/api/v1/partner/clients/{id}/impersonate" => partners::impersonate, PartnerAdmin, "partners",
        "View a client as its admin for 30 minutes (audited in both accounts with the reason)", r#"{"reason":"setting up their flows"}"#;
    get "/api/v1/partner/prices" => partners::prices, PartnerAdmin, "partners", "The platform's plans with the partner's retail prices";
    put "/api/v1/partner/prices/{plan_code}" => partners::set_price, PartnerAdmin, "partners",
        "Set what clients pay for a plan (markup partners; at least the platform's price; null: the platform's)",
        r#"{"retail_monthly_minor":399900,"retail_annual_minor":3999000}"#;
    get "/api/v1/partner/domains" => partners::domains, PartnerAdmin, "partners", "The partner's custom domains and the TXT record proving each";
    post "/api/v1/partner/domains" => partners::add_domain, PartnerAdmin, "partners", "Add a custom domain (up to 5) to prove with a DNS TXT record",
        r#"{"domain":"chat.acme.test"}"#;
    post "/api/v1/partner/domains/{domain}/verify" => partners::verify_domain, PartnerAdmin, "partners",
        "Look up the domain's TXT record; 422 DOMAIN_NOT_VERIFIED names the record to create";
    delete "/api/v1/partner/domains/{domain}" => partners::delete_domain, PartnerAdmin, "partners", "Remove a custom domain";
    put "/api/v1/partner/payout" => partners::set_payout, PartnerAdmin, "partners", "Set the UPI address the partner's earnings are paid to",
        r#"{"payout_vpa":"acme@okbank"}"#;
    get "/api/v1/partner/payouts" => partners::payouts, PartnerAdmin, "partners", "The partner's payouts";
    post "/api/v1/affiliate" => affiliates::join, Person, "affiliates",
        "Join the affiliate programme (an operator approves): your referral link earns 20% (premium 25%) of what referred accounts pay before GST, for 12 paid cycles",
        r#"{"payout_vpa":"asha@okbank","phone":"+919812345678"}"#;
    get "/api/v1/affiliate" => affiliates::me, Person, "affiliates", "Your affiliate dashboard: link, clicks, sign-ups, conversions, earnings by state, balance";
    patch "/api/v1/affiliate" => affiliates::update, Person, "affiliates", "Change your UPI address, phone or GSTIN", r#"{"payout_vpa":"asha@okbank"}"#;
    get "/api/v1/affiliate/referrals" => affiliates::referrals, Person, "affiliates", "The accounts your link brought";
    get "/api/v1/affiliate/commissions" => affiliates::commissions, Person, "affiliates", "Your commissions and clawbacks with their state (held, payable, void)";
    get "/api/v1/affiliate/payouts" => affiliates::payouts, Person, "affiliates", "Your payouts";
    get "/r/{code}" => affiliates::referral_link, Public, "affiliates",
        "A referral link: counts the click, sets a 60-day first-touch cookie and sends the visitor to sign up";
    get "/api/v1/admin/affiliates" => affiliates::admin_list, SuperAdmin, "affiliates", "Affiliates (pending first) with their figures";
    patch "/api/v1/admin/affiliates/{id}" => affiliates::admin_update, SuperAdmin, "affiliates",
        "Approve or suspend an affiliate, or set their tier (standard 20%, premium 25%)", r#"{"status":"approved"}"#;
    get "/api/v1/admin/payouts" => affiliates::admin_payouts, SuperAdmin, "affiliates", "Payouts to affiliates and partners";
    post "/api/v1/admin/payouts/run" => affiliates::admin_run, SuperAdmin, "affiliates",
        "Pay every affiliate and partner whose balance reached ₹1,000 (and resend payouts that got no answer, with their idempotency key); also runs monthly";
    get "/api/v1/partner/ledger" => partners::ledger, PartnerAdmin, "partners",
        "A month's statement (?month=YYYY-MM): each client payment's share and each refund's reversal, to the paisa";
    get "/api/v1/campaigns" => campaigns::list, Reader, "campaigns", "Broadcast campaigns (or drip sequences with ?type=drip), newest first, each with its counts";
    post "/api/v1/campaigns" => campaigns::create, Manager, "campaigns",
        "Write a draft: a number, an approved template with one source per parameter (a contact field or a constant), an audience (tags, contact ids, a segment_id or a CSV) and a rate (at most the number's); 422 TEMPLATE_NOT_APPROVED / TEMPLATE_PARAMS name the fix. With `\"type\": \"drip\"`: a drip sequence of `steps` (delay_seconds, delay_from, send_window, template and variables and/or session_message, condition), exit rules (exit_on_reply, exit_on_tags, exit_when), enroll_on_tag and reentry",
        r#"{"name":"Diwali offer","channel_id":"…","template":{"name":"diwali_offer","language":"en"},"variables":{"body":[{"field":"contact.name"},{"value":"20%"}]},"audience":{"tags":["vip"]},"rate_mps":50}"#;
    get "/api/v1/campaigns/{id}" => campaigns::get, Reader, "campaigns", "One campaign with its counts";
    patch "/api/v1/campaigns/{id}" => campaigns::update, Manager, "campaigns",
        "Rewrite a draft broadcast (409 CAMPAIGN_STATE once it is scheduled or started); a drip sequence at any time before it is cancelled: changed steps become a new version that only contacts arriving at a step get";
    delete "/api/v1/campaigns/{id}" => campaigns::delete, Manager, "campaigns", "Delete a campaign that is not running or paused";
    post "/api/v1/campaigns/{id}/audience/csv" => campaigns::upload_csv, Manager, "campaigns",
        "The audience as CSV (a phone column and the template's variables as other columns; at most 100,000 rows): every line accepted or rejected with its number and reason (invalid phone, duplicate after E.164)";
    get "/api/v1/campaigns/{id}/preview" => campaigns::preview, Manager, "campaigns",
        "Who would be reached and who skipped (invalid phone, duplicate, opted out, US marketing, missing variable), three rendered messages, estimated cost and finish time";
    post "/api/v1/campaigns/{id}/schedule" => campaigns::schedule, Manager, "campaigns", "Start a draft at a future time",
        r#"{"at":"2026-12-01T09:00:00+05:30"}"#;
    post "/api/v1/campaigns/{id}/start" => campaigns::start, Manager, "campaigns",
        "Resolve the audience and start sending at the campaign's rate on the bulk lane (live replies keep their reserve)";
    post "/api/v1/campaigns/{id}/pause" => campaigns::pause, Manager, "campaigns", "Stop handing recipients over; resumable";
    post "/api/v1/campaigns/{id}/resume" => campaigns::resume, Manager, "campaigns", "Carry on where it paused";
    post "/api/v1/campaigns/{id}/cancel" => campaigns::cancel, Manager, "campaigns", "Stop for good; recipients not yet sent are cancelled";
    get "/api/v1/campaigns/{id}/stats" => campaigns::stats, Reader, "campaigns",
        "Counts that add up to the audience (skipped, pending, sending, accepted, sent, delivered, read, failed, cancelled), replied, funnel, failures by Meta error code, cost";
    get "/api/v1/campaigns/{id}/messages" => campaigns::messages, Reader, "campaigns",
        "Per-recipient results in audience order (?status=, cursor pagination): phone, status, wamid, error, times, cost";
    post "/api/v1/campaigns/{id}/retarget" => campaigns::retarget, Manager, "campaigns",
        "A new draft for this campaign's recipients who: delivered_not_read (after_hours, default 24), read_no_reply, or failed_retryable; never the opted-out or those who replied",
        r#"{"rule":"delivered_not_read","after_hours":24}"#;
    get "/api/v1/campaigns/{id}/export" => campaigns::export, Manager, "campaigns", "Per-recipient results as CSV";
    post "/api/v1/campaigns/{id}/enrollments" => drips::enroll_many, Manager, "campaigns",
        "Enrol many contacts in a running (or paused) drip sequence, by `contact_ids` (at most 10,000) or by `tag`: counts enrolled, already in it, refused by the re-entry policy",
        r#"{"tag":"new_signup"}"#;
    get "/api/v1/campaigns/{id}/enrollments" => drips::enrollments, Reader, "campaigns",
        "A drip sequence's enrolments, oldest first (?state=active|completed|exited, cursor pagination): the step each waits for and when it is due, or why they left";
    get "/api/v1/campaigns/{id}/enrollments/{enrollment_id}" => drips::enrollment, Reader, "campaigns",
        "One enrolment with its path: each step sent (template or session message, its status), skipped (why) or failed";
    post "/api/v1/contacts/{id}/campaigns/{campaign_id}/enroll" => drips::enroll, Manager, "campaigns",
        "Enrol a contact in a running drip sequence at its first step: 201, or 200 with the enrolment they are already in; 409 ENROLLMENT_CLOSED when its re-entry policy refuses them";
    delete "/api/v1/contacts/{id}/campaigns/{campaign_id}/enroll" => drips::unenroll, Manager, "campaigns",
        "Take a contact out of a drip sequence (exit reason `api`); 404 when they are not in it";
    get "/api/v1/settings/consent" => settings::get_consent, Reader, "settings",
        "The whole-message keywords with which customers stop or resume marketing messages (English and Hindi by default)";
    put "/api/v1/settings/consent" => settings::put_consent, Admin, "settings", "Replace the stop and start keyword lists",
        r#"{"stop_keywords":["stop","रोकें"],"start_keywords":["start"]}"#;
    get "/api/v1/dead-letters" => dead_letters::list, Admin, "ops",
        "Events a conversation could not store after repeated failures, parked with the error (newest first)";
    post "/api/v1/dead-letters/{id}/retry" => dead_letters::retry, Admin, "ops", "Feed a dead letter's events to its conversation again";
}
