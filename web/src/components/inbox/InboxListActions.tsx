import { useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { NewConversationDialog } from "./NewConversationDialog";
import { NotificationBell } from "./NotificationBell";

/** The inbox list's top row: its title, notification settings and "New conversation". */
export function InboxListActions() {
  const { t } = useI18n();
  const [starting, setStarting] = useState(false);
  return (
    <div className="relative flex items-center gap-1">
      <h1 className="min-w-0 flex-1 truncate text-base font-semibold">{t("inbox.title")}</h1>
      <NotificationBell />
      <button
        type="button"
        onClick={() => setStarting(true)}
        className="inline-flex items-center gap-1 rounded-lg bg-brand-600 px-2.5 py-1 text-sm font-medium text-white hover:bg-brand-700"
        data-testid="new-conversation-open"
      >
        <span aria-hidden="true">＋</span>
        {t("newChat.open")}
      </button>
      {starting && <NewConversationDialog onClose={() => setStarting(false)} />}
    </div>
  );
}
