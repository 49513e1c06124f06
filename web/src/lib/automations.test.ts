import { describe, expect, it } from "vitest";
import {
  actionBody,
  actionDraft,
  conditionValue,
  emptyRule,
  moveItem,
  newAction,
  newCondition,
  nextPosition,
  reorderRules,
  ruleBody,
  ruleDraft,
  ruleProblems,
  runOutcome,
  savedRuleBody,
  sortRules,
  splitList,
  upsertRule,
  valueText,
  type Rule,
  type RuleDraft,
} from "./automations";

const rule = (over: Partial<Rule> = {}): Rule => ({
  id: "r1",
  name: "VIP priority",
  event: "message.received",
  minutes: null,
  conditions: { all: [{ field: "message.text", op: "contains", value: "urgent" }], any: [] },
  actions: [
    { type: "set_priority", priority: "high" },
    { type: "tag", add: ["urgent"], remove: [], target: "conversation" },
  ],
  enabled: true,
  position: 0,
  created_by: "u1",
  created_at: "2026-11-30T00:00:00Z",
  updated_at: "2026-11-30T00:00:00Z",
  ...over,
});

const draft = (over: Partial<RuleDraft> = {}): RuleDraft => ({ ...emptyRule(), name: "Rule", ...over });

describe("condition values", () => {
  it("are sent as the operator needs them", () => {
    expect(conditionValue("exists", "x")).toBeUndefined();
    expect(conditionValue("not_exists", "")).toBeUndefined();
    expect(conditionValue("in", " open, pending ,,")).toEqual(["open", "pending"]);
    expect(conditionValue("gt", "4")).toBe(4);
    expect(conditionValue("lt", "2.5")).toBe(2.5);
    expect(conditionValue("gt", "four")).toBeUndefined();
    expect(conditionValue("gt", "")).toBeUndefined();
    expect(conditionValue("contains", "Urgent ")).toBe("Urgent ");
  });
  it("show in the input as text", () => {
    expect(valueText(["open", "pending"])).toBe("open, pending");
    expect(valueText(5)).toBe("5");
    expect(valueText(true)).toBe("true");
    expect(valueText(null)).toBe("");
    expect(valueText(undefined)).toBe("");
    expect(valueText({ a: 1 })).toBe('{"a":1}');
  });
  it("split comma lists", () => {
    expect(splitList("a, b,,c ")).toEqual(["a", "b", "c"]);
    expect(splitList("  ")).toEqual([]);
  });
});

