import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CampaignsTabs } from "../components/campaigns/CampaignsTabs";
import { CampaignStatusBadge } from "../components/campaigns/CampaignBits";
import { ErrorText } from "../components/Field";
import { Button, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import type { DripView } from "../lib/types";

/** While a sequence runs, the list is read again this often (the socket brings sends sooner). */
const POLL_MS = 10_000;

/** The drip sequences: each with its state, contacts enrolled and still going through it. */
export function SequencesPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { onCampaignProgress } = useInbox();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [rows, setRows] = useState<DripView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const num = new Intl.NumberFormat(lang.locale);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });

  const load = useCallback(() => {
    const req = ++request.current;
    api
      .get<{ data: DripView[] }>("/campaigns", { type: "drip" })
      .then((page) => {
        if (req !== request.current) return;
        setRows(page.data.filter((d) => d.type === "drip"));
        setError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => load(), [load]);
  // A send of one of ours: the counts move.
  useEffect(() => onCampaignProgress(() => load()), [onCampaignProgress, load]);
  const running = rows?.some((d) => d.status === "running") ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => document.visibilityState === "visible" && load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, load]);

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <CampaignsTabs />
        <PageHeader title={t("sequences.title")} subtitle={t("sequences.intro")}>
          <Button onClick={() => navigate("/sequences/new")} data-testid="sequence-new">
            + {t("sequences.new")}
          </Button>
        </PageHeader>
        <ErrorText testId="sequences-error">{error}</ErrorText>
        <div className="mt-3 overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="sequences-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("sequences.col.name")}</th>
                <th className="px-4 py-2 font-medium">{t("sequences.col.status")}</th>
                <th className="px-3 py-2 text-right font-medium">{t("sequences.col.steps")}</th>
                <th className="px-3 py-2 text-right font-medium">{t("sequences.stat.enrolled")}</th>
                <th className="px-3 py-2 text-right font-medium">{t("sequences.stat.active")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("sequences.stat.completed")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("sequences.stat.exited")}</th>
              </tr>
            </thead>
            <tbody>
              {rows?.map((d) => (
                <tr key={d.id} className="border-t border-gray-100 align-top hover:bg-gray-50" data-testid="sequence-row" data-sequence-id={d.id} data-status={d.status}>
                  <td className="px-4 py-2">
                    <Link to={`/sequences/${d.id}`} className="font-medium text-brand-700 hover:underline" data-testid="sequence-row-name">
                      {d.name}
                    </Link>
                    <p className="text-xs text-gray-500">
                      {d.enroll_on_tag ? `${t("sequences.row.onTag", { tag: d.enroll_on_tag })} · ` : ""}
                      {date.format(new Date(d.created_at))}
                    </p>
                  </td>
                  <td className="px-4 py-2">
                    <CampaignStatusBadge status={d.status} testId="sequence-row-status" />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{num.format(d.steps?.length ?? 0)}</td>
                  <td className="px-3 py-2 text-right tabular-nums" data-testid="sequence-row-enrolled" data-value={d.stats?.enrolled ?? 0}>
                    {num.format(d.stats?.enrolled ?? 0)}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums" data-testid="sequence-row-active" data-value={d.stats?.active ?? 0}>
                    {num.format(d.stats?.active ?? 0)}
                  </td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(d.stats?.completed ?? 0)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(d.stats?.exited ?? 0)}</td>
                </tr>
              ))}
              {rows && rows.length === 0 && <EmptyRow colSpan={7}>{t("sequences.empty")}</EmptyRow>}
            </tbody>
          </table>
          {rows === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
      </div>
    </div>
  );
}
