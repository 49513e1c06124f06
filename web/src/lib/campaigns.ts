// Broadcast campaigns: template placeholders and their sources, the sample
// the wizard renders, money, progress, and merging live progress frames.
// The placeholder and rendering rules mirror the server's
// (src/campaigns/audience.rs) so what the wizard shows is what gets sent.

import type { CampaignStats, CampaignStatus, CampaignView, Cost, PreviewSample, RecipientView, SkipReason, TemplateRef } from "./apiTypes";
import type { CampaignProgressEvent, TemplateComponentFull, TemplateFull } from "./types";

// ---- newer server fields ----
// Recipient-local send times, quiet hours and split tests: declared here as
// optional extensions of the generated types, so the app compiles against a
// server without them and still once apiTypes.ts has them.

/** No recipient is sent to while it is between `start` and `end` ("HH:MM") in their own zone; start > end wraps past midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** `{"local": {date, time}}`: each recipient gets it at this wall-clock time in their own zone. */
export interface LocalSend {
  date: string;
  time: string;
}

/** Variant B of a split test: its template and sources, and the share of the audience that gets it. */
export interface VariantB {
  template: TemplateRef;
  variables: Record<string, Record<string, string>[]>;
  split_percent: number;
}

export type Variant = "a" | "b";

/** One variant's counts (sent/delivered/read cumulative like the funnel). */
export interface VariantStats {
  variant: Variant;
  template: TemplateRef;
  audience: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  clicked: number;
  failed: number;
}

export type CampaignViewExt = CampaignView & {
  /** The business's IANA zone (for recipients whose own zone is unknown). */
  timezone?: string;
  quiet_hours?: QuietHours | null;
  /** Set when it was scheduled at a local time. */
  local_send?: LocalSend | null;
  variant_b?: VariantB | null;
};

export type CampaignStatsExt = CampaignStats & {
  /** Of `pending`: recipients whose local send time or quiet hours have not come yet. */
  waiting_local_time?: number;
  /** Per variant: empty without a split test. */
  variants?: VariantStats[];
};

export type RecipientViewExt = RecipientView & {
  /** Their IANA zone. */
  timezone?: string | null;
  /** When their turn comes (a local send time or the end of quiet hours). */
  send_after?: string | null;
  variant?: Variant | null;
};

export type PreviewSampleExt = PreviewSample & { variant?: Variant | null };

/** A campaign as the list and detail endpoints return it: with its counts. */
export type CampaignWithStats = CampaignViewExt & { stats: CampaignStatsExt };

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

// ---- recipient-local time and quiet hours ----

/** "09:30" (24-hour, minutes): the form of a time of day the server takes. */
export function isTimeOfDay(s: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(s);
}

