import { useEffect, useMemo, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { BarChart } from "../components/charts/BarChart";
import { ErrorText } from "../components/Field";
import { Button, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { saveBlob } from "../lib/download";
import { formatDayRange } from "../lib/format";
import {
  csatBars,
  dailyTotals,
  exportName,
  formatDuration,
  formatRating,
  RANGE_PRESETS,
  rangeFor,
  sortPerformance,
  type ConversationsReport,
  type CsatReport,
  type ExportReport,
  type PerformanceReport,
  type RangePreset,
  type ReportBy,
} from "../lib/service";

function Section({ title, action, children, testId }: { title: string; action?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="rounded-xl border border-gray-200 bg-white p-4" data-testid={testId}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-sm font-semibold text-gray-700">{title}</h2>
        {action}
      </div>
      {children}
    </section>
  );
}

/** One report's answer, read again when the range (or `extra`) changes. */
function useReport<T>(path: string, query: Record<string, string>): { data: T | null; error: string | null; loading: boolean } {
  const { api } = useAuth();
  const errorText = useErrorText();
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api
      .get<T>(path, JSON.parse(key) as Record<string, string>)
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((e: unknown) => live && setState({ data: null, error: errorText(e), loading: false }));
    return () => {
      live = false;
    };
    // errorText is new every render; the request depends on the path and query.
  }, [api, path, key]);
  return state;
}

function ExportButton({ report, query }: { report: ExportReport; query: Record<string, string> }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      const file = await api.downloadFile("/analytics/export", { report, ...query });
      saveBlob(file.blob, file.filename ?? exportName(report, query.from ?? ""));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      {error && <span className="text-xs text-red-700">{error}</span>}
      <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => void run()} disabled={busy} data-testid={`report-export-${report}`}>
        {busy ? t("reports.exporting") : t("reports.export")}
      </Button>
    </span>
  );
}

function PerformanceSection({ range }: { range: { from: string; to: string } }) {
  const { t, lang } = useI18n();
  const [by, setBy] = useState<ReportBy>("agent");
  const query = useMemo(() => ({ ...range, by }), [range, by]);
  const report = useReport<PerformanceReport>("/analytics/performance", query);
  const num = new Intl.NumberFormat(lang.locale);
  const rows = sortPerformance(report.data?.data ?? []);
  const unnamed = by === "team" ? t("reports.noTeam") : t("reports.nobody");
  return (
    <Section
      title={t("reports.performance")}
      testId="report-performance"
      action={
        <div className="flex flex-wrap items-center gap-2">
          <div className="inline-flex rounded-lg border border-gray-300 bg-white p-0.5" role="tablist" aria-label={t("reports.performance")}>
            {(["agent", "team"] as const).map((b) => (
              <button
                key={b}
                type="button"
                role="tab"
                aria-selected={by === b}
                onClick={() => setBy(b)}
                data-testid={`report-by-${b}`}
                className={`rounded-md px-3 py-1 text-sm font-medium ${by === b ? "bg-brand-600 text-white" : "text-gray-600 hover:bg-gray-100"}`}
              >
                {b === "agent" ? t("reports.byAgent") : t("reports.byTeam")}
              </button>
            ))}
          </div>
          <ExportButton report="performance" query={query} />
        </div>
      }
    >
      <ErrorText>{report.error}</ErrorText>
      <div className={`overflow-x-auto ${report.loading ? "opacity-60" : ""}`}>
        <table className="w-full text-left text-sm" data-testid="report-performance-table" data-by={by}>
          <thead className="text-xs uppercase text-gray-500">
            <tr>
              <th className="py-1.5 pr-4 font-medium">{by === "agent" ? t("reports.agent") : t("reports.team")}</th>
              <th className="py-1.5 pr-4 text-right font-medium">{t("reports.resolved")}</th>
              <th className="py-1.5 pr-4 text-right font-medium">{t("reports.replies")}</th>
              <th className="py-1.5 pr-4 text-right font-medium">{t("reports.firstResponse")}</th>
              <th className="py-1.5 pr-4 text-right font-medium">{t("reports.resolution")}</th>
              <th className="py-1.5 text-right font-medium">{t("reports.csat")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id ?? "none"} className="border-t border-gray-100" data-testid="report-performance-row" data-id={r.id ?? ""}>
                <td className="py-1.5 pr-4 font-medium">{r.name ?? unnamed}</td>
                <td className="py-1.5 pr-4 text-right tabular-nums">{num.format(r.resolved)}</td>
                <td className="py-1.5 pr-4 text-right tabular-nums">{num.format(r.replies)}</td>
                <td className="py-1.5 pr-4 text-right tabular-nums" title={t("reports.p90", { value: formatDuration(r.first_response_p90) })}>
                  {formatDuration(r.first_response_p50)} <span className="text-xs text-gray-500">/ {formatDuration(r.first_response_p90)}</span>
                </td>
                <td className="py-1.5 pr-4 text-right tabular-nums" title={t("reports.p90", { value: formatDuration(r.resolution_p90) })}>
                  {formatDuration(r.resolution_p50)} <span className="text-xs text-gray-500">/ {formatDuration(r.resolution_p90)}</span>
                </td>
                <td className="py-1.5 text-right tabular-nums">
                  {formatRating(r.csat_average, lang.locale)} <span className="text-xs text-gray-500">({num.format(r.csat_count)})</span>
                </td>
              </tr>
            ))}
            {!report.loading && !report.error && rows.length === 0 && <EmptyRow colSpan={6}>{t("reports.empty")}</EmptyRow>}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-xs text-gray-500">{t("reports.performanceHelp")}</p>
    </Section>
  );
}

