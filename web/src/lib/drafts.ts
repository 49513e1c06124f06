// Drafts: what an agent typed in a conversation's composer and has not sent,
// kept per user and conversation in localStorage so it survives switching
// conversations, leaving the inbox and reloading the page. Sending clears it.

/** The part of Storage drafts need (localStorage, or a map in tests). */
export type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const PREFIX = "whatsflow.draft.";

/** What is remembered: the words, and whether they were a private note. */
export interface Draft {
  text: string;
  note: boolean;
}

export function draftKey(userId: string, conversationId: string): string {
  return `${PREFIX}${userId}.${conversationId}`;
}

function storage(): DraftStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Storage blocked (privacy settings): drafts live only as long as the page.
    return null;
  }
}

/** The draft of a conversation, or null. Tolerates an older plain-text value. */
export function loadDraft(userId: string | null, conversationId: string, store: DraftStorage | null = storage()): Draft | null {
  if (!userId || !store) return null;
  let raw: string | null;
  try {
    raw = store.getItem(draftKey(userId, conversationId));
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Draft>;
    if (typeof v?.text === "string" && v.text) return { text: v.text, note: v.note === true };
  } catch {
    return { text: raw, note: false };
  }
  return null;
}

/** Remembers (or, when empty, forgets) a conversation's draft. */
export function saveDraft(userId: string | null, conversationId: string, draft: Draft, store: DraftStorage | null = storage()): void {
  if (!userId || !store) return;
  const key = draftKey(userId, conversationId);
  try {
    if (!draft.text.trim()) store.removeItem(key);
    else store.setItem(key, JSON.stringify({ text: draft.text, note: draft.note }));
  } catch {
    // Full or blocked: the draft stays in the composer for now.
  }
}

export function clearDraft(userId: string | null, conversationId: string, store: DraftStorage | null = storage()): void {
  if (!userId || !store) return;
  try {
    store.removeItem(draftKey(userId, conversationId));
  } catch {
    // Nothing to do.
  }
}
