import { describe, expect, it } from "vitest";
import {
  fromLocalInput,
  mergeScheduled,
  needsFallback,
  pendingOf,
  presetTime,
  scheduleBody,
  scheduledText,
  sendAtProblem,
  toLocalSecondsInput,
  windowClosesAt,
} from "./scheduled";
import type { ScheduledMessage } from "./types";

const HOUR = 3_600_000;

const sm = (id: string, status: ScheduledMessage["status"], send_at: string): ScheduledMessage => ({
  id,
  conversation_id: "c",
  send_at,
  status,
  type: "text",
  content: { body: `text ${id}` },
  fallback: null,
  window_closes_at: null,
  sent_as: null,
  message_id: null,
  error: null,
  created_by: null,
  created_by_name: null,
  created_at: send_at,
});

describe("the customer's window", () => {
  it("closes at the stated time, else 24 h after their last message", () => {
    expect(windowClosesAt("2026-12-01T10:00:00Z", "2026-11-01T00:00:00Z")).toBe(Date.parse("2026-12-01T10:00:00Z"));
    expect(windowClosesAt(null, "2026-11-30T08:00:00Z")).toBe(Date.parse("2026-12-01T08:00:00Z"));
    expect(windowClosesAt(null, null)).toBeNull();
  });
  it("needs a fallback template when the message would go after it closed", () => {
    const closes = Date.parse("2026-12-01T08:00:00Z");
    expect(needsFallback(closes - 1000, closes)).toBe(false);
    expect(needsFallback(closes, closes)).toBe(true);
    expect(needsFallback(closes + HOUR, closes)).toBe(true);
    // The customer never wrote: there is no window at all.
    expect(needsFallback(Date.now() + HOUR, null)).toBe(true);
  });
});

describe("send time", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  it("must be in the future and within 90 days", () => {
    expect(sendAtProblem(null, now)).toBe("invalid");
    expect(sendAtProblem(now - 1, now)).toBe("past");
    expect(sendAtProblem(now + 5000, now)).toBeNull();
    expect(sendAtProblem(now + 91 * 24 * HOUR, now)).toBe("tooFar");
  });
  it("offers quick picks in local time", () => {
    const base = new Date(2026, 10, 30, 14, 20, 0).getTime(); // Monday 14:20 local
    expect(presetTime("inHour", base)).toBe(base + HOUR);
    expect(presetTime("inThreeHours", base)).toBe(base + 3 * HOUR);
    expect(presetTime("tomorrowMorning", base)).toBe(new Date(2026, 11, 1, 9, 0, 0).getTime());
    // From a Monday, next Monday.
    expect(presetTime("mondayMorning", base)).toBe(new Date(2026, 11, 7, 9, 0, 0).getTime());
    // From a Saturday, two days on.
    expect(presetTime("mondayMorning", new Date(2026, 11, 5, 10, 0).getTime())).toBe(new Date(2026, 11, 7, 9, 0, 0).getTime());
  });
  it("reads and writes datetime-local values to the second", () => {
    const t = new Date(2026, 10, 30, 9, 5, 7).getTime();
    expect(toLocalSecondsInput(t)).toBe("2026-11-30T09:05:07");
    expect(fromLocalInput("2026-11-30T09:05:07")).toBe(t);
    expect(fromLocalInput("2026-11-30T09:05")).toBe(new Date(2026, 10, 30, 9, 5, 0).getTime());
    expect(fromLocalInput("")).toBeNull();
  });
});

describe("the request", () => {
  it("carries the text, the time and the fallback template", () => {
    const at = Date.parse("2026-12-01T10:00:00Z");
    expect(scheduleBody("Happy birthday!", at, null)).toEqual({ send_at: "2026-12-01T10:00:00.000Z", type: "text", text: { body: "Happy birthday!" } });
    expect(scheduleBody("Hi", at, { name: "greeting", language: "en", values: [" Asha "] })).toEqual({
      send_at: "2026-12-01T10:00:00.000Z",
      type: "text",
      text: { body: "Hi" },
      fallback: { type: "template", template: { name: "greeting", language: { code: "en" }, components: [{ type: "body", parameters: [{ type: "text", text: "Asha" }] }] } },
    });
  });
});

describe("the list", () => {
  it("keeps the ones still to go, soonest first", () => {
    const list = [sm("a", "scheduled", "2026-12-02T00:00:00Z"), sm("b", "sent", "2026-11-01T00:00:00Z"), sm("c", "sending", "2026-12-01T00:00:00Z"), sm("d", "cancelled", "2026-12-01T00:00:00Z")];
    expect(pendingOf(list).map((x) => x.id)).toEqual(["c", "a"]);
  });
  it("merges a frame's message in", () => {
    const list = [sm("a", "scheduled", "2026-12-02T00:00:00Z")];
    expect(mergeScheduled(list, sm("a", "sent", "2026-12-02T00:00:00Z"))[0]!.status).toBe("sent");
    expect(mergeScheduled(list, sm("b", "scheduled", "2026-12-03T00:00:00Z")).map((x) => x.id)).toEqual(["a", "b"]);
  });
  it("reads a text's words in either shape", () => {
    expect(scheduledText({ type: "text", content: { body: "Hi" } })).toBe("Hi");
    expect(scheduledText({ type: "text", content: { text: { body: "Hey" } } })).toBe("Hey");
    expect(scheduledText({ type: "template", content: { name: "x" } })).toBeNull();
  });
});
