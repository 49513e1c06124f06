import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { canCaption, formatBytes, mediaKindOf } from "../../lib/media";

const TYPING_EVERY_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
/** What the file picker offers: the types WhatsApp accepts (the server has the final word). */
const ACCEPT = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "audio/aac",
  "audio/amr",
  "audio/mpeg",
  "audio/mp4",
  "audio/ogg",
  "video/mp4",
  "video/3gpp",
  "text/plain",
  "application/pdf",
  ".doc",
  ".docx",
  ".xls",
  ".xlsx",
  ".ppt",
  ".pptx",
].join(",");

interface Props {
  onSend: (body: string) => void;
  /** Sends a file with an optional caption; resolves to the server's refusal, if any. */
  onSendFile: (file: File, caption: string) => Promise<string | null>;
  onTyping: (typing: boolean) => void;
}

export function Composer({ onSend, onSendFile, onTyping }: Props) {
  const { t, lang } = useI18n();
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [attachError, setAttachError] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
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

  // A local preview of a picked image, released when it changes or goes.
  useEffect(() => {
    if (!file || !["image", "sticker"].includes(mediaKindOf(file.type))) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const pick = (files: FileList | null) => {
    const f = files?.[0];
    if (picker.current) picker.current.value = "";
    if (!f) return;
    setFile(f);
    setAttachError(null);
    input.current?.focus();
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (file) {
      const sending = file;
      stopTyping();
      setFile(null);
      setText("");
      setAttachError(null);
      void onSendFile(sending, body).then((refused) => {
        if (!refused) return;
        setAttachError(refused);
        // Keep the words typed as a caption.
        if (body) setText((now) => now || body);
      });
      input.current?.focus();
      return;
    }
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

  const kind = file ? mediaKindOf(file.type) : null;
  return (
    <form onSubmit={submit} className="border-t border-gray-200 bg-gray-50 p-2" data-testid="composer">
      {attachError && (
        <p role="alert" className="mb-2 flex items-start justify-between gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="attach-error">
          <span>{attachError}</span>
          <button type="button" onClick={() => setAttachError(null)} className="shrink-0 text-red-700" aria-label={t("common.close")}>
            ✕
          </button>
        </p>
      )}
      {file && (
        <div className="mb-2 flex items-center gap-3 rounded-lg border border-gray-200 bg-white p-2" data-testid="attachment-staged">
          {preview ? (
            <img src={preview} alt="" className="h-12 w-12 shrink-0 rounded object-cover" />
          ) : (
            <span className="flex h-12 w-12 shrink-0 items-center justify-center rounded bg-gray-100 text-2xl" aria-hidden="true">
              📄
            </span>
          )}
          <div className="min-w-0 flex-1">
            <div className="truncate text-sm font-medium text-gray-900" data-testid="attachment-name">
              {file.name}
            </div>
            <div className="text-xs text-gray-500">
              {[file.type || t("composer.unknownType"), formatBytes(file.size, lang.locale)].join(" · ")}
              {kind && !canCaption(kind) && text.trim() ? ` · ${t("composer.noCaption")}` : ""}
            </div>
          </div>
          <button
            type="button"
            onClick={() => setFile(null)}
            className="rounded p-1 text-gray-500 hover:bg-gray-100"
            aria-label={t("composer.removeFile")}
            data-testid="attachment-remove"
          >
            ✕
          </button>
        </div>
      )}
      <div className="flex items-end gap-2">
        <input
          ref={picker}
          type="file"
          accept={ACCEPT}
          className="hidden"
          onChange={(e) => pick(e.target.files)}
          data-testid="composer-file"
          tabIndex={-1}
          aria-hidden="true"
        />
        <button
          type="button"
          onClick={() => picker.current?.click()}
          aria-label={t("composer.attach")}
          title={t("composer.attach")}
          data-testid="composer-attach"
          className="flex h-[42px] w-[42px] shrink-0 items-center justify-center rounded-full text-gray-600 hover:bg-gray-200"
        >
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
            <path d="M21.44 11.05l-9.19 9.19a6 6 0 01-8.49-8.49l9.19-9.19a4 4 0 015.66 5.66l-9.2 9.19a2 2 0 01-2.83-2.83l8.49-8.48" />
          </svg>
        </button>
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
          placeholder={file ? t("composer.captionPlaceholder") : t("composer.placeholder")}
          title={t("composer.hint")}
          data-testid="composer-input"
          className="max-h-40 min-h-[42px] flex-1 resize-none rounded-2xl border border-gray-300 bg-white px-4 py-2.5 text-[15px] outline-none field-sizing-content focus:border-brand-500"
        />
        <button
          type="submit"
          disabled={!text.trim() && !file}
          data-testid="composer-send"
          aria-label={t("composer.send")}
          className="flex h-[42px] w-[42px] shrink-0 items-center justify-center rounded-full bg-brand-600 text-white hover:bg-brand-700 disabled:bg-gray-300"
        >
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="currentColor" aria-hidden="true">
            <path d="M3.4 20.4l17.45-7.48a1 1 0 000-1.84L3.4 3.6a.99.99 0 00-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z" />
          </svg>
        </button>
      </div>
    </form>
  );
}
