// The one place a failed request becomes words for people. Every stable error
// code of the server (errorCodes.ts, generated) has its own translated text
// saying what happened and what to do; the server's English message is added
// only as a detail where it names a field-specific fix (which field, which
// limit), cleaned of developer notation (backticks, JSON paths, "problem(s)").
// Every page and the inbox go through explainError / describeError.

import type { MessageKey, Params } from "../i18n/translate";
import { ApiError } from "./api";
import type { ErrorCode } from "./errorCodes";

/** Codes the app makes itself (no answer from the server, or not one of its codes). */
type ClientCode = "NETWORK" | "UNAUTHENTICATED" | "VIEW_IN_PROGRESS";

export type Translate = (key: MessageKey, params?: Params) => string;

/** "45 seconds", "1 minute", "3 minutes": a wait for people (minutes from one minute up, rounded up). */
export function formatWait(seconds: number, t: Translate): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? t("time.second") : t("time.seconds", { count: s });
  const m = Math.ceil(s / 60);
  return m === 1 ? t("time.minute") : t("time.minutes", { count: m });
}

/** The email address in a message (a closed sign-up's "…; write to support@x.test to open an account"), if any. */
export function emailIn(message: string): string | null {
  const m = /[^\s<>()"'`,;:]+@[^\s<>()"'`,;:]+\.[A-Za-z]{2,}/.exec(message);
  return m ? m[0].replace(/[.]+$/, "") : null;
}

/**
 * The two amounts of the server's WALLET_BALANCE_LOW message ("this template
 * costs about ₹0.86 and the wallet has ₹0.12 free; …"); null when it says
 * something else.
 */
export function walletShortfall(message: string): { cost: string; free: string } | null {
  const m = /about\s+(₹\s?-?[\d,]+(?:\.\d+)?).*?has\s+(₹\s?-?[\d,]+(?:\.\d+)?)\s+free/i.exec(message);
  return m ? { cost: m[1]!, free: m[2]! } : null;
}

// ---- the server's words, cleaned for people ----

/** Paths the server names, in words (the rest: their last part, underscores as spaces). */
const PATH_WORDS: Record<string, string> = {
  "text.body": "the message text",
  "interactive.body.text": "the message text",
  "template.name": "the template name",
  "template.language.code": "the template language",
  "audience.retarget.campaign_id": "the campaign to follow up",
  "attachment.link": "the attachment link",
  "attachment.type": "the attachment type",
  "attachment.filename": "the attachment file name",
};

/** "messages_per_second" → "messages per second"; "components[2].buttons[1].url" → "button 2 url". */
function pathToWords(path: string): string {
  const known = PATH_WORDS[path];
  if (known) return known;
  const parts = path.split(".").filter(Boolean);
  const last = parts[parts.length - 1] ?? path;
  const indexed = /^(\w+?)s?\[(\d+)\]$/.exec(last);
  if (indexed) return `${indexed[1]!.replace(/_/g, " ")} ${Number(indexed[2]) + 1}`;
  const parent = parts.length > 1 ? /^(\w+?)s?\[(\d+)\]$/.exec(parts[parts.length - 2]!) : null;
  const leaf = last.replace(/\[\d+\]/g, "").replace(/_/g, " ");
  if (parent && parent[1] !== "component") return `${parent[1]!.replace(/_/g, " ")} ${Number(parent[2]) + 1} ${leaf}`;
  return leaf;
}

/**
 * A server message as a person reads it: no backticks, paths and field keys
 * in words, no "(s)" plurals, no API routes; first letter capitalised, ends
 * with a full stop. "`text.body` is 4927 characters; WhatsApp allows at most
 * 4096" → "The message text is 4927 characters; WhatsApp allows at most 4096."
 */
export function humanizeServerText(message: string): string {
  let s = message.trim();
  // API routes ("(GET /api/v1/…)", "see POST /api/v1/…") mean nothing to a person.
  s = s.replace(/\s*\((?:see\s+)?(?:GET|POST|PATCH|PUT|DELETE)\s+\/api\/[^)]*\)/gi, "");
  s = s.replace(/[;,]?\s*(?:see\s+)?(?:GET|POST|PATCH|PUT|DELETE)\s+\/api\/\S+(?:\s+lists them)?/gi, "");
  s = s.replace(/`([^`]*)`/g, (_, inner: string) => (/^[a-z_][\w]*(\[\d+\])?(\.[\w]+(\[\d+\])?)*$/.test(inner) && /[_.[]/.test(inner) ? pathToWords(inner) : inner));
  // Bare JSON paths outside backticks (the template list: "components[0].text: …").
  s = s.replace(/\b[a-z_]+\[\d+\](?:\.[a-z_]+(?:\[\d+\])?)*/g, (p) => pathToWords(p));
  s = s.replace(/\bproblem\(s\)/gi, "issues").replace(/\b(?!https?\b)(\w+)\(s\)/g, "$1s");
  s = s.replace(/\s{2,}/g, " ").trim();
  if (!s) return s;
  // A sentence starts with a capital; a leading file type or address ("image/gif is …") stays as written.
  if (/^[a-z]+\b(?![/.@_-])/.test(s)) s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

/** Conflicts that are always about one field (the value is taken). */
const CODE_FIELD: Partial<Record<ErrorCode, string>> = {
  EMAIL_TAKEN: "email",
  CONTACT_EXISTS: "phone",
  TEMPLATE_EXISTS: "name",
  TEAM_EXISTS: "name",
  SEGMENT_EXISTS: "name",
  CANNED_REPLY_EXISTS: "shortcut",
  PLAN_EXISTS: "code",
  CHANNEL_EXISTS: "phone_number_id",
  CURRENT_PASSWORD_REQUIRED: "current_password",
  SLUG_TAKEN: "slug",
  DOMAIN_TAKEN: "domain",
};

/**
 * The field a refusal is about: a detail's `field`, else the first backticked
 * field name of the message ("`email` must be an email address" → "email").
 */
export function fieldOfError(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  const fromDetails = e.details.find((d) => typeof d.field === "string" && d.field)?.field;
  if (fromDetails) return fromDetails;
  const byCode = CODE_FIELD[e.code as ErrorCode];
  if (byCode) return byCode;
  if (e.code !== "VALIDATION_FAILED" && e.code !== "INVALID_MESSAGE") return null;
  const m = /`([a-z_][\w.]*)`/.exec(e.message);
  return m ? m[1]! : null;
}

/** Field names the server uses → the words forms show for them. */
const FIELD_LABELS: Record<string, MessageKey> = {
  name: "field.name",
  email: "field.email",
  password: "field.password",
  current_password: "field.currentPassword",
  phone: "field.phone",
  role: "field.role",
  url: "field.url",
  description: "field.description",
  messages_per_second: "field.messagesPerSecond",
  access_token: "field.accessToken",
  phone_number_id: "field.phoneNumberId",
  waba_id: "field.wabaId",
  display_phone_number: "field.displayPhoneNumber",
  app_id: "field.appId",
  text: "field.text",
  "text.body": "field.text",
  category: "field.category",
  language: "field.language",
  events: "field.events",
};

/** A field's name in the reader's language (unknown ones in words). */
export function fieldLabel(field: string, t: Translate): string {
  const key = FIELD_LABELS[field];
  return key ? t(key) : pathToWords(field);
}

// ---- every code's text ----

/** Codes whose server message adds a specific fix (which field, limit, plan or reason): shown as a detail. */
const DETAILED: ReadonlySet<string> = new Set<ErrorCode>([
  "VALIDATION_FAILED",
  "INVALID_MESSAGE",
  "TEMPLATE_INVALID",
  "TEMPLATE_PARAMS",
  "PLAN_LIMIT",
  "FEATURE_NOT_IN_PLAN",
  "TENANT_SUSPENDED",
  "META_REJECTED",
  "PAYMENT_GATEWAY",
  "INVALID_CSV",
  "FLOW_NOT_STARTED",
  "PAYLOAD_TOO_LARGE",
  "CHANNEL_NOT_VERIFIED",
  // Why this person may not (an operator's read-only view, an agent's limits).
  "FORBIDDEN",
  // Which file type, which campaign, which template, which state.
  "UNSUPPORTED_MEDIA",
  "SEGMENT_IN_USE",
  "TEMPLATE_NOT_APPROVED",
  "TEMPLATE_LOCKED",
  "CAMPAIGN_STATE",
  "FLOW_IN_USE",
  // When the window closes; when the contact may enter again.
  "TEMPLATE_REQUIRED",
  "ENROLLMENT_CLOSED",
]);

/**
 * The translated text of every server code. Typed against the server's
 * generated list: a code the server adds fails the type check until it has
 * words here.
 */
const CODE_TEXT: Record<ErrorCode, MessageKey> = {
  ACCOUNT_LOCKED: "auth.accountLockedSoon",
  ACCOUNT_RESTRICTED: "error.accountRestricted",
  AFFILIATE_EXISTS: "error.code.AFFILIATE_EXISTS",
  AI_NOT_CONFIGURED: "error.code.AI_NOT_CONFIGURED",
  ALREADY_RETRIED: "error.code.ALREADY_RETRIED",
  APP_IN_USE: "error.code.APP_IN_USE",
  BILLING_NOT_CONFIGURED: "error.billingNotConfigured",
  BODY_UNREADABLE: "error.code.REQUEST_FORM",
  CAMPAIGN_STATE: "error.code.CAMPAIGN_STATE",
  CANNED_REPLY_EXISTS: "error.code.CANNED_REPLY_EXISTS",
  CHANNEL_CHANGED: "error.code.CHANNEL_CHANGED",
  CHANNEL_EXISTS: "error.code.CHANNEL_EXISTS",
  CHANNEL_GONE: "error.code.CHANNEL_GONE",
  CHANNEL_NOT_VERIFIED: "error.code.CHANNEL_NOT_VERIFIED",
  CONTACT_EXISTS: "error.code.CONTACT_EXISTS",
  CURRENT_PASSWORD_REQUIRED: "error.code.CURRENT_PASSWORD_REQUIRED",
  DOMAIN_LIMIT: "error.code.DOMAIN_LIMIT",
  DOMAIN_NOT_VERIFIED: "error.code.DOMAIN_NOT_VERIFIED",
  DOMAIN_TAKEN: "error.code.DOMAIN_TAKEN",
  DUPLICATE: "error.code.DUPLICATE",
  ENROLLMENT_CLOSED: "error.code.ENROLLMENT_CLOSED",
  EMAIL_TAKEN: "error.code.EMAIL_TAKEN",
  FEATURE_NOT_IN_PLAN: "error.code.FEATURE_NOT_IN_PLAN",
  FLOW_IN_USE: "error.code.FLOW_IN_USE",
  FLOW_INVALID: "error.code.FLOW_INVALID",
  FLOW_NOT_STARTED: "error.code.FLOW_NOT_STARTED",
  FORBIDDEN: "error.code.FORBIDDEN",
  INTERNAL: "error.code.INTERNAL",
  INVALID_CREDENTIALS: "auth.login.invalid",
  INVALID_CODE: "error.invalidCode",
  INVALID_CSV: "error.code.INVALID_CSV",
  INVALID_CURSOR: "error.code.INVALID_CURSOR",
  INVALID_FRAME: "error.code.LIVE_CONNECTION",
  INVALID_JSON: "error.code.REQUEST_FORM",
  INVALID_MESSAGE: "error.code.INVALID_MESSAGE",
  INVALID_QUERY: "error.code.INVALID_QUERY",
  INVALID_TOKEN: "error.invalidToken",
  INVALID_UPLOAD: "error.code.INVALID_UPLOAD",
  INVITATION_ACCEPTED: "error.code.INVITATION_ACCEPTED",
  INVALID_WEBHOOK: "error.code.REQUEST_FORM",
  MAIL_NOT_CONFIGURED: "error.mailNotConfigured",
  META_REJECTED: "error.code.META_REJECTED",
  NO_CHANNEL: "error.code.NO_CHANNEL",
  NO_RECIPIENT: "error.code.NO_RECIPIENT",
  NOT_FOUND: "error.code.NOT_FOUND",
  NOT_UNCONFIRMED: "error.notUnconfirmed",
  OPTED_OUT: "error.optedOut",
  PARTNER_NOT_APPROVED: "error.code.PARTNER_NOT_APPROVED",
  PAYLOAD_TOO_LARGE: "error.code.PAYLOAD_TOO_LARGE",
  PAYMENT_GATEWAY: "error.code.PAYMENT_GATEWAY",
  PLAN_EXISTS: "error.code.PLAN_EXISTS",
  PLAN_INVOICED: "error.code.PLAN_INVOICED",
  PLAN_LIMIT: "error.code.PLAN_LIMIT",
  PRICING_MODEL: "error.code.PRICING_MODEL",
  RATE_LIMITED: "auth.rateLimitedSoon",
  SCHEDULED_LIMIT: "error.code.SCHEDULED_LIMIT",
  SCHEDULED_STATE: "error.code.SCHEDULED_STATE",
  SEGMENT_EXISTS: "error.code.SEGMENT_EXISTS",
  SEGMENT_IN_USE: "error.code.SEGMENT_IN_USE",
  SIGNUPS_CLOSED: "auth.register.closedNoContact",
  SLUG_TAKEN: "error.code.SLUG_TAKEN",
  SUBSCRIPTION_EXISTS: "error.code.SUBSCRIPTION_EXISTS",
  TEAM_EXISTS: "error.code.TEAM_EXISTS",
  TEMPLATE_EXISTS: "error.code.TEMPLATE_EXISTS",
  TEMPLATE_INVALID: "error.code.TEMPLATE_INVALID",
  TEMPLATE_LOCKED: "error.code.TEMPLATE_LOCKED",
  TEMPLATE_NOT_APPROVED: "error.code.TEMPLATE_NOT_APPROVED",
  TEMPLATE_PARAMS: "error.code.TEMPLATE_PARAMS",
  TEMPLATE_REQUIRED: "error.code.TEMPLATE_REQUIRED",
  TENANT_SUSPENDED: "error.code.TENANT_SUSPENDED",
  TWO_FACTOR_ENABLED: "error.twoFactorEnabled",
  UNAUTHORIZED: "error.code.UNAUTHORIZED",
  UNAVAILABLE: "error.code.UNAVAILABLE",
  UNKNOWN_EVENT: "error.code.LIVE_CONNECTION",
  UNSUPPORTED_CONTENT_TYPE: "error.code.REQUEST_FORM",
  UNSUPPORTED_MEDIA: "error.code.UNSUPPORTED_MEDIA",
  VALIDATION_FAILED: "error.code.VALIDATION_FAILED",
  WABA_IN_USE: "error.wabaInUse",
  WALLET_BALANCE_LOW: "error.walletBalanceLowPlain",
  WINDOW_CLOSED: "error.code.WINDOW_CLOSED",
};

const CLIENT_TEXT: Record<ClientCode, MessageKey> = {
  NETWORK: "error.network",
  UNAUTHENTICATED: "error.code.UNAUTHORIZED",
  VIEW_IN_PROGRESS: "error.code.VIEW_IN_PROGRESS",
};

/** Per-form words for a code (e.g. EMAIL_TAKEN when an admin adds a teammate rather than signs up). */
export type ErrorOverrides = Partial<Record<ErrorCode, MessageKey>>;

/** A refusal explained: the words, the server's cleaned detail (if it adds a fix), and the field it is about. */
export interface Explained {
  /** What happened and what to do, in the reader's language. */
  text: string;
  /** The server's specific fix, cleaned (English, as the server words it); null when it adds nothing. */
  detail: string | null;
  /** The server's name of the field that is wrong, when it says. */
  field: string | null;
}

/** The words for a code, where the code itself needs its message or the wait (the few special cases). */
function special(code: string, message: string, t: Translate, retryAfter: number | null): string | null {
  switch (code) {
    case "RATE_LIMITED":
      return retryAfter !== null ? t("auth.rateLimited", { wait: formatWait(retryAfter, t) }) : t("auth.rateLimitedSoon");
    case "ACCOUNT_LOCKED":
      return retryAfter !== null ? t("auth.accountLocked", { wait: formatWait(retryAfter, t) }) : t("auth.accountLockedSoon");
    case "WALLET_BALANCE_LOW": {
      // 402: the server's message has the cost and what is free.
      const short = walletShortfall(message);
      return short ? t("error.walletBalanceLow", short) : t("error.walletBalanceLowPlain");
    }
    case "SIGNUPS_CLOSED": {
      // The server's message names the support address when the platform has one.
      const email = emailIn(message);
      return email ? t("auth.register.closedWrite", { email }) : t("auth.register.closedNoContact");
    }
    default:
      return null;
  }
}

/** Whether `code` is one the app has words for. */
function isKnown(code: string): code is ErrorCode | ClientCode {
  return Object.prototype.hasOwnProperty.call(CODE_TEXT, code) || Object.prototype.hasOwnProperty.call(CLIENT_TEXT, code);
}

/**
 * Explains an error code (from an HTTP answer or a socket `error` frame);
 * null for a code the app does not know (the caller shows a generic line).
 */
export function explainCode(
  code: string,
  message: string,
  t: Translate,
  retryAfter: number | null = null,
  field: string | null = null,
  overrides?: ErrorOverrides,
): Explained | null {
  if (!isKnown(code)) return null;
  const override = overrides?.[code as ErrorCode];
  let text =
    (override ? t(override) : null) ??
    special(code, message, t, retryAfter) ??
    t(code in CLIENT_TEXT ? CLIENT_TEXT[code as ClientCode] : CODE_TEXT[code as ErrorCode]);
  if (code === "VALIDATION_FAILED" && field && !override) text = t("error.code.VALIDATION_FAILED.field", { field: fieldLabel(field, t) });
  const detail = DETAILED.has(code) && message.trim() ? humanizeServerText(message) : null;
  return { text, detail: detail && detail !== text ? detail : null, field };
}

/** The text for an error code: ours, with the server's cleaned detail where it adds a fix; null for an unknown code. */
export function describeCode(code: string, message: string, t: Translate, retryAfter: number | null = null): string | null {
  const e = explainCode(code, message, t, retryAfter);
  return e ? joinDetail(e) : null;
}

/** A failed request explained (see Explained). */
export function explainError(e: unknown, t: Translate, overrides?: ErrorOverrides): Explained {
  if (!(e instanceof ApiError)) return { text: t("error.generic"), detail: null, field: null };
  const known = explainCode(e.code, e.message, t, e.retryAfter, fieldOfError(e), overrides);
  if (known) return known;
  // Not a code of ours (an HTTP error without our envelope): say it plainly.
  if (e.status >= 500) return { text: t("error.code.UNAVAILABLE"), detail: null, field: null };
  // A code newer than this app: the server's words, cleaned, as the detail.
  const detail = /^[A-Z][A-Z_]+$/.test(e.code) && !e.code.startsWith("HTTP_") && e.message.trim() ? humanizeServerText(e.message) : null;
  return { text: t("error.generic"), detail, field: null };
}

/** The text and its detail as one line. */
export function joinDetail(e: Pick<Explained, "text" | "detail">): string {
  return e.detail ? `${e.text} ${e.detail}` : e.text;
}

/** The message to show for a failed request (one line: ours, then the server's fix if it adds one). */
export function describeError(e: unknown, t: Translate, overrides?: ErrorOverrides): string {
  return joinDetail(explainError(e, t, overrides));
}

/** Rate limited or locked: the form waits `retryAfter` seconds (or a short default) before it can be sent again. */
export function retryWaitOf(e: unknown, fallbackSeconds = 30): number | null {
  if (!(e instanceof ApiError) || e.status !== 429) return null;
  return e.retryAfter ?? fallbackSeconds;
}
