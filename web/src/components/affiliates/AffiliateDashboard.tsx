import { useEffect, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import type { MessageKey } from "../../i18n/translate";
import {
  earningsByState,
  thresholdProgress,
  type AffiliateView,
  type CommissionView,
  type EarningState,
  type PayoutView,
  type ReferralView,
} from "../../lib/affiliates";
import { bpsToPercent } from "../../lib/partners";
import { ErrorText } from "../Field";
import { useDay, useMoney } from "../partners/PartnerBits";
import { CopyButton } from "../security/TwoFactorBits";
import { Badge, EmptyRow, inputClass, useErrorText } from "../ui";
import { Figure, PayoutsTable, Section, useTierName, VpaForm } from "./AffiliateBits";

const cell = "px-3 py-2";
const num = `${cell} whitespace-nowrap text-right tabular-nums`;
const head = "bg-gray-50 text-xs uppercase text-gray-500";

/** The referral link to share, with a copy button and what it earns. */
function LinkCard({ affiliate }: { affiliate: AffiliateView }) {
  const { t } = useI18n();
  const tierName = useTierName();
  return (
    <div className="space-y-2 rounded-xl border border-brand-100 bg-brand-50 p-4" data-testid="affiliate-link-card">
      <h2 className="text-base font-semibold">{t("affiliate.link.title")}</h2>
      <div className="flex flex-wrap items-center gap-2">
        <input
          readOnly
          value={affiliate.link}
          aria-label={t("affiliate.link.title")}
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} min-w-64 flex-1 font-mono`}
          data-testid="affiliate-link"
        />
        <CopyButton text={affiliate.link} label={t("affiliate.link.copy")} testId="affiliate-link-copy" />
      </div>
      <p className="text-sm text-gray-700" data-testid="affiliate-rate">
        {t("affiliate.rateLine", { rate: bpsToPercent(affiliate.rate_bps), tier: tierName(affiliate.tier) })}
      </p>
      <p className="text-xs text-gray-600">{t("affiliate.link.help")}</p>
    </div>
  );
}

/** Clicks on the link, accounts it brought, and those that paid. */
function Stats({ affiliate }: { affiliate: AffiliateView }) {
  const { t, lang } = useI18n();
  const n = new Intl.NumberFormat(lang.locale);
  return (
    <div className="grid grid-cols-3 gap-3" data-testid="affiliate-stats">
      <Figure label={t("affiliate.stats.clicks")} value={n.format(affiliate.stats.clicks)} testId="affiliate-clicks" />
      <Figure label={t("affiliate.stats.signups")} value={n.format(affiliate.stats.signups)} testId="affiliate-signups" />
      <Figure label={t("affiliate.stats.conversions")} value={n.format(affiliate.stats.conversions)} testId="affiliate-conversions" />
    </div>
  );
}

const EARNING_TEXT: Record<EarningState, { label: MessageKey; hint: MessageKey }> = {
  held: { label: "affiliate.earnings.held", hint: "affiliate.earnings.heldHint" },
  payable: { label: "affiliate.earnings.payable", hint: "affiliate.earnings.payableHint" },
  in_flight: { label: "affiliate.earnings.in_flight", hint: "affiliate.earnings.in_flightHint" },
  paid: { label: "affiliate.earnings.paid", hint: "affiliate.earnings.paidHint" },
  clawed_back: { label: "affiliate.earnings.clawed_back", hint: "affiliate.earnings.clawed_backHint" },
};

/** Earnings by state: on hold, payable, on the way, paid, clawed back. */
function EarningsByState({ affiliate }: { affiliate: AffiliateView }) {
  const { t } = useI18n();
  const money = useMoney();
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-5" data-testid="affiliate-earnings">
      {earningsByState(affiliate.earnings).map(({ state, amount_minor }) => (
        <Figure
          key={state}
          label={t(EARNING_TEXT[state].label)}
          value={money(amount_minor)}
          hint={t(EARNING_TEXT[state].hint)}
          testId={`affiliate-earnings-${state}`}
          tone={state === "payable" ? "strong" : "plain"}
        />
      ))}
    </div>
  );
}

/** The payable balance against the payout minimum, as a bar and in words. */
function Balance({ affiliate }: { affiliate: AffiliateView }) {
  const { t } = useI18n();
  const money = useMoney();
  const progress = thresholdProgress(affiliate.balance_minor, affiliate.threshold_minor);
  const threshold = money(affiliate.threshold_minor);
  return (
    <div className="space-y-2 rounded-xl border border-gray-200 bg-white p-4" data-testid="affiliate-balance" data-reached={progress.reached}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-base font-semibold">{t("affiliate.balance.title")}</h2>
        <p className="text-sm tabular-nums text-gray-700" data-testid="affiliate-balance-value">
          {t("affiliate.balance.progress", { balance: money(affiliate.balance_minor), threshold })}
        </p>
      </div>
      <div
        role="progressbar"
        aria-label={t("affiliate.balance.title")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent}
        className="h-2.5 overflow-hidden rounded-full bg-gray-100"
      >
        <div className={`h-full rounded-full ${progress.reached ? "bg-green-600" : "bg-brand-600"}`} style={{ width: `${progress.percent}%` }} />
      </div>
      <p className="text-sm text-gray-700" data-testid="affiliate-balance-note">
        {progress.reached ? t("affiliate.balance.reached", { threshold }) : t("affiliate.balance.remaining", { amount: money(progress.remaining_minor), threshold })}
      </p>
      {!affiliate.payout_vpa && <p className="text-sm text-amber-800">{t("affiliate.balance.noVpa")}</p>}
    </div>
  );
}

/** The accounts the link brought: when they signed up, whether they count, what they earned. */
function ReferralsTable({ referrals }: { referrals: ReferralView[] | null }) {
  const { t } = useI18n();
  const money = useMoney();
  const day = useDay();
  return (
    <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
      <table className="w-full text-left text-sm" data-testid="affiliate-referrals">
        <thead className={head}>
          <tr>
            <th className={`${cell} font-medium`}>{t("affiliate.referrals.col.account")}</th>
            <th className={`${cell} font-medium`}>{t("affiliate.referrals.col.signedUp")}</th>
            <th className={`${cell} font-medium`}>{t("affiliate.referrals.col.status")}</th>
            <th className={`${cell} text-right font-medium`}>{t("affiliate.referrals.col.cycles")}</th>
            <th className={`${cell} text-right font-medium`}>{t("affiliate.referrals.col.earned")}</th>
          </tr>
        </thead>
        <tbody>
          {referrals?.map((r, i) => (
            <tr key={`${r.signed_up_at}-${i}`} className="border-t border-gray-100 align-top" data-testid="affiliate-referral-row" data-status={r.status}>
              <td className={`${cell} font-medium`}>{r.tenant_name || "—"}</td>
              <td className={`${cell} whitespace-nowrap`}>{day(r.signed_up_at)}</td>
              <td className={cell}>
                {r.status === "active" ? (
                  <Badge tone="green">{t("affiliate.referrals.active")}</Badge>
                ) : (
                  <>
                    <Badge tone="amber">{t("affiliate.referrals.refused")}</Badge>
                    <div className="mt-0.5 max-w-64 text-xs text-gray-600">{t("affiliate.referrals.refusedWhy")}</div>
                  </>
                )}
              </td>
              <td className={num}>{r.paid_cycles}</td>
              <td className={num}>{money(r.earned_minor)}</td>
            </tr>
          ))}
          {referrals && referrals.length === 0 && <EmptyRow colSpan={5}>{t("affiliate.referrals.empty")}</EmptyRow>}
        </tbody>
      </table>
      {referrals === null && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
    </div>
  );
}

const STATE_TONE: Record<string, "amber" | "green" | "gray"> = { held: "amber", payable: "green", void: "gray" };

/** Commissions and clawbacks: the payment, its rate, the amount and its state (held until a date, payable, void). */
function CommissionsTable({ commissions }: { commissions: CommissionView[] | null }) {
  const { t } = useI18n();
  const money = useMoney();
  const day = useDay();
  const stateText = (c: CommissionView) =>
    c.state === "held"
      ? t("affiliate.commissions.state.held", { date: day(c.hold_until) })
      : c.state === "payable"
        ? t("affiliate.commissions.state.payable")
        : c.state === "void"
          ? t("affiliate.commissions.state.void")
          : c.state;
  return (
    <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
      <table className="w-full text-left text-sm" data-testid="affiliate-commissions">
        <thead className={head}>
          <tr>
            <th className={`${cell} font-medium`}>{t("affiliate.commissions.col.date")}</th>
            <th className={`${cell} font-medium`}>{t("affiliate.commissions.col.account")}</th>
            <th className={`${cell} font-medium`}>{t("affiliate.commissions.col.kind")}</th>
            <th className={`${cell} text-right font-medium`}>{t("affiliate.commissions.col.base")}</th>
            <th className={`${cell} text-right font-medium`}>{t("affiliate.commissions.col.amount")}</th>
            <th className={`${cell} font-medium`}>{t("affiliate.commissions.col.state")}</th>
          </tr>
        </thead>
        <tbody>
          {commissions?.map((c) => (
            <tr key={c.id} className={`border-t border-gray-100 align-top ${c.state === "void" ? "text-gray-400" : ""}`} data-testid="affiliate-commission-row" data-kind={c.kind} data-state={c.state}>
              <td className={`${cell} whitespace-nowrap`}>{day(c.created_at)}</td>
              <td className={cell}>
                <div className="font-medium">{c.tenant_name || "—"}</div>
                <div className="font-mono text-xs text-gray-500">{c.payment_id}</div>
              </td>
              <td className={cell}>
                {c.kind === "clawback"
                  ? t("affiliate.commissions.clawback")
                  : c.cycle !== null
                    ? t("affiliate.commissions.commissionCycle", { cycle: c.cycle, rate: bpsToPercent(c.rate_bps) })
                    : t("affiliate.commissions.commission", { rate: bpsToPercent(c.rate_bps) })}
              </td>
              <td className={num}>{money(c.base_minor)}</td>
              <td className={`${num} font-medium ${c.amount_minor < 0 ? "text-red-700" : ""}`}>{money(c.amount_minor)}</td>
              <td className={cell}>
                <Badge tone={STATE_TONE[c.state] ?? "gray"}>{stateText(c)}</Badge>
              </td>
            </tr>
          ))}
          {commissions && commissions.length === 0 && <EmptyRow colSpan={6}>{t("affiliate.commissions.empty")}</EmptyRow>}
        </tbody>
      </table>
      {commissions === null && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
    </div>
  );
}

/** Where payouts go (the UPI ID, which can change here) and the phone and GSTIN given on joining. */
function PayoutDetails({ affiliate, onChange }: { affiliate: AffiliateView; onChange: (a: AffiliateView) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  return (
    <div className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="affiliate-details">
      <VpaForm
        current={affiliate.payout_vpa}
        testId="affiliate-vpa"
        save={async (payout_vpa) => onChange(await api.patch<AffiliateView>("/affiliate", { payout_vpa }))}
      />
      <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-xs font-medium text-gray-500">{t("affiliate.field.phone")}</dt>
          <dd>{affiliate.phone ?? "—"}</dd>
        </div>
        <div>
          <dt className="text-xs font-medium text-gray-500">{t("affiliate.field.gstin")}</dt>
          <dd className="font-mono">{affiliate.gstin ?? "—"}</dd>
        </div>
      </dl>
    </div>
  );
}

/** Referrals, commissions and payouts, loaded together when the dashboard opens. */
function useAffiliateLists() {
  const { api } = useAuth();
  const errorText = useErrorText();
  const [referrals, setReferrals] = useState<ReferralView[] | null>(null);
  const [commissions, setCommissions] = useState<CommissionView[] | null>(null);
  const [payouts, setPayouts] = useState<PayoutView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const fail = (e: unknown) => {
      if (live) setError(errorText(e));
    };
    api.get<{ data: ReferralView[] }>("/affiliate/referrals").then((r) => live && setReferrals(r.data), fail);
    api.get<{ data: CommissionView[] }>("/affiliate/commissions").then((r) => live && setCommissions(r.data), fail);
    api.get<{ data: PayoutView[] }>("/affiliate/payouts").then((r) => live && setPayouts(r.data), fail);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  return { referrals, commissions, payouts, error };
}

/**
 * An approved (or suspended) affiliate's dashboard: the link to share,
 * clicks / sign-ups / paying accounts, earnings by state, the balance
 * against the payout minimum, the referred accounts, commissions, payouts,
 * and the UPI ID payouts go to.
 */
export function AffiliateDashboard({ affiliate, onChange }: { affiliate: AffiliateView; onChange: (a: AffiliateView) => void }) {
  const { t } = useI18n();
  const lists = useAffiliateLists();
  return (
    <div className="space-y-6" data-testid="affiliate-dashboard">
      <LinkCard affiliate={affiliate} />
      <Stats affiliate={affiliate} />
      <Section title={t("affiliate.earnings.title")} testId="affiliate-earnings-section">
        <EarningsByState affiliate={affiliate} />
      </Section>
      <Balance affiliate={affiliate} />
      <ErrorText testId="affiliate-lists-error">{lists.error}</ErrorText>
      <Section title={t("affiliate.referrals.title")}>
        <ReferralsTable referrals={lists.referrals} />
      </Section>
      <Section title={t("affiliate.commissions.title")}>
        <CommissionsTable commissions={lists.commissions} />
      </Section>
      <Section title={t("affiliate.payouts.title")}>
        <PayoutsTable payouts={lists.payouts} testId="affiliate-payouts" />
      </Section>
      <Section title={t("affiliate.details.title")}>
        <PayoutDetails affiliate={affiliate} onChange={onChange} />
      </Section>
    </div>
  );
}
