import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, EmptyRow, PageHeader, useErrorText } from "../components/ui";
import { GateHint } from "../components/plan/PlanBits";
import { useI18n } from "../i18n/I18nProvider";
import { gateFor } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Flow, FlowAnalytics, FlowStatus } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const STATUS_TONE: Record<FlowStatus, "gray" | "green" | "amber"> = { draft: "gray", active: "green", inactive: "amber" };

export function FlowsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const flows = usePaged<Flow>(api, "/flows", { limit: 50 });
  const [overrides, setOverrides] = useState<Record<string, Flow | null>>({});
  const [stats, setStats] = useState<Record<string, FlowAnalytics | null>>({});
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });
  // A new flow counts against the plan's flows (the builder's first save creates it).
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { limit: "flows" });

  // Starts and completions for every listed flow.
  const ids = flows.items.map((f) => f.id).join(",");
  useEffect(() => {
    let live = true;
    for (const id of ids ? ids.split(",") : []) {
      if (id in stats) continue;
      api
        .get<FlowAnalytics>(`/flows/${id}/analytics`)
        .then((a) => live && setStats((s) => ({ ...s, [id]: a })))
        .catch(() => live && setStats((s) => ({ ...s, [id]: null })));
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ids, api]);

  const rows = flows.items.map((f) => (f.id in overrides ? overrides[f.id] : f)).filter((f): f is Flow => !!f);

  async function setStatus(f: Flow, status: FlowStatus) {
    setBusyId(f.id);
    setError(null);
    try {
      const next = await api.patch<Flow>(`/flows/${f.id}/status`, { status });
      setOverrides((o) => ({ ...o, [f.id]: next }));
    } catch (e) {
      setError(`${f.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  async function remove(f: Flow) {
    setBusyId(f.id);
    setError(null);
    try {
      await api.delete(`/flows/${f.id}`);
      setOverrides((o) => ({ ...o, [f.id]: null }));
      plan.reload();
    } catch (e) {
      setError(`${f.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  const trigger = (f: Flow) => {
    const type = t(`flow.trigger.${f.trigger_type}`);
    if (!f.trigger_value) return type;
    const match = f.trigger_type === "keyword" ? ` (${t(`flow.trigger.match.${f.trigger_match ?? "exact"}`)})` : "";
    return `${type}: ${f.trigger_value}${match}`;
  };

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <PageHeader title={t("flows.title")} subtitle={t("flows.intro")}>
          <Button onClick={() => navigate("/flows/new")} disabled={gate.blocked} data-testid="flow-new">
            + {t("flows.new")}
          </Button>
        </PageHeader>
        <GateHint gate={gate} testId="flows-plan-hint" />
        <ErrorText testId="flows-error">{error ?? (flows.error ? errorText(flows.error) : null)}</ErrorText>
        <div className="mt-3 overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="flows-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("flows.col.name")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("flows.col.trigger")}</th>
                <th className="px-4 py-2 font-medium">{t("flows.col.status")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("flows.col.version")}</th>
                <th className="hidden px-4 py-2 text-right font-medium md:table-cell">{t("flows.col.starts")}</th>
                <th className="hidden px-4 py-2 text-right font-medium md:table-cell">{t("flows.col.completions")}</th>
                <th className="hidden px-4 py-2 font-medium lg:table-cell">{t("flows.col.updated")}</th>
                <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => {
                const a = stats[f.id];
                return (
                  <tr key={f.id} className="border-t border-gray-100" data-testid="flow-row" data-flow-id={f.id}>
                    <td className="px-4 py-2 font-medium">
                      <Link to={`/flows/${f.id}`} className="text-brand-700 hover:underline" data-testid="flow-open">
                        {f.name}
                      </Link>
                      <div className="text-xs font-normal text-gray-500 sm:hidden">{trigger(f)}</div>
                    </td>
                    <td className="hidden px-4 py-2 text-gray-700 sm:table-cell">{trigger(f)}</td>
                    <td className="px-4 py-2">
                      <Badge tone={STATUS_TONE[f.status] ?? "gray"} testId="flow-row-status">
                        {t(`flow.status.${f.status}`)}
                      </Badge>
                    </td>
                    <td className="hidden px-4 py-2 text-gray-600 sm:table-cell">v{f.version}</td>
                    <td className="hidden px-4 py-2 text-right tabular-nums md:table-cell" data-testid="flow-starts">
                      {a ? a.starts : "—"}
                    </td>
                    <td className="hidden px-4 py-2 text-right tabular-nums md:table-cell">
                      {a ? `${a.completions}${a.starts ? ` (${Math.round(a.completion_rate * 100)}%)` : ""}` : "—"}
                    </td>
                    <td className="hidden px-4 py-2 text-gray-500 lg:table-cell">{date.format(new Date(f.updated_at))}</td>
                    <td className="px-4 py-2">
                      <div className="flex items-center justify-end gap-1">
                        {f.status === "active" ? (
                          <button
                            type="button"
                            disabled={busyId === f.id}
                            onClick={() => void setStatus(f, "inactive")}
                            className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100"
                            data-testid="flow-row-deactivate"
                          >
                            {t("flow.deactivate")}
                          </button>
                        ) : (
                          <button
                            type="button"
                            disabled={busyId === f.id}
                            onClick={() => void setStatus(f, "active")}
                            className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50"
                            data-testid="flow-row-activate"
                          >
                            {t("flow.activate")}
                          </button>
                        )}
                        <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} disabled={busyId === f.id} onConfirm={() => remove(f)} testId="flow-row-delete" />
                      </div>
                    </td>
                  </tr>
                );
              })}
              {!flows.loading && !flows.error && rows.length === 0 && <EmptyRow colSpan={8}>{t("flows.empty")}</EmptyRow>}
            </tbody>
          </table>
          {flows.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
        {flows.hasMore && !flows.loading && (
          <div className="mt-3 text-center">
            <Button variant="secondary" onClick={flows.loadMore}>
              {t("common.loadMore")}
            </Button>
          </div>
        )}
      </div>
    </div>
  );
}
