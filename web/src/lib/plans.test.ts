import { describe, expect, it } from "vitest";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import { ApiError } from "./api";
import {
  bodyFromForm,
  fieldOfMessage,
  formatPrice,
  formFromPlan,
  gateFor,
  gateText,
  isPlanRefusal,
  limitText,
  limitUse,
  minorToInput,
  parseLimit,
  parseMajor,
  statusNeedsBanner,
  usageText,
  type AccountPlanView,
  type PlanView,
} from "./plans";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

function plan(code: string, over: Partial<PlanView> = {}): PlanView {
  return {
    code,
    name: code[0]!.toUpperCase() + code.slice(1),
    currency: "INR",
    price_monthly_minor: 99900,
    price_annual_minor: 999000,
    limits: { agents: 3, numbers: 1, flows: 5, monthly_unique_users: 1000 },
    features: ["broadcasts"],
    position: 1,
    active: true,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

const starter = plan("starter");
const professional = plan("professional", {
  price_monthly_minor: 299900,
  limits: { agents: 10, numbers: 2, flows: 25, monthly_unique_users: 5000 },
  features: ["broadcasts", "api_access"],
  position: 2,
});
const enterprise = plan("enterprise", {
  price_monthly_minor: null,
  price_annual_minor: null,
  limits: { agents: null, numbers: null, flows: null, monthly_unique_users: null },
  features: ["broadcasts", "api_access", "ai"],
  position: 4,
});

function account(p: PlanView, usage: Record<string, number>, plans = [enterprise, starter, professional]): AccountPlanView {
  return { plan: p, status: "active", usage, plans };
}

describe("rupees ↔ paise", () => {
  it("reads typed rupees exactly, with no floating-point drift", () => {
    expect(parseMajor("4999.50")).toBe(499950);
    expect(parseMajor("4,999.50")).toBe(499950);
    expect(parseMajor("₹ 4,999.5")).toBe(499950);
    expect(parseMajor("999")).toBe(99900);
    expect(parseMajor("0.29")).toBe(29); // 0.29 * 100 is 28.999999999999996 in floating point
    expect(parseMajor("1.10")).toBe(110);
    expect(parseMajor("19.99")).toBe(1999);
    expect(parseMajor(".5")).toBe(50);
    expect(parseMajor("12.")).toBe(1200);
    expect(parseMajor("0")).toBe(0);
  });
  it("is null (custom) when blank, invalid otherwise", () => {
    expect(parseMajor("")).toBeNull();
    expect(parseMajor("   ")).toBeNull();
    expect(parseMajor("-5")).toBe("invalid");
    expect(parseMajor("1.234")).toBe("invalid");
    expect(parseMajor("abc")).toBe("invalid");
    expect(parseMajor(".")).toBe("invalid");
    expect(parseMajor("1e3")).toBe("invalid");
    expect(parseMajor("99999999999999999999")).toBe("invalid");
  });
  it("honours the currency's minor digits", () => {
    expect(parseMajor("500", 0)).toBe(500);
    expect(parseMajor("5.5", 0)).toBe("invalid");
  });
  it("writes paise back as the input's text, round-tripping", () => {
    expect(minorToInput(499950)).toBe("4999.50");
    expect(minorToInput(99900)).toBe("999");
    expect(minorToInput(5)).toBe("0.05");
    expect(minorToInput(null)).toBe("");
    expect(minorToInput(500, 0)).toBe("500");
    for (const p of [0, 1, 29, 110, 1999, 499950, 799900, 123456789]) expect(parseMajor(minorToInput(p))).toBe(p);
  });
});

describe("plan formatting", () => {
  it("formats prices from paise, whole rupees without decimals", () => {
    expect(formatPrice(99900, "INR", "en-IN")).toBe("₹999");
    expect(formatPrice(499950, "INR", "en-IN")).toBe("₹4,999.50");
    expect(formatPrice(29999900, "INR", "en-IN")).toBe("₹2,99,999");
    expect(formatPrice(null, "INR", "en-IN")).toBeNull();
    expect(formatPrice(0, "INR", "en-IN")).toBe("₹0");
  });
  it("says limits in words: a count, or unlimited", () => {
    expect(limitText(starter, "agents", t, "en-IN")).toBe("3 team members");
    expect(limitText(enterprise, "numbers", t, "en-IN")).toBe("Unlimited WhatsApp numbers");
    expect(limitText(starter, "monthly_unique_users", t, "en-IN")).toBe("1,000 customers a month");
    expect(limitText(starter, "numbers", t, "en-IN")).toBe("1 WhatsApp number");
    expect(limitText(plan("x", { limits: {} }), "flows", t, "en-IN")).toBe("Unlimited flows");
  });
  it("says usage against the limit", () => {
    expect(usageText(limitUse(account(starter, { agents: 2 }), "agents"), t, "en-IN")).toBe("2 of 3");
    expect(usageText(limitUse(account(enterprise, { agents: 7 }), "agents"), t, "en-IN")).toBe("7 · unlimited");
  });
});

describe("limits and usage → disabled buttons", () => {
  it("measures usage against the limit", () => {
    expect(limitUse(account(starter, { agents: 2 }), "agents")).toEqual({ used: 2, limit: 3, atLimit: false, ratio: 2 / 3 });
    expect(limitUse(account(starter, { agents: 3 }), "agents")).toMatchObject({ atLimit: true, ratio: 1 });
    expect(limitUse(account(starter, { agents: 5 }), "agents")).toMatchObject({ atLimit: true, ratio: 1 });
    expect(limitUse(account(starter, {}), "flows")).toMatchObject({ used: 0, atLimit: false });
    expect(limitUse(account(enterprise, { agents: 500 }), "agents")).toEqual({ used: 500, limit: null, atLimit: false, ratio: 0 });
    expect(limitUse(account(plan("zero", { limits: { numbers: 0 } }), { numbers: 0 }), "numbers")).toMatchObject({ atLimit: true, ratio: 1 });
  });

  it("blocks an addition at the limit and names the next plan that allows more", () => {
    expect(gateFor(account(starter, { agents: 2 }), { limit: "agents" })).toEqual({ blocked: false });
    const gate = gateFor(account(starter, { agents: 3 }), { limit: "agents" });
    expect(gate).toEqual({ blocked: true, reason: "limit", key: "agents", used: 3, limit: 3, plan: "Starter", upgrade: { name: "Professional", limit: 10 } });
    expect(gateText(gate, t, "en-IN")).toBe(
      "Your Starter plan allows 3 team members, and this account has 3. Professional allows 10. Ask your platform operator to change your plan.",
    );
    expect(gateText(gate, tHi, "hi-IN")).toMatch(/Starter/);
    // The top plan (only unlimited above): no limit there.
    const top = gateFor(account(professional, { numbers: 2 }), { limit: "numbers" });
    expect(top).toMatchObject({ blocked: true, upgrade: { name: "Enterprise", limit: null } });
    expect(gateText(top, t, "en-IN")).toContain("Enterprise has no limit.");
    // Nothing offered allows more: no upgrade named.
    const none = gateFor(account(starter, { flows: 5 }, []), { limit: "flows" });
    expect(none).toMatchObject({ blocked: true, upgrade: null });
    expect(gateText(none, t, "en-IN")).toBe("Your Starter plan allows 5 flows, and this account has 5. Ask your platform operator to change your plan.");
    expect(gateText(gateFor(account(starter, { numbers: 1 }), { limit: "numbers" }), t, "en-IN")).toMatch(/^Your Starter plan allows 1 WhatsApp number, and this account has 1\. Professional allows 2\./);
  });

  it("blocks a feature outside the plan and names the first plan with it", () => {
    expect(gateFor(account(starter, {}), { feature: "broadcasts" })).toEqual({ blocked: false });
    const gate = gateFor(account(starter, {}), { feature: "api_access" });
    expect(gate).toEqual({ blocked: true, reason: "feature", feature: "api_access", plan: "Starter", upgrade: { name: "Professional" } });
    expect(gateText(gate, t, "en-IN")).toBe("Your Starter plan does not include API access. Professional does. Ask your platform operator to change your plan.");
    expect(gateFor(account(enterprise, { agents: 1000 }), { limit: "agents", feature: "ai" })).toEqual({ blocked: false });
  });

  it("blocks nothing while the plan is unknown", () => {
    expect(gateFor(null, { limit: "agents" })).toEqual({ blocked: false });
    expect(gateFor(undefined, { feature: "api_access" })).toEqual({ blocked: false });
    expect(gateText({ blocked: false }, t, "en-IN")).toBe("");
  });

  it("tells the plan's refusals from other errors", () => {
    expect(isPlanRefusal(new ApiError(402, "PLAN_LIMIT", "the Starter plan allows 3 team members…"))).toBe(true);
    expect(isPlanRefusal(new ApiError(403, "FEATURE_NOT_IN_PLAN", "the Starter plan does not include API access…"))).toBe(true);
    expect(isPlanRefusal(new ApiError(403, "FORBIDDEN", "no"))).toBe(false);
    expect(isPlanRefusal(new Error("x"))).toBe(false);
  });

  it("banners the grace period and restriction only", () => {
    expect(statusNeedsBanner("grace")).toBe(true);
    expect(statusNeedsBanner("restricted")).toBe(true);
    expect(statusNeedsBanner("active")).toBe(false);
    expect(statusNeedsBanner("suspended")).toBe(false);
    expect(statusNeedsBanner(undefined)).toBe(false);
  });
});

describe("the plan form", () => {
  it("sends typed rupees as paise and blank limits as unlimited", () => {
    const form = {
      ...formFromPlan(null),
      code: " Growth ",
      name: " Growth ",
      monthly: "4,999.50",
      annual: "49995",
      limits: { agents: "5", numbers: "", flows: "10", monthly_unique_users: "2,000" },
      features: ["api_access" as const, "broadcasts" as const],
    };
    expect(bodyFromForm(form, true)).toEqual({
      body: {
        code: "growth",
        name: "Growth",
        currency: "INR",
        price_monthly_minor: 499950,
        price_annual_minor: 4999500,
        limits: { agents: 5, numbers: null, flows: 10, monthly_unique_users: 2000 },
        features: ["broadcasts", "api_access"],
        active: true,
      },
    });
  });

  it("sends blank prices as custom (null), and the position when given", () => {
    const r = bodyFromForm({ ...formFromPlan(enterprise), position: "7" }, false);
    expect(r).toMatchObject({ body: { price_monthly_minor: null, price_annual_minor: null, position: 7, limits: { agents: null } } });
    expect("body" in r && "code" in r.body).toBe(false);
  });

  it("names the first field it cannot send", () => {
    const base = { ...formFromPlan(null), code: "growth", name: "Growth" };
    expect(bodyFromForm({ ...base, code: "" }, true)).toEqual({ field: "code" });
    expect(bodyFromForm({ ...base, code: "" }, false)).toHaveProperty("body");
    expect(bodyFromForm({ ...base, name: " " }, true)).toEqual({ field: "name" });
    expect(bodyFromForm({ ...base, monthly: "4999.555" }, true)).toEqual({ field: "monthly" });
    expect(bodyFromForm({ ...base, annual: "-1" }, true)).toEqual({ field: "annual" });
    expect(bodyFromForm({ ...base, limits: { ...base.limits, flows: "2.5" } }, true)).toEqual({ field: "limits.flows" });
    expect(bodyFromForm({ ...base, position: "x" }, true)).toEqual({ field: "position" });
  });

  it("fills the form from a plan and back unchanged", () => {
    const form = formFromPlan(professional);
    expect(form).toMatchObject({ code: "professional", monthly: "2999", annual: "9990", position: "2", active: true });
    expect(form.limits).toEqual({ agents: "10", numbers: "2", flows: "25", monthly_unique_users: "5000" });
    expect(bodyFromForm(form, false)).toEqual({
      body: {
        name: "Professional",
        currency: "INR",
        price_monthly_minor: 299900,
        price_annual_minor: 999000,
        limits: { agents: 10, numbers: 2, flows: 25, monthly_unique_users: 5000 },
        features: ["broadcasts", "api_access"],
        position: 2,
        active: true,
      },
    });
  });

  it("reads counts", () => {
    expect(parseLimit("")).toBeNull();
    expect(parseLimit("0")).toBe(0);
    expect(parseLimit("1,000")).toBe(1000);
    expect(parseLimit("-1")).toBe("invalid");
    expect(parseLimit("1.5")).toBe("invalid");
  });

  it("finds the field a server validation message names", () => {
    expect(fieldOfMessage("`limits.agents` must be a whole number of 0 or more, or null for unlimited")).toBe("limits.agents");
    expect(fieldOfMessage("`price_monthly_minor` is in minor units (paise) and cannot be negative; null means custom")).toBe("monthly");
    expect(fieldOfMessage("`price_annual_minor` is in minor units")).toBe("annual");
    expect(fieldOfMessage("`code` must be 2 to 32 lower-case letters, digits or `_`, starting with a letter")).toBe("code");
    expect(fieldOfMessage("`currency` must be an ISO 4217 code like INR")).toBe("currency");
    expect(fieldOfMessage("`limits.seats` is not a limit")).toBeNull();
    expect(fieldOfMessage("something else")).toBeNull();
  });
});
