import { Fragment, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { interleave, type Activity } from "../../lib/activity";
import { attachReactions } from "../../lib/content";
import { dayOf, formatDate } from "../../lib/format";
import type { DisplayMessage, TypingEntry } from "../../lib/inboxStore";
import type { Message, Note, Template } from "../../lib/types";
import { Button } from "../Field";
import { ActivityLine, NoteItem } from "./ActivityItem";
import { MessageBubble, replyTarget } from "./MessageBubble";

/** What the thread shows besides messages, at its time. */
export type ThreadExtra = { at: string; note: Note; activity?: undefined } | { at: string; activity: Activity; note?: undefined };

interface Props {
  messages: DisplayMessage[];
  loaded: boolean;
  hasOlder: boolean;
  onLoadOlder: () => Promise<void>;
  onRetry: (clientId: string) => void;
  onResend?: (messageId: string) => Promise<void>;
  typing: TypingEntry[];
  templates: Template[] | null;
  now: number;
  /** Notes and activity lines, placed among the messages by time. */
  extras?: ThreadExtra[];
  onReply?: (message: Message) => void;
  onReact?: (message: Message, emoji: string) => Promise<void>;
  onEdit?: (message: DisplayMessage) => void;
}

/** Brings a message into view and flashes it (a quote was clicked). */
function jumpTo(scroller: HTMLElement | null, wamid: string) {
  const el = scroller?.querySelector<HTMLElement>(`[data-wamid="${CSS.escape(wamid)}"]`);
  if (!el) return;
  el.scrollIntoView({ block: "center", behavior: "smooth" });
  el.classList.add("ring-2", "ring-brand-500");
  window.setTimeout(() => el.classList.remove("ring-2", "ring-brand-500"), 1_500);
}

export function MessageThread({ messages, loaded, hasOlder, onLoadOlder, onRetry, onResend, typing, templates, now, extras = [], onReply, onReact, onEdit }: Props) {
  const { t, lang } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const prevFirst = useRef<string | undefined>(undefined);
  const prevHeight = useRef(0);
  const [loadingOlder, setLoadingOlder] = useState(false);

  const { byTarget, attached } = useMemo(() => attachReactions(messages), [messages]);
  const byWamid = useMemo(() => {
    const map = new Map<string, Message>();
    for (const m of messages) if (m.wamid) map.set(m.wamid, m);
    return map;
  }, [messages]);
  // Notes and activity from before the oldest message loaded wait until it is (they would sit at the top otherwise).
  const timeline = useMemo(() => {
    const first = hasOlder ? messages[0]?.timestamp : undefined;
    const shown = first ? extras.filter((x) => Date.parse(x.at) >= Date.parse(first)) : extras;
    // The server's time a message was stored orders it against notes and events (Meta's timestamps are whole seconds).
    return interleave(messages, (m) => m.created_at || m.timestamp, shown);
  }, [messages, extras, hasOlder]);

  // Stay pinned to the newest message, and keep the view still when older ones load above.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = messages[0]?.id;
    const last = messages[messages.length - 1];
    if (prevFirst.current !== undefined && first !== prevFirst.current && prevHeight.current > 0 && !nearBottom.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (nearBottom.current || (last?.clientId && last.status === "pending")) {
      el.scrollTop = el.scrollHeight;
    }
    prevFirst.current = first;
    prevHeight.current = el.scrollHeight;
  }, [messages, typing.length, extras.length]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) nearBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 96;
  };

  async function loadOlder() {
    nearBottom.current = false;
    setLoadingOlder(true);
    try {
      await onLoadOlder();
    } finally {
      setLoadingOlder(false);
    }
  }

  let lastDay: number | null = null;
  return (
    <div ref={scroller} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto bg-chat px-3 py-2 sm:px-6" data-testid="message-thread">
      {hasOlder && (
        <div className="my-2 text-center">
          <Button variant="secondary" onClick={() => void loadOlder()} disabled={loadingOlder} data-testid="load-older">
            {loadingOlder ? t("common.loading") : t("conv.loadEarlier")}
          </Button>
        </div>
      )}
      {!loaded && <p className="my-6 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {loaded && messages.length === 0 && <p className="my-6 text-center text-sm text-gray-500">{t("conv.noMessages")}</p>}
      {timeline.map((entry) => {
        if (entry.kind === "item") {
          const x = entry.item;
          return x.note ? <NoteItem key={`note-${x.note.id}`} note={x.note} /> : <ActivityLine key={`act-${x.activity.id}`} activity={x.activity} />;
        }
        const m = entry.message;
        if (attached.has(m.id)) return null;
        const day = dayOf(m.timestamp, now);
        const separator = day.key !== lastDay;
        lastDay = day.key;
        return (
          <Fragment key={m.clientId ?? m.id}>
            {separator && (
              <div className="my-3 flex justify-center">
                <span className="rounded-md bg-white/90 px-2 py-0.5 text-xs text-gray-600 shadow-sm">
                  {day.kind === "today" ? t("day.today") : day.kind === "yesterday" ? t("day.yesterday") : formatDate(day.key, lang.locale)}
                </span>
              </div>
            )}
            <MessageBubble
              message={m}
              quoted={replyTarget(m) ? (byWamid.get(replyTarget(m)!) ?? null) : null}
              reactions={m.wamid ? byTarget.get(m.wamid) : undefined}
              templates={templates}
              onRetry={onRetry}
              onResend={onResend}
              onReply={onReply}
              onReact={onReact}
              onEdit={onEdit}
              onJump={(wamid) => jumpTo(scroller.current, wamid)}
            />
          </Fragment>
        );
      })}
      {typing.length > 0 && (
        <div className="my-2 text-sm italic text-gray-600" data-testid="typing-indicator" aria-live="polite">
          {typing.length === 1 ? t("typing.one", { name: typing[0]!.name }) : t("typing.many", { names: typing.map((x) => x.name).join(", ") })}
        </div>
      )}
    </div>
  );
}
