import { describe, expect, it } from "vitest";
import { applySuggestion, chipLabel, latestInboundKey, parseSuggestions } from "./suggestions";

describe("smart replies", () => {
  it("keeps up to three usable suggestions, one per text", () => {
    expect(
      parseSuggestions({
        engine: "retrieval",
        suggestions: [
          { text: "Your refund is on its way", source: "canned", canned_id: "c1" },
          { text: " ", source: "history" },
          { text: "Your refund is on its way", source: "history" },
          { text: "We are checking", source: "history" },
          "junk",
          { text: "Thanks!", source: "ai" },
          { text: "Fourth", source: "ai" },
        ],
      }),
    ).toEqual([
      { text: "Your refund is on its way", source: "canned", canned_id: "c1" },
      { text: "We are checking", source: "history" },
      { text: "Thanks!", source: "ai" },
    ]);
    expect(parseSuggestions({ suggestions: null })).toEqual([]);
    expect(parseSuggestions(undefined)).toEqual([]);
  });
  it("fills the composer, after what was typed", () => {
    expect(applySuggestion("", "Hello")).toBe("Hello");
    expect(applySuggestion("  ", "Hello")).toBe("Hello");
    expect(applySuggestion("Hi Asha, ", "your refund is on its way")).toBe("Hi Asha, your refund is on its way");
  });
  it("shows a chip on one line, cut when long", () => {
    expect(chipLabel("Line one\nline two")).toBe("Line one line two");
    expect(chipLabel("x".repeat(80), 10)).toBe(`${"x".repeat(9)}…`);
  });
  it("follows the customer's newest message", () => {
    expect(latestInboundKey([])).toBe("");
    expect(
      latestInboundKey([
        { id: "m1", direction: "inbound", seq: 1 },
        { id: "m3", direction: "inbound", seq: 3 },
        { id: "m4", direction: "outbound", seq: 4 },
        { id: "m2", direction: "inbound", seq: 2 },
      ]),
    ).toBe("m3");
  });
});
