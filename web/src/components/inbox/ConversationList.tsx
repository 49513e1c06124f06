import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { selectVisibleConversations, type AssigneeFilter } from "../../lib/inboxStore";
import type { ConversationStatus } from "../../lib/types";
import { useNow } from "../../lib/useNow";
import { Button, ErrorText } from "../Field";
import { ConversationRow } from "./ConversationRow";

const STATUSES: ConversationStatus[] = ["open", "pending", "resolved"];
const ASSIGNEES: { value: AssigneeFilter; label: "inbox.filter.mine" | "inbox.filter.unassigned" | "inbox.filter.all" }[] = [
  { value: "me", label: "inbox.filter.mine" },
  { value: "unassigned", label: "inbox.filter.unassigned" },
  { value: "all", label: "inbox.filter.all" },
];

export function ConversationList({ activeId }: { activeId: string | null }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  const now = useNow(60_000);
  const { filter, setFilter } = inbox;
  const conversations = selectVisibleConversations(inbox.state, filter, user?.id ?? null, user?.role !== "agent");

  return (
    <section className="flex h-full min-h-0 flex-col bg-white" aria-label={t("inbox.title")}>
      <div className="space-y-2 border-b border-gray-200 p-3">
        <div role="tablist" aria-label={t("inbox.filter.status")} className="grid grid-cols-3 gap-1 rounded-lg bg-gray-100 p-1">
          {STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={filter.status === s}
              data-testid={`filter-status-${s}`}
              onClick={() => setFilter({ ...filter, status: s })}
              className={`rounded-md px-2 py-1 text-sm ${filter.status === s ? "bg-white font-medium text-gray-900 shadow-sm" : "text-gray-600"}`}
            >
              {t(`status.${s}`)}
            </button>
          ))}
        </div>
        <div className="flex items-center justify-between gap-2">
          <label className="flex items-center gap-1 text-sm text-gray-600">
            <span className="sr-only">{t("inbox.filter.assignee")}</span>
            <select
              value={filter.assignee}
              data-testid="filter-assignee"
              onChange={(e) => setFilter({ ...filter, assignee: e.target.value as AssigneeFilter })}
              className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
            >
              {ASSIGNEES.map((a) => (
                <option key={a.value} value={a.value}>
                  {t(a.label)}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5 text-sm text-gray-600">
            <input
              type="checkbox"
              checked={filter.unreadOnly}
              data-testid="filter-unread"
              onChange={(e) => setFilter({ ...filter, unreadOnly: e.target.checked })}
              className="h-4 w-4 accent-brand-600"
            />
            {t("inbox.filter.unread")}
          </label>
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list">
        <ErrorText>{inbox.listError}</ErrorText>
        {inbox.listError && (
          <div className="p-3">
            <Button variant="secondary" onClick={() => setFilter({ ...filter })}>
              {t("common.retry")}
            </Button>
          </div>
        )}
        <ul>
          {conversations.map((c) => (
            <ConversationRow key={c.id} conversation={c} active={c.id === activeId} now={now} />
          ))}
        </ul>
        {inbox.state.listLoaded && !inbox.listLoading && conversations.length === 0 && !inbox.listError && (
          <p className="p-6 text-center text-sm text-gray-500" data-testid="conversation-list-empty">
            {t("inbox.empty")}
          </p>
        )}
        {inbox.listLoading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        {inbox.state.listCursor && !inbox.listLoading && (
          <div className="p-3 text-center">
            <Button variant="secondary" onClick={inbox.loadMore} data-testid="conversation-list-more">
              {t("common.loadMore")}
            </Button>
          </div>
        )}
      </div>
    </section>
  );
}
