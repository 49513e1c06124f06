import { useCallback, useEffect, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { BarChart } from "../components/charts/BarChart";
import { Button, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { ApiError } from "../lib/api";
import { formatSecondsShort } from "../lib/chart";
import type { Overview } from "../lib/types";
import { PresenceDot } from "../components/Presence";
import { formatDayRange } from "../lib/format";

const RANGES = [7, 30] as const;

function Card({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: string; testId?: string }) {
  return (
    <div className="rounded-xl border border-gray-200 bg-white p-4" data-testid={testId}>
      <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums">{value}</div>
      {hint && <div className="mt-0.5 text-xs text-gray-500">{hint}</div>}
    </div>
  );
}

function Panel({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="rounded-xl border border-gray-200 bg-white p-4" data-testid={testId}>
      <h2 className="mb-3 text-sm font-semibold text-gray-700">{title}</h2>
      {children}
    </section>
  );
}

export function DashboardPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const inbox = useInbox();
  const errorText = useErrorText();
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const num = new Intl.NumberFormat(lang.locale);
  const dayFmt = new Intl.DateTimeFormat(lang.locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const longDay = new Intl.DateTimeFormat(lang.locale, { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" });

  const load = useCallback(() => setAttempt((a) => a + 1), []);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api
      .get<Overview>("/analytics/overview", { days })
      .then((o) => live && setData(o))
      .catch((e: unknown) => {
        if (!live) return;
        setData(null);
        setError(e instanceof ApiError && e.status === 404 ? t("dashboard.unavailable") : errorText(e));
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, days, attempt]);

  const byDay = (data?.by_day ?? []).map((d) => {
    const when = new Date(`${d.day}T00:00:00Z`);
    return {
      label: Number.isNaN(when.getTime()) ? d.day : dayFmt.format(when),
      title: Number.isNaN(when.getTime()) ? d.day : longDay.format(when),
      values: { inbound: d.messages_inbound, outbound: d.messages_outbound, conversations: d.conversations_new },
    };
  });
  const flows = data?.flows;
  const completion = flows && flows.runs_started ? Math.round((flows.runs_completed / flows.runs_started) * 100) : null;

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <PageHeader title={t("dashboard.title")} subtitle={data ? formatDayRange(data.range.from, data.range.to, lang.locale, "UTC") : undefined}>
          <div className="inline-flex rounded-lg border border-gray-300 bg-white p-0.5" role="group" aria-label={t("dashboard.rangeLabel")}>
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={days === r}
                onClick={() => setDays(r)}
                data-testid={`dash-range-${r}`}
                className={`rounded-md px-3 py-1 text-sm font-medium ${days === r ? "bg-brand-600 text-white" : "text-gray-600 hover:bg-gray-100"}`}
              >
                {t("dashboard.days", { count: r })}
              </button>
            ))}
          </div>
        </PageHeader>
        {error && (
          <div role="alert" className="mb-4 flex flex-wrap items-center justify-between gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="dash-error">
            <span>{error}</span>
            <Button variant="secondary" onClick={load}>
              {t("common.retry")}
            </Button>
          </div>
        )}
        {loading && !data && <p className="p-6 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        {data && (
          <div className={`space-y-4 ${loading ? "opacity-60" : ""}`} data-testid="dashboard">
            <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-5">
              <Card label={t("dashboard.newConversations")} value={num.format(data.totals.conversations_new)} testId="dash-conversations-new" />
              <Card label={t("dashboard.inbound")} value={num.format(data.totals.messages_inbound)} testId="dash-inbound" />
              <Card label={t("dashboard.outbound")} value={num.format(data.totals.messages_outbound)} testId="dash-outbound" />
              <Card label={t("dashboard.open")} value={num.format(data.totals.open_conversations)} hint={t("dashboard.now")} testId="dash-open" />
              <Card label={t("dashboard.unassigned")} value={num.format(data.totals.unassigned_open)} hint={t("dashboard.now")} testId="dash-unassigned" />
            </div>
            <div className="grid gap-4 lg:grid-cols-3">
              <div className="lg:col-span-2">
                <Panel title={t("dashboard.messagesByDay")} testId="dash-chart-messages">
                  <BarChart
                    ariaLabel={t("dashboard.messagesByDay")}
                    data={byDay}
                    series={[
                      { key: "inbound", label: t("dashboard.inbound"), color: "#128c7e" },
                      { key: "outbound", label: t("dashboard.outbound"), color: "#53bdeb" },
                    ]}
                  />
                </Panel>
              </div>
              <Panel title={t("dashboard.conversationsByDay")} testId="dash-chart-conversations">
                <BarChart ariaLabel={t("dashboard.conversationsByDay")} data={byDay} series={[{ key: "conversations", label: t("dashboard.newConversations"), color: "#f59e0b" }]} />
              </Panel>
            </div>
            <div className="grid gap-4 md:grid-cols-2">
              <Panel title={t("dashboard.responseTime")} testId="dash-response">
                <div className="grid grid-cols-3 gap-3">
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.median")}</div>
                    <div className="text-xl font-semibold tabular-nums" data-testid="dash-median">
                      {formatSecondsShort(data.response_time.first_response_median_seconds)}
                    </div>
                  </div>
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.p90")}</div>
                    <div className="text-xl font-semibold tabular-nums">{formatSecondsShort(data.response_time.first_response_p90_seconds)}</div>
                  </div>
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.samples")}</div>
                    <div className="text-xl font-semibold tabular-nums">{num.format(data.response_time.samples)}</div>
                  </div>
                </div>
                <p className="mt-2 text-xs text-gray-500">{t("dashboard.responseHelp")}</p>
              </Panel>
              <Panel title={t("dashboard.flows")} testId="dash-flows">
                <div className="grid grid-cols-3 gap-3">
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.runsStarted")}</div>
                    <div className="text-xl font-semibold tabular-nums">{num.format(data.flows.runs_started)}</div>
                  </div>
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.runsCompleted")}</div>
                    <div className="text-xl font-semibold tabular-nums">{num.format(data.flows.runs_completed)}</div>
                  </div>
                  <div>
                    <div className="text-xs text-gray-500">{t("dashboard.completionRate")}</div>
                    <div className="text-xl font-semibold tabular-nums">{completion === null ? "—" : `${completion}%`}</div>
                  </div>
                </div>
              </Panel>
            </div>
            <Panel title={t("dashboard.agents")} testId="dash-agents">
              <div className="overflow-x-auto">
                <table className="w-full text-left text-sm">
                  <thead className="text-xs uppercase text-gray-500">
                    <tr>
                      <th className="py-1.5 pr-4 font-medium">{t("team.name")}</th>
                      <th className="py-1.5 pr-4 font-medium">{t("team.presence")}</th>
                      <th className="py-1.5 pr-4 text-right font-medium">{t("dashboard.messagesSent")}</th>
                      <th className="py-1.5 text-right font-medium">{t("dashboard.assigned")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.agents.map((a) => (
                      <tr key={a.user_id} className="border-t border-gray-100" data-testid="dash-agent-row">
                        <td className="py-1.5 pr-4 font-medium">{a.name}</td>
                        <td className="py-1.5 pr-4">
                          <PresenceDot presence={inbox.presence[a.user_id] ?? inbox.users[a.user_id]?.presence ?? a.presence} />
                        </td>
                        <td className="py-1.5 pr-4 text-right tabular-nums">{num.format(a.messages_sent)}</td>
                        <td className="py-1.5 text-right tabular-nums">{num.format(a.conversations_assigned)}</td>
                      </tr>
                    ))}
                    {data.agents.length === 0 && <EmptyRow colSpan={4}>{t("dashboard.noAgents")}</EmptyRow>}
                  </tbody>
                </table>
              </div>
            </Panel>
          </div>
        )}
      </div>
    </div>
  );
}
