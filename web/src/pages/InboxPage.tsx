import { useEffect } from "react";
import { useParams } from "react-router";
import { ContactPanel } from "../components/inbox/ContactPanel";
import { ContactPanelProvider, useContactPanel } from "../components/inbox/contactPanelState";
import { ConversationList } from "../components/inbox/ConversationList";
import { ConversationView } from "../components/inbox/ConversationView";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";

/**
 * The contact panel of the open conversation: beside the thread on wide
 * screens (collapsible, remembered), a drawer over the page on narrow ones.
 */
function ContactSide({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const panel = useContactPanel();
  const inbox = useInbox();
  const conversation = inbox.state.conversations[conversationId];
  const drawer = panel.open && !panel.wide;
  const { hide } = panel;
  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") hide();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawer, hide]);
  if (!conversation || !panel.open) return null;
  const content = <ContactPanel key={conversation.contact.id} contact={conversation.contact} conversationId={conversationId} onClose={panel.hide} />;
  if (panel.wide) {
    return (
      <div className="flex w-80 shrink-0 flex-col" data-testid="contact-side" data-mode="beside">
        {content}
      </div>
    );
  }
  return (
    <div className="fixed inset-0 z-40 flex justify-end" data-testid="contact-side" data-mode="drawer">
      <button type="button" className="absolute inset-0 bg-black/30" aria-label={t("contact.hide")} tabIndex={-1} onClick={panel.hide} />
      <div className="relative flex h-full w-full max-w-sm flex-col shadow-xl">{content}</div>
    </div>
  );
}

/**
 * Three panes on wide screens (list, thread, contact); two on tablets (the
 * contact a drawer); on phones the list and the conversation are separate
 * screens.
 */
export function InboxPage() {
  const { conversationId } = useParams();
  const id = conversationId ?? null;
  const { open } = useInbox();
  const { t } = useI18n();

  useEffect(() => {
    open(id);
  }, [id, open]);
  useEffect(() => () => open(null), [open]);

  return (
    <ContactPanelProvider conversationId={id}>
      <div className="flex h-full min-h-0">
        <div className={`${id ? "hidden md:flex" : "flex"} w-full flex-col border-r border-gray-200 md:w-80 md:shrink-0 lg:w-96 xl:w-80 2xl:w-96`}>
          <ConversationList activeId={id} />
        </div>
        <div className={`${id ? "flex" : "hidden md:flex"} min-w-0 flex-1 flex-col`}>
          {id ? (
            <ConversationView id={id} />
          ) : (
            <div className="flex h-full items-center justify-center bg-chat p-6 text-center text-sm text-gray-600" data-testid="inbox-placeholder">
              {t("inbox.select")}
            </div>
          )}
        </div>
        {id && <ContactSide conversationId={id} />}
      </div>
    </ContactPanelProvider>
  );
}
