import { useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, EmptyRow, Modal, SelectInput, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { PresenceDot } from "../components/Presence";
import { GateHint, PlanErrorText } from "../components/plan/PlanBits";
import { formatDay } from "../lib/format";
import { invitationState } from "../lib/invitations";
import { gateFor, isPlanRefusal } from "../lib/plans";
import { MIN_PASSWORD, type SecurityOverview } from "../lib/security";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Role, User } from "../lib/types";
import { usePaged } from "../lib/usePaged";
import type { ErrorOverrides } from "../lib/errors";
import { useFormError } from "../lib/useFormError";

const ROLES: readonly Role[] = ["agent", "tenant_admin"];
/** The member form's fields, as the server names them. */
const MEMBER_FIELDS = ["name", "email", "password", "role", "current_password"] as const;
/** An admin adding a teammate whose email has an account: our words say what to do here. */
const MEMBER_ERRORS: ErrorOverrides = { EMAIL_TAKEN: "team.emailTaken" };

/** How a new member gets in: an emailed invitation (they choose their password) or a password the admin types. */
type AddMode = "invite" | "password";

/** Whether this installation sends mail (`GET /auth/security`): null while unknown. */
function useMailConfigured(): boolean | null {
  const { api } = useAuth();
  const [configured, setConfigured] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    api
      .get<SecurityOverview>("/auth/security")
      .then((s) => live && setConfigured(s?.mail_configured === true))
      .catch(() => live && setConfigured(false));
    return () => {
      live = false;
    };
  }, [api]);
  return configured;
}

