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

export function ConversationRow({ conversation: c, active, now }: { conversation: Conversation; active: boolean; now: number }) {
  const { t, lang } = useI18n();
  const name = isErased(c.contact) ? t("gdpr.erasedContact") : contactLabel(c.contact) || t("inbox.unknownContact");
  const last = c.last_message;
  const preview = last ? previewOf(last) : null;
  const previewText = preview ? [preview.icon, preview.label ? t(preview.label) : "", preview.text].filter(Boolean).join(" ") : "";
  const unread = c.unread_count > 0;
  return (
    <li>
      <Link
        to={`/inbox/${encodeURIComponent(c.id)}`}
        data-testid="conversation-row"
        data-conversation-id={c.id}
        data-unread={c.unread_count}
        aria-current={active ? "page" : undefined}
        className={`flex gap-3 border-b border-gray-100 px-3 py-3 ${active ? "bg-brand-50" : "hover:bg-gray-50"}`}
      >
        <Avatar name={name} seed={c.contact.id} />
        <div className="min-w-0 flex-1">
          <div className="flex items-baseline justify-between gap-2">
            <span className={`truncate ${unread ? "font-semibold text-gray-900" : "font-medium text-gray-800"}`} data-testid="conversation-name">
              {name}
            </span>
            <time className={`shrink-0 text-xs ${unread ? "text-brand-600" : "text-gray-500"}`} dateTime={c.last_message_at ?? undefined}>
              {c.last_message_at && dayOf(c.last_message_at, now).kind === "yesterday"
                ? t("day.yesterday")
                : formatListTime(c.last_message_at, now, lang.locale)}
            </time>
          </div>
          <div className="flex min-w-0 items-center gap-1 text-xs text-gray-500">
            <span className="truncate">{contactSubtitle(c.contact)}</span>
            <PriorityChip priority={c.priority} />
            <SlaBadge conversation={c} />
            {(c.tags ?? []).slice(0, 3).map((tag) => (
              <span key={tag} className="shrink-0 rounded-full bg-brand-50 px-1.5 text-[11px] text-brand-700" data-testid="conversation-row-tag">
                #{tag}
              </span>
            ))}
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
        </div>
      </Link>
    </li>
  );
}
