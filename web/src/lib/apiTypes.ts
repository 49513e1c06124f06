// Generated from the server's Rust types by `cargo test generated_typescript`; do not edit.

import type { ConversationStatus, MessageStatus, Role, RunStatus, TriggerMatch, TriggerType } from "./domain";

/** Any JSON value. */
export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

export type TenantId = string;

export type UserId = string;

export type ContactId = string;

export type ConversationId = string;

export type MessageId = string;

export type Wamid = string;

export type TemplateId = string;

export type FlowId = string;

export type RunId = string;

export type ApiKeyId = string;

export type Direction = "inbound" | "outbound";

export type SentBy = { "kind": "agent", 
/**
 * The agent.
 */
id: UserId, } | { "kind": "flow", 
/**
 * The flow.
 */
id: string, } | { "kind": "campaign", 
/**
 * The campaign.
 */
id: string, } | { "kind": "api", 
/**
 * The key.
 */
id: string, } | { "kind": "automation", 
/**
 * The rule, schedule or survey settings.
 */
id: string, };

export type MessageView = { 
/**
 * Our id.
 */
id: MessageId, 
/**
 * Its conversation.
 */
conversation_id: ConversationId, 
/**
 * The conversation event sequence number that created it.
 */
seq: number, 
/**
 * Meta's id (absent while an outbound message is still pending).
 */
wamid: Wamid | null, 
/**
 * Inbound or outbound.
 */
direction: Direction, 
/**
 * Cloud API message type (`text`, `image`, …, `unknown`).
 */
type: string, 
/**
 * Delivery status.
 */
status: MessageStatus, 
/**
 * The type's object as received or sent (`{"body": …}` for text).
 */
content: unknown, 
/**
 * What it replies to (`{from, id}`) or forwarding info.
 */
context: { message_id?: string | null; id?: string | null; from?: string | null; forwarded?: boolean } | null, 
/**
 * Click-to-WhatsApp ad that started it.
 */
referral: unknown, 
/**
 * Meta's errors for this message (failed sends, unsupported types).
 */
errors: Array<{ code: number | string; title: string; message?: string | null; error_data?: { details?: string } | null }> | null, 
/**
 * The customer's reaction to this message (`{emoji, at}`).
 */
reaction: { emoji: string; at: string } | null, 
/**
 * Meta's pricing info from status webhooks.
 */
pricing: unknown, 
/**
 * Who sent it (outbound only).
 */
sent_by: SentBy | null, 
/**
 * The sender's idempotency key (lets a client match its pending bubble).
 */
client_id: string | null, 
/**
 * Meta's timestamp for inbound; our send time for outbound.
 */
timestamp: string, 
/**
 * When we stored it.
 */
created_at: string, 
/**
 * When Meta reported it sent.
 */
sent_at: string | null, 
/**
 * When Meta reported it delivered.
 */
delivered_at: string | null, 
/**
 * When Meta reported it read.
 */
read_at: string | null, 
/**
 * When Meta reported it failed.
 */
failed_at: string | null, };

export type MessageSummary = { 
/**
 * Id.
 */
id: MessageId, 
/**
 * Its sequence number.
 */
seq: number, 
/**
 * Inbound or outbound.
 */
direction: Direction, 
/**
 * Cloud API message type.
 */
type: string, 
/**
 * Delivery status.
 */
status: MessageStatus, 
/**
 * The type's object.
 */
content: JsonValue, 
/**
 * When it was sent or received.
 */
timestamp: string, };

export type ContactRef = { 
/**
 * The contact.
 */
id: ContactId, 
/**
 * E.164 phone, when known.
 */
phone: string | null, 
/**
 * Name.
 */
name: string | null, 
/**
 * Meta's business-scoped user id, when known.
 */
user_id: string | null, 
/**
 * WhatsApp username, when they have one.
 */
username: string | null, 
/**
 * Contact tags.
 */
tags: Array<string>, };

export type ConversationView = { 
/**
 * Id.
 */
id: ConversationId, 
/**
 * The business number it is on.
 */
channel_id: string, 
/**
 * The customer.
 */
contact: ContactRef, 
/**
 * Where it stands.
 */
status: ConversationStatus, 
/**
 * Conversation tags.
 */
tags: Array<string>, 
/**
 * The agent working it.
 */
assignee_id: UserId | null, 
/**
 * The team it belongs to.
 */
team_id: string | null, 
/**
 * low, normal, high or urgent.
 */
priority: string, 
/**
 * When it missed an SLA target (this episode).
 */
sla_breached_at: string | null, 
/**
 * Which: `first_response` or `resolution`.
 */
sla_breach: string | null, 
/**
 * Inbound messages no agent has read.
 */
unread_count: number, 
/**
 * The conversation's event sequence (messages and statuses).
 */
last_seq: number, 
/**
 * The customer's last message (opens the 24-hour window).
 */
last_inbound_at: string | null, 
/**
 * The newest message either way.
 */
last_message_at: string | null, 
/**
 * When the customer service window closes.
 */
window_expires_at: string | null, 
/**
 * The newest message.
 */
last_message: MessageSummary | null, 
/**
 * Opened.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type ContactConversation = { 
/**
 * The conversation.
 */
id: ConversationId, 
/**
 * Its number.
 */
channel_id: string, 
/**
 * Where it stands.
 */
status: ConversationStatus, 
/**
 * Its newest message.
 */
last_message_at: string | null, };

export type ContactView = { 
/**
 * Id.
 */
id: ContactId, 
/**
 * E.164 phone, when known.
 */
phone: string | null, 
/**
 * Meta's business-scoped user id, when known.
 */
user_id: string | null, 
/**
 * The customer's WhatsApp username, when they have one.
 */
username: string | null, 
/**
 * Name.
 */
name: string | null, 
/**
 * Contact tags.
 */
tags: Array<string>, 
/**
 * Free-form fields.
 */
custom_fields: Record<string, unknown>, 
/**
 * Whether they accept marketing.
 */
opted_in: boolean, 
/**
 * Added.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, 
/**
 * Their conversations the caller may see (one contact's page only).
 */
conversations?: Array<ContactConversation>, };

export type Note = { 
/**
 * Id.
 */
id: string, 
/**
 * Its conversation.
 */
conversation_id: string, 
/**
 * Who wrote it.
 */
author_id: string | null, 
/**
 * What it says.
 */
body: string, 
/**
 * When.
 */
created_at: string, };

export type UserView = { 
/**
 * Id.
 */
id: string, 
/**
 * Tenant.
 */
tenant_id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Login email.
 */
email: string, 
/**
 * Role.
 */
role: Role, 
/**
 * online / away / busy / offline.
 */
presence: string, 
/**
 * Their interface language (`en`, `hi`, `ta`, `bn`); none: the device's choice.
 */
language: string | null, 
/**
 * When created.
 */
created_at: string, 
/**
 * Their invitation by email while it is not accepted: when it was
 * sent and until when its link works.
 */
invitation: { sent_at: string; expires_at: string } | null, };

export type ChannelView = { 
/**
 * Id.
 */
id: string, 
/**
 * Meta's id of the number.
 */
phone_number_id: string, 
/**
 * The number as displayed.
 */
display_phone_number: string, 
/**
 * Its WhatsApp Business Account.
 */
waba_id: string, 
/**
 * What the business calls it.
 */
name: string, 
/**
 * The tenant's own Meta app, if it has one.
 */
app_id: string | null, 
/**
 * Its send rate.
 */
messages_per_second: number, 
/**
 * Meta's quality rating (GREEN, YELLOW, RED, UNKNOWN) when last read.
 */
quality_rating: string | null, 
/**
 * Its messaging tier (TIER_250 … TIER_UNLIMITED) as last reported.
 */
messaging_tier: string | null, 
/**
 * The latest quality event Meta reported (FLAGGED, UNFLAGGED, UPGRADE,
 * DOWNGRADE, ONBOARDING, THROUGHPUT_UPGRADE).
 */
quality_event: string | null, 
/**
 * When its quality or tier was last learnt.
 */
quality_updated_at: string | null, 
/**
 * When connected.
 */
created_at: string, 
/**
 * When last changed.
 */
updated_at: string, };

