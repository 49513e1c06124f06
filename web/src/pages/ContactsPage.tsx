import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText } from "../components/Field";
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

export function ContactsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 300);
  const contacts = usePaged<Contact>(api, "/contacts", { search: q, limit: 50 });
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-5xl p-4">
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-xl font-semibold">{t("contacts.title")}</h1>
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t("contacts.search")}
            aria-label={t("contacts.search")}
            data-testid="contacts-search"
            className="w-full rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm sm:w-72"
          />
        </div>
        <ErrorText>{contacts.error?.message ?? null}</ErrorText>
        <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="contacts-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("contacts.col.name")}</th>
                <th className="px-4 py-2 font-medium">{t("contacts.col.phone")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("contacts.col.username")}</th>
                <th className="px-4 py-2 font-medium">{t("contacts.col.tags")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("contacts.col.created")}</th>
              </tr>
            </thead>
            <tbody>
              {contacts.items.map((c) => (
                <tr key={c.id} className="border-t border-gray-100" data-testid="contact-row">
                  <td className="px-4 py-2 font-medium">{c.name || "—"}</td>
                  <td className="px-4 py-2 font-mono text-xs">{c.phone || "—"}</td>
                  <td className="hidden px-4 py-2 sm:table-cell">{c.username ? `@${c.username}` : "—"}</td>
                  <td className="px-4 py-2">
                    <div className="flex flex-wrap gap-1">
                      {(c.tags ?? []).map((tag) => (
                        <span key={tag} className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700">
                          {tag}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td className="hidden px-4 py-2 text-gray-500 md:table-cell">{c.created_at ? date.format(new Date(c.created_at)) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!contacts.loading && !contacts.error && contacts.items.length === 0 && (
            <p className="p-6 text-center text-sm text-gray-500">{t("contacts.empty")}</p>
          )}
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
    </div>
  );
}
