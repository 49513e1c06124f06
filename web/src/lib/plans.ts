// Plans, limits and the platform console: pure logic the pages share.
// Prices travel in minor units (paise) and are typed in rupees: the
// conversion is done on the digits (no floating point), so "4,999.50"
// is exactly 499950 paise. A limit of null is unlimited.

import { ApiError } from "./api";
import type { AccountPlan, PlanView, TenantSummary } from "./apiTypes";
import type { Translate } from "./errors";

export type { PlanView, TenantSummary };

/** The counted limits a plan may set, in the order pages show them. */
export const LIMIT_KEYS = ["agents", "numbers", "flows", "monthly_unique_users"] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** The limits the account's usage is counted for (`GET /account/plan` → usage). */
export const USAGE_KEYS = ["agents", "numbers", "flows"] as const;
export type UsageKey = (typeof USAGE_KEYS)[number];

/** The capabilities a plan may include (`wallet`: WhatsApp charges are prepaid from a wallet instead of billed monthly). */
export const FEATURES = ["broadcasts", "api_access", "ai", "wallet"] as const;
export type Feature = (typeof FEATURES)[number];

/** Where a tenant stands. */
export const TENANT_STATUSES = ["active", "grace", "restricted", "suspended"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/**
 * `GET /account/plan`: the generated AccountPlan plus the plans offered, in
 * pricing order (the server sends them; the generated type does not list them yet).
 */
export type AccountPlanView = AccountPlan & { plans?: PlanView[] };

/** `GET /admin/overview`. */
export interface AdminOverview {
  tenants: number;
  active_tenants: number;
  suspended_tenants: number;
  signups_30d: number;
  mrr_minor: number;
  messages_30d: number;
  tenants_by_plan: Record<string, number>;
}

// ---- money ----

/** Minor-unit digits of a currency (2 for INR; 0 for JPY…). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * A price typed in major units ("4999.50", "4,999.5", "₹ 999") → minor units,
 * exactly (integer arithmetic on the digits). Blank → null (custom price).
 * "invalid" for anything else: a sign, letters, more decimals than the currency has.
 */
export function parseMajor(text: string, digits = 2): number | null | "invalid" {
  const s = text.replace(/[\s,₹]/g, "");
  if (s === "") return null;
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return "invalid";
  const whole = m[1] || "0";
  const frac = m[2] ?? "";
  if (frac.length > digits) return "invalid";
  const scale = 10 ** digits;
  const minor = Number(whole) * scale + Number(frac.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : "invalid";
}

/** Minor units → the text a price input starts with ("4999.50", "999"); blank for null (custom). */
export function minorToInput(minor: number | null, digits = 2): string {
  if (minor === null) return "";
  if (digits === 0) return String(minor);
  const scale = 10 ** digits;
  const whole = Math.floor(minor / scale);
  const frac = minor % scale;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(digits, "0")}`;
}

/** "₹4,999.50", "₹999" (no decimals when whole). Null for a custom price (null). */
export function formatPrice(minor: number | null, currency: string, locale: string): string | null {
  if (minor === null) return null;
  const digits = currencyDigits(currency);
  const scale = 10 ** digits;
  const whole = minor % scale === 0;
  const fraction = whole ? 0 : digits;
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: fraction, maximumFractionDigits: fraction }).format(minor / scale);
  } catch {
    return `${minorToInput(minor, digits)} ${currency}`;
  }
}

// ---- limits and usage ----

/** A plan's limit: a count, or null for unlimited (also when the plan does not say). */
export function limitOf(plan: Pick<PlanView, "limits">, key: LimitKey): number | null {
  const v = plan.limits[key];
  return typeof v === "number" ? v : null;
}

export interface LimitUse {
  used: number;
  limit: number | null;
  /** Nothing more may be added. */
  atLimit: boolean;
  /** 0..1 for the bar; 0 when unlimited. */
  ratio: number;
}

export function limitUse(account: Pick<AccountPlanView, "plan" | "usage">, key: UsageKey): LimitUse {
  const used = account.usage[key] ?? 0;
  const limit = limitOf(account.plan, key);
  if (limit === null) return { used, limit, atLimit: false, ratio: 0 };
  return { used, limit, atLimit: used >= limit, ratio: limit === 0 ? 1 : Math.min(1, used / limit) };
}

export function hasFeature(plan: Pick<PlanView, "features">, feature: Feature): boolean {
  return plan.features.includes(feature);
}

/** Offered plans in pricing order. */
export function byPosition<T extends Pick<PlanView, "position" | "code">>(plans: readonly T[]): T[] {
  return [...plans].sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
}

/** Why an addition is blocked before asking the server, with the plan to move to (if one is offered). */
export type Gate =
  | { blocked: false }
  | { blocked: true; reason: "limit"; key: UsageKey; used: number; limit: number; plan: string; upgrade: { name: string; limit: number | null } | null }
  | { blocked: true; reason: "feature"; feature: Feature; plan: string; upgrade: { name: string } | null };

/**
 * Whether the account may add one more of `need.limit` / use `need.feature`.
 * Unknown (no plan loaded) is never blocked: the server decides.
 */
export function gateFor(account: AccountPlanView | null | undefined, need: { limit?: UsageKey; feature?: Feature }): Gate {
  if (!account) return { blocked: false };
  const offered = byPosition((account.plans ?? []).filter((p) => p.code !== account.plan.code));
  if (need.feature && !hasFeature(account.plan, need.feature)) {
    const up = offered.find((p) => hasFeature(p, need.feature!));
    return { blocked: true, reason: "feature", feature: need.feature, plan: account.plan.name, upgrade: up ? { name: up.name } : null };
  }
  if (need.limit) {
    const use = limitUse(account, need.limit);
    if (use.atLimit && use.limit !== null) {
      const allowed = use.limit;
      const up = offered.find((p) => {
        const l = limitOf(p, need.limit!);
        return l === null || l > allowed;
      });
      return {
        blocked: true,
        reason: "limit",
        key: need.limit,
        used: use.used,
        limit: allowed,
        plan: account.plan.name,
        upgrade: up ? { name: up.name, limit: limitOf(up, need.limit) } : null,
      };
    }
  }
  return { blocked: false };
}

/** The server refused because of the plan (402 PLAN_LIMIT, 403 FEATURE_NOT_IN_PLAN): its message says what and names the upgrade. */
export function isPlanRefusal(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.code === "PLAN_LIMIT" || e.code === "FEATURE_NOT_IN_PLAN");
}

/** A status the account should be told about (a banner on every page). */
export function statusNeedsBanner(status: string | undefined): status is "grace" | "restricted" {
  return status === "grace" || status === "restricted";
}

export function statusTone(status: string): "green" | "amber" | "red" | "gray" {
  switch (status) {
    case "active":
      return "green";
    case "grace":
      return "amber";
    case "restricted":
    case "suspended":
      return "red";
    default:
      return "gray";
  }
}

// ---- the plan form (platform console) ----

export interface PlanForm {
  code: string;
  name: string;
  currency: string;
  /** In major units as typed; blank = custom. */
  monthly: string;
  annual: string;
  /** Counts as typed; blank = unlimited. */
  limits: Record<LimitKey, string>;
  features: Feature[];
  /** Blank: after the others (create) or unchanged (edit). */
  position: string;
  active: boolean;
}

export function formFromPlan(plan: PlanView | null): PlanForm {
  if (!plan) {
    return {
      code: "",
      name: "",
      currency: "INR",
      monthly: "",
      annual: "",
      limits: { agents: "", numbers: "", flows: "", monthly_unique_users: "" },
      features: [],
      position: "",
      active: true,
    };
  }
  const digits = currencyDigits(plan.currency);
  const limits = Object.fromEntries(LIMIT_KEYS.map((k) => [k, limitOf(plan, k)?.toString() ?? ""])) as Record<LimitKey, string>;
  return {
    code: plan.code,
    name: plan.name,
    currency: plan.currency,
    monthly: minorToInput(plan.price_monthly_minor, digits),
    annual: minorToInput(plan.price_annual_minor, digits),
    limits,
    features: FEATURES.filter((f) => plan.features.includes(f)),
    position: String(plan.position),
    active: plan.active,
  };
}

/** A form field the page can point at. */
export type PlanField = "code" | "name" | "currency" | "monthly" | "annual" | `limits.${LimitKey}` | "features" | "position";

export interface PlanBody {
  code?: string;
  name: string;
  currency: string;
  price_monthly_minor: number | null;
  price_annual_minor: number | null;
  limits: Record<LimitKey, number | null>;
  features: Feature[];
  position?: number;
  active: boolean;
}

/** A count as typed: blank → null (unlimited), whole numbers ≥ 0, else "invalid". */
export function parseLimit(text: string): number | null | "invalid" {
  const s = text.replace(/[\s,]/g, "");
  if (s === "") return null;
  if (!/^\d+$/.test(s)) return "invalid";
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : "invalid";
}

/**
 * The request body of `POST /admin/plans` (with the code) or `PATCH
 * /admin/plans/{code}`; or the first field that cannot be sent. Checks only
 * what the form can tell; the server checks the rest and names the field.
 */
export function bodyFromForm(form: PlanForm, creating: boolean): { body: PlanBody } | { field: PlanField } {
  const code = form.code.trim().toLowerCase();
  if (creating && code === "") return { field: "code" };
  if (form.name.trim() === "") return { field: "name" };
  const currency = form.currency.trim().toUpperCase() || "INR";
  const digits = currencyDigits(currency);
  const monthly = parseMajor(form.monthly, digits);
  if (monthly === "invalid") return { field: "monthly" };
  const annual = parseMajor(form.annual, digits);
  if (annual === "invalid") return { field: "annual" };
  const limits = {} as Record<LimitKey, number | null>;
  for (const k of LIMIT_KEYS) {
    const v = parseLimit(form.limits[k]);
    if (v === "invalid") return { field: `limits.${k}` };
    limits[k] = v;
  }
  let position: number | undefined;
  if (form.position.trim() !== "") {
    const p = Number(form.position.trim());
    if (!Number.isInteger(p)) return { field: "position" };
    position = p;
  }
  const body: PlanBody = {
    ...(creating ? { code } : {}),
    name: form.name.trim(),
    currency,
    price_monthly_minor: monthly,
    price_annual_minor: annual,
    limits,
    features: FEATURES.filter((f) => form.features.includes(f)),
    ...(position !== undefined ? { position } : {}),
    active: form.active,
  };
  return { body };
}

/**
 * The form field a VALIDATION_FAILED message names ("`limits.agents` must
 * be…", "`price_monthly_minor` is in minor units…"); null when none.
 */
export function fieldOfMessage(message: string): PlanField | null {
  const name = /`([a-z_.]+)`/.exec(message)?.[1];
  switch (name) {
    case "code":
    case "name":
    case "currency":
    case "features":
    case "position":
      return name;
    case "price_monthly_minor":
      return "monthly";
    case "price_annual_minor":
      return "annual";
    case "limits":
      return "limits.agents";
    default:
      if (name && name.startsWith("limits.")) {
        const k = name.slice("limits.".length);
        if ((LIMIT_KEYS as readonly string[]).includes(k)) return `limits.${k as LimitKey}`;
      }
      return null;
  }
}

// ---- words ----

/** What a limit counts, for a number of them: "1 team member", "3 team members". */
export function limitNoun(key: LimitKey, count: number, t: Translate): string {
  return count === 1 ? t(`plan.nounOne.${key}`) : t(`plan.noun.${key}`);
}

/** Why the button is disabled, for people: the limit or the missing feature, the plan that has it, who changes plans. */
export function gateText(gate: Gate, t: Translate, locale: string): string {
  if (!gate.blocked) return "";
  const num = new Intl.NumberFormat(locale);
  const ask = t("plan.gate.ask");
  if (gate.reason === "limit") {
    const head = t("plan.gate.limit", { plan: gate.plan, limit: num.format(gate.limit), what: limitNoun(gate.key, gate.limit, t), used: num.format(gate.used) });
    const up = gate.upgrade
      ? gate.upgrade.limit === null
        ? t("plan.gate.upgradeUnlimited", { name: gate.upgrade.name })
        : t("plan.gate.upgradeLimit", { name: gate.upgrade.name, limit: num.format(gate.upgrade.limit) })
      : "";
    return [head, up, ask].filter(Boolean).join(" ");
  }
  const head = t("plan.gate.feature", { plan: gate.plan, what: t(`plan.featureNoun.${gate.feature}`) });
  const up = gate.upgrade ? t("plan.gate.upgradeFeature", { name: gate.upgrade.name }) : "";
  return [head, up, ask].filter(Boolean).join(" ");
}

/** "3 of 5", "2 · unlimited". */
export function usageText(use: LimitUse, t: Translate, locale: string): string {
  const num = new Intl.NumberFormat(locale);
  return use.limit === null ? t("plan.usageUnlimited", { used: num.format(use.used) }) : t("plan.usageOf", { used: num.format(use.used), limit: num.format(use.limit) });
}

/** A limit in a plan's list: "10 team members", "Unlimited team members". */
export function limitText(plan: Pick<PlanView, "limits">, key: LimitKey, t: Translate, locale: string): string {
  const limit = limitOf(plan, key);
  return limit === null
    ? t("plan.limitUnlimited", { what: t(`plan.noun.${key}`) })
    : t("plan.limitCount", { count: new Intl.NumberFormat(locale).format(limit), what: limitNoun(key, limit, t) });
}
