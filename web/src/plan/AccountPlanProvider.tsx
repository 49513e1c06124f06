// The signed-in account's plan, status and usage (`GET /account/plan`),
// fetched once per session and again when a page asks (after an addition or
// a refusal), shared by the Plan page, the upgrade hints and the status banner.
// Billing's `account:status` frame updates the status at once and reads it again
// (a first payment also changes the plan).

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { useInbox } from "../inbox/InboxProvider";
import type { AccountPlanView } from "../lib/plans";

export interface AccountPlanState {
  /** Null until loaded (or when it could not be read: nothing is blocked then). */
  account: AccountPlanView | null;
  error: unknown;
  loading: boolean;
  /** Reads it again (usage changes with every addition). */
  reload: () => void;
}

const Ctx = createContext<AccountPlanState>({ account: null, error: null, loading: false, reload: () => {} });

export function AccountPlanProvider({ children }: { children: ReactNode }) {
  const { api, user } = useAuth();
  const [account, setAccount] = useState<AccountPlanView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);

  const reload = useCallback(() => {
    const req = ++request.current;
    setLoading(true);
    api
      .get<AccountPlanView>("/account/plan")
      .then((a) => {
        if (req !== request.current) return;
        setAccount(a);
        setError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(e);
      })
      .finally(() => {
        if (req === request.current) setLoading(false);
      });
  }, [api]);

  useEffect(() => {
    if (user) reload();
  }, [user?.id, user?.role, reload]); // eslint-disable-line react-hooks/exhaustive-deps

  const { onAccountStatus } = useInbox();
  useEffect(
    () =>
      onAccountStatus((status) => {
        if (status) setAccount((prev) => (prev && prev.status !== status ? { ...prev, status } : prev));
        reload();
      }),
    [onAccountStatus, reload],
  );

  const value = useMemo(() => ({ account, error, loading, reload }), [account, error, loading, reload]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAccountPlan(): AccountPlanState {
  return useContext(Ctx);
}

/** The account plan, read again when the page opens (usage may have changed since). */
export function useFreshAccountPlan(): AccountPlanState {
  const state = useAccountPlan();
  const { reload } = state;
  useEffect(() => reload(), [reload]);
  return state;
}
