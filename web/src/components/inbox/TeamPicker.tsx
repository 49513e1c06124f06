import { useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import type { Conversation } from "../../lib/types";

/** Which team a conversation belongs to; agents and admins move it (or take it out of any team). */
export function TeamPicker({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const inbox = useInbox();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const teams = inbox.teams ?? [];
  const current = c.team_id ?? "";
  // No teams in the account (or no teams API): nothing to pick.
  if (teams.length === 0 && !current) return null;
  const known = !current || teams.some((team) => team.id === current);

  async function choose(value: string) {
    if (value === current) return;
    setBusy(true);
    setError(null);
    try {
      await inbox.setTeam(c.id, value || null);
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="relative shrink-0">
      <label>
        <span className="sr-only">{t("conv.team")}</span>
        <select
          value={current}
          disabled={busy}
          onChange={(e) => void choose(e.target.value)}
          onFocus={inbox.reloadTeams}
          title={t("conv.team")}
          data-testid="conversation-team"
          data-team-id={current}
          className={`max-w-[7rem] rounded-lg border bg-white px-2 py-1 text-xs sm:max-w-[10rem] sm:text-sm ${error ? "border-red-400" : "border-gray-300"}`}
        >
          <option value="">{t("conv.noTeam")}</option>
          {!known && <option value={current}>{t("conv.unknownTeam")}</option>}
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p role="alert" className="absolute right-0 top-full z-30 mt-1 w-60 rounded-md border border-red-200 bg-red-50 px-2 py-1.5 text-xs text-red-700 shadow" data-testid="conversation-team-error">
          {error}
          <button type="button" className="ml-2 underline" onClick={() => setError(null)}>
            {t("common.dismiss")}
          </button>
        </p>
      )}
    </div>
  );
}
