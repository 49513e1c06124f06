import { describe, expect, it } from "vitest";
import type { CampaignStats } from "./apiTypes";
import {
  applyProgress,
  audienceTags,
  errorBars,
  fitSources,
  formatMoney,
  funnelBars,
  handedOver,
  isLive,
  localInputToIso,
  parseTags,
  placeholderCounts,
  progressOf,
  renderComponent,
  renderTemplate,
  sourceComplete,
  sourceFromApi,
  sourceFromSelect,
  sourceSelectValue,
  sourceToApi,
  sourceValue,
  toLocalInput,
  variablesOf,
  type CampaignWithStats,
} from "./campaigns";
import type { TemplateComponentFull } from "./types";

const SPRING: TemplateComponentFull[] = [{ type: "BODY", text: "Hi {{1}}, our spring sale is on: {{2}} off everything." }];
const ORDER: TemplateComponentFull[] = [
  { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
  { type: "BODY", text: "Hi {{1}}, {{2}} ships" },
  { type: "FOOTER", text: "Thanks {{x}}" },
];

function stats(partial: Partial<CampaignStats> = {}): CampaignStats {
  return {
    audience: 0,
    skipped: 0,
    pending: 0,
    sending: 0,
    accepted: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    unconfirmed: 0,
    cancelled: 0,
    replied: 0,
    retrying: 0,
    clicked: 0,
    by_button: {},
    funnel: { sent: 0, delivered: 0, read: 0, replied: 0 },
    by_error: {},
    by_skip_reason: {},
    cost: { currency: "INR", amount_minor: 0, amount_e4: 0 },
    ...partial,
  };
}

describe("placeholders", () => {
  it("counts them per text header and body, like the server", () => {
    expect(placeholderCounts(SPRING)).toEqual({ header: 0, body: 2 });
    expect(placeholderCounts(ORDER)).toEqual({ header: 1, body: 2 });
    expect(placeholderCounts([{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "Hello" }])).toEqual({ header: 0, body: 0 });
    // Repeats count: the server wants one source per {{…}}.
    expect(placeholderCounts([{ type: "body", text: "{{1}} and {{1}}" }])).toEqual({ header: 0, body: 2 });
    expect(placeholderCounts(undefined)).toEqual({ header: 0, body: 0 });
  });

  it("renders the values in order, unfilled ones as {{n}}", () => {
    expect(renderTemplate(SPRING, { body: ["Asha", "20%"] })).toBe("Hi Asha, our spring sale is on: 20% off everything.");
    expect(renderTemplate(ORDER, { header: ["#7"], body: ["Ravi", "#7"] })).toBe("Order #7\nHi Ravi, #7 ships");
    expect(renderTemplate(SPRING, { body: ["Asha"] })).toBe("Hi Asha, our spring sale is on: {{2}} off everything.");
    expect(renderComponent(ORDER, "header", [])).toBe("Order {{1}}");
    expect(renderComponent(SPRING, "header", ["x"])).toBeNull();
    expect(renderComponent([{ type: "HEADER", format: "VIDEO" }], "header", [])).toBeNull();
  });
});

describe("sources", () => {
  it("maps to the API's field paths and constants and back", () => {
    expect(sourceToApi({ kind: "name", text: "" })).toEqual({ field: "contact.name" });
    expect(sourceToApi({ kind: "phone", text: "x" })).toEqual({ field: "contact.phone" });
    expect(sourceToApi({ kind: "field", text: " city " })).toEqual({ field: "contact.fields.city" });
    expect(sourceToApi({ kind: "value", text: "20%" })).toEqual({ value: "20%" });
    expect(sourceFromApi({ field: "contact.fields.city" })).toEqual({ kind: "field", text: "city" });
    expect(sourceFromApi({ value: "20%" })).toEqual({ kind: "value", text: "20%" });
    expect(sourceFromApi({ field: "contact.phone" })).toEqual({ kind: "phone", text: "" });
    expect(sourceFromApi(undefined)).toEqual({ kind: "name", text: "" });
    expect(sourceToApi({ kind: "column", text: " first_name " })).toEqual({ column: "first_name" });
    expect(sourceFromApi({ column: "first_name" })).toEqual({ kind: "column", text: "first_name" });
  });

  it("reads and writes the source select, CSV columns as column:<name>", () => {
    expect(sourceSelectValue({ kind: "column", text: "first_name" })).toBe("column:first_name");
    expect(sourceSelectValue({ kind: "field", text: "city" })).toBe("field");
    expect(sourceFromSelect("column:first_name", { kind: "name", text: "" })).toEqual({ kind: "column", text: "first_name" });
    expect(sourceFromSelect("field", { kind: "field", text: "city" })).toEqual({ kind: "field", text: "city" });
    expect(sourceFromSelect("value", { kind: "column", text: "first_name" })).toEqual({ kind: "value", text: "" });
    expect(sourceFromSelect("bogus", { kind: "value", text: "x" })).toEqual({ kind: "name", text: "" });
  });

  it("builds the variables, leaving out components without placeholders", () => {
    expect(variablesOf({ header: [], body: [{ kind: "name", text: "" }, { kind: "value", text: "20%" }] })).toEqual({
      body: [{ field: "contact.name" }, { value: "20%" }],
    });
  });

  it("fits the held sources to a template's count", () => {
    expect(fitSources([], 2)).toEqual([
      { kind: "name", text: "" },
      { kind: "value", text: "" },
    ]);
    expect(fitSources([{ kind: "phone", text: "" }, { kind: "value", text: "a" }, { kind: "value", text: "b" }], 1)).toEqual([{ kind: "phone", text: "" }]);
    // A CSV audience starts the first placeholder on its first column.
    expect(fitSources([], 2, { kind: "column", text: "first_name" })).toEqual([
      { kind: "column", text: "first_name" },
      { kind: "value", text: "" },
    ]);
  });

  it("needs a key or text where one is asked for", () => {
    expect(sourceComplete({ kind: "name", text: "" })).toBe(true);
    expect(sourceComplete({ kind: "value", text: "  " })).toBe(false);
    expect(sourceComplete({ kind: "field", text: "city" })).toBe(true);
    // A column must be one of the uploaded CSV's.
    expect(sourceComplete({ kind: "column", text: "first_name" }, ["first_name", "city"])).toBe(true);
    expect(sourceComplete({ kind: "column", text: "zip" }, ["first_name"])).toBe(false);
    expect(sourceComplete({ kind: "column", text: "first_name" })).toBe(false);
  });

  it("reads a contact's values", () => {
    const contact = { name: " Asha ", phone: "+919800000001", custom_fields: { city: "Pune", visits: 3 } };
    expect(sourceValue({ kind: "name", text: "" }, contact)).toBe("Asha");
    expect(sourceValue({ kind: "phone", text: "" }, contact)).toBe("+919800000001");
    expect(sourceValue({ kind: "field", text: "city" }, contact)).toBe("Pune");
    expect(sourceValue({ kind: "field", text: "visits" }, contact)).toBe("3");
    expect(sourceValue({ kind: "field", text: "zip" }, contact)).toBe("");
    expect(sourceValue({ kind: "value", text: " 20% " }, null)).toBe("20%");
    expect(sourceValue({ kind: "name", text: "" }, null)).toBe("");
    const row = { name: null, phone: "+919800000001", columns: { first_name: " Asha ", city: "" } };
    expect(sourceValue({ kind: "column", text: "first_name" }, row)).toBe("Asha");
    expect(sourceValue({ kind: "column", text: "city" }, row)).toBe("");
    expect(sourceValue({ kind: "column", text: "zip" }, row)).toBe("");
    expect(sourceValue({ kind: "column", text: "first_name" }, contact)).toBe("");
  });
});

describe("audience", () => {
  it("reads comma separated tags as the server normalises them", () => {
    expect(parseTags(" VIP, spring ,, vip,")).toEqual(["vip", "spring"]);
    expect(parseTags("")).toEqual([]);
    expect(audienceTags({ tags: ["spring", 3] })).toEqual(["spring"]);
    expect(audienceTags({ contact_ids: ["a"] })).toEqual([]);
  });
});

describe("money", () => {
  it("shows minor units with the currency's decimals", () => {
    expect(formatMoney({ currency: "INR", amount_minor: 259 }, "en-IN")).toBe("₹2.59");
    expect(formatMoney({ currency: "INR", amount_minor: 0 }, "en-US")).toBe("₹0.00");
    expect(formatMoney({ currency: "INR", amount_minor: 123456 }, "en-IN")).toBe("₹1,234.56");
    expect(formatMoney({ currency: "USD", amount_minor: 5 }, "en-US")).toBe("$0.05");
    expect(formatMoney({ currency: "JPY", amount_minor: 120 }, "en-US")).toBe("¥120");
    expect(formatMoney({ currency: "??", amount_minor: 259 }, "en-US")).toBe("2.59 ??");
  });
});

describe("progress", () => {
  const s = stats({
    audience: 10,
    skipped: 2,
    pending: 3,
    sending: 1,
    accepted: 1,
    sent: 1,
    delivered: 1,
    read: 0,
    failed: 1,
    funnel: { sent: 2, delivered: 1, read: 0, replied: 0 },
    by_error: { "131050": 1, "131026": 3, "2": 3 },
  });

  it("counts recipients handed over of those not skipped", () => {
    expect(handedOver(s)).toBe(5);
    expect(progressOf(s)).toEqual({ done: 5, total: 8, fraction: 5 / 8 });
    expect(progressOf(stats())).toEqual({ done: 0, total: 0, fraction: 0 });
    expect(progressOf(stats({ audience: 2, read: 2 })).fraction).toBe(1);
  });

  it("lists the funnel and the failures by code", () => {
    expect(funnelBars(s).map((b) => [b.key, b.value])).toEqual([
      ["sent", 2],
      ["delivered", 1],
      ["read", 0],
      ["replied", 0],
    ]);
    expect(errorBars(s)).toEqual([
      { code: "131026", value: 3 },
      { code: "2", value: 3 },
      { code: "131050", value: 1 },
    ]);
  });

  it("applies a live frame to its campaign only", () => {
    const c = { id: "c1", status: "running", stats: stats() } as unknown as CampaignWithStats;
    const next = applyProgress(c, { campaign_id: "c1", status: "paused", stats: s });
    expect(next.status).toBe("paused");
    expect(next.stats).toBe(s);
    expect(applyProgress(c, { campaign_id: "c2", status: "paused", stats: s })).toBe(c);
  });

  it("follows campaigns whose counts can still change", () => {
    const now = Date.parse("2026-12-01T12:00:00Z");
    expect(isLive({ status: "running", completed_at: null }, now)).toBe(true);
    expect(isLive({ status: "draft", completed_at: null }, now)).toBe(false);
    expect(isLive({ status: "cancelled", completed_at: null }, now)).toBe(false);
    expect(isLive({ status: "completed", completed_at: "2026-12-01T11:00:00Z" }, now)).toBe(true);
    expect(isLive({ status: "completed", completed_at: "2026-11-20T11:00:00Z" }, now)).toBe(false);
  });
});

describe("schedule input", () => {
  it("turns a local datetime into ISO and back", () => {
    const t = new Date(2026, 11, 1, 9, 30).getTime();
    expect(toLocalInput(t)).toBe("2026-12-01T09:30");
    expect(localInputToIso("2026-12-01T09:30")).toBe(new Date(t).toISOString());
    expect(localInputToIso("")).toBeNull();
    expect(localInputToIso("tomorrow")).toBeNull();
  });
});
