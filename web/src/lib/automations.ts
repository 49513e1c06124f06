// Automation rules (`/automations`): an event, conditions over the message,
// contact, conversation and business hours, and actions run in order. The
// page edits a rule as a draft of plain strings (what the inputs hold) and
// turns it into the body the server takes; these are the pure parts.

import type { RuleView, RunLog } from "./apiTypes";

export type { RunLog };

export const RULE_EVENTS = [
  "message.received",
  "conversation.created",
  "conversation.resolved",
  "conversation.assigned",
  "tag.added",
  "message.failed",
  "no_agent_reply",
  "campaign.reply",
  "sla.breached",
  "csat.received",
] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

/** The event that waits `minutes` (timed by the server) rather than reacting. */
export const TIMED_EVENT = "no_agent_reply";
export const MAX_MINUTES = 10080;
export const MAX_ACTIONS = 10;
export const MAX_CONDITIONS = 20;

export const OPERATORS = ["eq", "neq", "contains", "not_contains", "regex", "in", "exists", "not_exists", "gt", "lt"] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that take no value. */
export const NO_VALUE_OPS: readonly string[] = ["exists", "not_exists"];
/** Operators whose value is a number. */
export const NUMBER_OPS: readonly string[] = ["gt", "lt"];

/** The condition fields offered in the picker; `contact.<key>` (a custom field) is typed in. */
export const CONDITION_FIELDS = [
  "message.text",
  "message.type",
  "contact.name",
  "contact.phone",
  "contact.tags",
  "conversation.status",
  "conversation.tags",
  "conversation.priority",
  "conversation.channel_id",
  "conversation.team_id",
  "conversation.assignee_id",
  "business_hours",
  "tag",
  "rating",
  "breach",
  "message.error_code",
] as const;
/** The picker's choice for "a contact's custom field" (its key is typed). */
export const CUSTOM_FIELD = "contact.*";

export const ACTION_TYPES = [
  "assign",
  "tag",
  "set_status",
  "set_priority",
  "send_message",
  "send_template",
  "start_flow",
  "enroll_in_sequence",
  "add_note",
  "call_webhook",
  "notify",
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const STATUSES = ["open", "pending", "resolved", "closed"] as const;
export { PRIORITIES, type Priority } from "./service";

/** A rule as the server has it. */
export type Rule = RuleView;

/** `GET /automations/catalog`. */
export interface Catalog {
  events: { event: string; description: string }[];
  fields: string[];
  operators: string[];
  actions: { type: string; fields: string[] }[];
}

// ---- drafts ----

export interface ConditionDraft {
  /** A field from CONDITION_FIELDS, or `contact.<key>`. */
  field: string;
  op: string;
  /** As typed; for `in` a comma-separated list. */
  value: string;
}

export interface ActionDraft {
  type: ActionType;
  /** assign: to an agent or a team. */
  assignTo: "agent" | "team";
  agent_id: string;
  team_id: string;
  /** tag: comma-separated. */
  add: string;
  remove: string;
  target: "conversation" | "contact";
  status: string;
  priority: string;
  /** send_message, add_note, notify. */
  text: string;
  /** send_template. */
  name: string;
  language: string;
  /** send_template parameters, as JSON text (a list). */
  components: string;
  flow_id: string;
  /** enroll_in_sequence: the drip sequence (a campaign of type drip). */
  campaign_id: string;
  url: string;
  /** notify: nobody chosen = the admins and the assignee. */
  user_ids: string[];
}

export interface RuleDraft {
  name: string;
  event: string;
  /** no_agent_reply only. */
  minutes: string;
  all: ConditionDraft[];
  any: ConditionDraft[];
  actions: ActionDraft[];
  enabled: boolean;
  position: number;
}

export function newCondition(field = "message.text"): ConditionDraft {
  return { field, op: "contains", value: "" };
}

export function newAction(type: ActionType = "set_priority"): ActionDraft {
  return {
    type,
    assignTo: "agent",
    agent_id: "",
    team_id: "",
    add: "",
    remove: "",
    target: "conversation",
    status: "resolved",
    priority: "high",
    text: "",
    name: "",
    language: "",
    components: "",
    flow_id: "",
    campaign_id: "",
    url: "",
    user_ids: [],
  };
}

export function emptyRule(position = 0): RuleDraft {
  return { name: "", event: "message.received", minutes: "30", all: [newCondition()], any: [], actions: [newAction()], enabled: true, position };
}

/** A condition's value as the input shows it: a list as "a, b", a number or flag as text. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => valueText(v)).join(", ");
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** "a, b,, c " → ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A condition's value for the server: none for exists/not_exists, a list for
 * `in`, a number for gt/lt (undefined when not a number), else the text.
 */
export function conditionValue(op: string, text: string): unknown {
  if (NO_VALUE_OPS.includes(op)) return undefined;
  if (op === "in") return splitList(text);
  if (NUMBER_OPS.includes(op)) {
    const n = Number(text.trim());
    return text.trim() !== "" && Number.isFinite(n) ? n : undefined;
  }
  return text;
}

function asString(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
}

function asList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(asString).filter(Boolean) : [];
}

