import { describe, expect, it } from "vitest";
import { acceptsEnrolments, enrollNotice, enrollTargets, isEnrollmentSource } from "./enrollTargets";

describe("enrollTargets", () => {
  const drips = [
    { id: "d1", name: "Win-back", status: "draft" as const },
    { id: "d2", name: "Onboarding", status: "running" as const },
    { id: "d3", name: "Old promo", status: "cancelled" as const },
    { id: "d4", name: "Festive", status: "paused" as const },
    { id: "d5", name: "Anniversary", status: "running" as const },
    { id: "d6", name: "Done", status: "completed" as const },
  ];
  it("offers sequences that can take contacts, running ones first, then by name", () => {
    expect(enrollTargets(drips).map((d) => d.id)).toEqual(["d5", "d2", "d4", "d1"]);
  });
  it("keeps the chosen one even when it has ended", () => {
    expect(enrollTargets(drips, "d3").map((d) => d.id)).toEqual(["d5", "d2", "d4", "d1", "d3"]);
  });
  it("is empty without sequences", () => {
    expect(enrollTargets([])).toEqual([]);
  });
  it("tells which states take contacts and which make them wait", () => {
    expect(acceptsEnrolments("running")).toBe(true);
    expect(acceptsEnrolments("draft")).toBe(true);
    expect(acceptsEnrolments("completed")).toBe(false);
    expect(acceptsEnrolments("cancelled")).toBe(false);
    expect(enrollNotice("draft")).toBe("notStarted");
    expect(enrollNotice("paused")).toBe("paused");
    expect(enrollNotice("cancelled")).toBe("ended");
    expect(enrollNotice("running")).toBeNull();
  });
});

describe("isEnrollmentSource", () => {
  it("knows the ways in the web names, not others", () => {
    expect(isEnrollmentSource("flow")).toBe(true);
    expect(isEnrollmentSource("automation")).toBe(true);
    expect(isEnrollmentSource("segment")).toBe(true);
    expect(isEnrollmentSource("webhook")).toBe(false);
    expect(isEnrollmentSource(null)).toBe(false);
  });
});
