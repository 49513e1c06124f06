import type { ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import type { BubbleView } from "../../lib/templates";

/** WhatsApp's *bold*, _italic_, ~strike~ and ```mono``` inside one line of text. */
export function formatInline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~|```[^`]+```)/g;
  let last = 0;
  let i = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    const token = m[0];
    const inner = token.startsWith("```") ? token.slice(3, -3) : token.slice(1, -1);
    const key = `f${i++}`;
    if (token.startsWith("*")) out.push(<strong key={key}>{inner}</strong>);
    else if (token.startsWith("_")) out.push(<em key={key}>{inner}</em>);
    else if (token.startsWith("~")) out.push(<s key={key}>{inner}</s>);
    else out.push(<code key={key} className="font-mono text-[13px]">{inner}</code>);
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const BUTTON_ICON: Record<string, string> = {
  QUICK_REPLY: "M9 14L4 9l5-5M4 9h10.5a5.5 5.5 0 010 11H11",
  URL: "M14 4h6v6M20 4l-9 9M19 14v5a1 1 0 01-1 1H5a1 1 0 01-1-1V6a1 1 0 011-1h5",
  PHONE_NUMBER: "M5 4h4l2 5-2.5 1.5a11 11 0 005 5L15 13l5 2v4a1 1 0 01-1 1A16 16 0 014 5a1 1 0 011-1z",
};

/** A template as the customer sees it: a WhatsApp bubble on the chat background. */
export function TemplateBubble({ view, testId = "template-bubble" }: { view: BubbleView; testId?: string }) {
  const { t } = useI18n();
  return (
    <div className="rounded-lg bg-chat p-3" data-testid={testId}>
      <div className="max-w-[20rem]">
        <div className="rounded-lg rounded-tl-none bg-white px-2.5 py-2 text-[14px] leading-snug shadow-sm [overflow-wrap:anywhere]">
          {view.header?.kind === "text" && view.header.text && (
            <p className="mb-1 font-semibold" data-testid="bubble-header">
              {view.header.text}
            </p>
          )}
          {view.header?.kind === "media" && (
            <div className="mb-1.5 flex h-28 items-center justify-center rounded-md bg-gray-200 text-xs font-medium text-gray-500" data-testid="bubble-media">
              {t(`templates.header.${view.header.format as "IMAGE" | "VIDEO" | "DOCUMENT"}`)}
            </div>
          )}
          {view.body ? (
            <p className="whitespace-pre-wrap break-words" data-testid="bubble-body">
              {view.body.split("\n").map((line, i) => (
                <span key={i}>
                  {i > 0 && <br />}
                  {formatInline(line)}
                </span>
              ))}
            </p>
          ) : (
            <p className="italic text-gray-400">{t("templates.previewEmpty")}</p>
          )}
          {view.footer && (
            <p className="mt-1 text-[12px] text-gray-500" data-testid="bubble-footer">
              {view.footer}
            </p>
          )}
          <p className="mt-0.5 text-right text-[11px] text-gray-400">12:00</p>
        </div>
        {view.buttons.map((b, i) => (
          <div
            key={i}
            className="mt-0.5 flex items-center justify-center gap-1.5 rounded-lg bg-white px-2 py-1.5 text-[14px] font-medium text-sky-600 shadow-sm"
            data-testid="bubble-button"
          >
            <svg viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
              <path d={BUTTON_ICON[b.type] ?? BUTTON_ICON.QUICK_REPLY} />
            </svg>
            {b.text || "…"}
          </div>
        ))}
      </div>
    </div>
  );
}
