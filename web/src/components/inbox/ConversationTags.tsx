import { useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import { parseTags } from "../../lib/inboxStore";
import type { Conversation } from "../../lib/types";
import { HelpTip } from "../ui";

/**
 * The conversation's labels (its own tags, not the contact's): shown, added,
 * removed. A label belongs to this conversation only; contact tags belong to
 * the person and are edited in the contact panel.
 */
export function ConversationTags({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const inbox = useInbox();
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const tags = c.tags ?? [];

  useEffect(() => {
    setAdding(false);
    setDraft("");
    setError(null);
  }, [c.id]);
  useEffect(() => {
    if (adding) input.current?.focus();
  }, [adding]);

  const message = (e: unknown) => describeError(e, t);

  async function add(e?: FormEvent) {
    e?.preventDefault();
    const next = parseTags(draft).filter((tag) => !tags.includes(tag));
    if (next.length === 0) {
      setDraft("");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await inbox.addTags(c.id, next);
      setDraft("");
      input.current?.focus();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(tag: string) {
    setBusy(true);
    setError(null);
    try {
      await inbox.removeTag(c.id, tag);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-9 flex-wrap items-center gap-1 border-b border-gray-200 bg-white px-3 py-1 text-xs sm:px-4" data-testid="conversation-tags">
      <span className="mr-1 inline-flex items-center gap-1 text-gray-500">
        {t("tags.label")}
        <HelpTip text={t("tags.help")} testId="conversation-tags-help" />
      </span>
      {tags.map((tag) => (
        <span key={tag} className="inline-flex items-center gap-0.5 rounded-full bg-brand-50 py-0.5 pl-2 pr-0.5 text-brand-700" data-testid="conversation-tag" data-tag={tag}>
          #{tag}
          <button
            type="button"
            onClick={() => void remove(tag)}
            disabled={busy}
            className="rounded-full px-1 hover:bg-brand-100 disabled:opacity-50"
            aria-label={t("tags.remove", { tag })}
            data-testid="conversation-tag-remove"
          >
            ✕
          </button>
        </span>
      ))}
      {tags.length === 0 && !adding && <span className="text-gray-400">{t("tags.none")}</span>}
      {adding ? (
        <form onSubmit={add} className="inline-flex items-center gap-1">
          <label className="sr-only" htmlFor={`tag-input-${c.id}`}>
            {t("tags.add")}
          </label>
          <input
            id={`tag-input-${c.id}`}
            ref={input}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                setAdding(false);
                setDraft("");
              }
            }}
            onBlur={() => {
              if (!draft.trim() && !busy) setAdding(false);
            }}
            placeholder={t("tags.placeholder")}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            data-testid="conversation-tag-input"
            className="w-36 rounded-full border border-gray-300 px-2 py-0.5 text-xs outline-none focus:border-brand-500"
          />
          <button
            type="submit"
            disabled={busy || !draft.trim()}
            className="rounded-full bg-brand-600 px-2 py-0.5 text-white disabled:bg-gray-300"
            data-testid="conversation-tag-save"
          >
            {t("tags.save")}
          </button>
        </form>
      ) : (
        <button
          type="button"
          onClick={() => setAdding(true)}
          className="rounded-full border border-dashed border-gray-300 px-2 py-0.5 text-gray-600 hover:border-brand-500 hover:text-brand-700"
          data-testid="conversation-tag-add"
        >
          + {t("tags.add")}
        </button>
      )}
      {error && (
        <span role="alert" className="basis-full text-red-700" data-testid="conversation-tag-error">
          {error}
        </span>
      )}
    </div>
  );
}
