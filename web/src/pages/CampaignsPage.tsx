import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CampaignProgress, CampaignStatusBadge } from "../components/campaigns/CampaignBits";
import { CampaignsTabs } from "../components/campaigns/CampaignsTabs";
import { ErrorText } from "../components/Field";
import { GateHint } from "../components/plan/PlanBits";
import { Button, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { applyProgress, formatMoney, type CampaignWithStats } from "../lib/campaigns";
import { gateFor } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Page } from "../lib/types";

/** Between live frames, the list is fetched again this often while a campaign is scheduled or running. */
const POLL_MS = 5000;

export function CampaignsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { onCampaignProgress } = useInbox();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [rows, setRows] = useState<CampaignWithStats[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const num = new Intl.NumberFormat(lang.locale);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });
  // Campaigns need a plan with broadcasts.
  const gate = gateFor(useFreshAccountPlan().account, { feature: "broadcasts" });

  const load = useCallback(() => {
    const req = ++request.current;
    api
      .get<Page<CampaignWithStats>>("/campaigns")
      .then((page) => {
        if (req !== request.current) return;
        setRows(page.data);
        setError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => load(), [load]);

  // Live counts; a campaign we do not list yet (started elsewhere) brings the list again.
  useEffect(
    () =>
      onCampaignProgress((p) => {
        if (rowsRef.current?.some((c) => c.id === p.campaign_id)) setRows((prev) => prev?.map((c) => applyProgress(c, p)) ?? prev);
        else load();
      }),
    [onCampaignProgress, load],
  );

  const active = rows?.some((c) => c.status === "running" || c.status === "scheduled") ?? false;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") load();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [active, load]);

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <CampaignsTabs />
        <PageHeader title={t("campaigns.title")} subtitle={t("campaigns.intro")}>
          <Button onClick={() => navigate("/campaigns/new")} disabled={gate.blocked} data-testid="campaign-new">
            + {t("campaigns.new")}
          </Button>
        </PageHeader>
        <GateHint gate={gate} testId="campaigns-plan-hint" />
        <ErrorText testId="campaigns-error">{error}</ErrorText>
        <div className="mt-3 overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="campaigns-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("campaigns.col.name")}</th>
                <th className="px-4 py-2 font-medium">{t("campaigns.col.status")}</th>
                <th className="px-4 py-2 font-medium">{t("campaigns.progress")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("campaigns.stat.sent")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("campaigns.stat.delivered")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("campaigns.stat.read")}</th>
                <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("campaigns.stat.failed")}</th>
                <th className="px-4 py-2 text-right font-medium">{t("campaigns.stat.cost")}</th>
              </tr>
            </thead>
            <tbody>
              {rows?.map((c) => (
                <tr key={c.id} className="border-t border-gray-100 align-top hover:bg-gray-50" data-testid="campaign-row" data-campaign-id={c.id} data-status={c.status}>
                  <td className="px-4 py-2">
                    <Link to={`/campaigns/${c.id}`} className="font-medium text-brand-700 hover:underline" data-testid="campaign-row-name">
                      {c.name}
                    </Link>
                    <p className="text-xs text-gray-500">
                      <span className="font-mono">{c.template.name}</span> · {date.format(new Date(c.created_at))}
                    </p>
                    {c.paused_reason && c.status === "paused" && <p className="mt-1 max-w-sm text-xs text-amber-800">{c.paused_reason}</p>}
                  </td>
                  <td className="px-4 py-2">
                    <CampaignStatusBadge status={c.status} testId="campaign-row-status" />
                  </td>
                  <td className="px-4 py-2">
                    <CampaignProgress stats={c.stats} status={c.status} compact testId="campaign-row-progress" />
                  </td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(c.stats.funnel.sent)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(c.stats.funnel.delivered)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(c.stats.funnel.read)}</td>
                  <td className={`hidden px-3 py-2 text-right tabular-nums md:table-cell ${c.stats.failed ? "text-red-700" : ""}`}>{num.format(c.stats.failed)}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{formatMoney(c.stats.cost, lang.locale)}</td>
                </tr>
              ))}
              {rows && rows.length === 0 && <EmptyRow colSpan={8}>{t("campaigns.empty")}</EmptyRow>}
            </tbody>
          </table>
          {rows === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
      </div>
    </div>
  );
}
