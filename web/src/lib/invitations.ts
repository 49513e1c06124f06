// Team invitations by email: whether a member still has to join, and
// whether their link still works.

import type { Invitation } from "./types";

export type InvitationState = "pending" | "expired";

/** A member's open invitation: "pending" while the link works, "expired" after; null when they joined (or none was sent). */
export function invitationState(invitation: Invitation | null | undefined, now: number): InvitationState | null {
  if (!invitation) return null;
  const end = Date.parse(invitation.expires_at);
  return Number.isFinite(end) && end <= now ? "expired" : "pending";
}

/** The token of an invitation link (`/accept-invite?token=…`), trimmed; empty when missing. */
export function inviteToken(search: URLSearchParams): string {
  return search.get("token")?.trim() ?? "";
}
