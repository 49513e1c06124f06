// Metering as the Usage page and the live limit alerts show it: billing
// months (calendar months in UTC, `?period=2026-11`), the monthly unique
// users against the plan's limit, Meta's charges (exact in ten-thousandths
// of the currency unit, shown in minor units), and the `usage:alert` frame.

import type { MessageKey } from "../i18n/translate";
import type { UsageAlert, UsageCategory, UsageDay, UsageView } from "./apiTypes";
import { formatMoney, minorDigits } from "./campaigns";
import type { Translate } from "./errors";
import { byPosition, type LimitUse, type PlanView } from "./plans";

export type { UsageAlert, UsageCategory, UsageDay, UsageView };

/** The limit the meter counts (and alerts on). */
export const MAU_KEY = "monthly_unique_users";

/** At this share of the limit the page warns (and the server's first alert fires). */
export const NEAR_RATIO = 0.8;

// ---- periods ----

const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "2026-11": a month the API takes as `?period=`. */
export function isPeriod(s: string | null | undefined): s is string {
  if (!s) return false;
  const m = PERIOD_RE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  return y >= 2000 && y <= 2100;
}

/** The billing month (UTC) holding the instant `t` (ms). */
export function periodOf(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The month `by` months after `period` (negative: before). */
export function shiftPeriod(period: string, by: number): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  const index = y * 12 + (m - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** The month picker's choices: this month first, then `back` months before it. */
export function recentPeriods(now: number, back = 12): string[] {
  const current = periodOf(now);
  return Array.from({ length: back + 1 }, (_, i) => shiftPeriod(current, -i));
}

/** "November 2026" (in the reader's language); the month is read in UTC. */
export function periodLabel(period: string, locale: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(Date.UTC(y, m - 1, 1));
}

/** The period of a `GET /usage` answer ("2026-11"), from its start. */
export function periodOfView(view: Pick<UsageView, "period">): string {
  const t = Date.parse(view.period.start);
  return Number.isNaN(t) ? view.period.start.slice(0, 7) : periodOf(t);
}

/** A day of the period ("2026-11-03") → "3 Nov" (UTC). */
export function dayLabel(day: string, locale: string, style: "short" | "long" = "short"): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t)) return day;
  return new Intl.DateTimeFormat(locale, style === "short" ? { day: "numeric", month: "short", timeZone: "UTC" } : { dateStyle: "medium", timeZone: "UTC" }).format(t);
}

// ---- money ----

/** Ten-thousandths → minor units, rounded half up (as the server rounds `amount_minor`). */
export function e4ToMinor(e4: number, currency = "INR"): number {
  const digits = minorDigits(currency);
  const step = 10 ** Math.max(0, 4 - digits);
  return Math.floor((e4 + step / 2) / step);
}

/** Ten-thousandths → "₹1.73" (the currency's own decimals). */
export function formatE4(e4: number, currency: string, locale: string): string {
  return formatMoney({ currency, amount_minor: e4ToMinor(e4, currency) }, locale);
}

/** Ten-thousandths → "₹1.7262": Meta's four decimals, exactly. */
export function formatE4Exact(e4: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: 4, maximumFractionDigits: 4 }).format(e4 / 10_000);
  } catch {
    return `${(e4 / 10_000).toFixed(4)} ${currency}`;
  }
}

// ---- the limit ----

/** The monthly unique users against the plan's limit (null: unlimited), as the Plan page's bars take it. */
export function mauUse(view: Pick<UsageView, "monthly_unique_users" | "limits">): LimitUse {
  const used = view.monthly_unique_users;
  const raw = view.limits[MAU_KEY];
  const limit = typeof raw === "number" ? raw : null;
  if (limit === null) return { used, limit, atLimit: false, ratio: 0 };
  return { used, limit, atLimit: used >= limit, ratio: limit === 0 ? 1 : Math.min(1, used / limit) };
}

export type UsageLevel = "ok" | "near" | "over";

/** "near" from 80% of the limit, "over" at 100% (no more new customers for campaigns). */
export function usageLevel(use: LimitUse): UsageLevel {
  if (use.limit === null) return "ok";
  if (use.atLimit) return "over";
  return use.used >= use.limit * NEAR_RATIO ? "near" : "ok";
}

/** Whole percent of the limit used (for the page; may pass 100). Null when unlimited. */
export function percentUsed(use: LimitUse): number | null {
  if (use.limit === null) return null;
  if (use.limit === 0) return 100;
  return Math.floor((use.used * 100) / use.limit);
}

/** The first offered plan (in pricing order, not the current one) allowing more than `allowed` of `key`. */
export function upgradeFor(plans: readonly PlanView[], currentCode: string, key: string, allowed: number): { name: string; limit: number | null } | null {
  for (const p of byPosition(plans.filter((p) => p.code !== currentCode && p.active !== false))) {
    const raw = p.limits[key];
    const limit = typeof raw === "number" ? raw : null;
    if (limit === null || limit > allowed) return { name: p.name, limit };
  }
  return null;
}

