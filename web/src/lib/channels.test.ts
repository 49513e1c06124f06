import { describe, expect, it } from "vitest";
import { parseRate, qualityEventOf, qualityOf, tierOf } from "./channels";

describe("a number's standing", () => {
  it("names the quality rating with a tone, and says when Meta has not reported it", () => {
    expect(qualityOf("GREEN")).toEqual({ key: "channels.quality.GREEN", tone: "green" });
    expect(qualityOf("yellow").tone).toBe("amber");
    expect(qualityOf("RED").tone).toBe("red");
    expect(qualityOf("UNKNOWN")).toEqual({ key: "channels.quality.UNKNOWN", tone: "gray" });
    expect(qualityOf(null).key).toBe("channels.notReported");
    expect(qualityOf(undefined).key).toBe("channels.notReported");
  });

  it("names the messaging tier, keeping one it does not know", () => {
    expect(tierOf("TIER_1K")).toEqual({ key: "channels.tier.TIER_1K", raw: null });
    expect(tierOf("TIER_UNLIMITED").key).toBe("channels.tier.TIER_UNLIMITED");
    expect(tierOf(null)).toEqual({ key: "channels.notReported", raw: null });
    expect(tierOf("TIER_2K")).toEqual({ key: "channels.tier.other", raw: "TIER_2K" });
  });

  it("says Meta's latest quality event", () => {
    expect(qualityEventOf("FLAGGED")).toBe("channels.event.FLAGGED");
    expect(qualityEventOf("upgrade")).toBe("channels.event.UPGRADE");
    expect(qualityEventOf("SOMETHING_NEW")).toBeNull();
    expect(qualityEventOf(null)).toBeNull();
  });

  it("reads a send rate from 1 to 1000", () => {
    expect(parseRate("80")).toBe(80);
    expect(parseRate(" 1000 ")).toBe(1000);
    expect(parseRate("0")).toBeNull();
    expect(parseRate("1001")).toBeNull();
    expect(parseRate("8.5")).toBeNull();
    expect(parseRate("")).toBeNull();
  });
});
