import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { formatDay, formatListTime } from "../../lib/format";
import { isAdmin } from "../../lib/nav";
import { isErased } from "../../lib/privacy";
import type { Contact, ContactRef, ConversationStatus } from "../../lib/types";
import { channelShortName, useChannels } from "../../lib/useChannels";
import { Avatar } from "../Avatar";
import { HelpTip } from "../ui";
import { contactLabel } from "./names";
import { NewConversationDialog } from "./NewConversationDialog";
import { NotesPanel } from "./NotesPanel";
import { TagEditor } from "./TagEditor";

// Admins' GDPR tools load when an admin first opens a contact (agents never fetch them).
// Enrolling in a sequence: admins only, loaded with the first admin view of a contact.
const EnrollInSequence = lazy(() => import("./EnrollInSequence").then((m) => ({ default: m.EnrollInSequence })));
const ContactPrivacyActions = lazy(() => import("../contacts/ContactPrivacy").then((m) => ({ default: m.ContactPrivacyActions })));

/** One of the contact's conversations, as GET /contacts/{id} lists them. */
interface PastConversation {
  id: string;
  channel_id: string;
  status: ConversationStatus;
  last_message_at: string | null;
}

const STATUS_TONE: Record<string, string> = {
  open: "bg-green-100 text-green-800",
  pending: "bg-amber-100 text-amber-800",
  resolved: "bg-gray-100 text-gray-700",
  closed: "bg-gray-100 text-gray-500",
};

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

/** A titled part of the panel, with an optional "?" explaining it. */
function Section({ title, help, testId, children }: { title: string; help?: string; testId: string; children: ReactNode }) {
  return (
    <section className="border-t border-gray-200 pt-3" data-testid={testId}>
      <h3 className="mb-1.5 flex items-center gap-1.5 text-xs font-semibold uppercase tracking-wide text-gray-500">
        {title}
        {help && <HelpTip text={help} />}
      </h3>
      {children}
    </section>
  );
}

