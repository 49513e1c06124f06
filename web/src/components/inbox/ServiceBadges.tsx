import { useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { breachOf, isPriority, priorityChip, PRIORITIES, type Priority } from "../../lib/service";
import type { Conversation } from "../../lib/types";

const CHIP_TONE: Record<Priority, string> = {
  low: "bg-gray-100 text-gray-700",
  normal: "bg-sky-100 text-sky-800",
  high: "bg-amber-100 text-amber-800",
  urgent: "bg-red-100 text-red-800",
};

/** A conversation's priority when it is not normal. */
export function PriorityChip({ priority, className = "" }: { priority: string | null | undefined; className?: string }) {
  const { t } = useI18n();
  const p = priorityChip(priority);
  if (!p) return null;
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-1.5 text-[11px] font-semibold ${CHIP_TONE[p]} ${className}`}
      title={t("priority.title", { priority: t(`priority.${p}`) })}
      data-testid="priority-chip"
      data-priority={p}
    >
      {p === "urgent" ? "‼ " : p === "high" ? "! " : ""}
      {t(`priority.${p}`)}
    </span>
  );
}

/** A red badge when the conversation missed an SLA target; its title says which. */
export function SlaBadge({ conversation: c, className = "" }: { conversation: Pick<Conversation, "sla_breached_at" | "sla_breach">; className?: string }) {
  const { t, lang } = useI18n();
  const breach = breachOf(c);
  if (!breach) return null;
  const at = c.sla_breached_at ? new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(c.sla_breached_at)) : "";
  const which = breach === "other" ? (c.sla_breach ?? "") : t(`sla.breach.${breach}`);
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full bg-red-600 px-1.5 text-[11px] font-semibold text-white ${className}`}
      title={t("sla.breachedTitle", { which, at })}
      data-testid="sla-badge"
      data-breach={c.sla_breach ?? ""}
    >
      {t("sla.breached")}
    </span>
  );
}

/** The header's priority picker (`PATCH {priority}`). */
export function PriorityPicker({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const inbox = useInbox();
  const [busy, setBusy] = useState(false);
  const current = isPriority(c.priority) ? c.priority : "normal";
  return (
    <label className="shrink-0">
      <span className="sr-only">{t("priority.label")}</span>
      <select
        value={current}
        disabled={busy}
        title={t("priority.label")}
        onChange={(e) => {
          const priority = e.target.value as Priority;
          setBusy(true);
          void inbox.update(c.id, { priority }).finally(() => setBusy(false));
        }}
        data-testid="conversation-priority"
        data-priority={current}
        className="max-w-[6.5rem] rounded-lg border border-gray-300 bg-white px-2 py-1 text-xs sm:text-sm"
      >
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`priority.${p}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
