import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { useConversationActivity } from "../../inbox/useConversationActivity";
import { loadDraft } from "../../lib/drafts";
import { windowInfo } from "../../lib/format";
import { selectMessages, selectTyping, type DisplayMessage } from "../../lib/inboxStore";
import { useNow } from "../../lib/useNow";
import { latestInboundKey } from "../../lib/suggestions";
import type { Message } from "../../lib/types";
import { useSuggestions } from "../../inbox/useSuggestions";
import { windowClosesAt } from "../../lib/scheduled";
import type { ScheduledMessage } from "../../lib/types";
import { ErrorText } from "../Field";
import { Modal } from "../ui";
import { BotBanner } from "./BotBanner";
import { Composer, type ComposerPrefill } from "./Composer";
import { ConversationHeader } from "./ConversationHeader";
import { ConversationTags } from "./ConversationTags";
import { editableText } from "./MessageBubble";
import { MediaSourceContext, type MediaSource } from "./MessageContent";
import { MessageThread, type ThreadExtra } from "./MessageThread";
import { ScheduledStrip } from "./ScheduledStrip";
import { TemplatePicker } from "./TemplatePicker";
import { WindowClosedNotice, WindowOpenLine } from "./WindowNotice";

// Scheduling is a dialog of its own: loaded when the clock is first clicked.
const ScheduleDialog = lazy(() => import("./ScheduleDialog").then((m) => ({ default: m.ScheduleDialog })));

