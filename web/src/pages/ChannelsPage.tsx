import { useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { GateHint, PlanErrorText } from "../components/plan/PlanBits";
import { describeError } from "../lib/errors";
import { gateFor, isPlanRefusal } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { Channel } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const REQUIRED = ["display_phone_number", "phone_number_id", "waba_id", "access_token"] as const;
const OPTIONAL = ["app_id", "app_secret", "verify_token"] as const;
type FieldName = "name" | (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
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
  const [error, setError] = useState<string | null>(null);
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
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      data-testid={`channel-${name}`}
    />
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setPlanRefusal(false);
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) body[k] = v.trim();
    try {
      onConnected(await api.post<Channel>("/channels", body));
    } catch (err) {
      setError(describeError(err, t));
      if (isPlanRefusal(err)) {
        setPlanRefusal(true);
        onPlanRefusal?.();
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="channel-form" noValidate>
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
      <PlanErrorText testId="channel-error" text={error} plan={planRefusal} />
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

export function ChannelsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const channels = usePaged<Channel>(api, "/channels", {});
  const [adding, setAdding] = useState(false);
  const [connected, setConnected] = useState<string | null>(null);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });
  // Connecting a number counts against the plan's numbers.
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { limit: "numbers" });

  return (
    <div className="space-y-4" data-testid="settings-channels">
      <div>
        <h2 className="text-lg font-semibold">{t("settings.channels")}</h2>
        <p className="text-sm text-gray-600">{t("channels.intro")}</p>
      </div>
      {connected && (
        <p role="status" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {t("channels.connected", { name: connected })}
        </p>
      )}
      {adding ? (
        <ConnectForm
          onCancel={() => setAdding(false)}
          onPlanRefusal={plan.reload}
          onConnected={(c) => {
            channels.prepend(c);
            plan.reload();
            setConnected(c.name || c.display_phone_number);
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
      <ErrorText>{channels.error ? describeError(channels.error, t) : null}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="channels-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("channels.col.number")}</th>
              <th className="px-4 py-2 font-medium">{t("channels.col.name")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("channels.col.ids")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("channels.col.app")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("channels.col.created")}</th>
            </tr>
          </thead>
          <tbody>
            {channels.items.map((c) => (
              <tr key={c.id} className="border-t border-gray-100" data-testid="channel-row">
                <td className="px-4 py-2 font-medium">{c.display_phone_number}</td>
                <td className="px-4 py-2">{c.name || "—"}</td>
                <td className="hidden px-4 py-2 font-mono text-xs text-gray-600 md:table-cell">
                  {c.phone_number_id} · {c.waba_id}
                </td>
                <td className="hidden px-4 py-2 text-gray-600 sm:table-cell">{c.app_id || t("channels.platformApp")}</td>
                <td className="hidden px-4 py-2 text-gray-500 sm:table-cell">{c.created_at ? date.format(new Date(c.created_at)) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!channels.loading && !channels.error && channels.items.length === 0 && (
          <p className="p-6 text-center text-sm text-gray-500">{t("channels.empty")}</p>
        )}
        {channels.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {channels.hasMore && !channels.loading && (
        <div className="text-center">
          <Button variant="secondary" onClick={channels.loadMore}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}
