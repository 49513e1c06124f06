// Service levels: the satisfaction survey's settings, SLA targets, the
// managers' reports (`/analytics/performance|conversations|csat|export`),
// a conversation's priority and SLA breach, and the live notifications of
// breaches and automation rules. The pure parts.

import type { CsatSettings, PerformanceRow, SlaPolicy } from "./apiTypes";
import { formatSecondsShort } from "./chart";

export type { CsatSettings, PerformanceRow, SlaPolicy };

// ---- date ranges ----

export const RANGE_PRESETS = [7, 30, 90] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
const DAY_MS = 86_400_000;

/** The last `days` days up to a minute from `now` (what just happened is in), as ISO times. */
export function rangeFor(days: number, now: number): { from: string; to: string } {
  const to = now + 60_000;
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString() };
}

// ---- durations and numbers ----

/** Seconds for people: "42s", "4m 12s", "2h 1m", "3d 4h"; null → "—". */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "—";
  const v = Math.max(0, Math.round(s));
  if (v < 86_400) return formatSecondsShort(v);
  const d = Math.floor(v / 86_400);
  const h = Math.floor((v % 86_400) / 3600);
  return h ? `${d}d ${h}h` : `${d}d`;
}

/** An average rating with one decimal ("4.3"), or "—". */
export function formatRating(avg: number | null | undefined, locale = "en"): string {
  if (avg === null || avg === undefined || !Number.isFinite(avg)) return "—";
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(avg);
}

// ---- reports ----

export type ReportBy = "agent" | "team";

export interface PerformanceReport {
  from: string;
  to: string;
  by: ReportBy | string;
  data: PerformanceRow[];
}

export interface ConversationDay {
  day: string;
  channel_id: string;
  channel_name: string | null;
  opened: number;
  resolved: number;
}

export interface ConversationsReport {
  from?: string;
  to?: string;
  data: ConversationDay[];
}

export interface CsatComment {
  conversation_id: string;
  rating: number;
  comment: string | null;
  at: string;
  agent_id: string | null;
  agent_name: string | null;
}

export interface CsatReport {
  responses: number;
  average: number | null;
  distribution: { rating: number; count: number }[];
  recent: CsatComment[];
}

/** Rows in a stable order: most resolved first, then by name (unnamed: "no team" / "nobody" last). */
export function sortPerformance(rows: readonly PerformanceRow[]): PerformanceRow[] {
  return [...rows].sort((a, b) => {
    if ((a.id === null) !== (b.id === null)) return a.id === null ? 1 : -1;
    return b.resolved - a.resolved || (a.name ?? "").localeCompare(b.name ?? "");
  });
}

/** "2026-11-03" for a Date or ISO time (UTC). */
function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Opened and resolved per day over every channel, one entry per day from
 * `from` to `to` (UTC days; days without any are zero). Without a range,
 * just the days in the rows.
 */
export function dailyTotals(rows: readonly ConversationDay[], from?: string, to?: string): { day: string; opened: number; resolved: number }[] {
  const byDay = new Map<string, { opened: number; resolved: number }>();
  const start = from ? Date.parse(from) : Number.NaN;
  const end = to ? Date.parse(to) : Number.NaN;
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start && end - start <= 400 * DAY_MS) {
    for (let t = Date.parse(`${dayKey(start)}T00:00:00Z`); t <= end; t += DAY_MS) byDay.set(dayKey(t), { opened: 0, resolved: 0 });
  }
  for (const r of rows) {
    const day = r.day.slice(0, 10);
    const cur = byDay.get(day) ?? { opened: 0, resolved: 0 };
    byDay.set(day, { opened: cur.opened + (r.opened || 0), resolved: cur.resolved + (r.resolved || 0) });
  }
  return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, v]) => ({ day, ...v }));
}

/** Ratings 1 to 5 (and any other the server sent), each with its count and share of all (0–100). */
export function csatBars(distribution: readonly { rating: number; count: number }[]): { rating: number; count: number; percent: number }[] {
  const counts = new Map<number, number>([1, 2, 3, 4, 5].map((r) => [r, 0]));
  for (const d of distribution) counts.set(d.rating, (counts.get(d.rating) ?? 0) + d.count);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts.entries()]
    .sort(([a], [b]) => b - a)
    .map(([rating, count]) => ({ rating, count, percent: total ? Math.round((count / total) * 100) : 0 }));
}

