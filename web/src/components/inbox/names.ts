import { isErased } from "../../lib/privacy";
import type { ContactRef } from "../../lib/types";

/** The best human label for a contact: name, then phone, then username; nothing for an erased one (GDPR). */
export function contactLabel(c: ContactRef | undefined | null): string {
  if (!c) return "";
  const userId = isErased(c) ? "" : c.user_id;
  return c.name?.trim() || c.phone || (c.username ? `@${c.username}` : "") || userId || "";
}

export function contactSubtitle(c: ContactRef): string {
  const label = contactLabel(c);
  const parts = [c.phone, c.username ? `@${c.username}` : null].filter((p): p is string => !!p && p !== label);
  return parts.join(" · ");
}
