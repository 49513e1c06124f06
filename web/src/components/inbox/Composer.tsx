import { lazy, Suspense, useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useCannedReplies } from "../../inbox/useCannedReplies";
import {
  attachmentLabel,
  matchCannedReplies,
  moveActive,
  replaceToken,
  slashTokenAt,
  type CannedAttachment,
  type CannedReply,
  type RenderedReply,
  type SlashToken,
} from "../../lib/cannedReplies";
import { composerLimitKind, measure } from "../../lib/composerLimits";
import { loadDraft, saveDraft } from "../../lib/drafts";
import { insertAt } from "../../lib/emoji";
import { describeError } from "../../lib/errors";
import { canCaption, formatBytes, mediaKindOf } from "../../lib/media";
import { applySuggestion, chipLabel, type Suggestion } from "../../lib/suggestions";
import type { Message } from "../../lib/types";
import { Sparkle } from "../Sparkle";
import { CharCount } from "./CharCount";
import { EmojiPicker } from "./EmojiPicker";
import { ReplyQuote } from "./ReplyQuote";

// The builder is a form of its own: loaded when first opened.
const InteractiveBuilder = lazy(() => import("./InteractiveBuilder").then((m) => ({ default: m.InteractiveBuilder })));

// The canned reply list loads when "/" is first typed.
const CannedPicker = lazy(() => import("./CannedPicker").then((m) => ({ default: m.CannedPicker })));
/** The picker's list (the composer points at it and its options while it is open). */
const CANNED_LIST_ID = "canned-reply-list";
const cannedOptionId = (id: string) => `canned-option-${id}`;

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

/** Words put in the composer from outside (a failed message to edit); `n` tells two puts of the same words apart. */
export interface ComposerPrefill {
  conversationId: string;
  text: string;
  n: number;
}

interface Props {
  /** The conversation written in (canned replies are filled in for it). */
  conversationId: string;
  /**
   * The customer's 24-hour window is open: replies can be written. When it
   * is closed only private notes can (templates are sent from the picker).
   */
  windowOpen?: boolean;
  onSend: (body: string, replyTo: string | null) => void;
  /** Sends a file with an optional caption; resolves to the server's refusal, if any. */
  onSendFile: (file: File, caption: string, replyTo: string | null) => Promise<string | null>;
  onTyping: (typing: boolean) => void;
  /** Sends a canned reply's attachment (by link) with the words typed; resolves to the server's refusal, if any. */
  onSendCanned: (attachment: CannedAttachment, text: string) => Promise<string | null>;
  /** Sends an interactive message (buttons or a list); rejects with the text to show. */
  onSendInteractive?: (interactive: Record<string, unknown>, replyTo: string | null) => Promise<void>;
  /** Adds a private note; rejects with the text to show. */
  onAddNote?: (body: string) => Promise<void>;
  /** Opens the template picker (a template can be sent at any time). */
  onOpenTemplates?: () => void;
  /** The message being answered (quoted above the input), and how to drop it. */
  replyTo?: Message | null;
  onCancelReply?: () => void;
  /** Words to put in the composer (editing a failed message), and the call saying they were taken. */
  prefill?: ComposerPrefill | null;
  onPrefillTaken?: () => void;
  /** Smart replies to start from (picking one fills the composer, never sends); none: no row. */
  suggestions?: Suggestion[];
  /**
   * Opens scheduling for the words typed (the clock button); `scheduled` is
   * called once they were scheduled, and empties the composer.
   */
  onSchedule?: (text: string, scheduled: () => void) => void;
}

