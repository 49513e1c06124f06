// The audit log (`GET /audit?before=&limit=`, `GET /audit/verify`): rows in
// words — an action as a phrase, who did it, what to —, the before → after
// change as the keys that changed, and the paging by `before` cursors.
// The generated apiTypes.ts has no audit types yet: these are the web's own.

import type { MessageKey } from "../i18n/translate";
import type { Translate } from "./errors";

export type ActorKind = "user" | "api_key" | "system" | "anonymous";

/** One row of `GET /audit`, newest first. */
export interface AuditRow {
  id: number;
  /** The account it happened in; null: the platform's own (plans). */
  tenant_id: string | null;
  at: string;
  actor_kind: ActorKind | string;
  actor_id: string | null;
  /** `auth.login`, `user.created`, `tenant.suspended`, … */
  action: string;
  /** `user:<id>`, `api_key:<id>`, `plan:starter`, … */
  target: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
}

/** `GET /audit`: `next_cursor` is the `before` of the next page, null at the end. */
export interface AuditPage {
  data: AuditRow[];
  next_cursor: string | null;
}

/** `GET /audit/verify`: whether the hash chain holds, and the first row that does not. */
export interface AuditVerify {
  valid: boolean;
  first_bad_id?: number | null;
}

// ---- actions ----

/** The phrase of each action the server writes. */
export const ACTION_KEYS: Readonly<Record<string, MessageKey>> = {
  "auth.login": "audit.action.auth.login",
  "auth.login_failed": "audit.action.auth.login_failed",
  "auth.password_reset_requested": "audit.action.auth.password_reset_requested",
  "auth.password_reset": "audit.action.auth.password_reset",
  "auth.email_verified": "audit.action.auth.email_verified",
  "auth.two_factor_enabled": "audit.action.auth.two_factor_enabled",
  "auth.two_factor_disabled": "audit.action.auth.two_factor_disabled",
  "auth.signed_out_everywhere": "audit.action.auth.signed_out_everywhere",
  "settings.security_changed": "audit.action.settings.security_changed",
  "user.created": "audit.action.user.created",
  "user.changed": "audit.action.user.changed",
  "user.removed": "audit.action.user.removed",
  "api_key.created": "audit.action.api_key.created",
  "api_key.revoked": "audit.action.api_key.revoked",
  "channel.connected": "audit.action.channel.connected",
  "channel.credentials_changed": "audit.action.channel.credentials_changed",
  "channel.disconnected": "audit.action.channel.disconnected",
  "contacts.exported": "audit.action.contacts.exported",
  "campaign.exported": "audit.action.campaign.exported",
  "tenant.plan_changed": "audit.action.tenant.plan_changed",
  "tenant.suspended": "audit.action.tenant.suspended",
  "tenant.reactivated": "audit.action.tenant.reactivated",
  "plan.created": "audit.action.plan.created",
  "plan.changed": "audit.action.plan.changed",
  "billing.subscribed": "audit.action.billing.subscribed",
  "billing.cancelled": "audit.action.billing.cancelled",
  "billing.details_changed": "audit.action.billing.details_changed",
  "billing.account_state": "audit.action.billing.account_state",
  "billing.invoiced": "audit.action.billing.invoiced",
  "billing.refunded": "audit.action.billing.refunded",
  "wallet.topup_requested": "audit.action.wallet.topup_requested",
  "wallet.adjusted": "audit.action.wallet.adjusted",
  "admin.impersonation_started": "audit.action.admin.impersonation_started",
  "platform.settings_changed": "audit.action.platform.settings_changed",
  "contact.exported": "audit.action.contact.exported",
  "contact.erased": "audit.action.contact.erased",
  "account.exported": "audit.action.account.exported",
  "account.deletion_scheduled": "audit.action.account.deletion_scheduled",
  "account.deletion_cancelled": "audit.action.account.deletion_cancelled",
  "webhook.created": "audit.action.webhook.created",
  "webhook.updated": "audit.action.webhook.updated",
  "webhook.deleted": "audit.action.webhook.deleted",
  "webhook.secret_rotated": "audit.action.webhook.secret_rotated",
  "webhook.replayed": "audit.action.webhook.replayed",
  "webhook.disabled": "audit.action.webhook.disabled",
  "team.created": "audit.action.team.created",
  "team.updated": "audit.action.team.updated",
  "team.deleted": "audit.action.team.deleted",
  "automation.created": "audit.action.automation.created",
  "automation.updated": "audit.action.automation.updated",
  "automation.deleted": "audit.action.automation.deleted",
  "business_hours.updated": "audit.action.business_hours.updated",
};

