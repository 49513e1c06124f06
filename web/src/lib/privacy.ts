// GDPR tools: a contact's data and erasure (`/contacts/{id}/export`,
// `/contacts/{id}/erase`), the account's export and deletion
// (`/account/export`, `/account/deletion`), and the words of a refused
// sign-up (403 SIGNUPS_CLOSED). Tenant admins only; the server refuses agents
// and API keys.

import type { ContactRef } from "./types";

/** `GET|POST /account/deletion`: when the account goes (null: not scheduled), and the grace it gets. */
export interface AccountDeletion {
  scheduled_for: string | null;
  grace_days?: number;
}

/** `POST /contacts/{id}/erase`: what was emptied or removed. */
export interface ErasedCounts {
  messages: number;
  notes: number;
  campaign_rows: number;
  webhooks: number;
}

/** What the person types to erase a contact. */
export const ERASE_WORD = "ERASE";

/** Whether the confirmation for an erasure is typed: ERASE in capitals (spaces around it do not matter). */
export function eraseConfirmed(text: string): boolean {
  return text.trim() === ERASE_WORD;
}

/** An erased contact: the server keeps its row with the identity anonymised (`user_id` "erased:<id>"). */
export function isErased(contact: Pick<ContactRef, "user_id"> | null | undefined): boolean {
  return !!contact?.user_id && contact.user_id.startsWith("erased:");
}

/** The file a contact's data downloads to when the server names none. */
export function contactExportName(contactId: string): string {
  return `contact-${contactId}.json`;
}

/** The account's export when the server names none. */
export const ACCOUNT_EXPORT_NAME = "whatsflow-export.zip";


/** Whether a deletion is scheduled now (a date in the answer). */
export function deletionScheduled(d: AccountDeletion | null | undefined): d is AccountDeletion & { scheduled_for: string } {
  return !!d?.scheduled_for && !Number.isNaN(Date.parse(d.scheduled_for));
}

/** Whole days from `now` until a scheduled deletion (never below 0). */
export function daysUntil(iso: string, now: number): number {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.ceil((at - now) / 86_400_000));
}
