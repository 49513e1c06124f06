import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CampaignStatusBadge } from "../components/campaigns/CampaignBits";
import { ErrorText } from "../components/Field";
import { EnrollContactsForm } from "../components/sequences/EnrollContactsForm";
import { useExitReason } from "../components/sequences/EnrollmentDrawer";
import { EnrollmentsTable } from "../components/sequences/EnrollmentsTable";
import { SequenceActions } from "../components/sequences/SequenceActions";
import { SequenceSummary } from "../components/sequences/SequenceSummary";
import { ConfirmButton, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { formatMoney } from "../lib/campaigns";
import { delayFromSeconds, dripCan, exitCounts, formatSendWindow, STEP_COUNTS, stepExitCounts } from "../lib/drips";
import type { DripView } from "../lib/types";

/** While it runs, the sequence is read again this often (the socket brings sends sooner). */
const POLL_MS = 5000;

function Tile({ label, value, testId, raw }: { label: string; value: string; testId: string; raw: number }) {
  return (
    <div className="rounded-lg bg-gray-50 p-3" data-testid={testId} data-value={raw}>
      <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</div>
      <div className="mt-0.5 text-xl font-semibold tabular-nums">{value}</div>
    </div>
  );
}

/**
 * A sequence (`/sequences/{id}`): its state and controls, how many contacts
 * joined, wait, finished or left (and why), counts per step, the contacts
 * with their paths, and a form to enrol more.
 */
export default function SequenceDetailPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { onCampaignProgress } = useInbox();
  const errorText = useErrorText();
  const exitReason = useExitReason();
  const navigate = useNavigate();
  const { id = "" } = useParams();
  const [drip, setDrip] = useState<DripView | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Bumped when the contacts' list should read again. */
  const [generation, setGeneration] = useState(0);
  const num = new Intl.NumberFormat(lang.locale);

  const load = useCallback(() => {
    api
      .get<DripView>(`/campaigns/${encodeURIComponent(id)}`)
      .then((d) => {
        setDrip(d);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id]);
  useEffect(() => load(), [load]);

  const refresh = useCallback(() => {
    load();
    setGeneration((g) => g + 1);
  }, [load]);
  useEffect(() => onCampaignProgress((p) => p.campaign_id === id && refresh()), [onCampaignProgress, id, refresh]);
  const live = drip?.status === "running" || drip?.status === "paused";
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => document.visibilityState === "visible" && refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [live, refresh]);

  async function remove() {
    try {
      await api.delete(`/campaigns/${encodeURIComponent(id)}`);
      navigate("/sequences");
    } catch (e) {
      setError(errorText(e));
    }
  }

  if (!drip) {
    return <div className="mx-auto max-w-6xl p-4">{error ? <ErrorText testId="sequence-error">{error}</ErrorText> : <p className="text-sm text-gray-500">{t("common.loading")}</p>}</div>;
  }
  const stats = drip.stats;
  const steps = [...drip.steps].sort((a, b) => a.position - b.position);
  const reasons = exitCounts(stats.exited_by_reason);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl space-y-4 p-4" data-testid="sequence-detail" data-status={drip.status}>
        <PageHeader title={drip.name} subtitle={t("sequences.detail.subtitle", { steps: num.format(steps.length), version: drip.version })}>
          <Link to="/sequences" className="text-sm text-gray-600 hover:underline">
            {t("sequences.back")}
          </Link>
          <CampaignStatusBadge status={drip.status} testId="sequence-status" />
          {dripCan.edit(drip.status) && (
            <Link to={`/sequences/${drip.id}/edit`} className="rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm font-medium text-gray-700 hover:bg-gray-50" data-testid="sequence-edit">
              {t("common.edit")}
            </Link>
          )}
          {dripCan.delete(drip.status) && <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={remove} testId="sequence-delete" />}
        </PageHeader>
        <SequenceActions drip={drip} onChanged={(d) => { setDrip(d); setGeneration((g) => g + 1); }} />
        {drip.status === "paused" && drip.paused_reason && <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-800">{drip.paused_reason}</p>}
        <ErrorText testId="sequence-error">{error}</ErrorText>
        <SequenceSummary drip={drip} />

        <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
          <Tile label={t("sequences.stat.enrolled")} value={num.format(stats.enrolled)} raw={stats.enrolled} testId="sequence-stat-enrolled" />
          <Tile label={t("sequences.stat.active")} value={num.format(stats.active)} raw={stats.active} testId="sequence-stat-active" />
          <Tile label={t("sequences.stat.completed")} value={num.format(stats.completed)} raw={stats.completed} testId="sequence-stat-completed" />
          <Tile label={t("sequences.stat.exited")} value={num.format(stats.exited)} raw={stats.exited} testId="sequence-stat-exited" />
          <Tile label={t("sequences.stat.cost")} value={formatMoney(stats.cost, lang.locale)} raw={stats.cost.amount_minor} testId="sequence-stat-cost" />
        </div>

        <section className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <h2 className="border-b border-gray-100 px-4 py-3 text-sm font-semibold text-gray-700">{t("sequences.steps")}</h2>
          <table className="w-full text-left text-sm" data-testid="sequence-step-stats">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("sequences.col.step")}</th>
                {STEP_COUNTS.map((k) => (
                  <th key={k} className="px-3 py-2 text-right font-medium">
                    {t(`sequences.count.${k}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {steps.map((s) => {
                const c = stats.steps.find((x) => x.position === s.position);
                const delay = delayFromSeconds(s.delay_seconds);
                const exits = stepExitCounts(c);
                return (
                  <tr key={s.id} className="border-t border-gray-100 align-top" data-testid="sequence-step-row" data-position={s.position}>
                    <td className="px-4 py-2">
                      <span className="font-medium">{t("sequences.path.step", { n: s.position + 1, name: s.name })}</span>
                      <span className="block text-xs text-gray-500">
                        {t(s.delay_from === "enrolment" ? "sequences.detail.afterEnrolment" : "sequences.detail.afterPrevious", {
                          delay: t(`sequences.delay.${delay.unit}`, { count: num.format(delay.value) }),
                        })}
                        {s.send_window && ` · ${formatSendWindow(s.send_window, lang.locale, t("sequences.window.everyDay"))}`}
                      </span>
                      <span className="block text-xs text-gray-500">
                        {[s.template ? `${s.template.name} (${s.template.language})` : null, s.session_message ? t("sequences.detail.session") : null].filter(Boolean).join(" · ")}
                      </span>
                      {exits.length > 0 && (
                        <span className="block text-xs text-gray-600" data-testid="sequence-step-exits">
                          {t("sequences.detail.stepExited", {
                            reasons: exits.map(([reason, n]) => `${exitReason(reason)} ${num.format(n)}`).join(" · "),
                          })}
                        </span>
                      )}
                    </td>
                    {STEP_COUNTS.map((k) => (
                      <td key={k} className="px-3 py-2 text-right tabular-nums" data-testid={`sequence-step-${k}`} data-value={c?.[k] ?? 0}>
                        {num.format(c?.[k] ?? 0)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>

        {reasons.length > 0 && (
          <section className="rounded-xl border border-gray-200 bg-white p-4" data-testid="sequence-exit-reasons">
            <h2 className="mb-2 text-sm font-semibold text-gray-700">{t("sequences.exitedBy")}</h2>
            <ul className="grid gap-1 text-sm sm:grid-cols-2">
              {reasons.map(([reason, n]) => (
                <li key={reason} className="flex justify-between rounded-md bg-gray-50 px-3 py-1.5" data-testid="sequence-exit-reason" data-reason={reason} data-value={n}>
                  <span>{exitReason(reason)}</span>
                  <span className="tabular-nums font-semibold">{num.format(n)}</span>
                </li>
              ))}
            </ul>
          </section>
        )}

        <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
          <EnrollmentsTable sequenceId={drip.id} generation={generation} onChanged={load} />
          {dripCan.enroll(drip.status) ? (
            <EnrollContactsForm sequenceId={drip.id} onEnrolled={refresh} />
          ) : (
            <p className="h-fit rounded-xl border border-gray-200 bg-white p-4 text-sm text-gray-600" data-testid="sequence-enroll-closed">
              {drip.status === "draft" ? t("sequences.enroll.startFirst") : t("sequences.enroll.closed")}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
