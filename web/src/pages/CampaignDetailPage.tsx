import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CampaignProgress, CampaignStatusBadge } from "../components/campaigns/CampaignBits";
import { RetargetDialog } from "../components/campaigns/RetargetDialog";
import { ButtonsChart, FailuresChart, FunnelChart, VariantsChart } from "../components/charts/CampaignCharts";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, EmptyRow, fieldClass, type Tone, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import type { CampaignStats, CampaignView } from "../lib/apiTypes";
import { audienceCsv } from "../lib/campaignCsv";
import {
  applyProgress,
  audienceRetarget,
  audienceTags,
  canRetarget,
  canCancel,
  canDelete,
  canEdit,
  canPause,
  canResume,
  canStart,
  formatInZone,
  formatLocalSend,
  formatMoney,
  inQuietHours,
  isLive,
  localSendOf,
  quietHoursFromApi,
  rateOf,
  timeOfDayIn,
  variantRows,
  VARIANT_METRICS,
  isRecipientStatus,
  isSkipReason,
  RECIPIENT_STATUSES,
  type CampaignStatsExt,
  type CampaignWithStats,
  type QuietHours,
  type RecipientStatus,
  type RecipientViewExt,
  type VariantStats,
} from "../lib/campaigns";
import { isAdmin } from "../lib/nav";
import { waitsForWallet, WALLET_PATH } from "../lib/wallet";
import type { SegmentView } from "../lib/api";
import { audienceSegmentId } from "../lib/segments";
import type { Page } from "../lib/types";

/** The campaign is fetched again this often while its counts can change (the socket brings more while it runs). */
const POLL_MS = 3000;
const PAGE_SIZE = 50;

type StatKey = "audience" | "skipped" | "pending" | "retrying" | "sent" | "delivered" | "read" | "replied" | "clicked" | "failed" | "cancelled";

/** The tiles: cumulative funnel counts for sent/delivered/read, the partition for the rest. */
function statValue(s: CampaignStats, key: StatKey): number {
  switch (key) {
    case "sent":
    case "delivered":
    case "read":
    case "replied":
      return s.funnel[key];
    case "pending":
      return s.pending + s.sending + s.accepted;
    case "retrying":
    case "clicked":
      return s[key] ?? 0;
    default:
      return s[key];
  }
}
const STAT_KEYS: readonly StatKey[] = ["audience", "skipped", "pending", "retrying", "sent", "delivered", "read", "replied", "clicked", "failed", "cancelled"];

const RECIPIENT_TONES: Record<RecipientStatus, Tone> = {
  pending: "gray",
  sending: "blue",
  accepted: "blue",
  sent: "blue",
  delivered: "brand",
  read: "green",
  failed: "red",
  unconfirmed: "amber",
  skipped: "amber",
  cancelled: "gray",
};

function Tile({ label, value, testId, dataValue, tone = "", hint }: { label: string; value: ReactNode; testId: string; dataValue: number; tone?: string; hint?: ReactNode }) {
  return (
    <div className="rounded-xl border border-gray-200 bg-white p-3" data-testid={testId} data-value={dataValue}>
      <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</div>
      <div className={`mt-0.5 text-2xl font-semibold tabular-nums ${tone}`}>{value}</div>
      {hint}
    </div>
  );
}

