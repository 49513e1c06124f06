// Shapes of the whatsflow HTTP and WebSocket contracts (see shared/DESIGN.md).

export type { ConversationStatus, MessageStatus, Role, RunStatus, TriggerMatch, TriggerType } from "./domain";
import type { ConversationStatus, MessageStatus, Role, TriggerMatch, TriggerType } from "./domain";
import type { CampaignStats, CampaignStatus } from "./apiTypes";

export type Presence = "online" | "away" | "busy" | "offline";

export interface User {
  id: string;
  tenant_id: string | null;
  name: string;
  email: string;
  role: Role;
  presence?: Presence | string;
  created_at?: string;
  /** `GET /auth/me`: the platform operator viewing the account as this person (null: the person themself). */
  impersonated_by?: string | null;
  /** The UI language this person chose (`PATCH /auth/me`), e.g. "ta"; null or absent: none saved. */
  language?: string | null;
  /** Invited by email and not joined yet: when the link was mailed and until when it works; null once they joined. */
  invitation?: Invitation | null;
}

/** An open invitation by email (`POST /users {invite: true}`). */
export interface Invitation {
  sent_at: string;
  expires_at: string;
}

/** Whom a mailed invitation link is for (`GET /auth/invitations/{token}`). */
export interface InvitationInfo {
  email: string;
  name: string;
  tenant_name: string;
  expires_at: string;
}

export interface AuthResponse {
  access_token: string;
  refresh_token: string;
  token_type?: string;
  expires_in: number;
  user: User;
}

/**
 * `POST /admin/tenants/{id}/impersonate`: a 30-minute access token (no
 * refresh token) for the tenant's first admin, for a platform operator.
 */
export interface ImpersonationAnswer {
  access_token: string;
  token_type?: string;
  /** Seconds (1800). */
  expires_in: number;
  /** ISO time the token stops being accepted. */
  expires_at?: string;
  user: User;
  tenant: { id: string; name: string };
  impersonating: true;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface ContactRef {
  id: string;
  phone: string | null;
  name: string | null;
  user_id: string | null;
  username: string | null;
  tags?: string[];
}

export interface Contact extends ContactRef {
  tags: string[];
  custom_fields?: Record<string, unknown>;
  opted_in?: boolean;
  created_at: string;
  updated_at?: string;
}


/** The newest message of a conversation, as the conversation list carries it. */
export type MessageSummary = Pick<Message, "id" | "seq" | "direction" | "type" | "status" | "content" | "timestamp">;

export interface Conversation {
  id: string;
  channel_id: string;
  contact: ContactRef;
  status: ConversationStatus;
  tags?: string[];
  assignee_id: string | null;
  /** The team it is routed to (`PATCH {team_id}` moves it); null or absent: none. */
  team_id?: string | null;
  /** low, normal, high or urgent (`PATCH {priority}`); absent on an older server: normal. */
  priority?: string;
  /** When it missed an SLA target (this episode); null or absent: not breached. */
  sla_breached_at?: string | null;
  /** Which target it missed: `first_response` or `resolution`. */
  sla_breach?: string | null;
  unread_count: number;
  /** The conversation's event sequence (messages and statuses). */
  last_seq?: number;
  last_message_at: string | null;
  last_inbound_at: string | null;
  window_expires_at: string | null;
  last_message: MessageSummary | null;
  created_at: string;
  updated_at: string;
}

/** What `conversation:new` / `conversation:updated` carry: no contact, no last message. */
export interface ConversationSummary {
  id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  /** Present when the server says which team it is in. */
  team_id?: string | null;
  unread_count: number;
  last_seq: number;
  last_message_at: string | null;
  last_inbound_at: string | null;
  window_expires_at: string | null;
}

export type MessageType =
  | "text"
  | "image"
  | "audio"
  | "video"
  | "document"
  | "sticker"
  | "location"
  | "contacts"
  | "interactive"
  | "button"
  | "reaction"
  | "order"
  | "system"
  | "unsupported"
  | "unknown"
  | "template";

// MessageStatus comes from ./domain (generated). "unconfirmed": Meta's answer
// to the send was lost and no delivery status came within the grace period;
// it can be resent (`POST …/messages/{id}/resend`), and a later
// sent/delivered/read replaces it.

/** One of Meta's errors (`errors` array of a message or a failed status). */
export interface MessageError {
  code: number | string;
  title: string;
  message?: string | null;
  error_data?: { details?: string } | null;
}

/** The customer's reaction to a message. */
export interface Reaction {
  emoji: string;
  at: string;
}

export interface SentBy {
  kind: "agent" | "flow" | "campaign" | "api" | "automation";
  id: string | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  wamid: string | null;
  direction: "inbound" | "outbound";
  type: MessageType | string;
  status: MessageStatus;
  /** The Cloud API object of `type`, as received or sent. Shape depends on `type`. */
  content: unknown;
  /** Inbound: `{from, id}` of the message replied to; outbound: `{message_id}`. */
  context: { message_id?: string | null; id?: string | null; from?: string | null } | null;
  referral?: unknown;
  /** Meta's errors for a failed send or an unsupported inbound message. */
  errors: MessageError[] | null;
  reaction?: Reaction | null;
  pricing?: unknown;
  sent_by: SentBy | null;
  timestamp: string;
  created_at: string;
  sent_at?: string | null;
  delivered_at?: string | null;
  read_at?: string | null;
  failed_at?: string | null;
}

export interface Channel {
  id: string;
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  name: string | null;
  app_id: string | null;
  messages_per_second?: number;
  /** Meta's quality rating: GREEN, YELLOW, RED or UNKNOWN; null (or absent on an older server) until Meta reports it. */
  quality_rating?: string | null;
  /** How many customers a day it may start conversations with: TIER_250 … TIER_UNLIMITED; null until reported. */
  messaging_tier?: string | null;
  /** Meta's latest quality event (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, …). */
  quality_event?: string | null;
  /** When the rating or tier was last learnt. */
  quality_updated_at?: string | null;
  created_at: string;
  updated_at?: string;
}

export interface Note {
  id: string;
  conversation_id: string;
  author_id: string | null;
  body: string;
  created_at: string;
}

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string }[];
}

