import { useRef, useState, type FormEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { describeError } from "../../lib/errors";
import { parseTags } from "../../lib/inboxStore";
import type { MessageKey } from "../../i18n/translate";

/**
 * Chips with a remove button each and an "Add" field: for a contact's tags
 * in the contact panel. `words` name the kind (contact tags vs conversation
 * labels) so each place says which it edits.
 */
export function TagEditor({
  tags,
  onAdd,
  onRemove,
  words,
  testId,
  readOnly = false,
}: {
  tags: readonly string[];
  onAdd: (tags: string[]) => Promise<void>;
  onRemove: (tag: string) => Promise<void>;
  words: { add: MessageKey; remove: MessageKey; none: MessageKey; placeholder: MessageKey };
  testId: string;
  readOnly?: boolean;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState("");
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(describeError(e, t));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    const next = parseTags(draft).filter((tag) => !tags.includes(tag));
    if (next.length === 0) {
      setDraft("");
      return;
    }
    if (await run(() => onAdd(next))) {
      setDraft("");
      input.current?.focus();
    }
  }

  return (
    <div data-testid={testId}>
      <div className="flex flex-wrap items-center gap-1">
        {tags.length === 0 && !adding && <span className="text-sm text-gray-400">{t(words.none)}</span>}
        {tags.map((tag) => (
          <span key={tag} className="inline-flex items-center gap-0.5 rounded-full bg-sky-50 py-0.5 pl-2 pr-0.5 text-xs text-sky-800" data-testid={`${testId}-tag`} data-tag={tag}>
            {tag}
            {!readOnly && (
              <button
                type="button"
                onClick={() => void run(() => onRemove(tag))}
                disabled={busy}
                className="rounded-full px-1 hover:bg-sky-100 disabled:opacity-50"
                aria-label={t(words.remove, { tag })}
                data-testid={`${testId}-remove`}
              >
                ✕
              </button>
            )}
          </span>
        ))}
        {!readOnly && !adding && (
          <button
            type="button"
            onClick={() => {
              setAdding(true);
              window.setTimeout(() => input.current?.focus(), 0);
            }}
            className="rounded-full border border-dashed border-gray-300 px-2 py-0.5 text-xs text-gray-600 hover:border-brand-500 hover:text-brand-700"
            data-testid={`${testId}-add`}
          >
            + {t(words.add)}
          </button>
        )}
      </div>
      {adding && (
        <form onSubmit={add} className="mt-1.5 flex items-center gap-1">
          <label className="sr-only" htmlFor={`${testId}-input`}>
            {t(words.add)}
          </label>
          <input
            id={`${testId}-input`}
            ref={input}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                setAdding(false);
                setDraft("");
              }
            }}
            placeholder={t(words.placeholder)}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            data-testid={`${testId}-input`}
            className="min-w-0 flex-1 rounded-full border border-gray-300 px-2 py-0.5 text-xs outline-none focus:border-brand-500"
          />
          <button type="submit" disabled={busy || !draft.trim()} className="rounded-full bg-brand-600 px-2 py-0.5 text-xs text-white disabled:bg-gray-300" data-testid={`${testId}-save`}>
            {t("tags.save")}
          </button>
          <button
            type="button"
            onClick={() => {
              setAdding(false);
              setDraft("");
            }}
            className="rounded-full px-1.5 py-0.5 text-xs text-gray-500 hover:bg-gray-100"
            aria-label={t("common.cancel")}
          >
            ✕
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="mt-1 text-xs text-red-700" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
