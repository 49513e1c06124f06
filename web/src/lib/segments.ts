// Contact segments: saved filters over contacts, a rule tree of `{"all"}` /
// `{"any"}` groups and `{"field", "op", "value"}` conditions
// (`/contacts/segments`). The rule builder edits a draft of that tree (ids for
// React, values as typed); this module turns drafts into the server's rule
// JSON and back, checks what the server would refuse before asking it
// (limits, values per field and operator), finds the condition a
// VALIDATION_FAILED path such as "`rule.all[1].any[0].value`" names, and
// words a rule for the segment list.

import type { SegmentCondition, SegmentGroupRule, SegmentRule } from "./api";
import { CONVERSATION_STATUSES, type ConversationStatus } from "./domain";

/** Groups nest at most this deep (the top-level group is depth 1). */
export const MAX_DEPTH = 4;
/** Conditions in a rule, at most. */
export const MAX_CONDITIONS = 30;
/** `last_inbound` day counts: 1 to this. */
export const MAX_DAYS = 3650;
/** Members a preview lists. */
export const PREVIEW_LIMIT = 20;

/** What a condition looks at; `custom` is `custom.<name>`, a contact custom field. */
export const SEGMENT_FIELDS = ["tag", "custom", "opted_in", "channel", "last_inbound", "conversation_status", "phone", "name"] as const;
export type SegmentField = (typeof SEGMENT_FIELDS)[number];

export const SEGMENT_OPS = [
  "has",
  "lacks",
  "eq",
  "neq",
  "contains",
  "gt",
  "lt",
  "exists",
  "missing",
  "within_days",
  "older_than_days",
  "never",
  "starts_with",
] as const;
export type SegmentOp = (typeof SEGMENT_OPS)[number];

/** The operators each field takes, the default first. */
export const OPS_BY_FIELD: Record<SegmentField, readonly SegmentOp[]> = {
  tag: ["has", "lacks"],
  custom: ["eq", "neq", "contains", "gt", "lt", "exists", "missing"],
  opted_in: ["eq"],
  channel: ["eq"],
  last_inbound: ["within_days", "older_than_days", "never"],
  conversation_status: ["eq"],
  phone: ["starts_with"],
  name: ["contains"],
};

/** How a custom field's `eq`/`neq` value is sent: a string, a number or a boolean. */
export const CUSTOM_VALUE_TYPES = ["text", "number", "bool"] as const;
export type CustomValueType = (typeof CUSTOM_VALUE_TYPES)[number];

/** The input a condition's value needs. */
export type ValueInput = "none" | "tag" | "text" | "number" | "days" | "bool" | "channel" | "status" | "phone";

export interface ConditionDraft {
  kind: "condition";
  id: string;
  field: SegmentField;
  /** A custom field's name (`custom.<name>`); unused by other fields. */
  custom: string;
  op: SegmentOp;
  /** As typed or picked: text, digits, "true"/"false", a channel id, a status. */
  value: string;
  /** A custom field's `eq`/`neq` value type. */
  valueType: CustomValueType;
}

/** A condition this app does not know (a newer server's field or operator): kept and sent back as it came. */
export interface UnknownDraft {
  kind: "unknown";
  id: string;
  raw: unknown;
}

export interface GroupDraft {
  kind: "group";
  id: string;
  mode: "all" | "any";
  children: NodeDraft[];
}

export type NodeDraft = ConditionDraft | UnknownDraft | GroupDraft;

let lastId = 0;
function newId(): string {
  lastId += 1;
  return `n${lastId}`;
}

export function isSegmentField(x: unknown): x is SegmentField {
  return typeof x === "string" && (SEGMENT_FIELDS as readonly string[]).includes(x);
}

export function isSegmentOp(x: unknown): x is SegmentOp {
  return typeof x === "string" && (SEGMENT_OPS as readonly string[]).includes(x);
}

function isStatus(x: unknown): x is ConversationStatus {
  return typeof x === "string" && (CONVERSATION_STATUSES as readonly string[]).includes(x);
}

/** The input for a field and operator (and a custom field's value type). */
export function valueInput(field: SegmentField, op: SegmentOp, valueType: CustomValueType = "text"): ValueInput {
  switch (field) {
    case "tag":
      return "tag";
    case "custom":
      if (op === "exists" || op === "missing") return "none";
      if (op === "gt" || op === "lt") return "number";
      if (op === "contains") return "text";
      return valueType === "number" ? "number" : valueType === "bool" ? "bool" : "text";
    case "opted_in":
      return "bool";
    case "channel":
      return "channel";
    case "last_inbound":
      return op === "never" ? "none" : "days";
    case "conversation_status":
      return "status";
    case "phone":
      return "phone";
    case "name":
      return "text";
  }
}

