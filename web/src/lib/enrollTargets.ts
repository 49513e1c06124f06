// Which sequences a flow node or an automation may enrol contacts in, and in
// what order they are offered (the server checks the id when the flow or
// rule is saved; a draft sequence refuses contacts until it is started).

import type { DripStatus, DripView } from "./types";

/** A sequence offered by the pickers: its id, name and status. */
export interface EnrollTarget {
  id: string;
  name: string;
  status: DripStatus;
}

/** Order of the offer: sequences taking contacts now first, then those that will once started. */
const RANK: Record<DripStatus, number> = { running: 0, paused: 1, scheduled: 2, draft: 3, completed: 4, cancelled: 5 };

/** Whether a sequence in `status` can still take contacts (now, or once it is started or resumed). */
export function acceptsEnrolments(status: DripStatus): boolean {
  return status !== "completed" && status !== "cancelled";
}

/**
 * The sequences to offer: those that can still take contacts, running ones
 * first then by name; plus `current` (the one already chosen) even when it
 * ended, so an old choice still shows as itself.
 */
export function enrollTargets(drips: readonly Pick<DripView, "id" | "name" | "status">[], current = ""): EnrollTarget[] {
  return drips
    .filter((d) => acceptsEnrolments(d.status) || d.id === current)
    .map((d) => ({ id: d.id, name: d.name, status: d.status }))
    .sort((a, b) => (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9) || a.name.localeCompare(b.name));
}

/**
 * What to tell about a chosen sequence that is not running: a draft refuses
 * contacts until it is started; a paused one takes them, and they wait until
 * it resumes; an ended one takes nobody. Null when it is running.
 */
export function enrollNotice(status: DripStatus): "notStarted" | "paused" | "ended" | null {
  if (status === "draft" || status === "scheduled") return "notStarted";
  if (status === "paused") return "paused";
  if (!acceptsEnrolments(status)) return "ended";
  return null;
}

/** How a contact came into a sequence (Enrollment.source); others are shown as the server names them. */
export const ENROLLMENT_SOURCES = ["api", "bulk", "tag", "flow", "automation", "segment"] as const;
export type EnrollmentSource = (typeof ENROLLMENT_SOURCES)[number];
export const isEnrollmentSource = (s: string | null | undefined): s is EnrollmentSource => !!s && (ENROLLMENT_SOURCES as readonly string[]).includes(s);
