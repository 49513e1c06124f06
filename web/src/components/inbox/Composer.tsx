import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";

const TYPING_EVERY_MS = 3_000;
const TYPING_IDLE_MS = 4_000;

interface Props {
  onSend: (body: string) => void;
  onTyping: (typing: boolean) => void;
}

export function Composer({ onSend, onTyping }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const lastTypingSent = useRef(0);
  const idleTimer = useRef<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  const stopTyping = () => {
    if (idleTimer.current !== null) window.clearTimeout(idleTimer.current);
    idleTimer.current = null;
    if (lastTypingSent.current) {
      lastTypingSent.current = 0;
      onTyping(false);
    }
  };

  // Tell the others we stopped when the composer goes away (conversation switched).
  const stopRef = useRef(stopTyping);
  stopRef.current = stopTyping;
  useEffect(() => () => stopRef.current(), []);

  const onChange = (value: string) => {
    setText(value);
    if (!value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - lastTypingSent.current > TYPING_EVERY_MS) {
      lastTypingSent.current = now;
      onTyping(true);
    }
    if (idleTimer.current !== null) window.clearTimeout(idleTimer.current);
    idleTimer.current = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body) return;
    stopTyping();
    onSend(body);
    setText("");
    input.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form onSubmit={submit} className="flex items-end gap-2 border-t border-gray-200 bg-gray-50 p-2" data-testid="composer">
      <label className="sr-only" htmlFor="composer-input">
        {t("composer.placeholder")}
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={1}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={stopTyping}
        placeholder={t("composer.placeholder")}
        title={t("composer.hint")}
        data-testid="composer-input"
        className="max-h-40 min-h-[42px] flex-1 resize-none rounded-2xl border border-gray-300 bg-white px-4 py-2.5 text-[15px] outline-none field-sizing-content focus:border-brand-500"
      />
      <button
        type="submit"
        disabled={!text.trim()}
        data-testid="composer-send"
        aria-label={t("composer.send")}
        className="flex h-[42px] w-[42px] shrink-0 items-center justify-center rounded-full bg-brand-600 text-white hover:bg-brand-700 disabled:bg-gray-300"
      >
        <svg viewBox="0 0 24 24" className="h-5 w-5" fill="currentColor" aria-hidden="true">
          <path d="M3.4 20.4l17.45-7.48a1 1 0 000-1.84L3.4 3.6a.99.99 0 00-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z" />
        </svg>
      </button>
    </form>
  );
}
