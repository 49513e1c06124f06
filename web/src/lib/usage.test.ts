import { describe, expect, it } from "vitest";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import type { PlanView } from "./plans";
import { parseServerFrame } from "./realtime";
import {
  activeDays,
  addUsageAlert,
  alertRowText,
  barPercent,
  categoryLabel,
  categoryTotals,
  e4ToMinor,
  formatE4,
  formatE4Exact,
  isEmptyUsage,
  isPeriod,
  liveAlertText,
  mauUse,
  parseUsageAlert,
  percentUsed,
  periodLabel,
  periodOf,
  periodOfView,
  recentPeriods,
  shiftPeriod,
  upgradeFor,
  upgradeHintText,
  usageLevel,
  type UsageView,
} from "./usage";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

function view(over: Partial<UsageView> = {}): UsageView {
  return {
    period: { start: "2026-11-01T00:00:00Z", end: "2026-12-01T00:00:00Z" },
    plan: "starter",
    plan_name: "Starter",
    monthly_unique_users: 0,
    limits: { monthly_unique_users: 1000, agents: 3, numbers: 1, flows: 5 },
    counts: { monthly_unique_users: 0, agents: 1, numbers: 0, flows: 0 },
    cost: { currency: "INR", amount_minor: 0, amount_e4: 0 },
    by_day: [
      { day: "2026-11-01", new_users: 0, delivered: 0, cost_e4: 0 },
      { day: "2026-11-02", new_users: 0, delivered: 0, cost_e4: 0 },
    ],
    by_category: [],
    alerts: [],
    ...over,
  };
}

function plan(code: string, position: number, mau: number | null, active = true): PlanView {
  return {
    code,
    name: code[0]!.toUpperCase() + code.slice(1),
    currency: "INR",
    price_monthly_minor: 99900,
    price_annual_minor: null,
    limits: { monthly_unique_users: mau },
    features: [],
    position,
    active,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  } as PlanView;
}

describe("billing months", () => {
  it("reads and writes months as the API takes them", () => {
    expect(isPeriod("2026-11")).toBe(true);
    expect(isPeriod("2026-1")).toBe(false);
    expect(isPeriod("2026-13")).toBe(false);
    expect(isPeriod("1999-12")).toBe(false);
    expect(isPeriod("november")).toBe(false);
    expect(isPeriod(null)).toBe(false);
    // Calendar months in UTC.
    expect(periodOf(Date.UTC(2026, 10, 30, 23, 59, 59))).toBe("2026-11");
    expect(periodOf(Date.UTC(2026, 11, 1, 0, 0, 0))).toBe("2026-12");
  });
  it("steps across years", () => {
    expect(shiftPeriod("2026-01", -1)).toBe("2025-12");
    expect(shiftPeriod("2026-12", 1)).toBe("2027-01");
    expect(shiftPeriod("2026-11", -12)).toBe("2025-11");
    expect(recentPeriods(Date.UTC(2026, 1, 10), 3)).toEqual(["2026-02", "2026-01", "2025-12", "2025-11"]);
  });
  it("names months in the reader's language and takes the period from the answer", () => {
    expect(periodLabel("2026-11", "en-IN")).toBe("November 2026");
    expect(periodLabel("2026-11", "hi-IN")).toContain("2026");
    expect(periodOfView(view())).toBe("2026-11");
    expect(periodOfView(view({ period: { start: "2025-12-01T00:00:00+00:00", end: "2026-01-01T00:00:00+00:00" } }))).toBe("2025-12");
  });
});

describe("money in ten-thousandths", () => {
  it("rounds half up to paise as the server does", () => {
    expect(e4ToMinor(17262)).toBe(173);
    expect(e4ToMinor(8631)).toBe(86);
    expect(e4ToMinor(8650)).toBe(87);
    expect(e4ToMinor(0)).toBe(0);
    expect(e4ToMinor(12345, "JPY")).toBe(1);
  });
  it("shows two decimals, and Meta's four exactly", () => {
    expect(formatE4(17262, "INR", "en-IN")).toBe("₹1.73");
    expect(formatE4Exact(17262, "INR", "en-IN")).toBe("₹1.7262");
    expect(formatE4Exact(5, "INR", "en-IN")).toBe("₹0.0005");
  });
});

