import { useCallback, useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { useTierName } from "../components/affiliates/AffiliateBits";
import { ErrorText } from "../components/Field";
import { PartnerStatusBadge, useDay, useMoney } from "../components/partners/PartnerBits";
import { ConfirmButton, EmptyRow, fieldClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { AFFILIATE_TIERS, tierRateBps, type AffiliateStatus, type AffiliateTier, type AffiliateView } from "../lib/affiliates";
import { bpsToPercent } from "../lib/partners";

const cell = "px-3 py-2";
const num = `${cell} whitespace-nowrap text-right tabular-nums`;
const action = "rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300";

/**
 * Console → Affiliates (super-admins): everyone in the referral programme,
 * those awaiting approval first, with their figures; approve, suspend or
 * reinstate, and move between the standard (20%) and premium (25%) tiers.
 */
export function AdminAffiliatesPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const day = useDay();
  const tierName = useTierName();
  const number = new Intl.NumberFormat(lang.locale);
  const [affiliates, setAffiliates] = useState<AffiliateView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(() => {
    api
      .get<{ data: AffiliateView[] }>("/admin/affiliates")
      .then((r) => {
        setAffiliates(r.data);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(load, [load]);

  async function change(a: AffiliateView, body: { status?: AffiliateStatus; tier?: AffiliateTier }) {
    setBusyId(a.id);
    setError(null);
    setNotice(null);
    try {
      const next = await api.patch<AffiliateView>(`/admin/affiliates/${encodeURIComponent(a.id)}`, body);
      setAffiliates((rows) => rows?.map((r) => (r.id === next.id ? { ...r, ...next } : r)) ?? rows);
      if (body.tier) setNotice(t("admin.affiliates.tierSaved", { name: a.name, tier: tierName(body.tier), rate: bpsToPercent(next.rate_bps) }));
      else setNotice(t(body.status === "approved" ? "admin.affiliates.approved" : "admin.affiliates.suspended", { name: a.name }));
    } catch (e) {
      setError(`${a.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <div className="space-y-4" data-testid="admin-affiliates">
      <p className="text-sm text-gray-600">{t("admin.affiliates.intro")}</p>
      {notice && (
        <p role="status" data-testid="admin-affiliates-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-affiliates-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="affiliate-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className={`${cell} font-medium`}>{t("admin.affiliates.col.affiliate")}</th>
              <th className={`${cell} font-medium`}>{t("admin.affiliates.col.status")}</th>
              <th className={`${cell} font-medium`}>{t("admin.affiliates.col.tier")}</th>
              <th className={`${cell} text-right font-medium`}>{t("admin.affiliates.col.clicks")}</th>
              <th className={`${cell} text-right font-medium`}>{t("admin.affiliates.col.signups")}</th>
              <th className={`${cell} text-right font-medium`}>{t("admin.affiliates.col.conversions")}</th>
              <th className={`${cell} text-right font-medium`}>{t("admin.affiliates.col.payable")}</th>
              <th className={`hidden ${cell} text-right font-medium lg:table-cell`}>{t("admin.affiliates.col.paid")}</th>
              <th className={`${cell} text-right font-medium`}>{t("admin.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {affiliates?.map((a) => (
              <tr key={a.id} className="border-t border-gray-100 align-top" data-testid="affiliate-row" data-affiliate-id={a.id} data-status={a.status} data-tier={a.tier} data-email={a.email}>
                <td className={cell}>
                  <div className="font-medium">{a.name}</div>
                  <div className="text-xs text-gray-600">{a.email}</div>
                  <div className="text-xs text-gray-500">
                    <span className="font-mono">{a.code}</span> · {t("admin.since", { date: day(a.created_at) })}
                  </div>
                  <div className="text-xs text-gray-500" data-testid="affiliate-row-vpa">
                    {a.payout_vpa ? t("admin.affiliates.vpa", { vpa: a.payout_vpa }) : t("admin.affiliates.noVpa")}
                  </div>
                </td>
                <td className={cell}>
                  <PartnerStatusBadge status={a.status} testId="affiliate-row-status" />
                </td>
                <td className={cell}>
                  <select
                    className={fieldClass}
                    value={a.tier}
                    disabled={busyId === a.id}
                    aria-label={t("admin.affiliates.tierOf", { name: a.name })}
                    onChange={(e) => void change(a, { tier: e.target.value as AffiliateTier })}
                    data-testid="affiliate-tier"
                  >
                    {AFFILIATE_TIERS.map((tier) => (
                      <option key={tier} value={tier}>
                        {t("admin.affiliates.tierOption", { tier: tierName(tier), rate: bpsToPercent(tierRateBps(tier)) })}
                      </option>
                    ))}
                  </select>
                </td>
                <td className={num}>{number.format(a.stats.clicks)}</td>
                <td className={num}>{number.format(a.stats.signups)}</td>
                <td className={num}>{number.format(a.stats.conversions)}</td>
                <td className={num} data-testid="affiliate-row-payable">
                  {money(a.balance_minor)}
                  {a.earnings.held_minor !== 0 && <div className="text-xs font-normal text-gray-500">{t("admin.affiliates.held", { amount: money(a.earnings.held_minor) })}</div>}
                </td>
                <td className={`hidden ${num} lg:table-cell`}>{money(a.earnings.paid_minor)}</td>
                <td className={`${cell} text-right`}>
                  <div className="flex flex-wrap justify-end gap-x-0.5 whitespace-nowrap">
                    {a.status !== "approved" && (
                      <button type="button" disabled={busyId === a.id} onClick={() => void change(a, { status: "approved" })} className={action} data-testid="affiliate-approve">
                        {a.status === "pending" ? t("admin.partners.approve") : t("admin.partners.reinstate")}
                      </button>
                    )}
                    {a.status !== "suspended" && (
                      <ConfirmButton
                        label={t("admin.suspend")}
                        confirmLabel={t("admin.confirmSuspend")}
                        disabled={busyId === a.id}
                        onConfirm={() => change(a, { status: "suspended" })}
                        testId="affiliate-suspend"
                      />
                    )}
                  </div>
                </td>
              </tr>
            ))}
            {affiliates && affiliates.length === 0 && <EmptyRow colSpan={9}>{t("admin.affiliates.empty")}</EmptyRow>}
          </tbody>
        </table>
        {affiliates === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    </div>
  );
}
