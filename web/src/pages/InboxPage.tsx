import { useEffect } from "react";
import { useParams } from "react-router";
import { ConversationList } from "../components/inbox/ConversationList";
import { ConversationView } from "../components/inbox/ConversationView";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";

/** Two panes on wide screens; on phones the list and the conversation are separate screens. */
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
    <div className="flex h-full min-h-0">
      <div className={`${id ? "hidden md:flex" : "flex"} w-full flex-col border-r border-gray-200 md:w-80 md:shrink-0 lg:w-96`}>
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
    </div>
  );
}
