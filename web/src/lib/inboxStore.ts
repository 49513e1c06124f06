// The inbox's client state as a pure reducer: conversations, per-conversation
// message threads (ordered by seq, deduplicated by id and seq), optimistic sends
// waiting for their ack, monotonic delivery statuses and typing indicators.
// Everything here is synchronous and side-effect free so it can be unit tested;
// the socket and HTTP glue lives in hooks that dispatch these actions.

import type { MediaType } from "./content";
import type { MediaObject } from "./media";
import { matchesTeam } from "./teams";
import { advanceStatus, applyStatus, maxSeq, maxStatus, mergeMessages, replaceMessage, type StatusUpdate } from "./messages";
import type {
  Conversation,
  ConversationStatus,
  ConversationSummary,
  Message,
  MessageError,
  MessageStatus,
  MessageSummary,
} from "./types";

export const TYPING_TTL_MS = 6_000;
export const WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_ORPHANS = 200;

export interface Thread {
  messages: Message[];
  /** Highest event seq seen for this conversation (messages and statuses, REST pages and live events). */
  lastSeq: number;
  /** Cursor for the page of older messages, null when the start is loaded. */
  olderCursor: string | null;
  loaded: boolean;
}

/** A file being sent: shown from the moment it is picked, sent once uploaded. */
export interface PendingAttachment {
  fileName: string;
  mimeType: string;
  size: number;
  /** A local blob URL of the picked file (images), or null. */
  previewUrl: string | null;
  /** The Cloud API object to send (`{id, caption?, filename?}`), null while uploading. */
  object: MediaObject | null;
}

export interface PendingMessage {
  clientId: string;
  conversationId: string;
  /** The text (or a media message's caption). */
  body: string;
  createdAt: string;
  /** Stored message id, known once `message:ack` arrives. */
  messageId: string | null;
  status: MessageStatus;
  errors: MessageError[] | null;
  /** The message type; text when absent. */
  type?: "text" | MediaType;
  attachment?: PendingAttachment;
  /** The message replied to (`{message_id: wamid}`), shown quoted from the start. */
  context?: { message_id: string } | null;
}

export interface TypingEntry {
  userId: string;
  name: string;
  until: number;
}

export type AssigneeFilter = "me" | "unassigned" | "all";

export interface ListFilter {
  status: ConversationStatus;
  assignee: AssigneeFilter;
  unreadOnly: boolean;
  /** Contact name, phone or username contains this (`?search=`). */
  search?: string;
  /** The conversation or its contact carries this tag (`?tag=`). */
  tag?: string;
  /** "" every team, "none" in no team, or a team's id (`?team_id=`). */
  team?: string;
  /** "" every number, or the id of the number it came in on (`?channel_id=`). */
  channel?: string;
}

export interface InboxState {
  conversations: Record<string, Conversation>;
  listCursor: string | null;
  listLoaded: boolean;
  threads: Record<string, Thread>;
  pending: PendingMessage[];
  /** Statuses that arrived before the message they belong to, by message id. */
  orphanStatuses: Record<string, StatusUpdate>;
  typing: Record<string, TypingEntry[]>;
  openId: string | null;
}

export const initialInboxState: InboxState = {
  conversations: {},
  listCursor: null,
  listLoaded: false,
  threads: {},
  pending: [],
  orphanStatuses: {},
  typing: {},
  openId: null,
};

export type InboxAction =
  | { type: "list/loaded"; conversations: Conversation[]; nextCursor: string | null; append: boolean }
  | { type: "conversation/upsert"; conversation: Conversation }
  | { type: "conversation/summary"; summary: ConversationSummary }
  | { type: "conversation/patch"; id: string; patch: Partial<Conversation> }
  | { type: "conversation/opened"; id: string | null }
  | { type: "thread/loaded"; conversationId: string; messages: Message[]; olderCursor: string | null; older: boolean }
  | { type: "message/new"; conversationId: string; seq: number; message: Message; meId?: string | null }
  | { type: "message/status"; conversationId: string; seq: number; update: StatusUpdate }
  /** The server's copy of one message, taken as is (status may go back: a resend). */
  | { type: "message/replace"; conversationId: string; message: Message }
  | { type: "send/pending"; pending: Omit<PendingMessage, "messageId" | "status" | "errors"> }
  | { type: "send/uploaded"; clientId: string; kind: MediaType; object: MediaObject; at: string }
  | { type: "send/discard"; clientId: string }
  | { type: "send/ack"; clientId: string; messageId: string }
  | { type: "send/failed"; clientId: string; errors: MessageError[] }
  | { type: "send/retry"; clientId: string }
  | { type: "typing"; conversationId: string; userId: string; name: string; typing: boolean; now: number };

