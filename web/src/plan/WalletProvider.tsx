// The prepaid wallet as last read (`GET /wallet`), for the low-balance banner
// the account's admins see on every page. Read once per session when the
// account's plan has the wallet; the Wallet page hands over every fresh read
// (a top-up, a refresh), so the banner goes as soon as the money arrives.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { isAdmin } from "../lib/nav";
import type { WalletView } from "../lib/wallet";
import { useAccountPlan } from "./AccountPlanProvider";

export interface WalletState {
  /** Null until read, when the plan has no wallet, or for people the banner is not for (agents). */
  wallet: WalletView | null;
  /** A fresher read (the Wallet page's). */
  set: (wallet: WalletView) => void;
}

const Ctx = createContext<WalletState>({ wallet: null, set: () => {} });

export function WalletProvider({ children }: { children: ReactNode }) {
  const { api, user } = useAuth();
  const { account } = useAccountPlan();
  const [wallet, setWallet] = useState<WalletView | null>(null);
  const reads = isAdmin(user?.role) && !!account?.plan.features.includes("wallet");
  const planCode = account?.plan.code;

  useEffect(() => {
    if (!reads) return;
    let live = true;
    api
      .get<WalletView>("/wallet")
      .then((w) => {
        if (live) setWallet(w);
      })
      .catch(() => {
        // Unknown: no banner (the Wallet page reads it again and says why).
      });
    return () => {
      live = false;
    };
  }, [api, reads, planCode]);

  const set = useCallback((w: WalletView) => setWallet(w), []);
  const value = useMemo(() => ({ wallet: reads ? wallet : null, set }), [wallet, reads, set]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useWallet(): WalletState {
  return useContext(Ctx);
}
