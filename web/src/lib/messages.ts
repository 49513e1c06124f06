import type { Message, MessageError, MessageStatus } from "./types";

// Where each status sits on the way a message travels — the server's ladder
// (pending 0 < accepted 1 < unconfirmed < sent 2 < delivered 3 < failed 4 <
// read 5 < played 6). A status update may only move a message forward: a late
// "delivered" never undoes "read", and a read (or played) message stays read if
// a stray failure arrives afterwards. "unconfirmed" (Meta's answer to the send
// was lost) sits below "sent": a later sent/delivered/read replaces it. The one
// step back is a resend: unconfirmed → pending (see advanceStatus).
const STATUS_RANK: Record<MessageStatus, number> = {
  received: 0,
  pending: 0,
  accepted: 1,
  unconfirmed: 1.5,
  sent: 2,
  delivered: 3,
  failed: 4,
  read: 5,
  played: 6,
};

export function statusRank(status: string): number {
  return status in STATUS_RANK ? STATUS_RANK[status as MessageStatus] : -1;
}

/** The status to show after `incoming` is applied to `current`. */
export function maxStatus(current: MessageStatus, incoming: MessageStatus): MessageStatus {
  return statusRank(incoming) > statusRank(current) ? incoming : current;
}

/**
 * A live status update (`message:status`) on top of `current`: forward only,
 * except that a `pending` on an `unconfirmed` message is its resend going out
 * (the server only ever reports `pending` again for a resend).
 */
export function advanceStatus(current: MessageStatus, incoming: MessageStatus): MessageStatus {
  if (current === "unconfirmed" && incoming === "pending") return "pending";
  return maxStatus(current, incoming);
}

/** Meta's errors as the API sends them (an array; tolerate a single object or nothing). */
export function normalizeErrors(value: unknown): MessageError[] | null {
  if (value === null || value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  const errors = list.filter((e): e is MessageError => typeof e === "object" && e !== null && ("code" in e || "title" in e));
  return errors.length ? errors : null;
}

/** The error to show for a message: the first of Meta's errors. */
export function firstError(message: Pick<Message, "errors">): MessageError | null {
  return message.errors?.[0] ?? null;
}

export interface StatusUpdate {
  messageId: string;
  wamid: string | null;
  status: MessageStatus;
  errors: MessageError[] | null;
}

/**
 * Applies a status update to one message, never moving it backwards (but a
 * live update may put an unconfirmed message back to pending: a resend).
 */
export function applyStatus(message: Message, update: StatusUpdate, live = false): Message {
  const status = live ? advanceStatus(message.status, update.status) : maxStatus(message.status, update.status);
  if (status === message.status && !(status === "failed" && update.errors && !message.errors)) {
    if (update.wamid && !message.wamid) return { ...message, wamid: update.wamid };
    return message;
  }
  return {
    ...message,
    status,
    wamid: message.wamid ?? update.wamid,
    errors: status === "failed" ? (update.errors ?? message.errors) : message.errors,
  };
}

/**
 * The server's own copy of a message replaces ours outright, status included
 * even when lower: the answer to a resend (back to `pending`), or the message
 * fetched again after the resend was refused (409 NOT_UNCONFIRMED).
 */
export function replaceMessage(existing: Message, authoritative: Message): Message {
  return {
    ...existing,
    ...authoritative,
    seq: existing.seq,
    id: existing.id,
    wamid: authoritative.wamid ?? existing.wamid,
    reaction: authoritative.reaction !== undefined ? authoritative.reaction : existing.reaction,
  };
}

/** Merges two copies of the same message (same id or same seq). */
function mergeSame(existing: Message, incoming: Message): Message {
  const status = maxStatus(existing.status, incoming.status);
  const statusFromIncoming = status === incoming.status;
  return {
    ...existing,
    ...incoming,
    status,
    wamid: incoming.wamid ?? existing.wamid,
    errors: statusFromIncoming ? (incoming.errors ?? existing.errors) : existing.errors,
    reaction: incoming.reaction !== undefined ? incoming.reaction : existing.reaction,
  };
}

/**
 * Merges `incoming` messages into `existing` (ascending by seq, unique by id and
 * by seq). Duplicates — by id or by seq — are folded into one message whose
 * status never goes backwards. Returns `existing` itself when nothing changed.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const last = existing[existing.length - 1];
  // Fast path: one new message after everything we have.
  if (incoming.length === 1) {
    const m = incoming[0]!;
    if ((!last || m.seq > last.seq) && !existing.some((e) => e.id === m.id)) {
      return [...existing, m];
    }
  }
  const bySeq = new Map<number, Message>();
  const seqOfId = new Map<string, number>();
  for (const m of existing) {
    bySeq.set(m.seq, m);
    seqOfId.set(m.id, m.seq);
  }
  let changed = false;
  for (const m of incoming) {
    const seqForId = seqOfId.get(m.id);
    const prior = seqForId !== undefined ? bySeq.get(seqForId) : bySeq.get(m.seq);
    if (!prior) {
      bySeq.set(m.seq, m);
      seqOfId.set(m.id, m.seq);
      changed = true;
      continue;
    }
    const merged = mergeSame(prior, m);
    // Keep the slot of the copy we already had (its seq), so ids and seqs stay unique.
    const slot = prior.seq;
    const next = { ...merged, seq: slot, id: prior.id };
    if (!shallowEqualMessage(prior, next)) {
      bySeq.set(slot, next);
      changed = true;
    }
  }
  if (!changed) return existing as Message[];
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function shallowEqualMessage(a: Message, b: Message): boolean {
  return (
    a.status === b.status &&
    a.wamid === b.wamid &&
    a.errors === b.errors &&
    a.content === b.content &&
    a.type === b.type &&
    a.timestamp === b.timestamp &&
    a.context === b.context &&
    a.sent_by === b.sent_by &&
    a.reaction === b.reaction
  );
}

export function maxSeq(messages: readonly Message[]): number {
  const last = messages[messages.length - 1];
  return last ? last.seq : 0;
}
