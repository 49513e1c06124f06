import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, EmptyRow, TextInput, useErrorText, type Tone } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/translate";
import {
  actionPhrase,
  actorOf,
  addPage,
  diffChange,
  filterRows,
  hasMorePages,
  NO_PAGES,
  pageQuery,
  shortId,
  summariseChange,
  targetOf,
  verifyOutcome,
  verifyText,
  type AuditPage,
  type AuditPaging,
  type AuditRow,
  type AuditVerify,
  type VerifyOutcome,
} from "../lib/audit";
import type { TenantSummary } from "../lib/plans";
import type { Page, User } from "../lib/types";

const ACTOR_TONES: Record<string, Tone> = { user: "blue", api_key: "amber", system: "gray", anonymous: "red" };
const KNOWN_ACTORS = ["user", "api_key", "system", "anonymous"];

function VerifyBanner({ outcome }: { outcome: VerifyOutcome }) {
  const { t } = useI18n();
  const ok = outcome.intact;
  return (
    <div
      role="status"
      data-testid="audit-verify-result"
      data-valid={ok ? "true" : "false"}
      data-first-bad-id={!outcome.intact && outcome.badId !== null ? outcome.badId : undefined}
      className={`flex items-start gap-3 rounded-xl border-2 p-4 ${ok ? "border-green-300 bg-green-50 text-green-900" : "border-red-400 bg-red-50 text-red-900"}`}
    >
      <span aria-hidden="true" className={`mt-0.5 flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-white ${ok ? "bg-green-600" : "bg-red-600"}`}>
        {ok ? "✓" : "!"}
      </span>
      <div>
        <p className="text-lg font-semibold" data-testid="audit-verify-text">
          {verifyText(outcome, t)}
        </p>
        <p className="text-sm">{t(ok ? "audit.verify.intactDetail" : "audit.verify.brokenDetail")}</p>
      </div>
    </div>
  );
}

/** The before → after change: the keys that changed, and both sides as JSON on demand. */
function ChangeCell({ row }: { row: AuditRow }) {
  const { t } = useI18n();
  const changes = useMemo(() => diffChange(row.before, row.after), [row.before, row.after]);
  const { lines, more } = summariseChange(changes);
  const hasJson = (row.before !== null && row.before !== undefined) || (row.after !== null && row.after !== undefined);
  if (!hasJson) return <span className="text-gray-400">{t("audit.noChange")}</span>;
  return (
    <div className="min-w-48 max-w-xs" data-testid="audit-change" data-keys={changes.map((c) => c.key).join(",")}>
      <ul className="space-y-0.5 font-mono text-xs">
        {lines.map((line, i) => (
          <li key={i} className="break-words" data-testid="audit-change-line">
            {line}
          </li>
        ))}
        {more > 0 && <li className="text-gray-500">{t("audit.more", { count: more })}</li>}
      </ul>
      <details className="mt-1" data-testid="audit-json">
        <summary className="cursor-pointer text-xs font-medium text-brand-700">{t("audit.json")}</summary>
        <div className="mt-1 space-y-1">
          {(["before", "after"] as const).map((side) =>
            row[side] === null || row[side] === undefined ? null : (
              <div key={side}>
                <p className="text-xs font-medium text-gray-500">{t(`audit.${side}`)}</p>
                <pre className="max-h-60 overflow-auto rounded bg-gray-50 p-2 text-xs" data-testid={`audit-json-${side}`}>
                  {JSON.stringify(row[side], null, 2)}
                </pre>
              </div>
            ),
          )}
        </div>
      </details>
    </div>
  );
}

/**
 * The audit log: a tenant admin's account (`/settings/audit`), or every
 * account's for the platform's operators (`/admin/audit`, with the account
 * column). Newest first, "Load more" by cursor, a filter on the loaded rows'
 * actions, and the hash chain's verification.
 */