export function ConversationView({ id }: { id: string }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  /** The message being answered (quoted above the composer). */
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  /** A failed message's words, back in the composer to edit. */
  const [prefill, setPrefill] = useState<ComposerPrefill | null>(null);
  /** Edits so far (each prefill is told apart by its number). */
  const edits = useRef(0);
  const [templatesOpen, setTemplatesOpen] = useState(false);
  /** Scheduling the composer's words (and how to empty it after), or changing a scheduled message. */
  const [scheduling, setScheduling] = useState<{ text: string; scheduled?: () => void; editing?: ScheduledMessage } | null>(null);
  /** Bumped after this page scheduled or changed one: the strip reads again at once. */
  const [scheduledKey, setScheduledKey] = useState(0);
  /** With the window closed: a note is being written under the template picker. */
  const [noting, setNoting] = useState(false);
  const conversation = inbox.state.conversations[id];
  const thread = inbox.state.threads[id];
  const messages = selectMessages(inbox.state, id);
  const typingRaw = inbox.state.typing[id];
  // Tick fast only while someone is typing, so the indicator expires on time.
  const now = useNow(typingRaw?.length ? 1_000 : 30_000);
  const typing = selectTyping(inbox.state, id, now, user?.id ?? null);
  const info = windowInfo(conversation?.window_expires_at, now);
  const hasTemplates = messages.some((m) => m.type === "template");
  const channelId = conversation?.channel_id;
  // Smart replies follow the customer's newest message (only while a reply can be typed).
  const suggestions = useSuggestions(id, latestInboundKey(messages), !!conversation && info.open);
  const mediaSource = useMemo<MediaSource | null>(() => (channelId ? { channelId, cache: inbox.media } : null), [channelId, inbox.media]);
  const { notes, activity, refresh: refreshActivity } = useConversationActivity(id);
  // With the window closed the note composer shows at once when something was left in it.
  const hasDraft = useMemo(() => loadDraft(user?.id ?? null, id) !== null, [user?.id, id]);
  const extras = useMemo<ThreadExtra[]>(
    () => [...notes.map((note) => ({ at: note.created_at, note })), ...activity.map((a) => ({ at: a.created_at, activity: a }))],
    [notes, activity],
  );

  // Another conversation: nothing carried over.
  useEffect(() => {
    setReplyTo(null);
    setPrefill(null);
    setTemplatesOpen(false);
    setNoting(false);
    setScheduling(null);
  }, [id]);

  useEffect(() => {
    if (hasTemplates && inbox.templates === null) inbox.loadTemplates();
  }, [hasTemplates, inbox]);

  const { takeBack, sendReaction } = inbox;
  const edit = useCallback(
    (m: DisplayMessage) => {
      // A send the server refused leaves the thread; a message Meta failed stays as a record.
      const text = m.clientId && m.id.startsWith("local:") ? (takeBack(m.clientId) ?? editableText(m)) : editableText(m);
      if (!text) return;
      setPrefill({ conversationId: id, text, n: ++edits.current });
      // With the window closed the words go to the note composer, which must show.
      setNoting(true);
    },
    [takeBack, id],
  );
  const react = useCallback((m: Message, emoji: string) => sendReaction(id, m.wamid!, emoji), [id, sendReaction]);

  if (!conversation) {
    return (
      <div className="flex h-full items-center justify-center p-6 text-sm text-gray-500">
        {inbox.threadError ? <ErrorText>{t("conv.notFound")}</ErrorText> : t("common.loading")}
      </div>
    );
  }

  const composer = (windowOpen: boolean) => (
    <Composer
      key={id}
      conversationId={id}
      windowOpen={windowOpen}
      onSend={(body, reply) => inbox.sendText(id, body, reply)}
      onSendFile={(file, caption, reply) => inbox.sendFile(id, file, caption, reply)}
      onTyping={(on) => inbox.setTyping(id, on)}
      onSendCanned={(attachment, text) => inbox.sendCannedAttachment(id, attachment, text)}
      onSendInteractive={(interactive, reply) => inbox.sendMessage(id, "interactive", interactive, reply)}
      onAddNote={async (body) => {
        await inbox.addNote(id, body);
      }}
      onOpenTemplates={() => setTemplatesOpen(true)}
      replyTo={windowOpen ? replyTo : null}
      onCancelReply={() => setReplyTo(null)}
      prefill={prefill}
      onPrefillTaken={() => setPrefill(null)}
      suggestions={suggestions}
      onSchedule={(text, scheduled) => setScheduling({ text, scheduled })}
    />
  );

  return (
    <div className="flex h-full min-h-0">
      <section className="flex min-w-0 flex-1 flex-col" data-testid="conversation-view" data-conversation-id={id}>
        <ConversationHeader conversation={conversation} />
        <ConversationTags conversation={conversation} />
        <BotBanner conversationId={id} onChange={refreshActivity} />
        {inbox.threadError && <ErrorText>{inbox.threadError}</ErrorText>}
        <MediaSourceContext.Provider value={mediaSource}>
          <MessageThread
            key={id}
            messages={messages}
            loaded={thread?.loaded ?? false}
            hasOlder={!!thread?.olderCursor}
            onLoadOlder={() => inbox.loadOlder(id)}
            onRetry={inbox.retry}
            onResend={(messageId) => inbox.resend(id, messageId)}
            typing={typing}
            templates={inbox.templates}
            now={now}
            extras={extras}
            // Replies and reactions are free-form messages: only while the window is open.
            onReply={info.open ? setReplyTo : undefined}
            onReact={info.open ? react : undefined}
            onEdit={edit}
          />
        </MediaSourceContext.Provider>
        <ScheduledStrip conversationId={id} reloadKey={scheduledKey} onEdit={(editing) => setScheduling({ text: "", editing })} />
        {info.open ? (
          <>
            <WindowOpenLine info={info} />
            {composer(true)}
          </>
        ) : (
          <>
            <WindowClosedNotice info={info} />
            <TemplatePicker key={id} conversationId={id} />
            {noting || hasDraft ? (
              composer(false)
            ) : (
              <div className="flex flex-wrap gap-4 border-t border-gray-200 bg-white px-3 py-1.5">
                <button type="button" onClick={() => setNoting(true)} className="text-sm text-amber-800 underline" data-testid="note-open">
                  🔒 {t("composer.writeNote")}
                </button>
                {/* Scheduled for later: goes as written if the customer writes first, else as the fallback template. */}
                <button type="button" onClick={() => setScheduling({ text: "" })} className="text-sm text-sky-800 underline" data-testid="schedule-open">
                  🕒 {t("composer.schedule")}
                </button>
              </div>
            )}
          </>
        )}
      </section>
      {scheduling && (
        <Suspense fallback={null}>
          <ScheduleDialog
            conversationId={id}
            text={scheduling.text}
            closesAt={windowClosesAt(conversation.window_expires_at, conversation.last_inbound_at)}
            editing={scheduling.editing ?? null}
            onClose={() => setScheduling(null)}
            onDone={() => {
              scheduling.scheduled?.();
              setScheduling(null);
              setScheduledKey((k) => k + 1);
            }}
          />
        </Suspense>
      )}
      {templatesOpen && info.open && (
        <Modal title={t("composer.templateTitle")} onClose={() => setTemplatesOpen(false)} testId="template-dialog">
          <TemplatePicker conversationId={id} onSent={() => setTemplatesOpen(false)} />
        </Modal>
      )}
    </div>
  );
}