/** "2026-12-01", a real calendar day. */
export function isDateOnly(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The quiet hours as the form holds them. */
export interface QuietDraft {
  enabled: boolean;
  start: string;
  end: string;
}

export const DEFAULT_QUIET: QuietDraft = { enabled: false, start: "21:00", end: "09:00" };

/** The campaign's `quiet_hours`: null when off; an error key when a time is unreadable or both are the same. */
export function quietHoursToApi(q: QuietDraft): { value: QuietHours | null } | { error: "quietTimes" | "quietSame" } {
  if (!q.enabled) return { value: null };
  if (!isTimeOfDay(q.start) || !isTimeOfDay(q.end)) return { error: "quietTimes" };
  if (q.start === q.end) return { error: "quietSame" };
  return { value: { start: q.start, end: q.end } };
}

/** A stored `quiet_hours` back into the form (off, with the defaults, when unset or unreadable). */
export function quietHoursFromApi(v: unknown): QuietDraft {
  if (typeof v !== "object" || v === null) return DEFAULT_QUIET;
  const { start, end } = v as { start?: unknown; end?: unknown };
  if (typeof start !== "string" || typeof end !== "string") return DEFAULT_QUIET;
  // The server may answer "21:00:00".
  return { enabled: true, start: start.slice(0, 5), end: end.slice(0, 5) };
}

/** Whether quiet hours run past midnight (21:00 → 09:00). */
export const quietWraps = (q: QuietHours) => q.start > q.end;

/** Whether a time of day ("HH:MM") is quiet: in [start, end), wrapping past midnight (as the server reckons it). */
export function inQuietHours(q: QuietHours, time: string): boolean {
  const start = q.start.slice(0, 5);
  const end = q.end.slice(0, 5);
  return start < end ? time >= start && time < end : time >= start || time < end;
}

/** The time of day ("HH:MM", 24-hour) at a moment in a zone (UTC when the zone is unknown). */
export function timeOfDayIn(zone: string | null | undefined, at: number): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone && isTimeZone(zone) ? zone : "UTC",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${part("hour")}:${part("minute")}`;
}

/**
 * Old names browsers' time-zone data (ICU) still lists, and the IANA names
 * people know them by now (the server takes both).
 */
const ZONE_RENAMES: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Etc/UTC": "UTC",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** A zone by its current IANA name ("Asia/Calcutta" → "Asia/Kolkata") when this browser knows that name too. */
export function canonicalZone(zone: string): string {
  const renamed = ZONE_RENAMES[zone];
  return renamed && isTimeZone(renamed) ? renamed : zone;
}

/** The browser's IANA zone ("UTC" when it cannot tell). */
export function browserTimeZone(): string {
  try {
    return canonicalZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  } catch {
    return "UTC";
  }
}

/** Whether `Intl` knows a zone name. */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zones to pick from: the browser's list (`Intl.supportedValuesOf`,
 * old names by their current ones), with UTC and any `extra` (the browser's
 * own, a stored one) that it leaves out; UTC first, the rest sorted.
 */
export function timeZoneOptions(extra: readonly string[] = [], supported?: readonly string[]): string[] {
  let list: readonly string[] = supported ?? [];
  if (!supported) {
    try {
      list = Intl.supportedValuesOf("timeZone");
    } catch {
      list = [];
    }
  }
  const set = new Set<string>(list.map(canonicalZone));
  for (const z of extra) if (z) set.add(z);
  set.delete("UTC");
  return ["UTC", ...[...set].sort()];
}

/** When the campaign goes: now, at a moment, or at a wall-clock time in each recipient's zone. */
export type ScheduleKind = "now" | "at" | "local";

export interface ScheduleDraft {
  kind: ScheduleKind;
  /** A `datetime-local` value (the browser's zone) for `at`. */
  at: string;
  /** For `local`. */
  date: string;
  time: string;
}

/** A local wall-clock time has passed everywhere once it has passed at UTC−12. */
const LATEST_OFFSET_MS = 12 * 60 * 60 * 1000;

/**
 * `POST /campaigns/{id}/schedule`'s body for a draft's choice; null for
 * "now" (it is started instead); an error key when the time is unreadable
 * or past (a local time: past in every zone).
 */
export function schedulePayload(
  s: ScheduleDraft,
  now: number,
): { body: null } | { body: { at: string } | { local: LocalSend } } | { error: "scheduleFuture" | "localInvalid" } {
  if (s.kind === "now") return { body: null };
  if (s.kind === "at") {
    const at = localInputToIso(s.at);
    if (!at || Date.parse(at) <= now) return { error: "scheduleFuture" };
    return { body: { at } };
  }
  if (!isDateOnly(s.date) || !isTimeOfDay(s.time)) return { error: "localInvalid" };
  const floating = Date.parse(`${s.date}T${s.time}:00Z`);
  if (floating + LATEST_OFFSET_MS <= now) return { error: "scheduleFuture" };
  return { body: { local: { date: s.date, time: s.time } } };
}

/** A stored `local_send` (date and time; the server may add seconds). */
export function localSendOf(v: unknown): LocalSend | null {
  if (typeof v !== "object" || v === null) return null;
  const { date, time } = v as { date?: unknown; time?: unknown };
  if (typeof date !== "string" || typeof time !== "string") return null;
  return { date, time: time.slice(0, 5) };
}

/** "YYYY-MM-DD" of a moment in the browser's zone. */
export function toDateInput(t: number): string {
  return toLocalInput(t).slice(0, 10);
}

/** A moment as read in a zone (the browser's own when the zone is unknown or missing). */
export function formatInZone(iso: string, zone: string | null | undefined, locale: string): string {
  const opts: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (zone && isTimeZone(zone)) return new Intl.DateTimeFormat(locale, { ...opts, timeZone: zone }).format(d);
  return new Intl.DateTimeFormat(locale, opts).format(d);
}

/** "2026-12-01" + "10:00" in words ("1 Dec 2026, 10:00"), as a wall-clock time (no zone). */
export function formatLocalSend(l: LocalSend, locale: string): string {
  const t = Date.parse(`${l.date}T${l.time}:00Z`);
  if (Number.isNaN(t)) return `${l.date} ${l.time}`;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(t));
}

// ---- split tests ----

export const DEFAULT_SPLIT = 50;

/** A split percentage from an input: a whole number 1–99, or null. */
export function parseSplitPercent(text: string | number): number | null {
  const n = typeof text === "number" ? text : Number(String(text).trim());
  return Number.isInteger(n) && n >= 1 && n <= 99 ? n : null;
}

/** Variant B as the form holds it. */
export interface VariantDraft {
  enabled: boolean;
  templateId: string;
  sources: Record<ParamComponent, SourceDraft[]>;
  percent: string;
}

export const NO_VARIANT: VariantDraft = { enabled: false, templateId: "", sources: { header: [], body: [] }, percent: String(DEFAULT_SPLIT) };

/**
 * The campaign's `variant_b`: null without a split test; an error key when
 * it lacks a template, a source or a valid percentage.
 */
export function variantBToApi(
  v: VariantDraft,
  templates: readonly Pick<TemplateFull, "id" | "name" | "language">[],
  columns: readonly string[] = [],
): { value: VariantB | null } | { error: "needTemplateB" | "needSourcesB" | "splitRange" } {
  if (!v.enabled) return { value: null };
  const tpl = templates.find((x) => x.id === v.templateId);
  if (!tpl) return { error: "needTemplateB" };
  if (PARAM_COMPONENTS.some((k) => v.sources[k].some((s) => !sourceComplete(s, columns)))) return { error: "needSourcesB" };
  const percent = parseSplitPercent(v.percent);
  if (percent === null) return { error: "splitRange" };
  return { value: { template: { name: tpl.name, language: tpl.language }, variables: variablesOf(v.sources), split_percent: percent } };
}

/** A stored `variant_b` back into the form: its template found among `templates` (by name and language), sources fitted to it. */
export function variantBFromApi(v: unknown, templates: readonly TemplateFull[]): VariantDraft {
  if (typeof v !== "object" || v === null) return NO_VARIANT;
  const b = v as Partial<VariantB>;
  const tpl = b.template ? templates.find((x) => x.name === b.template?.name && x.language === b.template?.language) : undefined;
  const counts = placeholderCounts(tpl?.components);
  const stored = (k: ParamComponent) => (b.variables?.[k] ?? []).map(sourceFromApi);
  return {
    enabled: true,
    templateId: tpl?.id ?? "",
    sources: tpl ? { header: fitSources(stored("header"), counts.header), body: fitSources(stored("body"), counts.body) } : { header: [], body: [] },
    percent: String(typeof b.split_percent === "number" ? b.split_percent : DEFAULT_SPLIT),
  };
}

/**
 * Templates that can be variant B of `a`: approved, of the same account and
 * category, not `a` itself.
 */
export function variantCandidates(templates: readonly TemplateFull[], a: TemplateFull | null, wabaId: string | null): TemplateFull[] {
  if (!a) return [];
  const category = (a.category ?? "").toUpperCase();
  return templates.filter(
    (x) =>
      x.id !== a.id &&
      x.status.toUpperCase() === "APPROVED" &&
      (x.category ?? "").toUpperCase() === category &&
      (!wabaId || x.waba_id === wabaId),
  );
}

/** How many of `n` recipients get B at `percent` (about: the server splits them exactly). */
export function splitCount(n: number, percent: number): { a: number; b: number } {
  const b = Math.round((n * percent) / 100);
  return { a: n - b, b };
}

/** The per-variant rows, A first; empty without a split test. */
export function variantRows(s: CampaignStatsExt): VariantStats[] {
  const rows = Array.isArray(s.variants) ? s.variants.filter((v) => v.variant === "a" || v.variant === "b") : [];
  return [...rows].sort((x, y) => x.variant.localeCompare(y.variant));
}

export const VARIANT_METRICS = ["sent", "delivered", "read", "replied", "clicked", "failed"] as const;
export type VariantMetric = (typeof VARIANT_METRICS)[number];

/** The comparison chart's rows: one per metric with each variant's count. */
export function variantChartRows(rows: readonly VariantStats[]): { key: VariantMetric; a: number; b: number }[] {
  const a = rows.find((r) => r.variant === "a");
  const b = rows.find((r) => r.variant === "b");
  return VARIANT_METRICS.map((key) => ({ key, a: a?.[key] ?? 0, b: b?.[key] ?? 0 }));
}

/** A count as a share of a variant's audience, in whole percent (0 with no audience). */
export function rateOf(count: number, audience: number): number {
  return audience > 0 ? Math.round((count / audience) * 100) : 0;
}

// ---- button taps ----

/** Recipients per tapped button text, most first (ties by text). */
export function buttonBars(s: CampaignStats): { button: string; value: number }[] {
  return Object.entries(s.by_button ?? {})
    .map(([button, value]) => ({ button, value: value ?? 0 }))
    .filter((x) => x.value > 0)
    .sort((a, b) => b.value - a.value || a.button.localeCompare(b.button));
}

// ---- retargeting ----

export const RETARGET_RULES = ["delivered_not_read", "read_no_reply", "failed_retryable"] as const;
export type RetargetRule = (typeof RETARGET_RULES)[number];
export const isRetargetRule = (s: unknown): s is RetargetRule => typeof s === "string" && (RETARGET_RULES as readonly string[]).includes(s);
export const MAX_AFTER_HOURS = 720;
export const DEFAULT_AFTER_HOURS = 24;

/** A retarget draft's audience: the earlier campaign and the rule. */
export interface RetargetAudience {
  campaign_id: string;
  rule: RetargetRule;
  after_hours: number | null;
  columns: string[] | null;
}

/** The `{"retarget": …}` part of a campaign's audience, or null when it is something else. */
export function audienceRetarget(audience: Record<string, unknown> | null | undefined): RetargetAudience | null {
  const r = audience?.retarget;
  if (typeof r !== "object" || r === null || Array.isArray(r)) return null;
  const { campaign_id, rule, after_hours, columns } = r as Record<string, unknown>;
  if (typeof campaign_id !== "string" || !isRetargetRule(rule)) return null;
  return {
    campaign_id,
    rule,
    after_hours: typeof after_hours === "number" ? after_hours : null,
    columns: Array.isArray(columns) ? columns.filter((x): x is string => typeof x === "string") : null,
  };
}

/** Only a campaign that started can be retargeted. */
export const canRetarget = (s: CampaignStatus) => s === "running" || s === "paused" || s === "completed" || s === "cancelled";

/**
 * `POST /campaigns/{id}/retarget`'s body; an error key when the hours are
 * not a whole number from 1 to 720. A blank name lets the server name it.
 */
export function retargetBody(
  rule: RetargetRule,
  hours: string,
  name: string,
): { body: { rule: RetargetRule; after_hours?: number; name?: string } } | { error: "hoursRange" } {
  const body: { rule: RetargetRule; after_hours?: number; name?: string } = { rule };
  if (rule === "delivered_not_read") {
    const n = Number(hours.trim());
    if (!hours.trim() || !Number.isInteger(n) || n < 1 || n > MAX_AFTER_HOURS) return { error: "hoursRange" };
    body.after_hours = n;
  }
  if (name.trim()) body.name = name.trim();
  return { body };
}
