import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { type ReactionMark } from "../../lib/content";
import { QUICK_REACTIONS } from "../../lib/emoji";
import { formatClock } from "../../lib/format";
import { firstError } from "../../lib/messages";
import type { DisplayMessage } from "../../lib/inboxStore";
import type { Message, Template } from "../../lib/types";
import { EmojiPicker } from "./EmojiPicker";
import { MessageContent } from "./MessageContent";
import { ReplyQuote } from "./ReplyQuote";
import { StatusTicks } from "./StatusTicks";
import { WALLET_PATH } from "../../lib/wallet";
import { useDismiss } from "../../lib/useDismiss";

interface Props {
  message: DisplayMessage;
  quoted: Message | null;
  reactions: ReactionMark[] | undefined;
  templates: Template[] | null;
  onRetry: (clientId: string) => void;
  /** Sends an unconfirmed message again; rejects with the text to show. */
  onResend?: (messageId: string) => Promise<void>;
  /** Answer this message (it becomes the composer's quoted reply). */
  onReply?: (message: Message) => void;
  /** React to this message (an empty emoji takes our reaction back); rejects with the text to show. */
  onReact?: (message: Message, emoji: string) => Promise<void>;
  /** Put a failed message's words back in the composer. */
  onEdit?: (message: DisplayMessage) => void;
  /** Show the message with this wamid (a quote was clicked). */
  onJump?: (wamid: string) => void;
}

/** The wamid a message replies to: `context.message_id` (sent) or `context.id` (received). */
export function replyTarget(m: Pick<Message, "context">): string | null {
  return m.context?.message_id || m.context?.id || null;
}

/** The words of a message that can be edited and sent again (a text, or a file's caption). */
export function editableText(m: Pick<Message, "type" | "content">): string {
  const c = m.content;
  if (typeof c !== "object" || c === null) return typeof c === "string" ? c : "";
  const o = c as { body?: unknown; caption?: unknown };
  if (m.type === "text" && typeof o.body === "string") return o.body;
  return typeof o.caption === "string" ? o.caption : "";
}

/** Refusals that sending the same message again can never get past: edit it instead. */
const PERMANENT = new Set(["INVALID_MESSAGE", "INVALID_FRAME", "INVALID_JSON", "WINDOW_CLOSED", "OPTED_OUT", "NO_RECIPIENT"]);

const SENT_BY = { flow: "msg.sentByFlow", campaign: "msg.sentByCampaign", api: "msg.sentByApi", automation: "msg.sentByAutomation" } as const;

