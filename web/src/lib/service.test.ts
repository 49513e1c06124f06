import { describe, expect, it } from "vitest";
import {
  addToast,
  breachOf,
  csatBars,
  dailyTotals,
  exportName,
  formatDuration,
  formatMinutes,
  formatRating,
  liveToasts,
  parseMinutes,
  parseServiceToast,
  priorityChip,
  rangeFor,
  sortPerformance,
  sortPolicies,
} from "./service";
import type { PerformanceRow } from "./apiTypes";

const row = (over: Partial<PerformanceRow>): PerformanceRow => ({
  id: "a",
  name: "Asha",
  resolved: 0,
  replies: 0,
  first_response_p50: null,
  first_response_p90: null,
  resolution_p50: null,
  resolution_p90: null,
  csat_count: 0,
  csat_average: null,
  ...over,
});

describe("report figures", () => {
  it("formats durations", () => {
    expect(formatDuration(252)).toBe("4m 12s");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(7260)).toBe("2h 1m");
    expect(formatDuration(93_600)).toBe("1d 2h");
    expect(formatDuration(172_800)).toBe("2d");
    expect(formatDuration(null)).toBe("—");
    expect(formatMinutes(90)).toBe("1h 30m");
    expect(formatMinutes(null)).toBe("—");
  });
  it("formats ratings with one decimal", () => {
    expect(formatRating(4.333)).toBe("4.3");
    expect(formatRating(5)).toBe("5.0");
    expect(formatRating(null)).toBe("—");
  });
  it("makes the range of the last N days up to a minute from now", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(rangeFor(7, now)).toEqual({ from: "2026-11-23T12:01:00.000Z", to: "2026-11-30T12:01:00.000Z" });
  });
  it("orders rows by resolved, the unnamed row last", () => {
    const rows = [row({ id: null, name: null, resolved: 9 }), row({ id: "b", name: "Bala", resolved: 2 }), row({ id: "a", name: "Asha", resolved: 5 }), row({ id: "c", name: "Chitra", resolved: 2 })];
    expect(sortPerformance(rows).map((r) => r.id)).toEqual(["a", "b", "c", null]);
  });
  it("adds up channels per day and fills the days in between", () => {
    const days = dailyTotals(
      [
        { day: "2026-11-28", channel_id: "c1", channel_name: "A", opened: 2, resolved: 1 },
        { day: "2026-11-28", channel_id: "c2", channel_name: "B", opened: 1, resolved: 0 },
        { day: "2026-11-30", channel_id: "c1", channel_name: "A", opened: 0, resolved: 3 },
      ],
      "2026-11-27T10:00:00Z",
      "2026-11-30T10:00:00Z",
    );
    expect(days).toEqual([
      { day: "2026-11-27", opened: 0, resolved: 0 },
      { day: "2026-11-28", opened: 3, resolved: 1 },
      { day: "2026-11-29", opened: 0, resolved: 0 },
      { day: "2026-11-30", opened: 0, resolved: 3 },
    ]);
    expect(dailyTotals([{ day: "2026-11-28", channel_id: "c1", channel_name: null, opened: 1, resolved: 0 }])).toEqual([{ day: "2026-11-28", opened: 1, resolved: 0 }]);
  });
  it("shows every rating 5 to 1 with its share", () => {
    expect(csatBars([{ rating: 5, count: 3 }, { rating: 1, count: 1 }])).toEqual([
      { rating: 5, count: 3, percent: 75 },
      { rating: 4, count: 0, percent: 0 },
      { rating: 3, count: 0, percent: 0 },
      { rating: 2, count: 0, percent: 0 },
      { rating: 1, count: 1, percent: 25 },
    ]);
    expect(csatBars([]).every((b) => b.percent === 0)).toBe(true);
  });
  it("names an export without a server name", () => {
    expect(exportName("csat", "2026-11-01T00:00:00Z")).toBe("whatsflow-csat-20261101.csv");
  });
});

