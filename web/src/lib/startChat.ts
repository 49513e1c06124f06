// Starting a conversation from the web app: the contact is found by search
// or added by phone number, the number it goes out from is picked, then
// `POST /conversations` opens (or finds) it. The pure parts, for the dialog
// and tests.

import type { Channel } from "./types";

/**
 * A phone number typed in the contact search, as the server stores one
 * (E.164 with a leading "+"), or null when the text is not a phone number:
 * 8 to 15 digits, with spaces, dashes, dots or brackets allowed between.
 */
export function phoneFromQuery(query: string): string | null {
  const q = query.trim();
  if (!/^\+?[\d\s().-]+$/.test(q)) return null;
  const digits = q.replace(/\D/g, "");
  if (digits.length < 8 || digits.length > 15) return null;
  return `+${digits}`;
}

/** Whether two phone numbers are the same (ignoring formatting). */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const da = (a ?? "").replace(/\D/g, "");
  return da !== "" && da === (b ?? "").replace(/\D/g, "");
}

/** How a number is named in pickers: its name and display number. */
export function channelLabel(c: Pick<Channel, "name" | "display_phone_number" | "phone_number_id">): string {
  const name = c.name?.trim();
  const phone = c.display_phone_number?.trim() || c.phone_number_id;
  return name ? `${name} · ${phone}` : phone;
}
