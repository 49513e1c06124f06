import { useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Badge, Button, Checkbox, ConfirmButton, EmptyRow, TextInput, useErrorText } from "../components/ui";
import { GateHint, PlanErrorText } from "../components/plan/PlanBits";
import { useI18n } from "../i18n/I18nProvider";
import { gateFor, isPlanRefusal } from "../lib/plans";
import { useFreshAccountPlan } from "../plan/AccountPlanProvider";
import type { ApiKey, NewApiKey } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const SCOPES = ["read", "write"] as const;

/** The new key, shown once, with a copy button. */
function NewKeyBox({ created, onDone }: { created: NewApiKey; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      // Clipboard refused (no permission): select the text so it can be copied by hand.
      const el = document.getElementById("new-api-key") as HTMLInputElement | null;
      el?.select();
    }
  }
  return (
    <div className="space-y-2 rounded-xl border border-amber-300 bg-amber-50 p-4" data-testid="api-key-created" role="status">
      <p className="font-medium text-amber-900">{t("apiKeys.createdTitle", { name: created.name })}</p>
      <p className="text-sm text-amber-900">{t("apiKeys.onceWarning")}</p>
      <div className="flex gap-2">
        <input
          id="new-api-key"
          readOnly
          value={created.key}
          onFocus={(e) => e.target.select()}
          aria-label={t("apiKeys.key")}
          data-testid="api-key-value"
          className="block w-full rounded-md border border-amber-300 bg-white px-2.5 py-1.5 font-mono text-sm"
        />
        <Button variant="secondary" onClick={() => void copy()} data-testid="api-key-copy">
          {copied ? t("apiKeys.copied") : t("apiKeys.copy")}
        </Button>
      </div>
      <p className="text-xs text-amber-800">{t("apiKeys.usage")}</p>
      <Button variant="secondary" onClick={onDone} data-testid="api-key-done">
        {t("apiKeys.done")}
      </Button>
    </div>
  );
}

export function ApiKeysPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const keys = usePaged<ApiKey>(api, "/api-keys", { limit: 100 });
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [planRefusal, setPlanRefusal] = useState<string | null>(null);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoked, setRevoked] = useState<Record<string, string>>({});
  const [fresh, setFresh] = useState<ApiKey[]>([]);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });
  // API keys need a plan with API access.
  const plan = useFreshAccountPlan();
  const gate = gateFor(plan.account, { feature: "api_access" });

  const rows = [...fresh, ...keys.items.filter((k) => !fresh.some((f) => f.id === k.id))].map((k) =>
    revoked[k.id] ? { ...k, revoked_at: revoked[k.id]! } : k,
  );

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || scopes.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const k = await api.post<NewApiKey>("/api-keys", { name: name.trim(), scopes });
      setCreated(k);
      setFresh((f) => [{ id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, created_at: k.created_at, last_used_at: null, revoked_at: null }, ...f]);
      setName("");
    } catch (err) {
      const text = errorText(err);
      setError(text);
      if (isPlanRefusal(err)) {
        setPlanRefusal(text);
        plan.reload();
      }
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: ApiKey) {
    setError(null);
    try {
      await api.delete(`/api-keys/${k.id}`);
      setRevoked((r) => ({ ...r, [k.id]: new Date().toISOString() }));
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <div className="space-y-4" data-testid="settings-api-keys">
      <div>
        <h2 className="text-lg font-semibold">{t("settings.apiKeys")}</h2>
        <p className="text-sm text-gray-600">{t("apiKeys.intro")}</p>
      </div>
      {created && <NewKeyBox created={created} onDone={() => setCreated(null)} />}
      <form onSubmit={create} className="flex flex-wrap items-end gap-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="api-key-form">
        <TextInput
          label={t("apiKeys.name")}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={t("apiKeys.namePlaceholder")}
          className="min-w-48 flex-1"
          data-testid="api-key-name"
        />
        <fieldset className="flex items-center gap-3 pb-1.5">
          <legend className="sr-only">{t("apiKeys.scopes")}</legend>
          {SCOPES.map((s) => (
            <Checkbox
              key={s}
              label={t(`apiKeys.scope.${s}`)}
              checked={scopes.includes(s)}
              data-testid={`api-key-scope-${s}`}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
            />
          ))}
        </fieldset>
        <Button type="submit" disabled={!name.trim() || scopes.length === 0 || busy || gate.blocked} data-testid="api-key-create">
          {busy ? t("common.saving") : t("apiKeys.create")}
        </Button>
      </form>
      <GateHint gate={gate} testId="api-keys-plan-hint" />
      <PlanErrorText testId="api-keys-error" text={error ?? (keys.error ? errorText(keys.error) : null)} plan={error !== null && error === planRefusal} />
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="api-keys-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("apiKeys.name")}</th>
              <th className="px-4 py-2 font-medium">{t("apiKeys.key")}</th>
              <th className="px-4 py-2 font-medium">{t("apiKeys.scopes")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("apiKeys.created")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("apiKeys.lastUsed")}</th>
              <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <tr key={k.id} className={`border-t border-gray-100 ${k.revoked_at ? "text-gray-400" : ""}`} data-testid="api-key-row" data-key-id={k.id}>
                <td className="px-4 py-2 font-medium">{k.name}</td>
                <td className="px-4 py-2 font-mono text-xs">{k.prefix}…</td>
                <td className="px-4 py-2">
                  <div className="flex gap-1">
                    {k.scopes.map((s) => (
                      <Badge key={s} tone={s === "write" ? "amber" : "gray"}>
                        {s}
                      </Badge>
                    ))}
                  </div>
                </td>
                <td className="hidden px-4 py-2 text-gray-500 md:table-cell">{date.format(new Date(k.created_at))}</td>
                <td className="hidden px-4 py-2 text-gray-500 md:table-cell">{k.last_used_at ? date.format(new Date(k.last_used_at)) : t("apiKeys.never")}</td>
                <td className="px-4 py-2 text-right">
                  {k.revoked_at ? (
                    <Badge tone="red" testId="api-key-revoked">
                      {t("apiKeys.revoked")}
                    </Badge>
                  ) : (
                    <ConfirmButton label={t("apiKeys.revoke")} confirmLabel={t("apiKeys.revokeConfirm")} onConfirm={() => revoke(k)} testId="api-key-revoke" />
                  )}
                </td>
              </tr>
            ))}
            {!keys.loading && !keys.error && rows.length === 0 && <EmptyRow colSpan={6}>{t("apiKeys.empty")}</EmptyRow>}
          </tbody>
        </table>
        {keys.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    </div>
  );
}
