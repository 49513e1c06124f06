import { describe, expect, it } from "vitest";
import { emailIn } from "./errors";
import { daysUntil, deletionScheduled, eraseConfirmed, isErased } from "./privacy";

describe("privacy helpers", () => {
  it("takes ERASE typed in capitals, nothing else", () => {
    expect(eraseConfirmed("ERASE")).toBe(true);
    expect(eraseConfirmed(" ERASE ")).toBe(true);
    expect(eraseConfirmed("erase")).toBe(false);
    expect(eraseConfirmed("ERAS")).toBe(false);
    expect(eraseConfirmed("")).toBe(false);
    expect(eraseConfirmed("delete")).toBe(false);
  });

  it("knows an erased contact by its anonymised user id", () => {
    expect(isErased({ user_id: "erased:0b7e…" })).toBe(true);
    expect(isErased({ user_id: "919812345678" })).toBe(false);
    expect(isErased({ user_id: null })).toBe(false);
    expect(isErased(null)).toBe(false);
  });

  it("finds the support address in the server's closed sign-up message", () => {
    expect(emailIn("this platform is not taking new sign-ups; write to help@acme.test to open an account")).toBe("help@acme.test");
    expect(emailIn("write to ops.team+in@example.co.in.")).toBe("ops.team+in@example.co.in");
    expect(emailIn("this platform is not taking new sign-ups")).toBeNull();
  });

  it("reads a scheduled deletion and the days left", () => {
    expect(deletionScheduled({ scheduled_for: null, grace_days: 30 })).toBe(false);
    expect(deletionScheduled({ scheduled_for: "2026-12-29T10:00:00Z", grace_days: 30 })).toBe(true);
    expect(deletionScheduled(null)).toBe(false);
    const now = Date.parse("2026-11-29T10:00:00Z");
    expect(daysUntil("2026-12-29T10:00:00Z", now)).toBe(30);
    expect(daysUntil("2026-12-29T09:00:00Z", now)).toBe(30);
    expect(daysUntil("2026-11-01T00:00:00Z", now)).toBe(0);
  });
});
