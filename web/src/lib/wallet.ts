// The prepaid wallet (plans with the `wallet` feature): WhatsApp charges are
// paid from a balance topped up through Razorpay. Pure logic the Wallet page,
// the low-balance banner, the operator's credit dialog and the composer share.
// The server keeps money in ten-thousandths of a rupee (e4: ₹0.8631 = 8631);
// people see rupees with 2 decimals, rounded half up as the server rounds
// ((e4 + 50) / 100 paise), and the exact four decimals in a tooltip.

import { ApiError } from "./api";
import type { WalletEntry, WalletView } from "./apiTypes";
import type { MessageKey } from "../i18n/translate";
import type { Translate } from "./errors";
import { parseMajor } from "./plans";
import { formatE4, formatE4Exact } from "./usage";

export type { WalletEntry, WalletView };

export const WALLET_PATH = "/settings/wallet";

/** Under ₹100 free the page (and the admins' banner) warns. */
export const LOW_BALANCE_E4 = 100 * 10_000;

/** The top-up amounts offered, in paise: ₹500, ₹1,000, ₹5,000. */
export const TOPUP_PRESETS_MINOR = [50_000, 100_000, 500_000] as const;
/** The server's range for a top-up, in paise: ₹100 to ₹5,00,000. */
export const TOPUP_MIN_MINOR = 10_000;
export const TOPUP_MAX_MINOR = 50_000_000;
/** The server's range for an operator's credit, in paise (₹0.01 to ₹5,00,000), and its note (at least 3 characters). */
export const CREDIT_MAX_MINOR = 50_000_000;
export const CREDIT_NOTE_MIN = 3;
export const CREDIT_NOTE_MAX = 500;

/** After the payment page opens, the page asks for the wallet every 2 s for this long (and again on focus). */
export const TOPUP_POLL_MS = 2_000;
export const TOPUP_WATCH_MS = 30_000;

export const WALLET_KINDS = ["topup", "debit", "release", "adjustment"] as const;
export type WalletKind = (typeof WALLET_KINDS)[number];

export function isWalletKind(kind: string): kind is WalletKind {
  return (WALLET_KINDS as readonly string[]).includes(kind);
}

// ---- money ----

/** "₹0.86": rounded half up on the size (−0.8650 shows as "−₹0.87", like a cost of 0.8650). */
export function rupees(e4: number, locale: string, currency = "INR"): string {
  if (e4 < 0) return `−${formatE4(Math.abs(e4), currency, locale)}`;
  return formatE4(e4, currency, locale);
}

/** "₹0.8631": the exact amount. */
export function rupeesExact(e4: number, locale: string, currency = "INR"): string {
  if (e4 < 0) return `−${formatE4Exact(Math.abs(e4), currency, locale)}`;
  return formatE4Exact(e4, currency, locale);
}

/**
 * A ledger row's amount as shown: "+₹500.00" (a top-up or credit), "−₹0.86"
 * (a charge), or the freed amount of a released hold, which leaves the
 * balance as it was ("₹0.86", no sign).
 */
export function entryAmount(entry: Pick<WalletEntry, "kind" | "amount_e4">, locale: string, currency = "INR"): { text: string; exact: string; tone: "credit" | "debit" | "neutral" } {
  const size = Math.abs(entry.amount_e4);
  const money = formatE4(size, currency, locale);
  const exact = formatE4Exact(size, currency, locale);
  if (entry.kind === "release" || entry.amount_e4 === 0) return { text: money, exact, tone: "neutral" };
  if (entry.amount_e4 < 0) return { text: `−${money}`, exact: `−${exact}`, tone: "debit" };
  return { text: `+${money}`, exact: `+${exact}`, tone: "credit" };
}

/** The words for a ledger row's kind; an unknown kind as written. */
export function kindText(kind: string, t: Translate): string {
  return isWalletKind(kind) ? t(`wallet.kind.${kind}` as MessageKey) : kind;
}

/** Whether the free balance is under ₹100 (only for a plan with a wallet). */
export function isLow(view: Pick<WalletView, "enabled" | "available_e4"> | null | undefined): boolean {
  return !!view && view.enabled && view.available_e4 < LOW_BALANCE_E4;
}

/** The newest ledger id (0 without rows): a top-up is seen arriving as a topup row above it. */
export function newestId(view: Pick<WalletView, "ledger"> | null | undefined): number {
  return (view?.ledger ?? []).reduce((max, e) => Math.max(max, e.id), 0);
}

/** A top-up credited after the row `sinceId` (the newest one then), if any. */
export function topupSince(view: Pick<WalletView, "ledger">, sinceId: number): WalletEntry | null {
  return view.ledger.find((e) => e.kind === "topup" && e.id > sinceId) ?? null;
}

// ---- the top-up form ----

/** What the admin chose: a preset (paise) or a custom amount typed in rupees. */
export type TopupChoice = { kind: "preset"; minor: number } | { kind: "custom"; text: string };

export type TopupProblem = "invalid" | "min" | "max";

/** The amount to ask for, in paise, or what is wrong with the typed one. */
export function topupAmount(choice: TopupChoice): { minor: number } | { problem: TopupProblem } {
  const minor = choice.kind === "preset" ? choice.minor : parseMajor(choice.text, 2);
  if (minor === null || minor === "invalid") return { problem: "invalid" };
  if (minor < TOPUP_MIN_MINOR) return { problem: "min" };
  if (minor > TOPUP_MAX_MINOR) return { problem: "max" };
  return { minor };
}

// ---- the operator's credit ----

export type CreditProblem = "amount" | "note";

/** `POST /admin/tenants/{id}/wallet`'s body from the dialog (rupees as typed, the note trimmed), or the field to fix. */
export function creditBody(amount: string, note: string): { body: { amount_minor: number; note: string } } | { problem: CreditProblem } {
  const minor = parseMajor(amount, 2);
  if (minor === null || minor === "invalid" || minor <= 0 || minor > CREDIT_MAX_MINOR) return { problem: "amount" };
  const text = note.trim();
  if (text.length < CREDIT_NOTE_MIN || text.length > CREDIT_NOTE_MAX) return { problem: "note" };
  return { body: { amount_minor: minor, note: text } };
}

// ---- refusals ----

/** A paid send refused for the wallet's balance (402 WALLET_BALANCE_LOW). */
export function isWalletRefusal(e: unknown): boolean {
  return e instanceof ApiError && e.code === "WALLET_BALANCE_LOW";
}

/** A campaign's waiting reason that names the prepaid wallet (its balance covers no more sends): the page links the Wallet page. */
export function waitsForWallet(reason: string | null | undefined): boolean {
  return !!reason && /\bwallet\b/i.test(reason);
}
