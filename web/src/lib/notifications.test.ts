import { describe, expect, it } from "vitest";
import type { DraftStorage } from "./drafts";
import { DEFAULT_NOTIFY, loadNotifySettings, notifyBody, saveNotifySettings, shouldNotify, tabTitle } from "./notifications";

function memory(): DraftStorage {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

describe("notification settings", () => {
  it("are per user, on by default", () => {
    const s = memory();
    expect(loadNotifySettings("u1", s)).toEqual(DEFAULT_NOTIFY);
    saveNotifySettings("u1", { desktop: false, sound: true }, s);
    expect(loadNotifySettings("u1", s)).toEqual({ desktop: false, sound: true });
    expect(loadNotifySettings("u2", s)).toEqual(DEFAULT_NOTIFY);
  });
});

describe("shouldNotify", () => {
  const me = "me";
  const away = { meId: me, openId: "c1", visible: false };
  const looking = { meId: me, openId: "c1", visible: true };

  it("stays quiet about the conversation on screen", () => {
    expect(shouldNotify({ kind: "message", conversationId: "c1", assigneeId: me }, looking)).toBe(false);
    expect(shouldNotify({ kind: "message", conversationId: "c1", assigneeId: me }, away)).toBe(true);
    expect(shouldNotify({ kind: "message", conversationId: "c2", assigneeId: null }, looking)).toBe(true);
  });

  it("announces messages for mine and unassigned, not a colleague's", () => {
    expect(shouldNotify({ kind: "message", conversationId: "c2", assigneeId: undefined }, looking)).toBe(true);
    expect(shouldNotify({ kind: "message", conversationId: "c2", assigneeId: "colleague" }, looking)).toBe(false);
  });

  it("announces assignments to me only", () => {
    expect(shouldNotify({ kind: "assigned", conversationId: "c2", assigneeId: me }, looking)).toBe(true);
    expect(shouldNotify({ kind: "assigned", conversationId: "c2", assigneeId: "colleague" }, looking)).toBe(false);
    expect(shouldNotify({ kind: "assigned", conversationId: "c2", assigneeId: null }, looking)).toBe(false);
  });
});

describe("tab title and body", () => {
  it("puts the unread count first", () => {
    expect(tabTitle(0)).toBe("whatsflow");
    expect(tabTitle(3)).toBe("(3) whatsflow");
    expect(tabTitle(250)).toBe("(99+) whatsflow");
  });

  it("shortens long text on one line", () => {
    expect(notifyBody("hello\n  there")).toBe("hello there");
    expect(notifyBody("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