describe("the monthly customers limit", () => {
  it("warns from 80% and at the limit", () => {
    const use = (n: number, limit: number | null = 5) => mauUse(view({ monthly_unique_users: n, limits: { monthly_unique_users: limit } }));
    expect(usageLevel(use(3))).toBe("ok");
    expect(usageLevel(use(4))).toBe("near");
    expect(usageLevel(use(5))).toBe("over");
    expect(usageLevel(use(7))).toBe("over");
    expect(use(7).ratio).toBe(1);
    expect(percentUsed(use(4))).toBe(80);
    expect(percentUsed(use(7))).toBe(140);
    expect(usageLevel(use(50_000, null))).toBe("ok");
    expect(percentUsed(use(3, null))).toBeNull();
    expect(use(3, null)).toEqual({ used: 3, limit: null, atLimit: false, ratio: 0 });
  });
  it("names the first offered plan allowing more", () => {
    const plans = [plan("enterprise", 4, null), plan("professional", 2, 10_000), plan("starter", 1, 1000), plan("hidden", 0, 5000, false)];
    expect(upgradeFor(plans, "starter", "monthly_unique_users", 1000)).toEqual({ name: "Professional", limit: 10_000 });
    expect(upgradeFor(plans, "professional", "monthly_unique_users", 10_000)).toEqual({ name: "Enterprise", limit: null });
    expect(upgradeFor(plans, "enterprise", "monthly_unique_users", 1_000_000)).toBeNull();
  });
  it("hints at the upgrade in words", () => {
    const near = mauUse(view({ monthly_unique_users: 4, limits: { monthly_unique_users: 5 } }));
    const text = upgradeHintText("near", near, "Tiny", { name: "Starter", limit: 1000 }, t, "en-IN");
    expect(text).toBe("You have used 80% of the 5 customers a month your Tiny plan allows. Starter allows 1,000. Ask your platform operator to change your plan.");
    const over = mauUse(view({ monthly_unique_users: 5, limits: { monthly_unique_users: 5 } }));
    expect(upgradeHintText("over", over, "Tiny", null, t, "en-IN")).toMatch(/^You have reached the 5 customers a month your Tiny plan allows/);
    expect(upgradeHintText("ok", near, "Tiny", null, t, "en-IN")).toBe("");
    expect(upgradeHintText("near", near, "Tiny", { name: "Enterprise", limit: null }, tHi, "hi-IN")).toContain("Enterprise में कोई सीमा नहीं है।");
  });
});

describe("the period's figures", () => {
  it("is empty when nothing was metered", () => {
    expect(isEmptyUsage(view())).toBe(true);
    expect(isEmptyUsage(view({ monthly_unique_users: 1 }))).toBe(false);
    expect(isEmptyUsage(view({ by_category: [{ category: "service", delivered: 1, charged: 0, cost_e4: 0 }] }))).toBe(false);
  });
  it("keeps the active days and scales bars", () => {
    const days = [
      { day: "2026-11-01", new_users: 0, delivered: 0, cost_e4: 0 },
      { day: "2026-11-02", new_users: 3, delivered: 0, cost_e4: 0 },
    ];
    expect(activeDays(days).map((d) => d.day)).toEqual(["2026-11-02"]);
    expect(barPercent(0, 10)).toBe(0);
    expect(barPercent(1, 100)).toBe(4);
    expect(barPercent(10, 10)).toBe(100);
  });
  it("totals and names categories", () => {
    const cats = [
      { category: "marketing", delivered: 3, charged: 3, cost_e4: 25893 },
      { category: "service", delivered: 2, charged: 0, cost_e4: 0 },
    ];
    expect(categoryTotals(cats)).toEqual({ delivered: 5, charged: 3, cost_e4: 25893 });
    expect(categoryLabel("marketing", t)).toBe("Marketing");
    expect(categoryLabel("marketing_lite", t)).toBe("Marketing (MM Lite)");
    expect(categoryLabel("authentication-international", t)).toBe("Authentication (international)");
    expect(categoryLabel("marketing", tHi)).toBe("मार्केटिंग");
    expect(categoryLabel("brand_new_thing", t)).toBe("Brand new thing");
  });
  it("describes a fired alert", () => {
    expect(alertRowText({ limit: "monthly_unique_users", threshold: 80, used: 800, allowed: 1000 }, t, "en-IN")).toBe("80% reached: 800 of 1,000 customers");
  });
});

describe("the live usage:alert frame", () => {
  const frame = '{"event":"usage:alert","data":{"limit":"monthly_unique_users","threshold":80,"used":4,"allowed":5,"period":"2026-11-01"}}';
  it("is a known frame with checked data", () => {
    const parsed = parseServerFrame(frame);
    expect(parsed?.event).toBe("usage:alert");
    expect(parseUsageAlert(parsed?.data)).toEqual({ limit: "monthly_unique_users", threshold: 80, used: 4, allowed: 5, period: "2026-11-01" });
    expect(parseUsageAlert({ limit: "monthly_unique_users", threshold: "80" })).toBeNull();
    expect(parseUsageAlert(null)).toBeNull();
  });
  it("keeps one alert per limit and month, the higher threshold", () => {
    const a80 = { limit: "monthly_unique_users", threshold: 80, used: 4, allowed: 5, period: "2026-11-01" };
    const a100 = { ...a80, threshold: 100, used: 5 };
    expect(addUsageAlert([], a80)).toEqual([a80]);
    expect(addUsageAlert([a80], a100)).toEqual([a100]);
    expect(addUsageAlert([a100], a80)).toEqual([a100]);
    expect(addUsageAlert([a80], { ...a80, period: "2026-12-01" })).toHaveLength(2);
  });
  it("says what was reached, in both languages", () => {
    const a80 = { limit: "monthly_unique_users", threshold: 80, used: 800, allowed: 1000, period: "2026-11-01" };
    expect(liveAlertText(a80, t, "en-IN")).toBe("You have reached 80% of your plan's 1,000 customers this month (800 so far).");
    expect(liveAlertText({ ...a80, threshold: 100, used: 1000 }, t, "en-IN")).toMatch(/^You have reached your plan's limit of 1,000 customers this month/);
    expect(liveAlertText(a80, tHi, "hi-IN")).toContain("80%");
    expect(liveAlertText(a80, tHi, "hi-IN")).toContain("ग्राहक");
  });
});
