import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { fillPlaceholders, variableCount } from "../../lib/content";
import { describeError } from "../../lib/errors";
import { isWalletRefusal, WALLET_PATH } from "../../lib/wallet";
import { Button, ErrorText } from "../Field";

const DEFAULT_LANGUAGE = "en_US";

/**
 * Picks an approved template, fills its body variables and sends it. When the
 * server lists no templates (or has no template list), an approved template
 * can still be sent by its name and language code.
 */
export function TemplatePicker({ conversationId, onSent }: { conversationId: string; /** Called after a template was sent (a dialog closes). */ onSent?: () => void }) {
  const { t } = useI18n();
  const { api, user } = useAuth();
  const inbox = useInbox();
  const { templates, templatesError, templatesUnavailable, loadTemplates } = inbox;
  const [syncing, setSyncing] = useState(false);
  const [selectedId, setSelectedId] = useState("");
  const [values, setValues] = useState<string[]>([]);
  const [byName, setByName] = useState(false);
  const [name, setName] = useState("");
  const [language, setLanguage] = useState(DEFAULT_LANGUAGE);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The send was refused for the prepaid wallet's balance (402 WALLET_BALANCE_LOW): the error links the Wallet page. */
  const [walletShort, setWalletShort] = useState(false);
  const [sent, setSent] = useState(false);

  useEffect(() => {
    if (templates === null) loadTemplates();
  }, [templates, loadTemplates]);

  const approved = useMemo(
    () => (templates ?? []).filter((tpl) => (tpl.status ?? "").toUpperCase() === "APPROVED"),
    [templates],
  );
  const listed = approved.length > 0;
  // Typing a name is the only way when nothing is listed.
  const manual = byName || (templates !== null && !listed);
  const selected = manual ? undefined : approved.find((tpl) => tpl.id === selectedId);
  const body = selected?.components?.find((c) => c.type.toUpperCase() === "BODY");
  const count = variableCount(body);
  const filled = values.slice(0, count);
  const ready = manual
    ? /^[a-z0-9_]+$/.test(name.trim()) && language.trim().length >= 2
    : !!selected && filled.length === count && filled.every((v) => v.trim());

  const choose = (id: string) => {
    setSelectedId(id);
    setValues([]);
    setError(null);
    setSent(false);
  };

  /** Pulls the number's templates from Meta (admins), then lists them. */
  async function sync() {
    setSyncing(true);
    setError(null);
    try {
      await api.post("/templates/sync");
      loadTemplates(true);
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setSyncing(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    const choice = manual ? { name: name.trim(), language: language.trim() } : { name: selected!.name, language: selected!.language };
    setBusy(true);
    setError(null);
    setWalletShort(false);
    try {
      await inbox.sendTemplate(conversationId, choice, manual ? [] : filled.map((v) => v.trim()));
      setSent(true);
      setSelectedId("");
      setValues([]);
      setName("");
      onSent?.();
    } catch (err) {
      setError(describeError(err, t));
      setWalletShort(isWalletRefusal(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-2 border-t border-gray-200 bg-white p-3" data-testid="template-picker">
      {templates === null && !templatesError && <p className="text-sm text-gray-500">{t("template.loading")}</p>}
      <ErrorText>{templatesError}</ErrorText>
      {templates !== null && !listed && (
        <p className="text-sm text-gray-600" data-testid="template-none">
          {templatesUnavailable ? t("template.unavailable") : t("template.none")}
        </p>
      )}
      {listed && !byName && (
        <label className="block text-sm">
          <span className="mb-1 block font-medium text-gray-700">{t("template.choose")}</span>
          <select
            value={selectedId}
            onChange={(e) => choose(e.target.value)}
            data-testid="template-select"
            className="w-full rounded-lg border border-gray-300 bg-white px-2 py-2"
          >
            <option value="">{t("template.select")}</option>
            {approved.map((tpl) => (
              <option key={tpl.id} value={tpl.id}>
                {tpl.name} · {tpl.language} · {(tpl.category ?? "").toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      )}
      {manual && (
        <div className="grid gap-2 sm:grid-cols-[1fr_9rem]">
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-gray-700">{t("template.name")}</span>
            <input
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setSent(false);
              }}
              placeholder="hello_world"
              autoComplete="off"
              spellCheck={false}
              data-testid="template-name"
              className="block w-full rounded-lg border border-gray-300 px-3 py-1.5 font-mono text-sm"
            />
          </label>
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-gray-700">{t("template.language")}</span>
            <input
              value={language}
              onChange={(e) => setLanguage(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="template-language"
              className="block w-full rounded-lg border border-gray-300 px-3 py-1.5 font-mono text-sm"
            />
          </label>
        </div>
      )}
      {selected && (
        <>
          {Array.from({ length: count }, (_, i) => (
            <input
              key={i}
              value={values[i] ?? ""}
              onChange={(e) => {
                const next = values.slice();
                next[i] = e.target.value;
                setValues(next);
              }}
              placeholder={t("template.variable", { n: i + 1 })}
              aria-label={t("template.variable", { n: i + 1 })}
              data-testid={`template-var-${i + 1}`}
              className="block w-full rounded-lg border border-gray-300 px-3 py-1.5 text-sm"
            />
          ))}
          {body?.text && (
            <div className="rounded-lg bg-bubble-out px-3 py-2 text-sm" data-testid="template-preview">
              <div className="mb-0.5 text-xs text-gray-500">{t("template.preview")}</div>
              <p className="whitespace-pre-wrap">{fillPlaceholders(body.text, values)}</p>
            </div>
          )}
        </>
      )}
      {error && walletShort ? (
        <p role="alert" data-testid="template-error" data-code="WALLET_BALANCE_LOW" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}{" "}
          <Link to={WALLET_PATH} className="whitespace-nowrap font-medium underline" data-testid="wallet-link">
            {t("wallet.openWallet")}
          </Link>
        </p>
      ) : (
        <ErrorText testId="template-error">{error}</ErrorText>
      )}
      {sent && !selected && (
        <p className="text-sm text-brand-700" data-testid="template-sent">
          {t("template.sent")}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {(selected || manual) && (
          <Button type="submit" disabled={!ready || busy} data-testid="template-send">
            {busy ? t("template.sending") : t("template.send")}
          </Button>
        )}
        {listed && (
          <Button variant="ghost" onClick={() => setByName((v) => !v)} data-testid="template-by-name">
            {byName ? t("template.fromList") : t("template.byName")}
          </Button>
        )}
        {templates !== null && !listed && !templatesUnavailable && user?.role !== "agent" && (
          <Button variant="secondary" onClick={() => void sync()} disabled={syncing} data-testid="template-sync">
            {syncing ? t("template.syncing") : t("template.sync")}
          </Button>
        )}
      </div>
    </form>
  );
}
