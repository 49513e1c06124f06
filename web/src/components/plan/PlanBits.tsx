// Plan pieces the pages share: the link to the Plan page, the hint under a
// button the plan blocks, a plan refusal from the server with the link, the
// account status banner, usage bars and a plan's price.

import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { canOpen } from "../../lib/nav";
import { useAccountPlan } from "../../plan/AccountPlanProvider";
import { formatPrice, gateText, statusNeedsBanner, type Gate, type LimitUse, usageText } from "../../lib/plans";

export const PLAN_PATH = "/settings/plan";
export const BILLING_PATH = "/settings/billing";

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

/**
 * Under the header on every page, for everyone in the account, while a
 * payment failed (grace: amber, Razorpay retries) or is overdue
 * (restricted: red, nothing goes out). Admins get the way to Billing.
 */
export function AccountStatusBanner() {
  const { t } = useI18n();
  const { user } = useAuth();
  const { account } = useAccountPlan();
  const status = account?.status;
  if (!statusNeedsBanner(status)) return null;
  const admin = canOpen(user?.role, BILLING_PATH);
  const grace = status === "grace";
  const text = grace ? (admin ? "plan.banner.grace" : "plan.banner.graceAgent") : admin ? "plan.banner.restricted" : "plan.banner.restrictedAgent";
  return (
    <div
      role={grace ? "status" : "alert"}
      data-testid="account-status-banner"
      data-status={status}
      className={`flex flex-wrap items-center gap-x-3 gap-y-1 border-b px-3 py-1.5 text-sm ${grace ? "border-amber-200 bg-amber-50 text-amber-900" : "border-red-200 bg-red-100 text-red-900"}`}
    >
      <svg viewBox="0 0 24 24" className={`h-4 w-4 shrink-0 ${grace ? "text-amber-600" : "text-red-600"}`} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        {grace ? <path d="M12 3l9.5 17h-19L12 3zM12 10v4M12 17.5v.01" /> : <path d="M12 3a9 9 0 100 18 9 9 0 000-18zM12 7.5v5.5M12 16.5v.01" />}
      </svg>
      <span className="min-w-0 flex-1" data-testid="account-status-text">
        {t(text)}
      </span>
      {admin && (
        <Link to={BILLING_PATH} className="whitespace-nowrap font-semibold underline" data-testid="billing-link">
          {t(grace ? "plan.banner.updatePayment" : "plan.banner.pay")}
        </Link>
      )}
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
