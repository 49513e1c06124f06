// Meta's length limits for what the composer sends, in one place, so the
// composer can count against them while the agent types and refuse an
// over-long message before it is sent (the server refuses it anyway, with
// INVALID_MESSAGE, and then the text would only live in a failed bubble).
// WhatsApp counts characters as Unicode code points (the server counts
// `chars()`), so an emoji is one character, not two UTF-16 units.

/** The limits, by what is being written (Cloud API docs; the server's `send::limits`). */
export const LIMITS = {
  /** `text.body`. */
  text: 4096,
  /** An image, video or document's `caption`. */
  caption: 1024,
  /** `interactive.body.text`. */
  interactiveBody: 1024,
  /** A reply button's `reply.title`. */
  buttonTitle: 20,
  /** A list message's `action.button` (the label that opens the list). */
  listButton: 20,
  /** A list row's `title`. */
  rowTitle: 24,
  /** A list row's `description`. */
  rowDescription: 72,
  /** A list section's `title`. */
  sectionTitle: 24,
  /** A reply button's or a row's `id` (the payload that comes back). */
  replyId: 256,
  /** An internal note (the server's limit, not Meta's). */
  note: 10_000,
} as const;

export type LimitKind = keyof typeof LIMITS;

/** Reply buttons per message, and a list's sections and rows (in all). */
export const COUNTS = { buttons: 3, sections: 10, rows: 10 } as const;

/** Characters as WhatsApp counts them: Unicode code points. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** How a text measures against its limit. */
export interface Measure {
  count: number;
  limit: number;
  /** Characters over the limit (0 when it fits). */
  over: number;
  /** Close to the limit (90% or more) but within it: worth a warning colour. */
  near: boolean;
}

export function measure(text: string, kind: LimitKind): Measure {
  const limit = LIMITS[kind];
  const count = charCount(text);
  return { count, limit, over: Math.max(0, count - limit), near: count <= limit && count >= limit * 0.9 };
}

/** Whether a text fits (trimmed as it will be sent). */
export function fits(text: string, kind: LimitKind): boolean {
  return charCount(text.trim()) <= LIMITS[kind];
}

/**
 * What the composer's words are sent as, and so which limit counts: a note;
 * the caption of a picked file (audio and stickers take none: the words go
 * as a separate text); a canned reply's attachment (a long text goes before
 * it as its own message, see cannedSendSteps); or a plain text.
 */
export function composerLimitKind(opts: { note: boolean; fileKind: string | null }): LimitKind {
  if (opts.note) return "note";
  if (opts.fileKind && opts.fileKind !== "audio" && opts.fileKind !== "sticker") return "caption";
  return "text";
}

/** Cuts a text to at most `limit` characters (code points, never half an emoji). */
export function clip(text: string, limit: number): string {
  if (charCount(text) <= limit) return text;
  return Array.from(text).slice(0, limit).join("");
}
