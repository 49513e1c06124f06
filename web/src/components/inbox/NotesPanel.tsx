import { useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { describeError } from "../../lib/errors";
import { formatClock } from "../../lib/format";
import type { Note, Page } from "../../lib/types";
import { Button, ErrorText } from "../Field";

/** Internal notes on a conversation: for the team, never sent to the customer. */
export function NotesPanel({ conversationId }: { conversationId: string }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const inbox = useInbox();
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const add = (note: Note) =>
    setNotes((prev) => (prev === null ? prev : prev.some((n) => n.id === note.id) ? prev : [...prev, note]));

  useEffect(() => {
    let live = true;
    setNotes(null);
    api
      .get<Page<Note>>(`/conversations/${encodeURIComponent(conversationId)}/notes`)
      .then((p) => live && setNotes(Array.isArray(p?.data) ? p.data : []))
      .catch(() => live && setNotes([]));
    const off = inbox.onNote((note) => {
      if (note.conversation_id === conversationId) add(note);
    });
    return () => {
      live = false;
      off();
    };
  }, [api, conversationId, inbox.onNote]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    setError(null);
    try {
      add(await api.post<Note>(`/conversations/${encodeURIComponent(conversationId)}/notes`, { body }));
      setText("");
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  const day = new Intl.DateTimeFormat(lang.locale, { day: "numeric", month: "short" });
  return (
    <section className="border-t border-gray-200 pt-4" data-testid="notes">
      <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{t("notes.title")}</h3>
      {notes === null && <p className="text-sm text-gray-400">{t("common.loading")}</p>}
      {notes?.length === 0 && <p className="text-sm text-gray-400">{t("notes.empty")}</p>}
      <ul className="space-y-2">
        {notes?.map((n) => (
          <li key={n.id} className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-gray-800" data-testid="note">
            <p className="whitespace-pre-wrap break-words">{n.body}</p>
            <p className="mt-1 text-xs text-gray-500">
              {(n.author_id && inbox.users[n.author_id]?.name) || t("notes.someone")} · {day.format(new Date(n.created_at))}{" "}
              {formatClock(n.created_at, lang.locale)}
            </p>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="mt-2 space-y-2">
        <label className="sr-only" htmlFor={`note-${conversationId}`}>
          {t("notes.placeholder")}
        </label>
        <textarea
          id={`note-${conversationId}`}
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("notes.placeholder")}
          data-testid="note-input"
          className="block w-full resize-none rounded-lg border border-gray-300 px-3 py-2 text-sm outline-none focus:border-brand-500"
        />
        <ErrorText>{error}</ErrorText>
        <Button type="submit" variant="secondary" disabled={busy || !text.trim()} data-testid="note-add">
          {t("notes.add")}
        </Button>
      </form>
    </section>
  );
}