/** An action from the server as a draft (fields it does not use keep their defaults). */
export function actionDraft(a: Record<string, unknown> & { type: string }): ActionDraft {
  const type = (ACTION_TYPES as readonly string[]).includes(a.type) ? (a.type as ActionType) : "add_note";
  const d = newAction(type);
  switch (type) {
    case "assign":
      d.agent_id = asString(a.agent_id);
      d.team_id = asString(a.team_id);
      d.assignTo = d.agent_id ? "agent" : d.team_id ? "team" : "agent";
      break;
    case "tag":
      d.add = asList(a.add).join(", ");
      d.remove = asList(a.remove).join(", ");
      d.target = a.target === "contact" ? "contact" : "conversation";
      break;
    case "set_status":
      d.status = asString(a.status) || "resolved";
      break;
    case "set_priority":
      d.priority = asString(a.priority) || "high";
      break;
    case "send_message":
    case "add_note":
      d.text = asString(a.text);
      break;
    case "notify":
      d.text = asString(a.text);
      d.user_ids = asList(a.user_ids);
      break;
    case "send_template":
      d.name = asString(a.name);
      d.language = asString(a.language);
      d.components = Array.isArray(a.components) && a.components.length ? JSON.stringify(a.components) : "";
      break;
    case "start_flow":
      d.flow_id = asString(a.flow_id);
      break;
    case "enroll_in_sequence":
      d.campaign_id = asString(a.campaign_id);
      break;
    case "call_webhook":
      d.url = asString(a.url);
      break;
  }
  return d;
}

/** A saved rule as a draft to edit. */
export function ruleDraft(r: Rule): RuleDraft {
  const cond = (list: { field: string; op: string; value?: unknown }[] | undefined) =>
    (list ?? []).map((c) => ({ field: c.field, op: c.op, value: valueText(c.value) }));
  return {
    name: r.name,
    event: r.event,
    minutes: r.minutes !== null && r.minutes !== undefined ? String(r.minutes) : "30",
    all: cond(r.conditions?.all),
    any: cond(r.conditions?.any),
    actions: (r.actions ?? []).map(actionDraft),
    enabled: r.enabled,
    position: r.position,
  };
}

