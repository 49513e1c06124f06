import { describe, expect, it } from "vitest";
import type { Branding } from "./apiTypes";
import {
  brandPalette,
  contrastRatio,
  isHexColor,
  isPartnerBrand,
  mixHex,
  normalizeHex,
  PLATFORM_BRAND,
  readBranding,
  rebrand,
  retitle,
  sameOriginPath,
  webLink,
  whiteTextReadable,
} from "./brand";

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

describe("the host's brand", () => {
  it("reads the server's answer as is", () => {
    expect(readBranding(acme)).toEqual(acme);
    expect(isPartnerBrand(readBranding(acme))).toBe(true);
  });

  it("falls back to the platform's brand for a missing or broken answer", () => {
    expect(readBranding(null)).toEqual(PLATFORM_BRAND);
    expect(readBranding("<html>")).toEqual(PLATFORM_BRAND);
    expect(isPartnerBrand(readBranding({}))).toBe(false);
    expect(readBranding({ product_name: "  ", colors: { primary: "red", accent: 7 } })).toEqual(PLATFORM_BRAND);
  });

  it("shows only same-origin images and http(s) links (the CSP allows nothing else)", () => {
    const b = readBranding({
      ...acme,
      logo_url: "https://evil.test/logo.png",
      favicon_url: "//evil.test/x.ico",
      support_url: "javascript:alert(1)",
      terms_url: "https://acme.test/terms",
      support_email: "not an email",
    });
    expect(b.logo_url).toBeNull();
    expect(b.favicon_url).toBeNull();
    expect(b.support_url).toBeNull();
    expect(b.terms_url).toBe("https://acme.test/terms");
    expect(b.support_email).toBeNull();
    expect(sameOriginPath("/api/v1/branding/favicon?v=1")).toBe("/api/v1/branding/favicon?v=1");
    expect(webLink("http://x.test/a b")).toBeNull();
  });

  it("keeps the inbox's unread count in the tab title when the name changes", () => {
    expect(retitle("(3) whatsflow", "whatsflow", "Acme Chat")).toBe("(3) Acme Chat");
    expect(retitle("(3) Acme Chat", "whatsflow", "Acme Chat")).toBe("(3) Acme Chat");
    expect(retitle("whatsflow", "whatsflow", "Acme Chat")).toBe("Acme Chat");
    expect(retitle("", "whatsflow", "Acme Chat")).toBe("Acme Chat");
    expect(retitle("Something else", "whatsflow", "Acme Chat")).toBe("Acme Chat");
  });
});

describe("colours", () => {
  it("takes #rrggbb, and reads #rgb and bare hex as it", () => {
    expect(isHexColor("#16a34a")).toBe(true);
    expect(isHexColor("#16A34A")).toBe(true);
    expect(isHexColor("16a34a")).toBe(false);
    expect(isHexColor("#16a34")).toBe(false);
    expect(normalizeHex("#ABC")).toBe("#aabbcc");
    expect(normalizeHex(" 16A34A ")).toBe("#16a34a");
    expect(normalizeHex("green")).toBeNull();
    expect(normalizeHex("#12345g")).toBeNull();
  });

  it("mixes toward white and black", () => {
    expect(mixHex("#000000", "#ffffff", 0.5)).toBe("#808080");
    expect(mixHex("#e11d48", "#ffffff", 0)).toBe("#e11d48");
    expect(mixHex("#e11d48", "#000000", 1)).toBe("#000000");
  });

  it("draws the app's shades: primary for buttons and tints, accent for the top bar", () => {
    const p = brandPalette({ primary: "#E11D48", accent: "#0F766E" });
    expect(p["--color-brand-600"]).toBe("#e11d48");
    expect(p["--color-brand-700"]).toBe("#0f766e");
    // Tints lighter than the primary colour.
    for (const k of ["--color-brand-50", "--color-brand-100", "--color-brand-500"]) expect(contrastRatio(p[k]!, "#ffffff")).toBeLessThan(contrastRatio("#e11d48", "#ffffff"));
    expect(brandPalette({ primary: "oops", accent: "#fff" })["--color-brand-600"]).toBe(PLATFORM_BRAND.colors.primary);
    expect(brandPalette({ primary: "oops", accent: "#fff" })["--color-brand-700"]).toBe("#ffffff");
  });

  it("matches the platform's own theme for the platform's colours", () => {
    const p = brandPalette(PLATFORM_BRAND.colors);
    expect(p["--color-brand-600"]).toBe("#0f7a6e");
    expect(p["--color-brand-700"]).toBe("#075e54");
  });

  it("warns when white words would be hard to read on the primary colour", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(whiteTextReadable("#075e54")).toBe(true);
    expect(whiteTextReadable("#e11d48")).toBe(true);
    expect(whiteTextReadable("#fde047")).toBe(false);
    expect(whiteTextReadable("#ffffff")).toBe(false);
  });
});

describe("the app's words under a partner's product name", () => {
  const messages = { "auth.login.title": "Sign in to whatsflow", "app.name": "whatsflow", "x.hint": "Shown instead of {platform}", other: "Nothing here" };

  it("names the partner's product wherever the platform's name is written", () => {
    const out = rebrand(messages, "Acme $& Chat");
    expect(out["auth.login.title"]).toBe("Sign in to Acme $& Chat");
    expect(out["app.name"]).toBe("Acme $& Chat");
    // Parameters are filled in later, untouched.
    expect(out["x.hint"]).toBe("Shown instead of {platform}");
    expect(out.other).toBe("Nothing here");
  });

  it("leaves the platform's own words as they are (the same object)", () => {
    expect(rebrand(messages, "whatsflow")).toBe(messages);
    expect(rebrand(messages, "")).toBe(messages);
  });
});
