import { describe, expect, it } from "vitest";
import {
  affiliatePhase,
  detailsBody,
  detailsForm,
  earningsByState,
  normalizeGstin,
  normalizePhone,
  normalizeVpa,
  payoutInFlight,
  payoutTotals,
  thresholdProgress,
  tierRateBps,
} from "./affiliates";

describe("affiliatePhase", () => {
  it("joins when not in the programme, waits while pending, and shows the dashboard once approved", () => {
    expect(affiliatePhase(null)).toBe("join");
    expect(affiliatePhase({ status: "pending" })).toBe("pending");
    expect(affiliatePhase({ status: "approved" })).toBe("approved");
    expect(affiliatePhase({ status: "suspended" })).toBe("suspended");
    // A status the page does not know yet is treated as not approved.
    expect(affiliatePhase({ status: "reviewing" })).toBe("pending");
  });
});

describe("normalizeVpa", () => {
  it("takes name@bank, trimmed and in lower case", () => {
    expect(normalizeVpa(" Asha.R@OkBank ")).toBe("asha.r@okbank");
    expect(normalizeVpa("98123-45678@upi")).toBe("98123-45678@upi");
    expect(normalizeVpa("a_b@ybl")).toBe("a_b@ybl");
  });
  it("refuses what is not a UPI address", () => {
    expect(normalizeVpa("")).toBeNull();
    expect(normalizeVpa("asha")).toBeNull();
    expect(normalizeVpa("@okbank")).toBeNull();
    expect(normalizeVpa("asha@")).toBeNull();
    expect(normalizeVpa("asha@ok@bank")).toBeNull();
    expect(normalizeVpa("asha r@okbank")).toBeNull();
    expect(normalizeVpa(`${"a".repeat(95)}@bank1`)).toBeNull();
  });
});

describe("normalizePhone", () => {
  it("drops what people type between digits", () => {
    expect(normalizePhone("+91 98123 45678")).toBe("+919812345678");
    expect(normalizePhone("+91-(981)-234.5678")).toBe("+919812345678");
    expect(normalizePhone("9812345678")).toBe("9812345678");
  });
  it("wants 8 to 15 digits", () => {
    expect(normalizePhone("+1234567")).toBeNull();
    expect(normalizePhone("+1234567890123456")).toBeNull();
    expect(normalizePhone("+91 98x23 45678")).toBeNull();
    expect(normalizePhone("++919812345678")).toBeNull();
  });
});

describe("normalizeGstin", () => {
  it("takes 15 letters and digits in upper case", () => {
    expect(normalizeGstin("29abcde1234f1z5")).toBe("29ABCDE1234F1Z5");
    expect(normalizeGstin(" 29ABCDE 1234F1Z5 ")).toBe("29ABCDE1234F1Z5");
    expect(normalizeGstin("29ABCDE1234F1Z")).toBeNull();
    expect(normalizeGstin("29ABCDE1234F1Z-")).toBeNull();
  });
});

describe("detailsBody", () => {
  it("sends only the fields filled in, as the server stores them", () => {
    expect(detailsBody({ payout_vpa: " Asha@OkBank", phone: "", gstin: "" })).toEqual({ body: { payout_vpa: "asha@okbank" } });
    expect(detailsBody({ payout_vpa: "", phone: "+91 98123 45678", gstin: "29abcde1234f1z5" })).toEqual({
      body: { phone: "+919812345678", gstin: "29ABCDE1234F1Z5" },
    });
    expect(detailsBody({ payout_vpa: "", phone: " ", gstin: "" })).toEqual({ body: {} });
  });
  it("names the first field that is not right", () => {
    expect(detailsBody({ payout_vpa: "asha", phone: "12", gstin: "x" })).toEqual({ field: "payout_vpa" });
    expect(detailsBody({ payout_vpa: "asha@okbank", phone: "12", gstin: "x" })).toEqual({ field: "phone" });
    expect(detailsBody({ payout_vpa: "", phone: "", gstin: "x" })).toEqual({ field: "gstin" });
  });
  it("starts from what the server has", () => {
    expect(detailsForm(null)).toEqual({ payout_vpa: "", phone: "", gstin: "" });
    expect(detailsForm({ payout_vpa: "asha@okbank", phone: null, gstin: "29ABCDE1234F1Z5" })).toEqual({ payout_vpa: "asha@okbank", phone: "", gstin: "29ABCDE1234F1Z5" });
  });
});

describe("thresholdProgress", () => {
  it("measures the balance against ₹1,000", () => {
    expect(thresholdProgress(0, 100_000)).toEqual({ percent: 0, remaining_minor: 100_000, reached: false });
    expect(thresholdProgress(59_980, 100_000)).toEqual({ percent: 59, remaining_minor: 40_020, reached: false });
    expect(thresholdProgress(100_000, 100_000)).toEqual({ percent: 100, remaining_minor: 0, reached: true });
    expect(thresholdProgress(250_000, 100_000)).toEqual({ percent: 100, remaining_minor: 0, reached: true });
  });
  it("shows a negative balance (after a clawback) as nothing yet, with more to earn", () => {
    expect(thresholdProgress(-20_000, 100_000)).toEqual({ percent: 0, remaining_minor: 120_000, reached: false });
  });
  it("falls back to ₹1,000 when the server says no threshold", () => {
    expect(thresholdProgress(50_000, 0).percent).toBe(50);
  });
});

describe("earningsByState", () => {
  it("lists every state in the dashboard's order", () => {
    const rows = earningsByState({ held_minor: 1, payable_minor: 2, paid_minor: 3, in_flight_minor: 4, clawed_back_minor: 5 });
    expect(rows).toEqual([
      { state: "held", amount_minor: 1 },
      { state: "payable", amount_minor: 2 },
      { state: "in_flight", amount_minor: 4 },
      { state: "paid", amount_minor: 3 },
      { state: "clawed_back", amount_minor: 5 },
    ]);
  });
});

describe("payouts", () => {
  it("tells payouts on their way from final ones", () => {
    for (const s of ["created", "queued", "processing"]) expect(payoutInFlight(s)).toBe(true);
    for (const s of ["processed", "reversed", "failed"]) expect(payoutInFlight(s)).toBe(false);
  });
  it("sums what was paid and what is on its way (reversed and failed count for neither)", () => {
    expect(
      payoutTotals([
        { status: "processed", amount_minor: 120_000 },
        { status: "processing", amount_minor: 100_000 },
        { status: "queued", amount_minor: 5 },
        { status: "reversed", amount_minor: 999 },
        { status: "failed", amount_minor: 7 },
      ]),
    ).toEqual({ paid_minor: 120_000, in_flight_minor: 100_005 });
  });
  it("knows each tier's rate", () => {
    expect(tierRateBps("standard")).toBe(2000);
    expect(tierRateBps("premium")).toBe(2500);
  });
});
