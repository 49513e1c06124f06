// Scheduled messages of a conversation: when they may go, whether the
// customer's window will still be open then (else a template must go
// instead), quick picks for the time, and the list kept fresh from frames.

import { templateSendComponents } from "./content";
import type { ScheduledMessage } from "./types";

const HOUR_MS = 60 * 60 * 1000;
/** The server refuses a time further ahead than this. */
export const MAX_AHEAD_MS = 90 * 24 * HOUR_MS;

/**
 * When the customer's 24-hour window closes: the server's
 * `window_expires_at`, else their last message + 24 h; null when they never
 * wrote (no window at all).
 */
export function windowClosesAt(windowExpiresAt: string | null | undefined, lastInboundAt?: string | null): number | null {
  const stated = windowExpiresAt ? Date.parse(windowExpiresAt) : Number.NaN;
  if (!Number.isNaN(stated)) return stated;
  const last = lastInboundAt ? Date.parse(lastInboundAt) : Number.NaN;
  return Number.isNaN(last) ? null : last + 24 * HOUR_MS;
}

/** A free-form message set for `sendAt` needs a template to fall back on: the window will be closed by then. */
export function needsFallback(sendAt: number, closesAt: number | null): boolean {
  return closesAt === null || sendAt >= closesAt;
}

/** Why a time cannot be picked, or null. */
export function sendAtProblem(sendAt: number | null, now: number): "invalid" | "past" | "tooFar" | null {
  if (sendAt === null || Number.isNaN(sendAt)) return "invalid";
  if (sendAt <= now) return "past";
  if (sendAt - now > MAX_AHEAD_MS) return "tooFar";
  return null;
}

export type Preset = "inHour" | "inThreeHours" | "tomorrowMorning" | "mondayMorning";
export const PRESETS: readonly Preset[] = ["inHour", "inThreeHours", "tomorrowMorning", "mondayMorning"];

/** A quick pick's moment (the browser's local time): in 1 or 3 hours, tomorrow 9:00, next Monday 9:00. */
export function presetTime(preset: Preset, now: number): number {
  if (preset === "inHour") return now + HOUR_MS;
  if (preset === "inThreeHours") return now + 3 * HOUR_MS;
  const d = new Date(now);
  d.setHours(9, 0, 0, 0);
  if (preset === "tomorrowMorning") {
    d.setDate(d.getDate() + 1);
  } else {
    // getDay: Sunday 0 … Saturday 6; next Monday strictly after today.
    const ahead = ((8 - d.getDay()) % 7) || 7;
    d.setDate(d.getDate() + ahead);
  }
  return d.getTime();
}

/** A moment as a `datetime-local` value with seconds ("2026-11-30T14:05:30"), in the browser's zone. */
export function toLocalSecondsInput(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A `datetime-local` value (with or without seconds) as epoch ms; null when unreadable. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/** A fallback template as the server takes it. */
export interface FallbackChoice {
  name: string;
  language: string;
  values: readonly string[];
}

export function templatePayload(c: FallbackChoice): { type: "template"; template: Record<string, unknown> } {
  const components = templateSendComponents(c.values.map((v) => v.trim()));
  return {
    type: "template",
    template: { name: c.name, language: { code: c.language }, ...(components.length ? { components } : {}) },
  };
}

/** `POST …/scheduled-messages` (and PATCH): the text, when, and the template to send instead when the window has closed. */
export function scheduleBody(text: string, sendAt: number, fallback: FallbackChoice | null): Record<string, unknown> {
  return {
    send_at: new Date(sendAt).toISOString(),
    type: "text",
    text: { body: text },
    ...(fallback ? { fallback: templatePayload(fallback) } : {}),
  };
}

/** A scheduled message's text, when it is a text. */
export function scheduledText(s: Pick<ScheduledMessage, "type" | "content">): string | null {
  const c = s.content as { body?: unknown; text?: { body?: unknown } } | null;
  if (!c || typeof c !== "object") return null;
  if (typeof c.body === "string") return c.body;
  if (c.text && typeof c.text.body === "string") return c.text.body;
  return null;
}

/** A scheduled message's template name (a template message, or its fallback). */
export function templateNameOf(content: unknown): string | null {
  const c = content as { name?: unknown; template?: { name?: unknown } } | null;
  if (!c || typeof c !== "object") return null;
  if (typeof c.name === "string") return c.name;
  if (c.template && typeof c.template.name === "string") return c.template.name;
  return null;
}

export const isPending = (s: Pick<ScheduledMessage, "status">) => s.status === "scheduled" || s.status === "sending";

/** The ones still to go, soonest first. */
export function pendingOf(list: readonly ScheduledMessage[]): ScheduledMessage[] {
  return list.filter(isPending).sort((a, b) => Date.parse(a.send_at) - Date.parse(b.send_at));
}

/** A `scheduled:updated` frame's message merged into the list (replaced, or added). */
export function mergeScheduled(list: readonly ScheduledMessage[], s: ScheduledMessage): ScheduledMessage[] {
  const at = list.findIndex((x) => x.id === s.id);
  if (at < 0) return [...list, s];
  const next = list.slice();
  next[at] = s;
  return next;
}
