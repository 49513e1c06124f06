// Teams (`/teams`): groups of agents that conversations are routed to, and
// how each assigns its conversations; the inbox's team filter.

export type AssignmentMode = "manual" | "round_robin" | "least_busy";
export const ASSIGNMENT_MODES: readonly AssignmentMode[] = ["manual", "round_robin", "least_busy"];

export interface TeamMember {
  user_id: string;
  name: string;
  email: string;
  presence: string;
  /** Open conversations assigned to them now. */
  open_conversations: number;
}

export interface Team {
  id: string;
  name: string;
  assignment: AssignmentMode;
  /** At most this many open conversations per agent before auto-assignment skips them; null: no cap. */
  max_open_per_agent: number | null;
  members: TeamMember[];
  created_at: string;
  updated_at: string;
}

/** `POST /teams` and `PATCH /teams/{id}`. */
export interface TeamInput {
  name: string;
  member_ids: string[];
  assignment: AssignmentMode;
  max_open_per_agent: number | null;
}

/**
 * The inbox's team filter: "" every team (no `team_id` sent), "none"
 * conversations in no team, or a team's id.
 */
export type TeamFilter = string;
export const NO_TEAM = "none";

/** The `team_id` query of the conversation list for a team filter (undefined: not sent). */
export function teamQuery(filter: TeamFilter | undefined): string | undefined {
  const f = (filter ?? "").trim();
  return f ? f : undefined;
}

/** Whether a conversation (its `team_id`; absent on an older server: none) passes the team filter. */
export function matchesTeam(teamId: string | null | undefined, filter: TeamFilter | undefined): boolean {
  const f = (filter ?? "").trim();
  if (!f) return true;
  if (f === NO_TEAM) return !teamId;
  return teamId === f;
}

/** A team filter still worth keeping once the teams are known: a team that is gone falls back to every team. */
export function validTeamFilter(filter: TeamFilter | undefined, teams: readonly Pick<Team, "id">[] | null): TeamFilter {
  const f = (filter ?? "").trim();
  if (!f || f === NO_TEAM || teams === null) return f;
  return teams.some((t) => t.id === f) ? f : "";
}

/**
 * The cap typed in the form: blank is no cap (null); otherwise a whole number
 * from 1 to 1000. Undefined when it is not one (the form says so).
 */
export function parseCap(raw: string): number | null | undefined {
  const s = raw.trim();
  if (!s) return null;
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 1000 ? n : undefined;
}

/** Adds or removes a member id, keeping the order they were picked in. */
export function toggleMember(ids: readonly string[], id: string, on: boolean): string[] {
  if (on) return ids.includes(id) ? [...ids] : [...ids, id];
  return ids.filter((x) => x !== id);
}

/** What changed between a team and the form, for `PATCH` (an empty object: nothing to send). */
export function teamPatch(before: Team, after: TeamInput): Partial<TeamInput> {
  const patch: Partial<TeamInput> = {};
  if (after.name.trim() !== before.name) patch.name = after.name.trim();
  if (after.assignment !== before.assignment) patch.assignment = after.assignment;
  if (after.max_open_per_agent !== before.max_open_per_agent) patch.max_open_per_agent = after.max_open_per_agent;
  const was = before.members.map((m) => m.user_id).sort();
  const now = [...after.member_ids].sort();
  if (was.length !== now.length || was.some((id, i) => id !== now[i])) patch.member_ids = after.member_ids;
  return patch;
}

/** Teams by name, for pickers. */
export function sortTeams<T extends Pick<Team, "name">>(teams: readonly T[]): T[] {
  return [...teams].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }));
}

/** Members online now, of all members. */
export function onlineCount(team: Pick<Team, "members">): number {
  return team.members.filter((m) => m.presence === "online").length;
}