export type Template = { 
/**
 * Id.
 */
id: TemplateId, 
/**
 * The WhatsApp Business Account it belongs to.
 */
waba_id: string, 
/**
 * Meta's id once submitted.
 */
meta_template_id: string | null, 
/**
 * Its name (lowercase, underscores).
 */
name: string, 
/**
 * Its language code.
 */
language: string, 
/**
 * MARKETING, UTILITY or AUTHENTICATION.
 */
category: string | null, 
/**
 * DRAFT, PENDING, APPROVED, REJECTED, PAUSED, DISABLED…
 */
status: string, 
/**
 * Why Meta rejected it.
 */
rejected_reason: string | null, 
/**
 * Header, body, footer, buttons in Meta's shape.
 */
components: JsonValue, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type FlowNode = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its type (one of [`NODE_TYPES`]).
 */
type: string, 
/**
 * Where it is drawn.
 */
position: { x: number; y: number }, 
/**
 * Its settings, as stored; [`validate`] parses them into a [`NodeSpec`].
 */
data: Record<string, unknown>, };

export type FlowEdge = { 
/**
 * Its id.
 */
id: string, 
/**
 * From node.
 */
source: string, 
/**
 * To node.
 */
target: string, 
/**
 * Which branch of the source (button id, `ok`, `else`, …).
 */
source_handle: string | null, };

export type FlowData = { 
/**
 * Nodes.
 */
nodes: Array<FlowNode>, 
/**
 * Edges.
 */
edges: Array<FlowEdge>, };