export type ExportReport = "performance" | "conversations" | "csat";

/** The file a report is saved as when the server gives no name. */
export function exportName(report: ExportReport, from: string): string {
  return `whatsflow-${report}-${from.slice(0, 10).replace(/-/g, "")}.csv`;
}

// ---- SLA targets ----

/** Minutes as typed: empty → null (no target), a whole number 1..max → it, anything else → undefined (invalid). */
export function parseMinutes(text: string, max: number): number | null | undefined {
  const v = text.trim();
  if (!v) return null;
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= max ? n : undefined;
}

export const MAX_FIRST_RESPONSE = 100_000;
export const MAX_RESOLUTION = 1_000_000;

/** Minutes for people: 90 → "1h 30m", 2880 → "2d"; null → "—". */
export function formatMinutes(m: number | null | undefined): string {
  if (m === null || m === undefined) return "—";
  return formatDuration(m * 60);
}

/** The policies in order: the account's default first, then teams by name. */
export function sortPolicies(list: readonly SlaPolicy[], teamName: (id: string) => string): SlaPolicy[] {
  return [...list].sort((a, b) => {
    if (a.team_id === null || b.team_id === null) return a.team_id === null ? (b.team_id === null ? 0 : -1) : 1;
    return teamName(a.team_id).localeCompare(teamName(b.team_id));
  });
}

// ---- a conversation's priority and breach ----

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

export function isPriority(p: unknown): p is Priority {
  return typeof p === "string" && (PRIORITIES as readonly string[]).includes(p);
}

/** The priority worth a chip: anything but normal (or none). */
export function priorityChip(p: string | null | undefined): Priority | null {
  return isPriority(p) && p !== "normal" ? p : null;
}

export const PRIORITY_TONE: Record<Priority, "gray" | "blue" | "amber" | "red"> = { low: "gray", normal: "blue", high: "amber", urgent: "red" };

/** Which target a breach missed: first_response, resolution, or null when not breached. */
export function breachOf(c: { sla_breached_at?: string | null; sla_breach?: string | null }): "first_response" | "resolution" | "other" | null {
  if (!c.sla_breached_at) return null;
  return c.sla_breach === "first_response" || c.sla_breach === "resolution" ? c.sla_breach : "other";
}

// ---- live notifications ----

export type ServiceToast =
  | { id: string; kind: "sla_breached"; conversationId: string; breach: string; at: number }
  | { id: string; kind: "automation"; conversationId: string | null; rule: string; message: string; at: number };

/**
 * A `notification` frame as a toast: `sla_breached`, or `automation` when it
 * names nobody or names `meId`. Null for anything else (or not for me).
 */
export function parseServiceToast(data: unknown, meId: string | null, now: number): ServiceToast | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const conversation = typeof d.conversation_id === "string" && d.conversation_id ? d.conversation_id : null;
  if (d.kind === "sla_breached") {
    if (!conversation) return null;
    const breach = typeof d.breach === "string" ? d.breach : "";
    return { id: `sla:${conversation}:${breach}`, kind: "sla_breached", conversationId: conversation, breach, at: now };
  }
  if (d.kind === "automation") {
    const users = Array.isArray(d.user_ids) ? d.user_ids.filter((x): x is string => typeof x === "string") : [];
    if (users.length > 0 && (meId === null || !users.includes(meId))) return null;
    const message = typeof d.message === "string" ? d.message : "";
    const rule = typeof d.rule === "string" ? d.rule : "";
    return { id: `auto:${typeof d.rule_id === "string" ? d.rule_id : rule}:${conversation ?? ""}:${now}`, kind: "automation", conversationId: conversation, rule, message, at: now };
  }
  return null;
}

/** Adds a toast (replacing one with the same id), newest first, at most `max`. */
export function addToast(list: readonly ServiceToast[], toast: ServiceToast, max = 4): ServiceToast[] {
  return [toast, ...list.filter((x) => x.id !== toast.id)].slice(0, max);
}

/** Toasts younger than `ttl` ms at `now`. */
export function liveToasts(list: readonly ServiceToast[], now: number, ttl: number): ServiceToast[] {
  const kept = list.filter((x) => now - x.at < ttl);
  return kept.length === list.length ? (list as ServiceToast[]) : kept;
}
