import { describe, expect, it } from "vitest";
import {
  cleanHolidays,
  cleanWeekly,
  copyDay,
  defaultHours,
  editable,
  hoursBody,
  hoursProblems,
  isIsoDate,
  minutesOf,
  scheduleFor,
  setDayOpen,
  setDaySpans,
  spanProblem,
  weeklyProblems,
  type Hours,
} from "./businessHours";

describe("times and spans", () => {
  it("reads HH:MM, with 24:00 as the end of a day", () => {
    expect(minutesOf("09:30")).toBe(570);
    expect(minutesOf("9:05")).toBe(545);
    expect(minutesOf("24:00")).toBe(1440);
    expect(minutesOf("24:30")).toBeNull();
    expect(minutesOf("12:60")).toBeNull();
    expect(minutesOf("noon")).toBeNull();
  });
  it("names what is wrong with a span", () => {
    expect(spanProblem(["09:00", "18:00"])).toBeNull();
    expect(spanProblem(["00:00", "24:00"])).toBeNull();
    expect(spanProblem(["24:00", "24:00"])).toBe("format");
    expect(spanProblem(["9am", "18:00"])).toBe("format");
    expect(spanProblem(["18:00", "09:00"])).toBe("order");
    expect(spanProblem(["10:00", "10:00"])).toBe("order");
    expect(spanProblem(["12:00", "15:00"], [["09:00", "13:00"]])).toBe("overlap");
    expect(spanProblem(["13:00", "15:00"], [["09:00", "13:00"]])).toBeNull();
  });
  it("lists the bad spans of the week", () => {
    expect(weeklyProblems({ mon: [["09:00", "13:00"], ["14:00", "12:00"]], tue: [["x", "y"]] })).toEqual([
      { day: "mon", index: 1, problem: "order" },
      { day: "tue", index: 0, problem: "format" },
    ]);
  });
});

describe("editing the week", () => {
  it("opens a day like the nearest open day before it, and closes it", () => {
    const w = setDayOpen({ mon: [["10:00", "14:00"]] }, "wed", true);
    expect(w.wed).toEqual([["10:00", "14:00"]]);
    expect(setDayOpen({}, "mon", true).mon).toEqual([["09:00", "18:00"]]);
    expect("mon" in setDayOpen({ mon: [["09:00", "18:00"]] }, "mon", false)).toBe(false);
  });
  it("sets and copies spans without sharing them", () => {
    const w = copyDay({ mon: [["08:00", "12:00"]], tue: [["09:00", "10:00"]] }, "mon", ["mon", "tue", "fri"]);
    expect(w.tue).toEqual([["08:00", "12:00"]]);
    expect(w.fri).toEqual([["08:00", "12:00"]]);
    expect(w.tue).not.toBe(w.mon);
    expect("mon" in setDaySpans({ mon: [["08:00", "12:00"]] }, "mon", [])).toBe(false);
  });
  it("drops empty days and trims times", () => {
    expect(cleanWeekly({ mon: [[" 09:00", "18:00 "]], tue: [] })).toEqual({ mon: [["09:00", "18:00"]] });
  });
});

describe("holidays", () => {
  it("checks real dates", () => {
    expect(isIsoDate("2026-12-25")).toBe(true);
    expect(isIsoDate("2026-02-30")).toBe(false);
    expect(isIsoDate("25-12-2026")).toBe(false);
    expect(isIsoDate("")).toBe(false);
  });
  it("keeps one per date, in order, names trimmed", () => {
    expect(cleanHolidays([{ date: "2026-12-25", name: " Christmas " }, { date: "2026-10-20", name: "" }, { date: "2026-12-25", name: "Xmas" }])).toEqual([
      { date: "2026-10-20" },
      { date: "2026-12-25", name: "Xmas" },
    ]);
  });
});

describe("saving", () => {
  it("starts from weekdays 09:00–18:00", () => {
    const h = defaultHours(null, "Asia/Dubai");
    expect(Object.keys(h.weekly)).toEqual(["mon", "tue", "wed", "thu", "fri"]);
    expect(h.time_zone).toBe("Asia/Dubai");
    expect(h.away_every_hours).toBe(24);
  });
  it("needs a message to switch the away message on, and 1–168 hours", () => {
    const h = { ...defaultHours(null), away_enabled: true, away_message: " " };
    expect(hoursProblems(h, "24").map((p) => p.kind)).toEqual(["awayMessage"]);
    expect(hoursProblems({ ...h, away_message: "We are closed" }, "0").map((p) => p.kind)).toEqual(["awayEvery"]);
    expect(hoursProblems({ ...h, away_message: "We are closed" }, "169").map((p) => p.kind)).toEqual(["awayEvery"]);
    expect(hoursProblems({ ...h, away_message: "We are closed", time_zone: " " }, "24").map((p) => p.kind)).toEqual(["zone"]);
    expect(hoursProblems({ ...h, away_message: "x", holidays: [{ date: "2026-13-01" }] }, "24")).toEqual([{ kind: "holiday", index: 0 }]);
  });
  it("sends only the schedule's fields, cleaned (closed all week is an empty week)", () => {
    const saved: Hours = { ...defaultHours(null), weekly: {}, away_enabled: true, away_message: " We are closed ", open_now: false };
    const body = hoursBody(saved, " 12 ");
    expect(body).toEqual({ team_id: null, time_zone: "Asia/Kolkata", weekly: {}, holidays: [], away_enabled: true, away_message: "We are closed", away_every_hours: 12 });
    expect("open_now" in body).toBe(false);
    expect(hoursBody({ ...saved, away_message: "  " }, "24").away_message).toBeNull();
  });
  it("finds a scope's schedule and copies it for editing", () => {
    const list: Hours[] = [defaultHours(null), { ...defaultHours("t1"), time_zone: "UTC" }];
    expect(scheduleFor(list, "t1")?.time_zone).toBe("UTC");
    expect(scheduleFor(list, null)?.team_id).toBeNull();
    expect(scheduleFor(list, "t2")).toBeNull();
    const copy = editable(list[0]!);
    expect(copy.weekly.mon).toEqual(list[0]!.weekly.mon);
    expect(copy.weekly.mon).not.toBe(list[0]!.weekly.mon);
  });
});
