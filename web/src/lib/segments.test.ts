import { describe, expect, it } from "vitest";
import {
  addChild,
  audienceSegmentId,
  canAddCondition,
  canAddGroup,
  conditionToRule,
  countConditions,
  describeRule,
  draftProblems,
  fromRule,
  MAX_CONDITIONS,
  newCondition,
  newGroup,
  newRoot,
  nodeAtPath,
  nodeIdForError,
  OPS_BY_FIELD,
  removeNode,
  rulePathOf,
  SEGMENT_FIELDS,
  toRule,
  updateNode,
  valueInput,
  withField,
  withOp,
  withValueType,
  type ConditionDraft,
  type GroupDraft,
  type RuleWords,
} from "./segments";

const VIP_IN_CITIES = {
  all: [
    { field: "tag", op: "has", value: "vip" },
    {
      any: [
        { field: "custom.city", op: "eq", value: "Chennai" },
        { field: "custom.city", op: "eq", value: "Pune" },
      ],
    },
  ],
};

const cond = (over: Partial<ConditionDraft>): ConditionDraft => ({ ...newCondition(over.field ?? "tag"), ...over });

describe("segment drafts ↔ rule JSON", () => {
  it("reads a nested rule and writes it back unchanged", () => {
    const draft = fromRule(VIP_IN_CITIES);
    expect(draft.mode).toBe("all");
    expect(draft.children).toHaveLength(2);
    const inner = draft.children[1] as GroupDraft;
    expect(inner.kind).toBe("group");
    expect(inner.mode).toBe("any");
    expect(inner.children[0]).toMatchObject({ kind: "condition", field: "custom", custom: "city", op: "eq", value: "Chennai", valueType: "text" });
    expect(toRule(draft)).toEqual(VIP_IN_CITIES);
  });

  it("types values per field and operator", () => {
    expect(conditionToRule(cond({ field: "tag", op: "has", value: "  VIP " }))).toEqual({ field: "tag", op: "has", value: "vip" });
    expect(conditionToRule(cond({ field: "custom", custom: " age ", op: "gt", value: "30" }))).toEqual({ field: "custom.age", op: "gt", value: 30 });
    expect(conditionToRule(cond({ field: "custom", custom: "vip", op: "eq", valueType: "bool", value: "false" }))).toEqual({ field: "custom.vip", op: "eq", value: false });
    expect(conditionToRule(cond({ field: "custom", custom: "score", op: "neq", valueType: "number", value: "7.5" }))).toEqual({ field: "custom.score", op: "neq", value: 7.5 });
    expect(conditionToRule(cond({ field: "custom", custom: "city", op: "exists", value: "left over" }))).toEqual({ field: "custom.city", op: "exists" });
    expect(conditionToRule(cond({ field: "opted_in", op: "eq", value: "true" }))).toEqual({ field: "opted_in", op: "eq", value: true });
    expect(conditionToRule(cond({ field: "last_inbound", op: "within_days", value: "7" }))).toEqual({ field: "last_inbound", op: "within_days", value: 7 });
    expect(conditionToRule(cond({ field: "last_inbound", op: "never", value: "" }))).toEqual({ field: "last_inbound", op: "never" });
    expect(conditionToRule(cond({ field: "phone", op: "starts_with", value: "+91 98" }))).toEqual({ field: "phone", op: "starts_with", value: "+9198" });
    expect(conditionToRule(cond({ field: "conversation_status", op: "eq", value: "pending" }))).toEqual({ field: "conversation_status", op: "eq", value: "pending" });
    expect(conditionToRule(cond({ field: "channel", op: "eq", value: "ch-1" }))).toEqual({ field: "channel", op: "eq", value: "ch-1" });
    expect(conditionToRule(cond({ field: "name", op: "contains", value: " Ash " }))).toEqual({ field: "name", op: "contains", value: "Ash" });
  });

  it("reads value types back and keeps what it cannot edit", () => {
    const draft = fromRule({
      any: [
        { field: "custom.score", op: "eq", value: 3 },
        { field: "custom.member", op: "neq", value: true },
        { field: "last_inbound", op: "never" },
        { field: "loyalty_tier", op: "eq", value: "gold" },
        { field: "conversation_status", op: "eq", value: "archived" },
      ],
    });
    expect(draft.children.map((c) => c.kind)).toEqual(["condition", "condition", "condition", "unknown", "unknown"]);
    expect(draft.children[0]).toMatchObject({ valueType: "number", value: "3" });
    expect(draft.children[1]).toMatchObject({ valueType: "bool", value: "true" });
    expect(toRule(draft)).toEqual({
      any: [
        { field: "custom.score", op: "eq", value: 3 },
        { field: "custom.member", op: "neq", value: true },
        { field: "last_inbound", op: "never" },
        { field: "loyalty_tier", op: "eq", value: "gold" },
        { field: "conversation_status", op: "eq", value: "archived" },
      ],
    });
    // A lone condition is wrapped.
    expect(toRule(fromRule({ field: "tag", op: "lacks", value: "spam" }))).toEqual({ all: [{ field: "tag", op: "lacks", value: "spam" }] });
  });

  it("offers each field's operators and inputs", () => {
    for (const f of SEGMENT_FIELDS) expect(OPS_BY_FIELD[f].length).toBeGreaterThan(0);
    expect(valueInput("custom", "eq", "bool")).toBe("bool");
    expect(valueInput("custom", "contains", "number")).toBe("text");
    expect(valueInput("custom", "missing")).toBe("none");
    expect(valueInput("last_inbound", "older_than_days")).toBe("days");
    expect(valueInput("channel", "eq")).toBe("channel");
  });
});

