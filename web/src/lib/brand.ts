// The brand of the host a page was loaded from (`GET /api/v1/branding`): a
// white-label partner's or the platform's, read defensively, and the colours,
// title and links the app draws from it. Small on purpose: every page loads it.

import type { BrandColors, Branding } from "./apiTypes";

/** The platform's own brand: what the app shows before (or without) an answer from `GET /branding`. */
export const PLATFORM_BRAND: Branding = {
  product_name: "whatsflow",
  logo_url: null,
  favicon_url: null,
  colors: { primary: "#0f7a6e", accent: "#075e54" },
  support_email: null,
  support_url: null,
  terms_url: null,
  privacy_url: null,
  partner_id: null,
};

const HEX = /^#[0-9a-f]{6}$/i;

/** Whether `s` is a colour the server takes: "#rrggbb". */
export function isHexColor(s: string): boolean {
  return HEX.test(s.trim());
}

/** "#ABC" and "abcdef" as "#aabbcc"/"#abcdef"; null when it is not a colour. */
export function normalizeHex(input: string): string | null {
  let s = input.trim().toLowerCase();
  if (!s.startsWith("#")) s = `#${s}`;
  if (/^#[0-9a-f]{3}$/.test(s)) s = `#${s[1]}${s[1]}${s[2]}${s[2]}${s[3]}${s[3]}`;
  return HEX.test(s) ? s : null;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

/**
 * Only same-origin paths are shown as the brand's images (the server serves
 * a partner's logo and icon itself; nothing is fetched from elsewhere):
 * "/api/v1/branding/logo?v=…" yes, "https://…" or "//host/…" no.
 */
export function sameOriginPath(v: unknown): string | null {
  const s = text(v);
  return s && s.startsWith("/") && !s.startsWith("//") ? s : null;
}

/** An outside link shown to people (support, terms, privacy): http(s) only. */
export function webLink(v: unknown): string | null {
  const s = text(v);
  return s && /^https?:\/\/[^\s]+$/i.test(s) ? s : null;
}

/**
 * The server's brand answer, read defensively: each missing or malformed
 * field falls back to the platform's (a broken answer never breaks the login
 * page).
 */
export function readBranding(raw: unknown): Branding {
  if (typeof raw !== "object" || raw === null) return PLATFORM_BRAND;
  const r = raw as Record<string, unknown>;
  const colors = (typeof r.colors === "object" && r.colors !== null ? r.colors : {}) as Record<string, unknown>;
  const color = (v: unknown, fallback: string) => (typeof v === "string" && normalizeHex(v)) || fallback;
  const email = text(r.support_email);
  return {
    product_name: text(r.product_name)?.trim() ?? PLATFORM_BRAND.product_name,
    logo_url: sameOriginPath(r.logo_url),
    favicon_url: sameOriginPath(r.favicon_url),
    colors: { primary: color(colors.primary, PLATFORM_BRAND.colors.primary), accent: color(colors.accent, PLATFORM_BRAND.colors.accent) },
    support_email: email && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null,
    support_url: webLink(r.support_url),
    terms_url: webLink(r.terms_url),
    privacy_url: webLink(r.privacy_url),
    partner_id: text(r.partner_id),
  };
}

/**
 * The app's words under another product name: every "whatsflow" in the
 * strings (titles, "Sign in to whatsflow", help texts) becomes the brand's
 * name; parameters filled in later are left alone. The same object back when
 * the name is the platform's.
 */
export function rebrand<T extends Partial<Record<string, string>>>(messages: T, productName: string): T {
  if (productName === PLATFORM_BRAND.product_name || !productName) return messages;
  const out: Partial<Record<string, string>> = {};
  for (const [key, text] of Object.entries(messages)) out[key] = typeof text === "string" ? text.replace(/whatsflow/g, () => productName) : text;
  return out as T;
}

/** Whether the brand is a partner's (the platform's own keeps the app's built-in colours). */
export function isPartnerBrand(b: Pick<Branding, "partner_id">): boolean {
  return b.partner_id !== null;
}

/**
 * The tab title under a new product name: a title that ends with the old
 * (or already the new) one ("(3) whatsflow", the inbox's unread count) keeps
 * what comes before it; anything else becomes the new name.
 */
export function retitle(current: string, previous: string, next: string): string {
  // Already under the new name (the inbox retitled first).
  if (next && current.endsWith(next)) return current;
  if (previous && current.endsWith(previous)) return `${current.slice(0, current.length - previous.length)}${next}`;
  return next;
}

type Rgb = [number, number, number];

function rgbOf(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hexOf([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, "0")).join("")}`;
}

/** `a` moved toward `b` by `amount` (0 = a, 1 = b). */
export function mixHex(a: string, b: string, amount: number): string {
  const x = rgbOf(a);
  const y = rgbOf(b);
  return hexOf([x[0] + (y[0] - x[0]) * amount, x[1] + (y[1] - x[1]) * amount, x[2] + (y[2] - x[2]) * amount]);
}

/** WCAG relative luminance of a colour (0 black … 1 white). */
export function luminance(hex: string): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = rgbOf(hex).map(lin) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 … 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Whether white words on this colour are easy to read (buttons and the top
 * bar print white on the primary colour): WCAG's 3:1 for large and bold text.
 */
export function whiteTextReadable(hex: string): boolean {
  return contrastRatio(hex, "#ffffff") >= 3;
}

/**
 * The CSS variables a brand sets on the page, the app's `brand-*` shades as
 * the platform's own theme uses them: the primary colour for buttons and
 * links (600), lighter for tints and focus rings (50, 100) and the sign-in
 * page's gradient (500); the accent for the top bar, headers and hovers (700).
 */
export function brandPalette(colors: BrandColors): Record<string, string> {
  const p = normalizeHex(colors.primary) ?? PLATFORM_BRAND.colors.primary;
  const a = normalizeHex(colors.accent) ?? PLATFORM_BRAND.colors.accent;
  return {
    "--color-brand-50": mixHex(p, "#ffffff", 0.92),
    "--color-brand-100": mixHex(p, "#ffffff", 0.8),
    "--color-brand-500": mixHex(p, "#ffffff", 0.15),
    "--color-brand-600": p,
    "--color-brand-700": a,
  };
}
