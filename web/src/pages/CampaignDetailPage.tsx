import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { CampaignProgress, CampaignStatusBadge } from "../components/campaigns/CampaignBits";
import { FailuresChart, FunnelChart } from "../components/charts/CampaignCharts";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, EmptyRow, fieldClass, type Tone, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import type { CampaignStats, RecipientView } from "../lib/apiTypes";
import { audienceCsv } from "../lib/campaignCsv";
import {
  applyProgress,
  audienceTags,
  canCancel,
  canDelete,
  canEdit,
  canPause,
  canResume,
  canStart,
  formatMoney,
  isLive,
  isRecipientStatus,
  isSkipReason,
  RECIPIENT_STATUSES,
  type CampaignWithStats,
  type RecipientStatus,
} from "../lib/campaigns";
import type { SegmentView } from "../lib/api";
import { audienceSegmentId } from "../lib/segments";
import type { Page } from "../lib/types";

/** The campaign is fetched again this often while its counts can change (the socket brings more while it runs). */
const POLL_MS = 3000;
const PAGE_SIZE = 50;

type StatKey = "audience" | "skipped" | "pending" | "sent" | "delivered" | "read" | "replied" | "failed" | "cancelled";

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
    default:
      return s[key];
  }
}
const STAT_KEYS: readonly StatKey[] = ["audience", "skipped", "pending", "sent", "delivered", "read", "replied", "failed", "cancelled"];

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

function Tile({ label, value, testId, dataValue, tone = "" }: { label: string; value: ReactNode; testId: string; dataValue: number; tone?: string }) {
  return (
    <div className="rounded-xl border border-gray-200 bg-white p-3" data-testid={testId} data-value={dataValue}>
      <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</div>
      <div className={`mt-0.5 text-2xl font-semibold tabular-nums ${tone}`}>{value}</div>
    </div>
  );
}

/** Recipients with a status filter and "load more"; the first page follows the live counts. */
function Recipients({ campaignId, stats }: { campaignId: string; stats: CampaignStats }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [filter, setFilter] = useState<RecipientStatus | "">("");
  const [rows, setRows] = useState<RecipientView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const pages = useRef(1);
  const time = new Intl.DateTimeFormat(lang.locale, { dateStyle: "short", timeStyle: "medium" });
  const at = (iso: string | null) => (iso ? time.format(new Date(iso)) : "—");

  const load = useCallback(
    async (from: string | null) => {
      const req = ++request.current;
      setLoading(true);
      try {
        const page = await api.get<Page<RecipientView>>(`/campaigns/${encodeURIComponent(campaignId)}/messages`, { status: filter, cursor: from, limit: PAGE_SIZE });
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
  const signature = JSON.stringify([stats.pending, stats.sending, stats.accepted, stats.sent, stats.delivered, stats.read, stats.failed, stats.skipped, stats.cancelled, stats.replied]);
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
                <tr key={r.id} className="border-t border-gray-100" data-testid="campaign-recipient-row" data-status={r.status}>
                  <td className="px-4 py-2 font-mono text-xs">{r.phone ?? "—"}</td>
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
                  </td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 lg:table-cell">{at(r.sent_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 lg:table-cell">{at(r.delivered_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 md:table-cell">{at(r.read_at)}</td>
                  <td className="hidden px-3 py-2 text-xs text-gray-600 md:table-cell">{at(r.replied_at)}</td>
                </tr>
              );
            })}
            {!loading && !error && rows.length === 0 && <EmptyRow colSpan={7}>{t("campaigns.noRecipients")}</EmptyRow>}
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

/** One campaign: status and controls, live progress, the funnel, counts and every recipient. */
export function CampaignDetailPage() {
  const { id = "" } = useParams();
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { onCampaignProgress } = useInbox();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [campaign, setCampaign] = useState<CampaignWithStats | null>(null);
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
              </p>
              <p className="text-xs text-gray-500">
                {c.scheduled_at && c.status === "scheduled" && t("campaigns.scheduledFor", { time: when.format(new Date(c.scheduled_at)) })}
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
        <ErrorText testId="campaign-error">{error}</ErrorText>

        <section className="rounded-xl border border-gray-200 bg-white p-4">
          <CampaignProgress stats={s} status={c.status} />
        </section>

        <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
          {STAT_KEYS.map((key) => {
            const v = statValue(s, key);
            return <Tile key={key} label={t(`campaigns.stat.${key}`)} value={num.format(v)} dataValue={v} testId={`campaign-stat-${key}`} tone={key === "failed" && v > 0 ? "text-red-700" : ""} />;
          })}
          <Tile label={t("campaigns.stat.cost")} value={formatMoney(s.cost, lang.locale)} dataValue={s.cost.amount_minor} testId="campaign-stat-cost" />
        </div>

        <div className="grid gap-4 lg:grid-cols-3">
          <section className="rounded-xl border border-gray-200 bg-white p-4 lg:col-span-2">
            <h2 className="mb-3 text-sm font-semibold text-gray-700">{t("campaigns.funnel")}</h2>
            <FunnelChart stats={s} />
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

        <Recipients campaignId={c.id} stats={s} />
      </div>
    </div>
  );
}

export default CampaignDetailPage;
