// Broadcast campaigns: template placeholders and their sources, the sample
// the wizard renders, money, progress, and merging live progress frames.
// The placeholder and rendering rules mirror the server's
// (src/campaigns/audience.rs) so what the wizard shows is what gets sent.

import type { CampaignStats, CampaignStatus, CampaignView, Cost, SkipReason } from "./apiTypes";
import type { CampaignProgressEvent, TemplateComponentFull } from "./types";

/** A campaign as the list and detail endpoints return it: with its counts. */
export type CampaignWithStats = CampaignView & { stats: CampaignStats };

export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ["draft", "scheduled", "running", "paused", "completed", "cancelled"];
export const SKIP_REASONS: readonly SkipReason[] = ["invalid_phone", "duplicate", "opted_out", "us_marketing", "missing_variable", "contact_gone"];
/** What `GET /campaigns/{id}/messages?status=` filters by. */
export const RECIPIENT_STATUSES = ["pending", "sending", "accepted", "sent", "delivered", "read", "failed", "unconfirmed", "skipped", "cancelled"] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const isSkipReason = (s: string | null | undefined): s is SkipReason => !!s && (SKIP_REASONS as readonly string[]).includes(s);
export const isRecipientStatus = (s: string): s is RecipientStatus => (RECIPIENT_STATUSES as readonly string[]).includes(s);

/** Components whose text takes parameters, in the order Meta wants them. */
export const PARAM_COMPONENTS = ["header", "body"] as const;
export type ParamComponent = (typeof PARAM_COMPONENTS)[number];

function componentText(components: readonly TemplateComponentFull[], name: ParamComponent): string | null {
  const c = components.find((x) => (x.type ?? "").toLowerCase() === name);
  if (!c) return null;
  // A media header has no text parameters.
  if (name === "header" && c.format && c.format.toUpperCase() !== "TEXT") return null;
  return c.text ?? null;
}

/** How many `{{…}}` a template's text header and body hold: one source each. */
export function placeholderCounts(components: readonly TemplateComponentFull[] | undefined): Record<ParamComponent, number> {
  const count = (name: ParamComponent) => (componentText(components ?? [], name) ?? "").split("{{").length - 1;
  return { header: count("header"), body: count("body") };
}

/**
 * One component's text with the values filled in order (as the server
 * renders it); null when the template has no text for it. A missing or empty
 * value shows as `{{n}}`, so an unfinished mapping is visible.
 */
export function renderComponent(components: readonly TemplateComponentFull[], name: ParamComponent, values: readonly string[]): string | null {
  const text = componentText(components, name);
  if (text === null) return null;
  let i = 0;
  return text.replace(/\{\{[^}]*\}\}/g, () => {
    const v = values[i];
    i += 1;
    return v ? v : `{{${i}}}`;
  });
}

/** The header and body filled in, one line each, as the server's preview samples read. */
export function renderTemplate(components: readonly TemplateComponentFull[], values: Partial<Record<ParamComponent, readonly string[]>>): string {
  return PARAM_COMPONENTS.map((name) => renderComponent(components, name, values[name] ?? []))
    .filter((x): x is string => x !== null)
    .join("\n");
}

// ---- parameter sources ----

/** Where a placeholder's value comes from; `column` is a CSV audience's column. */
export type SourceKind = "name" | "phone" | "field" | "value" | "column";
/** The kinds offered for every audience (a CSV audience adds one `column` per column). */
export const SOURCE_KINDS: readonly SourceKind[] = ["name", "phone", "field", "value"];

/** One placeholder's source as the form holds it: `text` is the field key, the constant or the column. */
export interface SourceDraft {
  kind: SourceKind;
  text: string;
}

/** The API's `{"field": …}` / `{"value": …}` / `{"column": …}` for a source. */
export function sourceToApi(s: SourceDraft): Record<string, string> {
  switch (s.kind) {
    case "name":
      return { field: "contact.name" };
    case "phone":
      return { field: "contact.phone" };
    case "field":
      return { field: `contact.fields.${s.text.trim()}` };
    case "value":
      return { value: s.text };
    case "column":
      return { column: s.text.trim() };
  }
}