export interface Template {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components: TemplateComponent[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

// ---- WebSocket frames ----

export interface MessageNewEvent {
  conversation_id: string;
  seq: number;
  message: Message;
}

export interface MessageStatusEvent {
  conversation_id: string;
  seq: number;
  message_id: string;
  wamid: string | null;
  status: MessageStatus;
  /** Meta's errors array (failed), absent or null otherwise. */
  error?: MessageError[] | null;
}

export interface ConversationEvent {
  conversation: ConversationSummary;
}

export interface AssignedEvent {
  conversation_id: string;
  assignee_id: string | null;
}

export interface TypingEvent {
  conversation_id: string;
  user_id: string;
  typing: boolean;
}

export interface AgentStatusEvent {
  user_id: string;
  status: Presence | string;
}

/**
 * `notification` frames: a note on a conversation (`kind: "note"`), or, for
 * admins, `kind: "dead_letter"`: a conversation's events could not be stored
 * after repeated failures and were parked for an operator; `kind:
 * "campaign_paused"`: a campaign paused itself (`message` says why); `kind:
 * "webhook_disabled"`: an outbound webhook endpoint was switched off after a
 * day of failures (`endpoint_id`, `url`, `message`).
 */
export interface NotificationEvent {
  kind: "note" | "dead_letter" | "campaign_paused" | "webhook_disabled" | "sla_breached" | "automation" | string;
  note?: Note;
  conversation_id?: string;
  message?: string;
  campaign_id?: string;
  /** The campaign's name (`campaign_paused`). */
  name?: string;
  /** The endpoint switched off (`webhook_disabled`). */
  endpoint_id?: string;
  url?: string;
  /** The target missed (`sla_breached`): `first_response` or `resolution`. */
  breach?: string;
  /** The rule that notified (`automation`), and whom (empty: the admins and the assignee). */
  rule?: string;
  rule_id?: string;
  user_ids?: string[];
}

/** `campaign:progress` (admins): a running campaign's counts, at most once a second, and once when it stops. */
export interface CampaignProgressEvent {
  campaign_id: string;
  status: CampaignStatus;
  stats: CampaignStats;
}

/**
 * `usage:alert` (everyone in the account): 80% / 100% of a plan limit (the
 * monthly unique users) reached this period, once per period each.
 */
export interface UsageAlertFrame {
  limit: string;
  threshold: number;
  used: number;
  allowed: number;
  /** The period's first day ("2026-11-01"). */
  period: string;
}

/**
 * `account:status` (everyone in the account): billing moved the account
 * (a failed payment → grace, payments given up → restricted, paid → active).
 */
export interface AccountStatusFrame {
  status: string;
}

export interface AckEvent {
  client_id: string;
  message_id: string;
  conversation_id?: string;
  seq?: number;
}

export interface ServerErrorEvent {
  code: string;
  message: string;
  client_id?: string;
  conversation_id?: string;
}

export type ServerEvent =
  | { event: "message:new"; data: MessageNewEvent }
  | { event: "message:status"; data: MessageStatusEvent }
  | { event: "message:ack"; data: AckEvent }
  | { event: "conversation:new"; data: ConversationEvent }
  | { event: "conversation:updated"; data: ConversationEvent }
  | { event: "conversation:assigned"; data: AssignedEvent }
  | { event: "conversation:changed"; data: { conversation_id: string; team_id?: string | null; priority?: string } }
  | { event: "conversation:joined"; data: { conversation_id: string; last_seq: number | null } }
  | { event: "agent:typing"; data: TypingEvent }
  | { event: "agent:status"; data: AgentStatusEvent }
  | { event: "notification"; data: NotificationEvent }
  | { event: "campaign:progress"; data: CampaignProgressEvent }
  | { event: "scheduled:updated"; data: ScheduledUpdatedEvent }
  | { event: "usage:alert"; data: UsageAlertFrame }
  | { event: "account:status"; data: AccountStatusFrame }
  | { event: "error"; data: ServerErrorEvent };

export type ClientEvent =
  | { event: "conversation:join"; data: { conversation_id: string; since_seq?: number } }
  | { event: "conversation:leave"; data: { conversation_id: string } }
  | { event: "conversation:typing"; data: { conversation_id: string; typing: boolean } }
  | { event: "agent:status"; data: { status: Presence } }
  /** Optionally as a reply to a message (`context: {message_id: wamid}`). */
  | { event: "message:send"; data: MessageSendData & { context?: { message_id: string } } };

/** A media message's Cloud API object when sent by an uploaded media id. */
export interface MediaObject {
  id: string;
  caption?: string;
  filename?: string;
}

type MediaKind = "image" | "video" | "audio" | "document" | "sticker";

/** `message:send`: a text, or a file by its uploaded media id (`{type: "image", image: {id, caption}}`). */
export type MessageSendData =
  | { conversation_id: string; client_id: string; type: "text"; text: { body: string } }
  | { [K in MediaKind]: { conversation_id: string; client_id: string; type: K } & { [P in K]: MediaObject } }[MediaKind];

// ---- flows ----

export type FlowNodeType =
  | "message"
  | "template"
  | "buttons"
  | "list"
  | "input"
  | "condition"
  | "delay"
  | "api"
  | "webhook"
  | "assign"
  | "tag"
  | "set_field"
  | "enroll"
  | "jump"
  | "handoff"
  | "end";

export type FlowData = Record<string, unknown>;

export interface FlowNodeJson {
  id: string;
  type: FlowNodeType | string;
  position: { x: number; y: number };
  data: FlowData;
}

export interface FlowEdgeJson {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
}

export type FlowStatus = "draft" | "active" | "inactive";

export interface FlowSettings {
  name: string;
  trigger_type: TriggerType;
  trigger_value: string | null;
  trigger_match: TriggerMatch;
  priority: number;
  pause_on_agent_reply: boolean;
}

export interface Flow extends FlowSettings {
  id: string;
  status: FlowStatus;
  version: number;
  flow_data: { nodes: FlowNodeJson[]; edges: FlowEdgeJson[] };
  created_at: string;
  updated_at: string;
}

export interface NodeRuns {
  node_id: string;
  runs: number;
}

export interface FlowAnalytics {
  starts: number;
  completions: number;
  failed: number;
  stopped: number;
  active: number;
  completion_rate: number;
  drop_off: NodeRuns[];
  visits: NodeRuns[];
}

export type TestMessage = string | { type: "interactive" | "text"; text: string; reply_id?: string | null };

export interface TranscriptEntry {
  from: "bot" | "customer" | "system" | string;
  type?: string;
  content?: unknown;
  text?: string | null;
  reply_id?: string | null;
  action?: string;
  [key: string]: unknown;
}

export interface FlowTestResult {
  status: string;
  path: string[];
  vars: Record<string, unknown>;
  error: string | null;
  waiting: { kind: string; node: string; [key: string]: unknown } | null;
  transcript: TranscriptEntry[];
}

export interface FlowExecution {
  id: string;
  conversation_id?: string | null;
  status: string;
  path?: string[];
  cursor?: string | null;
  vars?: Record<string, unknown>;
  error?: string | null;
  version?: number;
  started_at?: string;
  ended_at?: string | null;
}

// ---- templates (management) ----

export type TemplateCategory = "MARKETING" | "UTILITY" | "AUTHENTICATION";

export interface TemplateButton {
  type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER" | string;
  text: string;
  url?: string;
  phone_number?: string;
  example?: string[];
}

export interface TemplateComponentFull {
  type: "HEADER" | "BODY" | "FOOTER" | "BUTTONS" | string;
  format?: string;
  text?: string;
  example?: { header_text?: string[]; body_text?: string[][]; header_handle?: string[] };
  buttons?: TemplateButton[];
}

export interface TemplateFull {
  id: string;
  waba_id: string;
  meta_template_id: string | null;
  name: string;
  language: string;
  category: TemplateCategory | string | null;
  status: string;
  rejected_reason: string | null;
  components: TemplateComponentFull[];
  created_at?: string;
  updated_at?: string;
}

export interface TemplatePreview {
  header: string | null;
  body: string;
  footer: string | null;
  buttons: string[];
}

// ---- campaigns ----

/** `GET /campaigns/{id}/preview`: what starting would do (generated from the server's type). */
export type { CampaignPreview } from "./apiTypes";

// ---- contacts import ----

export interface ImportError {
  line: number;
  field: string | null;
  message: string;
}

export interface ImportReport {
  imported: number;
  updated: number;
  failed: number;
  total: number;
  errors: ImportError[];
}

// ---- API keys ----

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface NewApiKey extends Omit<ApiKey, "last_used_at" | "revoked_at"> {
  key: string;
}

// ---- analytics ----

export interface OverviewDay {
  day: string;
  conversations_new: number;
  messages_inbound: number;
  messages_outbound: number;
}

export interface Overview {
  range: { from: string; to: string; days: number };
  totals: {
    conversations_new: number;
    messages_inbound: number;
    messages_outbound: number;
    open_conversations: number;
    unassigned_open: number;
  };
  by_day: OverviewDay[];
  response_time: {
    first_response_median_seconds: number | null;
    first_response_p90_seconds: number | null;
    samples: number;
  };
  agents: {
    user_id: string;
    name: string;
    presence: string;
    messages_sent: number;
    conversations_assigned: number;
  }[];
  flows: { runs_started: number; runs_completed: number };
}

// ---- drip sequences (campaigns of type "drip") and scheduled messages ----
// The server's generated shapes (apiTypes.ts) under the names the pages use,
// plus the narrow states the web tells apart.

/** A sequence with its counts (`GET /campaigns?type=drip`, `GET /campaigns/{id}`). */
export type DripView = import("./apiTypes").DripDetail;
/** The states a sequence can be in (a campaign's). */
export type DripStatus = CampaignStatus;
export type DelayFrom = import("./apiTypes").DelayFrom;
/** The days (ISO weekdays, Monday = 1) and hours a step may go out, in the contact's zone. */
export type SendWindow = import("./apiTypes").SendWindow;
/** A step runs only for contacts with the tag, or whose field equals the value. */
export type StepCondition = import("./apiTypes").StepCondition;
/** May a contact go through the sequence again: never, or N days after they left it. */
export type Reentry = import("./apiTypes").Reentry;
/** One step as sent to the server (POST/PATCH). */
export type DripStepInput = import("./apiTypes").StepSpec;
/** A stored step: versioned (a contact waiting at it keeps the version they got). */
export type DripStep = import("./apiTypes").DripStep;
export type DripStepStats = import("./apiTypes").StepStats;
export type DripStats = import("./apiTypes").DripStats;
export type EnrollmentState = "active" | "completed" | "exited";
/** One contact's way through a sequence (`state`: an EnrollmentState). */
export type Enrollment = import("./apiTypes").Enrollment;
/** One step of a contact's path so far. */
export type EnrollmentPathStep = import("./apiTypes").PathStep;
export type EnrollmentWithPath = import("./apiTypes").EnrollmentPath;
/** `POST /campaigns/{id}/enrollments`: how many joined, were in already, were refused by the re-entry rule (and ids not found). */
export interface BulkEnrollResult {
  enrolled: number;
  already: number;
  refused: number;
  not_found?: number;
}

export type ScheduledStatus = "scheduled" | "sending" | "sent" | "cancelled" | "failed";
/** A message set to go into a conversation at a time (`status`: a ScheduledStatus). */
export type ScheduledMessage = import("./apiTypes").ScheduledMessage;
/** `scheduled:updated`: one of a conversation's scheduled messages was created, edited, cancelled, sent or failed. */
export interface ScheduledUpdatedEvent {
  conversation_id: string;
  scheduled_message: ScheduledMessage;
}
