import type { ContactRef } from "../../lib/types";

/** The best human label for a contact: name, then phone, then username. */
export function contactLabel(c: ContactRef | undefined | null): string {
  if (!c) return "";
  return c.name?.trim() || c.phone || (c.username ? `@${c.username}` : "") || c.user_id || "";
}

export function contactSubtitle(c: ContactRef): string {
  const label = contactLabel(c);
  const parts = [c.phone, c.username ? `@${c.username}` : null].filter((p): p is string => !!p && p !== label);
  return parts.join(" · ");
}
