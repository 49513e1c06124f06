import { createContext, useContext } from "react";
import type { PartnerView } from "../lib/partners";

/** The signed-in partner (`GET /partner`) for the pages of the partner area, and a way to read it again. */
export interface PartnerContextValue {
  partner: PartnerView;
  reload: () => Promise<void>;
}

export const PartnerContext = createContext<PartnerContextValue | null>(null);

/** The partner whose area this is (inside PartnerLayout only). */
export function usePartner(): PartnerContextValue {
  const ctx = useContext(PartnerContext);
  if (!ctx) throw new Error("usePartner outside PartnerLayout");
  return ctx;
}
