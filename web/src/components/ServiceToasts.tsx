import { Link } from "react-router";
import { useI18n } from "../i18n/I18nProvider";
import type { ServiceToast } from "../lib/service";
import { Sparkle } from "./Sparkle";

/**
 * Live notices in a corner: a conversation missed an SLA target
 * (`sla_breached`), or an automation rule's `notify` action (for everyone,
 * or for me) — with a link to the conversation; each leaves after a few
 * seconds or when dismissed.
 */
export function ServiceToasts({ toasts, onDismiss }: { toasts: ServiceToast[]; onDismiss: (id: string) => void }) {
  const { t } = useI18n();
  if (toasts.length === 0) return null;
  return (
    <div className="pointer-events-none fixed bottom-3 right-3 z-40 flex w-80 max-w-[calc(100vw-1.5rem)] flex-col gap-2" aria-live="polite">
      {toasts.map((x) => {
        const sla = x.kind === "sla_breached";
        const which = sla ? (x.breach === "first_response" || x.breach === "resolution" ? t(`sla.breach.${x.breach}`) : x.breach) : "";
        return (
          <div
            key={x.id}
            role="status"
            data-testid="service-toast"
            data-kind={x.kind}
            data-conversation-id={x.conversationId ?? ""}
            className={`pointer-events-auto rounded-lg border p-3 text-sm shadow-lg ${sla ? "border-red-200 bg-red-50 text-red-900" : "border-brand-200 bg-white text-gray-900"}`}
          >
            <div className="flex items-start gap-2">
              {sla ? (
                <svg viewBox="0 0 24 24" className="mt-0.5 h-4 w-4 shrink-0 text-red-600" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
                  <circle cx="12" cy="13" r="8" />
                  <path d="M12 9v4l2.5 2.5M9 2h6" />
                </svg>
              ) : (
                <Sparkle className="mt-0.5 h-4 w-4 text-brand-600" />
              )}
              <div className="min-w-0 flex-1">
                <p className="font-semibold">{sla ? t("sla.toastTitle") : x.rule ? t("automations.toastTitle", { rule: x.rule }) : t("automations.toastTitleNoRule")}</p>
                <p className="break-words" data-testid="service-toast-message">
                  {sla ? t("sla.toastBody", { which }) : x.message}
                </p>
                {x.conversationId && (
                  <Link to={`/inbox/${encodeURIComponent(x.conversationId)}`} className="mt-1 inline-block font-medium underline" onClick={() => onDismiss(x.id)} data-testid="service-toast-open">
                    {t("alert.deadLetter.open")}
                  </Link>
                )}
              </div>
              <button type="button" className="shrink-0 rounded p-0.5 text-gray-500 hover:bg-black/5" onClick={() => onDismiss(x.id)} aria-label={t("common.dismiss")} data-testid="service-toast-dismiss">
                ✕
              </button>
            </div>
          </div>
        );
      })}
    </div>
  );
}