describe("a rule's body", () => {
  it("round-trips a saved rule through the draft", () => {
    const r = rule();
    const body = ruleBody(ruleDraft(r));
    expect(body).toEqual({
      name: "VIP priority",
      event: "message.received",
      conditions: { all: [{ field: "message.text", op: "contains", value: "urgent" }], any: [] },
      actions: [
        { type: "set_priority", priority: "high" },
        { type: "tag", add: ["urgent"], remove: [], target: "conversation" },
      ],
      enabled: true,
      position: 0,
    });
    expect("minutes" in body).toBe(false);
  });
  it("sends minutes only for no_agent_reply", () => {
    expect(ruleBody(draft({ event: "no_agent_reply", minutes: "45" })).minutes).toBe(45);
    expect(ruleBody(draft({ event: "message.received", minutes: "45" })).minutes).toBeUndefined();
  });
  it("drops the value of exists and lists values of in", () => {
    const body = ruleBody(
      draft({
        all: [{ field: "contact.email", op: "exists", value: "ignored" }],
        any: [{ field: "conversation.status", op: "in", value: "open, pending" }],
      }),
    );
    expect(body.conditions.all).toEqual([{ field: "contact.email", op: "exists" }]);
    expect(body.conditions.any).toEqual([{ field: "conversation.status", op: "in", value: ["open", "pending"] }]);
  });
  it("sends each action with only its own fields", () => {
    const a = { ...newAction("assign"), agent_id: "u1", team_id: "t1" };
    expect(actionBody(a)).toEqual({ type: "assign", agent_id: "u1" });
    expect(actionBody({ ...a, assignTo: "team" })).toEqual({ type: "assign", team_id: "t1" });
    expect(actionBody({ ...newAction("tag"), add: "vip, urgent", remove: "lead", target: "contact" })).toEqual({ type: "tag", add: ["vip", "urgent"], remove: ["lead"], target: "contact" });
    expect(actionBody({ ...newAction("send_message"), text: "Hi {{contact.name}}" })).toEqual({ type: "send_message", text: "Hi {{contact.name}}" });
    expect(actionBody({ ...newAction("notify"), text: "Look", user_ids: ["u1"] })).toEqual({ type: "notify", text: "Look", user_ids: ["u1"] });
    expect(actionBody({ ...newAction("send_template"), name: "hello", language: "en", components: "" })).toEqual({ type: "send_template", name: "hello", language: "en", components: [] });
    expect(actionBody({ ...newAction("call_webhook"), url: " https://x.test/h " })).toEqual({ type: "call_webhook", url: "https://x.test/h" });
    expect(actionBody({ ...newAction("start_flow"), flow_id: "f1" })).toEqual({ type: "start_flow", flow_id: "f1" });
    expect(actionBody({ ...newAction("enroll_in_sequence"), campaign_id: "c1", flow_id: "f1" })).toEqual({ type: "enroll_in_sequence", campaign_id: "c1" });
    expect(actionBody({ ...newAction("set_status"), status: "pending" })).toEqual({ type: "set_status", status: "pending" });
  });
  it("reads every action back into a draft", () => {
    expect(actionDraft({ type: "assign", team_id: "t1" })).toMatchObject({ type: "assign", assignTo: "team", team_id: "t1" });
    expect(actionDraft({ type: "tag", add: ["a", "b"], target: "contact" })).toMatchObject({ add: "a, b", remove: "", target: "contact" });
    expect(actionDraft({ type: "send_template", name: "n", language: "en", components: [{ type: "body" }] })).toMatchObject({ components: '[{"type":"body"}]' });
    expect(actionDraft({ type: "notify", text: "t", user_ids: ["u1"] })).toMatchObject({ text: "t", user_ids: ["u1"] });
    expect(actionDraft({ type: "enroll_in_sequence", campaign_id: "c1" })).toMatchObject({ type: "enroll_in_sequence", campaign_id: "c1" });
    // A type this version does not know becomes a note (kept editable) rather than breaking the page.
    expect(actionDraft({ type: "teleport" }).type).toBe("add_note");
  });
  it("sends a saved rule back with only the fields the server takes", () => {
    const body = savedRuleBody(rule({ minutes: 30, event: "no_agent_reply" }), { enabled: false });
    expect(Object.keys(body).sort()).toEqual(["actions", "conditions", "enabled", "event", "minutes", "name", "position"]);
    expect(body.enabled).toBe(false);
    expect(body.minutes).toBe(30);
    expect("minutes" in savedRuleBody(rule())).toBe(false);
    expect(savedRuleBody(rule({ conditions: {} })).conditions).toEqual({ all: [], any: [] });
  });
});

