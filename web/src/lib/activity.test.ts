import { describe, expect, it } from "vitest";
import { activityText, botKey, interleave, parseActivity, parseBotRun } from "./activity";

describe("activity", () => {
  it("parses the list oldest first, dropping broken entries", () => {
    const list = parseActivity({
      data: [
        { id: "b", kind: "assigned", detail: "Priya", actor_id: "u1", actor_name: "Ravi", created_at: "2026-11-29T10:05:00Z" },
        { id: "a", kind: "handoff", detail: "Customer asked for a human", actor_id: null, actor_name: null, created_at: "2026-11-29T10:00:00Z" },
        { id: "c", kind: "resolved", created_at: "not a time" },
        "junk",
      ],
    });
    expect(list.map((a) => a.id)).toEqual(["a", "b"]);
    expect(list[1]).toMatchObject({ detail: "Priya", actor_name: "Ravi" });
    expect(parseActivity(null)).toEqual([]);
    expect(parseActivity({ data: "x" })).toEqual([]);
  });

  it("words each kind, with who did it when known", () => {
    const base = { id: "1", actor_id: null, actor_name: null, created_at: "2026-11-29T10:00:00Z" };
    expect(activityText({ ...base, kind: "handoff", detail: "wants a refund" })).toEqual({ key: "activity.handoffNote", params: { note: "wants a refund" } });
    expect(activityText({ ...base, kind: "handoff", detail: null })?.key).toBe("activity.handoff");
    expect(activityText({ ...base, kind: "assigned", detail: "Priya", actor_name: "Ravi" })).toEqual({
      key: "activity.assignedBy",
      params: { name: "Priya", by: "Ravi" },
    });
    expect(activityText({ ...base, kind: "team_changed", detail: null })?.key).toBe("activity.teamCleared");
    expect(activityText({ ...base, kind: "assigned", detail: "Ravi", actor_name: "Ravi" })).toEqual({ key: "activity.took", params: { by: "Ravi" } });
    expect(activityText({ ...base, kind: "bot_started", detail: "Welcome" })).toEqual({ key: "activity.botStarted", params: { flow: "Welcome" } });
    expect(activityText({ ...base, kind: "bot_stopped", detail: null, actor_name: "Asha" })?.key).toBe("activity.botStoppedBy");
    expect(activityText({ ...base, kind: "something_new", detail: null })).toBeNull();
  });
});

describe("bot run", () => {
  it("parses a run or none", () => {
    expect(parseBotRun({ run: null })).toBeNull();
    expect(parseBotRun(null)).toBeNull();
    const run = parseBotRun({
      run: { id: "r", flow_id: "f", flow_name: "Welcome", status: "waiting", node_id: "n2", node_label: "Ask name", step: 2, started_at: "s", updated_at: "u" },
    });
    expect(run).toMatchObject({ flow_name: "Welcome", status: "waiting", node_label: "Ask name", step: 2 });
    expect(parseBotRun({ run: { id: "r", flow_id: "f", status: "finished" } })).toBeNull();
    expect(botKey(run)).toBe("r:waiting:2:n2");
    expect(botKey(null)).toBe("none");
  });
});

describe("interleave", () => {
  const msgs = [
    { id: "m1", at: "2026-11-29T10:00:00Z" },
    { id: "m2", at: "2026-11-29T10:10:00Z" },
  ];
  it("puts each item before the first later message, the rest last", () => {
    const items = [
      { at: "2026-11-29T10:20:00Z", id: "late" },
      { at: "2026-11-29T10:05:00Z", id: "mid" },
      { at: "2026-11-29T09:00:00Z", id: "early" },
    ];
    const out = interleave(msgs, (m) => m.at, items).map((x) => (x.kind === "message" ? x.message.id : x.item.id));
    expect(out).toEqual(["early", "m1", "mid", "m2", "late"]);
  });
  it("keeps messages alone when there is nothing else", () => {
    expect(interleave(msgs, (m) => m.at, []).map((x) => x.kind)).toEqual(["message", "message"]);
  });
});
