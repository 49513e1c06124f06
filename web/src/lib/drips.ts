// Drip sequences as the editor holds them and as the API takes them: delays in
// a unit people think in, send windows, conditions, exit and re-entry rules,
// and the server's per-field refusals placed on the step they are about.
// Pure functions only (the pages render, these decide).

import { ApiError } from "./api";
import { humanizeServerText } from "./errors";
import { fitSources, placeholderCounts, sourceComplete, sourceFromApi, variablesOf, type ParamComponent, type SourceDraft } from "./campaigns";
import type {
  DelayFrom,
  DripStatus,
  DripStep,
  DripStepInput,
  DripView,
  EnrollmentState,
  Reentry,
  SendWindow,
  StepCondition,
  TemplateFull,
} from "./types";

// ---- delays ----

export const DELAY_UNITS = ["minutes", "hours", "days"] as const;
export type DelayUnit = (typeof DELAY_UNITS)[number];
const UNIT_SECONDS: Record<DelayUnit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** A delay as typed ("2", "days") in seconds; null when it is not a whole number of at least 0. */
export function delayToSeconds(value: string | number, unit: DelayUnit): number | null {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  return Number(text) * UNIT_SECONDS[unit];
}

/** Stored seconds in the largest unit they divide into (90 000 s → 25 hours; 0 → 0 minutes). */
export function delayFromSeconds(seconds: number): { value: number; unit: DelayUnit } {
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return { value: 0, unit: "minutes" };
  for (const unit of ["days", "hours", "minutes"] as const) {
    if (s % UNIT_SECONDS[unit] === 0) return { value: s / UNIT_SECONDS[unit], unit };
  }
  // Not whole minutes (set through the API): rounded up to the next minute.
  return { value: Math.ceil(s / 60), unit: "minutes" };
}

// ---- send windows ----

/** ISO weekdays, Monday = 1 … Sunday = 7. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** A weekday's short name in a language (2026-11-30 is a Monday). */
export function weekdayName(day: number, locale: string, style: "short" | "long" = "short"): string {
  return new Intl.DateTimeFormat(locale, { weekday: style, timeZone: "UTC" }).format(Date.UTC(2026, 10, 29 + day));
}

const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Why a window cannot be saved, or null. */
export function windowProblem(w: SendWindow): "windowDays" | "windowTimes" | "windowSame" | null {
  if (w.days.length === 0) return "windowDays";
  if (!TIME_RE.test(w.start) || !TIME_RE.test(w.end)) return "windowTimes";
  // Within one day: the end after the start (the server's rule).
  if (w.end <= w.start) return "windowSame";
  return null;
}

/**
 * The days as people read them: runs of 3+ days as a range ("Mon–Fri"), the
 * rest listed ("Mon, Wed, Sat"); every day is `everyDay`.
 */
export function formatDays(days: readonly number[], locale: string, everyDay: string): string {
  const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (sorted.length === 7) return everyDay;
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) {
      parts.push(`${weekdayName(sorted[i]!, locale)}–${weekdayName(sorted[j]!, locale)}`);
    } else {
      for (let k = i; k <= j; k++) parts.push(weekdayName(sorted[k]!, locale));
    }
    i = j + 1;
  }
  return parts.join(", ");
}

/** "Mon–Fri 09:00–18:00". */
export function formatSendWindow(w: SendWindow, locale: string, everyDay: string): string {
  return `${formatDays(w.days, locale, everyDay)} ${w.start}–${w.end}`;
}

// ---- step drafts ----

type Sources = Record<ParamComponent, SourceDraft[]>;

/** What the editor holds for one step. */
export interface StepDraft {
  /** A key for React (the stored id, or a new one). */
  key: string;
  name: string;
  delayValue: string;
  delayUnit: DelayUnit;
  delayFrom: DelayFrom;
  windowOn: boolean;
  window: SendWindow;
  /** The approved template's id ("" for none). */
  templateId: string;
  sources: Sources;
  sessionOn: boolean;
  sessionText: string;
  conditionKind: "none" | "tag" | "field";
  conditionTag: string;
  conditionField: string;
  conditionEquals: string;
}

