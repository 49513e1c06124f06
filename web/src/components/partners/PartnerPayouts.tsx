import { useEffect, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { DEFAULT_THRESHOLD_MINOR, type PayoutView } from "../../lib/affiliates";
import type { PartnerView } from "../../lib/partners";
import { usePartner } from "../../partner/PartnerContext";
import { PayoutsTable, Section, VpaForm } from "../affiliates/AffiliateBits";
import { ErrorText } from "../Field";
import { useErrorText } from "../ui";
import { useMoney } from "./PartnerBits";

/**
 * Partner → Statements → Payouts: the UPI ID the partner's earnings are
 * paid to (`PUT /partner/payout`) and the payouts so far
 * (`GET /partner/payouts`); paid monthly once the balance reaches ₹1,000.
 */
export function PartnerPayouts() {
  const { t } = useI18n();
  const { api } = useAuth();
  const { partner, reload } = usePartner();
  const errorText = useErrorText();
  const money = useMoney();
  const [payouts, setPayouts] = useState<PayoutView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.get<{ data: PayoutView[] }>("/partner/payouts").then(
      (r) => live && setPayouts(r.data),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  return (
    <Section title={t("partner.payouts.title")} testId="partner-payouts">
      <p className="text-sm text-gray-600">{t("partner.payouts.intro", { threshold: money(DEFAULT_THRESHOLD_MINOR) })}</p>
      <div className="rounded-xl border border-gray-200 bg-white p-4">
        <VpaForm
          current={partner.payout_vpa}
          testId="partner-vpa"
          save={async (payout_vpa) => {
            await api.put<PartnerView>("/partner/payout", { payout_vpa });
            await reload();
          }}
        />
      </div>
      <ErrorText testId="partner-payouts-error">{error}</ErrorText>
      <PayoutsTable payouts={payouts} testId="partner-payouts-table" />
    </Section>
  );
}
