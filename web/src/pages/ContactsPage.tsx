import { useEffect, useMemo, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ContactDialog } from "../components/contacts/ContactDialog";
import { ImportDialog } from "../components/contacts/ImportDialog";
import { Button, ErrorText } from "../components/Field";
import { useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { Contact } from "../lib/types";
import { usePaged } from "../lib/usePaged";

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return v;
}

/** Saves a Blob under `name` through a temporary link. */
function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ContactsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const q = useDebounced(search.trim(), 300);
  const tagFilter = useDebounced(tag.trim(), 300);
  const contacts = usePaged<Contact>(api, "/contacts", { search: q, tag: tagFilter, limit: 50 });
  const [changed, setChanged] = useState<Record<string, Contact>>({});
  const [dialog, setDialog] = useState<Contact | "new" | "import" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });

  const rows = contacts.items.map((c) => changed[c.id] ?? c);
  const knownTags = useMemo(() => [...new Set(rows.flatMap((c) => c.tags ?? []))].sort(), [rows]);

  async function exportCsv() {
    setExporting(true);
    setError(null);
    try {
      const blob = await api.download("/contacts/export");
      saveBlob(blob, `contacts-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(false);
    }
  }

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-xl font-semibold">{t("contacts.title")}</h1>
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" onClick={() => void exportCsv()} disabled={exporting} data-testid="contacts-export">
              {exporting ? t("contacts.exporting") : t("contacts.export")}
            </Button>
            <Button variant="secondary" onClick={() => setDialog("import")} data-testid="contacts-import">
              {t("contacts.import")}
            </Button>
            <Button onClick={() => setDialog("new")} data-testid="contact-add">
              + {t("contacts.add")}
            </Button>
          </div>
        </div>
        <div className="mb-3 flex flex-wrap gap-2">
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t("contacts.search")}
            aria-label={t("contacts.search")}
            data-testid="contacts-search"
            className="w-full rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm sm:w-72"
          />
          <input
            type="search"
            list="contact-tags"
            value={tag}
            onChange={(e) => setTag(e.target.value)}
            placeholder={t("contacts.filterTag")}
            aria-label={t("contacts.filterTag")}
            data-testid="contacts-tag-filter"
            className="w-full rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm sm:w-48"
          />
          <datalist id="contact-tags">
            {knownTags.map((x) => (
              <option key={x} value={x} />
            ))}
          </datalist>
        </div>
        <ErrorText testId="contacts-error">{error ?? contacts.error?.message ?? null}</ErrorText>
        <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="contacts-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("contacts.col.name")}</th>
                <th className="px-4 py-2 font-medium">{t("contacts.col.phone")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("contacts.col.username")}</th>
                <th className="px-4 py-2 font-medium">{t("contacts.col.tags")}</th>
                <th className="hidden px-4 py-2 font-medium lg:table-cell">{t("contacts.col.fields")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("contacts.col.optIn")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("contacts.col.created")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} className="cursor-pointer border-t border-gray-100 hover:bg-gray-50" data-testid="contact-row" data-contact-id={c.id} onClick={() => setDialog(c)}>
                  <td className="px-4 py-2 font-medium">
                    <button type="button" className="text-left hover:underline" data-testid="contact-edit">
                      {c.name || "—"}
                    </button>
                  </td>
                  <td className="px-4 py-2 font-mono text-xs">{c.phone || "—"}</td>
                  <td className="hidden px-4 py-2 sm:table-cell">{c.username ? `@${c.username}` : "—"}</td>
                  <td className="px-4 py-2">
                    <div className="flex flex-wrap gap-1">
                      {(c.tags ?? []).map((x) => (
                        <button
                          key={x}
                          type="button"
                          onClick={(e) => {
                            e.stopPropagation();
                            setTag(x);
                          }}
                          className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700 hover:bg-brand-100"
                          title={t("contacts.filterBy", { tag: x })}
                        >
                          {x}
                        </button>
                      ))}
                    </div>
                  </td>
                  <td className="hidden max-w-56 truncate px-4 py-2 text-xs text-gray-600 lg:table-cell">
                    {Object.entries(c.custom_fields ?? {})
                      .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
                      .join(" · ")}
                  </td>
                  <td className="hidden px-4 py-2 md:table-cell">{c.opted_in === false ? t("contacts.optedOut") : t("contacts.optedInShort")}</td>
                  <td className="hidden px-4 py-2 text-gray-500 md:table-cell">{c.created_at ? date.format(new Date(c.created_at)) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!contacts.loading && !contacts.error && rows.length === 0 && <p className="p-6 text-center text-sm text-gray-500">{t("contacts.empty")}</p>}
          {contacts.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
        {contacts.hasMore && !contacts.loading && (
          <div className="mt-3 text-center">
            <Button variant="secondary" onClick={contacts.loadMore}>
              {t("common.loadMore")}
            </Button>
          </div>
        )}
      </div>
      {dialog === "import" && <ImportDialog onClose={() => setDialog(null)} onImported={contacts.reload} />}
      {(dialog === "new" || (dialog && typeof dialog === "object")) && (
        <ContactDialog
          contact={dialog === "new" ? null : dialog}
          onClose={() => setDialog(null)}
          onSaved={(c) => {
            if (dialog === "new") contacts.prepend(c);
            else setChanged((m) => ({ ...m, [c.id]: c }));
          }}
        />
      )}
    </div>
  );
}
