import { useCallback } from "react";
import { useAuth } from "../auth/AuthProvider";
import { LedgerView } from "../components/partners/LedgerView";
import { PartnerPayouts } from "../components/partners/PartnerPayouts";
import { useTermsText } from "../components/partners/PartnerBits";
import type { PartnerLedger } from "../lib/partners";
import { usePartner } from "../partner/PartnerContext";

/** Partner → Statements: the partner's revenue ledger, a month at a time, with its terms above and its payouts below. */
export function PartnerStatementsPage() {
  const { api } = useAuth();
  const { partner } = usePartner();
  const termsText = useTermsText();
  const load = useCallback((month: string | null) => api.get<PartnerLedger>("/partner/ledger", { month }), [api]);
  return (
    <div className="space-y-3" data-testid="partner-statements">
      <p className="text-sm text-gray-600" data-testid="partner-terms">
        {termsText(partner)}
      </p>
      <LedgerView load={load} testId="ledger" />
      <div className="pt-4">
        <PartnerPayouts />
      </div>
    </div>
  );
}
