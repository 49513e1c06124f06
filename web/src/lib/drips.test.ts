import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import {
  delayFromSeconds,
  delayToSeconds,
  exitCounts,
  fieldErrorsOf,
  formatDays,
  formatSendWindow,
  isPlaced,
  newStep,
  reentryToApi,
  stepErrors,
  stepFromApi,
  stepExitCounts,
  stepProblem,
  stepToApi,
  windowProblem,
  type StepDraft,
} from "./drips";
import type { DripStep, TemplateFull } from "./types";

const welcome: TemplateFull = {
  id: "t1",
  waba_id: "w",
  meta_template_id: null,
  name: "welcome",
  language: "en",
  category: "MARKETING",
  status: "APPROVED",
  rejected_reason: null,
  components: [{ type: "BODY", text: "Hi {{1}}, welcome to {{2}}" }],
};

describe("delays", () => {
  it("converts a typed value and unit to seconds", () => {
    expect(delayToSeconds("0", "minutes")).toBe(0);
    expect(delayToSeconds("5", "minutes")).toBe(300);
    expect(delayToSeconds(" 2 ", "hours")).toBe(7200);
    expect(delayToSeconds("3", "days")).toBe(259_200);
  });
  it("refuses what is not a whole number from 0", () => {
    expect(delayToSeconds("", "days")).toBeNull();
    expect(delayToSeconds("-1", "days")).toBeNull();
    expect(delayToSeconds("1.5", "hours")).toBeNull();
    expect(delayToSeconds("abc", "minutes")).toBeNull();
  });
  it("shows stored seconds in the largest unit they divide into", () => {
    expect(delayFromSeconds(0)).toEqual({ value: 0, unit: "minutes" });
    expect(delayFromSeconds(86_400)).toEqual({ value: 1, unit: "days" });
    expect(delayFromSeconds(172_800)).toEqual({ value: 2, unit: "days" });
    expect(delayFromSeconds(90_000)).toEqual({ value: 25, unit: "hours" });
    expect(delayFromSeconds(5_400)).toEqual({ value: 90, unit: "minutes" });
    // Not whole minutes (set through the API): the next minute up.
    expect(delayFromSeconds(90)).toEqual({ value: 2, unit: "minutes" });
  });
  it("round-trips every unit", () => {
    for (const unit of ["minutes", "hours", "days"] as const) {
      const s = delayToSeconds("7", unit)!;
      expect(delayFromSeconds(s)).toEqual({ value: 7, unit });
    }
  });
});