/** A starting value for an input: yes for yes/no, the first status; empty otherwise. */
function defaultValue(input: ValueInput, channelId = ""): string {
  if (input === "bool") return "true";
  if (input === "status") return CONVERSATION_STATUSES[0];
  if (input === "channel") return channelId;
  return "";
}

/** A new condition on `field` with its first operator; a channel condition starts on `channelId`. */
export function newCondition(field: SegmentField = "tag", channelId = ""): ConditionDraft {
  const op = OPS_BY_FIELD[field][0]!;
  return { kind: "condition", id: newId(), field, custom: "", op, value: defaultValue(valueInput(field, op), channelId), valueType: "text" };
}

/** A new group holding one condition. */
export function newGroup(mode: GroupDraft["mode"] = "any"): GroupDraft {
  return { kind: "group", id: newId(), mode, children: [newCondition()] };
}

/** Where a new segment starts: all of one (empty) tag condition. */
export function newRoot(): GroupDraft {
  return { kind: "group", id: newId(), mode: "all", children: [newCondition()] };
}

/** The condition on another field: its first operator, the value kept only when the input stays the same. */
export function withField(c: ConditionDraft, field: SegmentField, channelId = ""): ConditionDraft {
  if (field === c.field) return c;
  const op = OPS_BY_FIELD[field][0]!;
  const input = valueInput(field, op, c.valueType);
  const keep = input === valueInput(c.field, c.op, c.valueType) && input !== "none";
  return { ...c, field, op, value: keep ? c.value : defaultValue(input, channelId) };
}

/** The condition with another operator; the value is kept while the input stays the same. */
export function withOp(c: ConditionDraft, op: SegmentOp, channelId = ""): ConditionDraft {
  const before = valueInput(c.field, c.op, c.valueType);
  const after = valueInput(c.field, op, c.valueType);
  return { ...c, op, value: before === after ? c.value : defaultValue(after, channelId) };
}

/** A custom field's `eq`/`neq` with another value type (yes/no starts on yes). */
export function withValueType(c: ConditionDraft, valueType: CustomValueType): ConditionDraft {
  const before = valueInput(c.field, c.op, c.valueType);
  const after = valueInput(c.field, c.op, valueType);
  if (before === after) return { ...c, valueType };
  // Typed text carries over to a number when it is one; yes/no starts on yes.
  const keep = before !== "bool" && (after === "text" || (after === "number" && isNumberText(c.value)));
  return { ...c, valueType, value: keep ? c.value : defaultValue(after) };
}

// ---- the tree ----

/** Every condition (known or not) in the tree. */
export function countConditions(node: NodeDraft): number {
  return node.kind === "group" ? node.children.reduce((n, c) => n + countConditions(c), 0) : 1;
}

/** The depth of the group with `id` (the root is 1), or 0 when it is not in the tree. */
export function groupDepth(root: GroupDraft, id: string, depth = 1): number {
  if (root.id === id) return depth;
  for (const c of root.children) {
    if (c.kind !== "group") continue;
    const d = groupDepth(c, id, depth + 1);
    if (d) return d;
  }
  return 0;
}

/** The deepest group's depth. */
export function treeDepth(node: NodeDraft): number {
  return node.kind === "group" ? 1 + Math.max(0, ...node.children.map(treeDepth)) : 0;
}

/** Whether the rule can take one more condition. */
export function canAddCondition(root: GroupDraft): boolean {
  return countConditions(root) < MAX_CONDITIONS;
}

/** Whether the group `groupId` can take a nested group (with its one condition). */
export function canAddGroup(root: GroupDraft, groupId: string): boolean {
  const depth = groupDepth(root, groupId);
  return depth > 0 && depth < MAX_DEPTH && canAddCondition(root);
}

/** The tree with the node `id` replaced by `fn(node)`. */
export function updateNode(root: GroupDraft, id: string, fn: (n: NodeDraft) => NodeDraft): GroupDraft {
  const walk = (n: NodeDraft): NodeDraft => {
    if (n.id === id) return fn(n);
    if (n.kind !== "group") return n;
    let changed = false;
    const children = n.children.map((c) => {
      const next = walk(c);
      if (next !== c) changed = true;
      return next;
    });
    return changed ? { ...n, children } : n;
  };
  const next = walk(root);
  return next.kind === "group" ? next : root;
}

/** The tree with `child` added at the end of the group `groupId`. */
export function addChild(root: GroupDraft, groupId: string, child: NodeDraft): GroupDraft {
  return updateNode(root, groupId, (g) => (g.kind === "group" ? { ...g, children: [...g.children, child] } : g));
}

