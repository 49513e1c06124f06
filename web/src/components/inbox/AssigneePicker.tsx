import { useEffect, useRef, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import type { Conversation, User } from "../../lib/types";
import { presenceOf, PresenceBullet } from "../Presence";
import { useDismiss } from "../../lib/useDismiss";

const PRESENCE_ORDER = { online: 0, away: 1, busy: 2, offline: 3 } as const;

/**
 * Who answers this conversation. Admins assign anyone on the team; agents
 * take it (assign themselves) or release it. Each member shows their live
 * presence.
 */
export function AssigneePicker({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const isAdmin = user?.role !== "agent";
  const { reloadUsers } = inbox;

  useEffect(() => {
    if (open) reloadUsers();
  }, [open, reloadUsers]);
  useDismiss(root, open, () => setOpen(false));

  // A new conversation on screen: close, forget the last error.
  useEffect(() => {
    setOpen(false);
    setError(null);
  }, [c.id]);

  if (!user) return null;
  const presence = (u: Pick<User, "id" | "presence">) => inbox.presence[u.id] ?? u.presence;
  const team = Object.values(inbox.users);
  if (!inbox.users[user.id]) team.push(user);
  team.sort(
    (a, b) =>
      Number(b.id === user.id) - Number(a.id === user.id) ||
      PRESENCE_ORDER[presenceOf(presence(a))] - PRESENCE_ORDER[presenceOf(presence(b))] ||
      a.name.localeCompare(b.name),
  );
  const assignee = c.assignee_id ? (inbox.users[c.assignee_id] ?? (c.assignee_id === user.id ? user : undefined)) : undefined;
  const label = c.assignee_id ? (c.assignee_id === user.id ? t("assign.you") : (assignee?.name ?? t("conv.assignedOther"))) : t("conv.unassigned");
  // Agents may release only what is theirs (they never see a colleague's).
  const canRelease = c.assignee_id !== null && (isAdmin || c.assignee_id === user.id);

  async function choose(id: string | null) {
    if (id === c.assignee_id) {
      setOpen(false);
      return;
    }
    setBusy(id ?? "none");
    setError(null);
    try {
      await inbox.assign(c.id, id);
      setOpen(false);
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div ref={root} className="relative shrink-0">
      <button
        type="button"
        onClick={() => setOpen((v) => !v)}
        aria-haspopup="listbox"
        aria-expanded={open}
        title={`${t("assign.title")}: ${label}`}
        aria-label={`${t("assign.title")}: ${label}`}
        data-testid="assignee-picker"
        data-assignee-id={c.assignee_id ?? ""}
        className="flex max-w-[11rem] items-center gap-1.5 rounded-lg border border-gray-300 bg-white px-2 py-1 text-xs text-gray-700 hover:bg-gray-50 sm:text-sm"
      >
        {assignee ? (
          <PresenceBullet presence={presence(assignee)} />
        ) : (
          <svg viewBox="0 0 20 20" className="h-4 w-4 shrink-0 text-gray-400" fill="currentColor" aria-hidden="true">
            <path d="M10 10a4 4 0 100-8 4 4 0 000 8zm-7 8a7 7 0 0114 0H3z" />
          </svg>
        )}
        <span className="truncate" data-testid="assignee-name">
          {label}
        </span>
        <span aria-hidden="true" className="text-gray-400">
          ▾
        </span>
      </button>
      {open && (
        <div
          className="absolute right-0 top-full z-30 mt-1 w-64 rounded-lg border border-gray-200 bg-white py-1 shadow-lg"
          data-testid="assignee-menu"
        >
          <div className="px-3 py-1.5 text-xs font-semibold uppercase tracking-wide text-gray-500">{t("assign.title")}</div>
          <ul role="listbox" aria-label={t("assign.title")} className="max-h-72 overflow-y-auto">
            {team.map((u) => {
              const me = u.id === user.id;
              const allowed = isAdmin || me;
              const current = u.id === c.assignee_id;
              return (
                <li key={u.id}>
                  <button
                    type="button"
                    role="option"
                    aria-selected={current}
                    disabled={!allowed || busy !== null}
                    title={allowed ? undefined : t("assign.adminsOnly")}
                    onClick={() => void choose(u.id)}
                    data-testid="assignee-option"
                    data-user-id={u.id}
                    className="flex w-full items-center gap-2 px-3 py-1.5 text-left text-sm hover:bg-gray-50 disabled:cursor-not-allowed disabled:opacity-50"
                  >
                    <PresenceBullet presence={presence(u)} />
                    <span className="min-w-0 flex-1">
                      <span className="block truncate text-gray-900">
                        {u.name}
                        {me && <span className="text-gray-500"> ({t("team.you")})</span>}
                      </span>
                      <span className="block text-xs text-gray-500">{t(`role.${u.role}`)}</span>
                    </span>
                    {busy === u.id ? (
                      <span className="text-xs text-gray-400">…</span>
                    ) : (
                      current && (
                        <span className="text-brand-600" aria-hidden="true">
                          ✓
                        </span>
                      )
                    )}
                  </button>
                </li>
              );
            })}
          </ul>
          {canRelease && (
            <button
              type="button"
              onClick={() => void choose(null)}
              disabled={busy !== null}
              data-testid="assignee-release"
              className="mt-1 block w-full border-t border-gray-100 px-3 py-2 text-left text-sm text-gray-700 hover:bg-gray-50 disabled:opacity-50"
            >
              {c.assignee_id === user.id ? t("assign.release") : t("assign.unassign")}
            </button>
          )}
          {error && (
            <p role="alert" className="mx-2 mb-1 mt-1 rounded-md bg-red-50 px-2 py-1.5 text-xs text-red-700" data-testid="assignee-error">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
