// Business hours and the away message (`/business-hours`): the account's
// schedule and teams' own, each a time zone, a weekly grid of open spans
// (a missing day is closed; "24:00" ends a day) and holidays.

import type { HoursView } from "./apiTypes";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
export type Span = [string, string];
export type Weekly = Partial<Record<Day, Span[]>>;

/** A saved schedule with whether it is open now (null: the server could not tell). */
export type Hours = HoursView & { open_now?: boolean | null };

/** Spans a day may have (the server's limit). */
export const MAX_SPANS = 6;
export const MAX_HOLIDAYS = 366;
export const MAX_AWAY_EVERY = 168;

/** Zones offered in the picker; any IANA zone may be typed. */
export const TIME_ZONES = [
  "Asia/Kolkata",
  "UTC",
  "Asia/Dubai",
  "Asia/Singapore",
  "Asia/Dhaka",
  "Asia/Kathmandu",
  "Asia/Colombo",
  "Asia/Karachi",
  "Asia/Riyadh",
  "Asia/Jakarta",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Africa/Nairobi",
  "Africa/Lagos",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Paris",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
] as const;

/** The browser's zone when it is a real one, else India's. */
export function defaultZone(): string {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && zone.includes("/") ? zone : "Asia/Kolkata";
  } catch {
    return "Asia/Kolkata";
  }
}

/** A schedule to start from: Monday to Friday 09:00–18:00, no holidays, no away message. */
export function defaultHours(teamId: string | null, timeZone = "Asia/Kolkata"): HoursView {
  const day = (): Span[] => [["09:00", "18:00"]];
  return {
    team_id: teamId,
    time_zone: timeZone,
    weekly: { mon: day(), tue: day(), wed: day(), thu: day(), fri: day() },
    holidays: [],
    away_enabled: false,
    away_message: null,
    away_every_hours: 24,
  };
}

/** "09:30" → 570; "24:00" → 1440; null when it is not HH:MM. */
export function minutesOf(time: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if ((h < 24 && min < 60) || (h === 24 && min === 0)) return h * 60 + min;
  return null;
}

export type SpanProblem = "format" | "order" | "overlap";

/** What is wrong with one span of a day (given the day's earlier spans), or null. */
export function spanProblem(span: Span, earlier: readonly Span[] = []): SpanProblem | null {
  const from = minutesOf(span[0]);
  const to = minutesOf(span[1]);
  if (from === null || to === null || from === 24 * 60) return "format";
  if (from >= to) return "order";
  for (const other of earlier) {
    const a = minutesOf(other[0]);
    const b = minutesOf(other[1]);
    if (a !== null && b !== null && from < b && a < to) return "overlap";
  }
  return null;
}

export interface WeeklyProblem {
  day: Day;
  index: number;
  problem: SpanProblem;
}

/** Every bad span of the week. */
export function weeklyProblems(weekly: Weekly): WeeklyProblem[] {
  const out: WeeklyProblem[] = [];
  for (const day of DAYS) {
    const spans = weekly[day] ?? [];
    spans.forEach((s, index) => {
      const problem = spanProblem(s, spans.slice(0, index));
      if (problem) out.push({ day, index, problem });
    });
  }
  return out;
}

/** Whether a day is open at all. */
export function isOpenDay(weekly: Weekly, day: Day): boolean {
  return (weekly[day]?.length ?? 0) > 0;
}

/** Opens a day (09:00–18:00, or like the nearest open day before it) or closes it. */
export function setDayOpen(weekly: Weekly, day: Day, open: boolean): Weekly {
  const next: Weekly = { ...weekly };
  if (!open) {
    delete next[day];
    return next;
  }
  if (isOpenDay(weekly, day)) return next;
  const i = DAYS.indexOf(day);
  const before = [...DAYS.slice(0, i)].reverse().find((d) => isOpenDay(weekly, d));
  next[day] = before ? weekly[before]!.map((s) => [s[0], s[1]] as Span) : [["09:00", "18:00"]];
  return next;
}

/** Sets one day's spans (none: closed). */
export function setDaySpans(weekly: Weekly, day: Day, spans: Span[]): Weekly {
  const next: Weekly = { ...weekly };
  if (spans.length === 0) delete next[day];
  else next[day] = spans;
  return next;
}

