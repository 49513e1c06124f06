import { Link } from "react-router";
import { Avatar } from "../Avatar";
import { useI18n } from "../../i18n/I18nProvider";
import { previewOf } from "../../lib/content";
import { dayOf, formatListTime } from "../../lib/format";
import type { Conversation } from "../../lib/types";
import { isErased } from "../../lib/privacy";
import { contactLabel, contactSubtitle } from "./names";
import { PriorityChip, SlaBadge } from "./ServiceBadges";
import { StatusTicks } from "./StatusTicks";

/**
 * One conversation in the inbox list: who, when, the newest message, and
 * who has it and on which number it came in.
 */
export function ConversationRow({
  conversation: c,
  active,
  now,
  assignee,
  channel,
}: {
  conversation: Conversation;
  active: boolean;
  now: number;
  /** Who it is assigned to ("You", a name), or null when no one. */
  assignee?: string | null;
  /** The number it came in on, when the account has more than one (else null). */
  channel?: string | null;
}) {
  const { t, lang } = useI18n();
  const name = isErased(c.contact) ? t("gdpr.erasedContact") : contactLabel(c.contact) || t("inbox.unknownContact");
  const last = c.last_message;
  const preview = last ? previewOf(last) : null;
  const previewText = preview ? [preview.icon, preview.label ? t(preview.label) : "", preview.text].filter(Boolean).join(" ") : "";
  const unread = c.unread_count > 0;
  const subtitle = contactSubtitle(c.contact);
  return (
    <li>
      <Link
        to={`/inbox/${encodeURIComponent(c.id)}`}
        data-testid="conversation-row"
        data-conversation-id={c.id}
        data-unread={c.unread_count}
        aria-current={active ? "page" : undefined}
        className={`flex gap-3 border-b border-gray-100 px-3 py-2.5 ${active ? "bg-brand-50" : "hover:bg-gray-50"}`}
      >
        <Avatar name={name} seed={c.contact.id} />
        <div className="min-w-0 flex-1">
          <div className="flex items-baseline justify-between gap-2">
            <span className="flex min-w-0 items-baseline gap-1.5">
              <span className={`min-w-0 truncate ${unread ? "font-semibold text-gray-900" : "font-medium text-gray-800"}`} data-testid="conversation-name">
                {name}
              </span>
              {/* The number gives way first: the name keeps its room. */}
              {subtitle && <span className="min-w-0 truncate text-xs text-gray-500 [flex-shrink:1000]">{subtitle}</span>}
            </span>
            <time className={`shrink-0 text-xs ${unread ? "text-brand-600" : "text-gray-500"}`} dateTime={c.last_message_at ?? undefined}>
              {c.last_message_at && dayOf(c.last_message_at, now).kind === "yesterday"
                ? t("day.yesterday")
                : formatListTime(c.last_message_at, now, lang.locale)}
            </time>
          </div>
          <div className="mt-0.5 flex items-center justify-between gap-2">
            <span className="flex min-w-0 items-center gap-1 text-sm text-gray-600">
              {last?.direction === "outbound" && <StatusTicks status={last.status} />}
              <span className="truncate">{previewText}</span>
            </span>
            {unread && (
              <span
                data-testid="unread-badge"
                aria-label={t("inbox.unreadBadge", { count: c.unread_count })}
                className="shrink-0 rounded-full bg-brand-500 px-1.5 py-0.5 text-xs font-semibold text-white"
              >
                {c.unread_count > 99 ? "99+" : c.unread_count}
              </span>
            )}
          </div>
          <div className="mt-1 flex min-w-0 items-center gap-1 overflow-hidden text-[11px] text-gray-500">
            <span
              className={`inline-flex max-w-[50%] shrink-0 items-center gap-0.5 rounded-full px-1.5 ${assignee ? "bg-gray-100 text-gray-700" : "text-gray-500"}`}
              title={t("assign.title")}
              data-testid="row-assignee"
            >
              <svg viewBox="0 0 20 20" className="h-3 w-3 shrink-0" fill="currentColor" aria-hidden="true">
                <path d="M10 10a4 4 0 100-8 4 4 0 000 8zm-7 8a7 7 0 0114 0H3z" />
              </svg>
              <span className="truncate">{assignee ?? t("conv.unassigned")}</span>
            </span>
            {channel && (
              <span className="inline-flex min-w-0 shrink items-center gap-0.5 rounded-full bg-sky-50 px-1.5 text-sky-800" title={t("inbox.filter.channel")} data-testid="row-channel">
                <svg viewBox="0 0 20 20" className="h-3 w-3 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
                  <rect x="6" y="2.5" width="8" height="15" rx="1.5" />
                  <path d="M9 14.5h2" strokeLinecap="round" />
                </svg>
                <span className="truncate">{channel}</span>
              </span>
            )}
            <PriorityChip priority={c.priority} />
            <SlaBadge conversation={c} />
            {(c.tags ?? []).slice(0, 3).map((tag) => (
              <span key={tag} className="shrink-0 rounded-full bg-brand-50 px-1.5 text-brand-700" data-testid="conversation-row-tag">
                #{tag}
              </span>
            ))}
          </div>
        </div>
      </Link>
    </li>
  );
}
