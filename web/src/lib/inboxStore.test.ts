import { describe, expect, it } from "vitest";
import {
  inboxReducer,
  initialInboxState,
  lastSeqOf,
  matchesFilter,
  normalizeTag,
  parseTags,
  searchTerm,
  selectMessages,
  selectTyping,
  selectVisibleConversations,
  type InboxAction,
  type InboxState,
} from "./inboxStore";
import { maxStatus, mergeMessages } from "./messages";
import type { Conversation, Message, MessageStatus } from "./types";

const CONV = "c1";

function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversation_id: CONV,
    seq,
    wamid: `wamid.${seq}`,
    direction: "inbound",
    type: "text",
    status: "received",
    content: { body: `hello ${seq}` },
    context: null,
    errors: null,
    sent_by: null,
    timestamp: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
    created_at: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
    ...over,
  };
}

function conv(over: Partial<Conversation> = {}): Conversation {
  return {
    id: CONV,
    channel_id: "ch1",
    contact: { id: "ct1", phone: "+911234567890", name: "Asha", user_id: null, username: null },
    status: "open",
    assignee_id: null,
    unread_count: 0,
    last_message_at: "2026-01-01T09:00:00.000Z",
    last_inbound_at: null,
    window_expires_at: null,
    last_message: null,
    created_at: "2026-01-01T08:00:00.000Z",
    updated_at: "2026-01-01T09:00:00.000Z",
    ...over,
  };
}

function run(actions: InboxAction[], state: InboxState = initialInboxState): InboxState {
  return actions.reduce(inboxReducer, state);
}

const newMsg = (m: Message): InboxAction => ({ type: "message/new", conversationId: m.conversation_id, seq: m.seq, message: m });
const status = (
  id: string,
  s: MessageStatus,
  extra: { errors?: Message["errors"]; wamid?: string; seq?: number } = {},
): InboxAction => ({
  type: "message/status",
  conversationId: CONV,
  seq: extra.seq ?? 0,
  update: { messageId: id, wamid: extra.wamid ?? null, status: s, errors: extra.errors ?? null },
});
const loaded = (messages: Message[], olderCursor: string | null = null): InboxAction => ({
  type: "thread/loaded",
  conversationId: CONV,
  messages,
  olderCursor,
  older: false,
});
const seqs = (s: InboxState) => selectMessages(s, CONV).map((m) => m.seq);

describe("ordering", () => {
  it("keeps messages in ascending seq whatever order they arrive in", () => {
    const s = run([newMsg(msg(3)), newMsg(msg(1)), newMsg(msg(2)), newMsg(msg(5)), newMsg(msg(4))]);
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(lastSeqOf(s, CONV)).toBe(5);
  });

  it("puts an older page before the messages already loaded", () => {
    const s = run([
      loaded([msg(51), msg(52), msg(53)], "51"),
      { type: "thread/loaded", conversationId: CONV, messages: [msg(49), msg(50)], olderCursor: null, older: true },
    ]);
    expect(seqs(s)).toEqual([49, 50, 51, 52, 53]);
    expect(s.threads[CONV]!.olderCursor).toBeNull();
  });

  it("shows our sends still in flight after the stored messages", () => {
    const s = run([
      loaded([msg(1), msg(2)]),
      { type: "send/pending", pending: { clientId: "k1", conversationId: CONV, body: "hi", createdAt: "2026-01-01T11:00:00Z" } },
    ]);
    const shown = selectMessages(s, CONV);
    expect(shown.map((m) => m.id)).toEqual(["m1", "m2", "local:k1"]);
    expect(shown[2]!.status).toBe("pending");
  });
});

describe("dedupe", () => {
  it("drops a message delivered twice with the same id", () => {
    const s = run([newMsg(msg(1)), newMsg(msg(2)), newMsg(msg(1)), newMsg(msg(2))]);
    expect(seqs(s)).toEqual([1, 2]);
  });

  it("folds two copies with the same seq into one bubble", () => {
    const s = run([newMsg(msg(7)), newMsg(msg(7, { id: "other-id" }))]);
    expect(selectMessages(s, CONV)).toHaveLength(1);
    expect(selectMessages(s, CONV)[0]!.id).toBe("m7");
  });

  it("mergeMessages returns the same array when nothing is new", () => {
    const list = [msg(1), msg(2)];
    expect(mergeMessages(list, [])).toBe(list);
  });
});

