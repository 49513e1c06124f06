import { useI18n } from "../../i18n/I18nProvider";
import { previewOf } from "../../lib/content";
import type { Message } from "../../lib/types";

/** One line for a quoted message: its icon, kind and text. */
export function useQuoteText(): (m: Pick<Message, "type" | "content"> | null) => string {
  const { t } = useI18n();
  return (m) => {
    if (!m) return t("msg.replyTo");
    const p = previewOf(m);
    return [p.icon, p.label ? t(p.label) : "", p.text].filter(Boolean).join(" ") || t("msg.replyTo");
  };
}

/**
 * The message being answered, quoted: above the composer while writing a
 * reply (with a way to drop it), and inside the sent bubble (a click shows
 * the original in the thread).
 */
export function ReplyQuote({
  message,
  who,
  onCancel,
  onJump,
  testId,
}: {
  message: Pick<Message, "type" | "content"> | null;
  /** "You" or the customer's name. */
  who?: string;
  onCancel?: () => void;
  onJump?: () => void;
  testId: string;
}) {
  const { t } = useI18n();
  const text = useQuoteText()(message);
  const body = (
    <>
      {who && <span className="block text-xs font-semibold text-brand-700">{who}</span>}
      <span className="line-clamp-2 break-words">{text}</span>
    </>
  );
  return (
    <div className="flex items-start gap-2 rounded border-l-4 border-brand-500 bg-black/5 px-2 py-1 text-xs text-gray-600" data-testid={testId}>
      {onJump ? (
        <button type="button" onClick={onJump} className="min-w-0 flex-1 text-left" title={t("reply.jump")}>
          {body}
        </button>
      ) : (
        <span className="min-w-0 flex-1">{body}</span>
      )}
      {onCancel && (
        <button type="button" onClick={onCancel} className="shrink-0 rounded px-1 text-gray-500 hover:bg-black/10" aria-label={t("reply.cancel")} data-testid="reply-cancel">
          ✕
        </button>
      )}
    </div>
  );
}
