import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { useI18n } from "../i18n/I18nProvider";
import type { CannedReply } from "../lib/cannedReplies";
import { describeError } from "../lib/errors";
import type { Page } from "../lib/types";

/** The last list read, per person: shown at once while it is read again. */
let cache: { userId: string; replies: CannedReply[] } | null = null;

/**
 * The canned replies the signed-in person may use (shared and their own),
 * read again each time `active` turns on (the picker opens), so a reply
 * just added elsewhere is there.
 */
export function useCannedReplies(active: boolean): { replies: CannedReply[] | null; error: string | null } {
  const { api, user } = useAuth();
  const { t } = useI18n();
  const userId = user?.id ?? "";
  const [replies, setReplies] = useState<CannedReply[] | null>(cache?.userId === userId ? cache.replies : null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!active || !userId) return;
    let live = true;
    setError(null);
    api
      .get<Page<CannedReply>>("/canned-replies")
      .then((p) => {
        const list = Array.isArray(p?.data) ? p.data : [];
        cache = { userId, replies: list };
        if (live) setReplies(list);
      })
      .catch((e: unknown) => {
        if (live) setError(describeError(e, t));
      });
    return () => {
      live = false;
    };
    // t changes with the language only; the list does not depend on it.
  }, [active, api, userId]);
  return { replies, error };
}
