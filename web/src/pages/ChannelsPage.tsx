import { useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { Badge, Modal, TextInput, useErrorText, type Tone } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { GateHint, PlanErrorText } from "../components/plan/PlanBits";
import { MPS_MAX, MPS_MIN, parseRate, qualityEventOf, qualityOf, tierOf } from "../lib/channels";
import { formatDay, formatDayTime } from "../lib/format";
import { gateFor, isPlanRefusal } from "../lib/plans";
import { refreshChannels } from "../lib/useChannels";
import { useFormError } from "../lib/useFormError";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Channel } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const REQUIRED = ["display_phone_number", "phone_number_id", "waba_id", "access_token"] as const;
const OPTIONAL = ["app_id", "app_secret", "verify_token"] as const;
type FieldName = "name" | (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
const CONNECT_FIELDS: readonly string[] = ["name", ...REQUIRED, ...OPTIONAL];
const EMPTY: Record<FieldName, string> = {
  name: "",
  display_phone_number: "",
  phone_number_id: "",
  waba_id: "",
  access_token: "",
  app_id: "",
  app_secret: "",
  verify_token: "",
};

/** A number's name for people: its name and display number. */
function numberName(c: Channel): string {
  return c.name ? `${c.name} (${c.display_phone_number})` : c.display_phone_number;
}

function ConnectForm({
  onConnected,
  onCancel,
  onPlanRefusal,
}: {
  onConnected: (c: Channel) => void;
  onCancel: () => void;
  /** The server refused the number because of the plan (402 PLAN_LIMIT). */
  onPlanRefusal?: () => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const problem = useFormError(CONNECT_FIELDS);
  const [planRefusal, setPlanRefusal] = useState(false);
  const complete = REQUIRED.every((k) => form[k].trim());

  const field = (name: FieldName, opts: { optional?: boolean; secret?: boolean } = {}) => (
    <Field
      key={name}
      name={name}
      label={opts.optional ? `${t(`channels.field.${name}`)} (${t("common.optional")})` : t(`channels.field.${name}`)}
      type={opts.secret ? "password" : "text"}
      autoComplete="off"
      required={!opts.optional}
      value={form[name]}
      error={problem.field(name)}
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      data-testid={`channel-${name}`}
    />
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    problem.clear();
    setPlanRefusal(false);
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) body[k] = v.trim();
    try {
      onConnected(await api.post<Channel>("/channels", body));
    } catch (err) {
      problem.fail(err);
      if (isPlanRefusal(err)) {
        setPlanRefusal(true);
        onPlanRefusal?.();
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={problem.formRef} onSubmit={submit} className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="channel-form" noValidate>
      <p className="text-sm text-gray-600">{t("channels.help")}</p>
      <div className="grid gap-3 sm:grid-cols-2">
        {field("name", { optional: true })}
        {field("display_phone_number")}
        {field("phone_number_id")}
        {field("waba_id")}
      </div>
      {field("access_token", { secret: true })}
      <details className="rounded-lg border border-gray-200 p-3">
        <summary className="cursor-pointer text-sm font-medium text-gray-700">{t("channels.advanced")}</summary>
        <p className="mt-2 text-xs text-gray-500">{t("channels.advancedHelp")}</p>
        <div className="mt-3 grid gap-3 sm:grid-cols-3">
          {field("app_id", { optional: true })}
          {field("app_secret", { optional: true, secret: true })}
          {field("verify_token", { optional: true, secret: true })}
        </div>
      </details>
      <PlanErrorText testId="channel-error" text={problem.form} plan={planRefusal} />
      <div className="flex gap-2">
        <Button type="submit" disabled={!complete || busy} data-testid="channel-submit">
          {busy ? t("channels.submitting") : t("channels.submit")}
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}

/** Renames a number and sets its send rate (`PATCH {name, messages_per_second}`). */
function EditDialog({ channel, onSaved, onClose }: { channel: Channel; onSaved: (c: Channel) => void; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const problem = useFormError(["name", "messages_per_second"]);
  const [name, setName] = useState(channel.name ?? "");
  const [rate, setRate] = useState(String(channel.messages_per_second ?? 80));
  const [busy, setBusy] = useState(false);
  const parsed = parseRate(rate);
  const rateError = rate.trim() && parsed === null ? t("channels.rateRange", { min: MPS_MIN, max: MPS_MAX }) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (parsed === null) return;
    setBusy(true);
    problem.clear();
    const body: Record<string, unknown> = {};
    if (name.trim() !== (channel.name ?? "")) body.name = name.trim();
    if (parsed !== channel.messages_per_second) body.messages_per_second = parsed;
    try {
      onSaved(Object.keys(body).length ? await api.patch<Channel>(`/channels/${encodeURIComponent(channel.id)}`, body) : channel);
    } catch (err) {
      problem.fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={t("channels.editTitle", { number: channel.display_phone_number })} onClose={onClose} testId="channel-edit-dialog">
      <form ref={problem.formRef} onSubmit={submit} className="space-y-3" noValidate>
        <TextInput
          label={t("channels.field.name")}
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint={t("channels.nameHint")}
          error={problem.field("name")}
          maxLength={120}
          data-testid="channel-edit-name"
          autoComplete="off"
        />
        <TextInput
          label={t("channels.field.rate")}
          inputMode="numeric"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          hint={t("channels.rateHint", { min: MPS_MIN, max: MPS_MAX })}
          error={rateError ?? problem.field("messages_per_second")}
          data-testid="channel-edit-rate"
          autoComplete="off"
        />
        <ErrorText testId="channel-edit-error">{problem.form}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy || parsed === null} data-testid="channel-edit-save">
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** Replaces a number's access token (`PATCH {access_token}`); the server checks it with Meta first. */
function TokenDialog({ channel, onSaved, onClose }: { channel: Channel; onSaved: (c: Channel) => void; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const problem = useFormError(["access_token"]);
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    problem.clear();
    try {
      onSaved(await api.patch<Channel>(`/channels/${encodeURIComponent(channel.id)}`, { access_token: token.trim() }));
    } catch (err) {
      problem.fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={t("channels.tokenTitle", { number: numberName(channel) })} onClose={onClose} testId="channel-token-dialog">
      <form ref={problem.formRef} onSubmit={submit} className="space-y-3" noValidate>
        <p className="text-sm text-gray-600">{t("channels.tokenHelp")}</p>
        <TextInput
          label={t("channels.field.newToken")}
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          error={problem.field("access_token")}
          data-testid="channel-token-input"
          autoComplete="off"
        />
        <ErrorText testId="channel-token-error">{problem.form}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy || !token.trim()} data-testid="channel-token-save">
            {busy ? t("channels.checking") : t("channels.tokenSave")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** Disconnects a number after saying which one and what goes with it (`DELETE`). */
function DisconnectDialog({ channel, onGone, onClose }: { channel: Channel; onGone: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function disconnect() {
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/channels/${encodeURIComponent(channel.id)}`);
      onGone();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("channels.disconnectTitle", { number: numberName(channel) })} onClose={onClose} testId="channel-disconnect-dialog">
      <div className="space-y-3">
        <p className="text-sm text-gray-700">{t("channels.disconnectWarning", { number: numberName(channel) })}</p>
        <ErrorText testId="channel-disconnect-error">{error}</ErrorText>
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button className="bg-red-600 text-white hover:bg-red-700" onClick={() => void disconnect()} disabled={busy} data-testid="channel-disconnect-confirm">
            {t("channels.disconnectConfirm", { number: channel.display_phone_number })}
          </Button>
        </div>
      </div>
    </Modal>
  );
}

const TONE: Record<string, Tone> = { green: "green", amber: "amber", red: "red", gray: "gray" };

/** One number: who it is, its standing with Meta, and what an admin can do with it. */
function ChannelCard({
  channel: c,
  onEdit,
  onToken,
  onDisconnect,
  onRefreshed,
}: {
  channel: Channel;
  onEdit: () => void;
  onToken: () => void;
  onDisconnect: () => void;
  onRefreshed: (c: Channel) => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const quality = qualityOf(c.quality_rating);
  const tier = tierOf(c.messaging_tier);
  const event = qualityEventOf(c.quality_event);

  async function checkNow() {
    setChecking(true);
    setError(null);
    try {
      onRefreshed(await api.post<Channel>(`/channels/${encodeURIComponent(c.id)}/refresh`));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setChecking(false);
    }
  }

  return (
    <li className="rounded-xl border border-gray-200 bg-white p-4" data-testid="channel-row" data-channel-id={c.id}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="font-semibold" data-testid="channel-name">
            {c.name || c.display_phone_number}
          </div>
          <div className="text-sm text-gray-700" data-testid="channel-number">
            {c.display_phone_number}
          </div>
          <div className="mt-0.5 break-all font-mono text-xs text-gray-500">
            {c.phone_number_id} · {c.waba_id}
          </div>
          <div className="mt-0.5 text-xs text-gray-500">
            {c.app_id || t("channels.platformApp")} · {t("channels.connectedOn", { date: formatDay(c.created_at, lang.locale) })} ·{" "}
            <span data-testid="channel-rate">{t("channels.rateShort", { count: c.messages_per_second ?? 80 })}</span>
          </div>
        </div>
        <div className="flex flex-wrap gap-1">
          <Button variant="secondary" className="px-2.5 py-1.5" onClick={onEdit} data-testid="channel-edit">
            {t("common.edit")}
          </Button>
          <Button variant="secondary" className="px-2.5 py-1.5" onClick={onToken} data-testid="channel-token">
            {t("channels.replaceToken")}
          </Button>
          <Button variant="ghost" className="px-2.5 py-1.5 text-red-700 hover:bg-red-50" onClick={onDisconnect} data-testid="channel-disconnect">
            {t("channels.disconnect")}
          </Button>
        </div>
      </div>
      <dl className="mt-3 grid gap-3 border-t border-gray-100 pt-3 sm:grid-cols-3">
        <div>
          <dt className="text-xs text-gray-500">{t("channels.quality")}</dt>
          <dd className="mt-0.5" data-testid="channel-quality" data-quality={c.quality_rating ?? ""}>
            <Badge tone={TONE[quality.tone]}>{t(quality.key)}</Badge>
            {event && (
              <span className="mt-1 block text-xs text-gray-600" data-testid="channel-quality-event">
                {t(event)}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">{t("channels.tierLabel")}</dt>
          <dd className="mt-0.5 text-sm text-gray-900" data-testid="channel-tier" data-tier={c.messaging_tier ?? ""}>
            {tier.raw ? t(tier.key, { tier: tier.raw }) : t(tier.key)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">{t("channels.checked")}</dt>
          <dd className="mt-0.5 flex flex-wrap items-center gap-2 text-sm text-gray-700">
            <span data-testid="channel-quality-updated">{c.quality_updated_at ? formatDayTime(c.quality_updated_at, lang.locale) : t("channels.notReported")}</span>
            <button type="button" onClick={() => void checkNow()} disabled={checking} className="text-xs font-medium text-brand-700 hover:underline disabled:text-gray-400" data-testid="channel-refresh">
              {checking ? t("channels.checking") : t("channels.checkNow")}
            </button>
          </dd>
        </div>
      </dl>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-700" data-testid="channel-refresh-error">
          {error}
        </p>
      )}
    </li>
  );
}

/** The account's WhatsApp numbers: connect one, edit, replace its token, disconnect; each with its quality and tier. */
export function ChannelsPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const channels = usePaged<Channel>(api, "/channels", {});
  const [changed, setChanged] = useState<Record<string, Channel | null>>({});
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kind: "edit" | "token" | "disconnect"; channel: Channel } | null>(null);
  // Connecting a number counts against the plan's numbers.
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { limit: "numbers" });
  const rows = channels.items.map((c) => (c.id in changed ? changed[c.id] : c)).filter((c): c is Channel => !!c);

  const saved = (c: Channel, message: string) => {
    setChanged((m) => ({ ...m, [c.id]: c }));
    setNotice(message);
    setDialog(null);
    refreshChannels(api);
  };

  return (
    <div className="space-y-4" data-testid="settings-channels">
      <div>
        <h2 className="text-lg font-semibold">{t("settings.channels")}</h2>
        <p className="text-sm text-gray-600">{t("channels.intro")}</p>
      </div>
      {notice && (
        <p role="status" className="flex items-center justify-between gap-2 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="channels-notice">
          <span>{notice}</span>
          <button type="button" className="underline" onClick={() => setNotice(null)}>
            {t("common.dismiss")}
          </button>
        </p>
      )}
      {adding ? (
        <ConnectForm
          onCancel={() => setAdding(false)}
          onPlanRefusal={plan.reload}
          onConnected={(c) => {
            channels.prepend(c);
            plan.reload();
            refreshChannels(api);
            setNotice(t("channels.connected", { name: c.name || c.display_phone_number }));
            setAdding(false);
          }}
        />
      ) : (
        <>
          <Button onClick={() => setAdding(true)} disabled={gate.blocked} data-testid="channel-add">
            + {t("channels.connect")}
          </Button>
          <GateHint gate={gate} testId="channels-plan-hint" />
        </>
      )}
      <ErrorText>{channels.error ? errorText(channels.error) : null}</ErrorText>
      <ul className="space-y-3" data-testid="channels-table">
        {rows.map((c) => (
          <ChannelCard
            key={c.id}
            channel={c}
            onEdit={() => setDialog({ kind: "edit", channel: c })}
            onToken={() => setDialog({ kind: "token", channel: c })}
            onDisconnect={() => setDialog({ kind: "disconnect", channel: c })}
            onRefreshed={(next) => setChanged((m) => ({ ...m, [next.id]: next }))}
          />
        ))}
      </ul>
      {!channels.loading && !channels.error && rows.length === 0 && (
        <p className="rounded-xl border border-gray-200 bg-white p-6 text-center text-sm text-gray-500">{t("channels.empty")}</p>
      )}
      {channels.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {channels.hasMore && !channels.loading && (
        <div className="text-center">
          <Button variant="secondary" onClick={channels.loadMore}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
      {dialog?.kind === "edit" && <EditDialog channel={dialog.channel} onClose={() => setDialog(null)} onSaved={(c) => saved(c, t("channels.saved", { number: numberName(c) }))} />}
      {dialog?.kind === "token" && (
        <TokenDialog channel={dialog.channel} onClose={() => setDialog(null)} onSaved={(c) => saved(c, t("channels.tokenSaved", { number: numberName(c) }))} />
      )}
      {dialog?.kind === "disconnect" && (
        <DisconnectDialog
          channel={dialog.channel}
          onClose={() => setDialog(null)}
          onGone={() => {
            const c = dialog.channel;
            setChanged((m) => ({ ...m, [c.id]: null }));
            setNotice(t("channels.disconnected", { number: numberName(c) }));
            setDialog(null);
            plan.reload();
            refreshChannels(api);
          }}
        />
      )}
    </div>
  );
}
