// The flow builder's pure logic: the node catalogue, each type's default data
// and outgoing handles, turning the canvas back into the server's Flow JSON,
// and mapping the server's FLOW_INVALID details onto nodes and edges.

import type { ErrorDetail } from "./api";
import type { FlowData, FlowEdgeJson, FlowNodeJson, FlowNodeType } from "./types";

export const NODE_TYPES: readonly FlowNodeType[] = [
  "message",
  "template",
  "buttons",
  "list",
  "input",
  "condition",
  "delay",
  "api",
  "webhook",
  "assign",
  "tag",
  "set_field",
  "enroll",
  "jump",
  "handoff",
  "end",
];

export type NodeGroup = "send" | "logic" | "action";

export const NODE_GROUP: Record<FlowNodeType, NodeGroup> = {
  message: "send",
  template: "send",
  buttons: "send",
  list: "send",
  input: "send",
  condition: "logic",
  delay: "logic",
  jump: "logic",
  end: "logic",
  api: "action",
  webhook: "action",
  assign: "action",
  tag: "action",
  set_field: "action",
  enroll: "action",
  handoff: "action",
};

export const GROUPS: readonly NodeGroup[] = ["send", "logic", "action"];

export const VALIDATIONS = ["text", "number", "email", "phone", "regex", "choice"] as const;
export const OPERATORS = ["equals", "not_equals", "contains", "greater", "less", "regex", "exists", "not_exists"] as const;
export const MEDIA_KINDS = ["image", "video", "audio", "document", "sticker"] as const;
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const ASSIGN_STRATEGIES = ["round_robin", "least_busy"] as const;
export const MAX_BUTTONS = 3;
export const MAX_LIST_ROWS = 10;

export function isNodeType(t: unknown): t is FlowNodeType {
  return typeof t === "string" && (NODE_TYPES as readonly string[]).includes(t);
}

/** What a freshly dropped node of `type` starts with: valid where the type allows it. */
export function defaultData(type: FlowNodeType): FlowData {
  switch (type) {
    case "message":
      return { text: "" };
    case "template":
      return { name: "", language: "en_US", components: [] };
    case "buttons":
      return { text: "", buttons: [{ id: "b1", title: "" }] };
    case "list":
      return { text: "", button: "", sections: [{ title: "", rows: [{ id: "r1", title: "" }] }] };
    case "input":
      return { prompt: "", variable: "", validation: "text" };
    case "condition":
      return { rules: [{ field: "message.text", operator: "equals", value: "", handle: "r1" }] };
    case "delay":
      return { seconds: 60 };
    case "api":
      return { method: "GET", url: "", save: {} };
    case "webhook":
      return { url: "" };
    case "assign":
      return { strategy: "round_robin" };
    case "tag":
      return { add: [] };
    case "set_field":
      return { field: "", value: "" };
    case "enroll":
      // The drip sequence (a campaign of type drip) the contact joins; picked from the tenant's sequences.
      return { campaign_id: "" };
    case "jump":
      return { target: "" };
    case "handoff":
      return {};
    case "end":
      return {};
  }
}

