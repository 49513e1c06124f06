import { describe, expect, it } from "vitest";
import { dayOf, formatDay, formatDayRange, formatDayTime, formatDuration, formatListTime, formatWhen, windowInfo } from "./format";

const now = new Date(2026, 2, 10, 15, 30).getTime();

describe("windowInfo", () => {
  it("is closed when there is no window", () => {
    expect(windowInfo(null, now)).toEqual({ open: false, expiresAt: null, msLeft: 0 });
  });
  it("is open until the expiry and closed after", () => {
    const end = new Date(now + 90 * 60_000).toISOString();
    expect(windowInfo(end, now)).toMatchObject({ open: true, msLeft: 90 * 60_000 });
    expect(windowInfo(end, now + 91 * 60_000)).toMatchObject({ open: false, msLeft: 0 });
  });
});

describe("formatDuration", () => {
  it("is compact", () => {
    expect(formatDuration(30_000)).toBe("<1m");
    expect(formatDuration(12 * 60_000)).toBe("12m");
    expect(formatDuration((3 * 60 + 12) * 60_000 + 5_000)).toBe("3h 12m");
  });
});

describe("dayOf", () => {
  it("labels today and yesterday", () => {
    expect(dayOf(new Date(2026, 2, 10, 1).toISOString(), now).kind).toBe("today");
    expect(dayOf(new Date(2026, 2, 9, 23).toISOString(), now).kind).toBe("yesterday");
    expect(dayOf(new Date(2026, 1, 9).toISOString(), now).kind).toBe("date");
  });
});

describe("formatListTime", () => {
  it("shows a clock for today and a date for old messages", () => {
    expect(formatListTime(new Date(2026, 2, 10, 9, 5).toISOString(), now, "en-GB")).toMatch(/^0?9:05$/);
    expect(formatListTime(new Date(2025, 10, 2).toISOString(), now, "en-GB")).toBe("2 Nov 25");
    expect(formatListTime(null, now, "en-GB")).toBe("");
  });
});

describe("formatWhen", () => {
  it("shows the clock today and the weekday with the clock on another day", () => {
    expect(formatWhen(now + 60 * 60_000, now, "en-US")).toBe("4:30 PM");
    expect(formatWhen(now + 24 * 60 * 60_000, now, "en-US")).toBe("Wed 3:30 PM");
  });
});

describe("formatDay", () => {
  it("writes days as 29 Nov 2026 in every language's own words", () => {
    expect(formatDay("2026-11-29T10:00:00Z", "en-IN", "UTC")).toBe("29 Nov 2026");
    expect(formatDay("2026-11-29T10:00:00Z", "hi-IN", "UTC")).toBe("29 नव॰ 2026");
    expect(formatDay(null, "en-IN")).toBe("");
    expect(formatDay("not a date", "en-IN")).toBe("");
  });
  it("writes a range, or one day", () => {
    expect(formatDayRange("2026-10-31T00:00:00Z", "2026-11-29T23:59:59Z", "en-IN", "UTC")).toBe("31 Oct 2026 – 29 Nov 2026");
    expect(formatDayRange("2026-11-29T00:00:00Z", "2026-11-29T23:59:59Z", "en-IN", "UTC")).toBe("29 Nov 2026");
  });
  it("adds the clock for a moment", () => {
    expect(formatDayTime(Date.UTC(2026, 10, 29, 14, 5), "en-IN")).toMatch(/^29 Nov 2026, \d{1,2}:05/);
  });
});
