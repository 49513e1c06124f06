import { useEffect, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import type { SegmentView } from "../../lib/api";

/**
 * The account's saved segments (`GET /contacts/segments`), for a sequence's
 * "enrol the members of a segment" setting and its summary: null while
 * loading, [] when they cannot be read (the setting then keeps its value).
 * Read on each mount, since segments change on their own page.
 */
export function useSegments(enabled = true): SegmentView[] | null {
  const { api } = useAuth();
  const [segments, setSegments] = useState<SegmentView[] | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api
      .get<{ data: SegmentView[] }>("/contacts/segments")
      .then((r) => live && setSegments(Array.isArray(r?.data) ? r.data : []))
      .catch(() => live && setSegments([]));
    return () => {
      live = false;
    };
  }, [api, enabled]);
  return segments;
}
