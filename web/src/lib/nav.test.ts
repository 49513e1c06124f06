import { describe, expect, it } from "vitest";
import { canOpen, isAdmin, navFor } from "./nav";

describe("role-aware navigation", () => {
  it("shows agents the inbox and segments only", () => {
    expect(navFor("agent").map((i) => i.to)).toEqual(["/inbox", "/segments"]);
    expect(canOpen("agent", "/segments")).toBe(true);
    expect(canOpen("agent", "/segments/abc")).toBe(true);
    expect(canOpen("agent", "/contacts")).toBe(false);
    expect(canOpen("agent", "/flows/abc")).toBe(false);
    expect(canOpen("agent", "/settings/team")).toBe(false);
    expect(canOpen("agent", "/dashboard")).toBe(false);
    expect(canOpen("agent", "/campaigns")).toBe(false);
    expect(canOpen("agent", "/campaigns/new")).toBe(false);
    expect(canOpen("agent", "/inbox/abc")).toBe(true);
  });
  it("shows tenant admins the admin pages", () => {
    expect(navFor("tenant_admin").map((i) => i.to)).toEqual([
      "/inbox",
      "/dashboard",
      "/contacts",
      "/segments",
      "/flows",
      "/templates",
      "/campaigns",
      "/settings/channels",
    ]);
    expect(canOpen("tenant_admin", "/settings/channels")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/api-keys")).toBe(true);
    expect(canOpen("tenant_admin", "/flows/new")).toBe(true);
    expect(canOpen("tenant_admin", "/campaigns/abc")).toBe(true);
  });
  it("shows nothing without a role", () => {
    expect(navFor(undefined)).toEqual([]);
    expect(canOpen(undefined, "/templates")).toBe(false);
  });
});

describe("admins", () => {
  it("tells admins from agents", () => {
    expect(isAdmin("tenant_admin")).toBe(true);
    expect(isAdmin("super_admin")).toBe(true);
    expect(isAdmin("agent")).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });
});
