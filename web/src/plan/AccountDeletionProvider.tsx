// Whether the signed-in account is due to be deleted (`GET /account/deletion`,
// admins only), read once per session and set by the Data & privacy page when
// it schedules or cancels the deletion; the banner on every page reads it.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { canOpen } from "../lib/nav";
import type { AccountDeletion } from "../lib/privacy";

export interface AccountDeletionState {
  /** Null until read, or for people who may not read it (agents, operators in their console). */
  deletion: AccountDeletion | null;
  /** What the server answered to a change (schedule or cancel). */
  set: (deletion: AccountDeletion) => void;
}

const Ctx = createContext<AccountDeletionState>({ deletion: null, set: () => {} });

/** Those who open the Data & privacy page read it: the account's admins (agents get 403; operators are in their console). */
const PRIVACY_PATH = "/settings/privacy";

export function AccountDeletionProvider({ children }: { children: ReactNode }) {
  const { api, user } = useAuth();
  const [deletion, setDeletion] = useState<AccountDeletion | null>(null);
  const reads = canOpen(user?.role, PRIVACY_PATH);

  useEffect(() => {
    if (!reads) return;
    let live = true;
    api
      .get<AccountDeletion>("/account/deletion")
      .then((d) => {
        if (live) setDeletion(d);
      })
      .catch(() => {
        // Unknown: no banner (the Data & privacy page reads it again and says why).
      });
    return () => {
      live = false;
    };
  }, [api, reads]);

  const set = useCallback((d: AccountDeletion) => setDeletion(d), []);
  const value = useMemo(() => ({ deletion: reads ? deletion : null, set }), [deletion, reads, set]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAccountDeletion(): AccountDeletionState {
  return useContext(Ctx);
}
