import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import type { Conversation, ConversationStatus } from "../../lib/types";
import { Avatar } from "../Avatar";
import { AssigneePicker } from "./AssigneePicker";
import { useContactPanel } from "./contactPanelState";
import { PriorityChip, PriorityPicker, SlaBadge } from "./ServiceBadges";
import { TeamPicker } from "./TeamPicker";
import { isErased } from "../../lib/privacy";
import { contactLabel, contactSubtitle } from "./names";

const STATUSES: ConversationStatus[] = ["open", "pending", "resolved", "closed"];

/**
 * The conversation's header: who the customer is (a click shows the contact
 * panel) and its status, priority, team and assignee. On a phone the pickers
 * wrap onto a second row so the customer's name keeps its room.
 */
export function ConversationHeader({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  const panel = useContactPanel();
  const name = isErased(c.contact) ? t("gdpr.erasedContact") : contactLabel(c.contact) || t("inbox.unknownContact");
  const mine = user !== null && c.assignee_id === user.id;
  const assigneeName = c.assignee_id ? inbox.users[c.assignee_id]?.name : undefined;
  const assignment = mine
    ? t("conv.assignedToYou")
    : c.assignee_id
      ? assigneeName
        ? t("conv.assignedTo", { name: assigneeName })
        : t("conv.assignedOther")
      : t("conv.unassigned");

  return (
    <header
      className="flex min-h-14 shrink-0 flex-wrap items-center gap-x-2 gap-y-1 border-b border-gray-200 bg-white px-2 py-1.5 sm:px-4"
      data-testid="conversation-header"
    >
      <div className="flex min-w-0 flex-[1_1_14rem] items-center gap-1">
        <Link to="/inbox" className="shrink-0 rounded p-1 text-xl text-gray-600 hover:bg-gray-100 md:hidden" aria-label={t("conv.back")} data-testid="conversation-back">
          ←
        </Link>
        <button
          type="button"
          onClick={panel.show}
          className="flex min-w-0 flex-1 items-center gap-2 rounded-lg p-0.5 text-left hover:bg-gray-50"
          title={t("contact.show")}
          aria-expanded={panel.open}
          data-testid="contact-toggle"
        >
          <Avatar name={name} seed={c.contact.id} size="sm" />
          <span className="min-w-0">
            <span className="flex min-w-0 items-center gap-1.5">
              <span className="truncate font-semibold" data-testid="conversation-title">
                {name}
              </span>
              <PriorityChip priority={c.priority} />
              <SlaBadge conversation={c} />
            </span>
            <span className="block truncate text-xs text-gray-500">{[contactSubtitle(c.contact), assignment].filter(Boolean).join(" · ")}</span>
          </span>
        </button>
      </div>
      <div className="flex shrink-0 flex-wrap items-center justify-end gap-1.5 max-sm:w-full" data-testid="conversation-controls">
        <PriorityPicker conversation={c} />
        <TeamPicker conversation={c} />
        <AssigneePicker conversation={c} />
        <label className="shrink-0">
          <span className="sr-only">{t("conv.setStatus")}</span>
          <select
            value={c.status}
            onChange={(e) => void inbox.update(c.id, { status: e.target.value as ConversationStatus })}
            title={t("conv.setStatus")}
            data-testid="conversation-status"
            className="rounded-lg border border-gray-300 bg-white px-2 py-1 text-xs sm:text-sm"
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
    </header>
  );
}