/**
 * The tree without the node `id`. A nested group left empty goes too (a group
 * must hold something); the top-level group may be left empty.
 */
export function removeNode(root: GroupDraft, id: string): GroupDraft {
  if (root.id === id) return root;
  const walk = (g: GroupDraft): GroupDraft => {
    const children: NodeDraft[] = [];
    for (const c of g.children) {
      if (c.id === id) continue;
      if (c.kind === "group") {
        const inner = walk(c);
        if (inner.children.length === 0) continue;
        children.push(inner);
      } else children.push(c);
    }
    return { ...g, children };
  };
  return walk(root);
}

/** The node at a path of child indices from the root (`[1, 0]`: the root's 2nd child's 1st), or null. */
export function nodeAtPath(root: GroupDraft, path: readonly number[]): NodeDraft | null {
  let node: NodeDraft = root;
  for (const i of path) {
    if (node.kind !== "group") return null;
    const next: NodeDraft | undefined = node.children[i];
    if (!next) return null;
    node = next;
  }
  return node;
}

// ---- to and from the server's rule ----

function isNumberText(s: string): boolean {
  return s.trim() !== "" && Number.isFinite(Number(s.trim()));
}

/** "+91 98-76" → "+919876": a phone prefix without spaces, dashes, dots or brackets. */
export function phonePrefix(s: string): string {
  return s.replace(/[\s\-().]/g, "");
}

/** A condition as the server takes it (values typed; no value for `exists`, `missing`, `never`). */
export function conditionToRule(c: ConditionDraft): SegmentCondition {
  const field = c.field === "custom" ? `custom.${c.custom.trim()}` : c.field;
  const input = valueInput(c.field, c.op, c.valueType);
  const v = c.value;
  switch (input) {
    case "none":
      return { field, op: c.op };
    case "tag":
      return { field, op: c.op, value: v.trim().toLowerCase() };
    case "number":
    case "days":
      return { field, op: c.op, value: isNumberText(v) ? Number(v.trim()) : v.trim() };
    case "bool":
      return { field, op: c.op, value: v === "true" };
    case "phone":
      return { field, op: c.op, value: phonePrefix(v) };
    case "text":
      return { field, op: c.op, value: v.trim() };
    default:
      return { field, op: c.op, value: v };
  }
}

