import { useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, EmptyRow, Modal, SelectInput, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { PresenceDot } from "../components/Presence";
import { GateHint, PlanErrorText } from "../components/plan/PlanBits";
import { gateFor, isPlanRefusal } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Role, User } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const ROLES: readonly Role[] = ["agent", "tenant_admin"];

function MemberForm({
  member,
  onDone,
  onCancel,
  onPlanRefusal,
}: {
  member: User | null;
  onDone: (u: User) => void;
  onCancel: () => void;
  /** The server refused the addition because of the plan (402 PLAN_LIMIT). */
  onPlanRefusal?: () => void;
}) {
  const { t } = useI18n();
  const { api, user: me } = useAuth();
  const errorText = useErrorText();
  const [name, setName] = useState(member?.name ?? "");
  const [email, setEmail] = useState(member?.email ?? "");
  const [role, setRole] = useState<Role>(member?.role ?? "agent");
  const [password, setPassword] = useState("");
  const [currentPassword, setCurrentPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [planRefusal, setPlanRefusal] = useState(false);
  const editing = member !== null;
  // Changing your own password needs the current one.
  const self = editing && member.id === me?.id;
  const ready = editing
    ? name.trim() !== "" && (password === "" || (password.length >= 8 && (!self || currentPassword !== "")))
    : name.trim() && email.trim() && password.length >= 8;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    setPlanRefusal(false);
    try {
      if (editing) {
        const body: Record<string, string> = {};
        if (name.trim() !== member.name) body.name = name.trim();
        if (role !== member.role) body.role = role;
        if (password) body.password = password;
        if (password && self) body.current_password = currentPassword;
        onDone(Object.keys(body).length ? await api.patch<User>(`/users/${member.id}`, body) : member);
      } else {
        onDone(await api.post<User>("/users", { name: name.trim(), email: email.trim(), password, role }));
      }
    } catch (err) {
      setError(errorText(err));
      if (isPlanRefusal(err)) {
        setPlanRefusal(true);
        onPlanRefusal?.();
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3" data-testid="member-form" noValidate>
      <TextInput label={t("team.name")} value={name} onChange={(e) => setName(e.target.value)} required data-testid="member-name" autoComplete="off" />
      <TextInput
        label={t("auth.email")}
        type="email"
        value={email}
        disabled={editing}
        onChange={(e) => setEmail(e.target.value)}
        required
        data-testid="member-email"
        autoComplete="off"
      />
      <SelectInput
        label={t("team.role")}
        value={role}
        disabled={editing && member.id === me?.id}
        onChange={(e) => setRole(e.target.value as Role)}
        options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
        hint={t(`team.roleHelp.${role}` as "team.roleHelp.agent")}
        data-testid="member-role"
      />
      <TextInput
        label={editing ? `${t("team.newPassword")} (${t("common.optional")})` : t("auth.password")}
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        hint={t("auth.register.passwordHint")}
        autoComplete="new-password"
        data-testid="member-password"
      />
      {self && password !== "" && (
        <TextInput
          label={t("team.currentPassword")}
          type="password"
          value={currentPassword}
          onChange={(e) => setCurrentPassword(e.target.value)}
          autoComplete="current-password"
          data-testid="member-current-password"
        />
      )}
      <PlanErrorText testId="member-error" text={error} plan={planRefusal} />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" disabled={!ready || busy} data-testid="member-submit">
          {busy ? t("common.saving") : editing ? t("common.save") : t("team.add")}
        </Button>
      </div>
    </form>
  );
}

export function TeamPage() {
  const { t, lang } = useI18n();
  const { api, user: me } = useAuth();
  const inbox = useInbox();
  const errorText = useErrorText();
  const users = usePaged<User>(api, "/users", { limit: 100 });
  const [changed, setChanged] = useState<Record<string, User | null>>({});
  const [added, setAdded] = useState<User[]>([]);
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });
  // Adding a member counts against the plan's team members.
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { limit: "agents" });

  const rows = [...added, ...users.items.filter((u) => !added.some((a) => a.id === u.id))]
    .map((u) => (u.id in changed ? changed[u.id] : u))
    .filter((u): u is User => !!u);

  async function remove(u: User) {
    setError(null);
    try {
      await api.delete(`/users/${u.id}`);
      setChanged((c) => ({ ...c, [u.id]: null }));
      plan.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="space-y-4" data-testid="settings-team">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.team")}</h2>
          <p className="text-sm text-gray-600">{t("team.intro")}</p>
        </div>
        <Button onClick={() => setEditing("new")} disabled={gate.blocked} data-testid="member-add">
          + {t("team.add")}
        </Button>
      </div>
      <GateHint gate={gate} testId="team-plan-hint" />
      <ErrorText testId="team-error">{error ?? users.error?.message ?? null}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="team-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("team.name")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("auth.email")}</th>
              <th className="px-4 py-2 font-medium">{t("team.role")}</th>
              <th className="px-4 py-2 font-medium">{t("team.presence")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("team.since")}</th>
              <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => {
              const live = inbox.presence[u.id] ?? inbox.users[u.id]?.presence ?? u.presence;
              return (
                <tr key={u.id} className="border-t border-gray-100" data-testid="member-row" data-user-id={u.id}>
                  <td className="px-4 py-2">
                    <div className="font-medium">
                      {u.name}
                      {u.id === me?.id && <span className="ml-1 text-xs font-normal text-gray-500">({t("team.you")})</span>}
                    </div>
                    <div className="text-xs text-gray-500 sm:hidden">{u.email}</div>
                  </td>
                  <td className="hidden px-4 py-2 text-gray-700 sm:table-cell">{u.email}</td>
                  <td className="px-4 py-2">
                    <Badge tone={u.role === "agent" ? "gray" : "brand"}>{t(`role.${u.role}`)}</Badge>
                  </td>
                  <td className="px-4 py-2">
                    <PresenceDot presence={live} />
                  </td>
                  <td className="hidden px-4 py-2 text-gray-500 md:table-cell">{u.created_at ? date.format(new Date(u.created_at)) : ""}</td>
                  <td className="px-4 py-2">
                    <div className="flex items-center justify-end gap-1">
                      <button type="button" className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100" onClick={() => setEditing(u)} data-testid="member-edit">
                        {t("common.edit")}
                      </button>
                      {u.id !== me?.id && (
                        <ConfirmButton label={t("team.remove")} confirmLabel={t("common.confirmDelete")} onConfirm={() => remove(u)} testId="member-remove" />
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
            {!users.loading && !users.error && rows.length === 0 && <EmptyRow colSpan={6}>{t("team.empty")}</EmptyRow>}
          </tbody>
        </table>
        {users.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {users.hasMore && !users.loading && (
        <div className="text-center">
          <Button variant="secondary" onClick={users.loadMore}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
      {editing && (
        <Modal title={editing === "new" ? t("team.add") : t("team.edit", { name: editing.name })} onClose={() => setEditing(null)} testId="member-dialog">
          <MemberForm
            member={editing === "new" ? null : editing}
            onCancel={() => setEditing(null)}
            onPlanRefusal={plan.reload}
            onDone={(u) => {
              if (editing === "new") {
                setAdded((a) => [u, ...a]);
                plan.reload();
              } else setChanged((c) => ({ ...c, [u.id]: u }));
              setEditing(null);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
