import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { ApiError } from "../../lib/api";
import { describeError } from "../../lib/errors";
import { formatDayTime } from "../../lib/format";
import {
  fromLocalInput,
  needsFallback,
  PRESETS,
  presetTime,
  scheduleBody,
  scheduledText,
  sendAtProblem,
  templateNameOf,
  toLocalSecondsInput,
  type FallbackChoice,
} from "../../lib/scheduled";
import type { ScheduledMessage } from "../../lib/types";
import { Button, ErrorText } from "../Field";
import { Modal } from "../ui";
import { FallbackTemplate } from "./FallbackTemplate";

/**
 * Schedules the composer's words for a time (or changes a scheduled
 * message): quick picks or a date and time to the second. When the
 * customer's window will have closed by then (their last message + 24 h, or
 * the server says TEMPLATE_REQUIRED), it asks for the template to send
 * instead.
 */
export function ScheduleDialog({
  conversationId,
  text: initialText,
  closesAt,
  editing,
  onClose,
  onDone,
}: {
  conversationId: string;
  text: string;
  /** When the customer's window closes (epoch ms), null when there is none. */
  closesAt: number | null;
  /** The scheduled message being changed, if any. */
  editing?: ScheduledMessage | null;
  onClose: () => void;
  /** Scheduled (or changed): the composer may let go of the words. */
  onDone: (s: ScheduledMessage) => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const [text, setText] = useState(() => (editing ? (scheduledText(editing) ?? "") : initialText));
  const [at, setAt] = useState(() => toLocalSecondsInput(editing ? Date.parse(editing.send_at) : presetTime("inHour", Date.now())));
  const [fallback, setFallback] = useState<FallbackChoice | null>(null);
  /** The server said a template is needed (its idea of the window wins). */
  const [required, setRequired] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const sendAt = fromLocalInput(at);
  const askFallback = required || (sendAt !== null && needsFallback(sendAt, closesAt)) || !!editing?.fallback;
  const problem = sendAtProblem(sendAt, Date.now());

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sendAt === null || problem || !text.trim()) {
      setError(problem ? t(`schedule.problem.${problem}`) : t("schedule.problem.text"));
      return;
    }
    if (askFallback && !fallback) {
      setError(t("schedule.problem.fallback"));
      return;
    }
    setBusy(true);
    setError(null);
    const body = scheduleBody(text.trim(), sendAt, askFallback ? fallback : null);
    const base = `/conversations/${encodeURIComponent(conversationId)}/scheduled-messages`;
    try {
      const saved = editing
        ? await api.patch<ScheduledMessage>(`${base}/${encodeURIComponent(editing.id)}`, body)
        : await api.post<ScheduledMessage>(base, body);
      onDone(saved);
    } catch (err) {
      if (err instanceof ApiError && err.code === "TEMPLATE_REQUIRED") setRequired(true);
      setError(describeError(err, t));
      setBusy(false);
    }
  }

  return (
    <Modal title={editing ? t("schedule.editTitle") : t("schedule.title")} onClose={onClose} testId="schedule-dialog">
      <form onSubmit={submit} className="space-y-3">
        <label className="block text-sm">
          <span className="mb-1 block font-medium text-gray-700">{t("schedule.text")}</span>
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={3}
            maxLength={4096}
            data-testid="schedule-text"
            className="block w-full resize-y rounded-lg border border-gray-300 px-3 py-2 text-sm"
          />
        </label>
        <div className="flex flex-wrap gap-1.5" role="group" aria-label={t("schedule.presets")}>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              onClick={() => setAt(toLocalSecondsInput(presetTime(p, Date.now())))}
              className="rounded-full border border-gray-300 bg-white px-3 py-1 text-xs text-gray-700 hover:bg-gray-50"
              data-testid={`schedule-preset-${p}`}
            >
              {t(`schedule.preset.${p}`)}
            </button>
          ))}
        </div>
        <label className="block text-sm">
          <span className="mb-1 block font-medium text-gray-700">{t("schedule.when")}</span>
          <input
            type="datetime-local"
            step={1}
            value={at}
            onChange={(e) => setAt(e.target.value)}
            data-testid="schedule-at"
            className="block w-full rounded-lg border border-gray-300 px-3 py-1.5 text-sm"
          />
        </label>
        {sendAt !== null && !problem && (
          <p className="text-xs text-gray-600" data-testid="schedule-window-note" data-fallback={askFallback ? "true" : "false"}>
            {closesAt === null
              ? t("schedule.noWindow")
              : askFallback
                ? t("schedule.windowClosed", { when: formatDayTime(closesAt, lang.locale) })
                : t("schedule.windowOpen", { when: formatDayTime(closesAt, lang.locale) })}
          </p>
        )}
        {askFallback && <FallbackTemplate initialName={editing?.fallback ? templateNameOf(editing.fallback) : null} onChange={setFallback} />}
        <ErrorText testId="schedule-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy || !text.trim()} data-testid="schedule-submit">
            {busy ? t("schedule.saving") : editing ? t("schedule.save") : t("schedule.submit")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