/** A stored source back into the form. */
export function sourceFromApi(v: Record<string, string> | undefined): SourceDraft {
  if (v && typeof v.value === "string") return { kind: "value", text: v.value };
  if (v && typeof v.column === "string") return { kind: "column", text: v.column };
  const field = v?.field ?? "";
  if (field === "contact.phone") return { kind: "phone", text: "" };
  if (field.startsWith("contact.fields.")) return { kind: "field", text: field.slice("contact.fields.".length) };
  return { kind: "name", text: "" };
}

/** The source select's value: the kind, or `column:<name>` for a CSV column. */
export function sourceSelectValue(s: SourceDraft): string {
  return s.kind === "column" ? `column:${s.text}` : s.kind;
}

/** A pick in the source select: a column names itself; another kind keeps the text only when it stays the same kind. */
export function sourceFromSelect(value: string, prev: SourceDraft): SourceDraft {
  if (value.startsWith("column:")) return { kind: "column", text: value.slice("column:".length) };
  const kind = (SOURCE_KINDS as readonly string[]).includes(value) ? (value as SourceKind) : "name";
  return { kind, text: kind === prev.kind ? prev.text : "" };
}

/** The campaign's `variables`: one source per placeholder, components without any left out. */
export function variablesOf(sources: Record<ParamComponent, readonly SourceDraft[]>): Record<string, Record<string, string>[]> {
  const out: Record<string, Record<string, string>[]> = {};
  for (const name of PARAM_COMPONENTS) {
    if (sources[name].length) out[name] = sources[name].map(sourceToApi);
  }
  return out;
}

/**
 * `count` sources for a component: the ones held, then `first` (the
 * contact's name unless told) for the first and constants after.
 */
export function fitSources(held: readonly SourceDraft[], count: number, first: SourceDraft = { kind: "name", text: "" }): SourceDraft[] {
  return Array.from({ length: count }, (_, i) => held[i] ?? (i === 0 ? first : { kind: "value", text: "" }));
}

/**
 * A source is complete when a field key or constant is given where one is
 * needed; a column must be one of `columns` (the uploaded CSV's; none
 * without a CSV audience).
 */
export function sourceComplete(s: SourceDraft, columns: readonly string[] = []): boolean {
  if (s.kind === "column") return columns.includes(s.text);
  return s.kind === "name" || s.kind === "phone" || s.text.trim() !== "";
}

/** The contact (or CSV row) the wizard's sample is rendered for. */
export interface SampleContact {
  name: string | null;
  phone: string | null;
  custom_fields?: Record<string, unknown>;
  /** A CSV row's cells by column. */
  columns?: Record<string, string>;
}

/** A source's value for a contact, trimmed like the server does; "" when the contact has none. */
export function sourceValue(s: SourceDraft, contact: SampleContact | null): string {
  if (s.kind === "value") return s.text.trim();
  if (!contact) return "";
  let v: unknown;
  if (s.kind === "name") v = contact.name;
  else if (s.kind === "phone") v = contact.phone;
  else if (s.kind === "column") v = contact.columns?.[s.text];
  else v = contact.custom_fields?.[s.text.trim()];
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v.trim() : JSON.stringify(v);
}

// ---- audience ----

/** "VIP, spring ,, vip" → ["vip", "spring"]: trimmed, lower-cased, unique (the server's rule). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const tag = part.trim().toLowerCase();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

/** The tags of a stored audience (`{"tags": [...]}`), empty for anything else. */
export function audienceTags(audience: Record<string, unknown> | null | undefined): string[] {
  const tags = audience?.tags;
  return Array.isArray(tags) ? tags.filter((x): x is string => typeof x === "string") : [];
}