/** An action in words; an action this version does not know stays as the server wrote it. */
export function actionPhrase(action: string, t: Translate): string {
  const key = Object.prototype.hasOwnProperty.call(ACTION_KEYS, action) ? ACTION_KEYS[action] : undefined;
  return key ? t(key) : action;
}

/** Rows whose action (as written, or in words) contains `query`, ignoring case and surrounding spaces. */
export function filterRows(rows: readonly AuditRow[], query: string, phrase: (action: string) => string): AuditRow[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return [...rows];
  return rows.filter((r) => r.action.toLocaleLowerCase().includes(q) || phrase(r.action).toLocaleLowerCase().includes(q));
}

// ---- who, and what to ----

/**
 * An id shortened to its last 8 characters after an ellipsis (`…c0ffee42`);
 * ids of 12 characters or fewer stay whole. The end, not the start: the
 * server's ids are UUIDv7, whose first characters are a timestamp shared by
 * everything made in the same minute, while the last ones are random.
 */
export function shortId(id: string | null | undefined): string {
  if (!id) return "";
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

const ACTOR_KINDS: readonly string[] = ["user", "api_key", "system", "anonymous"];

export interface Who {
  /** `user`, `api_key`, `system`, `anonymous` (another kind reads as written). */
  kind: string;
  /** The person's name when known, else the shortened id; empty without an id. */
  label: string;
  /** Whether `label` is a name (not an id). */
  named: boolean;
}

/** Who acted: a user's name from `names` (id → name) where known, else the id shortened. */
export function actorOf(row: Pick<AuditRow, "actor_kind" | "actor_id">, names: ReadonlyMap<string, string>): Who {
  const kind = ACTOR_KINDS.includes(row.actor_kind) ? row.actor_kind : String(row.actor_kind);
  const name = row.actor_kind === "user" && row.actor_id ? names.get(row.actor_id) : undefined;
  if (name) return { kind, label: name, named: true };
  return { kind, label: shortId(row.actor_id), named: false };
}

export interface Target {
  /** `user`, `api_key`, `channel`, `plan`, `tenant`, … (empty when the target has no `kind:`). */
  kind: string;
  id: string;
  /** `kind:name` for a user or account whose name is known, else `kind:short-id` (an id of 12 characters or fewer, e.g. a plan's code, whole). */
  label: string;
  named: boolean;
}

/**
 * What it was done to (`user:<id>` → the member's name when `names` knows it;
 * `tenant:<id>` → the account's name when `tenants` knows it).
 */
export function targetOf(
  target: string | null | undefined,
  names: ReadonlyMap<string, string>,
  tenants: ReadonlyMap<string, string> = new Map(),
): Target | null {
  if (!target) return null;
  const colon = target.indexOf(":");
  const kind = colon > 0 ? target.slice(0, colon) : "";
  const id = colon > 0 ? target.slice(colon + 1) : target;
  const name = kind === "user" ? names.get(id) : kind === "tenant" ? tenants.get(id) : undefined;
  if (name) return { kind, id, label: name, named: true };
  return { kind, id, label: kind ? `${kind}:${shortId(id)}` : shortId(id), named: false };
}

// ---- before → after ----

export interface FieldChange {
  /** A dotted path (`limits.agents`); "" when the value itself is not an object. */
  key: string;
  kind: "added" | "removed" | "changed";
  before: unknown;
  after: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Nested objects are followed this deep; deeper ones compare as a whole. */
const MAX_DEPTH = 3;

function flatten(value: unknown, prefix: string, depth: number, out: Map<string, unknown>): void {
  if (isPlainObject(value) && depth < MAX_DEPTH) {
    const keys = Object.keys(value);
    // An empty object at the top is "nothing"; nested, it is a value.
    if (keys.length === 0 && prefix) out.set(prefix, value);
    for (const k of keys) flatten(value[k], prefix ? `${prefix}.${k}` : k, depth + 1, out);
    return;
  }
  out.set(prefix, value);
}

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return v === undefined ? "undefined" : JSON.stringify(v);
}

/**
 * The keys that differ between `before` and `after` (nested objects as dotted
 * paths), in the order they appear: before's keys, then the ones only after
 * has. A missing side (null/undefined) makes every key added or removed;
 * unchanged keys are left out.
 */
export function diffChange(before: unknown, after: unknown): FieldChange[] {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  if (!hasBefore && !hasAfter) return [];
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  if (hasBefore) flatten(before, "", 0, b);
  if (hasAfter) flatten(after, "", 0, a);
  const keys = [...b.keys(), ...[...a.keys()].filter((k) => !b.has(k))];
  const out: FieldChange[] = [];
  for (const key of keys) {
    const inB = b.has(key);
    const inA = a.has(key);
    if (inB && inA) {
      if (canonical(b.get(key)) !== canonical(a.get(key))) out.push({ key, kind: "changed", before: b.get(key), after: a.get(key) });
    } else if (inA) {
      out.push({ key, kind: "added", before: undefined, after: a.get(key) });
    } else {
      out.push({ key, kind: "removed", before: b.get(key), after: undefined });
    }
  }
  return out;
}

/** A value in a line: strings as they are, lists joined, anything else as JSON; cut at `max` characters. */
export function formatValue(v: unknown, max = 40): string {
  let s: string;
  if (v === undefined) s = "—";
  else if (typeof v === "string") s = v;
  else if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) s = `[${v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")}]`;
  else s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

/** One change in a line: `role: agent → tenant_admin`, `email: a@b` (added), `email: a@b → —` (removed). */
export function changeLine(c: FieldChange, max = 40): string {
  const label = c.key ? `${c.key}: ` : "";
  if (c.kind === "added") return `${label}${formatValue(c.after, max)}`;
  if (c.kind === "removed") return `${label}${formatValue(c.before, max)} → —`;
  return `${label}${formatValue(c.before, max)} → ${formatValue(c.after, max)}`;
}

/** The first `shown` changes as lines, and how many more there are. */
export function summariseChange(changes: readonly FieldChange[], shown = 3): { lines: string[]; more: number } {
  return { lines: changes.slice(0, shown).map((c) => changeLine(c)), more: Math.max(0, changes.length - shown) };
}

// ---- paging ----

/** The rows loaded so far and where the next page starts. */
export interface AuditPaging {
  rows: AuditRow[];
  /** The `before` of the next page; null: nothing more (or nothing loaded yet, see `loaded`). */
  cursor: string | null;
  /** Whether a first page has arrived. */
  loaded: boolean;
}

export const NO_PAGES: AuditPaging = { rows: [], cursor: null, loaded: false };

/** Rows per page asked for (the server allows 1 to 100). */
export const AUDIT_PAGE_SIZE = 50;

/** The query of the first page (cursor null) or the next one. */
export function pageQuery(cursor: string | null, limit = AUDIT_PAGE_SIZE): { before?: string; limit: number } {
  const n = Math.min(100, Math.max(1, Math.floor(limit)));
  return cursor ? { before: cursor, limit: n } : { limit: n };
}

/**
 * Adds a page: the first one (`first`) replaces what was loaded; a later one
 * is appended. Rows are kept newest first, each id once (a row that shows up
 * again — the log grew between pages — is not doubled).
 */
export function addPage(state: AuditPaging, page: AuditPage, first: boolean): AuditPaging {
  const seen = new Set<number>();
  const rows: AuditRow[] = [];
  for (const r of [...(first ? [] : state.rows), ...page.data]) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    rows.push(r);
  }
  rows.sort((x, y) => y.id - x.id);
  return { rows, cursor: page.next_cursor ?? null, loaded: true };
}

/** Whether "Load more" has something to load. */
export function hasMorePages(state: AuditPaging): boolean {
  return state.loaded && state.cursor !== null;
}

// ---- verification ----

export type VerifyOutcome = { intact: true } | { intact: false; badId: number | null };

/** `GET /audit/verify`'s answer as an outcome. */
export function verifyOutcome(v: AuditVerify): VerifyOutcome {
  if (v.valid) return { intact: true };
  return { intact: false, badId: typeof v.first_bad_id === "number" ? v.first_bad_id : null };
}

/** The outcome in words: "Intact", or "Row #N was changed or removed". */
export function verifyText(o: VerifyOutcome, t: Translate): string {
  if (o.intact) return t("audit.verify.intact");
  return o.badId === null ? t("audit.verify.brokenUnknown") : t("audit.verify.broken", { id: o.badId });
}
