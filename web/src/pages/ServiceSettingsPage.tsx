import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Button, ConfirmButton, EmptyRow, SelectInput, TextArea, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import {
  formatMinutes,
  MAX_FIRST_RESPONSE,
  MAX_RESOLUTION,
  parseMinutes,
  sortPolicies,
  type CsatSettings,
  type SlaPolicy,
} from "../lib/service";
import type { Team } from "../lib/teams";
import type { Page } from "../lib/types";

const ACCOUNT = "";

function CsatCard() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [settings, setSettings] = useState<CsatSettings | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [question, setQuestion] = useState("");
  const [thanks, setThanks] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const take = (s: CsatSettings) => {
    setSettings(s);
    setEnabled(s.csat_enabled);
    setQuestion(s.csat_question);
    setThanks(s.csat_thanks);
  };

  useEffect(() => {
    api
      .get<CsatSettings>("/csat/settings")
      .then(take)
      .catch((e: unknown) => setError(errorText(e)));
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  const ready = question.trim() !== "" && thanks.trim() !== "";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      take(await api.put<CsatSettings>("/csat/settings", { enabled, question: question.trim(), thanks: thanks.trim() }));
      setDone(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="csat-card">
      <div>
        <h3 className="font-semibold">{t("service.csat")}</h3>
        <p className="text-sm text-gray-600">{t("service.csatIntro")}</p>
      </div>
      {settings === null && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {settings !== null && (
        <form onSubmit={submit} className="space-y-3" noValidate>
          <label className="inline-flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="h-4 w-4 accent-brand-600"
              checked={enabled}
              onChange={(e) => {
                setDone(false);
                setEnabled(e.target.checked);
              }}
              data-testid="csat-enabled"
            />
            {t("service.csatEnabled")}
          </label>
          <TextArea label={t("service.csatQuestion")} hint={t("service.csatQuestionHint")} rows={2} maxLength={1024} value={question} onChange={(e) => setQuestion(e.target.value)} data-testid="csat-question" />
          <TextArea label={t("service.csatThanks")} hint={t("service.csatThanksHint")} rows={2} maxLength={1024} value={thanks} onChange={(e) => setThanks(e.target.value)} data-testid="csat-thanks" />
          <ErrorText testId="csat-error">{error}</ErrorText>
          <div className="flex items-center justify-end gap-2">
            {done && (
              <span role="status" className="text-sm text-green-700" data-testid="csat-saved">
                {t("service.saved")}
              </span>
            )}
            <Button type="submit" disabled={busy || !ready} data-testid="csat-save">
              {busy ? t("common.saving") : t("common.save")}
            </Button>
          </div>
        </form>
      )}
      {settings === null && <ErrorText testId="csat-error">{error}</ErrorText>}
    </section>
  );
}

function SlaCard() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [policies, setPolicies] = useState<SlaPolicy[] | null>(null);
  const [teams, setTeams] = useState<Team[]>([]);
  const [scope, setScope] = useState(ACCOUNT);
  const [first, setFirst] = useState("");
  const [resolution, setResolution] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const load = useCallback(async () => {
    try {
      const page = await api.get<{ data: SlaPolicy[] }>("/sla-policies");
      setPolicies(Array.isArray(page?.data) ? page.data : []);
    } catch (e) {
      setError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
    api
      .get<Page<Team>>("/teams")
      .then((p) => setTeams([...(p?.data ?? [])].sort((a, b) => a.name.localeCompare(b.name))))
      .catch(() => setTeams([]));
  }, [api, load]);

  const teamName = (id: string) => teams.find((x) => x.id === id)?.name ?? t("conv.unknownTeam");
  const current = policies?.find((p) => (p.team_id ?? ACCOUNT) === scope) ?? null;

  // The form shows the chosen scope's saved targets.
  useEffect(() => {
    setFirst(current?.first_response_minutes != null ? String(current.first_response_minutes) : "");
    setResolution(current?.resolution_minutes != null ? String(current.resolution_minutes) : "");
  }, [scope, current?.first_response_minutes, current?.resolution_minutes]);
  useEffect(() => setDone(false), [scope]);

  const firstValue = parseMinutes(first, MAX_FIRST_RESPONSE);
  const resolutionValue = parseMinutes(resolution, MAX_RESOLUTION);
  const valid = firstValue !== undefined && resolutionValue !== undefined && (firstValue !== null || resolutionValue !== null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.put<SlaPolicy>("/sla-policies", { team_id: scope || null, first_response_minutes: firstValue, resolution_minutes: resolutionValue });
      await load();
      setDone(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(teamId: string | null) {
    setError(null);
    try {
      await api.delete(`/sla-policies/${encodeURIComponent(teamId ?? "default")}`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const scopeLabel = (teamId: string | null) => (teamId ? t("service.slaTeam", { name: teamName(teamId) }) : t("service.slaDefault"));
  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="sla-card">
      <div>
        <h3 className="font-semibold">{t("service.sla")}</h3>
        <p className="text-sm text-gray-600">{t("service.slaIntro")}</p>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="sla-table">
          <thead className="text-xs uppercase text-gray-500">
            <tr>
              <th className="py-1.5 pr-4 font-medium">{t("service.slaScope")}</th>
              <th className="py-1.5 pr-4 font-medium">{t("service.firstResponse")}</th>
              <th className="py-1.5 pr-4 font-medium">{t("service.resolution")}</th>
              <th className="py-1.5" />
            </tr>
          </thead>
          <tbody>
            {sortPolicies(policies ?? [], teamName).map((p) => (
              <tr key={p.team_id ?? "default"} className="border-t border-gray-100" data-testid="sla-row" data-team-id={p.team_id ?? ""}>
                <td className="py-1.5 pr-4 font-medium">{scopeLabel(p.team_id)}</td>
                <td className="py-1.5 pr-4 tabular-nums">{formatMinutes(p.first_response_minutes)}</td>
                <td className="py-1.5 pr-4 tabular-nums">{formatMinutes(p.resolution_minutes)}</td>
                <td className="py-1.5 text-right">
                  <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={() => remove(p.team_id)} testId="sla-remove" />
                </td>
              </tr>
            ))}
            {policies !== null && policies.length === 0 && <EmptyRow colSpan={4}>{t("service.slaNone")}</EmptyRow>}
          </tbody>
        </table>
      </div>
      <form onSubmit={submit} className="space-y-3 rounded-lg bg-gray-50 p-3" noValidate data-testid="sla-form">
        <div className="grid gap-3 sm:grid-cols-3">
          <SelectInput
            label={t("service.slaScope")}
            value={scope}
            onChange={(e) => setScope(e.target.value)}
            options={[{ value: ACCOUNT, label: t("service.slaDefault") }, ...teams.map((x) => ({ value: x.id, label: t("service.slaTeam", { name: x.name }) }))]}
            data-testid="sla-scope"
          />
          <TextInput
            label={t("service.firstResponseMinutes")}
            hint={firstValue === undefined ? t("service.minutesInvalid") : firstValue ? formatMinutes(firstValue) : t("service.noTarget")}
            inputMode="numeric"
            value={first}
            onChange={(e) => setFirst(e.target.value)}
            data-testid="sla-first"
          />
          <TextInput
            label={t("service.resolutionMinutes")}
            hint={resolutionValue === undefined ? t("service.minutesInvalid") : resolutionValue ? formatMinutes(resolutionValue) : t("service.noTarget")}
            inputMode="numeric"
            value={resolution}
            onChange={(e) => setResolution(e.target.value)}
            data-testid="sla-resolution"
          />
        </div>
        <p className="text-xs text-gray-500">{t("service.slaHelp")}</p>
        <ErrorText testId="sla-error">{error}</ErrorText>
        <div className="flex items-center justify-end gap-2">
          {done && (
            <span role="status" className="text-sm text-green-700" data-testid="sla-saved">
              {t("service.saved")}
            </span>
          )}
          <Button type="submit" disabled={busy || !valid} data-testid="sla-save">
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </form>
    </section>
  );
}

export function ServiceSettingsPage() {
  const { t } = useI18n();
  return (
    <div className="space-y-4" data-testid="settings-service">
      <div>
        <h2 className="text-lg font-semibold">{t("settings.service")}</h2>
        <p className="text-sm text-gray-600">{t("service.intro")}</p>
      </div>
      <CsatCard />
      <SlaCard />
    </div>
  );
}
