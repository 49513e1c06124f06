import { describe, expect, it } from "vitest";
import { formatSecondsShort, labelStep, niceMax, ticks } from "./chart";

describe("chart scales", () => {
  it("rounds the axis up", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(23)).toBe(25);
    expect(niceMax(420)).toBe(500);
    expect(niceMax(1000)).toBe(1000);
  });
  it("spaces ticks and labels", () => {
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(25)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(ticks(2)).toEqual([0, 1, 2]);
    expect(ticks(1)).toEqual([0, 1]);
    expect(labelStep(7, 10)).toBe(1);
    expect(labelStep(30, 10)).toBe(3);
  });
  it("formats response times", () => {
    expect(formatSecondsShort(null)).toBe("—");
    expect(formatSecondsShort(42.4)).toBe("42s");
    expect(formatSecondsShort(135)).toBe("2m 15s");
    expect(formatSecondsShort(7260)).toBe("2h 1m");
  });
});
