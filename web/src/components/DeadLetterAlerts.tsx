import { Link } from "react-router";
import { useI18n } from "../i18n/I18nProvider";
import type { DeadLetterAlert } from "../inbox/InboxProvider";

/**
 * Admins' alerts that a conversation's events could not be stored after
 * repeated failures and were parked for an operator: the server's words, a
 * link to the conversation, and a way to dismiss each.
 */
export function DeadLetterAlerts({ alerts, onDismiss }: { alerts: DeadLetterAlert[]; onDismiss: (conversationId: string) => void }) {
  const { t } = useI18n();
  if (alerts.length === 0) return null;
  return (
    <div className="divide-y divide-red-200 border-b border-red-200 bg-red-50 text-sm text-red-900">
      {alerts.map((a) => (
        <div key={a.conversationId} role="alert" data-testid="dead-letter-alert" data-conversation-id={a.conversationId} className="flex flex-wrap items-start gap-x-3 gap-y-1 px-3 py-2">
          <span aria-hidden="true">⚠️</span>
          <div className="min-w-0 flex-1">
            <p className="font-semibold">{t("alert.deadLetter.title")}</p>
            {a.message && <p className="break-words" data-testid="dead-letter-message">{a.message}</p>}
            <p className="text-xs text-red-800">{t("alert.deadLetter.detail")}</p>
          </div>
          <div className="flex items-center gap-3">
            <Link to={`/inbox/${encodeURIComponent(a.conversationId)}`} className="font-medium underline" data-testid="dead-letter-open">
              {t("alert.deadLetter.open")}
            </Link>
            <button type="button" className="underline" onClick={() => onDismiss(a.conversationId)} data-testid="dead-letter-dismiss">
              {t("common.dismiss")}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
