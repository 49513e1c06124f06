import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, Modal, SelectInput, TextInput, useErrorText, type Tone } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import type { Page } from "../lib/types";
import { usePaged } from "../lib/usePaged";
import { useFormError, type FieldFixes } from "../lib/useFormError";
import {
  attemptSucceeded,
  DELIVERY_STATUSES,
  endpointHealth,
  prettyPayload,
  toggleEvent,
  upsertEndpoint,
  urlProblem,
  withoutSecret,
  type AttemptView,
  type CreatedEndpoint,
  type DeliveryStatus,
  type DeliveryView,
  type EndpointHealth,
  type EndpointView,
  type RotatedSecret,
  type TestResult,
  type WebhookEventType,
} from "../lib/webhooks";

const PAGE = 20;

const HEALTH_TONE: Record<EndpointHealth, Tone> = { disabled: "red", failing: "amber", ok: "green", idle: "gray" };

function useDateFormat() {
  const { lang } = useI18n();
  const f = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "medium" });
  return (iso: string | null | undefined) => (iso ? f.format(new Date(iso)) : "—");
}

/** A signing secret, shown once, with a copy button and a warning. */
function SecretBox({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard refused (no permission): select the text so it can be copied by hand.
      field.current?.select();
    }
  }
  return (
    <div className="space-y-2 rounded-xl border border-amber-300 bg-amber-50 p-4" data-testid="webhook-secret-box" role="status">
      <p className="font-medium text-amber-900">{title}</p>
      <p className="text-sm text-amber-900">{t("webhooks.secretOnce")}</p>
      <div className="flex gap-2">
        <input
          ref={field}
          readOnly
          value={secret}
          onFocus={(e) => e.target.select()}
          aria-label={t("webhooks.secret")}
          data-testid="webhook-secret"
          className="block w-full rounded-md border border-amber-300 bg-white px-2.5 py-1.5 font-mono text-sm"
        />
        <Button variant="secondary" onClick={() => void copy()} data-testid="webhook-secret-copy">
          {copied ? t("common.copied") : t("apiKeys.copy")}
        </Button>
      </div>
      <Button variant="secondary" onClick={onDone} data-testid="webhook-secret-done">
        {t("apiKeys.done")}
      </Button>
    </div>
  );
}

/** The endpoint fields the server names in its refusals. */
const ENDPOINT_FIELDS = ["url", "description", "events"] as const;
/** What each field accepts, in the reader's language (instead of the server's English). */
const ENDPOINT_FIXES: FieldFixes = { url: "webhooks.fix.url", description: "webhooks.fix.description", events: "webhooks.fix.events" };

