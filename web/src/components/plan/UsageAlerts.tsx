import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { liveAlertText, type UsageAlertEvent } from "../../lib/usage";
import { PLAN_PATH } from "./PlanBits";

export const USAGE_PATH = "/settings/usage";

/**
 * The live plan-limit alerts (`usage:alert`, 80% and 100% of the plan's
 * customers a month): on every page under the header, with the way to
 * upgrade (the Plan page) and to the Usage page, until dismissed.
 */
export function UsageAlerts({ alerts, onDismiss }: { alerts: UsageAlertEvent[]; onDismiss: (alert: UsageAlertEvent) => void }) {
  const { t, lang } = useI18n();
  if (alerts.length === 0) return null;
  return (
    <div className="divide-y divide-amber-200 border-b border-amber-200">
      {alerts.map((a) => {
        const over = a.threshold >= 100;
        return (
          <div
            key={`${a.limit}:${a.period}`}
            role={over ? "alert" : "status"}
            data-testid="usage-alert-toast"
            data-limit={a.limit}
            data-threshold={a.threshold}
            data-used={a.used}
            data-allowed={a.allowed}
            className={`flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-1.5 text-sm ${over ? "bg-red-50 text-red-900" : "bg-amber-50 text-amber-900"}`}
          >
            <span aria-hidden="true">{over ? "⛔" : "⚠️"}</span>
            <span className="min-w-0 flex-1" data-testid="usage-alert-text">
              {liveAlertText(a, t, lang.locale)}
            </span>
            <span className="flex items-center gap-3">
              <Link to={PLAN_PATH} className="whitespace-nowrap font-semibold underline" data-testid="usage-alert-upgrade">
                {t("usage.upgrade")}
              </Link>
              <Link to={USAGE_PATH} className="whitespace-nowrap underline" data-testid="usage-alert-view">
                {t("usage.view")}
              </Link>
              <button type="button" className="underline" onClick={() => onDismiss(a)} data-testid="usage-alert-dismiss">
                {t("common.dismiss")}
              </button>
            </span>
          </div>
        );
      })}
    </div>
  );
}