describe("editing a condition", () => {
  it("resets the operator and value when the field changes", () => {
    const tag = cond({ field: "tag", op: "lacks", value: "vip" });
    const channel = withField(tag, "channel", "ch-1");
    expect(channel).toMatchObject({ field: "channel", op: "eq", value: "ch-1" });
    expect(withField(tag, "opted_in")).toMatchObject({ op: "eq", value: "true" });
    expect(withField(tag, "conversation_status")).toMatchObject({ value: "open" });
    expect(withField(cond({ field: "name", op: "contains", value: "Ash" }), "custom")).toMatchObject({ op: "eq", value: "Ash" });
  });

  it("keeps the value while the input stays", () => {
    const c = cond({ field: "last_inbound", op: "within_days", value: "30" });
    expect(withOp(c, "older_than_days").value).toBe("30");
    expect(withOp(c, "never").value).toBe("");
    const city = cond({ field: "custom", custom: "city", op: "eq", value: "Pune" });
    expect(withOp(city, "contains").value).toBe("Pune");
    expect(withOp(city, "gt").value).toBe("");
    expect(withValueType(city, "number").value).toBe("");
    expect(withValueType(cond({ field: "custom", op: "eq", value: "42" }), "number").value).toBe("42");
    expect(withValueType(city, "bool").value).toBe("true");
    expect(withValueType(withValueType(city, "bool"), "text").value).toBe("");
  });
});

describe("the tree", () => {
  it("adds, updates and removes nodes; an emptied nested group goes", () => {
    let root = newRoot();
    const inner = newGroup("any");
    root = addChild(root, root.id, inner);
    expect(countConditions(root)).toBe(2);
    const innerCond = inner.children[0]!;
    root = updateNode(root, innerCond.id, (n) => ({ ...(n as ConditionDraft), value: "x" }));
    expect((nodeAtPath(root, [1, 0]) as ConditionDraft).value).toBe("x");
    root = removeNode(root, innerCond.id);
    expect(root.children).toHaveLength(1);
    root = removeNode(root, root.children[0]!.id);
    expect(root.children).toHaveLength(0);
    expect(draftProblems(root).get(root.id)).toBe("emptyGroup");
  });

  it("stops at 4 groups deep and 30 conditions", () => {
    let root = newRoot();
    let parent: GroupDraft = root;
    for (let depth = 2; depth <= 4; depth++) {
      expect(canAddGroup(root, parent.id)).toBe(true);
      const g = newGroup();
      root = addChild(root, parent.id, g);
      parent = g;
    }
    expect(canAddGroup(root, parent.id)).toBe(false);
    expect(canAddGroup(root, root.id)).toBe(true);
    while (countConditions(root) < MAX_CONDITIONS) root = addChild(root, root.id, newCondition());
    expect(canAddCondition(root)).toBe(false);
    expect(canAddGroup(root, root.id)).toBe(false);
  });
});

