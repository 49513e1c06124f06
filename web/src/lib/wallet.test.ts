import { describe, expect, it } from "vitest";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import { ApiError } from "./api";
import { describeError, walletShortfall } from "./errors";
import { canOpen } from "./nav";
import { FEATURES, formFromPlan } from "./plans";
import {
  creditBody,
  entryAmount,
  isLow,
  isWalletRefusal,
  kindText,
  newestId,
  rupees,
  rupeesExact,
  topupAmount,
  topupSince,
  waitsForWallet,
  type WalletEntry,
} from "./wallet";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

const entry = (id: number, kind: string, amount_e4: number, balance_after_e4 = 0): WalletEntry => ({
  id,
  kind,
  amount_e4,
  balance_after_e4,
  send_key: null,
  payment_id: null,
  note: null,
  created_at: "2026-11-29T10:00:00Z",
});

describe("wallet money", () => {
  it("shows rupees with 2 decimals, rounded half up from ten-thousandths, and the exact 4 in the tooltip", () => {
    expect(rupees(8631, "en-IN")).toBe("₹0.86");
    expect(rupees(8650, "en-IN")).toBe("₹0.87");
    expect(rupees(8649, "en-IN")).toBe("₹0.86");
    expect(rupees(0, "en-IN")).toBe("₹0.00");
    expect(rupees(5_000_000, "en-IN")).toBe("₹500.00");
    expect(rupees(5_500_000, "en-IN")).toBe("₹550.00");
    expect(rupees(5_000_000_000, "en-IN")).toBe("₹5,00,000.00");
    // Negative: the size rounds the same way.
    expect(rupees(-8650, "en-IN")).toBe("−₹0.87");
    expect(rupeesExact(8631, "en-IN")).toBe("₹0.8631");
    expect(rupeesExact(-8631, "en-IN")).toBe("−₹0.8631");
  });

  it("signs ledger amounts: credits +, charges −, a released hold unsigned", () => {
    expect(entryAmount(entry(1, "topup", 5_000_000), "en-IN")).toEqual({ text: "+₹500.00", exact: "+₹500.0000", tone: "credit" });
    expect(entryAmount(entry(2, "adjustment", 500_000), "en-IN").text).toBe("+₹50.00");
    expect(entryAmount(entry(3, "debit", -8631), "en-IN")).toEqual({ text: "−₹0.86", exact: "−₹0.8631", tone: "debit" });
    expect(entryAmount(entry(4, "release", 8631), "en-IN")).toEqual({ text: "₹0.86", exact: "₹0.8631", tone: "neutral" });
  });

  it("names the kinds, an unknown one as written", () => {
    expect(kindText("topup", t)).toBe("Top-up");
    expect(kindText("adjustment", t)).toBe("Credit from support");
    expect(kindText("debit", tHi)).toBe("शुल्क");
    expect(kindText("refund", t)).toBe("refund");
  });

  it("warns under ₹100 free, only when the plan has the wallet", () => {
    expect(isLow({ enabled: true, available_e4: 0 })).toBe(true);
    expect(isLow({ enabled: true, available_e4: 999_999 })).toBe(true);
    expect(isLow({ enabled: true, available_e4: 1_000_000 })).toBe(false);
    expect(isLow({ enabled: false, available_e4: 0 })).toBe(false);
    expect(isLow(null)).toBe(false);
  });

  it("sees a top-up arriving as a topup row above the newest row when it was asked", () => {
    const before = { ledger: [entry(7, "debit", -100), entry(5, "topup", 10_000)] };
    expect(newestId(before)).toBe(7);
    expect(newestId({ ledger: [] })).toBe(0);
    expect(topupSince(before, 7)).toBeNull();
    const after = { ledger: [entry(9, "topup", 5_000_000), ...before.ledger] };
    expect(topupSince(after, 7)?.id).toBe(9);
    expect(topupSince({ ledger: [entry(8, "adjustment", 1), ...before.ledger] }, 7)).toBeNull();
  });
});