export function Composer({
  conversationId,
  windowOpen = true,
  onSend,
  onSendFile,
  onTyping,
  onSendCanned,
  onSendInteractive,
  onAddNote,
  onOpenTemplates,
  replyTo = null,
  onCancelReply,
  prefill = null,
  onPrefillTaken,
  suggestions = [],
  onSchedule,
}: Props) {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const userId = user?.id ?? null;
  // What was typed here before (another visit, a reload) and not sent.
  const [initial] = useState(() => loadDraft(userId, conversationId));
  const [text, setText] = useState(initial?.text ?? "");
  /** Writing a private note (for the team) rather than a reply (to the customer). */
  const [note, setNote] = useState(!windowOpen || initial?.note === true);
  const [noteBusy, setNoteBusy] = useState(false);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [building, setBuilding] = useState(false);
  /** The attachment of the canned reply picked, sent with the text on Send. */
  const [canned, setCanned] = useState<CannedAttachment | null>(null);
  /** The `/query` under the caret (the canned reply picker is open for it). */
  const [token, setToken] = useState<SlashToken | null>(null);
  /** Escape closed the picker for the token starting here (until the caret leaves it). */
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [activeIndex, setActiveIndex] = useState(0);
  const [rendering, setRendering] = useState(false);
  const textRef = useRef(text);
  textRef.current = text;
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [attachError, setAttachError] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const lastTypingSent = useRef(0);
  const idleTimer = useRef<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const replying = note ? null : replyTo;

  // Every change is remembered at once: leaving or reloading never loses it.
  useEffect(() => {
    saveDraft(userId, conversationId, { text, note });
  }, [userId, conversationId, text, note]);

  // A failed message's words come back to be edited (added after anything typed meanwhile).
  const prefillSeen = useRef(0);
  useEffect(() => {
    if (!prefill || prefill.conversationId !== conversationId || prefill.n === prefillSeen.current) return;
    prefillSeen.current = prefill.n;
    onPrefillTaken?.();
    if (windowOpen) setNote(false);
    setText((now) => (now.trim() ? `${now.replace(/\s+$/, "")}\n\n${prefill.text}` : prefill.text));
    requestAnimationFrame(() => {
      const el = input.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    });
    // Only a new prefill matters, not a new callback.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [prefill, conversationId, windowOpen]);

  // Answering a message: back to the reply and into the input.
  useEffect(() => {
    if (!replyTo) return;
    if (windowOpen) setNote(false);
    input.current?.focus();
  }, [replyTo, windowOpen]);

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

  const pickerOpen = token !== null && token.start !== dismissed;
  const cannedList = useCannedReplies(pickerOpen);
  const matches = pickerOpen && cannedList.replies ? matchCannedReplies(cannedList.replies, token.query) : [];
  const active = matches.length ? Math.min(activeIndex, matches.length - 1) : -1;

  /** Reads the slash token under the caret after a change or a caret move. */
  const trackToken = (value: string, caret: number | null) => {
    const next = caret === null ? null : slashTokenAt(value, caret);
    setToken((prev) => (prev?.start === next?.start && prev?.end === next?.end && prev?.query === next?.query ? prev : next));
    if (next?.query !== token?.query) setActiveIndex(0);
    if (dismissed !== null && next?.start !== dismissed) setDismissed(null);
  };

  const onChange = (value: string, caret: number | null = null) => {
    setText(value);
    trackToken(value, caret);
    // A note is not typed to the customer: no typing indicator.
    if (!value.trim() || note) {
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
    // One attachment at a time: a picked file replaces a canned reply's.
    setCanned(null);
    setAttachError(null);
    input.current?.focus();
  };

  /** Puts a canned reply (filled in for this conversation) where its `/query` was; nothing is sent. */
  const chooseReply = async (reply: CannedReply) => {
    const at = token;
    if (!at || rendering) return;
    setRendering(true);
    setAttachError(null);
    let rendered: RenderedReply;
    try {
      rendered = await api.post<RenderedReply>(`/canned-replies/${encodeURIComponent(reply.id)}/render`, { conversation_id: conversationId });
    } catch (e) {
      // Not filled in: the reply as written, and why.
      rendered = { text: reply.text, attachment: reply.attachment };
      setAttachError(t("canned.renderFailed", { reason: describeError(e, t) }));
    } finally {
      setRendering(false);
    }
    const current = textRef.current;
    // The text may have changed while the reply was filled in: put it at the token if it is still there, else at the end.
    const original = text.slice(at.start, at.end);
    const place = current.slice(at.start, at.end) === original ? at : { start: current.length, end: current.length };
    const { text: next, caret } = replaceToken(current, place, rendered.text);
    onChange(next);
    setToken(null);
    if (rendered.attachment && !note) {
      setCanned(rendered.attachment);
      setFile(null);
    }
    requestAnimationFrame(() => {
      const el = input.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  };

  /** Puts a suggestion's text in the composer (after what was typed); nothing is sent. */
  const pickSuggestion = (s: Suggestion) => {
    const next = applySuggestion(textRef.current, s.text);
    onChange(next);
    setToken(null);
    requestAnimationFrame(() => {
      const el = input.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(next.length, next.length);
    });
  };

  const kind = file ? mediaKindOf(file.type) : null;
  const limitKind = composerLimitKind({ note, fileKind: kind });
  const size = measure(text.trim(), limitKind);
  const tooLong = size.over > 0;

  /** Sent: the words and the quoted message go. */
  const sentReply = () => {
    if (replying) onCancelReply?.();
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    // Over WhatsApp's limit: refused here, the words stay (the count says by how much).
    if (tooLong) return;
    if (note) {
      if (!body || !onAddNote || noteBusy) return;
      setNoteBusy(true);
      setAttachError(null);
      onAddNote(body)
        .then(() => {
          // Only what was added goes; anything typed meanwhile stays.
          setText((now) => (now.trim() === body ? "" : now));
        })
        .catch((err: unknown) => setAttachError(err instanceof Error ? err.message : t("error.generic")))
        .finally(() => setNoteBusy(false));
      input.current?.focus();
      return;
    }
    const replyWamid = replying?.wamid ?? null;
    if (canned && !file) {
      const sending = canned;
      stopTyping();
      setCanned(null);
      setText("");
      setToken(null);
      setAttachError(null);
      void onSendCanned(sending, body).then((refused) => {
        if (!refused) return;
        setAttachError(refused);
        // Keep what was to be sent, to try again.
        setCanned((now) => now ?? sending);
        if (body) setText((now) => now || body);
      });
      input.current?.focus();
      return;
    }
    if (file) {
      const sending = file;
      stopTyping();
      setFile(null);
      setText("");
      setAttachError(null);
      sentReply();
      void onSendFile(sending, body, replyWamid).then((refused) => {
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
    onSend(body, replyWamid);
    sentReply();
    setText("");
    setToken(null);
    input.current?.focus();
  };

  /** Puts an emoji where the caret is (replacing a selection). */
  const addEmoji = (emoji: string) => {
    const el = input.current;
    const { text: next, caret } = insertAt(textRef.current, el?.selectionStart ?? null, el?.selectionEnd ?? null, emoji);
    onChange(next);
    requestAnimationFrame(() => {
      const target = input.current;
      if (!target) return;
      target.focus();
      target.setSelectionRange(caret, caret);
    });
  };

  const switchTo = (toNote: boolean) => {
    if (toNote === note || (!toNote && !windowOpen)) return;
    setNote(toNote);
    setAttachError(null);
    if (toNote) {
      stopTyping();
      setFile(null);
      setCanned(null);
    }
    input.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (pickerOpen && !e.nativeEvent.isComposing) {
      if (e.key === "Escape") {
        e.preventDefault();
        setDismissed(token.start);
        return;
      }
      if (e.key === "Enter" && cannedList.replies === null && !cannedList.error) {
        // The replies are still on their way: Enter would send the bare "/query".
        e.preventDefault();
        return;
      }
      if (matches.length > 0) {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          setActiveIndex(moveActive(active, e.key === "ArrowDown" ? 1 : -1, matches.length));
          return;
        }
        if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
          e.preventDefault();
          const chosen = matches[active];
          if (chosen) void chooseReply(chosen);
          return;
        }
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const n = new Intl.NumberFormat(lang.locale);
  const canSend = !tooLong && !noteBusy && (note ? !!text.trim() : !!text.trim() || !!file || !!canned);
  return (
    <>
      <form
        onSubmit={submit}
        className={`border-t p-2 ${note ? "border-amber-200 bg-amber-50" : "border-gray-200 bg-gray-50"}`}
        data-testid={windowOpen ? "composer" : "note-composer"}
        data-mode={note ? "note" : "reply"}
      >
        <div className="mb-1.5 flex items-center gap-1" role="tablist" aria-label={t("composer.mode")}>
          <button
            type="button"
            role="tab"
            aria-selected={!note}
            disabled={!windowOpen}
            onClick={() => switchTo(false)}
            title={windowOpen ? undefined : t("composer.replyClosed")}
            data-testid="composer-mode-reply"
            className={`rounded-full px-3 py-0.5 text-xs font-medium ${!note ? "bg-brand-600 text-white" : "text-gray-600 hover:bg-gray-200 disabled:text-gray-400 disabled:hover:bg-transparent"}`}
          >
            {t("composer.modeReply")}
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={note}
            onClick={() => switchTo(true)}
            data-testid="composer-mode-note"
            className={`rounded-full px-3 py-0.5 text-xs font-medium ${note ? "bg-amber-500 text-white" : "text-gray-600 hover:bg-gray-200"}`}
          >
            🔒 {t("composer.modeNote")}
          </button>
          {note && <span className="ml-1 truncate text-xs text-amber-800">{t("composer.noteHint")}</span>}
          <span className="ml-auto flex items-center gap-2">
            {(text.trim() || tooLong) && <CharCount value={text} kind={limitKind} testId="composer-count" />}
          </span>
        </div>
        {tooLong && (
          <p role="alert" className="mb-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="composer-too-long">
            {t(limitKind === "caption" ? "composer.tooLongCaption" : limitKind === "note" ? "composer.tooLongNote" : "composer.tooLong", {
              count: n.format(size.count),
              limit: n.format(size.limit),
              over: n.format(size.over),
            })}
          </p>
        )}
        {replying && (
          <div className="mb-2">
            <ReplyQuote
              message={replying}
              who={replying.direction === "outbound" ? t("reply.you") : t("reply.customer")}
              onCancel={onCancelReply}
              testId="composer-reply"
            />
          </div>
        )}
        {attachError && (
          <p role="alert" className="mb-2 flex items-start justify-between gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="attach-error">
            <span>{attachError}</span>
            <button type="button" onClick={() => setAttachError(null)} className="shrink-0 text-red-700" aria-label={t("common.close")}>
              ✕
            </button>
          </p>
        )}
        {canned && !file && (
          <div className="mb-2 flex items-center gap-3 rounded-lg border border-gray-200 bg-white p-2" data-testid="canned-attachment" data-type={canned.type}>
            <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded bg-gray-100 text-xl" aria-hidden="true">
              {canned.type === "image" ? "🖼️" : canned.type === "video" ? "🎬" : canned.type === "audio" ? "🎵" : "📄"}
            </span>
            <div className="min-w-0 flex-1">
              <div className="truncate text-sm font-medium text-gray-900" data-testid="canned-attachment-name">
                {attachmentLabel(canned)}
              </div>
              <div className="text-xs text-gray-500">
                {t(`canned.type.${canned.type}`)}
                {canned.type === "audio" && text.trim() ? ` · ${t("composer.noCaption")}` : ""}
              </div>
            </div>
            <button
              type="button"
              onClick={() => setCanned(null)}
              className="rounded p-1 text-gray-500 hover:bg-gray-100"
              aria-label={t("composer.removeFile")}
              data-testid="canned-attachment-remove"
            >
              ✕
            </button>
          </div>
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
        {!note && suggestions.length > 0 && (
          <div className="mb-2 flex flex-wrap items-center gap-1.5" data-testid="suggestion-row" aria-label={t("suggestions.label")} role="group">
            <Sparkle className="h-4 w-4 text-brand-600" />
            {suggestions.map((s) => (
              <button
                key={s.text}
                type="button"
                onClick={() => pickSuggestion(s)}
                title={`${s.text}\n— ${t(s.source === "canned" ? "suggestions.source.canned" : s.source === "ai" ? "suggestions.source.ai" : "suggestions.source.history")}`}
                className="max-w-full truncate rounded-full border border-brand-200 bg-white px-3 py-1 text-left text-sm text-brand-800 hover:bg-brand-50"
                data-testid="suggestion-chip"
                data-source={s.source}
              >
                {chipLabel(s.text)}
              </button>
            ))}
          </div>
        )}
        <div className="relative flex items-end gap-2">
          {pickerOpen && (
            <Suspense fallback={null}>
              <CannedPicker
                listId={CANNED_LIST_ID}
                optionId={cannedOptionId}
                query={token.query}
                matches={matches}
                active={active}
                loading={cannedList.replies === null}
                error={cannedList.error}
                busy={rendering}
                onPick={(r) => void chooseReply(r)}
                onHover={setActiveIndex}
              />
            </Suspense>
          )}
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
          <div className="relative flex shrink-0 items-center">
            {emojiOpen && <EmojiPicker onPick={addEmoji} onClose={() => setEmojiOpen(false)} />}
            <ToolButton label={t("composer.emoji")} testId="composer-emoji" onClick={() => setEmojiOpen((v) => !v)} pressed={emojiOpen}>
              <circle cx="12" cy="12" r="9" />
              <path d="M8.5 14.5a4.5 4.5 0 007 0" />
              <path d="M9 9.5h.01M15 9.5h.01" strokeWidth="3" />
            </ToolButton>
            {!note && (
              <ToolButton label={t("composer.attach")} testId="composer-attach" onClick={() => picker.current?.click()}>
                <path d="M21.44 11.05l-9.19 9.19a6 6 0 01-8.49-8.49l9.19-9.19a4 4 0 015.66 5.66l-9.2 9.19a2 2 0 01-2.83-2.83l8.49-8.48" />
              </ToolButton>
            )}
            {!note && onOpenTemplates && (
              <ToolButton label={t("composer.template")} testId="composer-template" onClick={onOpenTemplates} className="hidden sm:flex">
                <rect x="4" y="3" width="16" height="18" rx="2" />
                <path d="M8 8h8M8 12h8M8 16h5" />
              </ToolButton>
            )}
            {!note && onSchedule && (
              <ToolButton label={t("composer.schedule")} testId="composer-schedule" onClick={() => onSchedule(text, () => setText(""))}>
                <circle cx="12" cy="12" r="9" />
                <path d="M12 7v5l3 2" />
              </ToolButton>
            )}
            {!note && onSendInteractive && (
              <ToolButton label={t("composer.interactive")} testId="composer-interactive" onClick={() => setBuilding(true)} className="hidden sm:flex">
                <rect x="3" y="4" width="18" height="6" rx="2" />
                <rect x="3" y="14" width="18" height="6" rx="2" />
              </ToolButton>
            )}
          </div>
          <label className="sr-only" htmlFor="composer-input">
            {t("composer.placeholder")}
          </label>
          <textarea
            id="composer-input"
            ref={input}
            rows={1}
            value={text}
            onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
            onSelect={(e) => trackToken(e.currentTarget.value, e.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
            onBlur={() => {
              stopTyping();
              setToken(null);
            }}
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={pickerOpen}
            aria-controls={pickerOpen ? CANNED_LIST_ID : undefined}
            aria-activedescendant={pickerOpen && matches[active] ? cannedOptionId(matches[active].id) : undefined}
            placeholder={note ? t("composer.notePlaceholder") : file || canned ? t("composer.captionPlaceholder") : t("composer.placeholder")}
            aria-invalid={tooLong}
            title={t("composer.hint")}
            data-testid="composer-input"
            className={`max-h-40 min-h-[42px] min-w-0 flex-1 resize-none rounded-2xl border bg-white px-4 py-2.5 text-[15px] outline-none field-sizing-content ${
              tooLong ? "border-red-400 focus:border-red-500" : note ? "border-amber-300 focus:border-amber-500" : "border-gray-300 focus:border-brand-500"
            }`}
          />
          <button
            type="submit"
            disabled={!canSend}
            data-testid="composer-send"
            aria-label={note ? t("composer.addNote") : t("composer.send")}
            title={tooLong ? t("composer.tooLongShort") : undefined}
            className={`flex h-[42px] w-[42px] shrink-0 items-center justify-center rounded-full text-white disabled:bg-gray-300 ${
              note ? "bg-amber-500 hover:bg-amber-600" : "bg-brand-600 hover:bg-brand-700"
            }`}
          >
            <svg viewBox="0 0 24 24" className="h-5 w-5" fill="currentColor" aria-hidden="true">
              <path d="M3.4 20.4l17.45-7.48a1 1 0 000-1.84L3.4 3.6a.99.99 0 00-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z" />
            </svg>
          </button>
        </div>
        {!note && (onOpenTemplates || onSendInteractive) && (
          // On phones the extra tools sit under the input, labelled.
          <div className="mt-1 flex gap-1 sm:hidden">
            {onOpenTemplates && (
              <button type="button" onClick={onOpenTemplates} className="rounded-full border border-gray-300 bg-white px-3 py-0.5 text-xs text-gray-700" data-testid="composer-template-phone">
                {t("composer.template")}
              </button>
            )}
            {onSendInteractive && (
              <button type="button" onClick={() => setBuilding(true)} className="rounded-full border border-gray-300 bg-white px-3 py-0.5 text-xs text-gray-700">
                {t("composer.interactive")}
              </button>
            )}
          </div>
        )}
      </form>
      {/* Outside the composer's form: the builder is a form of its own. */}
      {building && onSendInteractive && (
        <Suspense fallback={null}>
          <InteractiveBuilder
            body={text.trim()}
            onClose={() => setBuilding(false)}
            onSend={async (interactive) => {
              const body = text.trim();
              await onSendInteractive(interactive, replying?.wamid ?? null);
              sentReply();
              // The words became the message's body.
              setText((now) => (now.trim() === body ? "" : now));
            }}
          />
        </Suspense>
      )}
    </>
  );
}

/** A round icon button in the composer's tool row. */
function ToolButton({
  label,
  testId,
  onClick,
  pressed,
  className = "flex",
  children,
}: {
  label: string;
  testId: string;
  onClick: () => void;
  pressed?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-label={label}
      title={label}
      aria-pressed={pressed}
      data-testid={testId}
      className={`${className} h-[42px] w-9 shrink-0 items-center justify-center rounded-full text-gray-600 hover:bg-gray-200`}
    >
      <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        {children}
      </svg>
    </button>
  );
}