describe("checks before saving", () => {
  it("pass a complete rule", () => {
    expect(ruleProblems(ruleDraft(rule()))).toEqual([]);
  });
  it("name what is missing", () => {
    const kinds = (d: RuleDraft) => ruleProblems(d).map((p) => p.kind);
    expect(kinds(draft({ name: " " }))).toContain("name");
    expect(kinds(draft({ event: "no_agent_reply", minutes: "0" }))).toContain("minutes");
    expect(kinds(draft({ event: "no_agent_reply", minutes: "10081" }))).toContain("minutes");
    expect(kinds(draft({ event: "no_agent_reply", minutes: "1.5" }))).toContain("minutes");
    expect(kinds(draft({ event: "no_agent_reply", minutes: "60" }))).not.toContain("minutes");
    expect(kinds(draft({ actions: [] }))).toContain("noActions");
    expect(kinds(draft({ actions: Array.from({ length: 11 }, () => newAction()) }))).toContain("tooManyActions");
    expect(ruleProblems(draft({ all: [{ field: "contact.", op: "eq", value: "x" }] }))).toContainEqual({ kind: "conditionField", group: "all", index: 0 });
    expect(ruleProblems(draft({ any: [{ field: "rating", op: "gt", value: "x" }] }))).toContainEqual({ kind: "conditionNumber", group: "any", index: 0 });
    expect(ruleProblems(draft({ all: [newCondition()] }))).toContainEqual({ kind: "conditionValue", group: "all", index: 0 });
    expect(ruleProblems(draft({ all: [{ field: "tag", op: "in", value: " , " }] }))).toContainEqual({ kind: "conditionValue", group: "all", index: 0 });
    expect(ruleProblems(draft({ all: [{ field: "contact.email", op: "exists", value: "" }] }))).toEqual(ruleProblems(draft({ all: [] })));
  });
  it("check each action's own fields", () => {
    const bad = (a: ReturnType<typeof newAction>) => ruleProblems(draft({ all: [], actions: [a] }));
    expect(bad({ ...newAction("assign") })).toEqual([{ kind: "action", index: 0, field: "agent_id" }]);
    expect(bad({ ...newAction("assign"), assignTo: "team" })).toEqual([{ kind: "action", index: 0, field: "team_id" }]);
    expect(bad({ ...newAction("tag") })).toEqual([{ kind: "action", index: 0, field: "add" }]);
    expect(bad({ ...newAction("tag"), remove: "old" })).toEqual([]);
    expect(bad({ ...newAction("send_message"), text: "  " })).toEqual([{ kind: "action", index: 0, field: "text" }]);
    expect(bad({ ...newAction("send_template"), name: "n", language: "en", components: "{" })).toEqual([{ kind: "action", index: 0, field: "components" }]);
    expect(bad({ ...newAction("call_webhook"), url: "ftp://x" })).toEqual([{ kind: "action", index: 0, field: "url" }]);
    expect(bad({ ...newAction("start_flow") })).toEqual([{ kind: "action", index: 0, field: "flow_id" }]);
    expect(bad({ ...newAction("enroll_in_sequence") })).toEqual([{ kind: "action", index: 0, field: "campaign_id" }]);
    expect(bad({ ...newAction("enroll_in_sequence"), campaign_id: "c1" })).toEqual([]);
    expect(bad({ ...newAction("set_priority") })).toEqual([]);
  });
});

describe("ordering", () => {
  it("moves an item within bounds", () => {
    expect(moveItem(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moveItem(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moveItem(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moveItem(["a", "b", "c"], 2, 5)).toEqual(["a", "b", "c"]);
  });
  it("sorts rules by position, then age", () => {
    const list = [rule({ id: "b", position: 1 }), rule({ id: "c", position: 0, created_at: "2026-11-30T01:00:00Z" }), rule({ id: "a", position: 0 })];
    expect(sortRules(list).map((r) => r.id)).toEqual(["a", "c", "b"]);
  });
  it("renumbers the running order when a rule moves, saving only what changed", () => {
    const list = [rule({ id: "a", position: 0 }), rule({ id: "b", position: 0, created_at: "2026-11-30T01:00:00Z" }), rule({ id: "c", position: 5 })];
    const { order, changed } = reorderRules(list, 2, -1);
    expect(order.map((r) => [r.id, r.position])).toEqual([
      ["a", 0],
      ["c", 1],
      ["b", 2],
    ]);
    expect(changed.map((r) => r.id).sort()).toEqual(["b", "c"]);
  });
  it("puts a new rule last and keeps the order on upsert", () => {
    expect(nextPosition([])).toBe(0);
    expect(nextPosition([{ position: 3 }, { position: 1 }])).toBe(4);
    const list = upsertRule([rule({ id: "a", position: 0 }), rule({ id: "b", position: 1 })], rule({ id: "a", position: 2, name: "moved" }));
    expect(list.map((r) => r.id)).toEqual(["b", "a"]);
    expect(list[1]!.name).toBe("moved");
  });
});

describe("the log", () => {
  it("says how a run went", () => {
    expect(runOutcome({ matched: false, actions: [] })).toBe("skipped");
    expect(runOutcome({ matched: true, actions: [{ type: "tag", ok: true }] })).toBe("ok");
    expect(runOutcome({ matched: true, actions: [{ type: "tag", ok: true }, { type: "send_message", ok: false, detail: "window closed" }] })).toBe("failed");
  });
});