export const DEFAULT_WINDOW: SendWindow = { days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" };

let keySeq = 0;
const newKey = () => `new-${++keySeq}`;

/** A fresh step: the first goes at once after enrolment, later ones a day after the one before. */
export function newStep(index: number): StepDraft {
  return {
    key: newKey(),
    name: "",
    delayValue: index === 0 ? "0" : "1",
    delayUnit: index === 0 ? "minutes" : "days",
    delayFrom: "previous",
    windowOn: false,
    window: { ...DEFAULT_WINDOW, days: [...DEFAULT_WINDOW.days] },
    templateId: "",
    sources: { header: [], body: [] },
    sessionOn: false,
    sessionText: "",
    conditionKind: "none",
    conditionTag: "",
    conditionField: "",
    conditionEquals: "",
  };
}

/** A session message's words (`{"type": "text", "text": {"body": …}}`). */
function sessionBody(m: Record<string, unknown> | null | undefined): string {
  const text = m?.text as { body?: unknown } | undefined;
  return typeof text?.body === "string" ? text.body : "";
}

/** A stored step back into the editor (its template found among the approved ones by name and language). */
export function stepFromApi(s: DripStep, templates: readonly TemplateFull[]): StepDraft {
  const delay = delayFromSeconds(s.delay_seconds);
  const tpl = s.template ? templates.find((x) => x.name === s.template!.name && x.language === s.template!.language) : undefined;
  const counts = placeholderCounts(tpl?.components);
  const stored = (k: ParamComponent) => (s.variables?.[k] ?? []).map(sourceFromApi);
  const c = s.condition;
  return {
    key: s.id || newKey(),
    name: s.name,
    delayValue: String(delay.value),
    delayUnit: delay.unit,
    delayFrom: s.delay_from === "enrolment" ? "enrolment" : "previous",
    windowOn: s.send_window !== null && s.send_window !== undefined,
    window: s.send_window ? { days: [...s.send_window.days], start: s.send_window.start, end: s.send_window.end } : { ...DEFAULT_WINDOW, days: [...DEFAULT_WINDOW.days] },
    templateId: tpl?.id ?? "",
    sources: tpl ? { header: fitSources(stored("header"), counts.header), body: fitSources(stored("body"), counts.body) } : { header: [], body: [] },
    sessionOn: !!s.session_message,
    sessionText: sessionBody(s.session_message),
    conditionKind: c && "tag" in c ? "tag" : c && "field" in c ? "field" : "none",
    conditionTag: c && "tag" in c ? c.tag : "",
    conditionField: c && "field" in c ? c.field : "",
    conditionEquals: c && "field" in c ? c.equals : "",
  };
}

/** A step's problem the editor can tell before asking the server (an i18n key under `sequences.problem.`), or null. */
export type StepProblem = "name" | "delay" | "message" | "sources" | "session" | "condition" | "windowDays" | "windowTimes" | "windowSame";

export function stepProblem(s: StepDraft, templates: readonly TemplateFull[]): StepProblem | null {
  if (!s.name.trim()) return "name";
  if (delayToSeconds(s.delayValue, s.delayUnit) === null) return "delay";
  const tpl = templates.find((x) => x.id === s.templateId);
  if (!tpl && !s.sessionOn) return "message";
  if (tpl && (["header", "body"] as const).some((k) => s.sources[k].some((x) => !sourceComplete(x)))) return "sources";
  if (s.sessionOn && !s.sessionText.trim()) return "session";
  if (s.conditionKind === "tag" && !s.conditionTag.trim()) return "condition";
  if (s.conditionKind === "field" && !s.conditionField.trim()) return "condition";
  if (s.windowOn) return windowProblem(s.window);
  return null;
}

export function conditionToApi(s: Pick<StepDraft, "conditionKind" | "conditionTag" | "conditionField" | "conditionEquals">): StepCondition | null {
  if (s.conditionKind === "tag") return { tag: s.conditionTag.trim().toLowerCase() };
  if (s.conditionKind === "field") return { field: s.conditionField.trim(), equals: s.conditionEquals };
  return null;
}

/** A step for the API (call after stepProblem said null). */
export function stepToApi(s: StepDraft, templates: readonly TemplateFull[]): DripStepInput {
  const tpl = templates.find((x) => x.id === s.templateId);
  return {
    name: s.name.trim(),
    delay_seconds: delayToSeconds(s.delayValue, s.delayUnit) ?? 0,
    delay_from: s.delayFrom,
    send_window: s.windowOn ? { days: [...s.window.days].sort((a, b) => a - b), start: s.window.start, end: s.window.end } : null,
    template: tpl ? { name: tpl.name, language: tpl.language } : null,
    variables: tpl ? variablesOf(s.sources) : {},
    session_message: s.sessionOn && s.sessionText.trim() ? { type: "text", text: { body: s.sessionText.trim() } } : null,
    condition: conditionToApi(s),
  };
}

// ---- settings ----

/** The sequence's settings as the editor holds them. */
export interface SettingsDraft {
  name: string;
  channelId: string;
  timezone: string;
  exitOnReply: boolean;
  exitTags: string;
  exitWhenOn: boolean;
  exitField: string;
  exitEquals: string;
  enrollOnTag: string;
  /** The segment whose members are enrolled ("" for none). */
  enrollSegmentId: string;
  reentry: "never" | "after_days";
  reentryDays: string;
}

export function settingsFromApi(d: DripView, fallbackZone: string): SettingsDraft {
  return {
    name: d.name,
    channelId: d.channel_id,
    timezone: d.timezone || fallbackZone,
    exitOnReply: d.exit_on_reply,
    exitTags: (d.exit_on_tags ?? []).join(", "),
    exitWhenOn: !!d.exit_when,
    exitField: d.exit_when?.field ?? "",
    exitEquals: d.exit_when?.equals ?? "",
    enrollOnTag: d.enroll_on_tag ?? "",
    enrollSegmentId: d.enroll_segment_id ?? "",
    reentry: d.reentry?.policy === "after_days" ? "after_days" : "never",
    reentryDays: d.reentry?.policy === "after_days" ? String(d.reentry.days) : "30",
  };
}

/** "after N days" needs a whole number from 1. */
export function reentryToApi(policy: SettingsDraft["reentry"], days: string): Reentry | null {
  if (policy === "never") return { policy: "never" };
  const text = days.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1) return null;
  return { policy: "after_days", days: Number(text) };
}

