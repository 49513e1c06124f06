import { describe, expect, it } from "vitest";
import type { CampaignStats } from "./apiTypes";
import {
  applyProgress,
  audienceRetarget,
  audienceTags,
  browserTimeZone,
  buttonBars,
  CAMPAIGN_STATUSES,
  canRetarget,
  canonicalZone,
  DEFAULT_QUIET,
  formatInZone,
  formatLocalSend,
  inQuietHours,
  isDateOnly,
  isTimeOfDay,
  isTimeZone,
  localSendOf,
  NO_VARIANT,
  parseSplitPercent,
  quietHoursFromApi,
  quietHoursToApi,
  quietWraps,
  rateOf,
  retargetBody,
  schedulePayload,
  splitCount,
  timeZoneOptions,
  timeOfDayIn,
  toDateInput,
  variantBFromApi,
  variantBToApi,
  variantCandidates,
  variantChartRows,
  variantRows,
  type VariantStats,
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
import type { TemplateComponentFull, TemplateFull } from "./types";

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
    waiting_local_time: 0,
    variants: [],
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

describe("quiet hours", () => {
  it("builds quiet_hours and reads them back", () => {
    expect(quietHoursToApi({ enabled: false, start: "21:00", end: "09:00" })).toEqual({ value: null });
    expect(quietHoursToApi({ enabled: true, start: "21:00", end: "09:00" })).toEqual({ value: { start: "21:00", end: "09:00" } });
    expect(quietHoursToApi({ enabled: true, start: "9:00", end: "10:00" })).toEqual({ error: "quietTimes" });
    expect(quietHoursToApi({ enabled: true, start: "24:00", end: "10:00" })).toEqual({ error: "quietTimes" });
    expect(quietHoursToApi({ enabled: true, start: "10:00", end: "10:00" })).toEqual({ error: "quietSame" });
    expect(quietHoursFromApi({ start: "22:30", end: "07:00" })).toEqual({ enabled: true, start: "22:30", end: "07:00" });
    expect(quietHoursFromApi({ start: "22:30:00", end: "07:00:00" })).toEqual({ enabled: true, start: "22:30", end: "07:00" });
    expect(quietHoursFromApi(null)).toEqual(DEFAULT_QUIET);
    expect(quietHoursFromApi(undefined)).toEqual(DEFAULT_QUIET);
    expect(quietHoursFromApi({ start: 1 })).toEqual(DEFAULT_QUIET);
    expect(quietWraps({ start: "21:00", end: "09:00" })).toBe(true);
    expect(quietWraps({ start: "13:00", end: "14:00" })).toBe(false);
  });

  it("tells quiet times as the server does, in a recipient's zone", () => {
    const night = { start: "21:00", end: "09:00" };
    expect(inQuietHours(night, "21:00")).toBe(true);
    expect(inQuietHours(night, "23:59")).toBe(true);
    expect(inQuietHours(night, "08:59")).toBe(true);
    expect(inQuietHours(night, "09:00")).toBe(false);
    expect(inQuietHours(night, "20:59")).toBe(false);
    const lunch = { start: "13:00:00", end: "14:00:00" };
    expect(inQuietHours(lunch, "13:30")).toBe(true);
    expect(inQuietHours(lunch, "14:00")).toBe(false);
    const at = Date.parse("2026-12-01T04:30:00Z");
    expect(timeOfDayIn("Asia/Kolkata", at)).toBe("10:00");
    expect(timeOfDayIn("UTC", at)).toBe("04:30");
    expect(timeOfDayIn("Nowhere/Else", at)).toBe("04:30");
    expect(timeOfDayIn(null, Date.parse("2026-12-01T00:05:00Z"))).toBe("00:05");
  });

  it("checks times of day and dates", () => {
    expect(isTimeOfDay("00:00")).toBe(true);
    expect(isTimeOfDay("23:59")).toBe(true);
    expect(isTimeOfDay("7:00")).toBe(false);
    expect(isTimeOfDay("12:60")).toBe(false);
    expect(isDateOnly("2026-12-01")).toBe(true);
    expect(isDateOnly("2026-02-29")).toBe(false);
    expect(isDateOnly("2028-02-29")).toBe(true);
    expect(isDateOnly("2026-12-1")).toBe(false);
  });
});

describe("time zones", () => {
  it("offers UTC first, then the list sorted with any extra zone", () => {
    expect(timeZoneOptions(["Asia/Kolkata"], ["Europe/Berlin", "America/New_York"])).toEqual(["UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin"]);
    expect(timeZoneOptions(["UTC", "Europe/Berlin"], ["Europe/Berlin", "UTC"])).toEqual(["UTC", "Europe/Berlin"]);
    expect(timeZoneOptions([], ["Asia/Calcutta", "Europe/Kiev", "Etc/UTC", "Asia/Tokyo"])).toEqual(["UTC", "Asia/Kolkata", "Asia/Tokyo", "Europe/Kyiv"]);
    expect(canonicalZone("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(canonicalZone("Asia/Tokyo")).toBe("Asia/Tokyo");
    const all = timeZoneOptions([]);
    expect(all[0]).toBe("UTC");
    expect(all.length).toBeGreaterThan(1);
  });

  it("knows zone names and formats in a zone", () => {
    expect(isTimeZone("Asia/Kolkata")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(typeof browserTimeZone()).toBe("string");
    expect(formatInZone("2026-12-01T04:30:00Z", "Asia/Kolkata", "en-GB")).toContain("10:00");
    expect(formatInZone("2026-12-01T04:30:00Z", "UTC", "en-GB")).toContain("04:30");
    expect(formatInZone("not a time", "UTC", "en-GB")).toBe("not a time");
    expect(formatLocalSend({ date: "2026-12-01", time: "10:00" }, "en-GB")).toBe("1 Dec 2026, 10:00");
  });
});

describe("schedule payloads", () => {
  const now = Date.parse("2026-11-29T12:00:00Z");
  const base = { kind: "now" as const, at: "", date: "", time: "" };

  it("starts now, at a moment, or at a local time", () => {
    expect(schedulePayload(base, now)).toEqual({ body: null });
    const at = schedulePayload({ ...base, kind: "at", at: toLocalInput(now + 3_600_000) }, now);
    expect("body" in at && at.body && "at" in at.body && Date.parse(at.body.at)).toBe(now + 3_600_000);
    expect(schedulePayload({ ...base, kind: "at", at: toLocalInput(now - 3_600_000) }, now)).toEqual({ error: "scheduleFuture" });
    expect(schedulePayload({ ...base, kind: "at", at: "soon" }, now)).toEqual({ error: "scheduleFuture" });
    expect(schedulePayload({ ...base, kind: "local", date: "2026-12-01", time: "10:00" }, now)).toEqual({ body: { local: { date: "2026-12-01", time: "10:00" } } });
  });

  it("refuses a local time that has passed everywhere, not one still to come somewhere", () => {
    // 10:00 today has passed at UTC (12:00) but not at UTC−12 (00:00).
    expect(schedulePayload({ ...base, kind: "local", date: "2026-11-29", time: "10:00" }, now)).toEqual({ body: { local: { date: "2026-11-29", time: "10:00" } } });
    expect(schedulePayload({ ...base, kind: "local", date: "2026-11-28", time: "10:00" }, now)).toEqual({ error: "scheduleFuture" });
    expect(schedulePayload({ ...base, kind: "local", date: "2026-11-31", time: "10:00" }, now)).toEqual({ error: "localInvalid" });
    expect(schedulePayload({ ...base, kind: "local", date: "2026-12-01", time: "" }, now)).toEqual({ error: "localInvalid" });
  });

  it("reads a stored local send", () => {
    expect(localSendOf({ date: "2026-12-01", time: "10:00:00" })).toEqual({ date: "2026-12-01", time: "10:00" });
    expect(localSendOf(null)).toBeNull();
    expect(localSendOf({ date: "2026-12-01" })).toBeNull();
    expect(toDateInput(Date.parse("2026-12-01T12:00:00"))).toBe("2026-12-01");
  });
});

describe("split tests", () => {
  const tpl = (id: string, name: string, category: string, extra: Partial<TemplateFull> = {}): TemplateFull => ({
    id,
    waba_id: "w1",
    meta_template_id: null,
    name,
    language: "en",
    category,
    status: "APPROVED",
    rejected_reason: null,
    components: SPRING,
    ...extra,
  });
  const spring = tpl("1", "spring_sale", "MARKETING");
  const festive = tpl("2", "festive_offer", "MARKETING", { components: [{ type: "BODY", text: "{{1}}, take {{2}} off." }, { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Shop now" }] }] });
  const order = tpl("3", "order_update", "UTILITY");
  const other = tpl("4", "other_account", "MARKETING", { waba_id: "w2" });
  const pending = tpl("5", "pending_one", "MARKETING", { status: "PENDING" });
  const all = [spring, festive, order, other, pending];

  it("offers approved templates of the same account and category as B", () => {
    expect(variantCandidates(all, spring, "w1").map((x) => x.name)).toEqual(["festive_offer"]);
    expect(variantCandidates(all, spring, null).map((x) => x.name)).toEqual(["festive_offer", "other_account"]);
    expect(variantCandidates(all, order, "w1")).toEqual([]);
    expect(variantCandidates(all, null, "w1")).toEqual([]);
  });

  it("builds variant_b and reads it back", () => {
    expect(variantBToApi(NO_VARIANT, all)).toEqual({ value: null });
    const draft = {
      enabled: true,
      templateId: "2",
      sources: { header: [], body: [{ kind: "name" as const, text: "" }, { kind: "value" as const, text: "25%" }] },
      percent: "30",
    };
    const built = variantBToApi(draft, all);
    expect(built).toEqual({
      value: { template: { name: "festive_offer", language: "en" }, variables: { body: [{ field: "contact.name" }, { value: "25%" }] }, split_percent: 30 },
    });
    expect(variantBToApi({ ...draft, templateId: "" }, all)).toEqual({ error: "needTemplateB" });
    expect(variantBToApi({ ...draft, percent: "0" }, all)).toEqual({ error: "splitRange" });
    expect(variantBToApi({ ...draft, percent: "100" }, all)).toEqual({ error: "splitRange" });
    expect(variantBToApi({ ...draft, percent: "12.5" }, all)).toEqual({ error: "splitRange" });
    expect(variantBToApi({ ...draft, sources: { header: [], body: [{ kind: "value", text: " " }] } }, all)).toEqual({ error: "needSourcesB" });
    expect(variantBToApi({ ...draft, sources: { header: [], body: [{ kind: "column", text: "city" }] } }, all, ["city"])).toMatchObject({ value: { variables: { body: [{ column: "city" }] } } });

    if (!("value" in built) || !built.value) throw new Error("built");
    expect(variantBFromApi(built.value, all)).toEqual(draft);
    expect(variantBFromApi(null, all)).toEqual(NO_VARIANT);
    // A template gone from the list: on, without a template, the percentage kept.
    expect(variantBFromApi({ ...built.value, template: { name: "gone", language: "en" } }, all)).toEqual({ enabled: true, templateId: "", sources: { header: [], body: [] }, percent: "30" });
  });

  it("parses the percentage and shares the audience", () => {
    expect(parseSplitPercent("50")).toBe(50);
    expect(parseSplitPercent(" 1 ")).toBe(1);
    expect(parseSplitPercent(99)).toBe(99);
    expect(parseSplitPercent("")).toBeNull();
    expect(parseSplitPercent("abc")).toBeNull();
    expect(splitCount(7, 50)).toEqual({ a: 3, b: 4 });
    expect(splitCount(10, 30)).toEqual({ a: 7, b: 3 });
    expect(splitCount(0, 50)).toEqual({ a: 0, b: 0 });
  });

  it("orders the variants and lays out the comparison", () => {
    const ref = { name: "x", language: "en" };
    const b: VariantStats = { variant: "b", template: ref, audience: 3, sent: 3, delivered: 3, read: 2, replied: 1, clicked: 1, failed: 0 };
    const a: VariantStats = { variant: "a", template: ref, audience: 3, sent: 3, delivered: 2, read: 1, replied: 0, clicked: 0, failed: 1 };
    expect(variantRows(stats()).length).toBe(0);
    expect(variantRows({ ...stats(), variants: [b, a] }).map((v) => v.variant)).toEqual(["a", "b"]);
    expect(variantChartRows([a, b])).toEqual([
      { key: "sent", a: 3, b: 3 },
      { key: "delivered", a: 2, b: 3 },
      { key: "read", a: 1, b: 2 },
      { key: "replied", a: 0, b: 1 },
      { key: "clicked", a: 0, b: 1 },
      { key: "failed", a: 1, b: 0 },
    ]);
    expect(rateOf(2, 3)).toBe(67);
    expect(rateOf(1, 0)).toBe(0);
  });
});

describe("button taps", () => {
  it("lists buttons by taps, most first", () => {
    expect(buttonBars(stats({ by_button: { "Not now": 1, "Shop now": 3, Later: 1, Zero: 0 } }))).toEqual([
      { button: "Shop now", value: 3 },
      { button: "Later", value: 1 },
      { button: "Not now", value: 1 },
    ]);
    expect(buttonBars(stats())).toEqual([]);
  });
});

describe("retargeting", () => {
  it("reads a retarget audience", () => {
    expect(audienceRetarget({ retarget: { campaign_id: "c1", rule: "delivered_not_read", after_hours: 6, columns: ["first_name"] } })).toEqual({
      campaign_id: "c1",
      rule: "delivered_not_read",
      after_hours: 6,
      columns: ["first_name"],
    });
    expect(audienceRetarget({ retarget: { campaign_id: "c1", rule: "read_no_reply" } })).toEqual({ campaign_id: "c1", rule: "read_no_reply", after_hours: null, columns: null });
    expect(audienceRetarget({ retarget: { campaign_id: "c1", rule: "opened" } })).toBeNull();
    expect(audienceRetarget({ tags: ["a"] })).toBeNull();
    expect(audienceRetarget(null)).toBeNull();
  });

  it("builds the request, checking the hours", () => {
    expect(retargetBody("read_no_reply", "", "")).toEqual({ body: { rule: "read_no_reply" } });
    expect(retargetBody("failed_retryable", "abc", " Second try ")).toEqual({ body: { rule: "failed_retryable", name: "Second try" } });
    expect(retargetBody("delivered_not_read", "24", "")).toEqual({ body: { rule: "delivered_not_read", after_hours: 24 } });
    expect(retargetBody("delivered_not_read", "720", "")).toEqual({ body: { rule: "delivered_not_read", after_hours: 720 } });
    expect(retargetBody("delivered_not_read", "0", "")).toEqual({ error: "hoursRange" });
    expect(retargetBody("delivered_not_read", "721", "")).toEqual({ error: "hoursRange" });
    expect(retargetBody("delivered_not_read", "1.5", "")).toEqual({ error: "hoursRange" });
    expect(retargetBody("delivered_not_read", " ", "")).toEqual({ error: "hoursRange" });
  });

  it("is offered for campaigns that started", () => {
    expect(CAMPAIGN_STATUSES.filter(canRetarget)).toEqual(["running", "paused", "completed", "cancelled"]);
  });
});
