// Canned replies (`/canned-replies`): saved answers an agent drops into the
// composer by typing `/shortcut`. The slash token under the caret, which
// replies match it, putting the chosen (rendered) reply in its place, and how
// a reply with an attachment is sent — all pure, for the composer and tests.

export type CannedScope = "shared" | "personal";
export type CannedAttachmentType = "image" | "document" | "video" | "audio";
export const CANNED_ATTACHMENT_TYPES: readonly CannedAttachmentType[] = ["image", "document", "video", "audio"];

export interface CannedAttachment {
  type: CannedAttachmentType;
  link: string;
  filename?: string;
}

export interface CannedReply {
  id: string;
  shortcut: string;
  text: string;
  scope: CannedScope;
  owner_id: string | null;
  attachment: CannedAttachment | null;
  created_at: string;
  updated_at: string;
}

/** `POST /canned-replies/{id}/render`: the text with its variables filled for a conversation. */
export interface RenderedReply {
  text: string;
  attachment: CannedAttachment | null;
}

/** The variables a reply's text may hold (filled when it is used; missing values become empty). */
export const CANNED_VARIABLES = ["{{contact.name}}", "{{contact.phone}}", "{{agent.name}}"] as const;

/** What a shortcut may hold: lowercase letters, digits, _ and -, 1 to 32 of them, starting with a letter or digit. */
const SHORTCUT_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Characters that continue a slash token while typing (capitals are read as lowercase). */
const TOKEN_CHAR = /[A-Za-z0-9_-]/;

/** A shortcut as typed in the form: trimmed, without leading slashes, lowercase. */
export function normalizeShortcut(raw: string): string {
  return raw.trim().replace(/^\/+/, "").toLowerCase();
}

/** Why a (normalized) shortcut would be refused, or null when it is fine. */
export function shortcutProblem(shortcut: string): "empty" | "long" | "chars" | null {
  if (!shortcut) return "empty";
  if (shortcut.length > 32) return "long";
  return SHORTCUT_RE.test(shortcut) ? null : "chars";
}

/** The `/query` being typed: where it starts (the slash) and ends, and the query after the slash. */
export interface SlashToken {
  start: number;
  end: number;
  query: string;
}

/**
 * The slash token at the caret: a `/` at the start of the text or after
 * whitespace, followed (up to the caret) only by shortcut characters. The
 * token runs on past the caret over shortcut characters. Null when the caret
 * is not in one ("and/or", a URL, "/hi there").
 */
export function slashTokenAt(text: string, caret: number): SlashToken | null {
  const at = Math.max(0, Math.min(caret, text.length));
  let i = at - 1;
  while (i >= 0 && TOKEN_CHAR.test(text[i]!)) i--;
  if (i < 0 || text[i] !== "/") return null;
  if (i > 0 && !/\s/.test(text[i - 1]!)) return null;
  let end = at;
  while (end < text.length && TOKEN_CHAR.test(text[end]!)) end++;
  return { start: i, end, query: text.slice(i + 1, at).toLowerCase() };
}

/**
 * The replies for a query: those whose shortcut starts with it first (by
 * shortcut), then those whose shortcut or text contains it; at most `limit`.
 * An empty query lists them all by shortcut.
 */
export function matchCannedReplies<T extends Pick<CannedReply, "shortcut" | "text">>(replies: readonly T[], query: string, limit = 8): T[] {
  const q = query.trim().toLowerCase().replace(/^\/+/, "");
  const byShortcut = (a: T, b: T) => (a.shortcut < b.shortcut ? -1 : a.shortcut > b.shortcut ? 1 : 0);
  const sorted = [...replies].sort(byShortcut);
  if (!q) return sorted.slice(0, limit);
  const prefix = sorted.filter((r) => r.shortcut.startsWith(q));
  const contains = sorted.filter((r) => !r.shortcut.startsWith(q) && (r.shortcut.includes(q) || r.text.toLowerCase().includes(q)));
  return [...prefix, ...contains].slice(0, limit);
}

/** Puts the chosen reply's text where the slash token was; the caret goes after it. */
export function replaceToken(text: string, token: Pick<SlashToken, "start" | "end">, replacement: string): { text: string; caret: number } {
  const before = text.slice(0, token.start);
  const after = text.slice(token.end);
  return { text: before + replacement + after, caret: before.length + replacement.length };
}

/** The next highlighted row when moving by `delta` through `count` rows (wrapping); -1 with none. */
export function moveActive(index: number, delta: number, count: number): number {
  if (count <= 0) return -1;
  if (index < 0) return delta > 0 ? 0 : count - 1;
  return (((index + delta) % count) + count) % count;
}

/** The longest caption WhatsApp takes. */
export const CAPTION_MAX = 1024;

/** One message of a send: a text, or a media message by link in the Cloud API's shape. */
export type CannedSendStep =
  | { type: "text"; text: { body: string } }
  | { type: CannedAttachmentType; object: { link: string; caption?: string; filename?: string } };

/**
 * How a reply with an attachment goes out when the agent presses Send: the
 * words as the caption of an image, video or document (when they fit one),
 * else as a text sent first; audio takes no caption, so its words go first.
 * Documents keep their file name.
 */
export function cannedSendSteps(attachment: CannedAttachment, text: string): CannedSendStep[] {
  const body = text.trim();
  const object: { link: string; caption?: string; filename?: string } = { link: attachment.link };
  if (attachment.type === "document" && attachment.filename?.trim()) object.filename = attachment.filename.trim();
  const steps: CannedSendStep[] = [];
  if (body) {
    if (attachment.type !== "audio" && body.length <= CAPTION_MAX) object.caption = body;
    else steps.push({ type: "text", text: { body } });
  }
  steps.push({ type: attachment.type, object });
  return steps;
}

/** The request body of a step (`POST /conversations/{id}/messages`). */
export function stepBody(step: CannedSendStep, clientId: string): Record<string, unknown> {
  if (step.type === "text") return { type: "text", text: step.text, client_id: clientId };
  return { type: step.type, [step.type]: step.object, client_id: clientId };
}

/** A short name for an attachment: its file name, else the last part of its link. */
export function attachmentLabel(a: Pick<CannedAttachment, "link" | "filename">): string {
  if (a.filename?.trim()) return a.filename.trim();
  try {
    const path = new URL(a.link).pathname;
    const last = decodeURIComponent(path.split("/").filter(Boolean).pop() ?? "");
    return last || a.link;
  } catch {
    return a.link;
  }
}

/** Whether a link is one the server will send (http or https). */
export function isHttpLink(raw: string): boolean {
  try {
    const u = new URL(raw.trim());
    return (u.protocol === "https:" || u.protocol === "http:") && !!u.hostname;
  } catch {
    return false;
  }
}

/** Whether the person may change or delete a reply: their own personal ones; shared ones if they are an admin. */
export function canManageReply(reply: Pick<CannedReply, "scope" | "owner_id">, meId: string | null, isAdmin: boolean): boolean {
  if (reply.scope === "shared") return isAdmin;
  return meId !== null && reply.owner_id === meId;
}
