import { describe, expect, it } from "vitest";
import { customFieldsPatch, fieldRows } from "./contacts";

describe("customFieldsPatch", () => {
  it("sends changed and new fields, and null for removed ones", () => {
    const before = { city: "Pune", tier: "gold", n: 3 };
    const rows = fieldRows(before).filter((r) => r.key !== "tier");
    rows[0]!.value = "Mumbai";
    rows.push({ key: "plan", value: "pro" }, { key: " ", value: "ignored" });
    expect(customFieldsPatch(before, rows)).toEqual({ city: "Mumbai", plan: "pro", tier: null });
  });
  it("sends nothing when nothing changed", () => {
    const before = { city: "Pune", n: 3 };
    expect(customFieldsPatch(before, fieldRows(before))).toEqual({});
  });
});