/** Parses send_template components typed as JSON: a list (empty text: none); null when it is not a list. */
export function parseComponents(text: string): unknown[] | null {
  if (!text.trim()) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** An action for the server: its type and only the fields that type takes. */
export function actionBody(d: ActionDraft): Record<string, unknown> & { type: string } {
  switch (d.type) {
    case "assign":
      return d.assignTo === "team" ? { type: "assign", team_id: d.team_id } : { type: "assign", agent_id: d.agent_id };
    case "tag":
      return { type: "tag", add: splitList(d.add), remove: splitList(d.remove), target: d.target };
    case "set_status":
      return { type: "set_status", status: d.status };
    case "set_priority":
      return { type: "set_priority", priority: d.priority };
    case "send_message":
    case "add_note":
      return { type: d.type, text: d.text };
    case "notify":
      return { type: "notify", text: d.text, user_ids: [...d.user_ids] };
    case "send_template":
      return { type: "send_template", name: d.name, language: d.language, components: parseComponents(d.components) ?? [] };
    case "start_flow":
      return { type: "start_flow", flow_id: d.flow_id };
    case "enroll_in_sequence":
      return { type: "enroll_in_sequence", campaign_id: d.campaign_id };
    case "call_webhook":
      return { type: "call_webhook", url: d.url.trim() };
  }
}

export interface RuleBody {
  name: string;
  event: string;
  minutes?: number;
  conditions: { all: { field: string; op: string; value?: unknown }[]; any: { field: string; op: string; value?: unknown }[] };
  actions: (Record<string, unknown> & { type: string })[];
  enabled: boolean;
  position: number;
}

function conditionBody(c: ConditionDraft): { field: string; op: string; value?: unknown } {
  const value = conditionValue(c.op, c.value);
  return value === undefined ? { field: c.field.trim(), op: c.op } : { field: c.field.trim(), op: c.op, value };
}

/** The body of `POST /automations` and `PUT /automations/{id}`. */
export function ruleBody(d: RuleDraft): RuleBody {
  const body: RuleBody = {
    name: d.name.trim(),
    event: d.event,
    conditions: { all: d.all.map(conditionBody), any: d.any.map(conditionBody) },
    actions: d.actions.map(actionBody),
    enabled: d.enabled,
    position: d.position,
  };
  if (d.event === TIMED_EVENT) body.minutes = Number(d.minutes.trim());
  return body;
}

/**
 * A saved rule sent back as it is but for `changes` (enable/disable, a new
 * position): only the fields the server takes (it refuses unknown ones).
 */
export function savedRuleBody(r: Rule, changes: Partial<Pick<RuleBody, "enabled" | "position">> = {}): RuleBody {
  const body: RuleBody = {
    name: r.name,
    event: r.event,
    conditions: { all: r.conditions?.all ?? [], any: r.conditions?.any ?? [] },
    actions: r.actions,
    enabled: changes.enabled ?? r.enabled,
    position: changes.position ?? r.position,
  };
  if (r.minutes !== null && r.minutes !== undefined) body.minutes = r.minutes;
  return body;
}

// ---- checks before sending (the server has the last word) ----

export type RuleProblem =
  | { kind: "name" }
  | { kind: "minutes" }
  | { kind: "noActions" }
  | { kind: "tooManyActions" }
  | { kind: "tooManyConditions" }
  | { kind: "conditionField"; group: "all" | "any"; index: number }
  | { kind: "conditionValue"; group: "all" | "any"; index: number }
  | { kind: "conditionNumber"; group: "all" | "any"; index: number }
  | { kind: "action"; index: number; field: string };

/** What is missing or wrong in a draft before it is sent; empty when it looks complete. */
export function ruleProblems(d: RuleDraft): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (!d.name.trim() || d.name.trim().length > 120) out.push({ kind: "name" });
  if (d.event === TIMED_EVENT) {
    const m = Number(d.minutes.trim());
    if (!/^\d+$/.test(d.minutes.trim()) || m < 1 || m > MAX_MINUTES) out.push({ kind: "minutes" });
  }
  if (d.all.length + d.any.length > MAX_CONDITIONS) out.push({ kind: "tooManyConditions" });
  for (const group of ["all", "any"] as const) {
    d[group].forEach((c, index) => {
      const field = c.field.trim();
      if (!field || field === CUSTOM_FIELD || field === "contact." || field.length > 100) out.push({ kind: "conditionField", group, index });
      if (NO_VALUE_OPS.includes(c.op)) return;
      if (NUMBER_OPS.includes(c.op)) {
        if (conditionValue(c.op, c.value) === undefined) out.push({ kind: "conditionNumber", group, index });
      } else if (c.op === "in" ? splitList(c.value).length === 0 : c.value === "") {
        out.push({ kind: "conditionValue", group, index });
      }
    });
  }
  if (d.actions.length === 0) out.push({ kind: "noActions" });
  if (d.actions.length > MAX_ACTIONS) out.push({ kind: "tooManyActions" });
  d.actions.forEach((a, index) => {
    const missing = (field: string) => out.push({ kind: "action", index, field });
    switch (a.type) {
      case "assign":
        if (a.assignTo === "team" ? !a.team_id : !a.agent_id) missing(a.assignTo === "team" ? "team_id" : "agent_id");
        break;
      case "tag":
        if (splitList(a.add).length + splitList(a.remove).length === 0) missing("add");
        else if ([...splitList(a.add), ...splitList(a.remove)].some((t) => t.length > 50)) missing("add");
        break;
      case "send_message":
      case "add_note":
      case "notify":
        if (!a.text.trim() || a.text.length > 4096) missing("text");
        break;
      case "send_template":
        if (!a.name || !a.language) missing("name");
        if (parseComponents(a.components) === null) missing("components");
        break;
      case "start_flow":
        if (!a.flow_id) missing("flow_id");
        break;
      case "enroll_in_sequence":
        if (!a.campaign_id) missing("campaign_id");
        break;
      case "call_webhook":
        if (!/^https?:\/\/\S+$/i.test(a.url.trim())) missing("url");
        break;
    }
  });
  return out;
}

// ---- editing lists ----

/** Moves item `index` by `by` places (clamped); the same list when it cannot move. */
export function moveItem<T>(list: readonly T[], index: number, by: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, index + by));
  if (index < 0 || index >= list.length || to === index) return [...list];
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item!);
  return next;
}

/** Rules in the order they run: by position, then oldest first. */
export function sortRules<T extends Pick<Rule, "position" | "created_at">>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at));
}

/**
 * Moves rule `index` up or down the running order: every rule gets the
 * position of its new place (0, 1, 2…). Returns the new order and the rules
 * whose position changed (to save).
 */
export function reorderRules(rules: readonly Rule[], index: number, by: number): { order: Rule[]; changed: Rule[] } {
  const moved = moveItem(sortRules(rules), index, by);
  const order = moved.map((r, i) => (r.position === i ? r : { ...r, position: i }));
  const before = new Map(rules.map((r) => [r.id, r.position]));
  return { order, changed: order.filter((r) => before.get(r.id) !== r.position) };
}

/** The position a new rule gets: after every other. */
export function nextPosition(rules: readonly Pick<Rule, "position">[]): number {
  return rules.reduce((max, r) => Math.max(max, r.position + 1), 0);
}

/** Replaces (or adds) a rule and keeps the running order. */
export function upsertRule(rules: readonly Rule[], rule: Rule): Rule[] {
  return sortRules([rule, ...rules.filter((r) => r.id !== rule.id)]);
}

// ---- the log ----

/** A run in one word: skipped (conditions did not hold, or loop protection), failed (an action failed), or ok. */
export function runOutcome(run: Pick<RunLog, "matched" | "actions">): "skipped" | "failed" | "ok" {
  if (!run.matched) return "skipped";
  return run.actions.some((a) => !a.ok) ? "failed" : "ok";
}