/** The URL, description and events of an endpoint (adding one, or changing it). */
function EndpointForm({
  events,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  events: WebhookEventType[] | null;
  initial: { url: string; description: string; events: string[] };
  submitLabel: string;
  /** Sends the endpoint; throws the server's refusal (shown under the field it is about). */
  onSubmit: (v: { url: string; description: string; events: string[] }) => Promise<void>;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const [url, setUrl] = useState(initial.url);
  const [description, setDescription] = useState(initial.description);
  const [chosen, setChosen] = useState<string[]>(initial.events);
  const [busy, setBusy] = useState(false);
  const refusal = useFormError(ENDPOINT_FIELDS, undefined, ENDPOINT_FIXES);
  const [urlChecked, setUrlChecked] = useState(false);
  const problem = urlProblem(url);
  // The address as checked here (a refused send), else the server's word on it.
  const urlError = urlChecked && problem === "invalid" ? t("webhooks.urlInvalid") : refusal.field("url");

  async function submit(e: FormEvent) {
    e.preventDefault();
    refusal.clear();
    if (problem === "invalid") {
      setUrlChecked(true);
      window.requestAnimationFrame(() => refusal.formRef.current?.querySelector<HTMLElement>("[data-testid='webhook-url']")?.focus());
      return;
    }
    if (problem || chosen.length === 0) return;
    setBusy(true);
    try {
      await onSubmit({ url: url.trim(), description: description.trim(), events: chosen });
    } catch (err) {
      refusal.fail(err);
    } finally {
      setBusy(false);
    }
  }

  const all = events?.map((e) => e.type) ?? [];
  const eventsError = refusal.field("events");
  return (
    <form ref={refusal.formRef} onSubmit={submit} className="space-y-3" data-testid="webhook-form" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextInput
          label={t("webhooks.url")}
          type="url"
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
            setUrlChecked(false);
          }}
          error={urlError}
          placeholder="https://example.com/whatsflow"
          autoComplete="off"
          spellCheck={false}
          data-testid="webhook-url"
        />
        <TextInput
          label={`${t("webhooks.description")} (${t("common.optional")})`}
          value={description}
          maxLength={200}
          onChange={(e) => setDescription(e.target.value)}
          error={refusal.field("description")}
          placeholder={t("webhooks.descriptionPlaceholder")}
          data-testid="webhook-description"
        />
      </div>
      <fieldset>
        <legend className="mb-1 flex w-full items-center justify-between text-xs font-medium text-gray-700">
          <span>{t("webhooks.events")}</span>
          {all.length > 0 && (
            <button
              type="button"
              className="font-normal text-brand-700 underline"
              onClick={() => setChosen(chosen.length === all.length ? [] : [...all].sort())}
              data-testid="webhook-events-all"
            >
              {chosen.length === all.length ? t("webhooks.eventsNone") : t("webhooks.eventsAll")}
            </button>
          )}
        </legend>
        {events === null ? (
          <p className="text-sm text-gray-500">{t("common.loading")}</p>
        ) : (
          <div className="grid gap-x-4 gap-y-1.5 sm:grid-cols-2">
            {events.map((ev) => (
              <label key={ev.type} className="flex cursor-pointer items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-0.5 h-4 w-4 rounded border-gray-300 accent-brand-600"
                  checked={chosen.includes(ev.type)}
                  onChange={(e) => setChosen(toggleEvent(chosen, ev.type, e.target.checked))}
                  data-testid={`webhook-event-${ev.type}`}
                />
                <span className="min-w-0">
                  <span className="block font-mono text-xs text-gray-900">{ev.type}</span>
                  <span className="block text-xs text-gray-500">{ev.description}</span>
                </span>
              </label>
            ))}
          </div>
        )}
        {eventsError && (
          <p className="mt-1 text-xs text-red-700" data-testid="field-error">
            {eventsError}
          </p>
        )}
      </fieldset>
      <ErrorText testId="webhook-form-error">{refusal.form}</ErrorText>
      <div className="flex gap-2">
        <Button type="submit" disabled={busy || problem === "empty" || chosen.length === 0} data-testid="webhook-submit">
          {busy ? t("common.saving") : submitLabel}
        </Button>
        {onCancel && (
          <Button variant="secondary" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
        )}
      </div>
    </form>
  );
}

function TestResultLine({ result }: { result: TestResult }) {
  const { t } = useI18n();
  return (
    <div
      className={`space-y-1 rounded-lg border px-3 py-2 text-sm ${result.ok ? "border-green-200 bg-green-50 text-green-900" : "border-red-200 bg-red-50 text-red-900"}`}
      data-testid="webhook-test-result"
      data-ok={String(result.ok)}
      role="status"
    >
      <p className="font-medium">
        {result.ok ? t("webhooks.test.ok") : t("webhooks.test.failed")}
        {" · "}
        <span data-testid="webhook-test-status">{result.status_code !== null ? t("webhooks.status", { code: result.status_code }) : t("webhooks.noAnswer")}</span>
        {" · "}
        {t("webhooks.latency", { ms: result.latency_ms })}
      </p>
      {result.error && <p className="break-words">{result.error}</p>}
      {result.response_excerpt && (
        <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-white/70 p-2 font-mono text-xs" data-testid="webhook-test-excerpt">
          {result.response_excerpt}
        </pre>
      )}
    </div>
  );
}