describe("SLA targets", () => {
  it("reads minutes: empty is no target, junk is invalid", () => {
    expect(parseMinutes("", 100)).toBeNull();
    expect(parseMinutes(" 30 ", 100)).toBe(30);
    expect(parseMinutes("0", 100)).toBeUndefined();
    expect(parseMinutes("101", 100)).toBeUndefined();
    expect(parseMinutes("1.5", 100)).toBeUndefined();
  });
  it("lists the account's default first, then teams by name", () => {
    const names: Record<string, string> = { t1: "Support", t2: "Billing" };
    const sorted = sortPolicies(
      [
        { team_id: "t1", first_response_minutes: 5, resolution_minutes: null },
        { team_id: null, first_response_minutes: 10, resolution_minutes: 60 },
        { team_id: "t2", first_response_minutes: null, resolution_minutes: 30 },
      ],
      (id) => names[id] ?? id,
    );
    expect(sorted.map((p) => p.team_id)).toEqual([null, "t2", "t1"]);
  });
});

describe("priority and breaches", () => {
  it("shows a chip only for a priority other than normal", () => {
    expect(priorityChip("high")).toBe("high");
    expect(priorityChip("low")).toBe("low");
    expect(priorityChip("normal")).toBeNull();
    expect(priorityChip(undefined)).toBeNull();
    expect(priorityChip("weird")).toBeNull();
  });
  it("says which target was missed", () => {
    expect(breachOf({ sla_breached_at: null, sla_breach: "first_response" })).toBeNull();
    expect(breachOf({ sla_breached_at: "2026-11-30T00:00:00Z", sla_breach: "resolution" })).toBe("resolution");
    expect(breachOf({ sla_breached_at: "2026-11-30T00:00:00Z", sla_breach: null })).toBe("other");
    expect(breachOf({})).toBeNull();
  });
});

describe("live notifications", () => {
  it("turns an SLA breach into a toast", () => {
    expect(parseServiceToast({ kind: "sla_breached", conversation_id: "c1", breach: "first_response" }, "me", 5)).toEqual({
      id: "sla:c1:first_response",
      kind: "sla_breached",
      conversationId: "c1",
      breach: "first_response",
      at: 5,
    });
    expect(parseServiceToast({ kind: "sla_breached" }, "me", 5)).toBeNull();
  });
  it("shows an automation notice to everyone named, or to all when it names nobody", () => {
    const frame = { kind: "automation", rule: "VIP", rule_id: "r1", conversation_id: "c1", message: "A VIP wrote", user_ids: [] as string[] };
    expect(parseServiceToast(frame, "me", 1)).toMatchObject({ kind: "automation", rule: "VIP", message: "A VIP wrote", conversationId: "c1" });
    expect(parseServiceToast({ ...frame, user_ids: ["me", "you"] }, "me", 1)).not.toBeNull();
    expect(parseServiceToast({ ...frame, user_ids: ["you"] }, "me", 1)).toBeNull();
    expect(parseServiceToast({ ...frame, user_ids: ["you"] }, null, 1)).toBeNull();
    expect(parseServiceToast({ kind: "note" }, "me", 1)).toBeNull();
    expect(parseServiceToast(null, "me", 1)).toBeNull();
  });
  it("keeps the newest toasts, one per id, for a while", () => {
    const a = parseServiceToast({ kind: "sla_breached", conversation_id: "c1", breach: "resolution" }, null, 0)!;
    const b = parseServiceToast({ kind: "sla_breached", conversation_id: "c2", breach: "resolution" }, null, 10)!;
    const list = addToast(addToast(addToast([], a), b), { ...a, at: 20 });
    expect(list.map((x) => [x.id, x.at])).toEqual([
      ["sla:c1:resolution", 20],
      ["sla:c2:resolution", 10],
    ]);
    expect(addToast(list, b, 1)).toHaveLength(1);
    expect(liveToasts(list, 25, 10).map((x) => x.id)).toEqual(["sla:c1:resolution"]);
    expect(liveToasts(list, 15, 10)).toBe(list);
  });
});