describe("monotonic status", () => {
  const out = (seq: number) => msg(seq, { direction: "outbound", status: "accepted" });

  it("never moves back from read when a late delivered arrives", () => {
    const s = run([loaded([out(1)]), status("m1", "sent"), status("m1", "read"), status("m1", "delivered"), status("m1", "sent")]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("read");
  });

  it("keeps the higher status when the same message is reloaded with an older one", () => {
    const s = run([loaded([out(1)]), status("m1", "delivered"), loaded([{ ...out(1), status: "sent" }])]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("delivered");
  });

  it("records a failure with Meta's errors, and a late sent or delivered does not clear it", () => {
    const errors = [{ code: 131047, title: "Re-engagement message" }];
    const s = run([loaded([out(1)]), status("m1", "failed", { errors }), status("m1", "sent"), status("m1", "delivered")]);
    const m = selectMessages(s, CONV)[0]!;
    expect(m.status).toBe("failed");
    expect(m.errors).toEqual(errors);
  });

  it("ranks statuses as the server does", () => {
    // pending 0 < accepted 1 < sent 2 < delivered 3 < failed 4 < read 5 < played 6
    expect(maxStatus("delivered", "sent")).toBe("delivered");
    expect(maxStatus("sent", "failed")).toBe("failed");
    expect(maxStatus("delivered", "failed")).toBe("failed");
    expect(maxStatus("read", "failed")).toBe("read");
    expect(maxStatus("read", "played")).toBe("played");
    expect(maxStatus("pending", "accepted")).toBe("accepted");
  });

  it("tracks the status events' own seq for since_seq", () => {
    const s = run([loaded([out(1), out(2)]), status("m2", "sent", { seq: 3 }), status("m2", "delivered", { seq: 4 })]);
    expect(lastSeqOf(s, CONV)).toBe(4);
    // A replayed older status changes nothing.
    const again = inboxReducer(s, status("m2", "sent", { seq: 3 }));
    expect(lastSeqOf(again, CONV)).toBe(4);
    expect(selectMessages(again, CONV)[1]!.status).toBe("delivered");
  });

  it("applies a status that overtook its message once the message arrives", () => {
    const s = run([loaded([out(1)]), status("m2", "delivered"), newMsg(out(2))]);
    expect(selectMessages(s, CONV)[1]!.status).toBe("delivered");
    expect(s.orphanStatuses).toEqual({});
  });

  it("matches a status by wamid when the id is unknown", () => {
    const s = run([loaded([out(1)]), { ...status("x", "read", { wamid: "wamid.1" }) }]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("read");
  });
});

describe("unconfirmed sends", () => {
  const out = (seq: number, st: MessageStatus = "pending") => msg(seq, { direction: "outbound", status: st, wamid: null });
  const replace = (m: Message): InboxAction => ({ type: "message/replace", conversationId: CONV, message: m });

  it("ranks unconfirmed above pending and accepted, below sent", () => {
    expect(maxStatus("pending", "unconfirmed")).toBe("unconfirmed");
    expect(maxStatus("accepted", "unconfirmed")).toBe("unconfirmed");
    expect(maxStatus("unconfirmed", "sent")).toBe("sent");
    expect(maxStatus("delivered", "unconfirmed")).toBe("delivered");
  });

  it("shows a live unconfirmed status, and a later sent, delivered or read replaces it", () => {
    let s = run([loaded([out(1)]), status("m1", "unconfirmed", { seq: 2 })]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("unconfirmed");
    s = run([status("m1", "delivered", { seq: 3, wamid: "wamid.late" })], s);
    expect(selectMessages(s, CONV)[0]!).toMatchObject({ status: "delivered", wamid: "wamid.late" });
    // And never comes back.
    s = run([status("m1", "unconfirmed", { seq: 2 })], s);
    expect(selectMessages(s, CONV)[0]!.status).toBe("delivered");
  });

  it("comes in message lists, and a reload does not undo it with an older pending copy", () => {
    const s = run([loaded([out(1, "unconfirmed")]), loaded([out(1, "pending")])]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("unconfirmed");
  });

  it("goes back to pending when resent (the answer, or a live pending status), then climbs again", () => {
    const base = run([
      { type: "conversation/upsert", conversation: conv({ last_message: { ...out(1, "unconfirmed") } }) },
      loaded([out(1, "unconfirmed")]),
    ]);
    let s = run([replace(out(1, "pending"))], base);
    expect(selectMessages(s, CONV)[0]!.status).toBe("pending");
    expect(s.conversations[CONV]!.last_message!.status).toBe("pending");
    s = run([status("m1", "sent", { seq: 4 })], s);
    expect(selectMessages(s, CONV)[0]!.status).toBe("sent");

    const live = run([status("m1", "pending", { seq: 3 })], base);
    expect(selectMessages(live, CONV)[0]!.status).toBe("pending");
    expect(live.conversations[CONV]!.last_message!.status).toBe("pending");
    // A live pending never moves a message that is not unconfirmed back.
    const sent = run([status("m1", "sent", { seq: 5 }), status("m1", "pending", { seq: 6 })], base);
    expect(selectMessages(sent, CONV)[0]!.status).toBe("sent");
  });

  it("takes the server's copy after a refused resend (409 NOT_UNCONFIRMED)", () => {
    const s = run([loaded([out(1, "unconfirmed")]), replace({ ...out(1, "delivered"), wamid: "wamid.x" })]);
    expect(selectMessages(s, CONV)[0]!).toMatchObject({ status: "delivered", wamid: "wamid.x", seq: 1 });
  });

  it("marks our own acked send unconfirmed, and resends it", () => {
    let s = run([
      loaded([]),
      { type: "send/pending", pending: { clientId: "k1", conversationId: CONV, body: "hi", createdAt: "2026-01-01T11:00:00Z" } },
      { type: "send/ack", clientId: "k1", messageId: "m9" },
      status("m9", "unconfirmed", { seq: 10 }),
    ]);
    expect(selectMessages(s, CONV).at(-1)!).toMatchObject({ id: "m9", status: "unconfirmed" });
    s = run([replace(msg(9, { id: "m9", direction: "outbound", status: "pending", wamid: null }))], s);
    expect(selectMessages(s, CONV).filter((m) => m.id === "m9")).toHaveLength(1);
    expect(selectMessages(s, CONV).find((m) => m.id === "m9")!.status).toBe("pending");
  });
});

describe("sending", () => {
  const pending: InboxAction = {
    type: "send/pending",
    pending: { clientId: "k1", conversationId: CONV, body: "hello", createdAt: "2026-01-01T11:00:00Z" },
  };
  const stored = msg(3, {
    id: "srv-1",
    direction: "outbound",
    status: "pending",
    content: { body: "hello" },
    sent_by: { kind: "agent", id: "me" },
  });

  it("is pending until acked, then replaced by the stored message without a duplicate", () => {
    let s = run([loaded([msg(1), msg(2)]), pending]);
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("pending");
    s = inboxReducer(s, { type: "send/ack", clientId: "k1", messageId: "srv-1" });
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("accepted");
    expect(selectMessages(s, CONV).at(-1)!.id).toBe("srv-1");
    s = inboxReducer(s, newMsg(stored));
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("accepted");
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "m2", "srv-1"]);
    expect(s.pending).toHaveLength(0);
  });

  it("handles message:new arriving before the ack without ever showing two bubbles", () => {
    // The server publishes message:new for our send before message:ack.
    let s = run([loaded([msg(1)]), pending, { ...newMsg(stored), meId: "me" } as InboxAction]);
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-1"]);
    expect(s.pending).toHaveLength(0);
    s = inboxReducer(s, { type: "send/ack", clientId: "k1", messageId: "srv-1" });
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-1"]);
  });

  it("does not fold a send into an older stored message with the same text from a reload", () => {
    const older = { ...stored, id: "srv-0", seq: 2 };
    const s = run([loaded([msg(1)]), pending, loaded([msg(1), older])]);
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-0", "local:k1"]);
  });

  it("does not take another agent's message for our send", () => {
    const other = { ...stored, id: "srv-2", sent_by: { kind: "agent" as const, id: "someone-else" } };
    const s = run([loaded([msg(1)]), pending, { ...newMsg(other), meId: "me" } as InboxAction]);
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-2", "local:k1"]);
  });

  it("carries statuses that arrive between the ack and message:new", () => {
    const s = run([
      loaded([msg(1)]),
      pending,
      { type: "send/ack", clientId: "k1", messageId: "srv-1" },
      status("srv-1", "delivered"),
      newMsg(stored),
    ]);
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("delivered");
  });

  it("keeps a status that arrives before the ack", () => {
    const s = run([
      loaded([msg(1)]),
      pending,
      status("srv-1", "sent"),
      { type: "send/ack", clientId: "k1", messageId: "srv-1" },
    ]);
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("sent");
  });

  it("marks a refused send failed and lets it be retried", () => {
    let s = run([pending, { type: "send/failed", clientId: "k1", errors: [{ code: "WINDOW_CLOSED", title: "Window closed" }] }]);
    expect(selectMessages(s, CONV)[0]!.status).toBe("failed");
    s = inboxReducer(s, { type: "send/retry", clientId: "k1" });
    expect(selectMessages(s, CONV)[0]!.status).toBe("pending");
  });
});

describe("sending a file", () => {
  const picked: InboxAction = {
    type: "send/pending",
    pending: {
      clientId: "f1",
      conversationId: CONV,
      body: "the receipt",
      createdAt: "2026-01-01T11:00:00Z",
      type: "image",
      attachment: { fileName: "receipt.png", mimeType: "image/png", size: 68, previewUrl: "blob:local", object: null },
    },
  };
  const uploaded: InboxAction = {
    type: "send/uploaded",
    clientId: "f1",
    kind: "image",
    object: { id: "media-1", caption: "the receipt" },
    at: "2026-01-01T11:00:05Z",
  };
  const stored = msg(3, {
    id: "srv-9",
    direction: "outbound",
    type: "image",
    status: "pending",
    content: { id: "media-1", caption: "the receipt" },
    sent_by: { kind: "agent", id: "me" },
  });

  it("shows the file name while it uploads, then folds into the stored message once", () => {
    let s = run([loaded([msg(1)]), picked]);
    const shown = selectMessages(s, CONV).at(-1)!;
    expect(shown.type).toBe("image");
    expect(shown.uploading).toBe(true);
    expect(shown.localPreview).toBe("blob:local");
    expect(shown.content).toMatchObject({ filename: "receipt.png", caption: "the receipt" });
    s = run([uploaded], s);
    expect(selectMessages(s, CONV).at(-1)!.uploading).toBe(false);
    expect(selectMessages(s, CONV).at(-1)!.content).toMatchObject({ id: "media-1" });
    expect(selectMessages(s, CONV).at(-1)!.timestamp).toBe("2026-01-01T11:00:05Z");
    // message:new (before the ack) stands for it: matched by the media id.
    s = run([{ ...newMsg(stored), meId: "me" } as InboxAction], s);
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-9"]);
    s = inboxReducer(s, { type: "send/ack", clientId: "f1", messageId: "srv-9" });
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-9"]);
    s = inboxReducer(s, status("srv-9", "sent"));
    expect(selectMessages(s, CONV).at(-1)!.status).toBe("sent");
  });

  it("does not take a stored file with another media id for ours", () => {
    const other = { ...stored, id: "srv-8", content: { id: "media-2" } };
    const s = run([loaded([msg(1)]), picked, uploaded, { ...newMsg(other), meId: "me" } as InboxAction]);
    expect(selectMessages(s, CONV).map((m) => m.id)).toEqual(["m1", "srv-8", "local:f1"]);
  });

  it("drops a file the server refused to take", () => {
    const s = run([picked, { type: "send/discard", clientId: "f1" }]);
    expect(selectMessages(s, CONV)).toEqual([]);
  });
});

describe("reconnect replay", () => {
  it("merges a replay that overlaps what was already shown", () => {
    let s = run([loaded([msg(1), msg(2), msg(3), msg(4), msg(5)])]);
    expect(lastSeqOf(s, CONV)).toBe(5);
    // The client re-joins with since_seq = 5, but the server (or a REST refetch) may resend some.
    s = run([newMsg(msg(4)), newMsg(msg(6)), newMsg(msg(5)), newMsg(msg(8)), newMsg(msg(7)), newMsg(msg(6))], s);
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lastSeqOf(s, CONV)).toBe(8);
  });

  it("merges a refetched latest page with live messages and statuses", () => {
    const out = (seq: number, st: MessageStatus) => msg(seq, { direction: "outbound", status: st });
    let s = run([loaded([out(1, "sent"), out(2, "sent")]), status("m2", "read"), newMsg(out(3, "accepted"))]);
    s = inboxReducer(s, loaded([out(1, "delivered"), out(2, "delivered"), out(3, "sent"), out(4, "accepted")]));
    expect(selectMessages(s, CONV).map((m) => [m.seq, m.status])).toEqual([
      [1, "delivered"],
      [2, "read"],
      [3, "sent"],
      [4, "accepted"],
    ]);
  });
});

describe("conversations", () => {
  it("updates the summary and unread count for a live inbound message once", () => {
    const m = msg(10);
    let s = run([{ type: "list/loaded", conversations: [conv()], nextCursor: null, append: false }, newMsg(m)]);
    expect(s.conversations[CONV]!.unread_count).toBe(1);
    expect(s.conversations[CONV]!.last_message!.id).toBe("m10");
    expect(Date.parse(s.conversations[CONV]!.window_expires_at!)).toBe(Date.parse(m.timestamp) + 24 * 3600 * 1000);
    // The server's conversation:updated already counted it; the replayed message must not count twice.
    s = run(
      [
        { type: "conversation/upsert", conversation: conv({ unread_count: 1, last_message: m, updated_at: "2026-01-01T10:00:10Z" }) },
        newMsg(m),
      ],
      s,
    );
    expect(s.conversations[CONV]!.unread_count).toBe(1);
  });

  it("does not count a new conversation's first message twice when its announcement already did", () => {
    // Listed before its first message was stored (no last message, unread 0),
    // then conversation:new (counting the message), then that message:new.
    const m = msg(1);
    const s = run([
      { type: "list/loaded", conversations: [conv({ unread_count: 0, last_message: null, last_seq: 0 })], nextCursor: null, append: false },
      {
        type: "conversation/summary",
        summary: {
          id: CONV,
          channel_id: "ch1",
          contact_id: "k1",
          status: "open",
          assignee_id: null,
          unread_count: 1,
          last_seq: 1,
          last_message_at: m.timestamp,
          last_inbound_at: m.timestamp,
          window_expires_at: null,
        },
      },
      newMsg(m),
    ]);
    expect(s.conversations[CONV]!.unread_count).toBe(1);
    expect(s.conversations[CONV]!.last_message!.id).toBe("m1");
    // The next message counts.
    const after = run([newMsg(msg(2))], s);
    expect(after.conversations[CONV]!.unread_count).toBe(2);
  });

  it("keeps the open conversation's unread badge at zero", () => {
    const s = run([
      { type: "list/loaded", conversations: [conv({ unread_count: 4 })], nextCursor: null, append: false },
      { type: "conversation/opened", id: CONV },
      newMsg(msg(11)),
    ]);
    expect(s.conversations[CONV]!.unread_count).toBe(0);
  });

  it("folds live summaries (no contact) into the conversation it has", () => {
    let s = run([{ type: "list/loaded", conversations: [conv({ last_seq: 3, unread_count: 1 })], nextCursor: null, append: false }]);
    const summary = {
      id: CONV,
      channel_id: "ch1",
      contact_id: "ct1",
      status: "pending" as const,
      assignee_id: "u1",
      unread_count: 2,
      last_seq: 5,
      last_message_at: "2026-01-01T10:00:00Z",
      last_inbound_at: "2026-01-01T10:00:00Z",
      window_expires_at: "2026-01-02T10:00:00Z",
    };
    s = inboxReducer(s, { type: "conversation/summary", summary });
    const c = s.conversations[CONV]!;
    expect(c.contact.name).toBe("Asha");
    expect([c.status, c.assignee_id, c.unread_count, c.last_seq, c.window_expires_at]).toEqual([
      "pending",
      "u1",
      2,
      5,
      "2026-01-02T10:00:00Z",
    ]);
    // A summary older than what we hold is ignored; a REST snapshot older than it too.
    s = inboxReducer(s, { type: "conversation/summary", summary: { ...summary, last_seq: 4, status: "open" } });
    s = inboxReducer(s, { type: "conversation/upsert", conversation: conv({ last_seq: 4, status: "open", updated_at: "2027-01-01T00:00:00Z" }) });
    expect(s.conversations[CONV]!.status).toBe("pending");
    // Summaries for conversations we do not hold are left to a fetch.
    expect(inboxReducer(s, { type: "conversation/summary", summary: { ...summary, id: "zz" } })).toBe(s);
  });

  it("keeps a live message that overtook the fetch of its new conversation as the last message", () => {
    const m = msg(1);
    const s = run([newMsg(m), { type: "conversation/upsert", conversation: conv({ last_seq: 0, last_message: null }) }]);
    expect(s.conversations[CONV]!.last_message?.id).toBe("m1");
  });

  it("ignores a conversation snapshot older than the one it has", () => {
    const s = run([
      { type: "conversation/upsert", conversation: conv({ status: "resolved", updated_at: "2026-01-02T00:00:00Z" }) },
      { type: "conversation/upsert", conversation: conv({ status: "open", updated_at: "2026-01-01T00:00:00Z" }) },
    ]);
    expect(s.conversations[CONV]!.status).toBe("resolved");
  });

  it("filters by status, assignee and unread, newest first", () => {
    const a = conv({ id: "a", last_message_at: "2026-01-01T10:00:00Z", assignee_id: "me" });
    const b = conv({ id: "b", last_message_at: "2026-01-01T12:00:00Z", unread_count: 2 });
    const c = conv({ id: "c", status: "resolved" });
    const s = run([{ type: "list/loaded", conversations: [a, b, c], nextCursor: "x", append: false }]);
    const ids = (f: Parameters<typeof selectVisibleConversations>[1]) => selectVisibleConversations(s, f, "me").map((x) => x.id);
    expect(ids({ status: "open", assignee: "all", unreadOnly: false })).toEqual(["b", "a"]);
    expect(ids({ status: "open", assignee: "me", unreadOnly: false })).toEqual(["a"]);
    expect(ids({ status: "open", assignee: "unassigned", unreadOnly: true })).toEqual(["b"]);
    expect(ids({ status: "resolved", assignee: "all", unreadOnly: false })).toEqual(["c"]);
    expect(matchesFilter(a, { status: "open", assignee: "me", unreadOnly: false }, null)).toBe(false);
    // Agents never see a colleague's conversation, even under "all".
    const theirs = conv({ id: "d", assignee_id: "colleague" });
    expect(matchesFilter(theirs, { status: "open", assignee: "all", unreadOnly: false }, "me", false)).toBe(false);
    expect(matchesFilter(theirs, { status: "open", assignee: "all", unreadOnly: false }, "me", true)).toBe(true);
  });

  it("searches contact name, phone and username, and filters by a conversation's or contact's tag", () => {
    const asha = conv({ id: "a", tags: ["vip"] });
    const ravi = conv({
      id: "r",
      contact: { id: "ct2", phone: "+919812345678", name: "Ravi Kumar", user_id: null, username: "ravik", tags: ["wholesale"] },
    });
    const f = (over: Partial<Parameters<typeof matchesFilter>[1]>) => ({ status: "open" as const, assignee: "all" as const, unreadOnly: false, ...over });
    expect(matchesFilter(asha, f({ search: "ash" }), null)).toBe(true);
    expect(matchesFilter(ravi, f({ search: "ash" }), null)).toBe(false);
    expect(matchesFilter(ravi, f({ search: " 98123 " }), null)).toBe(true);
    expect(matchesFilter(ravi, f({ search: "@RAVIK" }), null)).toBe(true);
    expect(matchesFilter(asha, f({ tag: "VIP " }), null)).toBe(true);
    expect(matchesFilter(ravi, f({ tag: "vip" }), null)).toBe(false);
    expect(matchesFilter(ravi, f({ tag: "wholesale", search: "kumar" }), null)).toBe(true);
    expect(searchTerm("  @@ravi ")).toBe("ravi");
    expect(normalizeTag(" VIP ")).toBe("vip");
    expect(parseTags("VIP, follow up ,, vip")).toEqual(["vip", "follow up"]);
  });

  it("filters by the number a conversation came in on", () => {
    const onA = conv({ id: "a", channel_id: "ch-a" });
    const onB = conv({ id: "b", channel_id: "ch-b" });
    const f = (channel: string) => ({ status: "open" as const, assignee: "all" as const, unreadOnly: false, channel });
    expect(matchesFilter(onA, f("ch-a"), null)).toBe(true);
    expect(matchesFilter(onB, f("ch-a"), null)).toBe(false);
    expect(matchesFilter(onB, f(""), null)).toBe(true);
  });

  it("filters by team (combined with the assignee views), and takes a team move from a live summary", () => {
    const sales = conv({ id: "s", team_id: "t-sales", assignee_id: "me" });
    const loose = conv({ id: "n", team_id: null });
    const older = conv({ id: "o" }); // a server without teams: in none
    const f = (over: Partial<Parameters<typeof matchesFilter>[1]>) => ({ status: "open" as const, assignee: "all" as const, unreadOnly: false, ...over });
    expect(matchesFilter(sales, f({ team: "t-sales" }), "me")).toBe(true);
    expect(matchesFilter(sales, f({ team: "t-sales", assignee: "unassigned" }), "me")).toBe(false);
    expect(matchesFilter(sales, f({ team: "t-sales", assignee: "me" }), "me")).toBe(true);
    expect(matchesFilter(loose, f({ team: "t-sales" }), "me")).toBe(false);
    expect(matchesFilter(loose, f({ team: "none" }), "me")).toBe(true);
    expect(matchesFilter(older, f({ team: "none" }), "me")).toBe(true);
    expect(matchesFilter(sales, f({ team: "none" }), "me")).toBe(false);
    expect(matchesFilter(sales, f({ team: "" }), "me")).toBe(true);
    const s = run([
      { type: "list/loaded", conversations: [loose], nextCursor: null, append: false },
      {
        type: "conversation/summary",
        summary: { id: "n", channel_id: "ch1", contact_id: "ct1", status: "open", assignee_id: null, team_id: "t-sales", unread_count: 0, last_seq: 0, last_message_at: null, last_inbound_at: null, window_expires_at: null },
      },
    ]);
    expect(s.conversations.n!.team_id).toBe("t-sales");
    // A summary that does not say keeps the team.
    const kept = run([{ type: "conversation/summary", summary: { id: "n", channel_id: "ch1", contact_id: "ct1", status: "open", assignee_id: null, unread_count: 0, last_seq: 0, last_message_at: null, last_inbound_at: null, window_expires_at: null } }], s);
    expect(kept.conversations.n!.team_id).toBe("t-sales");
  });
});

describe("typing", () => {
  it("shows other agents typing until they stop or the indicator expires", () => {
    let s = run([
      { type: "typing", conversationId: CONV, userId: "u2", name: "Ravi", typing: true, now: 1000 },
      { type: "typing", conversationId: CONV, userId: "me", name: "Me", typing: true, now: 1000 },
    ]);
    expect(selectTyping(s, CONV, 2000, "me").map((e) => e.name)).toEqual(["Ravi"]);
    expect(selectTyping(s, CONV, 1000 + 6001, "me")).toEqual([]);
    s = inboxReducer(s, { type: "typing", conversationId: CONV, userId: "u2", name: "Ravi", typing: false, now: 3000 });
    expect(selectTyping(s, CONV, 3000, "me")).toEqual([]);
  });
});