describe("send windows", () => {
  it("writes runs of days as ranges and the rest as a list", () => {
    expect(formatDays([1, 2, 3, 4, 5], "en", "Every day")).toBe("Mon–Fri");
    expect(formatDays([1, 3, 6], "en", "Every day")).toBe("Mon, Wed, Sat");
    expect(formatDays([6, 7, 1, 2], "en", "Every day")).toBe("Mon, Tue, Sat, Sun");
    expect(formatDays([1, 2, 3, 4, 5, 6, 7], "en", "Every day")).toBe("Every day");
  });
  it("formats a window with its hours", () => {
    expect(formatSendWindow({ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" }, "en", "Every day")).toBe("Mon–Fri 09:00–18:00");
    expect(formatSendWindow({ days: [6, 7], start: "21:00", end: "06:00" }, "en", "Every day")).toBe("Sat, Sun 21:00–06:00");
  });
  it("says what is wrong with a window", () => {
    expect(windowProblem({ days: [], start: "09:00", end: "18:00" })).toBe("windowDays");
    expect(windowProblem({ days: [1], start: "9", end: "18:00" })).toBe("windowTimes");
    expect(windowProblem({ days: [1], start: "09:00", end: "09:00" })).toBe("windowSame");
    expect(windowProblem({ days: [1], start: "22:00", end: "06:00" })).toBe("windowSame");
    expect(windowProblem({ days: [1], start: "09:00", end: "18:00" })).toBeNull();
  });
});

describe("steps", () => {
  const filled = (patch: Partial<StepDraft>): StepDraft => ({ ...newStep(0), name: "Welcome", ...patch });
  it("needs a template or a session message", () => {
    expect(stepProblem(filled({}), [welcome])).toBe("message");
    expect(stepProblem(filled({ sessionOn: true, sessionText: "Hi!" }), [welcome])).toBeNull();
    expect(stepProblem(filled({ sessionOn: true, sessionText: " " }), [welcome])).toBe("session");
    expect(stepProblem(filled({ name: "" }), [welcome])).toBe("name");
    expect(stepProblem(filled({ delayValue: "x", sessionOn: true, sessionText: "a" }), [welcome])).toBe("delay");
  });
  it("builds the API's step from the editor's", () => {
    const s = filled({
      delayValue: "2",
      delayUnit: "days",
      delayFrom: "enrolment",
      templateId: "t1",
      sources: { header: [], body: [{ kind: "name", text: "" }, { kind: "value", text: "Acme" }] },
      windowOn: true,
      window: { days: [5, 1], start: "09:00", end: "18:00" },
      conditionKind: "tag",
      conditionTag: " VIP ",
    });
    expect(stepProblem(s, [welcome])).toBeNull();
    expect(stepToApi(s, [welcome])).toEqual({
      name: "Welcome",
      delay_seconds: 172_800,
      delay_from: "enrolment",
      send_window: { days: [1, 5], start: "09:00", end: "18:00" },
      template: { name: "welcome", language: "en" },
      variables: { body: [{ field: "contact.name" }, { value: "Acme" }] },
      session_message: null,
      condition: { tag: "vip" },
    });
  });
  it("reads a stored step back", () => {
    const stored: DripStep = {
      id: "s1",
      position: 1,
      version: 2,
      name: "Offer",
      delay_seconds: 3600,
      delay_from: "previous",
      send_window: null,
      template: { name: "welcome", language: "en" },
      variables: { body: [{ field: "contact.fields.city" }] },
      session_message: { type: "text", text: { body: "Still there?" } },
      condition: { field: "city", equals: "Pune" },
    };
    const d = stepFromApi(stored, [welcome]);
    expect(d).toMatchObject({ key: "s1", delayValue: "1", delayUnit: "hours", templateId: "t1", sessionOn: true, sessionText: "Still there?", conditionKind: "field", conditionField: "city", conditionEquals: "Pune" });
    // Two placeholders: the stored one, then a constant to fill.
    expect(d.sources.body).toEqual([{ kind: "field", text: "city" }, { kind: "value", text: "" }]);
  });
});

describe("re-entry", () => {
  it("is never, or after a whole number of days", () => {
    expect(reentryToApi("never", "")).toEqual({ policy: "never" });
    expect(reentryToApi("after_days", "30")).toEqual({ policy: "after_days", days: 30 });
    expect(reentryToApi("after_days", "0")).toBeNull();
    expect(reentryToApi("after_days", "x")).toBeNull();
  });
});

describe("refusals per field", () => {
  it("reads the paths the server names in backticks", () => {
    const e = new ApiError(400, "VALIDATION_FAILED", "`steps[1].delay_seconds` must be between 0 and 31536000; `name`: is required");
    expect(fieldErrorsOf(e)).toEqual({ "steps[1].delay_seconds": "Must be between 0 and 31536000.", name: "Is required." });
  });
  it("keeps a sentence's second half with its field", () => {
    const e = new ApiError(400, "VALIDATION_FAILED", "`timezone` `Mars/Base` is not a time zone; use an IANA name like Asia/Kolkata");
    expect(fieldErrorsOf(e)).toEqual({ timezone: "Mars/Base is not a time zone. Use an IANA name like Asia/Kolkata." });
  });
  it("places a step's template refusal (422) at the step", () => {
    const e = new ApiError(422, "TEMPLATE_PARAMS", "`steps[0].variables`: the body has 2 placeholders but 1 source");
    expect(Object.keys(fieldErrorsOf(e))).toEqual(["steps[0].variables"]);
  });
  it("places a sentence naming a step at that step", () => {
    const e = new ApiError(400, "VALIDATION_FAILED", "each step needs `template` or `session_message` (`steps[0]`)");
    expect(Object.keys(fieldErrorsOf(e))).toEqual(["steps[0]"]);
  });
  it("prefers the details' fields when there are some", () => {
    const e = new ApiError(400, "VALIDATION_FAILED", "bad", [{ field: "steps[0].template.name", message: "unknown template" }]);
    expect(fieldErrorsOf(e)).toEqual({ "steps[0].template.name": "unknown template" });
  });
  it("groups a step's refusals by the rest of the path", () => {
    const all = { "steps[0].name": "a", "steps[1].send_window.days": "b", "steps[1]": "c", name: "d" };
    expect(stepErrors(all, 1)).toEqual({ "send_window.days": "b", "": "c" });
    expect(stepErrors(all, 0)).toEqual({ name: "a" });
  });
  it("knows which paths the editor shows beside a field", () => {
    expect(isPlaced("steps[2].delay_seconds")).toBe(true);
    expect(isPlaced("steps[2]")).toBe(true);
    expect(isPlaced("reentry.days")).toBe(true);
    expect(isPlaced("enroll_segment_id")).toBe(true);
    expect(isPlaced("steps")).toBe(true);
    expect(isPlaced("something_else")).toBe(false);
    expect(isPlaced("steps[0].mystery")).toBe(false);
  });
  it("has nothing to place for other errors", () => {
    expect(fieldErrorsOf(new ApiError(409, "CAMPAIGN_STATE", "`status` is running"))).toEqual({});
    expect(fieldErrorsOf(new Error("x"))).toEqual({});
  });
});

describe("exits by reason", () => {
  it("drops zero counts and lists known reasons in their order, then others by name", () => {
    expect(exitCounts({ api: 1, replied: 2, tag_added: 0, zzz: 1, aaa: 3 })).toEqual([
      ["replied", 2],
      ["api", 1],
      ["aaa", 3],
      ["zzz", 1],
    ]);
    expect(exitCounts(undefined)).toEqual([]);
  });
  it("reads a step's counts whether or not the server sends them", () => {
    expect(stepExitCounts({ position: 0, exited: 3, exited_by_reason: { replied: 2, tag_added: 1 } })).toEqual([
      ["replied", 2],
      ["tag_added", 1],
    ]);
    expect(stepExitCounts({ position: 0, exited: 0 })).toEqual([]);
    expect(stepExitCounts({ exited_by_reason: null })).toEqual([]);
    expect(stepExitCounts(undefined)).toEqual([]);
  });
});