/** The hint under the bar when the limit is near or reached: how much is used, and the plan that allows more. */
export function upgradeHintText(
  level: UsageLevel,
  use: LimitUse,
  planName: string,
  upgrade: { name: string; limit: number | null } | null,
  t: Translate,
  locale: string,
): string {
  if (level === "ok" || use.limit === null) return "";
  const num = new Intl.NumberFormat(locale);
  const head =
    level === "over"
      ? t("usage.hint.over", { plan: planName, limit: num.format(use.limit) })
      : t("usage.hint.near", { plan: planName, limit: num.format(use.limit), percent: percentUsed(use) ?? 0 });
  const up = upgrade
    ? upgrade.limit === null
      ? t("usage.hint.upgradeUnlimited", { name: upgrade.name })
      : t("usage.hint.upgradeLimit", { name: upgrade.name, limit: num.format(upgrade.limit) })
    : "";
  return [head, up, t("plan.gate.ask")].filter(Boolean).join(" ");
}

// ---- the period's figures ----

/** Nothing metered in the period: no customer reached, nothing delivered, nothing charged. */
export function isEmptyUsage(view: Pick<UsageView, "monthly_unique_users" | "by_day" | "by_category" | "cost" | "alerts">): boolean {
  return (
    view.monthly_unique_users === 0 &&
    view.cost.amount_e4 === 0 &&
    view.by_category.length === 0 &&
    view.alerts.length === 0 &&
    view.by_day.every((d) => d.new_users === 0 && d.delivered === 0 && d.cost_e4 === 0)
  );
}

/** The days with anything in them (the table leaves out empty days). */
export function activeDays(days: readonly UsageDay[]): UsageDay[] {
  return days.filter((d) => d.new_users > 0 || d.delivered > 0 || d.cost_e4 > 0);
}

/** The largest value of a series (at least 1, to scale bars by). */
export function maxOf(days: readonly UsageDay[], key: "new_users" | "delivered" | "cost_e4"): number {
  return days.reduce((m, d) => Math.max(m, d[key]), 1);
}

/** A bar's height in percent of the tallest (a small stub for any non-zero value). */
export function barPercent(value: number, max: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.max(4, Math.round((value / max) * 100));
}

/** The categories' totals (the table's footer). */
export function categoryTotals(cats: readonly UsageCategory[]): { delivered: number; charged: number; cost_e4: number } {
  return cats.reduce((s, c) => ({ delivered: s.delivered + c.delivered, charged: s.charged + c.charged, cost_e4: s.cost_e4 + c.cost_e4 }), { delivered: 0, charged: 0, cost_e4: 0 });
}

const KNOWN_CATEGORIES = ["marketing", "marketing_lite", "utility", "authentication", "authentication_international", "service", "referral_conversion"] as const;

/** Meta's pricing category in words ("Marketing"); an unknown one as it came, underscores as spaces. */
export function categoryLabel(category: string, t: Translate): string {
  const key = category.toLowerCase().replace(/-/g, "_");
  if ((KNOWN_CATEGORIES as readonly string[]).includes(key)) return t(`usage.category.${key}` as MessageKey);
  const words = category.replace(/[_-]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : category;
}

/** What a limit's key counts, for the alerts ("customers a month"). */
function limitWhat(limit: string, t: Translate): string {
  return limit === MAU_KEY ? t("usage.customers") : limit.replace(/_/g, " ");
}

/** An alert that fired: "80% reached: 4 of 5 customers". */
export function alertRowText(alert: Pick<UsageAlert, "limit" | "threshold" | "used" | "allowed">, t: Translate, locale: string): string {
  const num = new Intl.NumberFormat(locale);
  return t("usage.alerts.row", { threshold: alert.threshold, used: num.format(alert.used), allowed: num.format(alert.allowed), what: limitWhat(alert.limit, t) });
}

// ---- the live alert ----

/** `usage:alert`: 80% / 100% of a limit reached this period (sent once per period each). */
export interface UsageAlertEvent {
  limit: string;
  threshold: number;
  used: number;
  allowed: number;
  /** The period's first day ("2026-11-01"). */
  period: string;
}

/** The frame's data, checked; null for anything malformed. */
export function parseUsageAlert(data: unknown): UsageAlertEvent | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  if (typeof d.limit !== "string" || !num(d.threshold) || !num(d.used) || !num(d.allowed)) return null;
  return { limit: d.limit, threshold: d.threshold as number, used: d.used as number, allowed: d.allowed as number, period: typeof d.period === "string" ? d.period : "" };
}

/** Adds a live alert to those shown: one per limit and period, the higher threshold wins. */
export function addUsageAlert(shown: readonly UsageAlertEvent[], alert: UsageAlertEvent): UsageAlertEvent[] {
  const same = (a: UsageAlertEvent) => a.limit === alert.limit && a.period === alert.period;
  const prev = shown.find(same);
  if (prev && prev.threshold >= alert.threshold) return [...shown];
  return [alert, ...shown.filter((a) => !same(a))];
}

/** The banner's words: "You have reached 80% of your plan's 1,000 customers this month." */
export function liveAlertText(alert: UsageAlertEvent, t: Translate, locale: string): string {
  const num = new Intl.NumberFormat(locale);
  const params = { threshold: alert.threshold, allowed: num.format(alert.allowed), used: num.format(alert.used), what: limitWhat(alert.limit, t) };
  return alert.threshold >= 100 ? t("usage.live.over", params) : t("usage.live.near", params);
}
