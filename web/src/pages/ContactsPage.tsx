import { useEffect, useMemo, useRef, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ContactDialog } from "../components/contacts/ContactDialog";
import { downloadContactData, EraseContactDialog, useErasedText } from "../components/contacts/ContactPrivacy";
import { ImportDialog } from "../components/contacts/ImportDialog";
import { Button, ErrorText } from "../components/Field";
import { Badge, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { saveBlob } from "../lib/download";
import { isErased } from "../lib/privacy";
import type { Contact } from "../lib/types";
import { usePaged } from "../lib/usePaged";
import { NewConversationDialog } from "../components/inbox/NewConversationDialog";
import { formatDay } from "../lib/format";
import { useDismiss } from "../lib/useDismiss";

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return v;
}

/** A row's menu: edit, and the contact's GDPR tools. Escape or a click elsewhere closes it. */
function RowMenu({ contact, onEdit, onDownload, onErase }: { contact: Contact; onEdit: () => void; onDownload: () => void; onErase: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useDismiss(box, open, () => setOpen(false));
  const item = "block w-full px-3 py-1.5 text-left text-sm hover:bg-gray-50";
  const pick = (fn: () => void) => () => {
    setOpen(false);
    fn();
  };
  return (
    <div ref={box} className="relative inline-block" onClick={(e) => e.stopPropagation()}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={t("contacts.actionsFor", { name: contact.name || contact.phone || "" })}
        onClick={() => setOpen((o) => !o)}
        className="rounded-md px-2 py-0.5 text-lg leading-none text-gray-500 hover:bg-gray-100"
        data-testid="contact-menu"
      >
        ⋯
      </button>
      {open && (
        <div role="menu" className="absolute right-0 z-20 mt-1 w-56 overflow-hidden rounded-lg border border-gray-200 bg-white py-1 shadow-lg" data-testid="contact-menu-items">
          <button type="button" role="menuitem" className={item} onClick={pick(onEdit)} data-testid="contact-menu-edit">
            {t("common.edit")}
          </button>
          <button type="button" role="menuitem" className={item} onClick={pick(onDownload)} data-testid="contact-menu-export">
            {t("gdpr.download")}
          </button>
          {!isErased(contact) && (
            <button type="button" role="menuitem" className={`${item} text-red-700 hover:bg-red-50`} onClick={pick(onErase)} data-testid="contact-menu-erase">
              {t("gdpr.erase")}
            </button>
          )}
        </div>
      )}
    </div>
  );
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
  const [erasing, setErasing] = useState<Contact | null>(null);
  const [messaging, setMessaging] = useState<Contact | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const erasedText = useErasedText();
  const date = { format: (d: Date) => formatDay(d.getTime(), lang.locale) };

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

  async function downloadData(c: Contact) {
    setError(null);
    try {
      await downloadContactData(api, c.id);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function afterErasure(c: Contact) {
    // The row shows the anonymised contact the server keeps (no name, no number).
    try {
      const next = await api.get<Contact>(`/contacts/${encodeURIComponent(c.id)}`);
      setChanged((m) => ({ ...m, [c.id]: next }));
    } catch {
      setChanged((m) => ({ ...m, [c.id]: { ...c, name: null, phone: null, username: null, user_id: `erased:${c.id}`, tags: [], custom_fields: {}, opted_in: false } }));
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
        {notice && (
          <p role="status" data-testid="contacts-notice" className="mb-3 flex items-center justify-between gap-2 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
            <span>{notice}</span>
            <button type="button" className="underline" onClick={() => setNotice(null)}>
              {t("common.dismiss")}
            </button>
          </p>
        )}
        <ErrorText testId="contacts-error">{error ?? (contacts.error ? errorText(contacts.error) : null)}</ErrorText>
        <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="contacts-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("contacts.col.name")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("contacts.col.phone")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("contacts.col.username")}</th>
                <th className="px-4 py-2 font-medium">{t("contacts.col.tags")}</th>
                <th className="hidden px-4 py-2 font-medium lg:table-cell">{t("contacts.col.fields")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("contacts.col.optIn")}</th>
                <th className="hidden px-4 py-2 font-medium md:table-cell">{t("contacts.col.created")}</th>
                <th className="w-10 px-2 py-2">
                  <span className="sr-only">{t("admin.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr
                  key={c.id}
                  className="cursor-pointer border-t border-gray-100 hover:bg-gray-50"
                  data-testid="contact-row"
                  data-contact-id={c.id}
                  data-erased={isErased(c) ? "true" : undefined}
                  onClick={() => setDialog(c)}
                >
                  <td className="px-4 py-2 font-medium">
                    <button type="button" className="text-left hover:underline" data-testid="contact-edit">
                      {c.name || "—"}
                    </button>
                    {c.phone && <div className="font-mono text-xs font-normal text-gray-500 sm:hidden">{c.phone}</div>}
                    {isErased(c) && (
                      <span className="ml-2 align-middle">
                        <Badge tone="gray" testId="contact-erased">
                          {t("gdpr.erasedBadge")}
                        </Badge>
                      </span>
                    )}
                  </td>
                  <td className="hidden px-4 py-2 font-mono text-xs sm:table-cell">{c.phone || "—"}</td>
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
                  <td className="px-2 py-1 text-right">
                    <div className="flex items-center justify-end gap-1">
                      {!isErased(c) && (
                        <button
                          type="button"
                          onClick={(e) => {
                            e.stopPropagation();
                            setMessaging(c);
                          }}
                          className="whitespace-nowrap rounded-md border border-gray-300 px-2 py-1 text-xs font-medium text-brand-700 hover:bg-brand-50"
                          data-testid="contact-row-message"
                        >
                          {t("contact.message")}
                        </button>
                      )}
                      <RowMenu contact={c} onEdit={() => setDialog(c)} onDownload={() => void downloadData(c)} onErase={() => setErasing(c)} />
                    </div>
                  </td>
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
      {erasing && (
        <EraseContactDialog
          contact={erasing}
          label={erasing.name || erasing.phone || erasing.id}
          onClose={() => setErasing(null)}
          onErased={(counts) => {
            const c = erasing;
            setErasing(null);
            setNotice(erasedText(counts));
            void afterErasure(c);
          }}
        />
      )}
      {messaging && <NewConversationDialog contact={messaging} onClose={() => setMessaging(null)} />}
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
