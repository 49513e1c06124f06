import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { useDay } from "../components/partners/PartnerBits";
import { Badge, Button, ConfirmButton, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { DOMAIN_LIMIT, hostUrl, normalizeDomain, type DomainView } from "../lib/partners";
import { usePartner } from "../partner/PartnerContext";

/** A value to copy into the DNS provider's form, with a Copy button. */
function CopyValue({ label, value, testId }: { label: string; value: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="min-w-0">
      <p className="text-xs font-medium text-gray-500">{label}</p>
      <div className="flex items-center gap-1">
        <code className="min-w-0 flex-1 break-all rounded bg-gray-100 px-2 py-1 font-mono text-xs text-gray-800" data-testid={testId}>
          {value}
        </code>
        <button
          type="button"
          className="shrink-0 rounded-md px-2 py-1 text-xs font-medium text-brand-700 hover:bg-brand-50"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => {
              setCopied(true);
              window.setTimeout(() => setCopied(false), 1500);
            });
          }}
        >
          {copied ? t("common.copied") : t("partner.domains.copy")}
        </button>
      </div>
    </div>
  );
}

/** One custom domain: verified, or the TXT record to create and a Verify button; Remove either way. */
function DomainRow({ domain, onChanged, onRemoved }: { domain: DomainView; onChanged: (d: DomainView) => void; onRemoved: (name: string) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const day = useDay();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const path = `/partner/domains/${encodeURIComponent(domain.domain)}`;

  async function verify() {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.post<DomainView>(`${path}/verify`));
    } catch (e) {
      // Not found (yet): name the record, in the reader's language.
      setError(e instanceof ApiError && e.code === "DOMAIN_NOT_VERIFIED" ? t("partner.domains.notFound", { name: domain.txt_name }) : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api.delete(path);
      onRemoved(domain.domain);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  const verified = domain.verified_at !== null;
  return (
    <li className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="domain-row" data-domain={domain.domain} data-verified={verified ? "true" : "false"}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono text-sm font-semibold" data-testid="domain-name">
          {domain.domain}
        </span>
        {verified ? (
          <Badge tone="green" testId="domain-verified">
            {t("partner.domains.verified", { date: day(domain.verified_at) })}
          </Badge>
        ) : (
          <Badge tone="amber" testId="domain-unverified">
            {t("partner.domains.unverified")}
          </Badge>
        )}
        <span className="ml-auto flex items-center gap-1">
          {!verified && (
            <Button variant="secondary" disabled={busy} onClick={() => void verify()} data-testid="domain-verify">
              {busy ? t("partner.domains.verifying") : t("partner.domains.verify")}
            </Button>
          )}
          <ConfirmButton label={t("partner.domains.remove")} confirmLabel={t("partner.domains.confirmRemove")} onConfirm={remove} disabled={busy} testId="domain-remove" />
        </span>
      </div>
      {!verified && (
        <div className="space-y-2">
          <p className="text-sm text-gray-700">{t("partner.domains.txtHelp")}</p>
          <div className="grid gap-2 md:grid-cols-[auto_minmax(0,1fr)_minmax(0,2fr)]">
            <div>
              <p className="text-xs font-medium text-gray-500">{t("partner.domains.txtType")}</p>
              <code className="inline-block rounded bg-gray-100 px-2 py-1 font-mono text-xs">TXT</code>
            </div>
            <CopyValue label={t("partner.domains.txtName")} value={domain.txt_name} testId="domain-txt-name" />
            <CopyValue label={t("partner.domains.txtValue")} value={domain.txt_value} testId="domain-txt-value" />
          </div>
        </div>
      )}
      {verified && <p className="text-sm text-gray-700">{t("partner.domains.pointHelp", { domain: domain.domain })}</p>}
      <ErrorText testId="domain-error">{error}</ErrorText>
    </li>
  );
}

/**
 * Partner → Domains: the partner's own address (`<slug>.<base domain>`,
 * always on), its custom domains, and for each the DNS TXT record that
 * proves it is theirs; Verify asks the server to look the record up.
 */
export function PartnerDomainsPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const { partner } = usePartner();
  const errorText = useErrorText();
  const [domains, setDomains] = useState<DomainView[] | null>(null);
  const [input, setInput] = useState("");
  const [invalid, setInvalid] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api
      .get<{ data: DomainView[] }>("/partner/domains")
      .then((r) => setDomains(r.data))
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(load, [load]);

  const full = (domains?.length ?? 0) >= DOMAIN_LIMIT;

  async function add(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const domain = normalizeDomain(input);
    if (!domain) {
      setInvalid(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<DomainView>("/partner/domains", { domain });
      setDomains((rows) => [...(rows ?? []).filter((d) => d.domain !== created.domain), created]);
      setInput("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4" data-testid="partner-domains" data-state={domains ? "ready" : "loading"}>
      <p className="text-sm text-gray-600">{t("partner.domains.intro")}</p>
      {partner.host && (
        <div className="rounded-xl border border-gray-200 bg-white p-4" data-testid="domain-own-host">
          <p className="text-xs font-medium uppercase text-gray-500">{t("partner.domains.ownHost")}</p>
          <p className="mt-1 flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-semibold">{partner.host}</span>
            <Badge tone="green">{t("partner.domains.alwaysOn")}</Badge>
          </p>
          <p className="mt-1 text-sm text-gray-600">{t("partner.domains.ownHostHelp", { url: `${hostUrl(partner.host, window.location)}/login` })}</p>
        </div>
      )}
      <form onSubmit={(e) => void add(e)} className="flex flex-wrap items-end gap-2" noValidate>
        <TextInput
          label={t("partner.domains.add")}
          hint={full ? t("partner.domains.limit", { max: DOMAIN_LIMIT }) : t("partner.domains.addHint")}
          placeholder="chat.example.com"
          value={input}
          onChange={(e) => {
            setInput(e.target.value);
            setInvalid(false);
          }}
          error={invalid ? t("partner.domains.invalid") : null}
          className="min-w-64 flex-1"
          disabled={full}
          autoComplete="off"
          spellCheck={false}
          data-testid="domain-input"
        />
        <Button type="submit" disabled={busy || full || !input.trim()} data-testid="domain-add">
          {busy ? t("partner.domains.adding") : t("partner.domains.addButton")}
        </Button>
      </form>
      <ErrorText testId="domains-error">{error}</ErrorText>
      {domains && domains.length === 0 && (
        <p className="rounded-xl border border-dashed border-gray-300 bg-white p-6 text-center text-sm text-gray-500" data-testid="domains-empty">
          {t("partner.domains.empty")}
        </p>
      )}
      {domains && domains.length > 0 && (
        <ul className="space-y-3" data-testid="domain-list">
          {domains.map((d) => (
            <DomainRow
              key={d.domain}
              domain={d}
              onChanged={(next) => setDomains((rows) => rows?.map((r) => (r.domain === next.domain ? next : r)) ?? rows)}
              onRemoved={(name) => setDomains((rows) => rows?.filter((r) => r.domain !== name) ?? rows)}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
