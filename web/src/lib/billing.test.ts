import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import { ApiError } from "./api";
import {
  canCancel,
  detailsBody,
  formFromDetails,
  GST_STATES,
  gstOn,
  howPaid,
  isAwaitingPayment,
  isLive,
  parseAccountStatus,
  pdfName,
  planAction,
  stateName,
  SUBSCRIPTION_STATUSES,
  subscriptionStatusText,
  taxOf,
  withGst,
} from "./billing";
import { describeError } from "./errors";
import { parseServerFrame } from "./realtime";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

const plan = (code: string, monthly: number | null, annual: number | null = monthly === null ? null : monthly * 10) => ({
  code,
  price_monthly_minor: monthly,
  price_annual_minor: annual,
});

describe("GST on plan prices", () => {
  it("adds 18% rounded half up, as the server charges it", () => {
    expect(withGst(99_900)).toBe(117_882);
    expect(withGst(299_900)).toBe(353_882); // ₹3,538.82: Professional monthly
    expect(gstOn(299_900)).toBe(53_982);
    expect(withGst(2_999_000)).toBe(3_538_820);
    expect(withGst(1)).toBe(1); // 0.18 paisa rounds to 0
    expect(withGst(3)).toBe(4); // 0.54 rounds to 1
    expect(withGst(0)).toBe(0);
  });
});

describe("which plans can be bought by card", () => {
  it("custom prices and more than ₹15,000 a month go to sales", () => {
    expect(howPaid(plan("starter", 99_900), "monthly")).toBe("card");
    expect(howPaid(plan("enterprise", null), "monthly")).toBe("custom");
    expect(howPaid(plan("enterprise", null), "annual")).toBe("custom");
    expect(howPaid(plan("big", 1_500_000), "monthly")).toBe("card");
    expect(howPaid(plan("bigger", 1_500_001), "monthly")).toBe("invoiced");
    // Annual: the monthly equivalent counts (₹1,80,000 a year is ₹15,000 a month).
    expect(howPaid(plan("y", 1_600_000, 18_000_000), "annual")).toBe("card");
    expect(howPaid(plan("y", 1_600_000, 18_000_012), "annual")).toBe("invoiced");
    expect(howPaid(plan("monthly-only", 99_900, null), "annual")).toBe("custom");
  });

  it("disables the plan paid for, locks the others while one is live, and needs a gateway", () => {
    const pro = plan("professional", 299_900);
    const starter = plan("starter", 99_900);
    const none = { status: "none", billing_configured: true };
    expect(planAction(pro, "monthly", none).kind).toBe("subscribe");
    expect(planAction(pro, "monthly", null).kind).toBe("subscribe");
    expect(planAction(plan("enterprise", null), "monthly", none).kind).toBe("contact");
    expect(planAction(pro, "monthly", { ...none, billing_configured: false }).kind).toBe("unavailable");
    const active = { status: "active", plan_code: "professional", cycle: "monthly", billing_configured: true };
    expect(planAction(pro, "monthly", active).kind).toBe("current");
    expect(planAction(pro, "annual", active).kind).toBe("locked");
    expect(planAction(starter, "monthly", active).kind).toBe("locked");
    expect(planAction(plan("enterprise", null), "monthly", active).kind).toBe("contact");
    // Not authorised yet: a new choice replaces it.
    const created = { ...active, status: "created" };
    expect(planAction(pro, "monthly", created).kind).toBe("subscribe");
    expect(planAction(starter, "monthly", created).kind).toBe("subscribe");
    // Owing still blocks (cancel first or pay); cancelled frees every plan.
    expect(planAction(starter, "monthly", { ...active, status: "halted" }).kind).toBe("locked");
    expect(planAction(pro, "monthly", { ...active, status: "cancelled" }).kind).toBe("subscribe");
  });
});

describe("subscription states", () => {
  it("polls while Razorpay has not confirmed, and cancels what is not over", () => {
    expect(isAwaitingPayment("created")).toBe(true);
    expect(isAwaitingPayment("authenticated")).toBe(true);
    expect(isAwaitingPayment("active")).toBe(false);
    expect(isAwaitingPayment(undefined)).toBe(false);
    expect(isLive("active")).toBe(true);
    expect(isLive("pending")).toBe(true);
    expect(isLive("halted")).toBe(true);
    expect(isLive("created")).toBe(false);
    expect(isLive("cancelled")).toBe(false);
    expect(canCancel("created")).toBe(true);
    expect(canCancel("halted")).toBe(true);
    expect(canCancel("none")).toBe(false);
    expect(canCancel("cancelled")).toBe(false);
    expect(canCancel("completed")).toBe(false);
  });

  it("names every status in English and Hindi; an unknown one as written", () => {
    for (const s of SUBSCRIPTION_STATUSES) {
      expect(`billing.status.${s}` in en, s).toBe(true);
      expect(subscriptionStatusText(s, t)).not.toBe(s);
      expect(subscriptionStatusText(s, tHi)).not.toBe(subscriptionStatusText(s, t));
    }
    expect(subscriptionStatusText("active", t)).toBe("Active");
    expect(subscriptionStatusText("created", t)).toBe("Awaiting payment");
    expect(subscriptionStatusText("weird", t)).toBe("weird");
  });
});

