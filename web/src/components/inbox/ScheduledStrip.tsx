import { useCallback, useEffect, useRef, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import { formatDayTime } from "../../lib/format";
import { pendingOf, scheduledText, templateNameOf } from "../../lib/scheduled";
import type { ScheduledMessage } from "../../lib/types";
import { ConfirmButton } from "../ui";

/** A failed one stays in view this long after its time (so someone sees it did not go). */
const FAILED_SHOWN_MS = 24 * 60 * 60 * 1000;

/**
 * The conversation's scheduled messages still to go, above the composer:
 * when, what, edit and cancel. Read again on every `scheduled:updated`
 * frame (one was created, changed, cancelled, sent or failed), so a sent one
 * leaves the strip as its message lands in the thread.
 */
export function ScheduledStrip({ conversationId, onEdit, reloadKey }: { conversationId: string; onEdit: (s: ScheduledMessage) => void; /** Changes after this page scheduled one. */ reloadKey: number }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { onConversationEvent } = useInbox();
  const [list, setList] = useState<ScheduledMessage[]>([]);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const base = `/conversations/${encodeURIComponent(conversationId)}/scheduled-messages`;

  const load = useCallback(() => {
    const req = ++request.current;
    api
      .get<{ data: ScheduledMessage[] }>(base)
      .then((res) => req === request.current && setList(res.data))
      .catch(() => {
        // An older server has no scheduled messages: nothing to show.
        if (req === request.current) setList([]);
      });
  }, [api, base]);

  useEffect(() => load(), [load, reloadKey]);
  useEffect(
    () =>
      onConversationEvent((id, event) => {
        if (id === conversationId && (event === "scheduled:updated" || event === "message:new")) load();
      }),
    [onConversationEvent, conversationId, load],
  );

  async function cancel(s: ScheduledMessage) {
    setError(null);
    try {
      await api.delete(`${base}/${encodeURIComponent(s.id)}`);
      load();
    } catch (e) {
      setError(describeError(e, t));
      load();
    }
  }

  const pending = pendingOf(list);
  const failed = list.filter((s) => s.status === "failed" && Date.now() - Date.parse(s.send_at) < FAILED_SHOWN_MS);
  if (pending.length === 0 && failed.length === 0 && !error) return null;
  return (
    <div className="max-h-40 space-y-1 overflow-y-auto border-t border-sky-200 bg-sky-50 px-3 py-2" data-testid="scheduled-strip">
      {error && <p className="text-xs text-red-700" role="alert">{error}</p>}
      {[...pending, ...failed].map((s) => {
        const text = scheduledText(s) ?? (templateNameOf(s.content) ? t("schedule.templateNamed", { name: templateNameOf(s.content)! }) : "");
        const fallback = s.fallback ? templateNameOf(s.fallback) : null;
        return (
          <div key={s.id} className="flex items-start gap-2 text-sm" data-testid="scheduled-item" data-status={s.status} data-scheduled-id={s.id}>
            <span aria-hidden="true">🕒</span>
            <div className="min-w-0 flex-1">
              <span className="font-medium text-sky-900" data-testid="scheduled-time">
                {s.status === "failed" ? t("schedule.failedAt", { when: formatDayTime(s.send_at, lang.locale) }) : formatDayTime(s.send_at, lang.locale)}
              </span>
              <span className="ml-2 text-gray-800" data-testid="scheduled-text">
                {text}
              </span>
              {fallback && <span className="block text-xs text-gray-500">{t("schedule.withFallback", { name: fallback })}</span>}
            </div>
            {s.status === "scheduled" && (
              <span className="flex shrink-0 items-center gap-1">
                <button type="button" onClick={() => onEdit(s)} className="rounded-md px-2 py-0.5 text-xs text-sky-800 hover:bg-sky-100" data-testid="scheduled-edit">
                  {t("common.edit")}
                </button>
                <ConfirmButton label={t("schedule.cancel")} confirmLabel={t("schedule.cancelConfirm")} onConfirm={() => cancel(s)} testId="scheduled-cancel" className="text-xs" />
              </span>
            )}
            {s.status === "sending" && <span className="shrink-0 text-xs text-gray-500">{t("schedule.sending")}</span>}
          </div>
        );
      })}
    </div>
  );
}
