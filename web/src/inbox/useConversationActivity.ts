import { useCallback, useEffect, useRef, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ApiError } from "../lib/api";
import { parseActivity, type Activity } from "../lib/activity";
import type { Note, Page } from "../lib/types";
import { useInbox } from "./InboxProvider";

/** Wait this long after a live frame before reading the activity again (frames come in bursts). */
const REFETCH_DELAY_MS = 300;
/** After something changed here (the bot was stopped…), read again now and once more a little later. */
const SETTLE_MS = 1_200;

/**
 * A conversation's private notes and activity (assignments, the bot's
 * hand-off…), read when it opens and again when something happens in it,
 * for the thread to show among the messages. A server without the activity
 * route (404) simply shows none.
 */
export function useConversationActivity(conversationId: string): { notes: Note[]; activity: Activity[]; refresh: () => void } {
  const { api } = useAuth();
  const inbox = useInbox();
  const [notes, setNotes] = useState<Note[]>([]);
  const [activity, setActivity] = useState<Activity[]>([]);
  const supported = useRef(true);
  /** Reads the activity of the conversation on screen (set by the effect below). */
  const reader = useRef<() => void>(() => {});

  useEffect(() => {
    let live = true;
    let timer: number | null = null;
    setNotes([]);
    setActivity([]);
    const path = `/conversations/${encodeURIComponent(conversationId)}`;
    const readActivity = () => {
      if (!supported.current) return;
      api
        .get<unknown>(`${path}/activity`)
        .then((body) => live && setActivity(parseActivity(body)))
        .catch((e: unknown) => {
          if (e instanceof ApiError && (e.status === 404 || e.status === 405)) supported.current = false;
        });
    };
    api
      .get<Page<Note>>(`${path}/notes`)
      .then((p) => {
        if (!live || !Array.isArray(p?.data)) return;
        // Notes added while the list was on its way stay.
        setNotes((prev) => [...p.data, ...prev.filter((n) => !p.data.some((x) => x.id === n.id))]);
      })
      .catch(() => {});
    readActivity();
    reader.current = readActivity;
    const offNote = inbox.onNote((note) => {
      if (note.conversation_id !== conversationId) return;
      setNotes((prev) => (prev.some((n) => n.id === note.id) ? prev : [...prev, note]));
    });
    const offEvent = inbox.onConversationEvent((id) => {
      if (id !== conversationId) return;
      if (timer !== null) window.clearTimeout(timer);
      timer = window.setTimeout(readActivity, REFETCH_DELAY_MS);
    });
    return () => {
      live = false;
      if (timer !== null) window.clearTimeout(timer);
      offNote();
      offEvent();
    };
  }, [api, conversationId, inbox.onNote, inbox.onConversationEvent]);

  const refresh = useCallback(() => {
    reader.current();
    window.setTimeout(() => reader.current(), SETTLE_MS);
  }, []);

  return { notes, activity, refresh };
}
