import { useI18n } from "../../i18n/I18nProvider";
import type { CampaignStats, CampaignStatus } from "../../lib/apiTypes";
import { campaignTone, progressOf } from "../../lib/campaigns";
import { Badge } from "../ui";

export function CampaignStatusBadge({ status, testId = "campaign-status" }: { status: CampaignStatus; testId?: string }) {
  const { t } = useI18n();
  return (
    <span data-status={status} className="inline-flex">
      <Badge tone={campaignTone(status)} testId={testId}>
        {t(`campaigns.status.${status}`)}
      </Badge>
    </span>
  );
}

/** Recipients handed over of those to send to, as a bar with the numbers beside it. */
export function CampaignProgress({ stats, status, testId = "campaign-progress", compact = false }: { stats: CampaignStats; status: CampaignStatus; testId?: string; compact?: boolean }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const { done, total, fraction } = progressOf(stats);
  const percent = Math.round(fraction * 100);
  const bar = status === "paused" ? "bg-amber-500" : status === "cancelled" ? "bg-gray-400" : status === "completed" ? "bg-green-600" : "bg-brand-600";
  return (
    <div
      className={compact ? "min-w-32" : ""}
      role="progressbar"
      aria-label={t("campaigns.progress")}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid={testId}
      data-done={done}
      data-total={total}
    >
      <div className={`overflow-hidden rounded-full bg-gray-200 ${compact ? "h-1.5" : "h-2.5"}`}>
        <div className={`h-full rounded-full transition-[width] duration-500 ${bar}`} style={{ width: `${percent}%` }} />
      </div>
      <p className={`mt-1 tabular-nums text-gray-600 ${compact ? "text-xs" : "text-sm"}`}>
        {t("campaigns.progressOf", { done: num.format(done), total: num.format(total) })}
        {!compact && <span className="text-gray-400"> · {percent}%</span>}
      </p>
    </div>
  );
}