export function AuditLogView({ platform }: { platform: boolean }) {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const [paging, setPaging] = useState<AuditPaging>(NO_PAGES);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [tenants, setTenants] = useState<ReadonlyMap<string, string>>(new Map());
  const [verifying, setVerifying] = useState(false);
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const request = useRef(0);
  const time = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "medium" });
  const phrase = useCallback((action: string) => actionPhrase(action, t), [t]);

  const load = useCallback(
    async (cursor: string | null) => {
      const req = ++request.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<AuditPage>("/audit", pageQuery(cursor));
        if (req !== request.current) return;
        setPaging((prev) => addPage(prev, page, cursor === null));
      } catch (e) {
        if (req === request.current) setError(errorText(e));
      } finally {
        if (req === request.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  // Names for ids where they can be had: the account's team (an operator's own team), and an operator's customers.
  useEffect(() => {
    api
      .get<Page<User>>("/users", { limit: 100 })
      .then((r) => setNames(new Map(r.data.map((u) => [u.id, u.name]))))
      .catch(() => {});
    if (platform) {
      api
        .get<{ data: TenantSummary[] }>("/admin/tenants")
        .then((r) => setTenants(new Map(r.data.map((c) => [c.id, c.name]))))
        .catch(() => {});
    }
  }, [api, platform]);

  async function verify() {
    setVerifying(true);
    setOutcome(null);
    setError(null);
    try {
      setOutcome(verifyOutcome(await api.get<AuditVerify>("/audit/verify")));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setVerifying(false);
    }
  }

  const rows = filterRows(paging.rows, filter, phrase);
  const filtering = filter.trim() !== "";
  const cols = platform ? 8 : 7;

  return (
    <div className="space-y-4" data-testid="audit-log" data-scope={platform ? "platform" : "tenant"}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.audit")}</h2>
          <p className="text-sm text-gray-600">{t(platform ? "audit.introPlatform" : "audit.intro")}</p>
        </div>
        <Button variant="secondary" onClick={() => void verify()} disabled={verifying} data-testid="audit-verify">
          {verifying ? t("audit.verifying") : t("audit.verify")}
        </Button>
      </div>
      {outcome && <VerifyBanner outcome={outcome} />}
      <div className="flex flex-wrap items-end gap-3">
        <TextInput
          label={t("audit.filter")}
          type="search"
          value={filter}
          placeholder={t("audit.filterPlaceholder")}
          onChange={(e) => setFilter(e.target.value)}
          className="w-full max-w-sm"
          data-testid="audit-filter"
        />
        {filtering && (
          <p className="pb-1.5 text-sm text-gray-500" data-testid="audit-shown">
            {t("audit.shown", { shown: rows.length, loaded: paging.rows.length })}
          </p>
        )}
      </div>
      <ErrorText testId="audit-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="audit-table" data-loaded={paging.loaded ? paging.rows.length : undefined}>
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("audit.col.time")}</th>
              {platform && <th className="px-3 py-2 font-medium">{t("audit.col.account")}</th>}
              <th className="px-3 py-2 font-medium">{t("audit.col.actor")}</th>
              <th className="px-3 py-2 font-medium">{t("audit.col.action")}</th>
              <th className="px-3 py-2 font-medium">{t("audit.col.target")}</th>
              <th className="px-3 py-2 font-medium">{t("audit.col.change")}</th>
              <th className="px-3 py-2 font-medium">{t("audit.col.ip")}</th>
              <th className="px-3 py-2 font-medium">{t("audit.col.request")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const who = actorOf(r, names);
              const target = targetOf(r.target, names, tenants);
              return (
                <tr key={r.id} className="border-t border-gray-100 align-top" data-testid="audit-row" data-id={r.id} data-action={r.action} data-tenant-id={r.tenant_id ?? ""}>
                  <td className="whitespace-nowrap px-3 py-2 text-gray-700" data-testid="audit-time">
                    <time dateTime={r.at} title={r.at}>
                      {time.format(new Date(r.at))}
                    </time>
                  </td>
                  {platform && (
                    <td className="px-3 py-2" data-testid="audit-account" title={r.tenant_id ?? undefined}>
                      {/* The platform's own rows: none (plans) or the operators' own account. */}
                      {r.tenant_id === null || r.tenant_id === user?.tenant_id ? (
                        <Badge tone="brand">{t("audit.platform")}</Badge>
                      ) : (
                        tenants.get(r.tenant_id) ?? <span className="whitespace-nowrap font-mono text-xs">{shortId(r.tenant_id)}</span>
                      )}
                    </td>
                  )}
                  <td className="px-3 py-2" data-testid="audit-actor" data-kind={who.kind}>
                    <div className="flex flex-wrap items-center gap-1">
                      <Badge tone={ACTOR_TONES[who.kind] ?? "gray"}>{KNOWN_ACTORS.includes(who.kind) ? t(`audit.actor.${who.kind}` as MessageKey) : who.kind}</Badge>
                      {who.label && (
                        <span className={who.named ? "" : "whitespace-nowrap font-mono text-xs"} title={r.actor_id ?? undefined} data-testid="audit-actor-label">
                          {who.label}
                        </span>
                      )}
                    </div>
                  </td>
                  <td className="px-3 py-2 font-medium" data-testid="audit-action" title={r.action}>
                    {phrase(r.action)}
                  </td>
                  <td className="px-3 py-2" data-testid="audit-target" title={r.target ?? undefined}>
                    {target ? <span className={target.named ? "break-words" : "whitespace-nowrap font-mono text-xs"}>{target.label}</span> : <span className="text-gray-400">—</span>}
                  </td>
                  <td className="px-3 py-2">
                    <ChangeCell row={r} />
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs" data-testid="audit-ip">
                    {r.ip ?? "—"}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs" data-testid="audit-request" title={r.request_id ?? undefined}>
                    {r.request_id ? shortId(r.request_id) : "—"}
                  </td>
                </tr>
              );
            })}
            {paging.loaded && !loading && paging.rows.length === 0 && <EmptyRow colSpan={cols}>{t("audit.empty")}</EmptyRow>}
            {paging.loaded && filtering && paging.rows.length > 0 && rows.length === 0 && <EmptyRow colSpan={cols}>{t("audit.noMatch", { query: filter.trim() })}</EmptyRow>}
          </tbody>
        </table>
        {loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {hasMorePages(paging) && (
        <div className="flex justify-center">
          <Button variant="secondary" disabled={loading} onClick={() => void load(paging.cursor)} data-testid="audit-load-more">
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}

/** Settings → Audit log: the account's own log (tenant admins). */
export function AuditLogPage() {
  return <AuditLogView platform={false} />;
}

/** Platform admin → Audit log: every account's (super-admins). */
export function AdminAuditPage() {
  return <AuditLogView platform />;
}