export interface HandleSpec {
  /** The edge's `sourceHandle`; null for the single default handle. */
  id: string | null;
  /** What to show next to the handle (a button title, a rule, "ok"…). */
  label: string;
  /** Fixed handles (ok, else…) are translated; others show the user's label. */
  fixed: boolean;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

export interface ButtonItem {
  id: string;
  title: string;
}
export interface ListRow {
  id: string;
  title: string;
  description?: string;
}
export interface ListSection {
  title: string;
  rows: ListRow[];
}
export interface Rule {
  field: string;
  operator: (typeof OPERATORS)[number] | string;
  value: string;
  handle: string;
}

export function buttonsOf(data: FlowData): ButtonItem[] {
  return asArr(data.buttons).map((b) => ({ id: asStr(asObj(b).id), title: asStr(asObj(b).title) }));
}

export function sectionsOf(data: FlowData): ListSection[] {
  return asArr(data.sections).map((s) => {
    const o = asObj(s);
    return {
      title: asStr(o.title),
      rows: asArr(o.rows).map((r) => {
        const row = asObj(r);
        const out: ListRow = { id: asStr(row.id), title: asStr(row.title) };
        if (typeof row.description === "string") out.description = row.description;
        return out;
      }),
    };
  });
}

export function rulesOf(data: FlowData): Rule[] {
  return asArr(data.rules).map((r) => {
    const o = asObj(r);
    return { field: asStr(o.field), operator: asStr(o.operator) || "equals", value: asStr(o.value), handle: asStr(o.handle) };
  });
}

/** The node's outgoing handles, in display order. */
export function sourceHandles(type: string, data: FlowData): HandleSpec[] {
  switch (type) {
    case "buttons":
      return buttonsOf(data).map((b) => ({ id: b.id, label: b.title || b.id, fixed: false }));
    case "list":
      return sectionsOf(data).flatMap((s) => s.rows.map((r) => ({ id: r.id, label: r.title || r.id, fixed: false })));
    case "input":
      return ["ok", "invalid", "timeout"].map((id) => ({ id, label: id, fixed: true }));
    case "condition":
      return [
        ...rulesOf(data).map((r) => ({ id: r.handle, label: ruleLabel(r), fixed: false })),
        { id: "else", label: "else", fixed: true },
      ];
    case "api":
      return ["ok", "error"].map((id) => ({ id, label: id, fixed: true }));
    case "end":
    case "jump":
      return [];
    default:
      return [{ id: null, label: "", fixed: true }];
  }
}

export function ruleLabel(r: Rule): string {
  const value = r.operator === "exists" || r.operator === "not_exists" ? "" : ` ${r.value}`;
  return `${r.field || "…"} ${r.operator}${value}`.trim();
}

/** Whether `handle` (null for the default) is one the node currently has. */
export function hasHandle(type: string, data: FlowData, handle: string | null | undefined): boolean {
  const specs = sourceHandles(type, data);
  const wanted = handle ?? null;
  return specs.some((s) => s.id === wanted);
}

interface NodeLike {
  id: string;
  type?: string | undefined;
  data: FlowData;
}
interface EdgeLike {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null | undefined;
}

/** A new edge from a handle replaces the handle's old edge: one handle leads to one place. */
export function connect<E extends EdgeLike>(edges: readonly E[], edge: E): E[] {
  const handle = edge.sourceHandle ?? null;
  return [...edges.filter((e) => !(e.source === edge.source && (e.sourceHandle ?? null) === handle)), edge];
}

/** `prefix1`, `prefix2`, … — the first not in `taken`. */
export function nextId(prefix: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${prefix}${n}`;
    if (!set.has(id)) return id;
  }
}

/** Marks `id` as the start node (clearing any other), or unmarks it. */
export function withStart<N extends NodeLike>(nodes: readonly N[], id: string, on: boolean): N[] {
  return nodes.map((n) => {
    const isStart = n.data.start === true;
    if (n.id === id) {
      if (isStart === on) return n;
      const data = { ...n.data };
      if (on) data.start = true;
      else delete data.start;
      return { ...n, data };
    }
    if (on && isStart) {
      const data = { ...n.data };
      delete data.start;
      return { ...n, data };
    }
    return n;
  });
}

/** Where a run begins: the node marked start, else the only node nothing points at. */
export function startNodeId(nodes: readonly NodeLike[], edges: readonly EdgeLike[]): string | null {
  const marked = nodes.find((n) => n.data.start === true);
  if (marked) return marked.id;
  const targets = new Set(edges.map((e) => e.target));
  const roots = nodes.filter((n) => !targets.has(n.id));
  return roots.length === 1 ? roots[0]!.id : null;
}

interface CanvasNode extends NodeLike {
  position: { x: number; y: number };
}

/** The canvas as the server's Flow JSON: only the contract's fields, positions rounded. */
export function toFlowData(nodes: readonly CanvasNode[], edges: readonly EdgeLike[]): { nodes: FlowNodeJson[]; edges: FlowEdgeJson[] } {
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      type: n.type ?? "message",
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      data: n.data,
    })),
    edges: edges.map((e) => {
      const out: FlowEdgeJson = { id: e.id, source: e.source, target: e.target };
      if (e.sourceHandle) out.sourceHandle = e.sourceHandle;
      return out;
    }),
  };
}

export interface Issues {
  nodes: Map<string, string[]>;
  edges: Map<string, string[]>;
  /** Problems of the flow as a whole (no node or edge named). */
  general: string[];
  count: number;
}

export const NO_ISSUES: Issues = { nodes: new Map(), edges: new Map(), general: [], count: 0 };

/** Sorts a FLOW_INVALID answer's details onto the nodes and edges they name. */
export function issuesFrom(details: readonly ErrorDetail[], fallbackMessage?: string): Issues {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  const general: string[] = [];
  const add = (map: Map<string, string[]>, key: string, msg: string) => map.set(key, [...(map.get(key) ?? []), msg]);
  for (const d of details) {
    if (d.node_id) add(nodes, d.node_id, d.message);
    else if (d.edge_id) add(edges, d.edge_id, d.message);
    else general.push(d.message);
  }
  if (details.length === 0 && fallbackMessage) general.push(fallbackMessage);
  return { nodes, edges, general, count: details.length || general.length };
}

/** "vip, lead ,," → ["vip", "lead"]. */
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A one-line description of what the node does, for its card on the canvas. */
export function summarize(type: string, data: FlowData): string {
  switch (type) {
    case "message": {
      const media = asObj(data.media);
      if (Object.keys(media).length) return `[${asStr(media.type) || "media"}] ${asStr(media.caption) || asStr(media.link) || asStr(media.id)}`.trim();
      return asStr(data.text);
    }
    case "template":
      return [asStr(data.name), asStr(data.language)].filter(Boolean).join(" · ");
    case "buttons":
    case "list":
      return asStr(data.text);
    case "input":
      return asStr(data.prompt) + (asStr(data.variable) ? ` → {{vars.${asStr(data.variable)}}}` : "");
    case "delay":
      return formatSeconds(Number(data.seconds) || 0);
    case "api":
      return `${asStr(data.method) || "GET"} ${asStr(data.url)}`.trim();
    case "webhook":
      return asStr(data.url);
    case "assign":
      return asStr(data.team) || asStr(data.agent_id) || asStr(data.strategy);
    case "tag": {
      const add = asArr(data.add).map(asStr).filter(Boolean).map((t) => `+${t}`);
      const remove = asArr(data.remove).map(asStr).filter(Boolean).map((t) => `−${t}`);
      return [...add, ...remove].join(" ");
    }
    case "set_field":
      return asStr(data.field) ? `${asStr(data.field)} = ${asStr(data.value)}` : "";
    case "enroll":
      // The card shows the sequence's name when it knows it (see FlowNodeCard); the id otherwise.
      return asStr(data.campaign_id);
    case "jump":
      return asStr(data.target) ? `→ ${asStr(data.target)}` : "";
    case "handoff":
      return asStr(data.note);
    default:
      return "";
  }
}

/** 90 → "1m 30s", 7200 → "2h", 0 → "0s". */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.floor(total));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : "", sec ? `${sec}s` : ""].filter(Boolean);
  return parts.length ? parts.join(" ") : "0s";
}

/** Runs per node id from the analytics' `visits` or `drop_off`. */
export function runsByNode(list: readonly { node_id: string; runs: number }[] | undefined): Map<string, number> {
  return new Map((list ?? []).map((v) => [v.node_id, v.runs]));
}

/**
 * Where to put a new node near `want` without covering another: moves down in
 * steps until the spot is clear (nodes are about `w` wide and `h` tall).
 */
export function freeSpot(want: { x: number; y: number }, nodes: readonly { position: { x: number; y: number } }[], w = 224, h = 90): { x: number; y: number } {
  const spot = { ...want };
  for (let i = 0; i < 40; i++) {
    const hit = nodes.some((n) => Math.abs(n.position.x - spot.x) < w && Math.abs(n.position.y - spot.y) < h);
    if (!hit) return spot;
    spot.y += h + 10;
  }
  return spot;
}