const emptyThread: Thread = { messages: [], lastSeq: 0, olderCursor: null, loaded: false };

function threadOf(state: InboxState, id: string): Thread {
  return state.threads[id] ?? emptyThread;
}

function timeOf(iso: string | null | undefined): number {
  if (!iso) return 0;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

function laterIso(a: string | null, b: string | null): string | null {
  return timeOf(b) > timeOf(a) ? b : a;
}

function upsertConversation(state: InboxState, incoming: Conversation): InboxState {
  const prior = state.conversations[incoming.id];
  if (prior) {
    // A snapshot taken before events we already applied is stale.
    const priorSeq = prior.last_seq ?? 0;
    const incomingSeq = incoming.last_seq ?? 0;
    if (incomingSeq < priorSeq) return state;
    if (incomingSeq === priorSeq && timeOf(incoming.updated_at) < timeOf(prior.updated_at)) return state;
  }
  let next = incoming;
  // The conversation on screen is being read: keep its badge at zero.
  if (state.openId === incoming.id && next.unread_count !== 0) next = { ...next, unread_count: 0 };
  // Never let a stale snapshot hide a newer last message we already showed
  // (or hold in the thread: message:new may overtake the fetch of its conversation).
  const threadLast = state.threads[incoming.id]?.messages.at(-1);
  const known = [prior?.last_message, threadLast ? summaryOf(threadLast) : undefined].reduce<MessageSummary | null>(
    (best, m) => (m && (!best || m.seq > best.seq) ? m : best),
    null,
  );
  if (known && (!next.last_message || next.last_message.seq < known.seq)) {
    next = {
      ...next,
      last_message: known,
      last_message_at: laterIso(next.last_message_at, known.timestamp),
    };
  }
  return { ...state, conversations: { ...state.conversations, [incoming.id]: next } };
}

/** Folds a live `conversation:new/updated` summary into a conversation we hold. */
function applySummary(state: InboxState, summary: ConversationSummary): InboxState {
  const prior = state.conversations[summary.id];
  if (!prior) return state;
  if (typeof summary.last_seq === "number" && summary.last_seq < (prior.last_seq ?? 0)) return state;
  const next: Conversation = {
    ...prior,
    status: summary.status ?? prior.status,
    assignee_id: summary.assignee_id === undefined ? prior.assignee_id : summary.assignee_id,
    team_id: summary.team_id === undefined ? prior.team_id : summary.team_id,
    unread_count: state.openId === summary.id ? 0 : (summary.unread_count ?? prior.unread_count),
    last_seq: summary.last_seq ?? prior.last_seq,
    last_message_at: laterIso(prior.last_message_at, summary.last_message_at ?? null),
    last_inbound_at: laterIso(prior.last_inbound_at, summary.last_inbound_at ?? null),
    window_expires_at: laterIso(prior.window_expires_at, summary.window_expires_at ?? null),
  };
  return { ...state, conversations: { ...state.conversations, [summary.id]: next } };
}

function summaryOf(m: Message): MessageSummary {
  return { id: m.id, seq: m.seq, direction: m.direction, type: m.type, status: m.status, content: m.content, timestamp: m.timestamp };
}

/** Updates a conversation's summary (last message, unread, window) after a live message. */
function bumpConversation(state: InboxState, message: Message): InboxState {
  const conv = state.conversations[message.conversation_id];
  if (!conv) return state;
  const known = conv.last_message && conv.last_message.seq >= message.seq;
  if (known) return state;
  const inbound = message.direction === "inbound";
  const isOpen = state.openId === conv.id;
  // A summary as recent as this message (`conversation:new` comes just
  // before a new conversation's first message, counting it) already counted it.
  const counted = message.seq <= (conv.last_seq ?? 0);
  const next: Conversation = {
    ...conv,
    last_message: summaryOf(message),
    last_seq: Math.max(conv.last_seq ?? 0, message.seq),
    last_message_at: laterIso(conv.last_message_at, message.timestamp),
    unread_count: isOpen ? 0 : conv.unread_count + (inbound && message.type !== "reaction" && !counted ? 1 : 0),
  };
  if (inbound) {
    next.last_inbound_at = laterIso(conv.last_inbound_at, message.timestamp);
    const windowEnd = new Date(timeOf(message.timestamp) + WINDOW_MS).toISOString();
    next.window_expires_at = laterIso(conv.window_expires_at, windowEnd);
  }
  return { ...state, conversations: { ...state.conversations, [conv.id]: next } };
}

function withThread(state: InboxState, id: string, thread: Thread): InboxState {
  return { ...state, threads: { ...state.threads, [id]: thread } };
}

function addOrphan(state: InboxState, update: StatusUpdate): InboxState {
  const prior = state.orphanStatuses[update.messageId];
  const merged = prior ? { ...update, status: advanceStatus(prior.status, update.status), errors: update.errors ?? prior.errors } : update;
  const orphans = { ...state.orphanStatuses, [update.messageId]: merged };
  const keys = Object.keys(orphans);
  if (keys.length > MAX_ORPHANS) delete orphans[keys[0]!];
  return { ...state, orphanStatuses: orphans };
}

function contentBody(content: unknown): string | null {
  if (typeof content !== "object" || content === null) return null;
  const body = (content as { body?: unknown }).body;
  return typeof body === "string" ? body : null;
}

/**
 * The server publishes `message:new` for our own send before it answers
 * `message:ack`, and the stored message does not carry our client_id: the
 * oldest unacknowledged send of the same text in the same conversation is the
 * one this message stands for.
 */
function pendingFor(pending: readonly PendingMessage[], m: Message, live: { meId: string | null } | null): PendingMessage | undefined {
  const byId = pending.find((x) => x.messageId === m.id);
  if (byId || !live) return byId;
  // Only a live message:new can stand for a send still waiting for its ack (a
  // reloaded page may hold an older message with the same text).
  const { meId } = live;
  if (m.direction !== "outbound" || m.sent_by?.kind !== "agent") return undefined;
  if (meId && m.sent_by.id && m.sent_by.id !== meId) return undefined;
  const waiting = (x: PendingMessage) => x.messageId === null && x.conversationId === m.conversation_id;
  if (m.type === "text") {
    const body = contentBody(m.content);
    return pending.find((x) => waiting(x) && (x.type ?? "text") === "text" && x.body === body);
  }
  // A file: the uploaded media id is unique.
  const mediaId = mediaIdOf(m.content);
  if (!mediaId) return undefined;
  return pending.find((x) => waiting(x) && x.type === m.type && x.attachment?.object?.id === mediaId);
}

function mediaIdOf(content: unknown): string | null {
  if (typeof content !== "object" || content === null) return null;
  const id = (content as { id?: unknown }).id;
  return typeof id === "string" && id ? id : null;
}

/** Takes stored messages into a thread, folding in acked sends and early statuses. */
function receiveMessages(
  state: InboxState,
  conversationId: string,
  incoming: Message[],
  live: { meId: string | null } | null = null,
): InboxState {
  let orphans = state.orphanStatuses;
  let pending = state.pending;
  const adjusted = incoming.map((m) => {
    let msg = m;
    const orphan = orphans[m.id];
    if (orphan) {
      msg = applyStatus(msg, orphan);
      orphans = { ...orphans };
      delete orphans[m.id];
    }
    const p = pendingFor(pending, m, live);
    if (p) {
      if (p.messageId !== null) msg = applyStatus(msg, { messageId: m.id, wamid: null, status: p.status, errors: p.errors });
      pending = pending.filter((x) => x !== p);
    }
    return msg;
  });
  const thread = threadOf(state, conversationId);
  const messages = mergeMessages(thread.messages, adjusted);
  const lastSeq = Math.max(thread.lastSeq, maxSeq(messages));
  const next = { ...state, orphanStatuses: orphans, pending };
  if (messages === thread.messages && lastSeq === thread.lastSeq) return next;
  return withThread(next, conversationId, { ...thread, messages, lastSeq });
}

function applyStatusUpdate(state: InboxState, conversationId: string, seq: number, update: StatusUpdate): InboxState {
  let found = false;
  let next = state;
  const thread = state.threads[conversationId];
  if (thread && seq > thread.lastSeq) {
    // Statuses have their own event seq: remember it for since_seq.
    next = withThread(next, conversationId, { ...thread, lastSeq: seq });
  }
  if (thread) {
    const idx = thread.messages.findIndex(
      (m) => m.id === update.messageId || (update.wamid !== null && m.wamid === update.wamid),
    );
    if (idx >= 0) {
      found = true;
      const updated = applyStatus(thread.messages[idx]!, update, true);
      if (updated !== thread.messages[idx]) {
        const messages = thread.messages.slice();
        messages[idx] = updated;
        next = withThread(next, conversationId, { ...threadOf(next, conversationId), messages });
      }
    }
  }
  const pIdx = next.pending.findIndex((p) => p.messageId === update.messageId);
  if (pIdx >= 0) {
    found = true;
    const p = next.pending[pIdx]!;
    const status = advanceStatus(p.status, update.status);
    const pending = next.pending.slice();
    pending[pIdx] = { ...p, status, errors: status === "failed" ? update.errors : p.errors };
    next = { ...next, pending };
  }
  const conv = next.conversations[conversationId];
  if (conv?.last_message && conv.last_message.id === update.messageId) {
    const status = advanceStatus(conv.last_message.status, update.status);
    const lm = status === conv.last_message.status ? conv.last_message : { ...conv.last_message, status };
    if (lm !== conv.last_message) {
      next = { ...next, conversations: { ...next.conversations, [conv.id]: { ...conv, last_message: lm } } };
    }
  }
  // A status may overtake its own message (or the ack of our send): keep it for later.
  if (!found && (thread?.loaded || next.pending.some((p) => p.messageId === null))) {
    next = addOrphan(next, update);
  }
  return next;
}

/** Takes the server's copy of a message we hold as is (see replaceMessage); unknown messages are merged. */
function replaceOne(state: InboxState, conversationId: string, message: Message): InboxState {
  let next = state;
  // Our own send still shown from the pending list: its status first, so folding it in keeps this one.
  const pIdx = next.pending.findIndex((p) => p.messageId === message.id);
  if (pIdx >= 0) {
    const pending = next.pending.slice();
    pending[pIdx] = { ...pending[pIdx]!, status: message.status, errors: message.errors };
    next = { ...next, pending };
  }
  const thread = next.threads[conversationId];
  const idx = thread ? thread.messages.findIndex((m) => m.id === message.id) : -1;
  if (thread && idx >= 0) {
    const messages = thread.messages.slice();
    messages[idx] = replaceMessage(thread.messages[idx]!, message);
    next = withThread(next, conversationId, { ...thread, messages });
  } else if (thread) {
    next = receiveMessages(next, conversationId, [message]);
  }
  const conv = next.conversations[conversationId];
  if (conv?.last_message?.id === message.id && conv.last_message.status !== message.status) {
    next = { ...next, conversations: { ...next.conversations, [conv.id]: { ...conv, last_message: { ...conv.last_message, status: message.status } } } };
  }
  return next;
}

export function inboxReducer(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case "list/loaded": {
      const conversations: Record<string, Conversation> = {};
      if (action.append) Object.assign(conversations, state.conversations);
      else if (state.openId && state.conversations[state.openId]) {
        conversations[state.openId] = state.conversations[state.openId]!;
      }
      let next: InboxState = { ...state, conversations, listCursor: action.nextCursor, listLoaded: true };
      for (const c of action.conversations) next = upsertConversation(next, c);
      return next;
    }
    case "conversation/upsert":
      return upsertConversation(state, action.conversation);
    case "conversation/summary":
      return applySummary(state, action.summary);
    case "conversation/patch": {
      const conv = state.conversations[action.id];
      if (!conv) return state;
      return { ...state, conversations: { ...state.conversations, [action.id]: { ...conv, ...action.patch } } };
    }
    case "conversation/opened": {
      let next: InboxState = { ...state, openId: action.id };
      const conv = action.id ? state.conversations[action.id] : undefined;
      if (conv && conv.unread_count !== 0) {
        next = { ...next, conversations: { ...next.conversations, [conv.id]: { ...conv, unread_count: 0 } } };
      }
      return next;
    }
    case "thread/loaded": {
      const received = receiveMessages(state, action.conversationId, action.messages);
      const thread = threadOf(received, action.conversationId);
      const olderCursor = action.older || !thread.loaded ? action.olderCursor : thread.olderCursor;
      return withThread(received, action.conversationId, { ...thread, loaded: true, olderCursor });
    }
    case "message/new": {
      const message = action.message.conversation_id
        ? action.message
        : { ...action.message, conversation_id: action.conversationId };
      return bumpConversation(receiveMessages(state, action.conversationId, [message], { meId: action.meId ?? null }), message);
    }
    case "message/status":
      return applyStatusUpdate(state, action.conversationId, action.seq, action.update);
    case "message/replace":
      return replaceOne(state, action.conversationId, action.message);
    case "send/pending":
      return {
        ...state,
        pending: [...state.pending, { ...action.pending, messageId: null, status: "pending", errors: null }],
      };
    case "send/uploaded": {
      const pending = state.pending.map((p) =>
        p.clientId === action.clientId && p.attachment
          ? { ...p, type: action.kind, createdAt: action.at, attachment: { ...p.attachment, object: action.object } }
          : p,
      );
      return { ...state, pending };
    }
    case "send/discard": {
      const pending = state.pending.filter((p) => p.clientId !== action.clientId);
      return pending.length === state.pending.length ? state : { ...state, pending };
    }
    case "send/ack": {
      const idx = state.pending.findIndex((p) => p.clientId === action.clientId);
      if (idx < 0) return state;
      const p = state.pending[idx]!;
      const thread = state.threads[p.conversationId];
      const stored = thread?.messages.find((m) => m.id === action.messageId);
      if (stored) {
        // message:new overtook the ack: the stored message already stands for it.
        return { ...state, pending: state.pending.filter((x) => x !== p) };
      }
      let updated: PendingMessage = {
        ...p,
        messageId: action.messageId,
        status: maxStatus(p.status === "failed" ? "pending" : p.status, "accepted"),
        errors: null,
      };
      let orphans = state.orphanStatuses;
      const orphan = orphans[action.messageId];
      if (orphan) {
        updated = { ...updated, status: maxStatus(updated.status, orphan.status), errors: orphan.errors };
        orphans = { ...orphans };
        delete orphans[action.messageId];
      }
      const pending = state.pending.slice();
      pending[idx] = updated;
      return { ...state, pending, orphanStatuses: orphans };
    }
    case "send/failed": {
      const pending = state.pending.map((p) =>
        p.clientId === action.clientId && p.messageId === null ? { ...p, status: "failed" as const, errors: action.errors } : p,
      );
      return { ...state, pending };
    }
    case "send/retry": {
      const pending = state.pending.map((p) =>
        p.clientId === action.clientId ? { ...p, status: "pending" as const, errors: null } : p,
      );
      return { ...state, pending };
    }
    case "typing": {
      const entries = (state.typing[action.conversationId] ?? []).filter(
        (e) => e.userId !== action.userId && e.until > action.now,
      );
      if (action.typing) entries.push({ userId: action.userId, name: action.name, until: action.now + TYPING_TTL_MS });
      return { ...state, typing: { ...state.typing, [action.conversationId]: entries } };
    }
  }
}