function AttemptsList({ endpointId, refreshKey }: { endpointId: string; refreshKey: number }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const format = useDateFormat();
  const logs = usePaged<AttemptView>(api, `/webhooks/${encodeURIComponent(endpointId)}/logs`, { limit: PAGE });
  const errorText = useErrorText();
  const { reload } = logs;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
    // Only a new key reads again (reload is a new function every render).
  }, [refreshKey]);
  return (
    <div>
      <ErrorText>{logs.error ? errorText(logs.error) : null}</ErrorText>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="webhook-attempts">
          <thead className="text-xs uppercase text-gray-500">
            <tr>
              <th className="px-2 py-1 font-medium">{t("webhooks.col.at")}</th>
              <th className="px-2 py-1 font-medium">{t("webhooks.col.event")}</th>
              <th className="px-2 py-1 font-medium">{t("webhooks.col.attempt")}</th>
              <th className="px-2 py-1 font-medium">{t("webhooks.col.result")}</th>
              <th className="px-2 py-1 text-right font-medium">{t("webhooks.col.latency")}</th>
            </tr>
          </thead>
          <tbody>
            {logs.items.map((a) => {
              const ok = attemptSucceeded(a);
              return (
                <tr key={a.id} className="border-t border-gray-100 align-top" data-testid="webhook-attempt" data-event-type={a.event_type} data-status-code={a.status_code ?? ""} data-ok={String(ok)}>
                  <td className="whitespace-nowrap px-2 py-1.5 text-gray-600">{format(a.at)}</td>
                  <td className="px-2 py-1.5 font-mono text-xs">{a.event_type}</td>
                  <td className="px-2 py-1.5 text-gray-600">#{a.attempt}</td>
                  <td className="px-2 py-1.5">
                    <Badge tone={ok ? "green" : "red"}>{a.status_code !== null ? a.status_code : t("webhooks.noAnswer")}</Badge>
                    {a.error && <span className="ml-2 break-words text-xs text-red-700">{a.error}</span>}
                    {a.response_excerpt && <span className="mt-0.5 block max-w-md truncate font-mono text-xs text-gray-500" title={a.response_excerpt}>{a.response_excerpt}</span>}
                  </td>
                  <td className="whitespace-nowrap px-2 py-1.5 text-right text-gray-600">{t("webhooks.latency", { ms: a.latency_ms })}</td>
                </tr>
              );
            })}
            {!logs.loading && !logs.error && logs.items.length === 0 && (
              <tr>
                <td colSpan={5} className="px-2 py-4 text-center text-gray-500" data-testid="webhook-attempts-empty">
                  {t("webhooks.noAttempts")}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {logs.loading && <p className="p-2 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {logs.hasMore && !logs.loading && (
        <div className="p-2 text-center">
          <Button variant="secondary" onClick={logs.loadMore} data-testid="webhook-attempts-more">
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}

function DeliveriesList({ endpointId, refreshKey }: { endpointId: string; refreshKey: number }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const format = useDateFormat();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [open, setOpen] = useState<string | null>(null);
  const [replayed, setReplayed] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const list = usePaged<DeliveryView>(api, `/webhooks/${encodeURIComponent(endpointId)}/deliveries`, { limit: PAGE, status });
  const { reload } = list;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [refreshKey]);

  async function replay(d: DeliveryView) {
    setError(null);
    try {
      const answer = await api.post<{ delivery_id: string; status: string }>(
        `/webhooks/${encodeURIComponent(endpointId)}/deliveries/${encodeURIComponent(d.id)}/replay`,
      );
      setReplayed((r) => ({ ...r, [d.id]: answer?.delivery_id ?? "" }));
    } catch (e) {
      setError(errorText(e));
    }
  }

  const tone = (s: string): Tone => (s === "delivered" ? "green" : s === "failed" ? "red" : "amber");
  return (
    <div className="space-y-2">
      <SelectInput
        label={t("webhooks.deliveryStatus")}
        value={status}
        onChange={(e) => setStatus(e.target.value as DeliveryStatus | "")}
        options={[{ value: "", label: t("webhooks.delivery.all") }, ...DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`webhooks.delivery.${s}`) }))]}
        className="w-48"
        data-testid="webhook-delivery-filter"
      />
      <ErrorText>{error ?? (list.error ? errorText(list.error) : null)}</ErrorText>
      <ul className="divide-y divide-gray-100 rounded-lg border border-gray-100" data-testid="webhook-deliveries">
        {list.items.map((d) => (
          <li key={d.id} data-testid="webhook-delivery" data-delivery-id={d.id} data-event-type={d.event_type} data-status={d.status}>
            <div className="flex flex-wrap items-center gap-2 px-2 py-1.5 text-sm">
              <button
                type="button"
                onClick={() => setOpen(open === d.id ? null : d.id)}
                aria-expanded={open === d.id}
                className="flex min-w-0 flex-1 items-center gap-2 text-left"
                data-testid="webhook-delivery-expand"
              >
                <span aria-hidden="true" className="text-gray-400">
                  {open === d.id ? "▾" : "▸"}
                </span>
                <span className="font-mono text-xs">{d.event_type}</span>
                <Badge tone={tone(d.status)}>{t(`webhooks.delivery.${d.status as DeliveryStatus}`)}</Badge>
                <span className="text-xs text-gray-500">{format(d.created_at)}</span>
                <span className="text-xs text-gray-500">{t("webhooks.attempts", { count: d.attempts })}</span>
                {d.last_status !== null && <span className="text-xs text-gray-500">{t("webhooks.status", { code: d.last_status })}</span>}
                {d.last_error && <span className="truncate text-xs text-red-700">{d.last_error}</span>}
              </button>
              {replayed[d.id] !== undefined ? (
                <Badge tone="blue" testId="webhook-delivery-replayed">
                  {t("webhooks.replayed")}
                </Badge>
              ) : (
                <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => void replay(d)} data-testid="webhook-delivery-replay">
                  {t("webhooks.replay")}
                </Button>
              )}
            </div>
            {open === d.id && (
              <div className="space-y-1 px-2 pb-2">
                <p className="text-xs text-gray-500">
                  {t("webhooks.eventId")}: <span className="font-mono">{d.event_id}</span>
                  {d.status === "pending" && ` · ${t("webhooks.nextAttempt", { at: format(d.next_attempt_at) })}`}
                  {d.finished_at && ` · ${t("webhooks.finishedAt", { at: format(d.finished_at) })}`}
                </p>
                <pre className="max-h-80 overflow-auto rounded-md bg-gray-900 p-3 font-mono text-xs text-gray-100" data-testid="webhook-delivery-payload">
                  {prettyPayload(d.payload)}
                </pre>
              </div>
            )}
          </li>
        ))}
        {!list.loading && !list.error && list.items.length === 0 && (
          <li className="px-2 py-4 text-center text-sm text-gray-500">{t("webhooks.noDeliveries")}</li>
        )}
      </ul>
      {list.loading && <p className="p-2 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {list.hasMore && !list.loading && (
        <div className="text-center">
          <Button variant="secondary" onClick={list.loadMore} data-testid="webhook-deliveries-more">
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}

