import { describe, expect, it } from "vitest";
import {
  connect,
  defaultData,
  hasHandle,
  issuesFrom,
  NODE_TYPES,
  nextId,
  parseList,
  sourceHandles,
  startNodeId,
  summarize,
  toFlowData,
  withStart,
  formatSeconds,
  freeSpot,
} from "./flow";

const node = (id: string, type: string, data: Record<string, unknown> = {}) => ({ id, type, position: { x: 0.4, y: 10.6 }, data });

describe("handles", () => {
  it("gives each node type its outgoing handles", () => {
    expect(sourceHandles("buttons", { buttons: [{ id: "yes", title: "Yes" }, { id: "no", title: "No" }] }).map((h) => h.id)).toEqual(["yes", "no"]);
    expect(
      sourceHandles("list", { sections: [{ title: "A", rows: [{ id: "r1", title: "One" }] }, { title: "B", rows: [{ id: "r2", title: "Two" }] }] }).map((h) => h.id),
    ).toEqual(["r1", "r2"]);
    expect(sourceHandles("input", {}).map((h) => h.id)).toEqual(["ok", "invalid", "timeout"]);
    expect(sourceHandles("condition", { rules: [{ field: "vars.x", operator: "equals", value: "1", handle: "one" }] }).map((h) => h.id)).toEqual(["one", "else"]);
    expect(sourceHandles("api", {}).map((h) => h.id)).toEqual(["ok", "error"]);
    for (const t of ["message", "template", "delay", "webhook", "assign", "tag", "set_field", "enroll", "handoff"]) {
      expect(sourceHandles(t, defaultData(t as "message")), t).toEqual([{ id: null, label: "", fixed: true }]);
    }
    expect(sourceHandles("end", {})).toEqual([]);
    expect(sourceHandles("jump", { target: "a" })).toEqual([]);
  });

  it("labels buttons and rules for the canvas", () => {
    expect(sourceHandles("buttons", { buttons: [{ id: "b1", title: "" }] })[0]!.label).toBe("b1");
    expect(sourceHandles("condition", { rules: [{ field: "contact.tags", operator: "exists", value: "x", handle: "t" }] })[0]!.label).toBe("contact.tags exists");
  });

  it("knows which handles a node has", () => {
    expect(hasHandle("message", { text: "hi" }, undefined)).toBe(true);
    expect(hasHandle("message", { text: "hi" }, "ok")).toBe(false);
    expect(hasHandle("input", {}, null)).toBe(false);
    expect(hasHandle("input", {}, "timeout")).toBe(true);
  });
});

describe("default data", () => {
  it("exists for every node type", () => {
    for (const t of NODE_TYPES) expect(typeof defaultData(t)).toBe("object");
    expect((defaultData("buttons").buttons as unknown[]).length).toBe(1);
    expect(defaultData("input").validation).toBe("text");
    expect(defaultData("enroll")).toEqual({ campaign_id: "" });
  });
});

describe("edges", () => {
  it("lets one handle lead to one place", () => {
    const edges = [
      { id: "e1", source: "a", target: "b", sourceHandle: "ok" },
      { id: "e2", source: "a", target: "c", sourceHandle: "invalid" },
    ];
    const next = connect(edges, { id: "e3", source: "a", target: "d", sourceHandle: "ok" });
    expect(next.map((e) => e.id)).toEqual(["e2", "e3"]);
    expect(connect([{ id: "x", source: "m", target: "n" }], { id: "y", source: "m", target: "o", sourceHandle: null }).map((e) => e.id)).toEqual(["y"]);
  });
});

describe("start node", () => {
  it("is the marked node, else the only root", () => {
    const a = node("a", "message");
    const b = node("b", "message");
    expect(startNodeId([a, b], [{ id: "e", source: "a", target: "b" }])).toBe("a");
    expect(startNodeId([a, b], [])).toBeNull();
    expect(startNodeId(withStart([a, b], "b", true), [{ id: "e", source: "a", target: "b" }])).toBe("b");
  });

  it("is marked on one node only", () => {
    const nodes = withStart(withStart([node("a", "message"), node("b", "end")], "a", true), "b", true);
    expect(nodes.map((n) => n.data.start)).toEqual([undefined, true]);
    expect(withStart(nodes, "b", false).map((n) => n.data.start)).toEqual([undefined, undefined]);
  });
});

describe("toFlowData", () => {
  it("keeps only the contract's fields", () => {
    const rf = [{ ...node("a", "message", { text: "hi" }), selected: true, measured: { width: 1, height: 2 }, dragging: false }];
    const out = toFlowData(rf, [
      { id: "e", source: "a", target: "a", sourceHandle: null },
      { id: "f", source: "a", target: "a", sourceHandle: "ok" },
    ]);
    expect(out).toEqual({
      nodes: [{ id: "a", type: "message", position: { x: 0, y: 11 }, data: { text: "hi" } }],
      edges: [
        { id: "e", source: "a", target: "a" },
        { id: "f", source: "a", target: "a", sourceHandle: "ok" },
      ],
    });
  });
});

describe("issuesFrom", () => {
  it("sorts FLOW_INVALID details onto nodes and edges", () => {
    const issues = issuesFrom([
      { edge_id: "e1", message: "edge points at `zz`" },
      { node_id: "a", message: "reply buttons: 1 to 3 allowed, got 4" },
      { node_id: "a", message: "title too long" },
      { message: "a flow needs at least one node" },
    ]);
    expect(issues.nodes.get("a")).toEqual(["reply buttons: 1 to 3 allowed, got 4", "title too long"]);
    expect(issues.edges.get("e1")).toEqual(["edge points at `zz`"]);
    expect(issues.general).toEqual(["a flow needs at least one node"]);
    expect(issues.count).toBe(4);
  });

  it("falls back to the message when there are no details", () => {
    expect(issuesFrom([], "flow: bad").general).toEqual(["flow: bad"]);
  });
});

describe("small helpers", () => {
  it("numbers ids", () => {
    expect(nextId("b", ["b1", "b2", "b4"])).toBe("b3");
    expect(nextId("message_", [])).toBe("message_1");
  });
  it("parses comma lists", () => {
    expect(parseList(" vip, lead ,, ")).toEqual(["vip", "lead"]);
  });
  it("summarises nodes", () => {
    expect(summarize("tag", { add: ["vip"], remove: ["old"] })).toBe("+vip −old");
    expect(summarize("message", { media: { type: "image", caption: "Menu" } })).toBe("[image] Menu");
    expect(summarize("input", { prompt: "Age?", variable: "age" })).toBe("Age? → {{vars.age}}");
    expect(summarize("delay", { seconds: 3690 })).toBe("1h 1m 30s");
    expect(summarize("enroll", { campaign_id: "c-1" })).toBe("c-1");
    expect(summarize("enroll", {})).toBe("");
  });
  it("formats seconds", () => {
    expect(formatSeconds(0)).toBe("0s");
    expect(formatSeconds(86400 + 60)).toBe("1d 1m");
  });
});

describe("freeSpot", () => {
  it("moves a new node down until nothing is under it", () => {
    const nodes = [{ position: { x: 0, y: 0 } }, { position: { x: 10, y: 100 } }];
    expect(freeSpot({ x: 0, y: 0 }, nodes)).toEqual({ x: 0, y: 200 });
    expect(freeSpot({ x: 400, y: 0 }, nodes)).toEqual({ x: 400, y: 0 });
  });
});
