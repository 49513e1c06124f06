import { useCallback, useState } from "react";
import { useNow } from "./useNow";

export interface RetryWait {
  /** Whole seconds left before the form may be sent again; 0 when it may. */
  remaining: number;
  /** The error code that imposed the wait (RATE_LIMITED, ACCOUNT_LOCKED), while waiting. */
  code: string | null;
  start: (seconds: number, code: string) => void;
  clear: () => void;
}

/** A 429's Retry-After as a countdown: the form shows it and stays disabled until it runs out. */
export function useRetryWait(): RetryWait {
  const [wait, setWait] = useState<{ from: number; until: number; code: string } | null>(null);
  const now = useNow(1_000, wait !== null);
  // The clock may still hold a time from before the wait began (it starts ticking after this render).
  const remaining = wait ? Math.max(0, Math.ceil((wait.until - Math.max(now, wait.from)) / 1000)) : 0;
  const start = useCallback((seconds: number, code: string) => {
    const from = Date.now();
    setWait({ from, until: from + seconds * 1000, code });
  }, []);
  const clear = useCallback(() => setWait(null), []);
  return { remaining, code: wait && remaining > 0 ? wait.code : null, start, clear };
}
