import { useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import type { BulkEnrollResult, Contact, Page } from "../../lib/types";
import { ErrorText } from "../Field";
import { Button, fieldClass, inputClass, useErrorText } from "../ui";

const SEARCH_LIMIT = 8;

/**
 * Enrols contacts in a sequence (`POST /campaigns/{id}/enrollments`): every
 * contact with a tag, or contacts picked by name or phone. Says how many
 * joined, were in it already, or were refused by its re-entry rule.
 */
export function EnrollContactsForm({ sequenceId, onEnrolled }: { sequenceId: string; onEnrolled: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [mode, setMode] = useState<"tag" | "contacts">("tag");
  const [tag, setTag] = useState("");
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Contact[]>([]);
  const [picked, setPicked] = useState<Contact[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<BulkEnrollResult | null>(null);
  const num = new Intl.NumberFormat(lang.locale);

  useEffect(() => {
    if (mode !== "contacts" || !query.trim()) {
      setFound([]);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api
        .get<Page<Contact>>("/contacts", { search: query.trim(), limit: SEARCH_LIMIT })
        .then((p) => live && setFound(p.data))
        .catch(() => live && setFound([]));
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, mode, query]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = mode === "tag" ? { tag: tag.trim().toLowerCase() } : { contact_ids: picked.map((c) => c.id) };
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post<BulkEnrollResult>(`/campaigns/${encodeURIComponent(sequenceId)}/enrollments`, body));
      setPicked([]);
      onEnrolled();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const ready = mode === "tag" ? tag.trim() !== "" : picked.length > 0;
  return (
    <form onSubmit={submit} className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="sequence-enroll">
      <h2 className="text-sm font-semibold text-gray-700">{t("sequences.enroll.title")}</h2>
      <div className="flex gap-3 text-sm">
        <label className="inline-flex items-center gap-1.5">
          <input type="radio" name="enroll-mode" checked={mode === "tag"} onChange={() => setMode("tag")} data-testid="sequence-enroll-mode-tag" />
          {t("sequences.enroll.byTag")}
        </label>
        <label className="inline-flex items-center gap-1.5">
          <input type="radio" name="enroll-mode" checked={mode === "contacts"} onChange={() => setMode("contacts")} data-testid="sequence-enroll-mode-contacts" />
          {t("sequences.enroll.pick")}
        </label>
      </div>
      {mode === "tag" ? (
        <input className={inputClass} value={tag} onChange={(e) => setTag(e.target.value)} placeholder="lead" aria-label={t("sequences.enroll.tag")} data-testid="sequence-enroll-tag" />
      ) : (
        <div className="space-y-2">
          <input
            type="search"
            className={inputClass}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={t("sequences.enroll.search")}
            aria-label={t("sequences.enroll.search")}
            data-testid="sequence-enroll-search"
          />
          {found.length > 0 && (
            <ul className="divide-y divide-gray-100 rounded-md border border-gray-200">
              {found.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    className="flex w-full justify-between gap-2 px-3 py-1.5 text-left text-sm hover:bg-gray-50 disabled:text-gray-400"
                    disabled={picked.some((p) => p.id === c.id)}
                    onClick={() => setPicked((prev) => [...prev, c])}
                    data-testid="sequence-enroll-found"
                  >
                    <span>{c.name || c.phone}</span>
                    <span className="font-mono text-xs text-gray-500">{c.phone}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {picked.length > 0 && (
            <div className="flex flex-wrap gap-1" data-testid="sequence-enroll-picked">
              {picked.map((c) => (
                <span key={c.id} className={`${fieldClass} inline-flex items-center gap-1 py-0.5 text-xs`}>
                  {c.name || c.phone}
                  <button type="button" aria-label={t("sequences.enroll.unpick")} onClick={() => setPicked((prev) => prev.filter((p) => p.id !== c.id))}>
                    ✕
                  </button>
                </span>
              ))}
            </div>
          )}
        </div>
      )}
      <ErrorText testId="sequence-enroll-error">{error}</ErrorText>
      {result && (
        <p className="text-sm text-gray-700" data-testid="sequence-enroll-result" data-enrolled={result.enrolled}>
          {t("sequences.enroll.result", { enrolled: num.format(result.enrolled), already: num.format(result.already), refused: num.format(result.refused) })}
        </p>
      )}
      <Button type="submit" disabled={!ready || busy} data-testid="sequence-enroll-submit">
        {busy ? t("sequences.enroll.busy") : t("sequences.enroll.submit")}
      </Button>
    </form>
  );
}
