import { describe, expect, it } from "vitest";
import { EMOJI, EMOJI_CATEGORIES, insertAt, QUICK_REACTIONS, searchEmoji } from "./emoji";

describe("emoji", () => {
  it("has every category filled, each emoji named", () => {
    for (const c of EMOJI_CATEGORIES) {
      expect(EMOJI[c].length, c).toBeGreaterThan(10);
      for (const e of EMOJI[c]) {
        expect(e.char.trim(), c).not.toBe("");
        expect(e.names.length, e.char).toBeGreaterThan(0);
        expect(e.char).not.toMatch(/[a-z]/);
      }
    }
  });

  it("searches by the start of name words, best first", () => {
    expect(searchEmoji("thumbs")[0]?.char).toBe("👍");
    expect(searchEmoji("thumbs down")[0]?.char).toBe("👎");
    expect(searchEmoji("heart").map((e) => e.char)).toContain("❤️");
    expect(searchEmoji("pizza").map((e) => e.char)).toEqual(["🍕"]);
    expect(searchEmoji("THANKS").map((e) => e.char)).toContain("🙏");
    expect(searchEmoji("")).toEqual([]);
    expect(searchEmoji("zzzqqq")).toEqual([]);
    // "eart" is inside words, not at their start.
    expect(searchEmoji("eart")).toEqual([]);
  });

  it("offers WhatsApp's six quick reactions", () => {
    expect(QUICK_REACTIONS).toHaveLength(6);
  });

  it("inserts at the caret, replacing a selection", () => {
    expect(insertAt("hello world", 5, 5, "👋")).toEqual({ text: "hello👋 world", caret: 7 });
    expect(insertAt("hello world", 6, 11, "🌍")).toEqual({ text: "hello 🌍", caret: 8 });
    expect(insertAt("hi", null, null, "!")).toEqual({ text: "hi!", caret: 3 });
  });
});
