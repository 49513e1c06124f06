import { Link } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { BILLING_PATH, PriceText, UsageBar } from "../components/plan/PlanBits";
import { Badge, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { canOpen } from "../lib/nav";
import { byPosition, FEATURES, hasFeature, LIMIT_KEYS, limitText, limitUse, statusTone, USAGE_KEYS, type PlanView } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";

function PlanCard({ plan, current }: { plan: PlanView; current: boolean }) {
  const { t, lang } = useI18n();
  return (
    <section
      data-testid="plan-card"
      data-plan={plan.code}
      data-current={current ? "true" : "false"}
      className={`flex flex-col rounded-xl border bg-white p-4 ${current ? "border-brand-500 ring-2 ring-brand-100" : "border-gray-200"}`}
    >
      <div className="flex items-start justify-between gap-2">
        <h3 className="text-base font-semibold">{plan.name}</h3>
        {current && <Badge tone="brand">{t("plan.yours")}</Badge>}
      </div>
      <p className="mt-2 text-lg font-semibold tabular-nums" data-testid="plan-card-price">
        {plan.price_monthly_minor === null ? t("plan.customPrice") : <PriceText minor={plan.price_monthly_minor} currency={plan.currency} per="month" />}
      </p>
      {plan.price_annual_minor !== null && (
        <p className="text-xs text-gray-500">
          <PriceText minor={plan.price_annual_minor} currency={plan.currency} per="year" />
        </p>
      )}
      <ul className="mt-3 space-y-1 text-sm text-gray-700">
        {LIMIT_KEYS.map((k) => (
          <li key={k}>{limitText(plan, k, t, lang.locale)}</li>
        ))}
      </ul>
      <ul className="mt-3 space-y-1 border-t border-gray-100 pt-3 text-sm">
        {FEATURES.map((f) => {
          const has = hasFeature(plan, f);
          // The wallet is how WhatsApp charges are paid, not something a plan lacks: named only where it applies.
          if (f === "wallet" && !has) return null;
          return (
            <li key={f} className={has ? "text-gray-800" : "text-gray-400"} data-feature={f} data-included={has ? "true" : "false"}>
              <span aria-hidden="true" className="mr-1.5 inline-block w-3">
                {has ? "✓" : "–"}
              </span>
              {t(`plan.feature.${f}`)}
              {!has && <span className="sr-only"> ({t("plan.notIncluded")})</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Settings → Plan: the account's plan, status and usage, the plans offered; changes go through the platform operator. */
export function PlanPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const errorText = useErrorText();
  const { account, error, loading } = useFreshAccountPlan();

  if (!account) {
    return (
      <div data-testid="plan-page">
        {error ? <ErrorText testId="plan-error">{errorText(error)}</ErrorText> : loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    );
  }
  const { plan, status } = account;
  const offered = byPosition(account.plans ?? []);

  return (
    <div className="space-y-6" data-testid="plan-page">
      <div>
        <h2 className="text-lg font-semibold">{t("plan.title")}</h2>
        <p className="text-sm text-gray-600">{t("plan.intro")}</p>
      </div>
      <section className="grid gap-4 rounded-xl border border-gray-200 bg-white p-4 md:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <div className="space-y-3">
          <div>
            <p className="text-xs font-medium uppercase text-gray-500">{t("plan.current")}</p>
            <p className="text-xl font-semibold" data-testid="plan-current" data-plan={plan.code}>
              {plan.name}
            </p>
            <p className="text-sm text-gray-600">
              <PriceText minor={plan.price_monthly_minor} currency={plan.currency} per="month" />
            </p>
          </div>
          <div>
            <p className="text-xs font-medium uppercase text-gray-500">{t("plan.status")}</p>
            <Badge tone={statusTone(status)} testId="plan-status">
              {t(`plan.status.${status}` as "plan.status.active")}
            </Badge>
          </div>
        </div>
        <div className="space-y-3">
          <p className="text-xs font-medium uppercase text-gray-500">{t("plan.usage")}</p>
          {USAGE_KEYS.map((k) => (
            <UsageBar key={k} label={t(`plan.limit.${k}`)} use={limitUse(account, k)} testId={`plan-usage-${k}`} />
          ))}
        </div>
      </section>
      <p className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="plan-managed">
        {t("plan.managed")}
        {canOpen(user?.role, BILLING_PATH) && (
          <>
            {" "}
            <Link to={BILLING_PATH} className="whitespace-nowrap font-medium underline" data-testid="plan-billing-link">
              {t("settings.billing")}
            </Link>
          </>
        )}
      </p>
      {offered.length > 0 && (
        <div>
          <h3 className="mb-2 text-base font-semibold">{t("plan.offered")}</h3>
          <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="plan-cards">
            {offered.map((p) => (
              <PlanCard key={p.code} plan={p} current={p.code === plan.code} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
