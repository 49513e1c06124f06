import { useEffect, useMemo, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { windowInfo } from "../../lib/format";
import { selectMessages, selectTyping } from "../../lib/inboxStore";
import { useNow } from "../../lib/useNow";
import { latestInboundKey } from "../../lib/suggestions";
import { useSuggestions } from "../../inbox/useSuggestions";
import { ErrorText } from "../Field";
import { Composer } from "./Composer";
import { ContactPanel } from "./ContactPanel";
import { ConversationHeader } from "./ConversationHeader";
import { ConversationTags } from "./ConversationTags";
import { MediaSourceContext, type MediaSource } from "./MessageContent";
import { MessageThread } from "./MessageThread";
import { TemplatePicker } from "./TemplatePicker";
import { WindowClosedNotice, WindowOpenLine } from "./WindowNotice";

export function ConversationView({ id }: { id: string }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  const [showContact, setShowContact] = useState(false);
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

  useEffect(() => {
    if (hasTemplates && inbox.templates === null) inbox.loadTemplates();
  }, [hasTemplates, inbox]);

  if (!conversation) {
    return (
      <div className="flex h-full items-center justify-center p-6 text-sm text-gray-500">
        {inbox.threadError ? <ErrorText>{t("conv.notFound")}</ErrorText> : t("common.loading")}
      </div>
    );
  }

  return (
    <div className="flex h-full min-h-0">
      <section className="flex min-w-0 flex-1 flex-col" data-testid="conversation-view" data-conversation-id={id}>
        <ConversationHeader conversation={conversation} onToggleContact={() => setShowContact((v) => !v)} />
        <ConversationTags conversation={conversation} />
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
          />
        </MediaSourceContext.Provider>
        {info.open ? (
          <>
            <WindowOpenLine info={info} />
            <Composer
              key={id}
              conversationId={id}
              onSend={(body) => inbox.sendText(id, body)}
              onSendFile={(file, caption) => inbox.sendFile(id, file, caption)}
              onTyping={(on) => inbox.setTyping(id, on)}
              onSendCanned={(attachment, text) => inbox.sendCannedAttachment(id, attachment, text)}
              suggestions={suggestions}
            />
          </>
        ) : (
          <>
            <WindowClosedNotice info={info} />
            <TemplatePicker key={id} conversationId={id} />
          </>
        )}
      </section>
      {showContact && (
        <div className="fixed inset-0 z-20 bg-white lg:static lg:z-auto lg:w-80 lg:shrink-0">
          <ContactPanel contact={conversation.contact} conversationId={id} onClose={() => setShowContact(false)} />
        </div>
      )}
    </div>
  );
}
