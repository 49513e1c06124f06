import { useCallback, useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { Figure, PayoutsTable } from "../components/affiliates/AffiliateBits";
import { ErrorText } from "../components/Field";
import { useMoney } from "../components/partners/PartnerBits";
import { Button, useErrorText } from "../components/ui";
import { describeError, type ErrorOverrides } from "../lib/errors";
import { useI18n } from "../i18n/I18nProvider";
import { DEFAULT_THRESHOLD_MINOR, payoutTotals, type PayoutRun, type PayoutView } from "../lib/affiliates";

/** A run refused because RazorpayX is not set up is about the installation's payouts, not a customer's plan. */
const RUN_OVERRIDES: ErrorOverrides = { BILLING_NOT_CONFIGURED: "admin.payouts.notConfigured" };

/**
 * Console → Payouts (super-admins): every payout to affiliates and partners
 * through RazorpayX, newest first, with the sums paid and on their way;
 * "Run payouts now" pays everyone due at once instead of waiting for the
 * monthly run.
 */
export function AdminPayoutsPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const [payouts, setPayouts] = useState<PayoutView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  const load = useCallback(async () => {
    try {
      setPayouts((await api.get<{ data: PayoutView[] }>("/admin/payouts")).data);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  async function run() {
    setRunning(true);
    setError(null);
    setNotice(null);
    try {
      const result = await api.post<PayoutRun>("/admin/payouts/run");
      setNotice(result.created === 0 ? t("admin.payouts.ranNone", { threshold: money(DEFAULT_THRESHOLD_MINOR) }) : t("admin.payouts.ran", { count: result.created }));
      await load();
    } catch (e) {
      setError(describeError(e, t, RUN_OVERRIDES));
    } finally {
      setRunning(false);
    }
  }

  const totals = payoutTotals(payouts ?? []);
  return (
    <div className="space-y-4" data-testid="admin-payouts">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-3xl text-sm text-gray-600">{t("admin.payouts.intro", { threshold: money(DEFAULT_THRESHOLD_MINOR) })}</p>
        <Button onClick={() => void run()} disabled={running} data-testid="payouts-run">
          {running ? t("admin.payouts.running") : t("admin.payouts.run")}
        </Button>
      </div>
      {notice && (
        <p role="status" data-testid="admin-payouts-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-payouts-error">{error}</ErrorText>
      {payouts && (
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
          <Figure label={t("admin.payouts.paid")} value={money(totals.paid_minor)} testId="payouts-paid" />
          <Figure label={t("admin.payouts.inFlight")} value={money(totals.in_flight_minor)} testId="payouts-in-flight" />
        </div>
      )}
      <PayoutsTable payouts={payouts} withPayee testId="admin-payouts-table" />
    </div>
  );
}
