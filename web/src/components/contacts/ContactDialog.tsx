import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { customFieldsPatch, fieldRows, type FieldRow } from "../../lib/contacts";
import { parseList } from "../../lib/flow";
import type { Contact } from "../../lib/types";
import { ErrorText } from "../Field";
import { useFormError } from "../../lib/useFormError";
import { NewConversationDialog } from "../inbox/NewConversationDialog";
import { Button, Checkbox, HelpTip, inputClass, Modal, TextInput, useErrorText } from "../ui";

/** The contact form's fields, as the server names them. */
const CONTACT_FIELDS = ["phone", "name", "tags"] as const;

/** The contact with the tags the server answered (`{tags}`), or `fallback` when it said nothing. */
function withTags(contact: Contact, res: { tags?: unknown } | undefined, fallback: string[]): Contact {
  const tags = res && Array.isArray(res.tags) ? res.tags.filter((x): x is string => typeof x === "string") : fallback;
  return { ...contact, tags };
}

/** Add a contact, or edit one: name, opt-in, custom fields; tags are added and removed at once. */
export function ContactDialog({ contact, onClose, onSaved }: { contact: Contact | null; onClose: () => void; onSaved: (c: Contact) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const editing = contact !== null;
  const [current, setCurrent] = useState<Contact | null>(contact);
  const [phone, setPhone] = useState(contact?.phone ?? "");
  const [name, setName] = useState(contact?.name ?? "");
  const [optedIn, setOptedIn] = useState(contact?.opted_in ?? true);
  const [tagsText, setTagsText] = useState("");
  const [rows, setRows] = useState<FieldRow[]>(() => fieldRows(contact?.custom_fields));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const problem = useFormError(CONTACT_FIELDS);
  const [messaging, setMessaging] = useState(false);

  async function addTags() {
    const tags = parseList(tagsText);
    if (!current || tags.length === 0) return;
    setError(null);
    try {
      const res = await api.post<{ tags?: string[] }>(`/contacts/${current.id}/tags`, { tags });
      const next = withTags(current, res, [...new Set([...current.tags, ...tags])]);
      setCurrent(next);
      onSaved(next);
      setTagsText("");
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function removeTag(tag: string) {
    if (!current) return;
    setError(null);
    try {
      const res = await api.delete<{ tags?: string[] } | undefined>(`/contacts/${current.id}/tags/${encodeURIComponent(tag)}`);
      const next = withTags(current, res, current.tags.filter((x) => x !== tag));
      setCurrent(next);
      onSaved(next);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    problem.clear();
    try {
      if (current) {
        const body: Record<string, unknown> = {};
        if (name.trim() !== (current.name ?? "")) body.name = name.trim();
        if (optedIn !== (current.opted_in ?? true)) body.opted_in = optedIn;
        const fields = customFieldsPatch(current.custom_fields, rows);
        if (Object.keys(fields).length) body.custom_fields = fields;
        const saved = Object.keys(body).length ? await api.patch<Contact>(`/contacts/${current.id}`, body) : current;
        onSaved(saved);
      } else {
        const custom_fields = Object.fromEntries(rows.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value]));
        const saved = await api.post<Contact>("/contacts", { phone: phone.trim(), name: name.trim() || undefined, tags: parseList(tagsText), custom_fields, opted_in: optedIn });
        onSaved(saved);
      }
      onClose();
    } catch (err) {
      problem.fail(err);
    } finally {
      setBusy(false);
    }
  }

  if (messaging && current) return <NewConversationDialog contact={current} onClose={() => setMessaging(false)} />;

  return (
    <Modal title={editing ? t("contacts.editTitle", { name: contact.name || contact.phone || "" }) : t("contacts.add")} onClose={onClose} testId="contact-dialog">
      <form onSubmit={submit} className="space-y-3" noValidate>
        <TextInput
          label={t("contact.phone")}
          value={phone}
          disabled={editing}
          onChange={(e) => setPhone(e.target.value)}
          placeholder="+14155550123"
          hint={editing ? undefined : t("contacts.phoneHint")}
          error={problem.field("phone")}
          data-testid="contact-phone"
          autoComplete="off"
        />
        <TextInput
          label={t("contact.name")}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={problem.field("name")}
          data-testid="contact-name"
          autoComplete="off"
        />
        <Checkbox label={t("contacts.optedIn")} checked={optedIn} onChange={(e) => setOptedIn(e.target.checked)} data-testid="contact-opted-in" />
        <div>
          <div className="mb-1 flex items-center gap-1.5 text-xs font-medium text-gray-700">
            {t("contact.tags")}
            <HelpTip text={t("contacts.tagsHelp")} />
          </div>
          {current && (
            <div className="mb-2 flex flex-wrap gap-1" data-testid="contact-tags">
              {current.tags.length === 0 && <span className="text-xs text-gray-500">{t("contact.noTags")}</span>}
              {current.tags.map((tag) => (
                <span key={tag} className="inline-flex items-center gap-1 rounded-full bg-brand-50 py-0.5 pr-1 pl-2 text-xs text-brand-700" data-testid="contact-tag">
                  {tag}
                  <button type="button" onClick={() => void removeTag(tag)} aria-label={t("contacts.removeTag", { tag })} className="rounded-full px-1 hover:bg-brand-100" data-testid="contact-tag-remove">
                    ✕
                  </button>
                </span>
              ))}
            </div>
          )}
          <div className="flex gap-2">
            <input
              value={tagsText}
              onChange={(e) => setTagsText(e.target.value)}
              onKeyDown={(e) => {
                if (current && e.key === "Enter") {
                  e.preventDefault();
                  void addTags();
                }
              }}
              placeholder={t("contacts.tagsPlaceholder")}
              aria-label={t("contact.tags")}
              className={inputClass}
              data-testid="contact-tags-input"
            />
            {current && (
              <Button variant="secondary" onClick={() => void addTags()} disabled={!parseList(tagsText).length} data-testid="contact-tag-add">
                {t("contacts.addTag")}
              </Button>
            )}
          </div>
        </div>
        <fieldset className="space-y-1.5">
          <legend className="mb-1 text-xs font-medium text-gray-700">{t("contacts.customFields")}</legend>
          {rows.map((r, i) => (
            <div key={i} className="flex gap-1" data-testid="custom-field-row">
              <input
                aria-label={t("contacts.fieldName")}
                placeholder={t("contacts.fieldName")}
                value={r.key}
                className={`${inputClass} font-mono`}
                onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
              />
              <input
                aria-label={t("contacts.fieldValue")}
                placeholder={t("contacts.fieldValue")}
                value={r.value}
                className={inputClass}
                onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
              />
              <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={t("flow.editor.remove")} className="shrink-0 rounded-md px-1.5 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700">
                ✕
              </button>
            </div>
          ))}
          <button type="button" className="text-xs font-medium text-brand-700 hover:underline" onClick={() => setRows([...rows, { key: "", value: "" }])} data-testid="custom-field-add">
            + {t("contacts.addField")}
          </button>
        </fieldset>
        <ErrorText testId="contact-error">{error ?? problem.form}</ErrorText>
        <div className="flex flex-wrap justify-end gap-2">
          {current && (
            <Button variant="secondary" className="mr-auto" onClick={() => setMessaging(true)} data-testid="contact-dialog-message">
              {t("contact.message")}
            </Button>
          )}
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy || (!editing && !phone.trim())} data-testid="contact-save">
            {busy ? t("common.saving") : editing ? t("common.save") : t("contacts.add")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
