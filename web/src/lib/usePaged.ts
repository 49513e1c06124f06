import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, type ApiClient, type Query } from "./api";
import type { Page } from "./types";

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: ApiError | null;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  prepend: (item: T) => void;
}

/** A cursor-paginated list endpoint: first page on change of `query`, more on demand. */
export function usePaged<T>(api: ApiClient, path: string, query: Query): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  const request = useRef(0);
  const key = JSON.stringify(query);

  const fetchPage = useCallback(
    async (from: string | null) => {
      const req = ++request.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<Page<T>>(path, { ...(JSON.parse(key) as Query), cursor: from });
        if (req !== request.current) return;
        setItems((prev) => (from ? [...prev, ...page.data] : page.data));
        setCursor(page.next_cursor);
      } catch (e) {
        if (req === request.current) setError(e instanceof ApiError ? e : new ApiError(0, "UNKNOWN", String(e)));
      } finally {
        if (req === request.current) setLoading(false);
      }
    },
    [api, path, key],
  );

  useEffect(() => {
    void fetchPage(null);
  }, [fetchPage, generation]);

  return {
    items,
    loading,
    error,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor) void fetchPage(cursor);
    },
    reload: () => setGeneration((g) => g + 1),
    prepend: (item: T) => setItems((prev) => [item, ...prev]),
  };
}
