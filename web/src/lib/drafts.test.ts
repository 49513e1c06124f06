import { describe, expect, it } from "vitest";
import { clearDraft, draftKey, loadDraft, saveDraft, type DraftStorage } from "./drafts";

function memory(): DraftStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe("drafts", () => {
  it("are kept per user and conversation", () => {
    const s = memory();
    saveDraft("u1", "c1", { text: "hello", note: false }, s);
    saveDraft("u1", "c2", { text: "internal", note: true }, s);
    expect(loadDraft("u1", "c1", s)).toEqual({ text: "hello", note: false });
    expect(loadDraft("u1", "c2", s)).toEqual({ text: "internal", note: true });
    expect(loadDraft("u2", "c1", s)).toBeNull();
    expect(s.map.has(draftKey("u1", "c1"))).toBe(true);
  });

  it("forget empty text and are cleared on send", () => {
    const s = memory();
    saveDraft("u1", "c1", { text: "x".repeat(5000), note: false }, s);
    expect(loadDraft("u1", "c1", s)?.text.length).toBe(5000);
    saveDraft("u1", "c1", { text: "   ", note: false }, s);
    expect(loadDraft("u1", "c1", s)).toBeNull();
    saveDraft("u1", "c1", { text: "again", note: false }, s);
    clearDraft("u1", "c1", s);
    expect(s.map.size).toBe(0);
  });

  it("need a user and survive broken storage", () => {
    const s = memory();
    saveDraft(null, "c1", { text: "a", note: false }, s);
    expect(s.map.size).toBe(0);
    s.map.set(draftKey("u1", "c1"), "plain old text");
    expect(loadDraft("u1", "c1", s)).toEqual({ text: "plain old text", note: false });
    const broken: DraftStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("full");
      },
      removeItem: () => {},
    };
    expect(loadDraft("u1", "c1", broken)).toBeNull();
    expect(() => saveDraft("u1", "c1", { text: "a", note: false }, broken)).not.toThrow();
  });
});
