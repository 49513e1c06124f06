import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { PresenceBullet } from "../components/Presence";
import { Badge, Button, ConfirmButton, Modal, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { ASSIGNMENT_MODES, onlineCount, parseCap, sortTeams, teamPatch, toggleMember, type AssignmentMode, type Team, type TeamInput } from "../lib/teams";
import type { Page, User } from "../lib/types";
import { useFormError, type FieldFixes } from "../lib/useFormError";

/** How each assignment mode hands out conversations, and who gets them. */
function AssignmentHelp() {
  const { t } = useI18n();
  return (
    <details open className="rounded-xl border border-gray-200 bg-white p-4 text-sm" data-testid="teams-help">
      <summary className="cursor-pointer font-medium">{t("teams.help.title")}</summary>
      <ul className="mt-2 list-disc space-y-1 pl-5 text-gray-700">
        {ASSIGNMENT_MODES.map((m) => (
          <li key={m}>
            <span className="font-medium">{t(`teams.mode.${m}`)}</span>: {t(`teams.modeHelp.${m}`)}
          </li>
        ))}
        <li>{t("teams.help.cap")}</li>
        <li>{t("teams.help.online")}</li>
        <li>{t("teams.help.waiting")}</li>
      </ul>
    </details>
  );
}

/** The team fields the server names in its refusals. */
const TEAM_FIELDS = ["name", "member_ids", "max_open_per_agent"] as const;
/** What each field accepts, in the reader's language (instead of the server's English). */
const TEAM_FIXES: FieldFixes = { name: "teams.fix.name", member_ids: "teams.fix.members", max_open_per_agent: "teams.capInvalid" };

function TeamForm({ team, users, onDone, onCancel }: { team: Team | null; users: User[] | null; onDone: (t: Team) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const refusal = useFormError(TEAM_FIELDS, undefined, TEAM_FIXES);
  const [name, setName] = useState(team?.name ?? "");
  const [members, setMembers] = useState<string[]>(team?.members.map((m) => m.user_id) ?? []);
  const [assignment, setAssignment] = useState<AssignmentMode>(team?.assignment ?? "round_robin");
  const [cap, setCap] = useState(team?.max_open_per_agent != null ? String(team.max_open_per_agent) : "");
  const [busy, setBusy] = useState(false);
  const capValue = parseCap(cap);
  const ready = name.trim() !== "" && capValue !== undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready || capValue === undefined) return;
    setBusy(true);
    refusal.clear();
    const input: TeamInput = { name: name.trim(), member_ids: members, assignment, max_open_per_agent: capValue };
    try {
      if (team) {
        const patch = teamPatch(team, input);
        onDone(Object.keys(patch).length ? await api.patch<Team>(`/teams/${encodeURIComponent(team.id)}`, patch) : team);
      } else {
        onDone(await api.post<Team>("/teams", input));
      }
    } catch (err) {
      refusal.fail(err);
    } finally {
      setBusy(false);
    }
  }

  // Members who are in the team but no longer listed (removed from the account) are kept by id.
  const listed = users ?? [];
  const membersError = refusal.field("member_ids");
  return (
    <form ref={refusal.formRef} onSubmit={submit} className="space-y-4" data-testid="team-form" noValidate>
      <TextInput
        label={t("teams.name")}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={refusal.field("name")}
        maxLength={80}
        placeholder={t("teams.namePlaceholder")}
        data-testid="team-name"
        autoComplete="off"
      />
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-gray-700">{t("teams.members")}</legend>
        {users === null ? (
          <p className="text-sm text-gray-500">{t("common.loading")}</p>
        ) : (
          <div className="max-h-56 space-y-1 overflow-y-auto rounded-md border border-gray-200 p-2">
            {listed.map((u) => (
              <label key={u.id} className="flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-gray-50" data-testid="team-member" data-user-id={u.id}>
                <input
                  type="checkbox"
                  className="h-4 w-4 rounded border-gray-300 accent-brand-600"
                  checked={members.includes(u.id)}
                  onChange={(e) => setMembers(toggleMember(members, u.id, e.target.checked))}
                  data-testid="team-member-check"
                />
                <PresenceBullet presence={u.presence} />
                <span className="min-w-0 flex-1 truncate">
                  {u.name} <span className="text-gray-500">· {u.email}</span>
                </span>
                <span className="text-xs text-gray-500">{t(`role.${u.role}`)}</span>
              </label>
            ))}
            {listed.length === 0 && <p className="text-sm text-gray-500">{t("teams.noUsers")}</p>}
          </div>
        )}
        {membersError && (
          <p className="mt-1 text-xs text-red-700" data-testid="field-error">
            {membersError}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-gray-700">{t("teams.assignment")}</legend>
        <div className="space-y-1.5">
          {ASSIGNMENT_MODES.map((m) => (
            <label key={m} className="flex cursor-pointer items-start gap-2 text-sm">
              <input
                type="radio"
                name="team-assignment"
                value={m}
                checked={assignment === m}
                onChange={() => setAssignment(m)}
                className="mt-0.5 h-4 w-4 accent-brand-600"
                data-testid={`team-assignment-${m}`}
              />
              <span>
                <span className="block font-medium text-gray-900">{t(`teams.mode.${m}`)}</span>
                <span className="block text-xs text-gray-500">{t(`teams.modeHelp.${m}`)}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <TextInput
        label={`${t("teams.cap")} (${t("common.optional")})`}
        hint={capValue === undefined ? t("teams.capInvalid") : t("teams.capHint")}
        inputMode="numeric"
        value={cap}
        onChange={(e) => setCap(e.target.value)}
        placeholder={t("teams.capNone")}
        error={refusal.field("max_open_per_agent")}
        className="max-w-xs"
        data-testid="team-cap"
      />
      <ErrorText testId="team-error">{refusal.form}</ErrorText>
      <div className="flex gap-2">
        <Button type="submit" disabled={!ready || busy} data-testid="team-submit">
          {busy ? t("common.saving") : team ? t("common.save") : t("teams.create")}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}

function TeamCard({ team, onEdit, onDelete }: { team: Team; onEdit: () => void; onDelete: () => Promise<void> }) {
  const { t } = useI18n();
  const online = onlineCount(team);
  return (
    <li className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="team-card" data-team-id={team.id}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="font-semibold text-gray-900" data-testid="team-card-name">
            {team.name}
          </h3>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-gray-600">
            <Badge tone="brand" testId="team-mode">
              {t(`teams.mode.${team.assignment}`)}
            </Badge>
            <span>{team.max_open_per_agent !== null ? t("teams.capShown", { count: team.max_open_per_agent }) : t("teams.noCap")}</span>
            <span>· {t("teams.onlineOf", { online, total: team.members.length })}</span>
          </div>
        </div>
        <div className="flex items-center gap-1">
          <Button variant="secondary" className="px-2 py-1" onClick={onEdit} data-testid="team-edit">
            {t("common.edit")}
          </Button>
          <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={onDelete} testId="team-delete" />
        </div>
      </div>
      {team.members.length === 0 ? (
        <p className="text-sm text-gray-500">{t("teams.noMembers")}</p>
      ) : (
        <ul className="divide-y divide-gray-100 text-sm">
          {team.members.map((m) => (
            <li key={m.user_id} className="flex items-center gap-2 py-1.5" data-testid="team-card-member" data-user-id={m.user_id}>
              <PresenceBullet presence={m.presence} />
              <span className="min-w-0 flex-1 truncate">
                {m.name} <span className="text-gray-500">· {m.email}</span>
              </span>
              <span className="text-xs text-gray-500">{t("teams.openCount", { count: m.open_conversations })}</span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function TeamsPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const { reloadTeams } = useInbox();
  const errorText = useErrorText();
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Team | "new" | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const page = await api.get<Page<Team>>("/teams");
      setTeams(sortTeams(page.data));
    } catch (e) {
      setError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  // The people to pick from, when the form opens.
  useEffect(() => {
    if (editing === null) return;
    api
      .get<Page<User>>("/users", { limit: 100 })
      .then((p) => setUsers([...p.data].sort((a, b) => a.name.localeCompare(b.name))))
      .catch(() => setUsers([]));
  }, [api, editing]);

  function saved(team: Team) {
    setTeams((list) => sortTeams([team, ...(list ?? []).filter((x) => x.id !== team.id)]));
    setEditing(null);
    reloadTeams();
  }

  async function remove(team: Team) {
    setError(null);
    try {
      await api.delete(`/teams/${encodeURIComponent(team.id)}`);
      setTeams((list) => (list ?? []).filter((x) => x.id !== team.id));
      reloadTeams();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="space-y-4" data-testid="settings-teams">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.teams")}</h2>
          <p className="text-sm text-gray-600">{t("teams.intro")}</p>
        </div>
        <Button onClick={() => setEditing("new")} data-testid="team-add">
          {t("teams.add")}
        </Button>
      </div>
      <AssignmentHelp />
      <ErrorText testId="teams-error">{error}</ErrorText>
      {teams === null && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {teams?.length === 0 && (
        <p className="rounded-xl border border-dashed border-gray-300 p-6 text-center text-sm text-gray-500" data-testid="teams-empty">
          {t("teams.empty")}
        </p>
      )}
      <ul className="space-y-3">
        {teams?.map((team) => <TeamCard key={team.id} team={team} onEdit={() => setEditing(team)} onDelete={() => remove(team)} />)}
      </ul>
      {editing !== null && (
        <Modal title={editing === "new" ? t("teams.addTitle") : t("teams.editTitle")} onClose={() => setEditing(null)} testId="team-dialog">
          <TeamForm team={editing === "new" ? null : editing} users={users} onDone={saved} onCancel={() => setEditing(null)} />
        </Modal>
      )}
    </div>
  );
}