// ---- refusals per field ----


/**
 * The server's VALIDATION_FAILED as one message per field path
 * ("steps[1].delay_seconds" → "must be at least 0"): from `details` when it
 * names fields, else from the message's "`path`: what; `path`: what" parts.
 */
export function fieldErrorsOf(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(e instanceof ApiError)) return out;
  for (const d of e.details) {
    if (d.field && !(d.field in out)) out[d.field] = d.message;
  }
  // 400 VALIDATION_FAILED, and 422s about a step's template or variables ("`steps[0].variables`: …").
  if (Object.keys(out).length > 0 || (e.status !== 400 && e.status !== 422)) return out;
  let previous: string | null = null;
  for (const raw of e.message.split(/;\s*/)) {
    const part = raw.trim();
    if (!part) continue;
    // "`steps[1].delay_seconds` must be between 0 and 31536000": the rest, under the field.
    const lead = /^`([a-z_][\w]*(?:\[\d+\])?(?:\.[\w]+(?:\[\d+\])?)*)`\s*:?\s*(.+)$/.exec(part);
    if (lead) {
      previous = lead[1]!;
      if (!(previous in out)) out[previous] = humanizeServerText(lead[2]!);
      continue;
    }
    // "each step needs `template` or `session_message` (`steps[0]`)": the whole part, at the most specific path named.
    const paths = [...part.matchAll(/`([a-z_][\w]*(?:\[\d+\])?(?:\.[\w]+(?:\[\d+\])?)*)`/g)].map((m) => m[1]!);
    const path = paths.sort((a, b) => Number(b.startsWith("steps[")) - Number(a.startsWith("steps[")) || b.length - a.length)[0];
    if (path) {
      previous = path;
      if (!(path in out)) out[path] = humanizeServerText(part);
    } else if (previous) {
      // "…; use an IANA name like Asia/Kolkata": more about the field before.
      out[previous] = `${out[previous]} ${humanizeServerText(part)}`;
    }
  }
  return out;
}

const SETTINGS_FIELDS = ["name", "channel_id", "timezone", "enroll_on_tag", "enroll_segment_id", "exit_on_tags", "exit_when", "reentry", "steps", "exit_on_reply"];
const STEP_FIELDS = ["name", "delay_seconds", "delay_from", "send_window", "template", "variables", "session_message", "condition"];
const under = (path: string, field: string) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);