/** Recipients with a status filter and "load more"; the first page follows the live counts. */
function Recipients({ campaignId, stats, split, quiet }: { campaignId: string; stats: CampaignStatsExt; split: boolean; quiet: QuietHours | null }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [filter, setFilter] = useState<RecipientStatus | "">("");
  const [rows, setRows] = useState<RecipientViewExt[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const pages = useRef(1);
  const time = new Intl.DateTimeFormat(lang.locale, { dateStyle: "short", timeStyle: "medium" });
  const at = (iso: string | null) => (iso ? time.format(new Date(iso)) : "—");
  /** A waiting recipient's own clock: when their local send time comes, or that their quiet hours hold them; else their zone. */
  const localNote = (r: RecipientViewExt) => {
    const zone = r.timezone ?? "UTC";
    if (r.status === "pending") {
      const now = Date.now();
      if (r.send_after && Date.parse(r.send_after) > now) return t("campaigns.recipient.sendAfter", { time: formatInZone(r.send_after, r.timezone, lang.locale), zone });
      if (quiet && inQuietHours(quiet, timeOfDayIn(r.timezone, now))) return t("campaigns.recipient.quietUntil", { time: quiet.end.slice(0, 5), zone });
    }
    return zone;
  };

  const load = useCallback(
    async (from: string | null) => {
      const req = ++request.current;
      setLoading(true);
      try {
        const page = await api.get<Page<RecipientViewExt>>(`/campaigns/${encodeURIComponent(campaignId)}/messages`, { status: filter, cursor: from, limit: PAGE_SIZE });
        if (req !== request.current) return;
        setRows((prev) => (from ? [...prev, ...page.data] : page.data));
        setCursor(page.next_cursor);
        pages.current = from ? pages.current + 1 : 1;
        setError(null);
      } catch (e) {
        if (req === request.current) setError(errorText(e));
      } finally {
        if (req === request.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, campaignId, filter],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  // New counts: the first page again (unless more were loaded, which a refresh would drop).
  const signature = JSON.stringify([
    stats.pending,
    stats.sending,
    stats.accepted,
    stats.sent,
    stats.delivered,
    stats.read,
    stats.failed,
    stats.skipped,
    stats.cancelled,
    stats.replied,
    stats.clicked,
    stats.retrying,
    stats.waiting_local_time,
  ]);
  const lastSignature = useRef(signature);
  useEffect(() => {
    if (signature === lastSignature.current) return;
    lastSignature.current = signature;
    if (pages.current > 1) return;
    const timer = window.setTimeout(() => void load(null), 300);
    return () => window.clearTimeout(timer);
  }, [signature, load]);

  return (
    <section className="rounded-xl border border-gray-200 bg-white" data-testid="campaign-recipients-panel">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-gray-100 px-4 py-3">
        <h2 className="text-sm font-semibold text-gray-700">{t("campaigns.recipients")}</h2>
        <select
          className={fieldClass}
          value={filter}
          aria-label={t("campaigns.recipientFilter")}
          data-testid="campaign-recipient-filter"
          onChange={(e) => setFilter(isRecipientStatus(e.target.value) ? e.target.value : "")}
        >
          <option value="">{t("campaigns.recipientFilterAll")}</option>
          {RECIPIENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`campaigns.recipientStatus.${s}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorText testId="campaign-recipients-error">{error}</ErrorText>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="campaign-recipients">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("contacts.col.phone")}</th>
              {split && <th className="px-3 py-2 font-medium">{t("campaigns.col.variant")}</th>}
              <th className="px-4 py-2 font-medium">{t("campaigns.col.status")}</th>
              <th className="px-4 py-2 font-medium">{t("campaigns.col.detail")}</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">{t("campaigns.col.sentAt")}</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">{t("campaigns.col.deliveredAt")}</th>
              <th className="hidden px-3 py-2 font-medium md:table-cell">{t("campaigns.col.readAt")}</th>
              <th className="hidden px-3 py-2 font-medium md:table-cell">{t("campaigns.col.repliedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const status = isRecipientStatus(r.status) ? r.status : null;
              return (
                <tr
                  key={r.id}
                  className="border-t border-gray-100 align-top"
                  data-testid="campaign-recipient-row"
                  data-status={r.status}
                  data-phone={r.phone ?? undefined}
                  data-variant={r.variant ?? undefined}
                  data-attempt={r.attempt}
                  data-clicked={r.clicked ?? undefined}
                  data-replied={r.replied_at ? "true" : "false"}
                >
                  <td className="px-4 py-2 font-mono text-xs">{r.phone ?? "—"}</td>
                  {split && (
                    <td className="px-3 py-2">
                      {r.variant && (
                        <Badge tone={r.variant === "a" ? "brand" : "amber"} testId="campaign-recipient-variant">
                          {r.variant.toUpperCase()}
                        </Badge>
                      )}
                    </td>
                  )}
                  <td className="px-4 py-2">
                    <Badge tone={status ? RECIPIENT_TONES[status] : "gray"}>{status ? t(`campaigns.recipientStatus.${status}`) : r.status}</Badge>
                  </td>
                  <td className="px-4 py-2 text-xs text-gray-600">
                    {r.error ? (
                      <span className="text-red-700">{`${r.error.code} · ${r.error.title}`}</span>
                    ) : r.skip_reason ? (
                      isSkipReason(r.skip_reason) ? t(`campaigns.skip.${r.skip_reason}`) : r.skip_reason
                    ) : (
                      ""
                    )}
                    {(r.attempt > 1 || r.retry_at) && (
                      <span className="block text-amber-800" data-testid="campaign-recipient-retry">
                        {r.retry_at && r.status === "pending"
                          ? t("campaigns.recipient.retryAt", { attempt: r.attempt, time: at(r.retry_at) })
                          : t("campaigns.recipient.attempt", { attempt: r.attempt })}
                      </span>
                    )}
                    {r.clicked && (
                      <span className="block text-violet-700" data-testid="campaign-recipient-clicked">
                        {t("campaigns.recipient.clicked", { button: r.clicked })}
                      </span>
                    )}
                    {(r.timezone || r.send_after) && (
                      <span className="block text-gray-500" data-testid="campaign-recipient-local" data-timezone={r.timezone ?? undefined}>
                        {localNote(r)}
                      </span>
                    )}
                  </td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 lg:table-cell">{at(r.sent_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 lg:table-cell">{at(r.delivered_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 md:table-cell">{at(r.read_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 md:table-cell">{at(r.replied_at)}</td>
                </tr>
              );
            })}
            {!loading && !error && rows.length === 0 && <EmptyRow colSpan={split ? 8 : 7}>{t("campaigns.noRecipients")}</EmptyRow>}
          </tbody>
        </table>
        {loading && rows.length === 0 && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {cursor && (
        <div className="border-t border-gray-100 p-3 text-center">
          <Button variant="secondary" onClick={() => void load(cursor)} disabled={loading} data-testid="campaign-recipients-more">
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </section>
  );
}

/** A split test's variants compared: a grouped bar chart and the counts with rates of each variant's audience. */
function Variants({ rows }: { rows: readonly VariantStats[] }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  return (
    <section className="rounded-xl border border-gray-200 bg-white p-4" data-testid="campaign-variants">
      <h2 className="mb-3 text-sm font-semibold text-gray-700">{t("campaigns.variants")}</h2>
      <div className="grid gap-4 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <VariantsChart rows={rows} />
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="campaign-variants-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-2 py-2 font-medium">{t("campaigns.col.variant")}</th>
                <th className="px-2 py-2 text-right font-medium">{t("campaigns.stat.audience")}</th>
                {VARIANT_METRICS.map((m) => (
                  <th key={m} className="px-2 py-2 text-right font-medium">
                    {t(`campaigns.variantMetric.${m}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.variant} className="border-t border-gray-100 align-top" data-testid="campaign-variant-row" data-variant={r.variant} data-template={r.template.name}>
                  <td className="px-2 py-2">
                    <span className="font-medium">{t(`campaigns.variant.${r.variant}`)}</span>
                    <span className="block whitespace-nowrap font-mono text-xs text-gray-500">{`${r.template.name} (${r.template.language})`}</span>
                  </td>
                  <td className="px-2 py-2 text-right tabular-nums" data-metric="audience" data-value={r.audience}>
                    {num.format(r.audience)}
                  </td>
                  {VARIANT_METRICS.map((m) => (
                    <td key={m} className="px-2 py-2 text-right tabular-nums" data-metric={m} data-value={r[m]}>
                      {num.format(r[m])}
                      {m !== "sent" && r.audience > 0 && <span className="block text-xs text-gray-400">{`${rateOf(r[m], r.audience)}%`}</span>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

/** One campaign: status and controls, live progress, the funnel, counts and every recipient. */
export function CampaignDetailPage() {
  const { id = "" } = useParams();
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const { onCampaignProgress } = useInbox();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [campaign, setCampaign] = useState<CampaignWithStats | null>(null);
  const [retargeting, setRetargeting] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [exporting, setExporting] = useState(false);
  const request = useRef(0);
  const num = new Intl.NumberFormat(lang.locale);
  const when = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });
  const path = `/campaigns/${encodeURIComponent(id)}`;

  const load = useCallback(() => {
    const req = ++request.current;
    api
      .get<CampaignWithStats>(path)
      .then((c) => {
        if (req !== request.current) return;
        setCampaign(c);
        setLoadError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setLoadError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, path]);

  useEffect(() => load(), [load]);

  // A segment audience is named by its segment (the id when it is gone).
  const segmentId = audienceSegmentId(campaign?.audience);
  const [segmentName, setSegmentName] = useState<string | null>(null);
  useEffect(() => {
    if (!segmentId) return;
    let live = true;
    api
      .get<SegmentView>(`/contacts/segments/${encodeURIComponent(segmentId)}`)
      .then((sv) => live && setSegmentName(sv.name))
      .catch(() => live && setSegmentName(null));
    return () => {
      live = false;
    };
  }, [api, segmentId]);

  // A retarget audience is named by the campaign it reaches again.
  const retarget = audienceRetarget(campaign?.audience);
  const retargetSource = retarget?.campaign_id ?? null;
  const [sourceName, setSourceName] = useState<string | null>(null);
  useEffect(() => {
    if (!retargetSource) return;
    let live = true;
    api
      .get<CampaignView>(`/campaigns/${encodeURIComponent(retargetSource)}`)
      .then((src) => live && setSourceName(src.name))
      .catch(() => live && setSourceName(null));
    return () => {
      live = false;
    };
  }, [api, retargetSource]);

  // Live counts while it runs; a change of status brings the whole campaign (its paused_reason, times).
  const statusRef = useRef(campaign?.status);
  statusRef.current = campaign?.status;
  useEffect(
    () =>
      onCampaignProgress((p) => {
        if (p.campaign_id !== id) return;
        const changed = statusRef.current !== p.status;
        request.current++; // an answer in flight is older than this frame
        setCampaign((c) => (c ? applyProgress(c, p) : c));
        if (changed) load();
      }),
    [onCampaignProgress, id, load],
  );

  // Statuses and replies keep coming after the last send: follow them while the page is open.
  const live = campaign ? isLive(campaign, Date.now()) : false;
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") load();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [live, load]);

  async function act(action: "start" | "pause" | "resume" | "cancel") {
    setBusy(true);
    setError(null);
    try {
      request.current++;
      setCampaign(await api.post<CampaignWithStats>(`${path}/${action}`));
    } catch (e) {
      setError(errorText(e));
      load();
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api.delete(path);
      navigate("/campaigns");
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  async function exportCsv() {
    setExporting(true);
    setError(null);
    try {
      const file = await api.downloadFile(`${path}/export`);
      const url = URL.createObjectURL(file.blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = file.filename ?? `campaign-${id}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(false);
    }
  }

  if (!campaign) {
    return (
      <div className="h-full overflow-y-auto">
        <div className="mx-auto max-w-6xl p-4">
          <Link to="/campaigns" className="text-sm text-gray-600 hover:underline">
            {t("campaigns.backToList")}
          </Link>
          <div className="mt-3">
            {loadError ? <ErrorText testId="campaign-load-error">{loadError}</ErrorText> : <p className="p-6 text-center text-sm text-gray-500">{t("common.loading")}</p>}
          </div>
        </div>
      </div>
    );
  }

  const c = campaign;
  const s = c.stats;
  const tags = audienceTags(c.audience);
  const csv = audienceCsv(c.audience);
  const variants = variantRows(s);
  const localSend = localSendOf(c.local_send);
  const quiet = quietHoursFromApi(c.quiet_hours);
  const retrying = s.retrying ?? 0;
  const waitingLocal = s.waiting_local_time ?? 0;
  const waiting = (c.status === "running" || c.status === "paused") && (!!c.waiting_reason || retrying > 0 || waitingLocal > 0);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl space-y-4 p-4" data-testid="campaign-detail" data-campaign-id={c.id} data-status={c.status}>
        <div>
          <Link to="/campaigns" className="text-sm text-gray-600 hover:underline">
            {t("campaigns.backToList")}
          </Link>
          <div className="mt-1 flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0">
              <div className="flex flex-wrap items-center gap-2">
                <h1 className="text-xl font-semibold" data-testid="campaign-name-heading">
                  {c.name}
                </h1>
                <CampaignStatusBadge status={c.status} />
              </div>
              <p className="mt-0.5 text-sm text-gray-600">
                {t("campaigns.summary", { template: `${c.template.name} (${c.template.language})`, rate: num.format(c.rate_mps) })}
                {tags.length > 0 && ` · ${t("campaigns.summaryTags", { tags: tags.join(", ") })}`}
                {csv && csv.rows !== null && ` · ${t("campaigns.summaryCsv", { rows: num.format(csv.rows) })}`}
                {segmentId && (
                  <>
                    {" · "}
                    <Link to={`/segments/${segmentId}`} className="hover:underline" data-testid="campaign-segment-link">
                      {t("campaigns.summarySegment", { name: segmentName ?? segmentId })}
                    </Link>
                  </>
                )}
                {retarget && (
                  <>
                    {" · "}
                    <Link to={`/campaigns/${retarget.campaign_id}`} className="hover:underline" data-testid="campaign-retarget-link">
                      {t(`campaigns.retarget.summary.${retarget.rule}`, { name: sourceName ?? "…", hours: num.format(retarget.after_hours ?? 24) })}
                    </Link>
                  </>
                )}
              </p>
              {(c.variant_b || c.timezone || quiet.enabled) && (
                <p className="text-xs text-gray-600" data-testid="campaign-settings">
                  {[
                    c.variant_b && (
                      <span key="split" data-testid="campaign-split-summary">
                        {t("campaigns.splitSummary", {
                          a: `${c.template.name} (${c.template.language})`,
                          b: `${c.variant_b.template.name} (${c.variant_b.template.language})`,
                          percentA: 100 - c.variant_b.split_percent,
                          percentB: c.variant_b.split_percent,
                        })}
                      </span>
                    ),
                    c.timezone && (
                      <span key="zone" data-testid="campaign-timezone">
                        {t("campaigns.timezoneSummary", { zone: c.timezone })}
                      </span>
                    ),
                    quiet.enabled && (
                      <span key="quiet" data-testid="campaign-quiet">
                        {t("campaigns.quietSummary", { start: quiet.start, end: quiet.end })}
                      </span>
                    ),
                  ]
                    .filter(Boolean)
                    .flatMap((x, i) => (i === 0 ? [x] : [" · ", x]))}
                </p>
              )}
              <p className="text-xs text-gray-500">
                {c.status === "scheduled" && localSend && (
                  <span className="block" data-testid="campaign-local-send" data-date={localSend.date} data-time={localSend.time}>
                    {t("campaigns.localSendFor", { time: formatLocalSend(localSend, lang.locale) })}
                    {c.scheduled_at && ` ${t("campaigns.localSendFirst", { time: when.format(new Date(c.scheduled_at)) })}`}
                  </span>
                )}
                {c.scheduled_at && c.status === "scheduled" && !localSend && t("campaigns.scheduledFor", { time: when.format(new Date(c.scheduled_at)) })}
                {c.started_at && t("campaigns.startedAt", { time: when.format(new Date(c.started_at)) })}
                {c.completed_at && ` · ${t("campaigns.completedAt", { time: when.format(new Date(c.completed_at)) })}`}
              </p>
            </div>
            <div className="flex flex-wrap items-center gap-2">
              {canEdit(c.status) && (
                <>
                  <Button variant="secondary" onClick={() => navigate(`/campaigns/${c.id}/edit`)} data-testid="campaign-edit">
                    {t("common.edit")}
                  </Button>
                  <Button onClick={() => navigate(`/campaigns/${c.id}/edit?step=review`)} data-testid="campaign-review-open">
                    {t("campaigns.action.review")}
                  </Button>
                </>
              )}
              {c.status === "scheduled" && canStart(c.status) && (
                <Button onClick={() => void act("start")} disabled={busy} data-testid="campaign-start">
                  {t("campaigns.action.startNow")}
                </Button>
              )}
              {canPause(c.status) && (
                <Button variant="secondary" onClick={() => void act("pause")} disabled={busy} data-testid="campaign-pause">
                  {t("campaigns.action.pause")}
                </Button>
              )}
              {canResume(c.status) && (
                <Button onClick={() => void act("resume")} disabled={busy} data-testid="campaign-resume">
                  {t("campaigns.action.resume")}
                </Button>
              )}
              <Button variant="secondary" onClick={() => void exportCsv()} disabled={exporting || c.status === "draft"} data-testid="campaign-export">
                {exporting ? t("contacts.exporting") : t("campaigns.action.export")}
              </Button>
              {canCancel(c.status) && (
                <ConfirmButton label={t("campaigns.action.cancel")} confirmLabel={t("campaigns.action.confirmCancel")} disabled={busy} onConfirm={() => act("cancel")} testId="campaign-cancel" />
              )}
              {canRetarget(c.status) && isAdmin(user?.role) && (
                <Button variant="secondary" onClick={() => setRetargeting(true)} data-testid="campaign-retarget">
                  {t("campaigns.action.retarget")}
                </Button>
              )}
              {canDelete(c.status) && <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} disabled={busy} onConfirm={remove} testId="campaign-delete" />}
            </div>
          </div>
        </div>

        {c.paused_reason && c.status === "paused" && (
          <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="campaign-paused-reason">
            <p className="font-semibold">{t("campaigns.pausedBySystem")}</p>
            <p>{c.paused_reason}</p>
          </div>
        )}
        {waiting && (
          <div role="status" className="rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900" data-testid="campaign-waiting">
            {c.waiting_reason && (
              <p className="font-medium" data-testid="campaign-waiting-reason">
                {c.waiting_reason}
                {waitsForWallet(c.waiting_reason) && (
                  <>
                    {" "}
                    <Link to={WALLET_PATH} className="whitespace-nowrap underline" data-testid="wallet-link">
                      {t("wallet.openWallet")}
                    </Link>
                  </>
                )}
              </p>
            )}
            {/* The server's reason says it all when it gives one. */}
            {!c.waiting_reason && retrying > 0 && (
              <p data-testid="campaign-waiting-retrying" data-value={retrying}>
                {t("campaigns.waitingRetrying", { count: num.format(retrying) })}
              </p>
            )}
            {!c.waiting_reason && waitingLocal > 0 && (
              <p data-testid="campaign-waiting-local" data-value={waitingLocal}>
                {t("campaigns.waitingLocal", { count: num.format(waitingLocal) })}
              </p>
            )}
          </div>
        )}
        <ErrorText testId="campaign-error">{error}</ErrorText>
        {retargeting && <RetargetDialog campaign={c} onClose={() => setRetargeting(false)} />}

        <section className="rounded-xl border border-gray-200 bg-white p-4">
          <CampaignProgress stats={s} status={c.status} />
        </section>

        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {STAT_KEYS.map((key) => {
            const v = statValue(s, key);
            const hint =
              key === "pending" && waitingLocal > 0 ? (
                <div className="text-xs text-sky-800" data-testid="campaign-stat-pending-local" data-value={waitingLocal}>
                  {t("campaigns.stat.waitingLocal", { count: num.format(waitingLocal) })}
                </div>
              ) : undefined;
            return (
              <Tile
                key={key}
                label={t(`campaigns.stat.${key}`)}
                value={num.format(v)}
                dataValue={v}
                testId={`campaign-stat-${key}`}
                tone={key === "failed" && v > 0 ? "text-red-700" : ""}
                hint={hint}
              />
            );
          })}
          <Tile label={t("campaigns.stat.cost")} value={formatMoney(s.cost, lang.locale)} dataValue={s.cost.amount_minor} testId="campaign-stat-cost" />
        </div>

        <div className="grid gap-4 lg:grid-cols-3">
          <section className="rounded-xl border border-gray-200 bg-white p-4 lg:col-span-2">
            <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_14rem]">
              <div>
                <h2 className="mb-3 text-sm font-semibold text-gray-700">{t("campaigns.funnel")}</h2>
                <FunnelChart stats={s} />
              </div>
              <div className="sm:border-l sm:border-gray-100 sm:pl-4">
                <h2 className="mb-1 text-sm font-semibold text-gray-700">{t("campaigns.byButton")}</h2>
                <p className="mb-2 text-xs text-gray-500">{t("campaigns.clickedOf", { count: num.format(s.clicked ?? 0) })}</p>
                <ButtonsChart stats={s} />
              </div>
            </div>
          </section>
          <section className="rounded-xl border border-gray-200 bg-white p-4">
            <h2 className="mb-3 text-sm font-semibold text-gray-700">{t("campaigns.failuresByError")}</h2>
            <FailuresChart stats={s} />
            {Object.keys(s.by_skip_reason).length > 0 && (
              <div className="mt-3 border-t border-gray-100 pt-3">
                <h3 className="mb-1 text-xs font-medium uppercase text-gray-500">{t("campaigns.skippedBy")}</h3>
                <ul className="space-y-0.5 text-sm" data-testid="campaign-skips">
                  {Object.entries(s.by_skip_reason).map(([reason, n]) => (
                    <li key={reason} className="flex justify-between gap-2" data-reason={reason}>
                      <span>{isSkipReason(reason) ? t(`campaigns.skip.${reason}`) : reason}</span>
                      <span className="tabular-nums">{num.format(n ?? 0)}</span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </section>
        </div>

        {variants.length > 0 && <Variants rows={variants} />}

        <Recipients campaignId={c.id} stats={s} split={variants.length > 0 || !!c.variant_b} quiet={quiet.enabled ? { start: quiet.start, end: quiet.end } : null} />
      </div>
    </div>
  );
}

export default CampaignDetailPage;
