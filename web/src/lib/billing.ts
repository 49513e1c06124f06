// Billing: the account's Razorpay subscription, the details its GST invoices
// carry, and the invoices themselves — pure logic the Billing page and the
// account-state banners share. Amounts are paise (GST included where the
// server says so); the GST arithmetic mirrors the server's (src/billing/gst.rs)
// in integers, so the total shown is the total charged to the paisa.

import type { BillingDetails, InvoiceView, PlanView, SubscriptionView } from "./apiTypes";
import type { Translate } from "./errors";

export type { BillingDetails, InvoiceView, SubscriptionView };

/** How often a subscription is charged. */
export const CYCLES = ["monthly", "annual"] as const;
export type Cycle = (typeof CYCLES)[number];

/** GST on the platform's services, in percent. */
export const GST_PERCENT = 18;

/** The most a plan may cost a month (paise) to be charged to a card; dearer plans are invoiced by the team. */
export const MAX_AUTO_DEBIT_MINOR = 1_500_000;

/** Where the account stands (the server's `account_status`, the account plan's `status`). */
export type AccountStatus = "active" | "grace" | "restricted" | "suspended";

/**
 * `GET /billing/subscription`: the newest subscription and where the
 * account stands; without a subscription, `status: "none"` and no id.
 */
export type BillingState = Partial<SubscriptionView> & {
  razorpay_subscription_id: string | null;
  status: string;
  paid_count: number;
  current_end: string | null;
  account_status: string;
  billing_configured: boolean;
};

