import { describe, expect, it } from "vitest";
import { matchesTeam, onlineCount, parseCap, sortTeams, teamPatch, teamQuery, toggleMember, validTeamFilter, type Team } from "./teams";

const team = (over: Partial<Team> = {}): Team => ({
  id: "t1",
  name: "Sales",
  assignment: "round_robin",
  max_open_per_agent: null,
  members: [
    { user_id: "a", name: "Asha", email: "a@x", presence: "online", open_conversations: 2 },
    { user_id: "b", name: "Bala", email: "b@x", presence: "offline", open_conversations: 0 },
  ],
  created_at: "2026-11-30T00:00:00Z",
  updated_at: "2026-11-30T00:00:00Z",
  ...over,
});

describe("the inbox's team filter", () => {
  it("sends team_id only for a team or no team", () => {
    expect(teamQuery("")).toBeUndefined();
    expect(teamQuery(undefined)).toBeUndefined();
    expect(teamQuery("none")).toBe("none");
    expect(teamQuery("t1")).toBe("t1");
  });
  it("passes conversations of the chosen team, or in none", () => {
    expect(matchesTeam("t1", "")).toBe(true);
    expect(matchesTeam(null, "")).toBe(true);
    expect(matchesTeam("t1", "t1")).toBe(true);
    expect(matchesTeam("t2", "t1")).toBe(false);
    expect(matchesTeam(null, "t1")).toBe(false);
    expect(matchesTeam(null, "none")).toBe(true);
    expect(matchesTeam(undefined, "none")).toBe(true);
    expect(matchesTeam("t1", "none")).toBe(false);
  });
  it("falls back to every team when the chosen one is gone", () => {
    expect(validTeamFilter("t1", [{ id: "t1" }])).toBe("t1");
    expect(validTeamFilter("t9", [{ id: "t1" }])).toBe("");
    expect(validTeamFilter("t9", null)).toBe("t9");
    expect(validTeamFilter("none", [])).toBe("none");
  });
});

describe("the team form", () => {
  it("reads the cap: blank is none, else 1 to 1000", () => {
    expect(parseCap("")).toBeNull();
    expect(parseCap(" 5 ")).toBe(5);
    expect(parseCap("0")).toBeUndefined();
    expect(parseCap("2.5")).toBeUndefined();
    expect(parseCap("-1")).toBeUndefined();
    expect(parseCap("1001")).toBeUndefined();
  });
  it("adds and removes members once each", () => {
    expect(toggleMember(["a"], "b", true)).toEqual(["a", "b"]);
    expect(toggleMember(["a", "b"], "b", true)).toEqual(["a", "b"]);
    expect(toggleMember(["a", "b"], "a", false)).toEqual(["b"]);
  });
  it("patches only what changed", () => {
    const t = team();
    expect(teamPatch(t, { name: "Sales ", member_ids: ["b", "a"], assignment: "round_robin", max_open_per_agent: null })).toEqual({});
    expect(teamPatch(t, { name: "Sales 2", member_ids: ["a"], assignment: "least_busy", max_open_per_agent: 3 })).toEqual({
      name: "Sales 2",
      member_ids: ["a"],
      assignment: "least_busy",
      max_open_per_agent: 3,
    });
  });
  it("sorts teams by name and counts who is online", () => {
    expect(sortTeams([{ name: "support" }, { name: "Billing" }, { name: "sales" }]).map((t) => t.name)).toEqual(["Billing", "sales", "support"]);
    expect(onlineCount(team())).toBe(1);
  });
});
