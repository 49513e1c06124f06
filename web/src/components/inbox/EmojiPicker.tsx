import { useEffect, useRef, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { EMOJI, EMOJI_CATEGORIES, searchEmoji, type EmojiCategory } from "../../lib/emoji";
import { useDismiss } from "../../lib/useDismiss";

const CATEGORY_ICON: Record<EmojiCategory, string> = {
  smileys: "😀",
  gestures: "👍",
  hearts: "❤️",
  animals: "🐶",
  food: "☕",
  travel: "✈️",
  objects: "📦",
  symbols: "✅",
};

/**
 * A small emoji picker: a search box (by English name) and the common emoji
 * by category. Picking keeps it open (several can be added); Escape or a
 * click outside closes it.
 */
export function EmojiPicker({
  onPick,
  onClose,
  testId = "emoji-picker",
  placement = "absolute bottom-full left-0 mb-1",
}: {
  onPick: (emoji: string) => void;
  onClose: () => void;
  testId?: string;
  /** Where it sits (classes): above its anchor by default. */
  placement?: string;
}) {
  const { t } = useI18n();
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<EmojiCategory>("smileys");
  const panel = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => search.current?.focus(), []);
  useDismiss(panel, true, onClose);

  const found = query.trim() ? searchEmoji(query) : null;
  const shown = found ?? EMOJI[category];
  return (
    <div
      ref={panel}
      className={`${placement} z-30 w-72 max-w-[calc(100vw-1rem)] rounded-lg border border-gray-200 bg-white shadow-lg`}
      data-testid={testId}
      role="dialog"
      aria-label={t("emoji.title")}
    >
      <div className="border-b border-gray-100 p-2">
        <input
          ref={search}
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && found?.[0]) {
              e.preventDefault();
              onPick(found[0].char);
            }
          }}
          placeholder={t("emoji.search")}
          aria-label={t("emoji.search")}
          data-testid="emoji-search"
          className="block w-full rounded-md border border-gray-300 px-2 py-1 text-sm outline-none focus:border-brand-500"
        />
      </div>
      {!found && (
        <div role="tablist" aria-label={t("emoji.categories")} className="flex justify-between border-b border-gray-100 px-1">
          {EMOJI_CATEGORIES.map((c) => (
            <button
              key={c}
              type="button"
              role="tab"
              aria-selected={c === category}
              title={t(`emoji.cat.${c}`)}
              aria-label={t(`emoji.cat.${c}`)}
              onClick={() => setCategory(c)}
              className={`rounded px-1.5 py-1 text-lg ${c === category ? "bg-brand-50" : "opacity-70 hover:opacity-100"}`}
            >
              {CATEGORY_ICON[c]}
            </button>
          ))}
        </div>
      )}
      <div className="h-48 overflow-y-auto p-1">
        {shown.length === 0 ? (
          <p className="p-3 text-center text-sm text-gray-500">{t("emoji.none")}</p>
        ) : (
          <div className="grid grid-cols-8 gap-0.5">
            {shown.map((e) => (
              <button
                key={e.char}
                type="button"
                title={e.names[0]}
                aria-label={e.names[0]}
                onClick={() => onPick(e.char)}
                data-testid="emoji-option"
                data-emoji={e.char}
                className="rounded p-0.5 text-xl leading-8 hover:bg-gray-100"
              >
                {e.char}
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
