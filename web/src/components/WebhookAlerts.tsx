import { Link } from "react-router";
import { useI18n } from "../i18n/I18nProvider";
import type { WebhookDisabledAlert } from "../lib/webhooks";

/**
 * Admins' alerts that an outbound webhook endpoint failed for a day and was
 * switched off: its address, the server's words, a link to the Webhooks page
 * (where it is switched on again), and a way to dismiss each.
 */
export function WebhookAlerts({ alerts, onDismiss }: { alerts: WebhookDisabledAlert[]; onDismiss: (endpointId: string) => void }) {
  const { t } = useI18n();
  if (alerts.length === 0) return null;
  return (
    <div className="divide-y divide-amber-200 border-b border-amber-200 bg-amber-50 text-sm text-amber-900">
      {alerts.map((a) => (
        <div key={a.endpointId} role="alert" data-testid="webhook-disabled-alert" data-endpoint-id={a.endpointId} className="flex flex-wrap items-start gap-x-3 gap-y-1 px-3 py-2">
          <span aria-hidden="true">⚠️</span>
          <div className="min-w-0 flex-1">
            <p className="font-semibold">{t("webhooks.alert.title")}</p>
            {a.url && <p className="break-all font-mono text-xs">{a.url}</p>}
            {a.message && <p className="break-words">{a.message}</p>}
          </div>
          <div className="flex items-center gap-3">
            <Link to="/settings/webhooks" className="font-medium underline" data-testid="webhook-disabled-open" onClick={() => onDismiss(a.endpointId)}>
              {t("webhooks.alert.open")}
            </Link>
            <button type="button" className="underline" onClick={() => onDismiss(a.endpointId)} data-testid="webhook-disabled-dismiss">
              {t("common.dismiss")}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
