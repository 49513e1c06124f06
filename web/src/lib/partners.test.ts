import { describe, expect, it } from "vitest";
import type { Branding } from "./apiTypes";
import {
  BRAND_IMAGE_MAX_BYTES,
  brandDataUrl,
  brandImageProblem,
  brandingBody,
  brandingForm,
  bpsToPercent,
  dataUrlBytes,
  hostUrl,
  isValidSlug,
  ledgerAddsUp,
  ledgerTotals,
  margin,
  monthChoices,
  monthLabel,
  monthOf,
  normalizeDomain,
  partnerUnlocked,
  percentToBps,
  previewImage,
  retailBelowWholesale,
  slugFromName,
  termsBody,
  type LedgerEntry,
} from "./partners";

const acme: Branding = {
  product_name: "Acme Chat",
  logo_url: "/api/v1/branding/logo?v=ab12",
  favicon_url: null,
  colors: { primary: "#e11d48", accent: "#0f766e" },
  support_email: "help@acme.test",
  support_url: "https://acme.test/help",
  terms_url: null,
  privacy_url: null,
  partner_id: "p-1",
};

describe("logo and favicon files", () => {
  it("takes PNG, JPEG, WebP and ICO up to 256 KiB", () => {
    expect(brandImageProblem({ type: "image/png", size: 1000 })).toBeNull();
    expect(brandImageProblem({ type: "image/jpeg", size: BRAND_IMAGE_MAX_BYTES })).toBeNull();
    expect(brandImageProblem({ type: "image/png", size: BRAND_IMAGE_MAX_BYTES + 1 })).toBe("size");
    expect(brandImageProblem({ type: "image/svg+xml", size: 100 })).toBe("type");
    expect(brandImageProblem({ type: "image/gif", size: 100 })).toBe("type");
    // Browsers name .ico files in several ways.
    expect(brandImageProblem({ type: "image/vnd.microsoft.icon", size: 100 })).toBeNull();
    expect(brandImageProblem({ type: "", size: 100, name: "favicon.ico" })).toBeNull();
    expect(brandImageProblem({ type: "", size: 100, name: "logo.bmp" })).toBe("type");
  });

  it("counts the decoded bytes of a base64 data URL", () => {
    expect(dataUrlBytes("data:image/png;base64,")).toBe(0);
    expect(dataUrlBytes("data:image/png;base64,AAAA")).toBe(3);
    expect(dataUrlBytes("data:image/png;base64,AAA=")).toBe(2);
    expect(dataUrlBytes("data:image/png;base64,AA==")).toBe(1);
    expect(dataUrlBytes("data:image/png,notbase64")).toBeNull();
    expect(dataUrlBytes("https://x.test/a.png")).toBeNull();
  });

  it("sends the server the type it accepts, and nothing over the limit", () => {
    expect(brandDataUrl("data:image/png;base64,iVBORw0KGgo=")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(brandDataUrl("data:image/vnd.microsoft.icon;base64,AAABAA==")).toBe("data:image/x-icon;base64,AAABAA==");
    expect(brandDataUrl("data:application/octet-stream;base64,AAABAA==", "x.ico")).toBeNull();
    expect(brandDataUrl("data:;base64,AAABAA==", "favicon.ico")).toBe("data:image/x-icon;base64,AAABAA==");
    expect(brandDataUrl("data:image/svg+xml;base64,PHN2Zz4=")).toBeNull();
    expect(brandDataUrl("data:image/png;base64,")).toBeNull();
    const tooBig = "A".repeat(Math.ceil((BRAND_IMAGE_MAX_BYTES + 3) / 3) * 4);
    expect(brandDataUrl(`data:image/png;base64,${tooBig}`)).toBeNull();
    const fits = "A".repeat(Math.floor(BRAND_IMAGE_MAX_BYTES / 3) * 4);
    expect(brandDataUrl(`data:image/png;base64,${fits}`)).not.toBeNull();
  });
});

describe("the branding form", () => {
  it("starts from the stored brand and keeps the images", () => {
    const form = brandingForm(acme);
    expect(form).toMatchObject({ product_name: "Acme Chat", primary: "#e11d48", support_url: "https://acme.test/help", terms_url: "" });
    const parsed = brandingBody(form);
    expect(parsed).toEqual({
      body: {
        product_name: "Acme Chat",
        colors: { primary: "#e11d48", accent: "#0f766e" },
        support_email: "help@acme.test",
        support_url: "https://acme.test/help",
        terms_url: null,
        privacy_url: null,
      },
    });
    // Absent logo/favicon: keep.
    expect("logo" in (parsed as { body: object }).body).toBe(false);
  });

  it("sends null to remove an image and the data URL to replace it", () => {
    const form = { ...brandingForm(acme), logo: { kind: "remove" as const }, favicon: { kind: "replace" as const, dataUrl: "data:image/png;base64,AAAA" } };
    const parsed = brandingBody(form);
    expect("body" in parsed && parsed.body.logo).toBeNull();
    expect("body" in parsed && parsed.body.favicon).toBe("data:image/png;base64,AAAA");
    expect(previewImage(form.logo, acme.logo_url)).toBeNull();
    expect(previewImage(form.favicon, null)).toBe("data:image/png;base64,AAAA");
    expect(previewImage({ kind: "keep" }, acme.logo_url)).toBe(acme.logo_url);
  });

  it("names the first field that is not right", () => {
    const base = brandingForm(acme);
    expect(brandingBody({ ...base, product_name: "   " })).toEqual({ field: "product_name" });
    expect(brandingBody({ ...base, product_name: "x".repeat(61) })).toEqual({ field: "product_name" });
    expect(brandingBody({ ...base, product_name: "x".repeat(60) })).toHaveProperty("body");
    expect(brandingBody({ ...base, primary: "red" })).toEqual({ field: "colors.primary" });
    expect(brandingBody({ ...base, accent: "#12" })).toEqual({ field: "colors.accent" });
    expect(brandingBody({ ...base, support_email: "help" })).toEqual({ field: "support_email" });
    expect(brandingBody({ ...base, privacy_url: "acme.test/privacy" })).toEqual({ field: "privacy_url" });
    expect(brandingBody({ ...base, terms_url: "ftp://acme.test" })).toEqual({ field: "terms_url" });
  });

  it("normalises colours and trims on the way out", () => {
    const parsed = brandingBody({ ...brandingForm(acme), product_name: "  Acme  ", primary: "#ABC", support_email: " " });
    expect(parsed).toMatchObject({ body: { product_name: "Acme", colors: { primary: "#aabbcc" }, support_email: null } });
  });
});

describe("slugs and domains", () => {
  it("takes 3–30 of a–z, 0–9 and inner hyphens", () => {
    expect(isValidSlug("acme")).toBe(true);
    expect(isValidSlug("acme-digital-2")).toBe(true);
    expect(isValidSlug("ab")).toBe(false);
    expect(isValidSlug("a".repeat(30))).toBe(true);
    expect(isValidSlug("a".repeat(31))).toBe(false);
    expect(isValidSlug("-acme")).toBe(false);
    expect(isValidSlug("acme-")).toBe(false);
    expect(isValidSlug("Acme")).toBe(false);
    expect(isValidSlug("ac_me")).toBe(false);
  });

  it("suggests a slug from the business name", () => {
    expect(slugFromName("Acme Digital Pvt. Ltd.")).toBe("acme-digital-pvt-ltd");
    expect(slugFromName("  Café Ñandú  ")).toBe("cafe-nandu");
    expect(slugFromName("मेरा व्यापार")).toBe("");
    expect(slugFromName("x".repeat(29) + " y")).toBe("x".repeat(29));
  });

  it("reads a domain the way the server stores it", () => {
    expect(normalizeDomain("Chat.Example.com")).toBe("chat.example.com");
    expect(normalizeDomain("https://chat.example.com:8443/login?x=1")).toBe("chat.example.com");
    expect(normalizeDomain("chat.example.com.")).toBe("chat.example.com");
    expect(normalizeDomain("localhost")).toBeNull();
    expect(normalizeDomain("10.0.0.1")).toBeNull();
    expect(normalizeDomain("bad_domain.com")).toBeNull();
    expect(normalizeDomain("-x.example.com")).toBeNull();
    expect(normalizeDomain("")).toBeNull();
  });

  it("opens a partner's host with this page's scheme and port", () => {
    expect(hostUrl("acme.localhost", { protocol: "http:", port: "8080" })).toBe("http://acme.localhost:8080");
    expect(hostUrl("acme.example.com", { protocol: "https:", port: "" })).toBe("https://acme.example.com");
  });
});

describe("money", () => {
  it("turns basis points into percent and back", () => {
    expect(bpsToPercent(6000)).toBe("60");
    expect(bpsToPercent(6250)).toBe("62.5");
    expect(bpsToPercent(3333)).toBe("33.33");
    expect(bpsToPercent(5)).toBe("0.05");
    expect(bpsToPercent(0)).toBe("0");
    expect(percentToBps("60")).toBe(6000);
    expect(percentToBps("62.5 %")).toBe(6250);
    expect(percentToBps("33,33")).toBe(3333);
    expect(percentToBps("100")).toBe(10000);
    expect(percentToBps("100.01")).toBeNull();
    expect(percentToBps("12.345")).toBeNull();
    expect(percentToBps("-5")).toBeNull();
    expect(percentToBps("")).toBeNull();
  });

  const entry = (gross: number, partner: number, kind = "share"): LedgerEntry => ({
    id: gross,
    at: "2026-11-20T10:00:00Z",
    kind,
    client_id: "c1",
    client_name: "Client",
    payment_id: "pay_1",
    refund_id: kind === "reversal" ? "rfnd_1" : null,
    gross_minor: gross,
    partner_minor: partner,
    platform_minor: gross - partner,
  });

  it("sums a month's entries to the paisa, reversals negative", () => {
    // 60/40 of ₹2,999 = ₹1,799.40 / ₹1,199.60; half refunded reverses half of each.
    const entries = [entry(299_900, 179_940), entry(-149_950, -89_970, "reversal")];
    expect(ledgerTotals(entries)).toEqual({ gross_minor: 149_950, partner_minor: 89_970, platform_minor: 59_980 });
    expect(ledgerTotals([])).toEqual({ gross_minor: 0, partner_minor: 0, platform_minor: 0 });
  });

  it("checks a statement adds up", () => {
    const entries = [entry(299_900, 179_940)];
    expect(ledgerAddsUp({ entries, totals: ledgerTotals(entries) })).toBe(true);
    expect(ledgerAddsUp({ entries, totals: { gross_minor: 299_900, partner_minor: 179_941, platform_minor: 119_960 } })).toBe(false);
    expect(ledgerAddsUp({ entries: [{ ...entries[0]!, platform_minor: 1 }], totals: { gross_minor: 299_900, partner_minor: 179_940, platform_minor: 1 } })).toBe(false);
  });

  it("keeps retail prices at or above wholesale", () => {
    expect(retailBelowWholesale(null, 299_900)).toBe(false);
    expect(retailBelowWholesale(299_900, 299_900)).toBe(false);
    expect(retailBelowWholesale(299_899, 299_900)).toBe(true);
    expect(retailBelowWholesale(100, null)).toBe(false);
    expect(margin(349_900, 299_900)).toBe(50_000);
    expect(margin(null, 299_900)).toBe(0);
    expect(margin(100, null)).toBeNull();
  });

  it("reads an operator's terms", () => {
    expect(termsBody({ model: "markup", share: "", fee: "" })).toEqual({ body: { model: "markup" } });
    expect(termsBody({ model: "revenue_share", share: "60", fee: "" })).toEqual({ body: { model: "revenue_share", revenue_share_bps: 6000 } });
    expect(termsBody({ model: "revenue_share", share: "160", fee: "" })).toEqual({ problem: "share" });
    expect(termsBody({ model: "hybrid", share: "50", fee: "499.50" })).toEqual({ body: { model: "hybrid", revenue_share_bps: 5000, platform_fee_minor: 49_950 } });
    expect(termsBody({ model: "hybrid", share: "50", fee: "" })).toEqual({ problem: "fee" });
    expect(termsBody({ model: "hybrid", share: "50", fee: "4.999" })).toEqual({ problem: "fee" });
  });
});

describe("statement months", () => {
  it("names the month in UTC and in the reader's language", () => {
    expect(monthOf(Date.UTC(2026, 10, 30, 23, 59))).toBe("2026-11");
    expect(monthOf(Date.UTC(2027, 0, 1))).toBe("2027-01");
    expect(monthLabel("2026-11", "en-US")).toBe("November 2026");
    expect(monthLabel("nonsense", "en-US")).toBe("nonsense");
  });

  it("offers this month, the shown one and those with entries, newest first, once each", () => {
    expect(monthChoices(["2026-10", "2026-08"], "2026-08", "2026-11")).toEqual(["2026-11", "2026-10", "2026-08"]);
    expect(monthChoices([], "2026-11", "2026-11")).toEqual(["2026-11"]);
    expect(monthChoices(["bad"], "2026-11", "2026-11")).toEqual(["2026-11"]);
  });
});

describe("the partner's status", () => {
  it("opens the area only once approved", () => {
    expect(partnerUnlocked({ status: "approved" })).toBe(true);
    expect(partnerUnlocked({ status: "pending" })).toBe(false);
    expect(partnerUnlocked({ status: "suspended" })).toBe(false);
    expect(partnerUnlocked(null)).toBe(false);
  });

});