describe("the top-up form", () => {
  it("takes a preset or a custom amount in rupees, ₹100 to ₹5,00,000", () => {
    expect(topupAmount({ kind: "preset", minor: 50_000 })).toEqual({ minor: 50_000 });
    expect(topupAmount({ kind: "custom", text: "2,500" })).toEqual({ minor: 250_000 });
    expect(topupAmount({ kind: "custom", text: "₹ 100.50" })).toEqual({ minor: 10_050 });
    expect(topupAmount({ kind: "custom", text: "99.99" })).toEqual({ problem: "min" });
    expect(topupAmount({ kind: "custom", text: "500000.01" })).toEqual({ problem: "max" });
    expect(topupAmount({ kind: "custom", text: "500000" })).toEqual({ minor: 50_000_000 });
    expect(topupAmount({ kind: "custom", text: "" })).toEqual({ problem: "invalid" });
    expect(topupAmount({ kind: "custom", text: "1.234" })).toEqual({ problem: "invalid" });
    expect(topupAmount({ kind: "custom", text: "abc" })).toEqual({ problem: "invalid" });
  });
});

describe("the operator's credit", () => {
  it("sends paise and a trimmed note of at least 3 characters", () => {
    expect(creditBody("50", "  Goodwill for the outage ")).toEqual({ body: { amount_minor: 5_000, note: "Goodwill for the outage" } });
    expect(creditBody("49.50", "NEFT")).toEqual({ body: { amount_minor: 4_950, note: "NEFT" } });
    expect(creditBody("0", "Goodwill")).toEqual({ problem: "amount" });
    expect(creditBody("", "Goodwill")).toEqual({ problem: "amount" });
    expect(creditBody("500001", "Goodwill")).toEqual({ problem: "amount" });
    expect(creditBody("50", " ok ")).toEqual({ problem: "note" });
  });
});

describe("a send the wallet cannot cover", () => {
  const server = "this template costs about ₹0.86 and the wallet has ₹0.12 free; top up in Settings → Wallet";
  it("says what it costs, what is free and where to top up, in English and Hindi", () => {
    const e = new ApiError(402, "WALLET_BALANCE_LOW", server);
    expect(isWalletRefusal(e)).toBe(true);
    expect(isWalletRefusal(new ApiError(402, "ACCOUNT_RESTRICTED", "…"))).toBe(false);
    expect(walletShortfall(server)).toEqual({ cost: "₹0.86", free: "₹0.12" });
    expect(walletShortfall("costs about ₹1,234.50 and the wallet has ₹-0.10 free")).toEqual({ cost: "₹1,234.50", free: "₹-0.10" });
    expect(describeError(e, t)).toBe(
      "Not enough in the prepaid wallet: this template costs about ₹0.86 and only ₹0.12 is free. An account admin can top it up in Settings → Wallet.",
    );
    expect(describeError(e, tHi)).toMatch(/₹0\.86.*₹0\.12.*वॉलेट/);
    expect(describeError(new ApiError(402, "WALLET_BALANCE_LOW", "top it up"), t)).toMatch(/^Not enough in the prepaid wallet for this template/);
  });

  it("links the wallet from a campaign that waits for it", () => {
    expect(waitsForWallet("the prepaid wallet's balance covers no more sends: top it up (Settings → Wallet) and the campaign goes on")).toBe(true);
    expect(waitsForWallet("Meta's messaging limit of 1000 customers per 24 hours is reached")).toBe(false);
    expect(waitsForWallet(null)).toBe(false);
  });
});

describe("who sees the wallet", () => {
  it("is open to everyone in the account (topping up is for admins, on the page)", () => {
    expect(canOpen("agent", "/settings/wallet")).toBe(true);
    expect(canOpen("tenant_admin", "/settings/wallet")).toBe(true);
  });

  it("keeps the wallet feature when an operator edits a plan", () => {
    expect(FEATURES).toContain("wallet");
    const plan = {
      code: "prepaid",
      name: "Prepaid",
      currency: "INR",
      price_monthly_minor: 49_900,
      price_annual_minor: null,
      limits: {},
      features: ["broadcasts", "wallet"],
      position: 1,
      active: true,
    };
    expect(formFromPlan(plan as never).features).toEqual(["broadcasts", "wallet"]);
  });
});
