// Pure date/time helpers for the inbox (locale passed in, "now" passed in).

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export function formatClock(iso: string | null | undefined, locale: string): string {
  const t = parseTime(iso);
  if (t === null) return "";
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(t);
}

/** Conversation-list time: clock today, weekday this week, else a short date. */
export function formatListTime(iso: string | null | undefined, now: number, locale: string): string {
  const t = parseTime(iso);
  if (t === null) return "";
  const days = Math.round((startOfDay(now) - startOfDay(t)) / DAY_MS);
  if (days <= 0) return formatClock(iso, locale);
  if (days < 7) return new Intl.DateTimeFormat(locale, { weekday: "short" }).format(t);
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "2-digit" }).format(t);
}

/** A moment soon: the clock if it is today, else the weekday and the clock ("Sat 10:43 am"). */
export function formatWhen(t: number, now: number, locale: string): string {
  if (startOfDay(t) === startOfDay(now)) return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(t);
  return new Intl.DateTimeFormat(locale, { weekday: "short", hour: "numeric", minute: "2-digit" }).format(t);
}

export type DayKind = "today" | "yesterday" | "date";

/** The day a message belongs to, for separators in the thread. */
export function dayOf(iso: string, now: number): { key: number; kind: DayKind } {
  const t = parseTime(iso) ?? now;
  const key = startOfDay(t);
  const diff = Math.round((startOfDay(now) - key) / DAY_MS);
  return { key, kind: diff === 0 ? "today" : diff === 1 ? "yesterday" : "date" };
}

export function formatDate(t: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(t);
}

/** "3h 12m" / "12m" / "<1m" — a compact duration for the window countdown. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return "<1m";
  const totalMin = Math.floor(ms / 60_000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

export interface WindowInfo {
  open: boolean;
  /** When the 24-hour customer service window ends (or ended); null if never opened. */
  expiresAt: number | null;
  msLeft: number;
}

/** The 24-hour customer service window: free-form replies only while it is open. */
export function windowInfo(windowExpiresAt: string | null | undefined, now: number): WindowInfo {
  const end = parseTime(windowExpiresAt);
  if (end === null) return { open: false, expiresAt: null, msLeft: 0 };
  return { open: end > now, expiresAt: end, msLeft: Math.max(0, end - now) };
}

/**
 * A calendar day the way the app writes dates everywhere: "29 Nov 2026"
 * (in Hindi "29 नव॰ 2026"). `timeZone` for days that are UTC dates (report
 * ranges). Empty for a missing or unreadable date.
 */
export function formatDay(iso: string | number | null | undefined, locale: string, timeZone?: string): string {
  const t = typeof iso === "number" ? iso : parseTime(iso);
  if (t === null) return "";
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", ...(timeZone ? { timeZone } : {}) }).format(t);
}

/** A moment with its day and clock: "29 Nov 2026, 2:05 pm". */
export function formatDayTime(iso: string | number | null | undefined, locale: string): string {
  const t = typeof iso === "number" ? iso : parseTime(iso);
  if (t === null) return "";
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit" }).format(t);
}

/** A range of days, "1 Nov 2026 – 29 Nov 2026", or one day when both ends fall on it. */
export function formatDayRange(from: string, to: string, locale: string, timeZone?: string): string {
  const a = formatDay(from, locale, timeZone);
  const b = formatDay(to, locale, timeZone);
  return a === b ? a : `${a} – ${b}`;
}
