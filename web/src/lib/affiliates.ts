// Referral affiliates and payouts: the shapes the web app reads from
// /api/v1/affiliate/*, /api/v1/partner/payout(s) and the operators'
// /api/v1/admin/affiliates and /admin/payouts, and the pure rules the pages
// check before sending (UPI address, phone, GSTIN as the server takes them)
// or show (the balance against the payout threshold, earnings by state).

// ---- shapes ----
// The server's own types (apiTypes.ts, generated from the Rust views):
// `GET /affiliate` and each row of `GET /admin/affiliates` (AffiliateView,
// with its AffiliateStats and Earnings in paise), `/affiliate/referrals`
// (ReferralView), `/affiliate/commissions` (CommissionView: clawbacks carry
// negative amounts) and every payouts list (PayoutView).

import type { AffiliateView, Earnings, PayoutView } from "./apiTypes";

export type { AffiliateStats, AffiliateView, CommissionView, Earnings, PayoutView, ReferralView } from "./apiTypes";

/** `POST /admin/payouts/run`: how many payouts went out, and which. */
export interface PayoutRun {
  created: number;
  data: PayoutView[];
}

export type AffiliateStatus = "pending" | "approved" | "suspended";
export type AffiliateTier = "standard" | "premium";
export const AFFILIATE_TIERS: readonly AffiliateTier[] = ["standard", "premium"];

/** The least balance paid out when the server does not say (₹1,000). */
export const DEFAULT_THRESHOLD_MINOR = 100_000;

// ---- where the person stands ----

/**
 * What the affiliate page shows: the join form (not in the programme), the
 * wait for an operator, the dashboard, or why it is closed.
 */
export type AffiliatePhase = "join" | "pending" | "approved" | "suspended";

export function affiliatePhase(a: Pick<AffiliateView, "status"> | null): AffiliatePhase {
  if (!a) return "join";
  if (a.status === "approved" || a.status === "suspended") return a.status;
  return "pending";
}

// ---- the details form (UPI address, phone, GSTIN) ----

export const VPA_MAX = 100;

/**
 * A UPI address as the server stores it (trimmed, lower case), or null when
 * it is not one: `name@bank`, letters, digits, ".", "-" and "_" only.
 */
export function normalizeVpa(input: string): string | null {
  const v = input.trim().toLowerCase();
  if (v.length === 0 || v.length > VPA_MAX) return null;
  return /^[a-z0-9._-]+@[a-z0-9._-]+$/.test(v) ? v : null;
}

/**
 * A phone number as the server takes it: "+", then 8 to 15 digits; the
 * spaces, hyphens, dots and brackets people type are dropped. Null when it
 * is not one.
 */
export function normalizePhone(input: string): string | null {
  const s = input.replace(/[\s().-]/g, "");
  const m = /^(\+?)(\d{8,15})$/.exec(s);
  if (!m) return null;
  return `${m[1]}${m[2]}`;
}

/** A GSTIN as the server takes it: 15 letters and digits, upper case; null when it is not one. */
export function normalizeGstin(input: string): string | null {
  const g = input.replace(/\s/g, "").toUpperCase();
  return /^[A-Z0-9]{15}$/.test(g) ? g : null;
}

export interface DetailsForm {
  payout_vpa: string;
  phone: string;
  gstin: string;
}

export type DetailsField = keyof DetailsForm;

/** The `POST`/`PATCH /affiliate` body: a field left empty is not sent. */
export interface DetailsBody {
  payout_vpa?: string;
  phone?: string;
  gstin?: string;
}

/** The form filled from what the server has. */
export function detailsForm(a: Pick<AffiliateView, "payout_vpa" | "phone" | "gstin"> | null): DetailsForm {
  return { payout_vpa: a?.payout_vpa ?? "", phone: a?.phone ?? "", gstin: a?.gstin ?? "" };
}

/** The body to send, or the first field that is not right (checked as the server does). */
export function detailsBody(form: DetailsForm): { body: DetailsBody } | { field: DetailsField } {
  const body: DetailsBody = {};
  const checks: [DetailsField, (s: string) => string | null][] = [
    ["payout_vpa", normalizeVpa],
    ["phone", normalizePhone],
    ["gstin", normalizeGstin],
  ];
  for (const [field, normalize] of checks) {
    if (!form[field].trim()) continue;
    const v = normalize(form[field]);
    if (v === null) return { field };
    body[field] = v;
  }
  return { body };
}

// ---- money ----

/** How far the payable balance is towards the payout threshold. */
export interface ThresholdProgress {
  /** 0–100, for a bar. */
  percent: number;
  /** What is still missing, in paise (0 once reached). */
  remaining_minor: number;
  reached: boolean;
}

/** The balance against the threshold (a negative balance, after a clawback, is 0% with all of it missing and more). */
export function thresholdProgress(balance_minor: number, threshold_minor: number): ThresholdProgress {
  const threshold = threshold_minor > 0 ? threshold_minor : DEFAULT_THRESHOLD_MINOR;
  const reached = balance_minor >= threshold;
  const percent = reached ? 100 : Math.max(0, Math.floor((balance_minor * 100) / threshold));
  return { percent, remaining_minor: reached ? 0 : threshold - balance_minor, reached };
}

/** The earnings states in the order the dashboard shows them. */
export const EARNING_STATES = ["held", "payable", "in_flight", "paid", "clawed_back"] as const;
export type EarningState = (typeof EARNING_STATES)[number];

/** Each earnings state with its amount, in the dashboard's order. */
export function earningsByState(e: Earnings): { state: EarningState; amount_minor: number }[] {
  return EARNING_STATES.map((state) => ({ state, amount_minor: e[`${state}_minor`] }));
}

/** Payouts that are final: nothing changes them any more. */
const FINAL_PAYOUT: readonly string[] = ["processed", "reversed", "failed"];

/** Whether a payout is still on its way (created, queued, processing). */
export function payoutInFlight(status: string): boolean {
  return !FINAL_PAYOUT.includes(status);
}

/** The sums of a list of payouts: paid (processed) and on their way. */
export function payoutTotals(payouts: readonly Pick<PayoutView, "status" | "amount_minor">[]): { paid_minor: number; in_flight_minor: number } {
  let paid = 0;
  let flight = 0;
  for (const p of payouts) {
    if (p.status === "processed") paid += p.amount_minor;
    else if (payoutInFlight(p.status)) flight += p.amount_minor;
  }
  return { paid_minor: paid, in_flight_minor: flight };
}

/** The tier's rate as the server sets it: standard 20%, premium 25% (in basis points). */
export function tierRateBps(tier: string): number {
  return tier === "premium" ? 2500 : 2000;
}
