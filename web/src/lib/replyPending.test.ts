import { describe, expect, it } from "vitest";
import { initialInboxState, inboxReducer, selectMessages } from "./inboxStore";

describe("a reply being sent", () => {
  it("shows its quote from the moment it is typed", () => {
    const state = inboxReducer(initialInboxState, {
      type: "send/pending",
      pending: { clientId: "c1", conversationId: "conv", body: "Yes we do", createdAt: "2026-11-30T10:00:00Z", context: { message_id: "wamid.Q" } },
    });
    const [shown] = selectMessages(state, "conv");
    expect(shown?.context).toEqual({ message_id: "wamid.Q" });
    expect(shown?.content).toEqual({ body: "Yes we do" });
  });

  it("a plain send quotes nothing", () => {
    const state = inboxReducer(initialInboxState, {
      type: "send/pending",
      pending: { clientId: "c2", conversationId: "conv", body: "Hi", createdAt: "2026-11-30T10:00:00Z" },
    });
    expect(selectMessages(state, "conv")[0]?.context).toBeNull();
  });
});