function EndpointCard({
  endpoint: e,
  events,
  onChanged,
  onRemoved,
  onSecret,
}: {
  endpoint: EndpointView;
  events: WebhookEventType[] | null;
  onChanged: (e: EndpointView) => void;
  onRemoved: (id: string) => void;
  onSecret: (title: string, secret: string) => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const format = useDateFormat();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<"logs" | "deliveries" | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const health = endpointHealth(e);
  const path = `/webhooks/${encodeURIComponent(e.id)}`;

  const refresh = useCallback(async () => {
    try {
      onChanged(await api.get<EndpointView>(path));
    } catch {
      // The list keeps what it showed.
    }
    setRefreshKey((k) => k + 1);
  }, [api, path, onChanged]);

  async function test() {
    setTesting(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post<TestResult>(`${path}/test`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setTesting(false);
    }
    void refresh();
  }

  async function patch(body: Record<string, unknown>): Promise<string | null> {
    setError(null);
    try {
      onChanged(await api.patch<EndpointView>(path, body));
      return null;
    } catch (err) {
      return errorText(err);
    }
  }

  async function setEnabled(enabled: boolean) {
    setBusy(true);
    const refused = await patch({ enabled });
    setBusy(false);
    if (refused) setError(refused);
  }

  async function rotate() {
    setError(null);
    try {
      const r = await api.post<RotatedSecret>(`${path}/rotate-secret`);
      onSecret(t("webhooks.rotatedTitle", { url: e.url }), r.secret);
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function remove() {
    setError(null);
    try {
      await api.delete(path);
      onRemoved(e.id);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <li className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="webhook-endpoint" data-endpoint-id={e.id} data-enabled={String(e.enabled)}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 flex-1">
          <p className="break-all font-mono text-sm font-medium text-gray-900" data-testid="webhook-endpoint-url">
            {e.url}
          </p>
          {e.description && <p className="text-sm text-gray-600">{e.description}</p>}
          <div className="mt-1 flex flex-wrap gap-1">
            {e.events.map((ev) => (
              <Badge key={ev} tone="gray">
                {ev}
              </Badge>
            ))}
          </div>
        </div>
        <Badge tone={HEALTH_TONE[health]} testId="webhook-health">
          {t(`webhooks.health.${health}`)}
        </Badge>
      </div>

      {!e.enabled && (
        <div className="flex flex-wrap items-start justify-between gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" role="alert" data-testid="webhook-disabled">
          <div className="min-w-0">
            <p className="font-semibold">{t("webhooks.disabledTitle")}</p>
            {e.disabled_reason && <p className="break-words" data-testid="webhook-disabled-reason">{e.disabled_reason}</p>}
            {e.failing_since && <p className="text-xs">{t("webhooks.failingSince", { at: format(e.failing_since) })}</p>}
          </div>
          <Button onClick={() => void setEnabled(true)} disabled={busy} data-testid="webhook-enable">
            {t("webhooks.switchOn")}
          </Button>
        </div>
      )}
      {e.enabled && e.failing_since && (
        <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="webhook-failing">
          {t("webhooks.failingNote", { at: format(e.failing_since) })}
        </p>
      )}

      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-xs text-gray-500">{t("webhooks.pending")}</dt>
          <dd data-testid="webhook-pending">{e.pending}</dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">{t("webhooks.lastAttempt")}</dt>
          <dd>{format(e.last_attempt_at)}</dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">{t("webhooks.lastStatus")}</dt>
          <dd data-testid="webhook-last-status">{e.last_status_code ?? "—"}</dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">{t("webhooks.created")}</dt>
          <dd>{format(e.created_at)}</dd>
        </div>
      </dl>

      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" onClick={() => void test()} disabled={testing} data-testid="webhook-test">
          {testing ? t("webhooks.testing") : t("webhooks.test")}
        </Button>
        <Button variant="secondary" onClick={() => setEditing(true)} data-testid="webhook-edit">
          {t("common.edit")}
        </Button>
        {e.enabled && (
          <Button variant="secondary" onClick={() => void setEnabled(false)} disabled={busy} data-testid="webhook-disable">
            {t("webhooks.switchOff")}
          </Button>
        )}
        <ConfirmButton label={t("webhooks.rotate")} confirmLabel={t("webhooks.rotateConfirm")} onConfirm={rotate} testId="webhook-rotate" className="text-gray-700" />
        <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={remove} testId="webhook-delete" />
        <span className="flex-1" />
        <Button
          variant="ghost"
          className={tab === "logs" ? "bg-gray-100 text-gray-900" : ""}
          onClick={() => setTab(tab === "logs" ? null : "logs")}
          aria-expanded={tab === "logs"}
          data-testid="webhook-logs-toggle"
        >
          {t("webhooks.log")}
        </Button>
        <Button
          variant="ghost"
          className={tab === "deliveries" ? "bg-gray-100 text-gray-900" : ""}
          onClick={() => setTab(tab === "deliveries" ? null : "deliveries")}
          aria-expanded={tab === "deliveries"}
          data-testid="webhook-deliveries-toggle"
        >
          {t("webhooks.deliveries")}
        </Button>
      </div>
      {result && <TestResultLine result={result} />}
      <ErrorText testId="webhook-error">{error}</ErrorText>

      {tab && (
        <div className="space-y-2 rounded-lg bg-gray-50 p-3" data-testid={`webhook-${tab}`}>
          <div className="flex items-center justify-between">
            <h3 className="text-sm font-semibold">{tab === "logs" ? t("webhooks.log") : t("webhooks.deliveries")}</h3>
            <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => void refresh()} data-testid="webhook-refresh">
              {t("webhooks.refresh")}
            </Button>
          </div>
          {tab === "logs" ? <AttemptsList endpointId={e.id} refreshKey={refreshKey} /> : <DeliveriesList endpointId={e.id} refreshKey={refreshKey} />}
        </div>
      )}

      {editing && (
        <Modal title={t("webhooks.editTitle")} onClose={() => setEditing(false)} wide testId="webhook-edit-dialog">
          <EndpointForm
            events={events}
            initial={{ url: e.url, description: e.description, events: e.events }}
            submitLabel={t("common.save")}
            onCancel={() => setEditing(false)}
            onSubmit={async (v) => {
              const body: Record<string, unknown> = {};
              if (v.url !== e.url) body.url = v.url;
              if (v.description !== e.description) body.description = v.description;
              if (v.events.join() !== [...e.events].sort().join()) body.events = v.events;
              if (Object.keys(body).length > 0) onChanged(await api.patch<EndpointView>(path, body));
              setEditing(false);
            }}
          />
        </Modal>
      )}
    </li>
  );
}

/** How receivers check a delivery is ours. */
function SignatureHelp() {
  const { t } = useI18n();
  return (
    <details className="rounded-xl border border-gray-200 bg-white p-4 text-sm" data-testid="webhook-help">
      <summary className="cursor-pointer font-medium">{t("webhooks.help.title")}</summary>
      <div className="mt-2 space-y-2 text-gray-700">
        <p>{t("webhooks.help.body")}</p>
        <pre className="overflow-x-auto rounded-md bg-gray-900 p-3 font-mono text-xs text-gray-100">
          {"X-Whatsflow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>"}
        </pre>
        <ul className="list-disc space-y-1 pl-5">
          <li>{t("webhooks.help.verify")}</li>
          <li>{t("webhooks.help.age")}</li>
          <li>{t("webhooks.help.dedupe")}</li>
          <li>{t("webhooks.help.retry")}</li>
          <li>{t("webhooks.help.off")}</li>
        </ul>
      </div>
    </details>
  );
}

export function WebhooksPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const inbox = useInbox();
  const errorText = useErrorText();
  const [endpoints, setEndpoints] = useState<EndpointView[] | null>(null);
  const [events, setEvents] = useState<WebhookEventType[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const page = await api.get<Page<EndpointView>>("/webhooks");
      setEndpoints(page.data);
    } catch (e) {
      setLoadError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
    api
      .get<{ data: WebhookEventType[] }>("/webhooks/events")
      .then((r) => setEvents(r.data))
      .catch(() => setEvents([]));
  }, [api, load]);

  // An endpoint was switched off while the page is open: show it as it is now.
  const { onWebhookDisabled } = inbox;
  useEffect(() => onWebhookDisabled(() => void load()), [onWebhookDisabled, load]);

  const changed = useCallback((e: EndpointView) => setEndpoints((list) => upsertEndpoint(list ?? [], e)), []);

  return (
    <div className="space-y-4" data-testid="settings-webhooks">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.webhooks")}</h2>
          <p className="text-sm text-gray-600">{t("webhooks.intro")}</p>
        </div>
        {!adding && (
          <Button onClick={() => setAdding(true)} data-testid="webhook-add">
            {t("webhooks.add")}
          </Button>
        )}
      </div>
      {secret && <SecretBox title={secret.title} secret={secret.secret} onDone={() => setSecret(null)} />}
      {adding && (
        <div className="rounded-xl border border-gray-200 bg-white p-4">
          <h3 className="mb-3 text-sm font-semibold">{t("webhooks.addTitle")}</h3>
          <EndpointForm
            events={events}
            initial={{ url: "", description: "", events: [] }}
            submitLabel={t("webhooks.create")}
            onCancel={() => setAdding(false)}
            onSubmit={async (v) => {
              const created = await api.post<CreatedEndpoint>("/webhooks", { url: v.url, events: v.events, ...(v.description ? { description: v.description } : {}) });
              setEndpoints((list) => upsertEndpoint(list ?? [], withoutSecret(created)));
              setSecret({ title: t("webhooks.createdTitle", { url: created.url }), secret: created.secret });
              setAdding(false);
            }}
          />
        </div>
      )}
      <ErrorText>{loadError}</ErrorText>
      {endpoints === null && !loadError && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {endpoints !== null && endpoints.length === 0 && !adding && (
        <p className="rounded-xl border border-dashed border-gray-300 p-6 text-center text-sm text-gray-500" data-testid="webhooks-empty">
          {t("webhooks.empty")}
        </p>
      )}
      <ul className="space-y-3">
        {endpoints?.map((e) => (
          <EndpointCard
            key={e.id}
            endpoint={e}
            events={events}
            onChanged={changed}
            onRemoved={(id) => setEndpoints((list) => (list ?? []).filter((x) => x.id !== id))}
            onSecret={(title, s) => setSecret({ title, secret: s })}
          />
        ))}
      </ul>
      <SignatureHelp />
    </div>
  );
}
