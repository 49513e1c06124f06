import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, Checkbox, ConfirmButton, EmptyRow, Modal, SelectInput, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import {
  attachmentLabel,
  CANNED_ATTACHMENT_TYPES,
  CANNED_VARIABLES,
  canManageReply,
  isHttpLink,
  matchCannedReplies,
  normalizeShortcut,
  shortcutProblem,
  type CannedAttachment,
  type CannedAttachmentType,
  type CannedReply,
  type CannedScope,
} from "../lib/cannedReplies";
import { isAdmin as isAdminRole } from "../lib/nav";
import type { Page } from "../lib/types";
import { useFormError, type FieldFixes } from "../lib/useFormError";

/** The reply fields the server names in its refusals. */
const REPLY_FIELDS = ["shortcut", "text", "attachment.link", "attachment.filename"] as const;
/** What each field accepts, in the reader's language (instead of the server's English). */
const REPLY_FIXES: FieldFixes = {
  shortcut: "canned.shortcutProblem.chars",
  text: "canned.fix.text",
  "attachment.link": "canned.linkInvalid",
  "attachment.filename": "canned.fix.filename",
};

function ReplyForm({ reply, admin, onDone, onCancel }: { reply: CannedReply | null; admin: boolean; onDone: (r: CannedReply) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const refusal = useFormError(REPLY_FIELDS, undefined, REPLY_FIXES);
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? "");
  const [text, setText] = useState(reply?.text ?? "");
  const [scope, setScope] = useState<CannedScope>(reply?.scope ?? (admin ? "shared" : "personal"));
  const [attach, setAttach] = useState(reply?.attachment != null);
  const [type, setType] = useState<CannedAttachmentType>(reply?.attachment?.type ?? "image");
  const [link, setLink] = useState(reply?.attachment?.link ?? "");
  const [filename, setFilename] = useState(reply?.attachment?.filename ?? "");
  const [busy, setBusy] = useState(false);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const normalized = normalizeShortcut(shortcut);
  const problem = shortcutProblem(normalized);
  const linkOk = !attach || isHttpLink(link);
  const ready = problem === null && text.trim() !== "" && linkOk;
  // What is wrong with the shortcut: as typed (checked here), else the server's refusal (taken, invalid).
  const shortcutError = shortcut && problem ? t(`canned.shortcutProblem.${problem}`) : refusal.field("shortcut");
  const textError = refusal.field("text");

  function insertVariable(v: string) {
    const el = textArea.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + v + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + v.length, start + v.length);
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    refusal.clear();
    const attachment: CannedAttachment | null = attach
      ? { type, link: link.trim(), ...(filename.trim() ? { filename: filename.trim() } : {}) }
      : null;
    try {
      if (reply) {
        const body: Record<string, unknown> = {};
        if (normalized !== reply.shortcut) body.shortcut = normalized;
        if (text !== reply.text) body.text = text;
        if (JSON.stringify(attachment) !== JSON.stringify(reply.attachment)) body.attachment = attachment;
        onDone(Object.keys(body).length ? await api.patch<CannedReply>(`/canned-replies/${encodeURIComponent(reply.id)}`, body) : reply);
      } else {
        onDone(await api.post<CannedReply>("/canned-replies", { shortcut: normalized, text, scope, ...(attachment ? { attachment } : {}) }));
      }
    } catch (err) {
      refusal.fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={refusal.formRef} onSubmit={submit} className="space-y-4" data-testid="canned-form" noValidate>
      <div>
        <label htmlFor="canned-shortcut" className="mb-1 block text-xs font-medium text-gray-700">
          {t("canned.shortcut")}
        </label>
        <div
          className={`flex items-center rounded-md border bg-white shadow-sm focus-within:ring-2 ${
            shortcutError ? "border-red-400 focus-within:border-red-500 focus-within:ring-red-100" : "border-gray-300 focus-within:border-brand-500 focus-within:ring-brand-100"
          }`}
        >
          <span className="pl-2.5 font-mono text-sm text-gray-500" aria-hidden="true">
            /
          </span>
          <input
            id="canned-shortcut"
            value={shortcut}
            onChange={(e) => setShortcut(e.target.value)}
            aria-invalid={shortcutError ? true : undefined}
            aria-describedby="canned-shortcut-msg"
            maxLength={33}
            autoComplete="off"
            spellCheck={false}
            placeholder="thanks"
            data-testid="canned-shortcut"
            className="block w-full min-w-0 rounded-md bg-transparent px-1 py-1.5 font-mono text-sm outline-none"
          />
        </div>
        {shortcutError ? (
          <p id="canned-shortcut-msg" className="mt-1 text-xs text-red-700" data-testid="field-error">
            {shortcutError}
          </p>
        ) : (
          <p id="canned-shortcut-msg" className="mt-1 text-xs text-gray-500">
            {t("canned.shortcutHint")}
          </p>
        )}
      </div>
      <div>
        <label htmlFor="canned-text" className="mb-1 block text-xs font-medium text-gray-700">
          {t("canned.text")}
        </label>
        <textarea
          id="canned-text"
          ref={textArea}
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={4096}
          aria-invalid={textError ? true : undefined}
          aria-describedby={textError ? "canned-text-msg" : undefined}
          data-testid="canned-text"
          className={`block w-full resize-y rounded-md border bg-white px-2.5 py-1.5 text-sm shadow-sm outline-none focus:ring-2 ${
            textError ? "border-red-400 focus:border-red-500 focus:ring-red-100" : "border-gray-300 focus:border-brand-500 focus:ring-brand-100"
          }`}
        />
        {textError && (
          <p id="canned-text-msg" className="mt-1 text-xs text-red-700" data-testid="field-error">
            {textError}
          </p>
        )}
        <div className="mt-1 flex flex-wrap items-center gap-1 text-xs text-gray-500">
          <span>{t("canned.variables")}</span>
          {CANNED_VARIABLES.map((v) => (
            <button key={v} type="button" onClick={() => insertVariable(v)} className="rounded bg-gray-100 px-1.5 py-0.5 font-mono text-gray-700 hover:bg-gray-200" data-testid="canned-variable">
              {v}
            </button>
          ))}
        </div>
        <p className="mt-1 text-xs text-gray-500">{t("canned.variablesHint")}</p>
      </div>
      {admin && !reply && (
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-gray-700">{t("canned.scope")}</legend>
          <div className="flex flex-wrap gap-4">
            {(["shared", "personal"] as const).map((s) => (
              <label key={s} className="flex cursor-pointer items-start gap-2 text-sm">
                <input type="radio" name="canned-scope" checked={scope === s} onChange={() => setScope(s)} className="mt-0.5 h-4 w-4 accent-brand-600" data-testid={`canned-scope-${s}`} />
                <span>
                  <span className="block font-medium">{t(`canned.scope.${s}`)}</span>
                  <span className="block text-xs text-gray-500">{t(`canned.scopeHelp.${s}`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div className="space-y-2">
        <Checkbox label={t("canned.attach")} checked={attach} onChange={(e) => setAttach(e.target.checked)} data-testid="canned-attach" />
        {attach && (
          <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
            <SelectInput
              label={t("canned.attachmentType")}
              value={type}
              onChange={(e) => setType(e.target.value as CannedAttachmentType)}
              options={CANNED_ATTACHMENT_TYPES.map((k) => ({ value: k, label: t(`canned.type.${k}`) }))}
              data-testid="canned-attachment-type"
            />
            <TextInput
              label={t("canned.link")}
              type="url"
              value={link}
              onChange={(e) => setLink(e.target.value)}
              placeholder="https://example.com/price-list.pdf"
              hint={link && !linkOk ? t("canned.linkInvalid") : t("canned.linkHint")}
              error={refusal.field("attachment.link")}
              data-testid="canned-attachment-link"
            />
            {type === "document" && (
              <TextInput
                label={`${t("canned.filename")} (${t("common.optional")})`}
                value={filename}
                onChange={(e) => setFilename(e.target.value)}
                placeholder="price-list.pdf"
                error={refusal.field("attachment.filename")}
                className="sm:col-span-2"
                data-testid="canned-attachment-filename"
              />
            )}
          </div>
        )}
      </div>
      <ErrorText testId="canned-error">{refusal.form}</ErrorText>
      <div className="flex gap-2">
        <Button type="submit" disabled={!ready || busy} data-testid="canned-submit">
          {busy ? t("common.saving") : reply ? t("common.save") : t("canned.create")}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}

export function CannedRepliesPage() {
  const { t } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const admin = isAdminRole(user?.role);
  const [replies, setReplies] = useState<CannedReply[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [editing, setEditing] = useState<CannedReply | "new" | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const page = await api.get<Page<CannedReply>>("/canned-replies");
      setReplies(page.data);
    } catch (e) {
      setError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  function saved(r: CannedReply) {
    setReplies((list) => [r, ...(list ?? []).filter((x) => x.id !== r.id)].sort((a, b) => (a.shortcut < b.shortcut ? -1 : a.shortcut > b.shortcut ? 1 : 0)));
    setEditing(null);
  }

  async function remove(r: CannedReply) {
    setError(null);
    try {
      await api.delete(`/canned-replies/${encodeURIComponent(r.id)}`);
      setReplies((list) => (list ?? []).filter((x) => x.id !== r.id));
    } catch (e) {
      setError(errorText(e));
    }
  }

  const shown = replies ? (search.trim() ? matchCannedReplies(replies, search, Number.POSITIVE_INFINITY) : replies) : [];
  return (
    <div className="space-y-4" data-testid="settings-canned-replies">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.cannedReplies")}</h2>
          <p className="text-sm text-gray-600">{admin ? t("canned.introAdmin") : t("canned.introAgent")}</p>
        </div>
        <Button onClick={() => setEditing("new")} data-testid="canned-add">
          {t("canned.add")}
        </Button>
      </div>
      <input
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder={t("canned.search")}
        aria-label={t("canned.search")}
        data-testid="canned-search"
        className="block w-full max-w-sm rounded-md border border-gray-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-brand-500"
      />
      <ErrorText testId="canned-list-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="canned-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("canned.shortcut")}</th>
              <th className="px-4 py-2 font-medium">{t("canned.text")}</th>
              <th className="px-4 py-2 font-medium">{t("canned.scope")}</th>
              <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const mine = canManageReply(r, user?.id ?? null, admin);
              return (
                <tr key={r.id} className="border-t border-gray-100 align-top" data-testid="canned-row" data-shortcut={r.shortcut} data-scope={r.scope}>
                  <td className="whitespace-nowrap px-4 py-2 font-mono">/{r.shortcut}</td>
                  <td className="px-4 py-2">
                    <p className="line-clamp-3 whitespace-pre-wrap break-words text-gray-800">{r.text}</p>
                    {r.attachment && (
                      <span className="mt-1 inline-flex max-w-full items-center gap-1 rounded-full bg-gray-100 px-2 py-0.5 text-xs text-gray-700" data-testid="canned-row-attachment">
                        📎 {t(`canned.type.${r.attachment.type}`)} · <span className="truncate">{attachmentLabel(r.attachment)}</span>
                      </span>
                    )}
                  </td>
                  <td className="px-4 py-2">
                    <Badge tone={r.scope === "shared" ? "blue" : "gray"}>{t(`canned.scope.${r.scope}`)}</Badge>
                  </td>
                  <td className="whitespace-nowrap px-4 py-2 text-right">
                    {mine && (
                      <span className="inline-flex items-center gap-1">
                        <Button variant="secondary" className="px-2 py-1" onClick={() => setEditing(r)} data-testid="canned-edit">
                          {t("common.edit")}
                        </Button>
                        <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={() => remove(r)} testId="canned-delete" />
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
            {replies !== null && shown.length === 0 && <EmptyRow colSpan={4}>{search.trim() ? t("canned.noMatches") : t("canned.empty")}</EmptyRow>}
          </tbody>
        </table>
        {replies === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {editing !== null && (
        <Modal title={editing === "new" ? t("canned.addTitle") : t("canned.editTitle")} onClose={() => setEditing(null)} testId="canned-dialog">
          <ReplyForm reply={editing === "new" ? null : editing} admin={admin} onDone={saved} onCancel={() => setEditing(null)} />
        </Modal>
      )}
    </div>
  );
}