// ---------- selectors ----------

/** A message as shown: stored messages, then our own sends still in flight. */
export interface DisplayMessage extends Message {
  clientId?: string;
  /** A file being sent: its local preview (blob URL), if any. */
  localPreview?: string | null;
  /** A file being sent is still uploading. */
  uploading?: boolean;
}

function pendingContent(p: PendingMessage): Record<string, unknown> {
  const a = p.attachment;
  if (!a) return { body: p.body };
  return {
    ...(a.object ?? {}),
    ...(p.body ? { caption: p.body } : {}),
    filename: a.fileName,
    mime_type: a.mimeType,
    file_size: a.size,
  };
}

export function pendingToDisplay(p: PendingMessage): DisplayMessage {
  return {
    localPreview: p.attachment?.previewUrl ?? null,
    uploading: !!p.attachment && !p.attachment.object,
    id: p.messageId ?? `local:${p.clientId}`,
    clientId: p.clientId,
    conversation_id: p.conversationId,
    seq: Number.MAX_SAFE_INTEGER,
    wamid: null,
    direction: "outbound",
    type: p.type ?? "text",
    status: p.status,
    content: pendingContent(p),
    context: p.context ?? null,
    errors: p.errors,
    sent_by: { kind: "agent", id: null },
    timestamp: p.createdAt,
    created_at: p.createdAt,
  };
}