/** Copies one day's spans to every other day that is open (or to all weekdays with `weekdays`). */
export function copyDay(weekly: Weekly, from: Day, to: readonly Day[]): Weekly {
  const spans = weekly[from] ?? [];
  const next: Weekly = { ...weekly };
  for (const d of to) {
    if (d === from) continue;
    if (spans.length === 0) delete next[d];
    else next[d] = spans.map((s) => [s[0], s[1]] as Span);
  }
  return next;
}

/** The days with no spans dropped (a missing day is closed), spans trimmed. */
export function cleanWeekly(weekly: Weekly): Weekly {
  const out: Weekly = {};
  for (const day of DAYS) {
    const spans = (weekly[day] ?? []).map((s) => [s[0].trim(), s[1].trim()] as Span);
    if (spans.length) out[day] = spans;
  }
  return out;
}

/** Whether `date` is a real YYYY-MM-DD day. */
export function isIsoDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

export type Holiday = { date: string; name?: string };

/** Holidays in date order, one per date (the last name given wins), names trimmed (empty: none). */
export function cleanHolidays(list: readonly Holiday[]): Holiday[] {
  const byDate = new Map<string, Holiday>();
  for (const h of list) {
    const name = h.name?.trim();
    byDate.set(h.date, name ? { date: h.date, name } : { date: h.date });
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}

export type HoursProblem =
  | { kind: "zone" }
  | { kind: "span"; day: Day; index: number; problem: SpanProblem }
  | { kind: "holiday"; index: number }
  | { kind: "tooManyHolidays" }
  | { kind: "awayMessage" }
  | { kind: "awayEvery" };

/** What needs fixing before saving; empty when the schedule looks right (the server checks the zone). */
export function hoursProblems(h: HoursView, awayEvery: string): HoursProblem[] {
  const out: HoursProblem[] = [];
  if (!h.time_zone.trim()) out.push({ kind: "zone" });
  for (const p of weeklyProblems(h.weekly)) out.push({ kind: "span", ...p });
  h.holidays.forEach((x, index) => {
    if (!isIsoDate(x.date)) out.push({ kind: "holiday", index });
  });
  if (h.holidays.length > MAX_HOLIDAYS) out.push({ kind: "tooManyHolidays" });
  if (h.away_enabled && !(h.away_message ?? "").trim()) out.push({ kind: "awayMessage" });
  const every = Number(awayEvery.trim());
  if (!/^\d+$/.test(awayEvery.trim()) || every < 1 || every > MAX_AWAY_EVERY) out.push({ kind: "awayEvery" });
  return out;
}

/** The body of `PUT /business-hours`: only the schedule's fields (not open_now), cleaned. */
export function hoursBody(h: HoursView, awayEvery: string): HoursView {
  const message = (h.away_message ?? "").trim();
  return {
    team_id: h.team_id,
    time_zone: h.time_zone.trim(),
    weekly: cleanWeekly(h.weekly),
    holidays: cleanHolidays(h.holidays),
    away_enabled: h.away_enabled,
    away_message: message ? message : null,
    away_every_hours: Number(awayEvery.trim()),
  };
}

/** The saved schedule of a scope (the account's: null), if any. */
export function scheduleFor(list: readonly Hours[], teamId: string | null): Hours | null {
  return list.find((h) => (h.team_id ?? null) === teamId) ?? null;
}

/** A copy of a schedule for editing (spans and holidays copied, not shared). */
export function editable(h: HoursView): HoursView {
  const weekly: Weekly = {};
  for (const day of DAYS) {
    const spans = h.weekly?.[day];
    if (spans?.length) weekly[day] = spans.map((s) => [s[0], s[1]] as Span);
  }
  return {
    team_id: h.team_id ?? null,
    time_zone: h.time_zone,
    weekly,
    holidays: (h.holidays ?? []).map((x) => ({ ...x })),
    away_enabled: !!h.away_enabled,
    away_message: h.away_message ?? null,
    away_every_hours: h.away_every_hours || 24,
  };
}
