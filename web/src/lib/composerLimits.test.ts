import { describe, expect, it } from "vitest";
import { charCount, clip, composerLimitKind, fits, LIMITS, measure } from "./composerLimits";

describe("composer limits", () => {
  it("are Meta's", () => {
    expect(LIMITS.text).toBe(4096);
    expect(LIMITS.caption).toBe(1024);
    expect(LIMITS.interactiveBody).toBe(1024);
    expect(LIMITS.buttonTitle).toBe(20);
    expect(LIMITS.listButton).toBe(20);
    expect(LIMITS.rowTitle).toBe(24);
    expect(LIMITS.rowDescription).toBe(72);
  });

  it("counts code points, as WhatsApp does (an emoji is one)", () => {
    expect(charCount("")).toBe(0);
    expect(charCount("hello")).toBe(5);
    expect(charCount("👍")).toBe(1);
    expect("👍".length).toBe(2);
    expect(charCount("नमस्ते")).toBe(6);
  });

  it("measures a text against its kind's limit", () => {
    expect(measure("x".repeat(4096), "text")).toEqual({ count: 4096, limit: 4096, over: 0, near: true });
    expect(measure("x".repeat(5000), "text")).toEqual({ count: 5000, limit: 4096, over: 904, near: false });
    expect(measure("hi", "text").near).toBe(false);
    expect(measure("x".repeat(21), "buttonTitle").over).toBe(1);
    expect(measure("😀".repeat(24), "rowTitle").over).toBe(0);
  });

  it("checks what will be sent (trimmed)", () => {
    expect(fits(`${"x".repeat(1024)}   `, "caption")).toBe(true);
    expect(fits("x".repeat(1025), "caption")).toBe(false);
  });

  it("picks the limit for what the composer sends", () => {
    expect(composerLimitKind({ note: false, fileKind: null })).toBe("text");
    expect(composerLimitKind({ note: false, fileKind: "image" })).toBe("caption");
    expect(composerLimitKind({ note: false, fileKind: "document" })).toBe("caption");
    // No caption on audio or stickers: the words go as a text of their own.
    expect(composerLimitKind({ note: false, fileKind: "audio" })).toBe("text");
    expect(composerLimitKind({ note: true, fileKind: "image" })).toBe("note");
  });

  it("clips without splitting an emoji", () => {
    expect(clip("ab👍cd", 3)).toBe("ab👍");
    expect(clip("abc", 5)).toBe("abc");
  });
});