export function selectMessages(state: InboxState, conversationId: string): DisplayMessage[] {
  const thread = threadOf(state, conversationId);
  const mine = state.pending.filter((p) => p.conversationId === conversationId);
  if (mine.length === 0) return thread.messages;
  return [...thread.messages, ...mine.map(pendingToDisplay)];
}

export function lastSeqOf(state: InboxState, conversationId: string): number {
  return threadOf(state, conversationId).lastSeq;
}

/** What the search box searches for: trimmed, without a leading "@" (usernames are stored without it). */
export function searchTerm(raw: string | undefined): string {
  return (raw ?? "").trim().replace(/^@+/, "").trim();
}

/** A tag as the server stores it: trimmed and lower-cased. */
export function normalizeTag(raw: string | undefined): string {
  return (raw ?? "").trim().toLowerCase();
}

/** Splits "VIP, follow up" into distinct tags as the server stores them. */
export function parseTags(raw: string): string[] {
  return [...new Set(raw.split(",").map(normalizeTag).filter(Boolean))];
}

export function matchesFilter(conv: Conversation, filter: ListFilter, meId: string | null, isAdmin = true): boolean {
  if (conv.status !== filter.status) return false;
  const q = searchTerm(filter.search).toLowerCase();
  if (q && ![conv.contact.name, conv.contact.phone, conv.contact.username].some((v) => v?.toLowerCase().includes(q))) return false;
  const tag = normalizeTag(filter.tag);
  if (tag && !(conv.tags ?? []).includes(tag) && !(conv.contact.tags ?? []).includes(tag)) return false;
  // Agents see unassigned conversations and their own, never a colleague's.
  if (!isAdmin && conv.assignee_id !== null && conv.assignee_id !== meId) return false;
  if (filter.assignee === "me" && (meId === null || conv.assignee_id !== meId)) return false;
  if (filter.assignee === "unassigned" && conv.assignee_id !== null) return false;
  if (filter.unreadOnly && conv.unread_count <= 0) return false;
  if (!matchesTeam(conv.team_id, filter.team)) return false;
  if (filter.channel && conv.channel_id !== filter.channel) return false;
  return true;
}

export function selectVisibleConversations(
  state: InboxState,
  filter: ListFilter,
  meId: string | null,
  isAdmin = true,
): Conversation[] {
  return Object.values(state.conversations)
    .filter((c) => c.id === state.openId || matchesFilter(c, filter, meId, isAdmin))
    .sort(
      (a, b) =>
        timeOf(b.last_message_at ?? b.updated_at) - timeOf(a.last_message_at ?? a.updated_at) ||
        (a.id < b.id ? -1 : 1),
    );
}

export function selectTyping(state: InboxState, conversationId: string, now: number, meId: string | null): TypingEntry[] {
  return (state.typing[conversationId] ?? []).filter((e) => e.until > now && e.userId !== meId);
}

export function totalUnread(state: InboxState): number {
  return Object.values(state.conversations).reduce((n, c) => n + (c.unread_count > 0 ? c.unread_count : 0), 0);
}