export type FlowView = { 
/**
 * Id.
 */
id: FlowId, 
/**
 * Name.
 */
name: string, 
/**
 * What starts it: keyword, welcome, button, referral, manual, campaign_reply.
 */
trigger_type: TriggerType, 
/**
 * The keyword, /regex/ or button payload.
 */
trigger_value: string | null, 
/**
 * exact, contains or regex.
 */
trigger_match: TriggerMatch, 
/**
 * Higher wins when several match.
 */
priority: number, 
/**
 * draft, active or inactive.
 */
status: "draft" | "active" | "inactive", 
/**
 * Its graph's version.
 */
version: number, 
/**
 * The graph, in React Flow's JSON.
 */
flow_data: FlowData, 
/**
 * An agent's reply pauses the bot.
 */
pause_on_agent_reply: boolean, 
/**
 * Bot messages whose outcome stays unknown are sent again.
 */
resend_unconfirmed: boolean, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type RunView = { 
/**
 * Id.
 */
id: RunId, 
/**
 * Its conversation.
 */
conversation_id: string, 
/**
 * The flow version it runs.
 */
version: number, 
/**
 * running, waiting, paused, completed, failed, stopped.
 */
status: RunStatus, 
/**
 * The node it is at.
 */
cursor: string | null, 
/**
 * Its variables.
 */
vars: JsonValue, 
/**
 * The nodes it went through.
 */
path: JsonValue, 
/**
 * Why it failed.
 */
error: string | null, 
/**
 * Started.
 */
started_at: string, 
/**
 * Ended.
 */
ended_at: string | null, };

export type KeyView = { 
/**
 * Id.
 */
id: ApiKeyId, 
/**
 * What it is for.
 */
name: string, 
/**
 * Its first characters, to recognise it.
 */
prefix: string, 
/**
 * What it may do.
 */
scopes: Array<string>, 
/**
 * When created.
 */
created_at: string, 
/**
 * When last used.
 */
last_used_at: string | null, 
/**
 * When revoked.
 */
revoked_at: string | null, };

export type TeamView = { 
/**
 * Id.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * `manual`, `round_robin` or `least_busy`.
 */
assignment: string, 
/**
 * Most open conversations a member is given automatically (none: no cap).
 */
max_open_per_agent: number | null, 
/**
 * Its people.
 */
members: Array<TeamMember>, 
/**
 * When created.
 */
created_at: string, 
/**
 * When last changed.
 */
updated_at: string, };

export type RuleView = { 
/**
 * Id.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * The event it listens to.
 */
event: string, 
/**
 * For no_agent_reply: minutes without an answer.
 */
minutes: number | null, 
/**
 * `{"all": [...], "any": [...]}`.
 */
conditions: { all?: { field: string; op: string; value?: unknown }[]; any?: { field: string; op: string; value?: unknown }[] }, 
/**
 * The actions, in order.
 */
actions: Array<Record<string, unknown> & { type: string }>, 
/**
 * Whether it runs.
 */
enabled: boolean, 
/**
 * Its place among the account's rules (lower first).
 */
position: number, 
/**
 * Who made it (its notes are theirs).
 */
created_by: string | null, 
/**
 * When created.
 */
created_at: string, 
/**
 * When last changed.
 */
updated_at: string, };

export type RunLog = { 
/**
 * Id.
 */
id: string, 
/**
 * The event type that met it.
 */
event_type: string, 
/**
 * The conversation.
 */
conversation_id: string | null, 
/**
 * Whether the conditions held.
 */
matched: boolean, 
/**
 * `[{"type", "ok", "detail"}]`.
 */
actions: { type: string; ok: boolean; detail?: string }[], 
/**
 * Why it was skipped, or what failed.
 */
note: string | null, 
/**
 * When.
 */
at: string, };

export type HoursView = { 
/**
 * The team it is for (none: the account's).
 */
team_id: string | null, 
/**
 * IANA time zone.
 */
time_zone: string, 
/**
 * `{"mon": [["09:00", "18:00"]], ...}`.
 */
weekly: Partial<Record<"mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun", [string, string][]>>, 
/**
 * `[{"date": "YYYY-MM-DD", "name"?}]`.
 */
holidays: { date: string; name?: string }[], 
/**
 * Whether the away message is sent outside hours.
 */
away_enabled: boolean, 
/**
 * The away message.
 */
away_message: string | null, 
/**
 * At most one away message per conversation in this many hours.
 */
away_every_hours: number, };

export type CsatSettings = { 
/**
 * Whether resolving sends the survey.
 */
csat_enabled: boolean, 
/**
 * Its question.
 */
csat_question: string, 
/**
 * What is said after a rating (inviting a comment).
 */
csat_thanks: string, };

export type SlaPolicy = { 
/**
 * The team (none: the account's default).
 */
team_id: string | null, 
/**
 * Minutes to the first answer.
 */
first_response_minutes: number | null, 
/**
 * Minutes to resolution.
 */
resolution_minutes: number | null, };

export type PerformanceRow = { 
/**
 * The agent or team (none: no team / nobody).
 */
id: string | null, 
/**
 * Its name.
 */
name: string | null, 
/**
 * Conversations resolved.
 */
resolved: number, 
/**
 * Agent answers to waiting customers.
 */
replies: number, 
/**
 * First response time, median seconds.
 */
first_response_p50: number | null, 
/**
 * First response time, 90th percentile seconds.
 */
first_response_p90: number | null, 
/**
 * Resolution time, median seconds.
 */
resolution_p50: number | null, 
/**
 * Resolution time, 90th percentile seconds.
 */
resolution_p90: number | null, 
/**
 * Ratings received.
 */
csat_count: number, 
/**
 * Their average (1–5).
 */
csat_average: number | null, };

export type TeamMember = { 
/**
 * The person.
 */
user_id: string, 
/**
 * Name.
 */
name: string, 
/**
 * Email.
 */
email: string, 
/**
 * online / away / busy / offline (as they set it).
 */
presence: string, 
/**
 * Open or pending conversations assigned to them (any team).
 */
open_conversations: number, };

export type CannedReply = { 
/**
 * Id.
 */
id: string, 
/**
 * What follows the `/` (lower case).
 */
shortcut: string, 
/**
 * The text, with `{{contact.name}}`-style variables.
 */
text: string, 
/**
 * `shared` or `personal`.
 */
scope: string, 
/**
 * Its owner (personal ones).
 */
owner_id: string | null, 
/**
 * `{"type", "link", "filename"?}` sent with it.
 */
attachment: { type: "image" | "document" | "video" | "audio"; link: string; filename?: string } | null, 
/**
 * When created.
 */
created_at: string, 
/**
 * When last changed.
 */
updated_at: string, };

export type ActivityEntry = { 
/**
 * Stable within the conversation (`a…` recorded, `r…` from a flow run).
 */
id: string, 
/**
 * assigned, unassigned, team_changed, resolved, reopened, pending,
 * open, handoff, bot_paused, bot_resumed, bot_started, bot_completed,
 * bot_failed, bot_stopped.
 */
kind: string, 
/**
 * For people: the assignee's or team's name, the flow's name, the
 * bot's hand-off note.
 */
detail: string | null, 
/**
 * The person who did it (None: the system, a rule, the bot, the customer).
 */
actor_id: string | null, 
/**
 * Their name.
 */
actor_name: string | null, 
/**
 * When.
 */
created_at: string, };

export type BotRun = { 
/**
 * The run.
 */
id: string, 
/**
 * Its flow.
 */
flow_id: string, 
/**
 * The flow's name.
 */
flow_name: string, 
/**
 * running, waiting (for the customer or a timer) or paused.
 */
status: string, 
/**
 * The node it is at.
 */
node_id: string | null, 
/**
 * That node's label in the builder (else its kind).
 */
node_label: string | null, 
/**
 * Steps taken.
 */
step: number, 
/**
 * When it started.
 */
started_at: string, 
/**
 * When it last moved.
 */
updated_at: string, };

export type AssignmentSettings = { 
/**
 * When the bot hands a conversation over, give it to an online agent
 * (of its team, by the team's rule; else the least busy).
 */
assign_on_handoff: boolean, 
/**
 * When an agent answers a conversation nobody holds, it becomes theirs.
 */
assign_on_first_reply: boolean, };

export type EndpointView = { 
/**
 * Id.
 */
id: string, 
/**
 * Where deliveries are posted.
 */
url: string, 
/**
 * What it is for.
 */
description: string, 
/**
 * The event types it receives.
 */
events: Array<string>, 
/**
 * Whether deliveries are made.
 */
enabled: boolean, 
/**
 * Why it was switched off, when it was.
 */
disabled_reason: string | null, 
/**
 * Since when every attempt failed (none: the last one succeeded).
 */
failing_since: string | null, 
/**
 * Deliveries waiting.
 */
pending: number, 
/**
 * When it was last attempted.
 */
last_attempt_at: string | null, 
/**
 * The HTTP status of the last attempt (none: no answer).
 */
last_status_code: number | null, 
/**
 * When created.
 */
created_at: string, 
/**
 * When last changed.
 */
updated_at: string, };

export type AttemptView = { 
/**
 * Id.
 */
id: string, 
/**
 * The delivery it was for.
 */
delivery_id: string, 
/**
 * The event (what receivers deduplicate on).
 */
event_id: string, 
/**
 * The event type.
 */
event_type: string, 
/**
 * 1 for the first attempt of the delivery.
 */
attempt: number, 
/**
 * When it was made.
 */
at: string, 
/**
 * The receiver's HTTP status (none: no answer).
 */
status_code: number | null, 
/**
 * How long it took.
 */
latency_ms: number, 
/**
 * Why it failed, when it did without an answer (refused, timed out).
 */
error: string | null, 
/**
 * The start of the receiver's answer.
 */
response_excerpt: string | null, };

export type DeliveryView = { 
/**
 * Id.
 */
id: string, 
/**
 * The event.
 */
event_id: string, 
/**
 * The event type.
 */
event_type: string, 
/**
 * `pending`, `delivered` or `failed` (given up).
 */
status: string, 
/**
 * Attempts made.
 */
attempts: number, 
/**
 * When the next attempt is due (pending only).
 */
next_attempt_at: string, 
/**
 * The last answer's HTTP status.
 */
last_status: number | null, 
/**
 * The last failure without an answer.
 */
last_error: string | null, 
/**
 * The body as sent.
 */
payload: unknown, 
/**
 * When the event happened.
 */
created_at: string, 
/**
 * When it was delivered or given up.
 */
finished_at: string | null, };

export type DeadLetter = { 
/**
 * Id.
 */
id: number, 
/**
 * The number the events arrived on (None once disconnected).
 */
channel_id: string | null, 
/**
 * Their contact.
 */
contact_id: string | null, 
/**
 * Their conversation.
 */
conversation_id: string | null, 
/**
 * How many events.
 */
events: number, 
/**
 * Why they could not be stored.
 */
error: string, 
/**
 * Parked.
 */
created_at: string, 
/**
 * Fed back.
 */
retried_at: string | null, };

export type Totals = { 
/**
 * Conversations opened.
 */
conversations_new: number, 
/**
 * Messages from customers.
 */
messages_inbound: number, 
/**
 * Messages to customers.
 */
messages_outbound: number, 
/**
 * Open conversations now.
 */
open_conversations: number, 
/**
 * Open conversations nobody has taken.
 */
unassigned_open: number, };

export type Day = { 
/**
 * The day (UTC).
 */
day: string, 
/**
 * Conversations opened.
 */
conversations_new: number, 
/**
 * Messages from customers.
 */
messages_inbound: number, 
/**
 * Messages to customers.
 */
messages_outbound: number, };

export type ResponseTime = { 
/**
 * Median seconds to the first agent reply.
 */
first_response_median_seconds: number | null, 
/**
 * 90th percentile.
 */
first_response_p90_seconds: number | null, 
/**
 * Turns measured.
 */
samples: number, };

export type AgentActivity = { 
/**
 * The agent.
 */
user_id: string, 
/**
 * Their name.
 */
name: string, 
/**
 * online, away or offline.
 */
presence: string, 
/**
 * Messages they sent in the range.
 */
messages_sent: number, 
/**
 * Open or pending conversations on them now.
 */
conversations_assigned: number, };

export type FlowRuns = { 
/**
 * Started.
 */
runs_started: number, 
/**
 * Completed.
 */
runs_completed: number, };

export type CampaignId = string;

export type RecipientId = string;

export type ChannelId = string;

export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "cancelled";

export type TemplateRef = { 
/**
 * Its name.
 */
name: string, 
/**
 * Its language code.
 */
language: string, };

export type CampaignView = { 
/**
 * Id.
 */
id: CampaignId, 
/**
 * `broadcast`, or `drip` for a sequence (whose own view is `DripView`).
 */
type: string, 
/**
 * What the business calls it.
 */
name: string, 
/**
 * The number it sends from.
 */
channel_id: ChannelId, 
/**
 * The approved template it sends.
 */
template: TemplateRef, 
/**
 * Where each template parameter comes from, per component.
 */
variables: Record<string, Array<Record<string, string>>>, 
/**
 * Who it goes to.
 */
audience: Record<string, unknown>, 
/**
 * Messages per second it sends at (at most the number's rate).
 */
rate_mps: number, 
/**
 * Where it stands.
 */
status: CampaignStatus, 
/**
 * Why it paused itself, when it did.
 */
paused_reason: string | null, 
/**
 * Why it is waiting while running (the messaging limit is reached).
 */
waiting_reason: string | null, 
/**
 * When it is to start.
 */
scheduled_at: string | null, 
/**
 * When it started.
 */
started_at: string | null, 
/**
 * When its last recipient was handed over.
 */
completed_at: string | null, 
/**
 * Who wrote it.
 */
created_by: UserId | null, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, 
/**
 * The business's time zone (IANA): the zone of recipients whose own is unknown.
 */
timezone: string, 
/**
 * Hours of each recipient's own day in which nobody is sent to.
 */
quiet_hours: { start: string, end: string } | null, 
/**
 * A send at this date and wall-clock time in each recipient's zone.
 */
local_send: { date: string, time: string } | null, 
/**
 * A split test's second template, its sources and its share.
 */
variant_b: { template: TemplateRef, variables: Record<string, Array<Record<string, string>>>, split_percent: number } | null, };

export type Funnel = { 
/**
 * At least sent.
 */
sent: number, 
/**
 * At least delivered.
 */
delivered: number, 
/**
 * Read.
 */
read: number, 
/**
 * Replied.
 */
replied: number, };

export type Cost = { 
/**
 * ISO 4217 code.
 */
currency: string, 
/**
 * In minor units, rounded half up.
 */
amount_minor: number, 
/**
 * In ten-thousandths of the unit, exact.
 */
amount_e4: number, };

export type Variant = "a" | "b";

export type VariantStats = { 
/**
 * Which.
 */
variant: Variant, 
/**
 * Its template.
 */
template: TemplateRef, 
/**
 * Recipients who got (or get) it.
 */
audience: number, 
/**
 * At least sent.
 */
sent: number, 
/**
 * At least delivered.
 */
delivered: number, 
/**
 * Read.
 */
read: number, 
/**
 * Wrote back within 72 hours.
 */
replied: number, 
/**
 * Tapped a button.
 */
clicked: number, 
/**
 * Failed.
 */
failed: number, };

export type CampaignStats = { 
/**
 * Everyone in the audience.
 */
audience: number, 
/**
 * Not sent to, with a reason.
 */
skipped: number, 
/**
 * Not yet handed over.
 */
pending: number, 
/**
 * Handed over, Meta's answer not yet known.
 */
sending: number, 
/**
 * Accepted by Meta (it holds a wamid), no status yet.
 */
accepted: number, 
/**
 * Sent to the customer's phone.
 */
sent: number, 
/**
 * Delivered, not read.
 */
delivered: number, 
/**
 * Read.
 */
read: number, 
/**
 * Failed (by Meta's error code in `by_error`).
 */
failed: number, 
/**
 * Handed to Meta, but its answer was lost and no status came within
 * the grace: never resent blindly.
 */
unconfirmed: number, 
/**
 * Cancelled before their turn.
 */
cancelled: number, 
/**
 * Of `pending`: those waiting out Meta's per-user marketing limit
 * (131049) to be sent once more, 24 hours after it.
 */
retrying: number, 
/**
 * Of `pending`: those whose own local send time or the end of their
 * quiet hours has not come yet.
 */
waiting_local_time: number, 
/**
 * Recipients who wrote back within 72 hours of their message.
 */
replied: number, 
/**
 * Recipients who tapped a button of the template.
 */
clicked: number, 
/**
 * Of them, per button text (each recipient's first tap).
 */
by_button: { [key in string]?: number }, 
/**
 * Cumulative funnel: reached at least sent / delivered / read.
 */
funnel: Funnel, 
/**
 * Failed recipients per Meta error code.
 */
by_error: { [key in string]?: number }, 
/**
 * Skipped recipients per reason.
 */
by_skip_reason: { [key in string]?: number }, 
/**
 * What the delivered messages cost under the tenant's rate card.
 */
cost: Cost, 
/**
 * A split test's counts per variant (empty without one).
 */
variants: Array<VariantStats>, };

export type SkipReason = "invalid_phone" | "duplicate" | "opted_out" | "us_marketing" | "missing_variable" | "contact_gone";

export type RecipientError = { 
/**
 * Meta's code.
 */
code: number, 
/**
 * Meta's title.
 */
title: string, };

export type RecipientView = { 
/**
 * The row.
 */
id: RecipientId, 
/**
 * Their contact.
 */
contact_id: ContactId | null, 
/**
 * Their number.
 */
phone: string | null, 
/**
 * pending, sending, accepted, sent, delivered, read, failed, unconfirmed, skipped or cancelled.
 */
status: string, 
/**
 * Why skipped.
 */
skip_reason: string | null, 
/**
 * Meta's id of their message.
 */
wamid: string | null, 
/**
 * Meta's error, when it failed.
 */
error: RecipientError | null, 
/**
 * Their message.
 */
message_id: MessageId | null, 
/**
 * When Meta sent it.
 */
sent_at: string | null, 
/**
 * When it was delivered.
 */
delivered_at: string | null, 
/**
 * When it was read.
 */
read_at: string | null, 
/**
 * When they first wrote back (within 72 hours).
 */
replied_at: string | null, 
/**
 * Its cost in ten-thousandths of the rate card's currency.
 */
cost_e4: number, 
/**
 * 1, or 2 once Meta's per-user marketing limit (131049) made it wait.
 */
attempt: number, 
/**
 * When a recipient waiting out that limit is sent again.
 */
retry_at: string | null, 
/**
 * The template button they tapped first, if any.
 */
clicked: string | null, 
/**
 * Their time zone (IANA), resolved at launch.
 */
timezone: string | null, 
/**
 * For a local-time send: when their turn comes.
 */
send_after: string | null, 
/**
 * Which template they got.
 */
variant: Variant, };

export type PreviewSkip = { 
/**
 * Their contact.
 */
contact_id: ContactId | null, 
/**
 * Their number.
 */
phone: string | null, 
/**
 * Why skipped.
 */
reason: SkipReason, 
/**
 * Its line in an uploaded CSV audience.
 */
line?: number, };

export type PreviewSample = { 
/**
 * Their contact.
 */
contact_id: ContactId | null, 
/**
 * Their number.
 */
phone: string | null, 
/**
 * The rendered text.
 */
text: string, 
/**
 * Which template it is.
 */
variant: Variant, };

export type CampaignPreview = { 
/**
 * Everyone the audience names.
 */
audience: number, 
/**
 * Those a message goes to.
 */
sendable: number, 
/**
 * Skipped recipients per reason.
 */
skipped: { [key in string]?: number }, 
/**
 * The first skipped recipients (at most 50), with their reason.
 */
skipped_rows: Array<PreviewSkip>, 
/**
 * Up to three recipients' messages as they will read them.
 */
samples: Array<PreviewSample>, 
/**
 * The audience's cost at the rate card's rate for the template's category.
 */
estimated_cost: Cost, 
/**
 * Seconds it takes at the campaign's rate.
 */
estimated_seconds: number, 
/**
 * When it would be done if started now.
 */
estimated_finish_at: string, };

export type RejectedLine = { 
/**
 * Its line in the file.
 */
line: number, 
/**
 * The phone as written.
 */
phone: string, 
/**
 * `invalid_phone` or `duplicate`.
 */
reason: string, 
/**
 * What is wrong and how to fix it.
 */
message: string, };

export type CsvAudienceReport = { 
/**
 * Lines accepted as recipients.
 */
accepted: number, 
/**
 * Lines rejected (all counted).
 */
rejected_count: number, 
/**
 * The first rejected lines, with why.
 */
rejected: Array<RejectedLine>, 
/**
 * The variable columns the template can use.
 */
columns: Array<string>, };

export type DelayFrom = "previous" | "enrolment";

export type SendWindow = { 
/**
 * ISO weekdays (Monday 1 … Sunday 7).
 */
days: Array<number>, 
/**
 * Opens at (`HH:MM`).
 */
start: string, 
/**
 * Closes at (`HH:MM`, after `start`).
 */
end: string, };

export type StepCondition = { 
/**
 * The tag.
 */
tag: string, } | { 
/**
 * The field's key.
 */
field: string, 
/**
 * The value.
 */
equals: string, };

export type StepSpec = { 
/**
 * What the business calls it ("Welcome").
 */
name: string, 
/**
 * Seconds to wait.
 */
delay_seconds: number, 
/**
 * From the previous step or from the enrolment.
 */
delay_from: DelayFrom, 
/**
 * When it may go out, in the contact's zone (None: any time).
 */
send_window: SendWindow | null, 
/**
 * The approved template it sends (always usable; paid).
 */
template: TemplateRef | null, 
/**
 * The template's parameter sources, as broadcasts name them.
 */
variables: Record<string, Array<Record<string, string>>>, 
/**
 * A free-form message (`{"type": "text", "text": {"body"}}`) sent
 * instead when the contact's 24-hour window is open.
 */
session_message: Record<string, unknown> | null, 
/**
 * Skip the step unless this holds.
 */
condition: StepCondition | null, };

export type Reentry = { "policy": "never" } | { "policy": "after_days", 
/**
 * Days.
 */
days: number, };

export type FieldEquals = { 
/**
 * The field's key.
 */
field: string, 
/**
 * The value, compared as text.
 */
equals: string, };

export type DripSettings = { 
/**
 * A message from the contact ends their sequence.
 */
exit_on_reply: boolean, 
/**
 * One of these tags on the contact ends it.
 */
exit_on_tags: Array<string>, 
/**
 * This field value ends it.
 */
exit_when: FieldEquals | null, 
/**
 * Adding this tag to a contact enrols them.
 */
enroll_on_tag: string | null, 
/**
 * Members of this segment are enrolled (those who are when it starts,
 * and those who join it later), swept every few seconds.
 */
enroll_segment_id: string | null, 
/**
 * Whether they may go through it again.
 */
reentry: Reentry, };

export type DripStep = { 
/**
 * This version's row (a contact waiting at it keeps it).
 */
id: string, 
/**
 * Its place, from 0.
 */
position: number, 
/**
 * Its version.
 */
version: number, 
/**
 * What the business calls it ("Welcome").
 */
name: string, 
/**
 * Seconds to wait.
 */
delay_seconds: number, 
/**
 * From the previous step or from the enrolment.
 */
delay_from: DelayFrom, 
/**
 * When it may go out, in the contact's zone (None: any time).
 */
send_window: SendWindow | null, 
/**
 * The approved template it sends (always usable; paid).
 */
template: TemplateRef | null, 
/**
 * The template's parameter sources, as broadcasts name them.
 */
variables: Record<string, Array<Record<string, string>>>, 
/**
 * A free-form message (`{"type": "text", "text": {"body"}}`) sent
 * instead when the contact's 24-hour window is open.
 */
session_message: Record<string, unknown> | null, 
/**
 * Skip the step unless this holds.
 */
condition: StepCondition | null, };

export type DripView = { 
/**
 * Id (a campaign's).
 */
id: CampaignId, 
/**
 * Always `drip`.
 */
type: "drip", 
/**
 * What the business calls it.
 */
name: string, 
/**
 * The number it sends from.
 */
channel_id: ChannelId, 
/**
 * draft, running, paused or cancelled.
 */
status: CampaignStatus, 
/**
 * Why it paused itself, when it did.
 */
paused_reason: string | null, 
/**
 * The zone of contacts whose own is unknown (IANA).
 */
timezone: string, 
/**
 * The steps' current version.
 */
version: number, 
/**
 * The current version's steps, in order.
 */
steps: Array<DripStep>, 
/**
 * Who wrote it.
 */
created_by: UserId | null, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, 
/**
 * When it first started.
 */
started_at: string | null, 
/**
 * A message from the contact ends their sequence.
 */
exit_on_reply: boolean, 
/**
 * One of these tags on the contact ends it.
 */
exit_on_tags: Array<string>, 
/**
 * This field value ends it.
 */
exit_when: FieldEquals | null, 
/**
 * Adding this tag to a contact enrols them.
 */
enroll_on_tag: string | null, 
/**
 * Members of this segment are enrolled (those who are when it starts,
 * and those who join it later), swept every few seconds.
 */
enroll_segment_id: string | null, 
/**
 * Whether they may go through it again.
 */
reentry: Reentry, };

export type StepStats = { 
/**
 * Its place, from 0.
 */
position: number, 
/**
 * Its (current) name.
 */
name: string, 
/**
 * Contacts waiting for it now.
 */
waiting: number, 
/**
 * Handed over, Meta's answer pending.
 */
sending: number, 
/**
 * At least sent.
 */
sent: number, 
/**
 * At least delivered.
 */
delivered: number, 
/**
 * Read.
 */
read: number, 
/**
 * Wrote back within 72 hours of it.
 */
replied: number, 
/**
 * Failed.
 */
failed: number, 
/**
 * Skipped (its condition did not hold, the window was closed with no template, …).
 */
skipped: number, 
/**
 * Contacts who left while waiting for it.
 */
exited: number, 
/**
 * Of them, per reason.
 */
exited_by_reason: { [key in string]?: number }, 
/**
 * What it cost, in ten-thousandths.
 */
cost_e4: number, };

export type DripStats = { 
/**
 * Every enrolment.
 */
enrolled: number, 
/**
 * Waiting for a step.
 */
active: number, 
/**
 * Went through every step.
 */
completed: number, 
/**
 * Left early.
 */
exited: number, 
/**
 * Of them, per reason.
 */
exited_by_reason: { [key in string]?: number }, 
/**
 * Per step.
 */
steps: Array<StepStats>, 
/**
 * What the delivered messages cost.
 */
cost: Cost, };

export type DripDetail = { 
/**
 * Its counts.
 */
stats: DripStats, 
/**
 * Id (a campaign's).
 */
id: CampaignId, 
/**
 * Always `drip`.
 */
type: "drip", 
/**
 * What the business calls it.
 */
name: string, 
/**
 * The number it sends from.
 */
channel_id: ChannelId, 
/**
 * draft, running, paused or cancelled.
 */
status: CampaignStatus, 
/**
 * Why it paused itself, when it did.
 */
paused_reason: string | null, 
/**
 * The zone of contacts whose own is unknown (IANA).
 */
timezone: string, 
/**
 * The steps' current version.
 */
version: number, 
/**
 * The current version's steps, in order.
 */
steps: Array<DripStep>, 
/**
 * Who wrote it.
 */
created_by: UserId | null, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, 
/**
 * When it first started.
 */
started_at: string | null, 
/**
 * A message from the contact ends their sequence.
 */
exit_on_reply: boolean, 
/**
 * One of these tags on the contact ends it.
 */
exit_on_tags: Array<string>, 
/**
 * This field value ends it.
 */
exit_when: FieldEquals | null, 
/**
 * Adding this tag to a contact enrols them.
 */
enroll_on_tag: string | null, 
/**
 * Members of this segment are enrolled (those who are when it starts,
 * and those who join it later), swept every few seconds.
 */
enroll_segment_id: string | null, 
/**
 * Whether they may go through it again.
 */
reentry: Reentry, };

export type Enrollment = { 
/**
 * Id.
 */
id: string, 
/**
 * The sequence.
 */
campaign_id: CampaignId, 
/**
 * The contact.
 */
contact_id: ContactId, 
/**
 * Their name.
 */
contact_name: string | null, 
/**
 * Their number.
 */
phone: string | null, 
/**
 * active, completed or exited.
 */
state: string, 
/**
 * The step (from 1) they wait for; once ended, the last they reached.
 */
step: number, 
/**
 * That step's name.
 */
step_name: string | null, 
/**
 * When it is due (active only).
 */
due_at: string | null, 
/**
 * When they were enrolled.
 */
enrolled_at: string, 
/**
 * When it ended.
 */
ended_at: string | null, 
/**
 * Why they left early.
 */
exit_reason: string | null, 
/**
 * How they came in: api, bulk, tag, flow, automation.
 */
source: string, };

export type PathStep = { 
/**
 * The step's place, from 0.
 */
position: number, 
/**
 * Its name (in the version the contact got).
 */
step_name: string | null, 
/**
 * sending, accepted, sent, delivered, read, failed or skipped.
 */
status: string, 
/**
 * Why skipped.
 */
skip_reason: string | null, 
/**
 * Whether the template or the session message went.
 */
sent_as: string | null, 
/**
 * The message.
 */
message_id: MessageId | null, 
/**
 * When it was handed over (or skipped).
 */
at: string | null, 
/**
 * When it was due.
 */
due_at: string | null, 
/**
 * Meta's error, when it failed.
 */
error: RecipientError | null, };

export type EnrollmentPath = { 
/**
 * Each step it went through, in order.
 */
path: Array<PathStep>, 
/**
 * Id.
 */
id: string, 
/**
 * The sequence.
 */
campaign_id: CampaignId, 
/**
 * The contact.
 */
contact_id: ContactId, 
/**
 * Their name.
 */
contact_name: string | null, 
/**
 * Their number.
 */
phone: string | null, 
/**
 * active, completed or exited.
 */
state: string, 
/**
 * The step (from 1) they wait for; once ended, the last they reached.
 */
step: number, 
/**
 * That step's name.
 */
step_name: string | null, 
/**
 * When it is due (active only).
 */
due_at: string | null, 
/**
 * When they were enrolled.
 */
enrolled_at: string, 
/**
 * When it ended.
 */
ended_at: string | null, 
/**
 * Why they left early.
 */
exit_reason: string | null, 
/**
 * How they came in: api, bulk, tag, flow, automation.
 */
source: string, };

export type ScheduledMessage = { 
/**
 * Id.
 */
id: string, 
/**
 * Its conversation.
 */
conversation_id: ConversationId, 
/**
 * When it goes.
 */
send_at: string, 
/**
 * scheduled, sending, sent, cancelled or failed.
 */
status: string, 
/**
 * The Cloud API type (text, template, …).
 */
type: string, 
/**
 * The type's object (`{"body": "…"}` for text).
 */
content: Record<string, unknown>, 
/**
 * The template sent instead when the customer's window is closed at send time.
 */
fallback: Record<string, unknown> | null, 
/**
 * When the customer's window closes as it stands now (None: closed, or no message from them yet).
 */
window_closes_at: string | null, 
/**
 * Whether the message itself (session) or its fallback (template) went.
 */
sent_as: string | null, 
/**
 * The stored message once it went.
 */
message_id: MessageId | null, 
/**
 * Why it failed.
 */
error: string | null, 
/**
 * Who scheduled it (a person).
 */
created_by: UserId | null, 
/**
 * Their name.
 */
created_by_name: string | null, 
/**
 * When it was scheduled.
 */
created_at: string, };

export type RevenueModel = "markup" | "revenue_share" | "hybrid";

export type PartnerStatus = "pending" | "approved" | "suspended";

export type BrandColors = { 
/**
 * Buttons, links, the sidebar's accent.
 */
primary: string, 
/**
 * Headers and hovers.
 */
accent: string, };

export type Branding = { 
/**
 * The product's name.
 */
product_name: string, 
/**
 * A same-origin URL of the logo, when there is one.
 */
logo_url: string | null, 
/**
 * A same-origin URL of the favicon, when there is one.
 */
favicon_url: string | null, 
/**
 * Its colours.
 */
colors: BrandColors, 
/**
 * Where to write for help.
 */
support_email: string | null, 
/**
 * Help pages.
 */
support_url: string | null, 
/**
 * Terms of service.
 */
terms_url: string | null, 
/**
 * Privacy policy.
 */
privacy_url: string | null, 
/**
 * The partner whose brand it is (none: the platform's).
 */
partner_id: string | null, };

export type PartnerView = { 
/**
 * Id.
 */
id: string, 
/**
 * Its business name.
 */
name: string, 
/**
 * Its address under the platform's base domain.
 */
slug: string, 
/**
 * Pending, approved or suspended.
 */
status: PartnerStatus, 
/**
 * How it earns.
 */
model: RevenueModel, 
/**
 * Its share (hybrid: of what the fee leaves), in basis points.
 */
revenue_share_bps: number, 
/**
 * Hybrid: the platform's fee per payment, in paise.
 */
platform_fee_minor: number, 
/**
 * `<slug>.<base domain>`, when a base domain is configured.
 */
host: string | null, 
/**
 * Client tenants.
 */
clients: number, 
/**
 * Earnings to date, net of refunds, in paise.
 */
balance_minor: number, 
/**
 * Its first admin (operators' list).
 */
admin_email: string | null, 
/**
 * Where it is paid (UPI).
 */
payout_vpa: string | null, 
/**
 * When it joined.
 */
created_at: string, };

export type ClientUsage = { 
/**
 * Messages since the month began.
 */
messages_this_month: number, 
/**
 * Contacts.
 */
contacts: number, };

export type ClientBilling = { 
/**
 * Captured payments, in paise.
 */
paid_minor: number, 
/**
 * Refunded, in paise.
 */
refunded_minor: number, 
/**
 * The last captured payment.
 */
last_paid_at: string | null, };

export type ClientView = { 
/**
 * The tenant.
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Its account state.
 */
status: string, 
/**
 * Its plan.
 */
plan_code: string, 
/**
 * The plan's name.
 */
plan_name: string | null, 
/**
 * When it was created.
 */
created_at: string, 
/**
 * Its first admin.
 */
admin_email: string | null, 
/**
 * Its size this month.
 */
usage: ClientUsage, 
/**
 * What it paid.
 */
billing: ClientBilling, };

export type PartnerPrice = { 
/**
 * The plan.
 */
plan_code: string, 
/**
 * Its name.
 */
plan_name: string, 
/**
 * The platform's monthly price (paise; null: custom).
 */
wholesale_monthly_minor: number | null, 
/**
 * The platform's annual price.
 */
wholesale_annual_minor: number | null, 
/**
 * The partner's monthly price (null: the platform's).
 */
retail_monthly_minor: number | null, 
/**
 * The partner's annual price.
 */
retail_annual_minor: number | null, };

export type DomainView = { 
/**
 * The domain.
 */
domain: string, 
/**
 * The TXT record's name to create.
 */
txt_name: string, 
/**
 * The value it must hold.
 */
txt_value: string, 
/**
 * When it was proven.
 */
verified_at: string | null, 
/**
 * When it was added.
 */
created_at: string, };

export type LedgerEntry = { 
/**
 * Id.
 */
id: number, 
/**
 * When the money moved (payment captured, refund processed).
 */
at: string, 
/**
 * `share` or `reversal`.
 */
kind: string, 
/**
 * The client.
 */
client_id: string, 
/**
 * Its name.
 */
client_name: string, 
/**
 * Razorpay's payment.
 */
payment_id: string, 
/**
 * Razorpay's refund (reversals).
 */
refund_id: string | null, 
/**
 * The amount (negative for a reversal), in paise.
 */
gross_minor: number, 
/**
 * The partner's part.
 */
partner_minor: number, 
/**
 * The platform's part.
 */
platform_minor: number, };

export type LedgerTotals = { 
/**
 * Gross.
 */
gross_minor: number, 
/**
 * The partner's.
 */
partner_minor: number, 
/**
 * The platform's.
 */
platform_minor: number, };

export type PartnerLedger = { 
/**
 * `YYYY-MM`.
 */
month: string, 
/**
 * Months with entries, newest first.
 */
months: Array<string>, 
/**
 * The month's entries, oldest first.
 */
entries: Array<LedgerEntry>, 
/**
 * Their sums.
 */
totals: LedgerTotals, 
/**
 * Earnings to date.
 */
balance_minor: number, };

export type Earnings = { 
/**
 * Commissions still in their hold (net of refunds meanwhile).
 */
held_minor: number, 
/**
 * Past the hold and not paid out (negative after a clawback of paid money).
 */
payable_minor: number, 
/**
 * Paid out (processed payouts).
 */
paid_minor: number, 
/**
 * In payouts on their way.
 */
in_flight_minor: number, 
/**
 * Taken back by refunds.
 */
clawed_back_minor: number, };

export type AffiliateStats = { 
/**
 * Clicks on the link.
 */
clicks: number, 
/**
 * Accounts it brought.
 */
signups: number, 
/**
 * Of those, accounts that paid.
 */
conversions: number, };

export type AffiliateView = { 
/**
 * Id.
 */
id: string, 
/**
 * Their referral code.
 */
code: string, 
/**
 * Their referral link.
 */
link: string, 
/**
 * pending, approved or suspended.
 */
status: string, 
/**
 * standard (20%) or premium (25%).
 */
tier: string, 
/**
 * Their rate in basis points.
 */
rate_bps: number, 
/**
 * Their name.
 */
name: string, 
/**
 * Their email.
 */
email: string, 
/**
 * Where they are paid (UPI).
 */
payout_vpa: string | null, 
/**
 * Their phone.
 */
phone: string | null, 
/**
 * Their GSTIN.
 */
gstin: string | null, 
/**
 * When they joined.
 */
created_at: string, 
/**
 * Clicks, sign-ups, conversions.
 */
stats: AffiliateStats, 
/**
 * Earnings by state.
 */
earnings: Earnings, 
/**
 * What a payout would carry now.
 */
balance_minor: number, 
/**
 * The least balance paid out.
 */
threshold_minor: number, };

export type ReferralView = { 
/**
 * The account's name.
 */
tenant_name: string, 
/**
 * When it signed up.
 */
signed_up_at: string, 
/**
 * active, or refused_self.
 */
status: string, 
/**
 * Why it was refused.
 */
reason: string | null, 
/**
 * Its paid cycles that earned.
 */
paid_cycles: number, 
/**
 * What it earned the affiliate (net).
 */
earned_minor: number, };

export type CommissionView = { 
/**
 * Id.
 */
id: number, 
/**
 * commission or clawback.
 */
kind: string, 
/**
 * The referred account.
 */
tenant_name: string, 
/**
 * Razorpay's payment.
 */
payment_id: string, 
/**
 * Its paid cycle (commissions).
 */
cycle: number | null, 
/**
 * What was collected before GST (a clawback: refunded), in paise.
 */
base_minor: number, 
/**
 * The rate.
 */
rate_bps: number, 
/**
 * The amount (negative for a clawback).
 */
amount_minor: number, 
/**
 * held, payable or void.
 */
state: string, 
/**
 * When the hold ends.
 */
hold_until: string, 
/**
 * When it was recorded.
 */
created_at: string, };

export type PayoutView = { 
/**
 * Id (also its idempotency key and Razorpay reference).
 */
id: string, 
/**
 * affiliate or partner.
 */
payee_kind: string, 
/**
 * Who is paid.
 */
payee_name: string, 
/**
 * Paise.
 */
amount_minor: number, 
/**
 * created, queued, processing, processed, reversed or failed.
 */
status: string, 
/**
 * RazorpayX's id, once it answered.
 */
razorpay_payout_id: string | null, 
/**
 * Why it failed or reversed.
 */
failure_reason: string | null, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type Range = { 
/**
 * The first day's start (UTC).
 */
from: string, 
/**
 * Now.
 */
to: string, 
/**
 * How many days.
 */
days: number, };

export type Overview = { 
/**
 * The days covered.
 */
range: Range, 
/**
 * Volumes and backlog.
 */
totals: Totals, 
/**
 * Per day, oldest first.
 */
by_day: Array<Day>, 
/**
 * First-response times.
 */
response_time: ResponseTime, 
/**
 * Per agent, busiest first.
 */
agents: Array<AgentActivity>, 
/**
 * Flow runs.
 */
flows: FlowRuns, };

/** A segment rule's condition: `field` is tag, custom.<name>, opted_in, channel, last_inbound, conversation_status, phone or name. */
export type SegmentCondition = { field: string, op: string, value?: string | number | boolean, };

/** A segment's rule: `all` / `any` groups (at most 4 deep, 30 conditions) of conditions. */
export type SegmentRule = { all: Array<SegmentRule | SegmentCondition>, } | { any: Array<SegmentRule | SegmentCondition>, };

export type PlanView = { 
/**
 * Stable code (`starter`, `professional`, …).
 */
code: string, 
/**
 * What customers see.
 */
name: string, 
/**
 * ISO 4217 code of the prices.
 */
currency: string, 
/**
 * Monthly price in minor units (paise); null: custom, invoiced.
 */
price_monthly_minor: number | null, 
/**
 * Yearly price in minor units; null: custom.
 */
price_annual_minor: number | null, 
/**
 * Counts it allows (`agents`, `numbers`, `flows`, `monthly_unique_users`; null: unlimited).
 */
limits: Record<string, number | null>, 
/**
 * Capabilities it includes (`broadcasts`, `api_access`, `ai`).
 */
features: Array<string>, 
/**
 * Order on the pricing page (upgrades go up).
 */
position: number, 
/**
 * Whether new customers may choose it.
 */
active: boolean, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type AccountPlan = { 
/**
 * The plan.
 */
plan: PlanView, 
/**
 * Where the account stands: active, grace, restricted or suspended.
 */
status: string, 
/**
 * How many of each counted limit the account has now.
 */
usage: Record<string, number>, 
/**
 * The plans offered, in pricing order (for upgrade hints).
 */
plans: Array<PlanView>, };

export type PeriodView = { 
/**
 * Its first instant.
 */
start: string, 
/**
 * The first instant after it.
 */
end: string, };

export type UsageDay = { 
/**
 * The day (UTC).
 */
day: string, 
/**
 * Customers first counted that day.
 */
new_users: number, 
/**
 * Our messages delivered that day (priced by Meta).
 */
delivered: number, 
/**
 * Their cost, ten-thousandths.
 */
cost_e4: number, };

export type UsageCategory = { 
/**
 * Meta's pricing category (marketing, utility, authentication, service, ...).
 */
category: string, 
/**
 * Delivered messages in it.
 */
delivered: number, 
/**
 * Of which Meta charges (type `regular`).
 */
charged: number, 
/**
 * Their cost, ten-thousandths.
 */
cost_e4: number, };

export type UsageAlert = { 
/**
 * The limit's key.
 */
limit: string, 
/**
 * 80 or 100 (percent).
 */
threshold: number, 
/**
 * The count when it fired.
 */
used: number, 
/**
 * What the plan allowed.
 */
allowed: number, 
/**
 * When.
 */
fired_at: string, };

export type UsageView = { 
/**
 * The billing month.
 */
period: PeriodView, 
/**
 * The plan's code.
 */
plan: string, 
/**
 * The plan's name.
 */
plan_name: string, 
/**
 * People reached this period, each once.
 */
monthly_unique_users: number, 
/**
 * The plan's limits (null: unlimited).
 */
limits: Record<string, number | null>, 
/**
 * How many of each counted limit the account has now.
 */
counts: Record<string, number>, 
/**
 * Meta's charges for the period's delivered messages (exact, and
 * rounded to paise).
 */
cost: Cost, 
/**
 * Day by day.
 */
by_day: Array<UsageDay>, 
/**
 * By pricing category.
 */
by_category: Array<UsageCategory>, 
/**
 * Limit alerts that fired this period.
 */
alerts: Array<UsageAlert>, };

export type BillingDetails = { 
/**
 * Legal name.
 */
legal_name: string, 
/**
 * GSTIN, for a registered business (input tax credit).
 */
gstin: string | null, 
/**
 * GST state code (place of supply).
 */
state_code: string, 
/**
 * Postal address.
 */
address: string, 
/**
 * Where invoices go.
 */
email: string | null, };

export type SubscriptionView = { 
/**
 * Razorpay's id.
 */
razorpay_subscription_id: string, 
/**
 * The plan subscribed to.
 */
plan_code: string, 
/**
 * monthly or annual.
 */
cycle: string, 
/**
 * What each cycle charges (GST included), paise.
 */
amount_minor: number, 
/**
 * Razorpay's state: created, authenticated, active, pending, halted, cancelled, completed.
 */
status: string, 
/**
 * Cycles paid.
 */
paid_count: number, 
/**
 * The paid cycle.
 */
current_start: string | null, 
/**
 * Its end.
 */
current_end: string | null, 
/**
 * The next charge.
 */
charge_at: string | null, 
/**
 * Where the customer authorises the mandate.
 */
short_url: string | null, 
/**
 * When it was made.
 */
created_at: string, };

export type InvoiceView = { 
/**
 * Ours.
 */
id: string, 
/**
 * invoice or credit_note.
 */
kind: string, 
/**
 * `WF2627-000001` / `CN2627-000001`.
 */
number: string, 
/**
 * `2026-27`.
 */
financial_year: string, 
/**
 * Razorpay's payment.
 */
payment_id: string, 
/**
 * Razorpay's refund (credit notes).
 */
refund_id: string | null, 
/**
 * The invoice a credit note corrects.
 */
original_id: string | null, 
/**
 * When.
 */
issued_at: string, 
/**
 * The platform.
 */
seller: Record<string, string>, 
/**
 * The customer.
 */
buyer: Record<string, string | null>, 
/**
 * `29-Karnataka`.
 */
place_of_supply: string, 
/**
 * 997331.
 */
sac: string, 
/**
 * The service.
 */
description: string, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Taxable value, paise.
 */
taxable_minor: number, 
/**
 * CGST 9%.
 */
cgst_minor: number, 
/**
 * SGST 9%.
 */
sgst_minor: number, 
/**
 * IGST 18%.
 */
igst_minor: number, 
/**
 * Total.
 */
total_minor: number, };

export type SessionView = { 
/**
 * The refresh token's id.
 */
id: string, 
/**
 * When this token was issued (sign-in or last refresh).
 */
created_at: string, 
/**
 * Last sign-in or refresh.
 */
last_used_at: string | null, 
/**
 * When it ends unless refreshed.
 */
expires_at: string, 
/**
 * The client.
 */
user_agent: string | null, 
/**
 * Its address.
 */
ip: string | null, };

export type WalletEntry = { 
/**
 * Its place.
 */
id: number, 
/**
 * topup, debit, release or adjustment.
 */
kind: string, 
/**
 * Signed, ten-thousandths (a debit is negative; a release frees held money).
 */
amount_e4: number, 
/**
 * The balance after it.
 */
balance_after_e4: number, 
/**
 * The send it concerns.
 */
send_key: string | null, 
/**
 * The payment that funded it.
 */
payment_id: string | null, 
/**
 * Why (an operator's adjustment, an expiry, a shortfall).
 */
note: string | null, 
/**
 * When.
 */
created_at: string, };

export type WalletView = { 
/**
 * Whether the plan bills Meta's charges through the wallet.
 */
enabled: boolean, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Money in the wallet, ten-thousandths.
 */
balance_e4: number, 
/**
 * Held for sends in flight.
 */
reserved_e4: number, 
/**
 * Free to spend.
 */
available_e4: number, 
/**
 * The newest ledger rows.
 */
ledger: Array<WalletEntry>, };

export type TenantSummary = { 
/**
 * Id.
 */
id: string, 
/**
 * The business.
 */
name: string, 
/**
 * Its plan's code.
 */
plan_code: string, 
/**
 * active, grace, restricted or suspended.
 */
status: string, 
/**
 * When the status last changed.
 */
status_changed_at: string | null, 
/**
 * Signed up.
 */
created_at: string, 
/**
 * Team members.
 */
users: number, 
/**
 * Connected numbers.
 */
numbers: number, 
/**
 * Contacts.
 */
contacts: number, 
/**
 * Messages in the last 30 days.
 */
messages_30d: number, 
/**
 * Its first admin's email.
 */
admin_email: string | null, 
/**
 * What it adds to the monthly recurring revenue (its plan's monthly
 * price while it is active or in grace), in minor units.
 */
mrr_minor: number, };

export type AdminOverview = { 
/**
 * Customer tenants.
 */
tenants: number, 
/**
 * Not suspended.
 */
active_tenants: number, 
/**
 * Suspended.
 */
suspended_tenants: number, 
/**
 * Signed up in the last 30 days.
 */
signups_30d: number, 
/**
 * Monthly recurring revenue in minor units (active and grace tenants' plans).
 */
mrr_minor: number, 
/**
 * Messages in the last 30 days, all tenants.
 */
messages_30d: number, 
/**
 * Tenants per plan code.
 */
tenants_by_plan: { [key in string]?: number }, };

export type PlatformSettings = { 
/**
 * Whether anyone may register a business.
 */
signups_open: boolean, 
/**
 * The plan new tenants start on (null: `WHATSFLOW_DEFAULT_PLAN`).
 */
default_plan: string | null, 
/**
 * Where people are pointed for help (suspension, closed sign-ups).
 */
support_email: string | null, 
/**
 * When last changed.
 */
updated_at: string, };

export type AuditRow = { 
/**
 * Its place in the log.
 */
id: number, 
/**
 * The account (null: the platform's own).
 */
tenant_id: string | null, 
/**
 * When.
 */
at: string, 
/**
 * user, api_key, system or anonymous.
 */
actor_kind: string, 
/**
 * The user or key.
 */
actor_id: string | null, 
/**
 * What happened.
 */
action: string, 
/**
 * To what.
 */
target: string | null, 
/**
 * Before.
 */
before: unknown, 
/**
 * After.
 */
after: unknown, 
/**
 * The caller's address.
 */
ip: string | null, 
/**
 * The request.
 */
request_id: string | null, };

export type SegmentView = { 
/**
 * Id.
 */
id: string, 
/**
 * Its name, unique in the account (any case).
 */
name: string, 
/**
 * Its rule, in canonical form.
 */
rule: SegmentRule, 
/**
 * Its members now.
 */
contacts: number, 
/**
 * Created.
 */
created_at: string, 
/**
 * Last changed.
 */
updated_at: string, };

export type SegmentPreview = { 
/**
 * Members.
 */
count: number, 
/**
 * The newest [`PREVIEW_CONTACTS`] members.
 */
contacts: Array<ContactView>, };
