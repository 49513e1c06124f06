// Plan pieces the pages share: the link to the Plan page, the hint under a
// button the plan blocks, a plan refusal from the server with the link, the
// account status banner, usage bars and a plan's price.

import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { useAccountPlan } from "../../plan/AccountPlanProvider";
import { formatPrice, gateText, statusNeedsBanner, type Gate, type LimitUse, usageText } from "../../lib/plans";

export const PLAN_PATH = "/settings/plan";

export function PlanLink({ className = "" }: { className?: string }) {
  const { t } = useI18n();
  return (
    <Link to={PLAN_PATH} className={`whitespace-nowrap font-medium underline ${className}`} data-testid="plan-link">
      {t("plan.seePlans")}
    </Link>
  );
}

/** Under a button the plan blocks: why, the plan that allows it, and the link. Nothing when not blocked. */
export function GateHint({ gate, testId }: { gate: Gate; testId?: string }) {
  const { t, lang } = useI18n();
  if (!gate.blocked) return null;
  return (
    <p
      role="status"
      data-testid={testId}
      data-reason={gate.reason}
      className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
    >
      {gateText(gate, t, lang.locale)} <PlanLink />
    </p>
  );
}

/**
 * An error box like ErrorText; when the text is the server's plan refusal
 * (402 PLAN_LIMIT, 403 FEATURE_NOT_IN_PLAN), with the link to the Plan page.
 */
export function PlanErrorText({ text, plan, testId }: { text: string | null; plan: boolean; testId?: string }) {
  if (!text) return null;
  return (
    <p role="alert" data-testid={testId} data-plan-refusal={plan ? "true" : undefined} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {text}
      {plan && (
        <>
          {" "}
          <PlanLink />
        </>
      )}
    </p>
  );
}

/** Under the header on every page while the account is in its grace period or restricted. */
export function AccountStatusBanner() {
  const { t } = useI18n();
  const { account } = useAccountPlan();
  const status = account?.status;
  if (!statusNeedsBanner(status)) return null;
  const tone = status === "grace" ? "bg-amber-50 text-amber-900" : "bg-red-50 text-red-800";
  return (
    <div role="status" data-testid="account-status-banner" data-status={status} className={`flex flex-wrap items-center gap-x-2 px-3 py-1.5 text-sm ${tone}`}>
      <span>{t(status === "grace" ? "plan.banner.grace" : "plan.banner.restricted")}</span>
      <PlanLink />
    </div>
  );
}

export function UsageBar({ label, use, testId }: { label: string; use: LimitUse; testId?: string }) {
  const { t, lang } = useI18n();
  const pct = Math.round(use.ratio * 100);
  const color = use.limit === null ? "bg-brand-500" : use.atLimit ? "bg-red-500" : use.ratio >= 0.8 ? "bg-amber-500" : "bg-brand-500";
  return (
    <div data-testid={testId} data-used={use.used} data-limit={use.limit ?? "unlimited"} data-at-limit={use.atLimit ? "true" : "false"}>
      <div className="mb-1 flex items-baseline justify-between gap-2 text-sm">
        <span className="font-medium text-gray-800">{label}</span>
        <span className={`tabular-nums ${use.atLimit ? "font-medium text-red-700" : "text-gray-600"}`}>{usageText(use, t, lang.locale)}</span>
      </div>
      <div
        className="h-2 overflow-hidden rounded-full bg-gray-100"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={use.limit ?? undefined}
        aria-valuenow={use.used}
      >
        <div className={`h-full rounded-full ${color}`} style={{ width: `${use.limit === null ? 0 : Math.max(pct, use.used > 0 ? 2 : 0)}%` }} />
      </div>
    </div>
  );
}

/** "₹2,999 / month", or "Custom" for a custom price. */
export function PriceText({ minor, currency, per }: { minor: number | null; currency: string; per: "month" | "year" }) {
  const { t, lang } = useI18n();
  const price = formatPrice(minor, currency, lang.locale);
  if (price === null) return <>{t("plan.custom")}</>;
  return <>{t(per === "month" ? "plan.perMonth" : "plan.perYear", { price })}</>;
}
