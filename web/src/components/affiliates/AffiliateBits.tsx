// Pieces the affiliate page, the partner's statements and the operators'
// console share: a figure, a payout's status, the payouts table and the
// UPI ID form.

import { useState, type FormEvent, type ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import type { MessageKey } from "../../i18n/translate";
import { normalizeVpa, VPA_MAX, type PayoutView } from "../../lib/affiliates";
import { useFormError } from "../../lib/useFormError";
import { ErrorText } from "../Field";
import { Badge, Button, EmptyRow, TextInput, type Tone } from "../ui";
import { useDay, useMoney } from "../partners/PartnerBits";

/** One figure with its label (a count or an amount), in a card. */
export function Figure({ label, value, hint, testId, tone = "plain" }: { label: string; value: string; hint?: ReactNode; testId: string; tone?: "plain" | "strong" | "warn" }) {
  const box = tone === "strong" ? "border-brand-100 bg-brand-50" : tone === "warn" ? "border-amber-200 bg-amber-50" : "border-gray-200 bg-white";
  return (
    <div className={`rounded-xl border p-3 ${box}`} data-testid={testId}>
      <p className="text-xs font-medium uppercase text-gray-500">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </p>
      {hint && <p className="mt-0.5 text-xs text-gray-500">{hint}</p>}
    </div>
  );
}

/** A titled block of the page. */
export function Section({ title, children, testId, actions }: { title: string; children: ReactNode; testId?: string; actions?: ReactNode }) {
  return (
    <section className="space-y-2" data-testid={testId}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

const PAYOUT_TONE: Record<string, Tone> = {
  created: "gray",
  queued: "blue",
  processing: "blue",
  processed: "green",
  reversed: "amber",
  failed: "red",
};
const PAYOUT_TEXT: Record<string, MessageKey> = {
  created: "payouts.status.created",
  queued: "payouts.status.queued",
  processing: "payouts.status.processing",
  processed: "payouts.status.processed",
  reversed: "payouts.status.reversed",
  failed: "payouts.status.failed",
};

/** A payout's status as a coloured badge (an unknown one as the server names it). */
export function PayoutStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useI18n();
  const key = PAYOUT_TEXT[status];
  return (
    <Badge tone={PAYOUT_TONE[status] ?? "gray"} testId={testId}>
      {key ? t(key) : status}
    </Badge>
  );
}

const KIND_TEXT: Record<string, MessageKey> = { affiliate: "payouts.kind.affiliate", partner: "payouts.kind.partner" };

const cell = "px-3 py-2";
const num = `${cell} whitespace-nowrap text-right tabular-nums`;

/**
 * Payouts, newest first as the server sends them: when, how much, where it
 * stands (with the reason a failed or reversed one gives) and RazorpayX's
 * reference. The operators' list also names the payee.
 */
export function PayoutsTable({ payouts, withPayee = false, testId = "payouts" }: { payouts: PayoutView[] | null; withPayee?: boolean; testId?: string }) {
  const { t } = useI18n();
  const money = useMoney();
  const day = useDay();
  const cols = withPayee ? 5 : 4;
  return (
    <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
      <table className="w-full text-left text-sm" data-testid={testId}>
        <thead className="bg-gray-50 text-xs uppercase text-gray-500">
          <tr>
            <th className={`${cell} font-medium`}>{t("payouts.col.date")}</th>
            {withPayee && <th className={`${cell} font-medium`}>{t("payouts.col.payee")}</th>}
            <th className={`${cell} text-right font-medium`}>{t("payouts.col.amount")}</th>
            <th className={`${cell} font-medium`}>{t("payouts.col.status")}</th>
            <th className={`${cell} font-medium`}>{t("payouts.col.reference")}</th>
          </tr>
        </thead>
        <tbody>
          {payouts?.map((p) => (
            <tr key={p.id} className="border-t border-gray-100 align-top" data-testid={`${testId}-row`} data-payout-id={p.id} data-status={p.status} data-payee-kind={p.payee_kind}>
              <td className={`${cell} whitespace-nowrap`}>
                {day(p.created_at)}
                {p.updated_at !== p.created_at && <div className="text-xs text-gray-500">{t("payouts.updated", { date: day(p.updated_at) })}</div>}
              </td>
              {withPayee && (
                <td className={cell}>
                  <div className="font-medium">{p.payee_name}</div>
                  <div className="text-xs text-gray-500">{KIND_TEXT[p.payee_kind] ? t(KIND_TEXT[p.payee_kind]!) : p.payee_kind}</div>
                </td>
              )}
              <td className={num} data-testid={`${testId}-amount`}>
                {money(p.amount_minor)}
              </td>
              <td className={cell}>
                <PayoutStatusBadge status={p.status} testId={`${testId}-status`} />
                {p.failure_reason && <div className="mt-0.5 max-w-64 text-xs text-red-700">{p.failure_reason}</div>}
              </td>
              <td className={`${cell} font-mono text-xs text-gray-600`}>{p.razorpay_payout_id ?? "—"}</td>
            </tr>
          ))}
          {payouts && payouts.length === 0 && <EmptyRow colSpan={cols}>{t("payouts.empty")}</EmptyRow>}
        </tbody>
      </table>
      {payouts === null && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
    </div>
  );
}

const VPA_FIELDS = ["payout_vpa"] as const;
const VPA_FIXES = { payout_vpa: "payouts.vpa.fix" } as const;

/**
 * The UPI ID payouts go to: shows the one saved, checks a new one as the
 * server does (name@bank) and saves it through `save` (the affiliate's
 * PATCH, the partner's PUT).
 */
export function VpaForm({ current, save, testId = "vpa" }: { current: string | null; save: (vpa: string) => Promise<void>; testId?: string }) {
  const { t } = useI18n();
  const problem = useFormError(VPA_FIELDS, undefined, VPA_FIXES);
  const [value, setValue] = useState(current ?? "");
  const [bad, setBad] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const vpa = normalizeVpa(value);
  const unchanged = vpa !== null && vpa === current;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setSaved(false);
    problem.clear();
    if (vpa === null) {
      setBad(true);
      return;
    }
    setBad(false);
    setBusy(true);
    try {
      await save(vpa);
      setValue(vpa);
      setSaved(true);
    } catch (err) {
      problem.fail(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-2" data-testid={testId} noValidate>
      <div className="flex flex-wrap items-start gap-2">
        <TextInput
          className="min-w-56 flex-1"
          label={t("payouts.vpa.label")}
          hint={t("payouts.vpa.hint")}
          value={value}
          maxLength={VPA_MAX}
          spellCheck={false}
          autoCapitalize="none"
          autoComplete="off"
          onChange={(e) => {
            setValue(e.target.value);
            setSaved(false);
            setBad(false);
          }}
          error={bad ? t("payouts.vpa.fix") : problem.field("payout_vpa")}
          data-testid={`${testId}-input`}
        />
        <Button type="submit" className="mt-5" disabled={busy || unchanged || !value.trim()} data-testid={`${testId}-save`}>
          {busy ? t("common.saving") : t("common.save")}
        </Button>
      </div>
      {!current && !saved && (
        <p className="text-xs text-amber-800" data-testid={`${testId}-missing`}>
          {t("payouts.vpa.none")}
        </p>
      )}
      {saved && (
        <p role="status" className="text-xs text-brand-700" data-testid={`${testId}-saved`}>
          {t("payouts.vpa.saved")}
        </p>
      )}
      <ErrorText testId={`${testId}-error`}>{problem.form}</ErrorText>
    </form>
  );
}

const TIER_TEXT: Record<string, MessageKey> = { standard: "affiliate.tier.standard", premium: "affiliate.tier.premium" };

/** The tier's name ("Standard", "Premium"); an unknown one as the server names it. */
export function useTierName(): (tier: string) => string {
  const { t } = useI18n();
  return (tier) => {
    const key = TIER_TEXT[tier];
    return key ? t(key) : tier;
  };
}
