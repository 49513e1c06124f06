import { describe, expect, it } from "vitest";
import { formatSecondsShort } from "./chart";

describe("chart figures", () => {
  it("formats response times", () => {
    expect(formatSecondsShort(null)).toBe("—");
    expect(formatSecondsShort(0)).toBe("0s");
    expect(formatSecondsShort(42.4)).toBe("42s");
    expect(formatSecondsShort(120)).toBe("2m");
    expect(formatSecondsShort(135)).toBe("2m 15s");
    expect(formatSecondsShort(7200)).toBe("2h");
    expect(formatSecondsShort(7260)).toBe("2h 1m");
  });
});
