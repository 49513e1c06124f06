import { describe, expect, it } from "vitest";
import {
  attachReactions,
  interactivePrompt,
  interactiveReply,
  orderSummary,
  previewOf,
  safeUrl,
  sharedContacts,
  templateBody,
  templateSendComponents,
  variableCount,
} from "./content";
import type { Message } from "./types";

function m(seq: number, type: string, content: unknown, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversation_id: "c",
    seq,
    wamid: `w${seq}`,
    direction: "inbound",
    type,
    status: "received",
    content,
    context: null,
    errors: null,
    sent_by: null,
    timestamp: "2026-01-01T00:00:00Z",
    created_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

describe("previewOf", () => {
  it("summarises each type", () => {
    expect(previewOf(m(1, "text", { body: "hi" }))).toEqual({ icon: "", label: null, text: "hi" });
    expect(previewOf(m(1, "image", { id: "x", caption: "cat" }))).toMatchObject({ label: "msg.image", text: "cat" });
    expect(previewOf(m(1, "interactive", { type: "button_reply", button_reply: { id: "y", title: "Yes" } })).text).toBe("Yes");
    expect(previewOf(m(1, "unknown", null)).label).toBe("msg.unsupported");
    expect(previewOf(m(1, "text", "garbage")).text).toBe("");
    // The contact was erased (GDPR): the content is a marker, whatever the type was.
    expect(previewOf(m(1, "text", { erased: true }))).toEqual({ icon: "", label: "msg.erased", text: "" });
    expect(previewOf(m(1, "image", { erased: true })).label).toBe("msg.erased");
  });
});

describe("interactive", () => {
  it("reads button, list and flow replies", () => {
    expect(interactiveReply({ type: "list_reply", list_reply: { id: "r1", title: "Row", description: "d" } })).toEqual({
      kind: "list_reply",
      id: "r1",
      title: "Row",
      description: "d",
    });
    expect(interactiveReply({ type: "nfm_reply", nfm_reply: { name: "flow", body: "Sent", response_json: "{}" } })!.title).toBe("Sent");
    expect(interactiveReply({ type: "button", body: { text: "x" } })).toBeNull();
  });
  it("reads an outbound prompt's options", () => {
    const p = interactivePrompt({
      type: "button",
      body: { text: "Pick" },
      action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }, { type: "reply", reply: { id: "b", title: "B" } }] },
    });
    expect(p).toMatchObject({ body: "Pick", options: ["A", "B"] });
  });
});

describe("contacts and orders", () => {
  it("reads shared contacts as an array or wrapped", () => {
    const one = { name: { formatted_name: "Ravi K" }, phones: [{ phone: "+91 98" }] };
    expect(sharedContacts([one])).toEqual([{ name: "Ravi K", phones: ["+91 98"] }]);
    expect(sharedContacts({ contacts: [one] })).toHaveLength(1);
  });
  it("totals an order", () => {
    const o = orderSummary({ product_items: [{ quantity: 2, item_price: 50, currency: "INR" }, { quantity: 1, item_price: 25, currency: "INR" }] });
    expect(o).toEqual({ items: 3, total: 125, currency: "INR", text: "" });
  });
});

describe("templates", () => {
  const tpl = { components: [{ type: "HEADER", text: "Hi" }, { type: "BODY", text: "Hello {{1}}, your order {{2}} shipped." }] };
  it("counts and fills variables", () => {
    expect(variableCount(tpl.components[1])).toBe(2);
    const comps = templateSendComponents(["Asha", "#42"]);
    expect(templateBody(tpl, comps)).toBe("Hello Asha, your order #42 shipped.");
    expect(templateBody(tpl, [])).toBe("Hello {{1}}, your order {{2}} shipped.");
    expect(templateSendComponents([])).toEqual([]);
  });
});

describe("attachReactions", () => {
  it("attaches the latest reaction per side to its target and drops removed ones", () => {
    const msgs = [
      m(1, "text", { body: "hi" }, { direction: "outbound" }),
      m(2, "reaction", { message_id: "w1", emoji: "👍" }),
      m(3, "reaction", { message_id: "w1", emoji: "❤️" }),
      m(4, "reaction", { message_id: "w-missing", emoji: "😂" }),
      m(5, "text", { body: "x" }),
      m(6, "reaction", { message_id: "w5", emoji: "🙏" }, { direction: "outbound" }),
      m(7, "reaction", { message_id: "w5", emoji: "" }, { direction: "outbound" }),
    ];
    const { byTarget, attached } = attachReactions(msgs);
    expect(byTarget.get("w1")).toEqual([{ emoji: "❤️", direction: "inbound" }]);
    expect(byTarget.has("w5")).toBe(false);
    expect([...attached].sort()).toEqual(["m2", "m3", "m6", "m7"]);
  });
});

describe("safeUrl", () => {
  it("keeps http(s) links and drops script or data links", () => {
    expect(safeUrl("https://cdn.example/a.jpg")).toBe("https://cdn.example/a.jpg");
    expect(safeUrl("javascript:alert(1)")).toBe("");
    expect(safeUrl("data:text/html,<b>x</b>")).toBe("");
    expect(safeUrl("not a url")).toBe("");
    expect(safeUrl(42)).toBe("");
  });
});
