import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { PlanLink, UsageBar } from "../components/plan/PlanBits";
import { Button, EmptyRow, Labeled, fieldClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { formatMoney } from "../lib/campaigns";
import type { PlanView } from "../lib/plans";
import {
  activeDays,
  alertRowText,
  barPercent,
  categoryLabel,
  categoryTotals,
  dayLabel,
  formatE4,
  formatE4Exact,
  isEmptyUsage,
  isPeriod,
  MAU_KEY,
  mauUse,
  maxOf,
  periodLabel,
  periodOf,
  periodOfView,
  recentPeriods,
  shiftPeriod,
  upgradeFor,
  upgradeHintText,
  usageLevel,
  type UsageDay,
  type UsageView,
} from "../lib/usage";
import { useAccountPlan } from "../plan/AccountPlanProvider";

/** An amount in ten-thousandths: the currency's decimals, Meta's four in the tooltip. */
function E4({ e4, currency, testId }: { e4: number; currency: string; testId?: string }) {
  const { t, lang } = useI18n();
  return (
    <span title={t("usage.costExact", { amount: formatE4Exact(e4, currency, lang.locale) })} data-testid={testId} data-cost-e4={e4}>
      {formatE4(e4, currency, lang.locale)}
    </span>
  );
}

/** New customers and delivered messages per day: plain bars, the figures in each day's tooltip. */
function DayChart({ days, currency }: { days: UsageDay[]; currency: string }) {
  const { t, lang } = useI18n();
  const max = Math.max(maxOf(days, "new_users"), maxOf(days, "delivered"));
  const num = new Intl.NumberFormat(lang.locale);
  return (
    <div>
      <div className="overflow-x-auto">
        <div role="img" aria-label={t("usage.chartLabel")} data-testid="usage-day-chart" className="flex h-36 min-w-[36rem] items-stretch gap-px border-b border-gray-200">
          {days.map((d) => (
            <div
              key={d.day}
              className="flex min-w-0 flex-1 items-end justify-center gap-px rounded-sm hover:bg-gray-50"
              title={t("usage.chart.day", {
                day: dayLabel(d.day, lang.locale, "long"),
                users: num.format(d.new_users),
                delivered: num.format(d.delivered),
                cost: formatE4(d.cost_e4, currency, lang.locale),
              })}
              data-testid="usage-day-bar"
              data-day={d.day}
              data-new-users={d.new_users}
              data-delivered={d.delivered}
            >
              <div className="w-1/3 max-w-3 rounded-t-sm bg-brand-500" style={{ height: `${barPercent(d.new_users, max)}%` }} />
              <div className="w-1/3 max-w-3 rounded-t-sm bg-sky-400" style={{ height: `${barPercent(d.delivered, max)}%` }} />
            </div>
          ))}
        </div>
        <div className="flex min-w-[36rem] gap-px pt-1 text-center text-[10px] tabular-nums text-gray-500" aria-hidden="true">
          {days.map((d, i) => (
            <span key={d.day} className="min-w-0 flex-1">
              {i === 0 || (i + 1) % 5 === 0 ? Number(d.day.slice(8, 10)) : ""}
            </span>
          ))}
        </div>
      </div>
      <p className="mt-2 flex flex-wrap gap-4 text-xs text-gray-600">
        <span className="flex items-center gap-1">
          <span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-sm bg-brand-500" />
          {t("usage.legend.newUsers")}
        </span>
        <span className="flex items-center gap-1">
          <span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-sm bg-sky-400" />
          {t("usage.legend.delivered")}
        </span>
      </p>
    </div>
  );
}

const cell = "px-3 py-2";
const numCell = `${cell} text-right tabular-nums`;

/**
 * Settings → Usage: a billing month (`?period=2026-11`, this month by
 * default) — the customers reached against the plan's limit, Meta's charges
 * by category and by day, and the limit alerts that fired. Everyone in the
 * account may read it; it reads again when a limit alert arrives.
 */
export function UsagePage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const { account } = useAccountPlan();
  const { onUsageAlert } = useInbox();
  const [search, setSearch] = useSearchParams();
  const [now] = useState(() => Date.now());
  const current = periodOf(now);
  const asked = search.get("period");
  // A malformed ?period= goes to the server as it is: its VALIDATION message says what is wrong.
  const period = asked === null || asked === "" ? current : asked;
  const [view, setView] = useState<UsageView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);

  const load = useCallback(async () => {
    const req = ++request.current;
    setLoading(true);
    setError(null);
    try {
      const v = await api.get<UsageView>("/usage", { period });
      if (req !== request.current) return;
      setView(v);
    } catch (e) {
      if (req === request.current) {
        setView(null);
        setError(errorText(e));
      }
    } finally {
      if (req === request.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, period]);

  useEffect(() => {
    void load();
  }, [load]);

  // A limit alert for the month on screen: the figures changed.
  useEffect(() => onUsageAlert((a) => {
    if (a.period.slice(0, 7) === period) void load();
  }), [onUsageAlert, period, load]);

  const choose = (p: string) => {
    setSearch(p === current ? {} : { period: p }, { replace: false });
  };

  const options = useMemo(() => {
    const list = recentPeriods(now, 12);
    if (isPeriod(period) && !list.includes(period)) list.push(period);
    return list.sort((a, b) => b.localeCompare(a)).map((p) => ({
      value: p,
      label: p === current ? t("usage.thisMonth", { month: periodLabel(p, lang.locale) }) : periodLabel(p, lang.locale),
    }));
  }, [now, period, current, t, lang.locale]);

  const shown = view && periodOfView(view) === period ? view : null;
  const state = error ? "error" : shown && !loading ? "ready" : "loading";

  return (
    <div className="space-y-6" data-testid="usage-page" data-period={period} data-state={state}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.usage")}</h2>
          <p className="text-sm text-gray-600">{t("usage.intro")}</p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <Button
            variant="secondary"
            onClick={() => isPeriod(period) && choose(shiftPeriod(period, -1))}
            disabled={!isPeriod(period)}
            data-testid="usage-prev"
            aria-label={t("usage.prev")}
            title={t("usage.prev")}
          >
            ‹
          </Button>
          <Labeled label={t("usage.period")}>
            {(id) => (
              <select id={id} className={`${fieldClass} min-w-44`} value={isPeriod(period) ? period : ""} onChange={(e) => choose(e.target.value)} data-testid="usage-period">
                {!isPeriod(period) && <option value="">{period}</option>}
                {options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            )}
          </Labeled>
          <Button
            variant="secondary"
            onClick={() => isPeriod(period) && choose(shiftPeriod(period, 1))}
            disabled={!isPeriod(period) || period >= current}
            data-testid="usage-next"
            aria-label={t("usage.next")}
            title={t("usage.next")}
          >
            ›
          </Button>
          <Button variant="secondary" onClick={() => void load()} disabled={loading} data-testid="usage-refresh">
            {t("usage.refresh")}
          </Button>
        </div>
      </div>
      <ErrorText testId="usage-error">{error}</ErrorText>
      {!shown && loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {shown && <UsageBody view={shown} plans={account?.plans ?? []} />}
    </div>
  );
}

function UsageBody({ view, plans }: { view: UsageView; plans: readonly PlanView[] }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const period = periodOfView(view);
  const use = mauUse(view);
  const level = usageLevel(use);
  const upgrade = use.limit === null ? null : upgradeFor(plans, view.plan, MAU_KEY, use.limit);
  const hint = upgradeHintText(level, use, view.plan_name, upgrade, t, lang.locale);
  const empty = isEmptyUsage(view);
  const currency = view.cost.currency;
  const totals = categoryTotals(view.by_category);
  const days = activeDays(view.by_day);
  const range = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeZone: "UTC" });
  const lastDay = Date.parse(view.period.end) - 1;

  return (
    <>
      <p className="-mt-4 text-xs text-gray-500" data-testid="usage-period-range">
        {range.format(Date.parse(view.period.start))} – {range.format(lastDay)} (UTC)
      </p>
      <section className="grid gap-4 md:grid-cols-2">
        <div
          className={`space-y-3 rounded-xl border bg-white p-4 ${level === "over" ? "border-red-300" : level === "near" ? "border-amber-300" : "border-gray-200"}`}
          data-testid="usage-mau"
          data-level={level}
          data-used={use.used}
          data-limit={use.limit ?? "unlimited"}
        >
          <div>
            <p className="text-xs font-medium uppercase text-gray-500">{t("usage.mau")}</p>
            <p
              className={`text-3xl font-semibold tabular-nums ${level === "over" ? "text-red-700" : level === "near" ? "text-amber-700" : "text-gray-900"}`}
              data-testid="usage-mau-value"
            >
              {num.format(view.monthly_unique_users)}
            </p>
          </div>
          <UsageBar label={t("usage.mauBar", { plan: view.plan_name })} use={use} testId="usage-mau-bar" />
          <p className="text-xs text-gray-500">{t("usage.mauHint")}</p>
          {hint && (
            <p
              role="status"
              data-testid="usage-upgrade-hint"
              data-level={level}
              className={`rounded-lg border px-3 py-2 text-sm ${level === "over" ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"}`}
            >
              {hint} <PlanLink />
            </p>
          )}
        </div>
        <div className="space-y-2 rounded-xl border border-gray-200 bg-white p-4">
          <p className="text-xs font-medium uppercase text-gray-500">{t("usage.cost")}</p>
          <p
            className="text-3xl font-semibold tabular-nums"
            data-testid="usage-cost"
            data-amount-minor={view.cost.amount_minor}
            data-amount-e4={view.cost.amount_e4}
            data-currency={currency}
            title={t("usage.costExact", { amount: formatE4Exact(view.cost.amount_e4, currency, lang.locale) })}
          >
            {formatMoney(view.cost, lang.locale)}
          </p>
          <p className="text-xs text-gray-500">{t("usage.costHint")}</p>
        </div>
      </section>

      {empty ? (
        <p className="rounded-xl border border-dashed border-gray-300 bg-white p-6 text-center text-sm text-gray-600" data-testid="usage-empty">
          {t("usage.empty", { month: periodLabel(period, lang.locale) })}
        </p>
      ) : (
        <>
          <section>
            <h3 className="mb-2 text-base font-semibold">{t("usage.byCategory")}</h3>
            <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
              <table className="w-full text-left text-sm" data-testid="usage-categories">
                <thead className="bg-gray-50 text-xs uppercase text-gray-500">
                  <tr>
                    <th className={`${cell} font-medium`}>{t("usage.col.category")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.delivered")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.charged")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.cost")}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.by_category.map((c) => (
                    <tr key={c.category} className="border-t border-gray-100" data-testid="usage-category-row" data-category={c.category}>
                      <td className={cell} title={c.category}>
                        {categoryLabel(c.category, t)}
                      </td>
                      <td className={numCell} data-testid="usage-category-delivered">
                        {num.format(c.delivered)}
                      </td>
                      <td className={numCell} data-testid="usage-category-charged">
                        {num.format(c.charged)}
                      </td>
                      <td className={numCell}>
                        <E4 e4={c.cost_e4} currency={currency} testId="usage-category-cost" />
                      </td>
                    </tr>
                  ))}
                  {view.by_category.length === 0 && <EmptyRow colSpan={4}>{t("usage.noCategories")}</EmptyRow>}
                </tbody>
                {view.by_category.length > 1 && (
                  <tfoot className="border-t border-gray-200 font-medium">
                    <tr data-testid="usage-category-total">
                      <td className={cell}>{t("usage.total")}</td>
                      <td className={numCell}>{num.format(totals.delivered)}</td>
                      <td className={numCell}>{num.format(totals.charged)}</td>
                      <td className={numCell}>
                        <E4 e4={totals.cost_e4} currency={currency} />
                      </td>
                    </tr>
                  </tfoot>
                )}
              </table>
            </div>
          </section>

          <section className="space-y-3">
            <h3 className="text-base font-semibold">{t("usage.byDay")}</h3>
            <div className="rounded-xl border border-gray-200 bg-white p-4">
              <DayChart days={view.by_day} currency={currency} />
            </div>
            <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
              <table className="w-full text-left text-sm" data-testid="usage-days">
                <thead className="bg-gray-50 text-xs uppercase text-gray-500">
                  <tr>
                    <th className={`${cell} font-medium`}>{t("usage.col.day")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.newUsers")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.delivered")}</th>
                    <th className={`${numCell} font-medium`}>{t("usage.col.cost")}</th>
                  </tr>
                </thead>
                <tbody>
                  {days.map((d) => (
                    <tr key={d.day} className="border-t border-gray-100" data-testid="usage-day-row" data-day={d.day}>
                      <td className={`${cell} whitespace-nowrap`}>
                        <time dateTime={d.day}>{dayLabel(d.day, lang.locale, "long")}</time>
                      </td>
                      <td className={numCell} data-testid="usage-day-new-users">
                        {num.format(d.new_users)}
                      </td>
                      <td className={numCell} data-testid="usage-day-delivered">
                        {num.format(d.delivered)}
                      </td>
                      <td className={numCell}>
                        <E4 e4={d.cost_e4} currency={currency} testId="usage-day-cost" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="text-xs text-gray-500">{t("usage.byDayHint")}</p>
          </section>

          <section>
            <h3 className="mb-2 text-base font-semibold">{t("usage.alerts")}</h3>
            {view.alerts.length === 0 ? (
              <p className="text-sm text-gray-500" data-testid="usage-alerts-none">
                {t("usage.alerts.none")}
              </p>
            ) : (
              <ul className="divide-y divide-gray-100 rounded-xl border border-gray-200 bg-white text-sm" data-testid="usage-alerts">
                {view.alerts.map((a) => (
                  <li
                    key={`${a.limit}:${a.threshold}`}
                    className="flex flex-wrap items-center justify-between gap-2 px-3 py-2"
                    data-testid="usage-alert-row"
                    data-limit={a.limit}
                    data-threshold={a.threshold}
                  >
                    <span className="flex items-center gap-2">
                      <span aria-hidden="true">{a.threshold >= 100 ? "⛔" : "⚠️"}</span>
                      {alertRowText(a, t, lang.locale)}
                    </span>
                    <time dateTime={a.fired_at} className="text-xs text-gray-500">
                      {new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" }).format(Date.parse(a.fired_at))}
                    </time>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}
