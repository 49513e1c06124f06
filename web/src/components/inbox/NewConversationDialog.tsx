import { useEffect, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import { channelLabel, phoneFromQuery, samePhone } from "../../lib/startChat";
import type { Channel, Contact, ContactRef, Page } from "../../lib/types";
import { Avatar } from "../Avatar";
import { Button, ErrorText } from "../Field";
import { Modal } from "../ui";
import { contactLabel, contactSubtitle } from "./names";

/** Wait this long after the last keystroke before searching contacts. */
const SEARCH_DEBOUNCE_MS = 250;
const SEARCH_LIMIT = 20;

/**
 * Starts (or continues) a conversation: pick the contact — found by name or
 * phone, or added by phone number — and the number to write from, then the
 * conversation opens: with the template picker when the customer's 24-hour
 * window is closed, the composer when it is open. Mounted by "New
 * conversation" in the inbox and "Message" on a contact (preselected).
 */
export function NewConversationDialog({ contact: preselected = null, onClose }: { contact?: ContactRef | null; onClose: () => void }) {
  const { t } = useI18n();
  const { api, user } = useAuth();
  const inbox = useInbox();
  const navigate = useNavigate();
  const [contact, setContact] = useState<ContactRef | null>(preselected);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Contact[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The numbers to write from; one number needs no choosing.
  useEffect(() => {
    let live = true;
    api
      .get<Page<Channel>>("/channels")
      .then((p) => {
        if (!live) return;
        const list = Array.isArray(p?.data) ? p.data : [];
        setChannels(list);
        if (list.length === 1) setPhoneNumberId(list[0]!.phone_number_id);
      })
      .catch((e: unknown) => {
        if (!live) return;
        setChannels([]);
        setError(describeError(e, t));
      });
    return () => {
      live = false;
    };
  }, [api, t]);

  // Contacts matching what is typed (the newest first when nothing is).
  useEffect(() => {
    if (contact) return;
    let live = true;
    setSearching(true);
    const timer = window.setTimeout(() => {
      api
        .get<Page<Contact>>("/contacts", { search: query.trim() || undefined, limit: SEARCH_LIMIT })
        .then((p) => live && setResults(Array.isArray(p?.data) ? p.data : []))
        .catch((e: unknown) => live && setError(describeError(e, t)))
        .finally(() => live && setSearching(false));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, query, contact, t]);

  const phone = phoneFromQuery(query);
  const known = phone && results?.some((c) => samePhone(c.phone, phone));

  /** Adds the typed phone number as a contact and picks it. */
  async function addContact() {
    if (!phone) return;
    setBusy(true);
    setError(null);
    try {
      setContact(await api.post<Contact>("/contacts", { phone }));
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  async function start(e: FormEvent) {
    e.preventDefault();
    if (!contact || !phoneNumberId) return;
    setBusy(true);
    setError(null);
    try {
      const conv = await inbox.startConversation(contact.id, phoneNumberId);
      onClose();
      navigate(`/inbox/${encodeURIComponent(conv.id)}`);
    } catch (err) {
      setError(describeError(err, t));
      setBusy(false);
    }
  }

  // On the page's body: it may be opened from inside another form (a contact's panel).
  return createPortal(
    <Modal title={t("newChat.title")} onClose={onClose} testId="new-conversation">
      <form onSubmit={start} className="space-y-4">
        <section className="space-y-2">
          <h3 className="text-sm font-medium text-gray-700">{t("newChat.contact")}</h3>
          {contact ? (
            <div className="flex items-center gap-2 rounded-lg border border-brand-200 bg-brand-50 p-2" data-testid="new-conversation-contact">
              <Avatar name={contactLabel(contact)} seed={contact.id} size="sm" />
              <div className="min-w-0 flex-1">
                <div className="truncate text-sm font-medium">{contactLabel(contact) || t("inbox.unknownContact")}</div>
                <div className="truncate text-xs text-gray-500">{contactSubtitle(contact)}</div>
              </div>
              <Button variant="ghost" onClick={() => setContact(null)} data-testid="new-conversation-change">
                {t("newChat.change")}
              </Button>
            </div>
          ) : (
            <>
              <input
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder={t("newChat.searchPlaceholder")}
                aria-label={t("newChat.search")}
                autoComplete="off"
                spellCheck={false}
                data-testid="new-conversation-search"
                className="block w-full rounded-lg border border-gray-300 px-3 py-2 text-sm outline-none focus:border-brand-500"
              />
              <ul className="max-h-60 divide-y divide-gray-100 overflow-y-auto rounded-lg border border-gray-200" aria-busy={searching}>
                {results?.map((c) => (
                  <li key={c.id}>
                    <button
                      type="button"
                      onClick={() => setContact(c)}
                      className="flex w-full items-center gap-2 px-3 py-2 text-left hover:bg-gray-50"
                      data-testid="new-conversation-result"
                      data-contact-id={c.id}
                    >
                      <Avatar name={contactLabel(c)} seed={c.id} size="sm" />
                      <span className="min-w-0">
                        <span className="block truncate text-sm font-medium">{contactLabel(c) || t("inbox.unknownContact")}</span>
                        <span className="block truncate text-xs text-gray-500">{contactSubtitle(c)}</span>
                      </span>
                    </button>
                  </li>
                ))}
                {results !== null && results.length === 0 && !phone && (
                  <li className="px-3 py-3 text-sm text-gray-500">{query.trim() ? t("newChat.noMatch") : t("newChat.noContacts")}</li>
                )}
                {results === null && <li className="px-3 py-3 text-sm text-gray-500">{t("common.loading")}</li>}
                {phone && !known && (
                  <li>
                    <button
                      type="button"
                      onClick={() => void addContact()}
                      disabled={busy}
                      className="w-full px-3 py-2 text-left text-sm text-brand-700 hover:bg-brand-50"
                      data-testid="new-conversation-add"
                    >
                      + {t("newChat.addPhone", { phone })}
                    </button>
                  </li>
                )}
              </ul>
            </>
          )}
        </section>

        <section className="space-y-2">
          <h3 className="text-sm font-medium text-gray-700">{t("newChat.number")}</h3>
          {channels === null && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
          {channels?.length === 0 && (
            <p className="text-sm text-gray-600" data-testid="new-conversation-no-number">
              {t("newChat.noNumber")}{" "}
              {user?.role !== "agent" && (
                <Link to="/settings/channels" className="text-brand-700 underline" onClick={onClose}>
                  {t("newChat.connect")}
                </Link>
              )}
            </p>
          )}
          {channels && channels.length > 0 && (
            <select
              value={phoneNumberId}
              onChange={(e) => setPhoneNumberId(e.target.value)}
              data-testid="new-conversation-number"
              aria-label={t("newChat.number")}
              className="block w-full rounded-lg border border-gray-300 bg-white px-2 py-2 text-sm"
            >
              {channels.length > 1 && <option value="">{t("newChat.pickNumber")}</option>}
              {channels.map((c) => (
                <option key={c.id} value={c.phone_number_id}>
                  {channelLabel(c)}
                </option>
              ))}
            </select>
          )}
        </section>

        <p className="text-xs text-gray-500">{t("newChat.windowHint")}</p>
        <ErrorText testId="new-conversation-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={!contact || !phoneNumberId || busy} data-testid="new-conversation-start">
            {busy ? t("newChat.starting") : t("newChat.start")}
          </Button>
        </div>
      </form>
    </Modal>,
    document.body,
  );
}

/** "Message" on a contact: opens the dialog with the contact chosen (for the contact list and the contact panel). */
export function MessageContactButton({ contact, className = "" }: { contact: ContactRef; className?: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)} className={className} data-testid="contact-message">
        {t("newChat.message")}
      </Button>
      {open && <NewConversationDialog contact={contact} onClose={() => setOpen(false)} />}
    </>
  );
}
