import { useState } from "react";
import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { previewOf, type ReactionMark } from "../../lib/content";
import { formatClock } from "../../lib/format";
import { firstError } from "../../lib/messages";
import type { DisplayMessage } from "../../lib/inboxStore";
import type { Message, Template } from "../../lib/types";
import { MessageContent } from "./MessageContent";
import { StatusTicks } from "./StatusTicks";
import { WALLET_PATH } from "../../lib/wallet";

interface Props {
  message: DisplayMessage;
  quoted: Message | null;
  reactions: ReactionMark[] | undefined;
  templates: Template[] | null;
  onRetry: (clientId: string) => void;
  /** Sends an unconfirmed message again; rejects with the text to show. */
  onResend?: (messageId: string) => Promise<void>;
}

/** The wamid a message replies to: `context.message_id` (sent) or `context.id` (received). */
export function replyTarget(m: Pick<Message, "context">): string | null {
  return m.context?.message_id || m.context?.id || null;
}

const SENT_BY = { flow: "msg.sentByFlow", campaign: "msg.sentByCampaign", api: "msg.sentByApi", automation: "msg.sentByAutomation" } as const;

export function MessageBubble({ message: m, quoted, reactions, templates, onRetry, onResend }: Props) {
  const { t, lang } = useI18n();
  const [resending, setResending] = useState(false);
  const [resendError, setResendError] = useState<string | null>(null);
  const outbound = m.direction === "outbound";
  const common = {
    "data-testid": "message-bubble",
    "data-message-id": m.id,
    "data-client-id": m.clientId,
    "data-seq": m.clientId ? undefined : m.seq,
    "data-status": m.status,
    "data-direction": m.direction,
    "data-type": m.type,
  };

  if (m.type === "system") {
    return (
      <div className="my-2 flex justify-center" {...common}>
        <div className="max-w-[85%] rounded-lg bg-white/80 px-3 py-1 text-center text-xs text-gray-600 shadow-sm">
          <MessageContent message={m} templates={templates} />
        </div>
      </div>
    );
  }

  const sentBy = m.sent_by && m.sent_by.kind !== "agent" ? SENT_BY[m.sent_by.kind] : null;
  const quote = quoted ? previewOf(quoted) : null;
  const error = firstError(m);
  const failedTitle = m.status === "failed" ? error?.title || t("tick.failed") : null;
  const errorDetail = error ? error.error_data?.details || error.message || undefined : undefined;
  // The customer's reaction is stored on the message itself; reaction messages may also attach.
  const marks: ReactionMark[] = reactions ? [...reactions] : [];
  if (m.reaction?.emoji && !marks.some((r) => r.direction === "inbound")) marks.push({ emoji: m.reaction.emoji, direction: "inbound" });

  return (
    <div className={`my-1 flex ${outbound ? "justify-end" : "justify-start"}`}>
      <div className={`relative max-w-[85%] sm:max-w-[70%] ${marks.length ? "mb-3" : ""}`}>
        <div
          {...common}
          className={`rounded-lg px-3 py-1.5 text-[15px] shadow-sm ${outbound ? "rounded-tr-none bg-bubble-out" : "rounded-tl-none bg-white"} ${
            m.status === "failed" ? "ring-1 ring-red-300" : ""
          }`}
        >
          {sentBy && <div className="mb-0.5 text-xs font-medium text-brand-700">{t(sentBy)}</div>}
          {replyTarget(m) && (
            <div className="mb-1 rounded border-l-4 border-brand-500 bg-black/5 px-2 py-1 text-xs text-gray-600" data-testid="reply-quote">
              {quote ? [quote.icon, quote.label ? t(quote.label) : "", quote.text].filter(Boolean).join(" ") : t("msg.replyTo")}
            </div>
          )}
          <MessageContent message={m} templates={templates} />
          <div className="mt-0.5 flex items-center justify-end gap-1 text-[11px] text-gray-500">
            <time dateTime={m.timestamp}>{formatClock(m.timestamp, lang.locale)}</time>
            {outbound && <StatusTicks status={m.status} />}
          </div>
          {outbound && m.status === "unconfirmed" && (
            <div className="mt-1 border-t border-amber-200 pt-1 text-xs text-amber-900" data-testid="message-unconfirmed">
              <div className="flex items-center justify-between gap-2">
                <span className="font-medium">{t("msg.unconfirmed")}</span>
                {onResend && !m.id.startsWith("local:") && (
                  <button
                    type="button"
                    className="font-medium underline disabled:opacity-50"
                    disabled={resending}
                    onClick={() => {
                      setResending(true);
                      setResendError(null);
                      onResend(m.id)
                        .catch((e: unknown) => setResendError(e instanceof Error ? e.message : t("error.generic")))
                        .finally(() => setResending(false));
                    }}
                    data-testid="message-resend"
                  >
                    {resending ? t("msg.resending") : t("msg.resend")}
                  </button>
                )}
              </div>
              <p className="text-amber-800/90">{t("msg.unconfirmedDetail")}</p>
            </div>
          )}
          {resendError && m.status === "unconfirmed" && (
            <p role="alert" className="mt-1 text-xs text-red-700" data-testid="message-resend-error">
              {resendError}
            </p>
          )}
          {failedTitle && (
            <div className="mt-1 flex items-center justify-between gap-2 border-t border-red-200 pt-1 text-xs text-red-700" data-testid="message-error">
              <span title={errorDetail}>
                {failedTitle}
                {error?.code !== undefined && error.code !== "NO_ACK" && !String(error.code).match(/^[A-Z_]+$/) && ` (${error.code})`}
                {error?.code === "WALLET_BALANCE_LOW" && (
                  <>
                    {" "}
                    <Link to={WALLET_PATH} className="whitespace-nowrap font-medium underline" data-testid="wallet-link">
                      {t("wallet.openWallet")}
                    </Link>
                  </>
                )}
              </span>
              {m.clientId && m.id.startsWith("local:") && (
                <button type="button" className="font-medium underline" onClick={() => onRetry(m.clientId!)} data-testid="message-retry">
                  {t("msg.retry")}
                </button>
              )}
            </div>
          )}
        </div>
        {marks.length > 0 && (
          <div className={`absolute -bottom-3 ${outbound ? "right-2" : "left-2"} flex gap-0.5 rounded-full bg-white px-1.5 text-sm shadow`} data-testid="reactions">
            {marks.map((r) => (
              <span key={r.direction}>{r.emoji}</span>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