function ConversationsSection({ range }: { range: { from: string; to: string } }) {
  const { t, lang } = useI18n();
  const report = useReport<ConversationsReport>("/analytics/conversations", range);
  const dayFmt = new Intl.DateTimeFormat(lang.locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const longDay = new Intl.DateTimeFormat(lang.locale, { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" });
  const days = dailyTotals(report.data?.data ?? [], range.from, range.to);
  const totals = days.reduce((a, d) => ({ opened: a.opened + d.opened, resolved: a.resolved + d.resolved }), { opened: 0, resolved: 0 });
  const num = new Intl.NumberFormat(lang.locale);
  const data = days.map((d) => {
    const when = new Date(`${d.day}T00:00:00Z`);
    return { label: dayFmt.format(when), title: longDay.format(when), values: { opened: d.opened, resolved: d.resolved } };
  });
  return (
    <Section title={t("reports.conversations")} testId="report-conversations" action={<ExportButton report="conversations" query={range} />}>
      <ErrorText>{report.error}</ErrorText>
      <p className="mb-2 text-sm text-gray-600" data-testid="report-conversations-totals">
        {t("reports.conversationsTotals", { opened: num.format(totals.opened), resolved: num.format(totals.resolved) })}
      </p>
      <div className={report.loading ? "opacity-60" : ""}>
        <BarChart
          ariaLabel={t("reports.conversations")}
          testId="report-conversations-chart"
          data={data}
          series={[
            { key: "opened", label: t("reports.opened"), color: "#53bdeb" },
            { key: "resolved", label: t("reports.resolved"), color: "#128c7e" },
          ]}
        />
      </div>
    </Section>
  );
}

function CsatSection({ range }: { range: { from: string; to: string } }) {
  const { t, lang } = useI18n();
  const report = useReport<CsatReport>("/analytics/csat", range);
  const num = new Intl.NumberFormat(lang.locale);
  const when = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });
  const r = report.data;
  const bars = csatBars(r?.distribution ?? []);
  return (
    <Section title={t("reports.csat")} testId="report-csat" action={<ExportButton report="csat" query={range} />}>
      <ErrorText>{report.error}</ErrorText>
      <div className={`grid gap-4 md:grid-cols-[14rem_1fr] ${report.loading ? "opacity-60" : ""}`}>
        <div className="space-y-3">
          <div>
            <div className="text-xs text-gray-500">{t("reports.csatAverage")}</div>
            <div className="text-3xl font-semibold tabular-nums" data-testid="report-csat-average">
              {formatRating(r?.average, lang.locale)}
              <span className="text-base font-normal text-gray-500"> / 5</span>
            </div>
            <div className="text-xs text-gray-500" data-testid="report-csat-responses">
              {t("reports.csatResponses", { count: num.format(r?.responses ?? 0) })}
            </div>
          </div>
          <ul className="space-y-1" data-testid="report-csat-distribution">
            {bars.map((b) => (
              <li key={b.rating} className="flex items-center gap-2 text-xs" data-testid="report-csat-bar" data-rating={b.rating} data-count={b.count}>
                <span className="w-6 shrink-0 text-right tabular-nums">{b.rating}★</span>
                <span className="h-2.5 flex-1 overflow-hidden rounded bg-gray-100">
                  <span className="block h-full rounded bg-amber-400" style={{ width: `${b.percent}%` }} />
                </span>
                <span className="w-14 shrink-0 tabular-nums text-gray-600">
                  {num.format(b.count)} · {b.percent}%
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3 className="mb-1 text-xs font-medium uppercase text-gray-500">{t("reports.csatRecent")}</h3>
          {(r?.recent.length ?? 0) === 0 ? (
            <p className="text-sm text-gray-500" data-testid="report-csat-recent-empty">
              {t("reports.csatNone")}
            </p>
          ) : (
            <ul className="max-h-80 divide-y divide-gray-100 overflow-y-auto" data-testid="report-csat-recent">
              {r!.recent.map((c) => (
                <li key={`${c.conversation_id}-${c.at}`} className="py-2 text-sm" data-testid="report-csat-comment">
                  <div className="flex flex-wrap items-center gap-2 text-xs text-gray-500">
                    <span className="font-semibold text-amber-600">{"★".repeat(Math.max(0, Math.min(5, c.rating)))}</span>
                    <span>{when.format(new Date(c.at))}</span>
                    {c.agent_name && <span>· {c.agent_name}</span>}
                    <Link to={`/inbox/${encodeURIComponent(c.conversation_id)}`} className="text-brand-700 underline">
                      {t("reports.openConversation")}
                    </Link>
                  </div>
                  {c.comment ? <p className="mt-0.5 whitespace-pre-wrap break-words">{c.comment}</p> : <p className="mt-0.5 text-xs text-gray-400">{t("reports.noComment")}</p>}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Section>
  );
}

export function ReportsPage() {
  const { t, lang } = useI18n();
  const [days, setDays] = useState<RangePreset>(30);
  const [stamp, setStamp] = useState(() => Date.now());
  const range = useMemo(() => rangeFor(days, stamp), [days, stamp]);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl space-y-4 p-4" data-testid="reports">
        <PageHeader title={t("reports.title")} subtitle={formatDayRange(range.from, range.to, lang.locale, "UTC")}>
          <div className="inline-flex rounded-lg border border-gray-300 bg-white p-0.5" role="group" aria-label={t("dashboard.rangeLabel")}>
            {RANGE_PRESETS.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={days === r}
                onClick={() => {
                  setDays(r);
                  setStamp(Date.now());
                }}
                data-testid={`report-range-${r}`}
                className={`rounded-md px-3 py-1 text-sm font-medium ${days === r ? "bg-brand-600 text-white" : "text-gray-600 hover:bg-gray-100"}`}
              >
                {t("dashboard.days", { count: r })}
              </button>
            ))}
          </div>
          <Button variant="secondary" onClick={() => setStamp(Date.now())} data-testid="report-refresh">
            {t("reports.refresh")}
          </Button>
        </PageHeader>
        <PerformanceSection range={range} />
        <ConversationsSection range={range} />
        <CsatSection range={range} />
      </div>
    </div>
  );
}