/** Whether the editor shows a refusal at this path beside a field (else it goes above the buttons). */
export function isPlaced(path: string): boolean {
  const step = /^steps\[\d+\](?:\.(.*))?$/.exec(path);
  if (step) return step[1] === undefined || STEP_FIELDS.some((f) => under(step[1]!, f));
  return SETTINGS_FIELDS.some((f) => path === f || (f !== "steps" && under(path, f)));
}

/** The refusals about step `index` (0-based): the rest of each path after `steps[i].` → message ("" for the step itself). */
export function stepErrors(errors: Record<string, string>, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = `steps[${index}]`;
  for (const [path, message] of Object.entries(errors)) {
    if (path === prefix) out[""] = message;
    else if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = message;
  }
  return out;
}

/** The first refusal under any of `prefixes` of a step's errors (e.g. "template" for "template.name"). */
export function errorUnder(errors: Record<string, string>, ...prefixes: string[]): string | null {
  for (const [path, message] of Object.entries(errors)) {
    if (prefixes.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) return message;
  }
  return null;
}

// ---- state ----

/** The states the web tells apart (the server sends them as strings). */
export const ENROLLMENT_STATES: readonly EnrollmentState[] = ["active", "completed", "exited"];
export const isEnrollmentState = (s: string): s is EnrollmentState => (ENROLLMENT_STATES as readonly string[]).includes(s);
export const EXIT_REASONS = ["replied", "tag_added", "field_matched", "opted_out", "send_failed", "api", "cancelled"] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];
export const isExitReason = (s: string | null | undefined): s is ExitReason => !!s && (EXIT_REASONS as readonly string[]).includes(s);
/**
 * The reasons contacts left, with their counts, for a sequence or one step
 * (`exited_by_reason`, which older servers leave out of a step's counts):
 * zero counts dropped, known reasons first in their usual order, then the
 * rest by name.
 */
export function exitCounts(byReason: Readonly<Record<string, number | undefined>> | null | undefined): Array<readonly [string, number]> {
  const rank = (r: string) => {
    const i = (EXIT_REASONS as readonly string[]).indexOf(r);
    return i < 0 ? EXIT_REASONS.length : i;
  };
  return Object.entries(byReason ?? {})
    .flatMap(([reason, n]) => (typeof n === "number" && n > 0 ? [[reason, n] as const] : []))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * One step's exits by reason. Read defensively: servers from before step
 * counts carried `exited_by_reason` leave it out.
 */
export function stepExitCounts(step: object | null | undefined): Array<readonly [string, number]> {
  const map = step && "exited_by_reason" in step ? (step as { exited_by_reason?: unknown }).exited_by_reason : undefined;
  return exitCounts(map && typeof map === "object" ? (map as Record<string, number | undefined>) : undefined);
}

export const STEP_COUNTS = ["waiting", "sent", "delivered", "read", "replied", "failed", "skipped", "exited"] as const;

export const dripCan = {
  start: (s: DripStatus) => s === "draft",
  pause: (s: DripStatus) => s === "running",
  resume: (s: DripStatus) => s === "paused",
  cancel: (s: DripStatus) => s === "draft" || s === "running" || s === "paused",
  edit: (s: DripStatus) => s !== "cancelled" && s !== "completed",
  delete: (s: DripStatus) => s !== "running" && s !== "paused",
  /** Contacts can join a running (or paused: they wait) sequence. */
  enroll: (s: DripStatus) => s === "running" || s === "paused",
};

/** Contacts are already waiting in it: an edit of its steps reaches only new arrivals. */
export const hasWaiting = (d: Pick<DripView, "status" | "stats">) => (d.status === "running" || d.status === "paused") && (d.stats?.active ?? 0) > 0;

/** Keeps the approved templates' sources in step with a newly picked template. */
export function pickStepTemplate(s: StepDraft, templateId: string, templates: readonly TemplateFull[]): StepDraft {
  const tpl = templates.find((x) => x.id === templateId);
  const c = placeholderCounts(tpl?.components);
  return { ...s, templateId, sources: { header: fitSources(s.sources.header, c.header), body: fitSources(s.sources.body, c.body) } };
}
