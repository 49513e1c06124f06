import { useEffect, useRef, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { ledgerAddsUp, monthChoices, monthLabel, monthOf, type PartnerLedger } from "../../lib/partners";
import { ErrorText } from "../Field";
import { Badge, EmptyRow, fieldClass, useErrorText } from "../ui";
import { useDay, useMoney } from "./PartnerBits";

const cell = "px-3 py-2";
const num = `${cell} whitespace-nowrap text-right tabular-nums`;

function Figure({ label, value, testId, strong = false }: { label: string; value: string; testId: string; strong?: boolean }) {
  return (
    <div className={`rounded-xl border p-3 ${strong ? "border-brand-100 bg-brand-50" : "border-gray-200 bg-white"}`} data-testid={testId}>
      <p className="text-xs font-medium uppercase text-gray-500">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </p>
    </div>
  );
}

/**
 * A partner's statement for one month: the month picker (months with
 * entries, this month and the one shown), the balance to date, the month's
 * totals and every split of a client's payment (refunds as negative
 * reversals). The partner's own page and the operator's dialog both use it
 * (`operator`: the partner's share is named as the partner's, not "yours").
 */
export function LedgerView({ load, testId = "ledger", operator = false }: { load: (month: string | null) => Promise<PartnerLedger>; testId?: string; operator?: boolean }) {
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const money = useMoney();
  const day = useDay();
  const [month, setMonth] = useState<string | null>(null);
  const [ledger, setLedger] = useState<PartnerLedger | null>(null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const req = ++request.current;
    loadRef
      .current(month)
      .then((l) => {
        if (req !== request.current) return;
        setLedger(l);
        setError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [month]);

  const shown = ledger?.month ?? month ?? monthOf(Date.now());
  const choices = monthChoices(ledger?.months ?? [], shown, monthOf(Date.now()));
  const addsUp = ledger ? ledgerAddsUp(ledger) : true;
  const partnerLabel = operator ? t("admin.partners.ledgerPartner") : t("partner.ledger.partner");

  return (
    <div className="space-y-4" data-testid={testId} data-month={ledger?.month} data-state={ledger ? "ready" : error ? "error" : "loading"}>
      <div className="flex flex-wrap items-end gap-3">
        <label className="block">
          <span className="mb-1 block text-xs font-medium text-gray-700">{t("partner.ledger.month")}</span>
          <select className={fieldClass} value={shown} onChange={(e) => setMonth(e.target.value)} data-testid={`${testId}-month`}>
            {choices.map((m) => (
              <option key={m} value={m}>
                {monthLabel(m, lang.locale)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorText testId={`${testId}-error`}>{error}</ErrorText>
      {ledger && (
        <>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
            <Figure label={t("partner.ledger.balance")} value={money(ledger.balance_minor)} testId={`${testId}-balance`} strong />
            <Figure label={t("partner.ledger.gross")} value={money(ledger.totals.gross_minor)} testId={`${testId}-gross`} />
            <Figure label={partnerLabel} value={money(ledger.totals.partner_minor)} testId={`${testId}-partner`} />
            <Figure label={t("partner.ledger.platform")} value={money(ledger.totals.platform_minor)} testId={`${testId}-platform`} />
          </div>
          {!addsUp && (
            <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid={`${testId}-mismatch`}>
              {t("partner.ledger.mismatch")}
            </p>
          )}
          <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
            <table className="w-full text-left text-sm" data-testid={`${testId}-entries`}>
              <thead className="bg-gray-50 text-xs uppercase text-gray-500">
                <tr>
                  <th className={`${cell} font-medium`}>{t("partner.ledger.col.date")}</th>
                  <th className={`${cell} font-medium`}>{t("partner.ledger.col.client")}</th>
                  <th className={`${cell} font-medium`}>{t("partner.ledger.col.kind")}</th>
                  <th className={`hidden ${cell} font-medium md:table-cell`}>{t("partner.ledger.col.payment")}</th>
                  <th className={`${num} font-medium`}>{t("partner.ledger.col.gross")}</th>
                  <th className={`${num} font-medium`}>{partnerLabel}</th>
                  <th className={`${num} font-medium`}>{t("partner.ledger.col.platform")}</th>
                </tr>
              </thead>
              <tbody>
                {ledger.entries.map((e) => (
                  <tr key={e.id} className="border-t border-gray-100" data-testid={`${testId}-entry`} data-kind={e.kind} data-payment-id={e.payment_id}>
                    <td className={`${cell} whitespace-nowrap`}>{day(e.at)}</td>
                    <td className={cell}>{e.client_name}</td>
                    <td className={cell}>
                      <Badge tone={e.kind === "reversal" ? "red" : "green"}>{e.kind === "reversal" ? t("partner.ledger.reversal") : t("partner.ledger.share")}</Badge>
                    </td>
                    <td className={`hidden ${cell} font-mono text-xs text-gray-600 md:table-cell`}>{e.refund_id ?? e.payment_id}</td>
                    <td className={num}>{money(e.gross_minor)}</td>
                    <td className={`${num} font-medium`}>{money(e.partner_minor)}</td>
                    <td className={num}>{money(e.platform_minor)}</td>
                  </tr>
                ))}
                {ledger.entries.length === 0 && <EmptyRow colSpan={7}>{t("partner.ledger.empty", { month: monthLabel(ledger.month, lang.locale) })}</EmptyRow>}
              </tbody>
              {ledger.entries.length > 0 && (
                <tfoot className="border-t-2 border-gray-200 bg-gray-50 font-semibold">
                  <tr data-testid={`${testId}-totals`}>
                    <td className={cell} colSpan={3}>
                      {t("partner.ledger.totals")}
                    </td>
                    <td className={`hidden ${cell} md:table-cell`} />
                    <td className={num}>{money(ledger.totals.gross_minor)}</td>
                    <td className={num}>{money(ledger.totals.partner_minor)}</td>
                    <td className={num}>{money(ledger.totals.platform_minor)}</td>
                  </tr>
                </tfoot>
              )}
            </table>
          </div>
        </>
      )}
    </div>
  );
}
