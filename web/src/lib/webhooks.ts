// Outbound webhooks (`/webhooks`): the account's endpoints, what the page
// shows about each (health, last answer), the events they subscribe to, and
// the `webhook_disabled` alert admins get when one is switched off.

import type { AttemptView, DeliveryView, EndpointView } from "./apiTypes";

export type { AttemptView, DeliveryView, EndpointView };

/** `GET /webhooks/events`: an event type an endpoint may subscribe to. */
export interface WebhookEventType {
  type: string;
  description: string;
}

/** `POST /webhooks` → 201: the endpoint and its signing secret, shown this once. */
export type CreatedEndpoint = EndpointView & { secret: string };

/** `POST /webhooks/{id}/rotate-secret`: the new secret, in force at once, shown once. */
export interface RotatedSecret {
  id: string;
  secret: string;
}

/** `POST /webhooks/{id}/test`: what the receiver answered a `webhook.test` event. */
export interface TestResult {
  ok: boolean;
  event_id: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["pending", "delivered", "failed"];

/**
 * Where an endpoint stands: switched off (by hand or after a day of
 * failures), failing (every attempt since `failing_since` failed), healthy,
 * or never tried.
 */
export type EndpointHealth = "disabled" | "failing" | "ok" | "idle";

export function endpointHealth(e: Pick<EndpointView, "enabled" | "failing_since" | "last_attempt_at">): EndpointHealth {
  if (!e.enabled) return "disabled";
  if (e.failing_since) return "failing";
  return e.last_attempt_at ? "ok" : "idle";
}

/** An HTTP status the receiver answered that counts as delivered (2xx). */
export function isSuccessStatus(status: number | null | undefined): boolean {
  return typeof status === "number" && status >= 200 && status < 300;
}

/** Whether an attempt was delivered: a 2xx answer. */
export function attemptSucceeded(a: Pick<AttemptView, "status_code">): boolean {
  return isSuccessStatus(a.status_code);
}

/** Adds or removes an event type; the list stays sorted and without repeats (as the server stores it). */
export function toggleEvent(events: readonly string[], type: string, on: boolean): string[] {
  const set = new Set(events);
  if (on) set.add(type);
  else set.delete(type);
  return [...set].sort();
}

/**
 * Why a URL would be refused before asking the server: "empty", "invalid"
 * (not a URL, or not http/https with a host), or null when it looks right.
 * The server has the final word (and its message is shown).
 */
export function urlProblem(raw: string): "empty" | "invalid" | null {
  const url = raw.trim();
  if (!url) return "empty";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "invalid";
  }
  if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || !parsed.hostname) return "invalid";
  return null;
}

/** A delivery's body for people: indented JSON (or the text as is). */
export function prettyPayload(payload: unknown): string {
  if (typeof payload === "string") {
    try {
      return JSON.stringify(JSON.parse(payload), null, 2);
    } catch {
      return payload;
    }
  }
  try {
    return JSON.stringify(payload, null, 2) ?? "";
  } catch {
    return String(payload);
  }
}

/** Items of a list newer pages add to, each once (a refresh may overlap a page already shown). */
export function appendUnique<T extends { id: string }>(shown: readonly T[], more: readonly T[]): T[] {
  const seen = new Set(shown.map((x) => x.id));
  return [...shown, ...more.filter((x) => !seen.has(x.id))];
}

/** Replaces an endpoint in the list by id (or puts a new one first). */
export function upsertEndpoint(list: readonly EndpointView[], e: EndpointView): EndpointView[] {
  const i = list.findIndex((x) => x.id === e.id);
  if (i < 0) return [e, ...list];
  const next = list.slice();
  next[i] = e;
  return next;
}

/** The endpoint view without the secret (the created answer carries it once). */
export function withoutSecret(created: CreatedEndpoint): EndpointView {
  const { secret: _secret, ...view } = created;
  return view;
}

/** `notification` `kind: "webhook_disabled"` (admins): an endpoint was switched off after a day of failures. */
export interface WebhookDisabledAlert {
  endpointId: string;
  url: string;
  /** The server's words (why). */
  message: string;
  at: number;
}

/** Reads a `webhook_disabled` notification's data; null when it is not one (or lacks the endpoint). */
export function parseWebhookDisabled(data: unknown, now: number): WebhookDisabledAlert | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.kind !== "webhook_disabled") return null;
  if (typeof d.endpoint_id !== "string" || !d.endpoint_id) return null;
  return {
    endpointId: d.endpoint_id,
    url: typeof d.url === "string" ? d.url : "",
    message: typeof d.message === "string" ? d.message : "",
    at: now,
  };
}

/** Keeps one alert per endpoint (the newest first), at most `max`. */
export function addWebhookAlert(alerts: readonly WebhookDisabledAlert[], alert: WebhookDisabledAlert, max = 5): WebhookDisabledAlert[] {
  return [alert, ...alerts.filter((a) => a.endpointId !== alert.endpointId)].slice(0, max);
}
