import { describe, expect, it } from "vitest";
import { afterLogin, canOpen, homeFor, isAdmin, navFor, viewHome } from "./nav";

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
    // Sequences are grouped under Campaigns and gated with them.
    expect(canOpen("agent", "/sequences")).toBe(false);
    expect(canOpen("agent", "/sequences/abc/edit")).toBe(false);
    expect(canOpen("agent", "/inbox/abc")).toBe(true);
    // The account's plan is readable by everyone (read-only); the console is not.
    expect(canOpen("agent", "/settings/plan")).toBe(true);
    expect(canOpen("agent", "/settings/usage")).toBe(true);
    expect(canOpen("agent", "/settings/channels")).toBe(false);
    // Everyone keeps their own sign-in safe.
    expect(canOpen("agent", "/settings/security")).toBe(true);
    // Billing is for the account's admins (the server answers agents 403).
    expect(canOpen("agent", "/settings/billing")).toBe(false);
    expect(canOpen("agent", "/settings/audit")).toBe(false);
    expect(canOpen("agent", "/admin/audit")).toBe(false);
    expect(canOpen("agent", "/admin")).toBe(false);
    // The account's data (export, deletion) is for its admins.
    expect(canOpen("agent", "/settings/privacy")).toBe(false);
    // Everyone keeps canned replies (agents their personal ones); teams and webhooks are for admins.
    expect(canOpen("agent", "/settings/canned-replies")).toBe(true);
    expect(canOpen("agent", "/settings/teams")).toBe(false);
    expect(canOpen("agent", "/settings/webhooks")).toBe(false);
    // Automations, business hours, service levels and the reports are for admins.
    expect(canOpen("agent", "/settings/automations")).toBe(false);
    expect(canOpen("agent", "/settings/business-hours")).toBe(false);
    expect(canOpen("agent", "/settings/service")).toBe(false);
    expect(canOpen("agent", "/reports")).toBe(false);
    // Anyone signed in joins the affiliate programme and follows their own earnings.
    expect(canOpen("agent", "/affiliate")).toBe(true);
  });
  it("shows tenant admins the admin pages", () => {
    expect(navFor("tenant_admin").map((i) => i.to)).toEqual([
      "/inbox",
      "/dashboard",
      "/reports",
      "/contacts",
      "/segments",
      "/flows",
      "/templates",
      "/campaigns",
      "/settings/channels",
    ]);
    expect(canOpen("tenant_admin", "/settings/channels")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/api-keys")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/webhooks")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/teams")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/canned-replies")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/automations")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/business-hours")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/service")).toBe(true);
    expect(canOpen("tenant_admin", "/reports")).toBe(true);
    expect(canOpen("tenant_admin", "/flows/new")).toBe(true);
    expect(canOpen("tenant_admin", "/campaigns/abc")).toBe(true);
    expect(canOpen("tenant_admin", "/sequences/abc")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/plan")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/usage")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/billing")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/security")).toBe(true);
    expect(canOpen("tenant_admin", "/admin")).toBe(false);
    expect(canOpen("tenant_admin", "/admin/plans")).toBe(false);
    // The account's own audit log, not the platform's.
    expect(canOpen("tenant_admin", "/settings/audit")).toBe(true);
    expect(canOpen("tenant_admin", "/admin/audit")).toBe(false);
    expect(canOpen("partner_admin", "/admin")).toBe(false);
    expect(canOpen("tenant_admin", "/settings/privacy")).toBe(true);
    expect(canOpen("partner_admin", "/settings/privacy")).toBe(true);
    expect(canOpen("tenant_admin", "/affiliate")).toBe(true);
    expect(canOpen("partner_admin", "/affiliate")).toBe(true);
    expect(canOpen("super_admin", "/affiliate")).toBe(true);
    // The operators' affiliate and payout pages are the console's.
    expect(canOpen("tenant_admin", "/admin/affiliates")).toBe(false);
    expect(canOpen("tenant_admin", "/admin/payouts")).toBe(false);
    expect(canOpen("super_admin", "/admin/payouts")).toBe(true);
  });
  it("shows super-admins the platform console first, and lands them there", () => {
    expect(navFor("super_admin").map((i) => i.to)[0]).toBe("/admin");
    expect(canOpen("super_admin", "/admin")).toBe(true);
    expect(canOpen("super_admin", "/admin/plans")).toBe(true);
    expect(canOpen("super_admin", "/admin/audit")).toBe(true);
    expect(canOpen("super_admin", "/admin/settings")).toBe(true);
    // Operators export or delete customers' accounts only while viewing them as their admin.
    expect(canOpen("super_admin", "/settings/privacy")).toBe(false);
    expect(canOpen("super_admin", "/administrator")).toBe(true); // not the console's section: no gate
    expect(homeFor("super_admin")).toBe("/admin");
    expect(homeFor("tenant_admin")).toBe("/inbox");
    expect(homeFor("partner_admin")).toBe("/partner");
    expect(homeFor("agent")).toBe("/inbox");
    expect(homeFor(undefined)).toBe("/inbox");
  });
  it("goes back where the user was headed after signing in, if they may open it", () => {
    expect(afterLogin("super_admin", undefined)).toBe("/admin");
    expect(afterLogin("super_admin", "/login")).toBe("/admin");
    expect(afterLogin("super_admin", "/admin/plans")).toBe("/admin/plans");
    expect(afterLogin("tenant_admin", "/admin")).toBe("/inbox");
    expect(afterLogin("tenant_admin", "/flows/abc")).toBe("/flows/abc");
    expect(afterLogin("agent", "/flows")).toBe("/inbox");
    expect(afterLogin("agent", null)).toBe("/inbox");
  });
  it("shows partners' admins the partner area first, and their own business too", () => {
    const items = navFor("partner_admin").map((i) => i.to);
    expect(items[0]).toBe("/partner");
    expect(items).toContain("/inbox");
    expect(items).toContain("/settings/channels");
    expect(canOpen("partner_admin", "/partner")).toBe(true);
    expect(canOpen("partner_admin", "/partner/branding")).toBe(true);
    expect(canOpen("tenant_admin", "/partner")).toBe(false);
    expect(canOpen("tenant_admin", "/partner/clients")).toBe(false);
    expect(canOpen("super_admin", "/partner")).toBe(false);
    expect(canOpen("partner_admin", "/admin/partners")).toBe(false);
    expect(canOpen("super_admin", "/admin/partners")).toBe(true);
    expect(afterLogin("partner_admin", null)).toBe("/partner");
    expect(afterLogin("partner_admin", "/partner/apply")).toBe("/partner");
    expect(afterLogin("partner_admin", "/partner/domains")).toBe("/partner/domains");
    expect(navFor("tenant_admin").map((i) => i.to)).not.toContain("/partner");
  });
  it("goes back to the client list after a partner's view, the console after an operator's", () => {
    expect(viewHome("partner_admin")).toBe("/partner/clients");
    expect(viewHome("super_admin")).toBe("/admin");
    expect(viewHome(undefined)).toBe("/admin");
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
