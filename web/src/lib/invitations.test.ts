import { describe, expect, it } from "vitest";
import { invitationState, inviteToken } from "./invitations";

describe("invitationState", () => {
  const now = Date.parse("2026-11-29T12:00:00Z");
  it("is pending while the link works, expired after, null once joined", () => {
    expect(invitationState({ sent_at: "2026-11-28T12:00:00Z", expires_at: "2026-12-05T12:00:00Z" }, now)).toBe("pending");
    expect(invitationState({ sent_at: "2026-11-20T12:00:00Z", expires_at: "2026-11-27T12:00:00Z" }, now)).toBe("expired");
    expect(invitationState(null, now)).toBeNull();
    expect(invitationState(undefined, now)).toBeNull();
  });
  it("reads the link's token", () => {
    expect(inviteToken(new URLSearchParams("token=%20abc_DEF-1%20"))).toBe("abc_DEF-1");
    expect(inviteToken(new URLSearchParams(""))).toBe("");
  });
});