export function MessageBubble({ message: m, quoted, reactions, templates, onRetry, onResend, onReply, onReact, onEdit, onJump }: Props) {
  const { t, lang } = useI18n();
  const [resending, setResending] = useState(false);
  const [resendError, setResendError] = useState<string | null>(null);
  const [reacting, setReacting] = useState<"quick" | "all" | null>(null);
  const [reactError, setReactError] = useState<string | null>(null);
  /** Where the react button is on screen (the popover opens beside it). */
  const [anchor, setAnchor] = useState<DOMRect | null>(null);
  const closeReactions = useCallback(() => setReacting(null), []);
  const outbound = m.direction === "outbound";
  const common = {
    "data-testid": "message-bubble",
    "data-message-id": m.id,
    "data-client-id": m.clientId,
    "data-seq": m.clientId ? undefined : m.seq,
    "data-status": m.status,
    "data-direction": m.direction,
    "data-type": m.type,
    "data-wamid": m.wamid ?? undefined,
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
  const error = firstError(m);
  const failedTitle = m.status === "failed" ? error?.title || t("tick.failed") : null;
  const errorDetail = error ? error.error_data?.details || error.message || undefined : undefined;
  // The customer's reaction is stored on the message itself; reaction messages may also attach.
  const marks: ReactionMark[] = reactions ? [...reactions] : [];
  if (m.reaction?.emoji && !marks.some((r) => r.direction === "inbound")) marks.push({ emoji: m.reaction.emoji, direction: "inbound" });
  const mine = marks.find((r) => r.direction === "outbound")?.emoji ?? null;
  const target = replyTarget(m);
  // Replies and reactions point at Meta's id: only messages that have one.
  const actionable = !!m.wamid && !m.id.startsWith("local:") && m.status !== "failed";
  const editable = m.status === "failed" && !!onEdit && editableText(m).trim() !== "";
  const retryable = !!m.clientId && m.id.startsWith("local:") && !PERMANENT.has(String(error?.code ?? ""));

  const react = (emoji: string) => {
    if (!onReact) return;
    setReacting(null);
    setReactError(null);
    // The same emoji again takes the reaction back.
    onReact(m, emoji === mine ? "" : emoji).catch((e: unknown) => setReactError(e instanceof Error ? e.message : t("error.generic")));
  };

  return (
    <div className={`group my-1 flex items-center gap-1 ${outbound ? "flex-row-reverse" : ""}`} data-testid="message-row" data-direction={m.direction}>
      <div className={`relative max-w-[85%] sm:max-w-[70%] ${marks.length ? "mb-3" : ""}`}>
        <div
          {...common}
          className={`rounded-lg px-3 py-1.5 text-[15px] shadow-sm ${outbound ? "rounded-tr-none bg-bubble-out" : "rounded-tl-none bg-white"} ${
            m.status === "failed" ? "ring-1 ring-red-300" : ""
          }`}
        >
          {sentBy && <div className="mb-0.5 text-xs font-medium text-brand-700">{t(sentBy)}</div>}
          {target && (
            <div className="mb-1">
              <ReplyQuote
                message={quoted}
                who={quoted ? (quoted.direction === "outbound" ? t("reply.you") : t("reply.customer")) : undefined}
                onJump={quoted && onJump ? () => onJump(target) : undefined}
                testId="reply-quote"
              />
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
              <span className="flex shrink-0 gap-2">
                {editable && (
                  <button type="button" className="font-medium underline" onClick={() => onEdit!(m)} data-testid="message-edit">
                    {t("msg.edit")}
                  </button>
                )}
                {retryable && (
                  <button type="button" className="font-medium underline" onClick={() => onRetry(m.clientId!)} data-testid="message-retry">
                    {t("msg.retry")}
                  </button>
                )}
              </span>
            </div>
          )}
          {reactError && (
            <p role="alert" className="mt-1 text-xs text-red-700" data-testid="reaction-error">
              {reactError}
            </p>
          )}
        </div>
        {marks.length > 0 && (
          <div
            className={`absolute -bottom-3 ${outbound ? "right-2" : "left-2"} flex gap-0.5 rounded-full bg-white px-1.5 text-sm shadow`}
            data-testid="reactions"
          >
            {marks.map((r) => (
              <span key={r.direction} data-testid="reaction" data-direction={r.direction} title={r.direction === "outbound" ? t("reaction.yours") : t("reaction.customer")}>
                {r.emoji}
              </span>
            ))}
          </div>
        )}
      </div>
      {actionable && (onReply || onReact) && (
        <div
          className={`relative flex shrink-0 gap-0.5 transition-opacity ${reacting ? "opacity-100" : "opacity-0 focus-within:opacity-100 group-hover:opacity-100"}`}
          data-testid="message-actions"
        >
          {onReply && (
            <button
              type="button"
              onClick={() => onReply(m)}
              className="rounded-full p-1 text-gray-500 hover:bg-black/5"
              aria-label={t("msg.reply")}
              title={t("msg.reply")}
              data-testid="message-reply"
            >
              <svg viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
                <path d="M9 14L4 9l5-5" />
                <path d="M4 9h10.5a5.5 5.5 0 010 11H11" />
              </svg>
            </button>
          )}
          {onReact && (
            <button
              type="button"
              // The popover's click-outside must not see this click: it toggles.
              onMouseDown={(e) => e.nativeEvent.stopPropagation()}
              onClick={(e) => {
                setAnchor(e.currentTarget.getBoundingClientRect());
                setReacting((v) => (v ? null : "quick"));
              }}
              className="rounded-full p-1 text-gray-500 hover:bg-black/5"
              aria-label={t("msg.react")}
              title={t("msg.react")}
              aria-expanded={reacting !== null}
              data-testid="message-react"
            >
              <svg viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
                <circle cx="12" cy="12" r="9" />
                <path d="M8.5 14.5a4.5 4.5 0 007 0" />
                <path d="M9 9.5h.01M15 9.5h.01" strokeWidth="3" />
              </svg>
            </button>
          )}
          {reacting && anchor && (
            <ReactionPopover anchor={anchor} onClose={closeReactions}>
              {reacting === "quick" ? (
                <div className="flex items-center gap-0.5 rounded-full border border-gray-200 bg-white px-1.5 py-1 shadow-lg" data-testid="reaction-bar" role="group" aria-label={t("msg.react")}>
                  {QUICK_REACTIONS.map((e) => (
                    <button
                      key={e}
                      type="button"
                      onClick={() => react(e)}
                      className={`rounded-full px-1 text-xl hover:bg-gray-100 ${mine === e ? "bg-brand-50" : ""}`}
                      data-testid="reaction-option"
                      data-emoji={e}
                      aria-pressed={mine === e}
                    >
                      {e}
                    </button>
                  ))}
                  <button
                    type="button"
                    onClick={() => setReacting("all")}
                    className="rounded-full px-1.5 text-lg text-gray-500 hover:bg-gray-100"
                    aria-label={t("reaction.more")}
                    title={t("reaction.more")}
                    data-testid="reaction-more"
                  >
                    +
                  </button>
                </div>
              ) : (
                <EmojiPicker onPick={react} onClose={closeReactions} testId="reaction-picker" placement="relative" />
              )}
            </ReactionPopover>
          )}
        </div>
      )}
    </div>
  );
}

/** Room a popover wants above its anchor before it opens below instead. */
const POPOVER_ROOM_PX = 300;

/**
 * Reaction choices over the page, beside the button that opened them: fixed
 * to the window so the thread's scrolling box never cuts them off. Closes on
 * Escape, a click elsewhere or when the thread scrolls.
 */
function ReactionPopover({ anchor, onClose, children }: { anchor: DOMRect; onClose: () => void; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  useDismiss(box, true, onClose);
  useEffect(() => {
    // Scrolling the thread away from it closes it too.
    const onScroll = (e: Event) => {
      if (box.current && e.target instanceof Node && box.current.contains(e.target)) return;
      onClose();
    };
    window.addEventListener("scroll", onScroll, true);
    return () => window.removeEventListener("scroll", onScroll, true);
  }, [onClose]);
  const above = anchor.top > POPOVER_ROOM_PX;
  // Kept inside the window on narrow screens.
  const left = Math.max(8, Math.min(anchor.left - 8, window.innerWidth - 296));
  const style = above ? { left, bottom: window.innerHeight - anchor.top + 4 } : { left, top: anchor.bottom + 4 };
  return (
    <div ref={box} className="fixed z-40" style={style}>
      {children}
    </div>
  );
}