/** The draft as the server's rule JSON (whether or not it is complete: the server says what is wrong). */
export function toRule(g: GroupDraft): SegmentGroupRule {
  const children: SegmentRule[] = g.children.map((c) => {
    if (c.kind === "group") return toRule(c);
    if (c.kind === "unknown") return c.raw as SegmentRule;
    return conditionToRule(c);
  });
  return g.mode === "all" ? { all: children } : { any: children };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A stored condition as a draft; one this app cannot edit stays as it came. */
function conditionFromRule(raw: Record<string, unknown>): ConditionDraft | UnknownDraft {
  const unknown: UnknownDraft = { kind: "unknown", id: newId(), raw };
  const { field: rawField, op, value } = raw;
  if (typeof rawField !== "string" || !isSegmentOp(op)) return unknown;
  let field: SegmentField;
  let custom = "";
  if (rawField.startsWith("custom.") && rawField.length > "custom.".length) {
    field = "custom";
    custom = rawField.slice("custom.".length);
  } else if (isSegmentField(rawField) && rawField !== "custom") field = rawField;
  else return unknown;
  if (!OPS_BY_FIELD[field].includes(op)) return unknown;
  const valueType: CustomValueType = typeof value === "number" ? "number" : typeof value === "boolean" ? "bool" : "text";
  const input = valueInput(field, op, valueType);
  let text: string;
  if (input === "none") text = "";
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else return unknown;
  if (input === "status" && !isStatus(text)) return unknown;
  return { kind: "condition", id: newId(), field, custom, op, value: text, valueType };
}

function nodeFromRule(raw: unknown): NodeDraft {
  if (isObject(raw)) {
    for (const mode of ["all", "any"] as const) {
      const list = raw[mode];
      if (Array.isArray(list) && Object.keys(raw).length === 1) return { kind: "group", id: newId(), mode, children: list.map(nodeFromRule) };
    }
    if ("field" in raw) return conditionFromRule(raw);
  }
  return { kind: "unknown", id: newId(), raw };
}

/** A stored rule as a draft to edit; a lone condition is wrapped in an "all" group. */
export function fromRule(rule: unknown): GroupDraft {
  const node = nodeFromRule(rule);
  return node.kind === "group" ? node : { kind: "group", id: newId(), mode: "all", children: [node] };
}

// ---- what the server would refuse ----

/** Why a condition or group cannot be sent yet. */
export type DraftProblem = "customName" | "value" | "number" | "days" | "phone" | "emptyGroup" | "tooMany" | "tooDeep";

/** The node ids with a problem, each with the first one found (the top-level group carries the limits). */
export function draftProblems(root: GroupDraft): Map<string, DraftProblem> {
  const out = new Map<string, DraftProblem>();
  const walk = (n: NodeDraft) => {
    if (n.kind === "unknown") return;
    if (n.kind === "group") {
      if (n.children.length === 0) out.set(n.id, "emptyGroup");
      n.children.forEach(walk);
      return;
    }
    if (n.field === "custom" && !n.custom.trim()) {
      out.set(n.id, "customName");
      return;
    }
    const input = valueInput(n.field, n.op, n.valueType);
    const v = n.value.trim();
    if (input === "none" || input === "bool") return;
    if (!v) out.set(n.id, "value");
    else if (input === "number" && !isNumberText(v)) out.set(n.id, "number");
    else if (input === "days" && !(/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_DAYS)) out.set(n.id, "days");
    else if (input === "phone" && !/^\+\d+$/.test(phonePrefix(v))) out.set(n.id, "phone");
  };
  walk(root);
  if (!out.has(root.id)) {
    if (countConditions(root) > MAX_CONDITIONS) out.set(root.id, "tooMany");
    else if (treeDepth(root) > MAX_DEPTH) out.set(root.id, "tooDeep");
  }
  return out;
}

/**
 * The child-index path of a VALIDATION_FAILED message's rule path:
 * "`rule.all[1].any[0].value`: must be…" → [1, 0]; "rule.any: …" → [];
 * null when the message names no rule path.
 */
export function rulePathOf(message: string): number[] | null {
  const m = /\brule((?:\.(?:all|any)\[\d+\])*)/.exec(message);
  if (!m) return null;
  return [...(m[1] ?? "").matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
}

/** The id of the node a VALIDATION_FAILED message points at, or null. */
export function nodeIdForError(root: GroupDraft, message: string): string | null {
  const path = rulePathOf(message);
  if (!path) return null;
  // The deepest node of the path that exists (a path into a value's parts stops at the condition).
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAtPath(root, path.slice(0, n));
    if (node) return node.id;
  }
  return null;
}

// ---- words ----

/** How rule parts are worded: field, operator and value names from the translations. */
export interface RuleWords {
  field: (f: Exclude<SegmentField, "custom">) => string;
  op: (o: SegmentOp) => string;
  yes: string;
  no: string;
  status: (s: ConversationStatus) => string;
  channel: (id: string) => string;
  days: (n: number) => string;
  /** The joining word of an "all" group ("and") and of an "any" group ("or"). */
  and: string;
  or: string;
}

function describeCondition(c: SegmentCondition, w: RuleWords): string {
  const field = c.field.startsWith("custom.") ? c.field.slice("custom.".length) : isSegmentField(c.field) ? w.field(c.field as Exclude<SegmentField, "custom">) : c.field;
  const op = isSegmentOp(c.op) ? w.op(c.op) : c.op;
  if (c.value === undefined) return `${field} ${op}`;
  let value: string;
  if (typeof c.value === "boolean") value = c.value ? w.yes : w.no;
  else if (c.field === "conversation_status" && isStatus(c.value)) value = w.status(c.value);
  else if (c.field === "channel" && typeof c.value === "string") value = w.channel(c.value);
  else if (c.field === "last_inbound" && typeof c.value === "number") value = w.days(c.value);
  else value = typeof c.value === "string" ? `“${c.value}”` : String(c.value);
  return `${field} ${op} ${value}`;
}

/** A rule in a line: `Tag has “vip” and (city is “Chennai” or city is “Pune”)`. */
export function describeRule(rule: unknown, w: RuleWords, nested = false): string {
  if (isObject(rule)) {
    for (const mode of ["all", "any"] as const) {
      const list = rule[mode];
      if (Array.isArray(list)) {
        const text = list.map((r) => describeRule(r, w, true)).join(` ${mode === "all" ? w.and : w.or} `);
        return nested && list.length > 1 ? `(${text})` : text;
      }
    }
    if (typeof rule.field === "string" && typeof rule.op === "string") return describeCondition(rule as unknown as SegmentCondition, w);
  }
  return JSON.stringify(rule);
}

// ---- campaign audiences ----

/** The segment of a stored campaign audience (`{"segment_id": "…"}`), or null for any other audience. */
export function audienceSegmentId(audience: Record<string, unknown> | null | undefined): string | null {
  const id = audience?.segment_id;
  return typeof id === "string" && id ? id : null;
}