describe("invoices", () => {
  it("shows IGST across states, CGST and SGST within", () => {
    expect(taxOf({ cgst_minor: 0, sgst_minor: 0, igst_minor: 53_982 })).toEqual({ kind: "igst", igst: 53_982 });
    expect(taxOf({ cgst_minor: 26_991, sgst_minor: 26_991, igst_minor: 0 })).toEqual({ kind: "split", cgst: 26_991, sgst: 26_991 });
    expect(taxOf({ cgst_minor: 0, sgst_minor: 0, igst_minor: 0 })).toEqual({ kind: "igst", igst: 0 });
  });
  it("names a PDF after its number", () => {
    expect(pdfName({ number: "WF2627-000001" })).toBe("WF2627-000001.pdf");
    expect(pdfName({ number: "a/b" })).toBe("a_b.pdf");
    expect(pdfName({ number: "" })).toBe("invoice.pdf");
  });
});

describe("the billing details form", () => {
  it("lists the server's GST state codes", () => {
    expect(GST_STATES).toHaveLength(36);
    expect(GST_STATES[0]).toEqual({ code: "01", name: "Jammu and Kashmir" });
    expect(GST_STATES.at(-1)).toEqual({ code: "38", name: "Ladakh" });
    expect(stateName("27")).toBe("Maharashtra");
    expect(stateName("29")).toBe("Karnataka");
    expect(stateName("25")).toBeNull(); // merged into 26
    expect(new Set(GST_STATES.map((s) => s.code)).size).toBe(GST_STATES.length);
  });

  it("trims, upper-cases the GSTIN and sends blanks as null", () => {
    const form = { legal_name: "  Acme Traders LLP ", gstin: " 27aapfu0939f1zv ", state_code: "27", address: " 1 MG Road, Pune ", email: " " };
    expect(detailsBody(form)).toEqual({
      body: { legal_name: "Acme Traders LLP", gstin: "27AAPFU0939F1ZV", state_code: "27", address: "1 MG Road, Pune", email: null },
    });
    expect(detailsBody({ ...form, gstin: "" })).toMatchObject({ body: { gstin: null } });
    expect(detailsBody({ ...form, email: "a@b.in" })).toMatchObject({ body: { email: "a@b.in" } });
    expect(detailsBody({ ...form, legal_name: "  " })).toEqual({ field: "legal_name" });
    expect(detailsBody({ ...form, state_code: "" })).toEqual({ field: "state_code" });
  });

  it("starts from the saved details, or empty with the admin's email", () => {
    expect(formFromDetails(null, "me@x.in")).toEqual({ legal_name: "", gstin: "", state_code: "", address: "", email: "me@x.in" });
    expect(formFromDetails({ legal_name: "A", gstin: null, state_code: "29", address: "B", email: null }, "me@x.in")).toEqual({
      legal_name: "A",
      gstin: "",
      state_code: "29",
      address: "B",
      email: "",
    });
  });

});

describe("the account's state", () => {
  it("reads the account:status frame", () => {
    const frame = parseServerFrame('{"event":"account:status","data":{"status":"restricted"}}');
    expect(frame?.event).toBe("account:status");
    expect(parseAccountStatus(frame?.data)).toBe("restricted");
    expect(parseAccountStatus({ status: "grace" })).toBe("grace");
    expect(parseAccountStatus({ status: "active" })).toBe("active");
    expect(parseAccountStatus({ status: "bogus" })).toBeNull();
    expect(parseAccountStatus(null)).toBeNull();
  });

  it("explains a send refused for an overdue payment, pointing at Billing", () => {
    const server = "the account is restricted because its payment is overdue: pay from Settings → Billing and messages go out again";
    expect(describeError(new ApiError(402, "ACCOUNT_RESTRICTED", server), t)).toMatch(/^Payment overdue: .*Settings → Billing/);
    expect(describeError(new ApiError(402, "ACCOUNT_RESTRICTED", server), tHi)).toMatch(/बिलिंग/);
    expect(describeError(new ApiError(403, "BILLING_NOT_CONFIGURED", "no RAZORPAY_KEY_ID"), t)).toMatch(/not set up on this installation/);
    // Our words, with the gateway's own reason kept as the detail.
    expect(describeError(new ApiError(502, "PAYMENT_GATEWAY", "Razorpay: Authentication failed"), t)).toBe(
      "The payment service refused or could not be reached. Try again in a few minutes. Razorpay: Authentication failed.",
    );
  });
});
