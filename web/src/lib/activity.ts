// What happened in a conversation besides its messages — assignments,
// status changes, the bot starting, pausing, stopping or handing over
// (`GET /conversations/{id}/activity`) — and the bot's run in it
// (`GET /conversations/{id}/bot`). Parsed defensively here, worded through
// i18n keys, and placed among the messages by time so the thread reads as
// one story.

import type { MessageKey } from "../i18n/translate";

export type ActivityKind =
  | "handoff"
  | "assigned"
  | "unassigned"
  | "team_changed"
  | "resolved"
  | "reopened"
  | "bot_started"
  | "bot_paused"
  | "bot_resumed"
  | "bot_stopped";

export interface Activity {
  id: string;
  kind: ActivityKind | string;
  detail: string | null;
  actor_id: string | null;
  actor_name: string | null;
  created_at: string;
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** The activity list from the API (unknown or broken entries dropped), oldest first. */
export function parseActivity(body: unknown): Activity[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  const out: Activity[] = [];
  for (const raw of data) {
    if (typeof raw !== "object" || raw === null) continue;
    const r = raw as Record<string, unknown>;
    const id = str(r.id);
    const kind = str(r.kind);
    const at = str(r.created_at);
    if (!id || !kind || !at || Number.isNaN(Date.parse(at))) continue;
    out.push({ id, kind, detail: str(r.detail), actor_id: str(r.actor_id), actor_name: str(r.actor_name), created_at: at });
  }
  return out.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

/** The words for an activity line: an i18n key and its values. */
export function activityText(a: Activity): { key: MessageKey; params: Record<string, string> } | null {
  const by = a.actor_name ?? "";
  const detail = a.detail ?? "";
  switch (a.kind) {
    case "handoff":
      return detail ? { key: "activity.handoffNote", params: { note: detail } } : { key: "activity.handoff", params: {} };
    case "assigned":
      // Someone taking a conversation themselves.
      if (by && by === detail) return { key: "activity.took", params: { by } };
      return by ? { key: "activity.assignedBy", params: { name: detail, by } } : { key: "activity.assigned", params: { name: detail } };
    case "unassigned":
      return by ? { key: "activity.unassignedBy", params: { by } } : { key: "activity.unassigned", params: {} };
    case "team_changed":
      if (!detail) return by ? { key: "activity.teamClearedBy", params: { by } } : { key: "activity.teamCleared", params: {} };
      return by ? { key: "activity.teamBy", params: { team: detail, by } } : { key: "activity.team", params: { team: detail } };
    case "resolved":
      return by ? { key: "activity.resolvedBy", params: { by } } : { key: "activity.resolved", params: {} };
    case "reopened":
      return by ? { key: "activity.reopenedBy", params: { by } } : { key: "activity.reopened", params: {} };
    case "bot_started":
      return by ? { key: "activity.botStartedBy", params: { flow: detail, by } } : { key: "activity.botStarted", params: { flow: detail } };
    case "bot_paused":
      return by ? { key: "activity.botPausedBy", params: { by } } : { key: "activity.botPaused", params: {} };
    case "bot_resumed":
      return by ? { key: "activity.botResumedBy", params: { by } } : { key: "activity.botResumed", params: {} };
    case "bot_stopped":
      return by ? { key: "activity.botStoppedBy", params: { by } } : { key: "activity.botStopped", params: {} };
    default:
      return null;
  }
}

export type BotStatus = "running" | "waiting" | "paused";

/** The conversation's bot run, as `GET /conversations/{id}/bot` describes it. */
export interface BotRun {
  id: string;
  flow_id: string;
  flow_name: string;
  status: BotStatus;
  node_id: string | null;
  node_label: string | null;
  step: number;
  started_at: string;
  updated_at: string;
}

/** The run from `{"run": …}`, or null (no run, or a shape we do not know). */
export function parseBotRun(body: unknown): BotRun | null {
  const run = (body as { run?: unknown } | null)?.run;
  if (typeof run !== "object" || run === null) return null;
  const r = run as Record<string, unknown>;
  const status = r.status;
  if (!str(r.id) || !str(r.flow_id) || (status !== "running" && status !== "waiting" && status !== "paused")) return null;
  return {
    id: r.id as string,
    flow_id: r.flow_id as string,
    flow_name: str(r.flow_name) ?? "",
    status,
    node_id: str(r.node_id),
    node_label: str(r.node_label),
    step: typeof r.step === "number" && Number.isFinite(r.step) ? r.step : 0,
    started_at: str(r.started_at) ?? "",
    updated_at: str(r.updated_at) ?? "",
  };
}

/** A fingerprint of the bot's state, to tell when an action took effect. */
export function botKey(run: BotRun | null): string {
  return run ? `${run.id}:${run.status}:${run.step}:${run.node_id ?? ""}` : "none";
}

/** Something shown in the thread between messages, at a time. */
export interface Timed {
  at: string;
}

/**
 * Places timed items among messages (kept in their own order): each goes
 * before the first message written after it; items after every message go
 * last. Items are taken oldest first.
 */
export function interleave<M, X extends Timed>(
  messages: readonly M[],
  timeOf: (m: M) => string,
  items: readonly X[],
): ({ kind: "message"; message: M } | { kind: "item"; item: X })[] {
  const sorted = [...items].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const out: ({ kind: "message"; message: M } | { kind: "item"; item: X })[] = [];
  let i = 0;
  for (const m of messages) {
    const t = Date.parse(timeOf(m));
    while (i < sorted.length && Date.parse(sorted[i]!.at) < t) out.push({ kind: "item", item: sorted[i++]! });
    out.push({ kind: "message", message: m });
  }
  while (i < sorted.length) out.push({ kind: "item", item: sorted[i++]! });
  return out;
}
