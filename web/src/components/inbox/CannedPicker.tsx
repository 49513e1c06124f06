import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { attachmentLabel, type CannedReply } from "../../lib/cannedReplies";

/**
 * The canned replies matching the `/query` typed in the composer, above it.
 * The composer keeps the focus and the keys (↑/↓ move, Enter or Tab pick,
 * Escape closes); a click picks too.
 */
export function CannedPicker({
  listId,
  optionId,
  query,
  matches,
  active,
  loading,
  error,
  busy,
  onPick,
  onHover,
}: {
  /** The list's id and its options' (the composer's textarea points at them). */
  listId: string;
  optionId: (replyId: string) => string;
  query: string;
  matches: CannedReply[];
  active: number;
  loading: boolean;
  error: string | null;
  busy: boolean;
  onPick: (reply: CannedReply) => void;
  onHover: (index: number) => void;
}) {
  const { t } = useI18n();
  const list = useRef<HTMLUListElement>(null);
  // Keep the highlighted row in view while moving with the keys.
  useEffect(() => {
    const el = list.current?.children[active] as HTMLElement | undefined;
    el?.scrollIntoView?.({ block: "nearest" });
  }, [active]);

  return (
    <div className="absolute inset-x-0 bottom-full z-30 mb-1 overflow-hidden rounded-lg border border-gray-200 bg-white shadow-lg" data-testid="canned-picker">
      <div className="flex items-center justify-between border-b border-gray-100 px-3 py-1.5 text-xs text-gray-500">
        <span>{t("canned.pickerTitle")}</span>
        <span aria-hidden="true">{t("canned.pickerKeys")}</span>
      </div>
      {matches.length > 0 ? (
        <ul ref={list} id={listId} role="listbox" aria-label={t("canned.pickerTitle")} className="max-h-64 overflow-y-auto py-1">
          {matches.map((r, i) => (
            <li
              key={r.id}
              id={optionId(r.id)}
              role="option"
              aria-selected={i === active}
              data-testid="canned-option"
              data-shortcut={r.shortcut}
              // Keep the focus in the composer.
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => onHover(i)}
              onClick={() => !busy && onPick(r)}
              className={`cursor-pointer px-3 py-1.5 ${i === active ? "bg-brand-50" : "hover:bg-gray-50"}`}
            >
              <div className="flex items-center gap-2 text-sm">
                <span className="font-mono font-medium text-gray-900">/{r.shortcut}</span>
                {r.scope === "personal" && <span className="rounded-full bg-gray-100 px-1.5 text-xs text-gray-600">{t("canned.scope.personal")}</span>}
                {r.attachment && (
                  <span className="truncate text-xs text-gray-500" title={attachmentLabel(r.attachment)}>
                    📎 {attachmentLabel(r.attachment)}
                  </span>
                )}
              </div>
              <p className="truncate text-xs text-gray-600">{r.text}</p>
            </li>
          ))}
        </ul>
      ) : (
        <p className="px-3 py-3 text-sm text-gray-500" data-testid="canned-picker-empty">
          {error ?? (loading ? t("common.loading") : query ? t("canned.pickerNone", { query }) : t("canned.pickerEmpty"))}
        </p>
      )}
      <div className="border-t border-gray-100 px-3 py-1.5 text-xs">
        <Link to="/settings/canned-replies" className="text-brand-700 underline" onMouseDown={(e) => e.preventDefault()} data-testid="canned-manage">
          {t("canned.manage")}
        </Link>
      </div>
    </div>
  );
}