/** A custom field's value as text (numbers, yes/no, lists). */
function fieldText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * Who the customer is, beside the thread: their details and fields, their
 * contact tags (the person's, editable) apart from this conversation's
 * labels, their other conversations, the team's notes, and (admins) the
 * privacy tools. "Message" starts or continues a chat with them.
 */
export function ContactPanel({ contact, conversationId, onClose }: { contact: ContactRef; conversationId: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const inbox = useInbox();
  const channels = useChannels();
  const [full, setFull] = useState<(Contact & { conversations?: PastConversation[] }) | null>(null);
  const [generation, setGeneration] = useState(0);
  const [messaging, setMessaging] = useState(false);
  const conversation = inbox.state.conversations[conversationId];

  useEffect(() => {
    let live = true;
    if (generation === 0) setFull(null);
    api
      .get<Contact & { conversations?: PastConversation[] }>(`/contacts/${encodeURIComponent(contact.id)}`)
      .then((c) => {
        if (live && c && typeof c === "object") setFull(c);
      })
      .catch(() => {
        // Not readable (gone, or an older server): the conversation's copy is enough.
      });
    return () => {
      live = false;
    };
    // A conversation that changes status or gets a message shows in the list below: read again.
  }, [api, contact.id, generation, conversation?.status, conversation?.last_message_at]);

  const { refreshConversation } = inbox;
  const afterErasure = useCallback(() => {
    setGeneration((g) => g + 1);
    // The thread and the list show the emptied messages and no name.
    void refreshConversation(conversationId).catch(() => {});
  }, [refreshConversation, conversationId]);

  const c: ContactRef = { ...contact, ...(full ?? {}) };
  const erased = isErased(c);
  const contactTags = full?.tags ?? contact.tags ?? [];
  const labels = conversation?.tags ?? [];
  const name = erased ? t("gdpr.erasedContact") : contactLabel(c) || t("inbox.unknownContact");
  const fields = Object.entries(full?.custom_fields ?? {}).filter(([, v]) => fieldText(v) !== "");
  const past = full?.conversations ?? [];
  const channelName = (id: string) => {
    const ch = channels?.find((x) => x.id === id);
    return ch ? channelShortName(ch) : null;
  };

  const changeTags = async (request: Promise<{ tags?: unknown }>) => {
    const answer = await request;
    const tags = Array.isArray(answer?.tags) ? answer.tags.filter((x): x is string => typeof x === "string") : null;
    if (tags) setFull((prev) => (prev ? { ...prev, tags } : prev));
    // The list's tag filter reads the contact's tags from the conversation.
    void refreshConversation(conversationId).catch(() => {});
  };
  const contactPath = `/contacts/${encodeURIComponent(contact.id)}/tags`;

  return (
    <aside className="flex h-full min-h-0 flex-col border-l border-gray-200 bg-white" data-testid="contact-panel" aria-label={t("contact.title")}>
      <div className="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-gray-200 px-4">
        <h2 className="font-semibold">{t("contact.title")}</h2>
        <div className="flex items-center gap-1">
          {!erased && (
            <button
              type="button"
              onClick={() => setMessaging(true)}
              className="rounded-lg border border-gray-300 px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50"
              data-testid="contact-message"
            >
              {t("contact.message")}
            </button>
          )}
          <button
            type="button"
            onClick={onClose}
            className="rounded p-1 text-gray-500 hover:bg-gray-100"
            aria-label={t("contact.hide")}
            title={t("contact.hide")}
            data-testid="contact-panel-close"
          >
            ✕
          </button>
        </div>
      </div>
      <div className="min-h-0 flex-1 space-y-3 overflow-y-auto p-4">
        <div className="flex flex-col items-center gap-2 text-center">
          <Avatar name={name} seed={c.id} size="lg" />
          <div className="break-words font-semibold" data-testid="contact-label">
            {name}
          </div>
          {erased && (
            <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700" data-testid="contact-erased">
              {t("gdpr.erasedBadge")}
            </span>
          )}
        </div>
        <dl className="space-y-2">
          <Row label={t("contact.name")} value={c.name} testId="contact-name" />
          <Row label={t("contact.phone")} value={c.phone} testId="contact-phone" />
          <Row label={t("contact.username")} value={c.username ? `@${c.username}` : null} testId="contact-username" />
          <Row label={t("contact.userId")} value={erased ? null : c.user_id} testId="contact-user-id" />
          <Row label={t("contact.since")} value={full?.created_at ? formatDay(full.created_at, lang.locale) : null} testId="contact-since" />
          {full && !erased && (
            <Row label={t("contact.marketing")} value={full.opted_in ? t("contact.marketingYes") : t("contact.marketingNo")} testId="contact-marketing" />
          )}
        </dl>

        <Section title={t("contact.tags")} help={t("contact.tagsHelp")} testId="contact-tags-section">
          <p className="mb-1.5 text-xs text-gray-500">{t("contact.tagsHelp")}</p>
          <TagEditor
            tags={contactTags}
            readOnly={erased}
            words={{ add: "contact.addTag", remove: "contact.removeTag", none: "contact.noTags", placeholder: "contact.tagPlaceholder" }}
            testId="panel-contact-tags"
            onAdd={(tags) => changeTags(api.post<{ tags?: unknown }>(contactPath, { tags }))}
            onRemove={(tag) => changeTags(api.delete<{ tags?: unknown }>(`${contactPath}/${encodeURIComponent(tag)}`))}
          />
        </Section>

        <Section title={t("tags.label")} help={t("tags.help")} testId="panel-labels">
          <div className="flex flex-wrap gap-1">
            {labels.length === 0 && <span className="text-sm text-gray-400">{t("tags.none")}</span>}
            {labels.map((tag) => (
              <span key={tag} className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700" data-testid="panel-label" data-tag={tag}>
                #{tag}
              </span>
            ))}
          </div>
        </Section>

        {fields.length > 0 && (
          <Section title={t("contact.fields")} testId="contact-fields">
            <dl className="space-y-1.5">
              {fields.map(([key, value]) => (
                <div key={key} className="flex gap-2 text-sm">
                  <dt className="w-28 shrink-0 truncate text-gray-500" title={key}>
                    {key}
                  </dt>
                  <dd className="min-w-0 break-words text-gray-900">{fieldText(value)}</dd>
                </div>
              ))}
            </dl>
          </Section>
        )}

        <Section title={t("contact.past")} testId="contact-past">
          {full && past.length <= 1 && <p className="text-sm text-gray-400">{t("contact.pastNone")}</p>}
          {past.length > 1 && (
            <ul className="space-y-1">
              {past.map((p) => {
                const current = p.id === conversationId;
                const number = channelName(p.channel_id);
                return (
                  <li key={p.id}>
                    <Link
                      to={`/inbox/${encodeURIComponent(p.id)}`}
                      aria-current={current ? "page" : undefined}
                      className={`flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm ${current ? "bg-brand-50" : "hover:bg-gray-50"}`}
                      data-testid="contact-past-conversation"
                      data-conversation-id={p.id}
                    >
                      <span className={`shrink-0 self-start rounded-full px-1.5 text-[11px] font-medium ${STATUS_TONE[p.status] ?? STATUS_TONE.closed}`}>{t(`status.${p.status}`)}</span>
                      <span className="min-w-0 flex-1">
                        {number && <span className="block truncate text-gray-900">{number}</span>}
                        <span className="block truncate text-xs text-gray-500">
                          {p.last_message_at ? t("contact.lastActive", { when: formatListTime(p.last_message_at, Date.now(), lang.locale) }) : t("contact.noMessagesYet")}
                        </span>
                      </span>
                      {current && <span className="shrink-0 self-start text-xs text-brand-700">{t("contact.current")}</span>}
                    </Link>
                  </li>
                );
              })}
            </ul>
          )}
        </Section>

        {isAdmin(user?.role) && !erased && (
          <Section title={t("sequences.title")} help={t("sequences.enrollContactHelp")} testId="contact-sequences">
            <Suspense fallback={null}>
              <EnrollInSequence contactId={contact.id} />
            </Suspense>
          </Section>
        )}

        <NotesPanel key={generation} conversationId={conversationId} />
        {isAdmin(user?.role) && (
          <Suspense fallback={null}>
            <ContactPrivacyActions contact={c} label={contactLabel(c) || name} erased={erased} onErased={afterErasure} />
          </Suspense>
        )}
      </div>
      {messaging && <NewConversationDialog contact={c} onClose={() => setMessaging(false)} />}
    </aside>
  );
}
