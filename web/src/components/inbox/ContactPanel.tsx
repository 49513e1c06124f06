import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { isAdmin } from "../../lib/nav";
import { isErased } from "../../lib/privacy";
import type { Contact, ContactRef } from "../../lib/types";
import { Avatar } from "../Avatar";
import { contactLabel } from "./names";
import { NotesPanel } from "./NotesPanel";

// Admins' GDPR tools load when an admin first opens a contact (agents never fetch them).
const ContactPrivacyActions = lazy(() => import("../contacts/ContactPrivacy").then((m) => ({ default: m.ContactPrivacyActions })));

function Row({ label, value, testId }: { label: string; value: string | null | undefined; testId: string }) {
  if (!value) return null;
  return (
    <div>
      <dt className="text-xs text-gray-500">{label}</dt>
      <dd className="break-all text-sm text-gray-900" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export function ContactPanel({ contact, conversationId, onClose }: { contact: ContactRef; conversationId: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const inbox = useInbox();
  const [full, setFull] = useState<Contact | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    if (generation === 0) setFull(null);
    api
      .get<Contact>(`/contacts/${encodeURIComponent(contact.id)}`)
      .then((c) => {
        if (live && c && typeof c === "object") setFull(c);
      })
      .catch(() => {
        // Older servers have no GET /contacts/{id}: the conversation's copy is enough.
      });
    return () => {
      live = false;
    };
  }, [api, contact.id, generation]);

  const { refreshConversation } = inbox;
  const afterErasure = useCallback(() => {
    setGeneration((g) => g + 1);
    // The thread and the list show the emptied messages and no name.
    void refreshConversation(conversationId).catch(() => {});
  }, [refreshConversation, conversationId]);

  const c: ContactRef = { ...contact, ...(full ?? {}) };
  const erased = isErased(c);
  const tags = full?.tags ?? contact.tags ?? [];
  const name = erased ? t("gdpr.erasedContact") : contactLabel(c) || t("inbox.unknownContact");
  return (
    <aside className="flex h-full flex-col border-l border-gray-200 bg-white" data-testid="contact-panel" aria-label={t("contact.title")}>
      <div className="flex h-14 items-center justify-between border-b border-gray-200 px-4">
        <h2 className="font-semibold">{t("contact.title")}</h2>
        <button type="button" onClick={onClose} className="rounded p-1 text-gray-500 hover:bg-gray-100" aria-label={t("common.close")}>
          ✕
        </button>
      </div>
      <div className="space-y-4 overflow-y-auto p-4">
        <div className="flex flex-col items-center gap-2 text-center">
          <Avatar name={name} seed={c.id} size="lg" />
          <div className="font-semibold" data-testid="contact-label">
            {name}
          </div>
          {erased && (
            <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700" data-testid="contact-erased">
              {t("gdpr.erasedBadge")}
            </span>
          )}
        </div>
        <dl className="space-y-3">
          <Row label={t("contact.name")} value={c.name} testId="contact-name" />
          <Row label={t("contact.phone")} value={c.phone} testId="contact-phone" />
          <Row label={t("contact.username")} value={c.username ? `@${c.username}` : null} testId="contact-username" />
          <Row label={t("contact.userId")} value={erased ? null : c.user_id} testId="contact-user-id" />
          <Row
            label={t("contact.since")}
            value={full?.created_at ? new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" }).format(new Date(full.created_at)) : null}
            testId="contact-since"
          />
          <div>
            <dt className="text-xs text-gray-500">{t("contact.tags")}</dt>
            <dd className="mt-1 flex flex-wrap gap-1" data-testid="contact-tags">
              {tags.length === 0 && <span className="text-sm text-gray-400">{t("contact.noTags")}</span>}
              {tags.map((tag) => (
                <span key={tag} className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700">
                  {tag}
                </span>
              ))}
            </dd>
          </div>
        </dl>
        <NotesPanel key={generation} conversationId={conversationId} />
        {isAdmin(user?.role) && (
          <Suspense fallback={null}>
            <ContactPrivacyActions contact={c} label={contactLabel(c) || name} erased={erased} onErased={afterErasure} />
          </Suspense>
        )}
      </div>
    </aside>
  );
}