function MemberForm({
  member,
  mailConfigured,
  onDone,
  onCancel,
  onPlanRefusal,
}: {
  member: User | null;
  /** Whether invitations can be mailed (the default way to add someone when they can). */
  mailConfigured: boolean;
  onDone: (u: User, invited: boolean) => void;
  onCancel: () => void;
  /** The server refused the addition because of the plan (402 PLAN_LIMIT). */
  onPlanRefusal?: () => void;
}) {
  const { t } = useI18n();
  const { api, user: me } = useAuth();
  const problem = useFormError(MEMBER_FIELDS, MEMBER_ERRORS);
  const [name, setName] = useState(member?.name ?? "");
  const [email, setEmail] = useState(member?.email ?? "");
  const [role, setRole] = useState<Role>(member?.role ?? "agent");
  const [mode, setMode] = useState<AddMode>(mailConfigured ? "invite" : "password");
  const [password, setPassword] = useState("");
  const [currentPassword, setCurrentPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [planRefusal, setPlanRefusal] = useState(false);
  const editing = member !== null;
  const inviting = !editing && mode === "invite";
  // Changing your own password needs the current one.
  const self = editing && member.id === me?.id;
  const ready = editing
    ? name.trim() !== "" && (password === "" || (password.length >= MIN_PASSWORD && (!self || currentPassword !== "")))
    : name.trim() !== "" && email.trim() !== "" && (inviting || password.length >= MIN_PASSWORD);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    problem.clear();
    setPlanRefusal(false);
    try {
      if (editing) {
        const body: Record<string, string> = {};
        if (name.trim() !== member.name) body.name = name.trim();
        if (role !== member.role) body.role = role;
        if (password) body.password = password;
        if (password && self) body.current_password = currentPassword;
        onDone(Object.keys(body).length ? await api.patch<User>(`/users/${member.id}`, body) : member, false);
      } else if (inviting) {
        onDone(await api.post<User>("/users", { name: name.trim(), email: email.trim(), role, invite: true }), true);
      } else {
        onDone(await api.post<User>("/users", { name: name.trim(), email: email.trim(), password, role }), false);
      }
    } catch (err) {
      problem.fail(err);
      if (isPlanRefusal(err)) {
        setPlanRefusal(true);
        onPlanRefusal?.();
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={problem.formRef} onSubmit={submit} className="space-y-3" data-testid="member-form" noValidate>
      {!editing && (
        <fieldset className="space-y-1.5" data-testid="member-mode">
          <legend className="mb-1 text-xs font-medium text-gray-700">{t("team.howJoin")}</legend>
          <label className={`flex items-start gap-2 rounded-lg border p-2 text-sm ${mode === "invite" ? "border-brand-500 bg-brand-50" : "border-gray-200"}`}>
            <input
              type="radio"
              name="mode"
              className="mt-0.5 accent-brand-600"
              checked={mode === "invite"}
              disabled={!mailConfigured}
              onChange={() => setMode("invite")}
              data-testid="member-mode-invite"
            />
            <span>
              <span className="block font-medium text-gray-900">{t("team.modeInvite")}</span>
              <span className="block text-xs text-gray-600">{mailConfigured ? t("team.modeInviteHelp") : t("team.modeInviteNoMail")}</span>
            </span>
          </label>
          <label className={`flex items-start gap-2 rounded-lg border p-2 text-sm ${mode === "password" ? "border-brand-500 bg-brand-50" : "border-gray-200"}`}>
            <input
              type="radio"
              name="mode"
              className="mt-0.5 accent-brand-600"
              checked={mode === "password"}
              onChange={() => setMode("password")}
              data-testid="member-mode-password"
            />
            <span>
              <span className="block font-medium text-gray-900">{t("team.modePassword")}</span>
              <span className="block text-xs text-gray-600">{t("team.modePasswordHelp")}</span>
            </span>
          </label>
        </fieldset>
      )}
      <TextInput
        label={t("team.name")}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={problem.field("name")}
        required
        data-testid="member-name"
        autoComplete="off"
      />
      <TextInput
        label={t("auth.email")}
        type="email"
        value={email}
        disabled={editing}
        onChange={(e) => setEmail(e.target.value)}
        error={problem.field("email")}
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
        error={problem.field("role")}
        data-testid="member-role"
      />
      {!inviting && (
        <TextInput
          label={editing ? `${t("team.newPassword")} (${t("common.optional")})` : t("auth.password")}
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={t("auth.register.passwordHint")}
          error={problem.field("password")}
          autoComplete="new-password"
          data-testid="member-password"
        />
      )}
      {self && password !== "" && (
        <TextInput
          label={t("team.currentPassword")}
          type="password"
          value={currentPassword}
          onChange={(e) => setCurrentPassword(e.target.value)}
          error={problem.field("current_password")}
          autoComplete="current-password"
          data-testid="member-current-password"
        />
      )}
      <PlanErrorText testId="member-error" text={problem.form} plan={planRefusal} />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" disabled={!ready || busy} data-testid="member-submit">
          {busy ? t("common.saving") : editing ? t("common.save") : inviting ? t("team.sendInvite") : t("team.add")}
        </Button>
      </div>
    </form>
  );
}

/** A member who has not joined yet: when their link runs out, and a fresh one by mail. */
function InvitationCell({ member, onSent }: { member: User; onSent: (text: string) => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const state = invitationState(member.invitation, Date.now());
  if (!state || !member.invitation) return null;

  async function resend() {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/users/${encodeURIComponent(member.id)}/invitation`);
      onSent(t("team.inviteResent", { email: member.email }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs" data-testid="member-invitation" data-state={state}>
      <Badge tone={state === "expired" ? "red" : "amber"}>{state === "expired" ? t("team.inviteExpired") : t("team.invited")}</Badge>
      <span className="text-gray-500">
        {state === "expired"
          ? t("team.inviteExpiredOn", { date: formatDay(member.invitation.expires_at, lang.locale) })
          : t("team.inviteUntil", { date: formatDay(member.invitation.expires_at, lang.locale) })}
      </span>
      <button type="button" disabled={busy} onClick={() => void resend()} className="font-medium text-brand-700 hover:underline disabled:text-gray-400" data-testid="member-resend">
        {busy ? t("common.saving") : t("team.resend")}
      </button>
      {error && (
        <span role="alert" className="basis-full text-red-700" data-testid="member-resend-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The account's people: invite (or add) them, change roles, resend invitations, remove. */
export function TeamPage() {
  const { t, lang } = useI18n();
  const { api, user: me } = useAuth();
  const inbox = useInbox();
  const errorText = useErrorText();
  const users = usePaged<User>(api, "/users", { limit: 100 });
  const mailConfigured = useMailConfigured();
  const [changed, setChanged] = useState<Record<string, User | null>>({});
  const [added, setAdded] = useState<User[]>([]);
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Adding a member counts against the plan's team members.
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { limit: "agents" });

  const rows = [...added, ...users.items.filter((u) => !added.some((a) => a.id === u.id))]
    .map((u) => (u.id in changed ? changed[u.id] : u))
    .filter((u): u is User => !!u);
  const pending = rows.filter((u) => invitationState(u.invitation, Date.now()) !== null).length;

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
        <Button onClick={() => setEditing("new")} disabled={gate.blocked || mailConfigured === null} data-testid="member-add">
          + {mailConfigured ? t("team.invite") : t("team.add")}
        </Button>
      </div>
      <GateHint gate={gate} testId="team-plan-hint" />
      {notice && (
        <p role="status" className="flex items-center justify-between gap-2 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="team-notice">
          <span>{notice}</span>
          <button type="button" className="underline" onClick={() => setNotice(null)}>
            {t("common.dismiss")}
          </button>
        </p>
      )}
      {pending > 0 && (
        <p className="text-sm text-gray-600" data-testid="team-pending">
          {t("team.pendingCount", { count: pending })}
        </p>
      )}
      <ErrorText testId="team-error">{error ?? (users.error ? errorText(users.error) : null)}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="team-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("team.name")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("auth.email")}</th>
              <th className="px-4 py-2 font-medium">{t("team.role")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("team.presence")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("team.since")}</th>
              <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => {
              const live = inbox.presence[u.id] ?? inbox.users[u.id]?.presence ?? u.presence;
              return (
                <tr key={u.id} className="border-t border-gray-100 align-top" data-testid="member-row" data-user-id={u.id}>
                  <td className="px-4 py-2">
                    <div className="font-medium">
                      {u.name}
                      {u.id === me?.id && <span className="ml-1 text-xs font-normal text-gray-500">({t("team.you")})</span>}
                    </div>
                    <div className="break-all text-xs text-gray-500 sm:hidden">{u.email}</div>
                    <InvitationCell member={u} onSent={setNotice} />
                  </td>
                  <td className="hidden break-all px-4 py-2 text-gray-700 sm:table-cell">{u.email}</td>
                  <td className="px-4 py-2">
                    <Badge tone={u.role === "agent" ? "gray" : "brand"}>{t(`role.${u.role}`)}</Badge>
                  </td>
                  <td className="hidden px-4 py-2 sm:table-cell">
                    <PresenceDot presence={live} />
                  </td>
                  <td className="hidden whitespace-nowrap px-4 py-2 text-gray-500 md:table-cell">{u.created_at ? formatDay(u.created_at, lang.locale) : ""}</td>
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
        <Modal
          title={editing === "new" ? (mailConfigured ? t("team.invite") : t("team.add")) : t("team.edit", { name: editing.name })}
          onClose={() => setEditing(null)}
          testId="member-dialog"
        >
          <MemberForm
            member={editing === "new" ? null : editing}
            mailConfigured={mailConfigured === true}
            onCancel={() => setEditing(null)}
            onPlanRefusal={plan.reload}
            onDone={(u, invited) => {
              if (editing === "new") {
                setAdded((a) => [u, ...a]);
                plan.reload();
                if (invited) setNotice(t("team.inviteSent", { email: u.email }));
              } else setChanged((c) => ({ ...c, [u.id]: u }));
              setEditing(null);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