// ---- money, progress ----

/** Digits after the point of a currency (2 for INR, 0 for JPY); 2 when unknown. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** 259 paise → "₹2.59". An unknown currency code shows as "2.59 XYZ". */
export function formatMoney(cost: Pick<Cost, "currency" | "amount_minor">, locale: string): string {
  const digits = minorDigits(cost.currency);
  const amount = cost.amount_minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency: cost.currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount);
  } catch {
    return `${amount.toFixed(digits)} ${cost.currency}`;
  }
}

/** Recipients Meta has been handed (whatever it answered since). */
export function handedOver(s: CampaignStats): number {
  return s.sending + s.accepted + s.sent + s.delivered + s.read + s.failed + s.unconfirmed;
}

/** How far the sending is: recipients handed over of those to send to (the audience less the skipped). */
export function progressOf(s: CampaignStats): { done: number; total: number; fraction: number } {
  const total = Math.max(0, s.audience - s.skipped);
  const done = handedOver(s);
  return { done, total, fraction: total > 0 ? Math.min(1, done / total) : 0 };
}

/** The funnel's bars, cumulative: reached at least sent, delivered, read; replied. */
export function funnelBars(s: CampaignStats): { key: "sent" | "delivered" | "read" | "replied"; value: number }[] {
  return [
    { key: "sent", value: s.funnel.sent },
    { key: "delivered", value: s.funnel.delivered },
    { key: "read", value: s.funnel.read },
    { key: "replied", value: s.funnel.replied },
  ];
}

/** Failed recipients per Meta error code, most first (ties by code). */
export function errorBars(s: CampaignStats): { code: string; value: number }[] {
  return Object.entries(s.by_error)
    .map(([code, value]) => ({ code, value: value ?? 0 }))
    .filter((x) => x.value > 0)
    .sort((a, b) => b.value - a.value || a.code.localeCompare(b.code));
}

// ---- status ----

export const canStart = (s: CampaignStatus) => s === "draft" || s === "scheduled";
export const canEdit = (s: CampaignStatus) => s === "draft";
export const canPause = (s: CampaignStatus) => s === "running";
export const canResume = (s: CampaignStatus) => s === "paused";
export const canCancel = (s: CampaignStatus) => s === "draft" || s === "scheduled" || s === "running" || s === "paused";
export const canDelete = (s: CampaignStatus) => s !== "running" && s !== "paused";
/** Replies count for this long after a message (and statuses trickle in meanwhile). */
const REPLY_WINDOW_MS = 72 * 60 * 60 * 1000;

/** Whether its counts can still change (sends, statuses, replies): worth following while it is shown. */
export function isLive(c: Pick<CampaignView, "status" | "completed_at">, now: number): boolean {
  if (c.status === "running" || c.status === "paused" || c.status === "scheduled") return true;
  if (c.status !== "completed") return false;
  const done = c.completed_at ? Date.parse(c.completed_at) : NaN;
  return Number.isNaN(done) || now - done < REPLY_WINDOW_MS;
}

export function campaignTone(s: CampaignStatus): "gray" | "green" | "amber" | "red" | "blue" | "brand" {
  switch (s) {
    case "draft":
      return "gray";
    case "scheduled":
      return "blue";
    case "running":
      return "brand";
    case "paused":
      return "amber";
    case "completed":
      return "green";
    case "cancelled":
      return "red";
  }
}

/** A campaign with a live `campaign:progress` frame applied (the same object when the frame is for another one). */
export function applyProgress<T extends CampaignWithStats>(c: T, e: CampaignProgressEvent): T {
  if (c.id !== e.campaign_id) return c;
  return { ...c, status: e.status, stats: e.stats };
}

// ---- scheduling ----

/** A `datetime-local` value ("2026-12-01T09:30", local time) as ISO 8601 UTC; null when unreadable. */
export function localInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** A moment as a `datetime-local` value in local time (minutes). */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