/** Razorpay's subscription states the page knows (anything else shows as written). */
export const SUBSCRIPTION_STATUSES = ["none", "created", "authenticated", "active", "pending", "halted", "paused", "cancelled", "completed", "expired"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export function isKnownStatus(status: string): status is SubscriptionStatus {
  return (SUBSCRIPTION_STATUSES as readonly string[]).includes(status);
}

/** Made or authorised, the first charge not confirmed yet: the page asks again every few seconds. */
export function isAwaitingPayment(status: string | undefined): boolean {
  return status === "created" || status === "authenticated";
}

/**
 * A subscription that blocks a new one (the server answers 409
 * SUBSCRIPTION_EXISTS): authorised and running, or owing. A merely created
 * one is replaced by a new choice.
 */
export function isLive(status: string | undefined): boolean {
  return status === "authenticated" || status === "active" || status === "pending" || status === "halted" || status === "paused";
}

/** Whether the Cancel button applies (the server cancels anything not already over). */
export function canCancel(status: string | undefined): boolean {
  return status !== undefined && status !== "none" && status !== "cancelled" && status !== "completed" && status !== "expired";
}

/** A payment is failing: Razorpay retries (pending) or gave up (halted). */
export function isOwing(status: string | undefined): boolean {
  return status === "pending" || status === "halted";
}

export function subscriptionTone(status: string): "green" | "amber" | "red" | "gray" | "blue" {
  switch (status) {
    case "active":
      return "green";
    case "created":
    case "authenticated":
      return "blue";
    case "pending":
    case "paused":
      return "amber";
    case "halted":
      return "red";
    default:
      return "gray";
  }
}

/** The status in words ("Active", "Awaiting payment"…); an unknown one as written. */
export function subscriptionStatusText(status: string, t: Translate): string {
  return isKnownStatus(status) ? t(`billing.status.${status}`) : status;
}

// ---- prices ----

/** A price with GST added, as the server charges it: price + round(price × 18%), in paise. */
export function withGst(price: number): number {
  return price + Math.floor((price * GST_PERCENT + 50) / 100);
}

/** The GST added to a price, in paise. */
export function gstOn(price: number): number {
  return withGst(price) - price;
}

export function isCycle(value: unknown): value is Cycle {
  return value === "monthly" || value === "annual";
}

/** A plan's price for a cycle (before GST); null when it is custom-priced. */
export function priceFor(plan: Pick<PlanView, "price_monthly_minor" | "price_annual_minor">, cycle: Cycle): number | null {
  return cycle === "annual" ? plan.price_annual_minor : plan.price_monthly_minor;
}

/**
 * Whether a plan can be subscribed to by card for a cycle: "custom" (no
 * price: the team prices it), "invoiced" (more than ₹15,000 a month: the
 * team invoices it) — both mean "contact sales" — or "card".
 */
export function howPaid(plan: Pick<PlanView, "price_monthly_minor" | "price_annual_minor">, cycle: Cycle): "card" | "custom" | "invoiced" {
  const price = priceFor(plan, cycle);
  if (price === null) return "custom";
  const monthly = cycle === "annual" ? Math.floor(price / 12) : price;
  return monthly > MAX_AUTO_DEBIT_MINOR ? "invoiced" : "card";
}

/** What a plan's Subscribe button says and whether it works. */
export type PlanAction =
  | { kind: "subscribe" }
  | { kind: "current" }
  | { kind: "contact" }
  | { kind: "locked" }
  | { kind: "unavailable" };

/**
 * The Subscribe button of `plan`: the plan the live subscription pays for is
 * "current"; custom and invoiced plans are "contact" (sales); with another
 * live subscription every other plan is "locked" (cancel it first); without
 * a gateway, "unavailable".
 */
export function planAction(
  plan: Pick<PlanView, "code" | "price_monthly_minor" | "price_annual_minor">,
  cycle: Cycle,
  state: Pick<BillingState, "status" | "plan_code" | "cycle" | "billing_configured"> | null,
): PlanAction {
  const live = state !== null && isLive(state.status);
  if (live && state.plan_code === plan.code && (state.cycle === undefined || state.cycle === cycle)) return { kind: "current" };
  if (howPaid(plan, cycle) !== "card") return { kind: "contact" };
  if (state !== null && !state.billing_configured) return { kind: "unavailable" };
  if (live) return { kind: "locked" };
  return { kind: "subscribe" };
}

// ---- invoices ----

/** The tax columns of an invoice: IGST across states, CGST + SGST within the platform's state. */
export function taxOf(inv: Pick<InvoiceView, "cgst_minor" | "sgst_minor" | "igst_minor">): { kind: "igst"; igst: number } | { kind: "split"; cgst: number; sgst: number } {
  if (inv.igst_minor > 0 || (inv.cgst_minor === 0 && inv.sgst_minor === 0)) return { kind: "igst", igst: inv.igst_minor };
  return { kind: "split", cgst: inv.cgst_minor, sgst: inv.sgst_minor };
}

/** The name a downloaded PDF gets when the server's header has none. */
export function pdfName(inv: Pick<InvoiceView, "number">): string {
  return `${inv.number.replace(/[^\w.-]+/g, "_") || "invoice"}.pdf`;
}

// ---- the details form ----

/** India's GST state codes (the server's list: src/billing/gst.rs `state_name`). */
export const GST_STATES: readonly { code: string; name: string }[] = [
  { code: "01", name: "Jammu and Kashmir" },
  { code: "02", name: "Himachal Pradesh" },
  { code: "03", name: "Punjab" },
  { code: "04", name: "Chandigarh" },
  { code: "05", name: "Uttarakhand" },
  { code: "06", name: "Haryana" },
  { code: "07", name: "Delhi" },
  { code: "08", name: "Rajasthan" },
  { code: "09", name: "Uttar Pradesh" },
  { code: "10", name: "Bihar" },
  { code: "11", name: "Sikkim" },
  { code: "12", name: "Arunachal Pradesh" },
  { code: "13", name: "Nagaland" },
  { code: "14", name: "Manipur" },
  { code: "15", name: "Mizoram" },
  { code: "16", name: "Tripura" },
  { code: "17", name: "Meghalaya" },
  { code: "18", name: "Assam" },
  { code: "19", name: "West Bengal" },
  { code: "20", name: "Jharkhand" },
  { code: "21", name: "Odisha" },
  { code: "22", name: "Chhattisgarh" },
  { code: "23", name: "Madhya Pradesh" },
  { code: "24", name: "Gujarat" },
  { code: "26", name: "Dadra and Nagar Haveli and Daman and Diu" },
  { code: "27", name: "Maharashtra" },
  { code: "29", name: "Karnataka" },
  { code: "30", name: "Goa" },
  { code: "31", name: "Lakshadweep" },
  { code: "32", name: "Kerala" },
  { code: "33", name: "Tamil Nadu" },
  { code: "34", name: "Puducherry" },
  { code: "35", name: "Andaman and Nicobar Islands" },
  { code: "36", name: "Telangana" },
  { code: "37", name: "Andhra Pradesh" },
  { code: "38", name: "Ladakh" },
];

export function stateName(code: string): string | null {
  return GST_STATES.find((s) => s.code === code)?.name ?? null;
}

/** The form as typed. */
export interface DetailsForm {
  legal_name: string;
  gstin: string;
  state_code: string;
  address: string;
  email: string;
}

export type DetailsField = keyof DetailsForm;

export function formFromDetails(d: BillingDetails | null, fallbackEmail = ""): DetailsForm {
  return {
    legal_name: d?.legal_name ?? "",
    gstin: d?.gstin ?? "",
    state_code: d?.state_code ?? "",
    address: d?.address ?? "",
    email: d ? (d.email ?? "") : fallbackEmail,
  };
}

/**
 * `PUT /billing/details`'s body: trimmed, the GSTIN upper-cased, blanks as
 * null. Or the first field that cannot be sent (the name and the state are
 * required); the server checks the rest (the GSTIN's shape and state code)
 * and says what is wrong.
 */
export function detailsBody(form: DetailsForm): { body: BillingDetails } | { field: DetailsField } {
  const legal_name = form.legal_name.trim();
  if (legal_name === "") return { field: "legal_name" };
  if (!/^\d\d$/.test(form.state_code)) return { field: "state_code" };
  const gstin = form.gstin.replace(/\s+/g, "").toUpperCase();
  const email = form.email.trim();
  return {
    body: {
      legal_name,
      gstin: gstin === "" ? null : gstin,
      state_code: form.state_code,
      address: form.address.trim(),
      email: email === "" ? null : email,
    },
  };
}

// ---- the account's state ----

/** The `account:status` socket frame's status; null for anything else. */
export function parseAccountStatus(data: unknown): AccountStatus | null {
  if (typeof data !== "object" || data === null) return null;
  const s = (data as { status?: unknown }).status;
  return s === "active" || s === "grace" || s === "restricted" || s === "suspended" ? s : null;
}