describe("problems before asking the server", () => {
  it("names what is missing or wrong", () => {
    const root: GroupDraft = {
      ...newRoot(),
      children: [
        cond({ id: "a", field: "tag", value: " " }),
        cond({ id: "b", field: "custom", custom: "", op: "exists" }),
        cond({ id: "c", field: "custom", custom: "age", op: "gt", value: "old" }),
        cond({ id: "d", field: "last_inbound", op: "within_days", value: "0" }),
        cond({ id: "e", field: "last_inbound", op: "within_days", value: "3651" }),
        cond({ id: "f", field: "phone", op: "starts_with", value: "91" }),
        cond({ id: "g", field: "phone", op: "starts_with", value: "+91 98" }),
        cond({ id: "h", field: "last_inbound", op: "never", value: "" }),
        cond({ id: "i", field: "channel", op: "eq", value: "" }),
      ],
    };
    expect(Object.fromEntries(draftProblems(root))).toEqual({ a: "value", b: "customName", c: "number", d: "days", e: "days", f: "phone", i: "value" });
    expect(draftProblems(fromRule(VIP_IN_CITIES)).size).toBe(0);
  });

  it("finds the condition a server error's path names", () => {
    expect(rulePathOf("`rule.all[1].any[0].value`: must be a string")).toEqual([1, 0]);
    expect(rulePathOf("rule.any: must not be empty")).toEqual([]);
    expect(rulePathOf("name: too long")).toBeNull();
    const draft = fromRule(VIP_IN_CITIES);
    const inner = draft.children[1] as GroupDraft;
    expect(nodeIdForError(draft, "`rule.all[1].any[1].op`: unknown")).toBe(inner.children[1]!.id);
    expect(nodeIdForError(draft, "`rule.all[1].any[5]`: gone")).toBe(inner.id);
    expect(nodeIdForError(draft, "`rule`: too deep")).toBe(draft.id);
  });
});

describe("words and audiences", () => {
  const words: RuleWords = {
    field: (f) => ({ tag: "Tag", opted_in: "Opted in", channel: "Number", last_inbound: "Last message", conversation_status: "Conversation", phone: "Phone", name: "Name" })[f],
    op: (o) => ({ has: "has", eq: "is", within_days: "within", never: "never" })[o as string] ?? o,
    yes: "yes",
    no: "no",
    status: (s) => s.toUpperCase(),
    channel: (id) => (id === "c1" ? "Support" : id),
    days: (n) => `${n} days`,
    and: "and",
    or: "or",
  };
  it("words a rule in a line", () => {
    expect(describeRule(VIP_IN_CITIES, words)).toBe("Tag has “vip” and (city is “Chennai” or city is “Pune”)");
    expect(
      describeRule(
        {
          any: [
            { field: "opted_in", op: "eq", value: false },
            { field: "channel", op: "eq", value: "c1" },
            { field: "last_inbound", op: "within_days", value: 7 },
            { field: "conversation_status", op: "eq", value: "open" },
            { field: "last_inbound", op: "never" },
          ],
        },
        words,
      ),
    ).toBe("Opted in is no or Number is Support or Last message within 7 days or Conversation is OPEN or Last message never");
  });
  it("reads a campaign's segment audience", () => {
    expect(audienceSegmentId({ segment_id: "s1" })).toBe("s1");
    expect(audienceSegmentId({ tags: ["vip"] })).toBeNull();
    expect(audienceSegmentId(null)).toBeNull();
  });
});
