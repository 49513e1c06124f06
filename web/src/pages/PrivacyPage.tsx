import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Button, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { saveBlob } from "../lib/download";
import { ACCOUNT_EXPORT_NAME, daysUntil, deletionScheduled, type AccountDeletion } from "../lib/privacy";
import { useAccountDeletion } from "../plan/AccountDeletionProvider";

/** Days between asking for the deletion and the deletion, when the server does not say. */
const DEFAULT_GRACE_DAYS = 30;

function Section({ title, children, testId, tone = "plain", data }: { title: string; children: ReactNode; testId: string; tone?: "plain" | "danger"; data?: Record<string, string> }) {
  const attrs = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <section className={`space-y-3 rounded-xl border bg-white p-4 ${tone === "danger" ? "border-red-200" : "border-gray-200"}`} data-testid={testId} {...attrs}>
      <h3 className={`text-base font-semibold ${tone === "danger" ? "text-red-800" : ""}`}>{title}</h3>
      {children}
    </section>
  );
}

/** The whole account as a zip (one JSON-lines file per table, no secrets). */
function ExportSection() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function exportAll() {
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      const file = await api.downloadFile("/account/export");
      saveBlob(file.blob, file.filename ?? ACCOUNT_EXPORT_NAME);
      setDone(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title={t("privacy.export.title")} testId="privacy-export">
      <p className="text-sm text-gray-700">{t("privacy.export.body")}</p>
      <p className="text-xs text-gray-500">{t("privacy.export.secrets")}</p>
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" onClick={() => void exportAll()} disabled={busy} data-testid="privacy-export-button">
          {busy ? t("privacy.export.preparing") : t("privacy.export.button")}
        </Button>
        {done && (
          <span role="status" className="text-sm text-brand-700" data-testid="privacy-export-done">
            {t("privacy.export.done")}
          </span>
        )}
      </div>
      <ErrorText testId="privacy-export-error">{error}</ErrorText>
    </Section>
  );
}

/**
 * Deleting the account: scheduled 30 days ahead after typing its name,
 * cancellable until then. Invoices, payments, usage and the audit log are kept.
 */
function DeletionSection() {
  const { t, lang } = useI18n();
  const { api, impersonation } = useAuth();
  const errorText = useErrorText();
  const shared = useAccountDeletion();
  const [deletion, setDeletion] = useState<AccountDeletion | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const setShared = shared.set;

  useEffect(() => {
    let live = true;
    api
      .get<AccountDeletion>("/account/deletion")
      .then((d) => {
        if (!live) return;
        setDeletion(d);
        setShared(d);
      })
      .catch((e: unknown) => live && setLoadError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, setShared]);

  const grace = deletion?.grace_days ?? DEFAULT_GRACE_DAYS;
  const scheduled = deletionScheduled(deletion) ? deletion.scheduled_for : null;
  const dateText = (iso: string) => new Intl.DateTimeFormat(lang.locale, { dateStyle: "long", timeStyle: "short" }).format(Date.parse(iso));

  function changed(d: AccountDeletion) {
    const next = { grace_days: grace, ...d };
    setDeletion(next);
    setShared(next);
  }

  async function schedule(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const d = await api.post<AccountDeletion>("/account/deletion", { confirm: name.trim() });
      changed(d);
      setAsking(false);
      setName("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      await api.delete("/account/deletion");
      changed({ scheduled_for: null });
      setNotice(t("privacy.delete.cancelled"));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section
      title={t("privacy.delete.title")}
      testId="privacy-delete"
      tone="danger"
      data={{ state: deletion ? (scheduled ? "scheduled" : "none") : loadError ? "error" : "loading" }}
    >
      <ErrorText testId="privacy-delete-load-error">{loadError}</ErrorText>
      {notice && (
        <p role="status" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="privacy-delete-notice">
          {notice}
        </p>
      )}
      {scheduled ? (
        <div role="alert" className="space-y-2 rounded-lg border border-red-300 bg-red-50 px-3 py-3 text-sm text-red-900" data-testid="deletion-scheduled" data-scheduled-for={scheduled}>
          <p className="font-semibold">{t("privacy.delete.scheduled", { date: dateText(scheduled), days: daysUntil(scheduled, Date.now()) })}</p>
          <p>{t("privacy.delete.scheduledBody")}</p>
          <button
            type="button"
            onClick={() => void cancel()}
            disabled={busy}
            className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-red-800 ring-1 ring-red-300 hover:bg-red-100 disabled:text-red-300"
            data-testid="deletion-cancel"
          >
            {busy ? t("privacy.delete.cancelling") : t("privacy.delete.cancel")}
          </button>
        </div>
      ) : (
        deletion && (
          <>
            <p className="text-sm text-gray-700">{t("privacy.delete.body", { days: grace })}</p>
            <p className="text-sm text-gray-700">{t("privacy.delete.kept")}</p>
            <p className="text-xs text-gray-500">{t("privacy.delete.exportFirst")}</p>
            {!asking ? (
              <button
                type="button"
                onClick={() => setAsking(true)}
                className="rounded-lg border border-red-300 px-3 py-2 text-sm font-medium text-red-700 hover:bg-red-50"
                data-testid="deletion-start"
              >
                {t("privacy.delete.button")}
              </button>
            ) : (
              <form onSubmit={(e) => void schedule(e)} className="space-y-2" noValidate data-testid="deletion-form">
                <label htmlFor="deletion-confirm" className="block text-sm font-medium text-gray-800">
                  {t("privacy.delete.confirmLabel")}
                </label>
                <p className="text-xs text-gray-500">
                  {impersonation ? t("privacy.delete.confirmHintNamed", { name: impersonation.tenant.name }) : t("privacy.delete.confirmHint")}
                </p>
                <input
                  id="deletion-confirm"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  className="block w-full max-w-md rounded-md border border-gray-300 bg-white px-2.5 py-1.5 text-sm shadow-sm outline-none focus:border-red-500 focus:ring-2 focus:ring-red-100"
                  data-testid="deletion-confirm-input"
                />
                <div className="flex flex-wrap gap-2">
                  <button
                    type="submit"
                    disabled={!name.trim() || busy}
                    className="rounded-lg bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:bg-red-300"
                    data-testid="deletion-confirm"
                  >
                    {busy ? t("privacy.delete.scheduling") : t("privacy.delete.confirm", { days: grace })}
                  </button>
                  <Button
                    variant="ghost"
                    onClick={() => {
                      setAsking(false);
                      setName("");
                      setError(null);
                    }}
                  >
                    {t("common.cancel")}
                  </Button>
                </div>
              </form>
            )}
          </>
        )
      )}
      <ErrorText testId="privacy-delete-error">{error}</ErrorText>
    </Section>
  );
}

/** Settings → Data & privacy (the account's admins): export everything, or delete the account. */
export function PrivacyPage() {
  const { t } = useI18n();
  return (
    <div className="space-y-4" data-testid="privacy-page">
      <p className="text-sm text-gray-600">{t("privacy.intro")}</p>
      <ExportSection />
      <DeletionSection />
    </div>
  );
}
