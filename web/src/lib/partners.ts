// White-label partners: the partner's area (clients, branding, domains,
// prices, statements) and the operator's Partners page. The shapes the web app
// reads from /api/v1/partner/* and /api/v1/admin/partners, and the pure rules
// the forms check before sending. The brand a host shows is in brand.ts.

import type { BrandColors, Branding, LedgerEntry, LedgerTotals, PartnerLedger, PartnerView, RevenueModel } from "./apiTypes";
import { normalizeHex, webLink } from "./brand";
import { parseMajor } from "./plans";

// ---- shapes ----
// The server's own types (apiTypes.ts, generated from the Rust views):
// `GET /branding` and `/partner/branding` (Branding), `GET /partner` and each
// row of `GET /admin/partners` (PartnerView: admin_email is filled in the
// operator's list), `/partner/clients` (ClientView), `/partner/domains`
// (DomainView), `/partner/prices` (PartnerPrice) and the statements
// (PartnerLedger of LedgerEntry; reversals carry negative amounts).

export type {
  BrandColors,
  Branding,
  ClientView,
  DomainView,
  LedgerEntry,
  LedgerTotals,
  PartnerLedger,
  PartnerPrice,
  PartnerStatus,
  PartnerView,
} from "./apiTypes";

/** How a partner earns: its own prices, a share of each payment, or the platform's fee then a share of the rest. */
export type PartnerModel = RevenueModel;
export const PARTNER_MODELS: readonly PartnerModel[] = ["markup", "revenue_share", "hybrid"];

/** An operator's row of `GET /admin/partners` (the same view, with its first admin's email). */
export type AdminPartnerView = PartnerView;

// ---- images as data URLs ----

/** The largest logo or favicon the server takes, decoded. */
export const BRAND_IMAGE_MAX_BYTES = 256 * 1024;
/** The image types the server takes for a logo or favicon. */
export const BRAND_IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/x-icon"] as const;

/** Browsers name .ico files differently; the server wants image/x-icon. */
function imageType(type: string, name: string): string | null {
  const t = type.toLowerCase();
  if (t === "image/vnd.microsoft.icon" || t === "image/ico" || (t === "" && /\.ico$/i.test(name))) return "image/x-icon";
  if (t === "image/jpg") return "image/jpeg";
  return (BRAND_IMAGE_TYPES as readonly string[]).includes(t) ? t : null;
}

export type ImageProblem = "type" | "size";

/** Why a chosen file cannot be a logo or favicon (before reading it), or null. */
export function brandImageProblem(file: { type: string; size: number; name?: string }): ImageProblem | null {
  if (!imageType(file.type, file.name ?? "")) return "type";
  if (file.size > BRAND_IMAGE_MAX_BYTES) return "size";
  return null;
}

/** The decoded size in bytes of a base64 data URL (null when it is not one). */
export function dataUrlBytes(dataUrl: string): number | null {
  const m = /^data:[^,]*;base64,([A-Za-z0-9+/]*={0,2})$/.exec(dataUrl);
  if (!m) return null;
  const b64 = m[1]!;
  const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/**
 * A data URL as the server wants it: the type named as it accepts it
 * (`image/x-icon` for any .ico), base64; null when it is not one of the
 * accepted images or is too large once decoded.
 */
export function brandDataUrl(dataUrl: string, fileName = ""): string | null {
  const m = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/.exec(dataUrl);
  if (!m) return null;
  const type = imageType(m[1]!, fileName);
  if (!type) return null;
  const out = `data:${type};base64,${m[2]!}`;
  const bytes = dataUrlBytes(out);
  return bytes !== null && bytes > 0 && bytes <= BRAND_IMAGE_MAX_BYTES ? out : null;
}

/** Reads a chosen file as a data URL for a logo or favicon; refuses the wrong type or size. */
export function readBrandImage(file: File): Promise<{ dataUrl: string } | { problem: ImageProblem }> {
  const before = brandImageProblem(file);
  if (before) return Promise.resolve({ problem: before });
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? brandDataUrl(reader.result, file.name) : null;
      resolve(url ? { dataUrl: url } : { problem: "type" });
    };
    reader.onerror = () => resolve({ problem: "type" });
    reader.readAsDataURL(file);
  });
}

// ---- the branding form ----

/** What the logo or favicon field will do on save: keep the stored image, remove it, or replace it. */
export type ImageChange = { kind: "keep" } | { kind: "remove" } | { kind: "replace"; dataUrl: string };

export interface BrandingForm {
  product_name: string;
  primary: string;
  accent: string;
  support_email: string;
  support_url: string;
  terms_url: string;
  privacy_url: string;
  logo: ImageChange;
  favicon: ImageChange;
}

export type BrandingField = "product_name" | "colors.primary" | "colors.accent" | "support_email" | "support_url" | "terms_url" | "privacy_url" | "logo" | "favicon";

/** The `PUT /partner/branding` body. Absent image = keep, null = remove, data URL = replace. */
export interface BrandingBody {
  product_name: string;
  colors: BrandColors;
  support_email: string | null;
  support_url: string | null;
  terms_url: string | null;
  privacy_url: string | null;
  logo?: string | null;
  favicon?: string | null;
}

export const PRODUCT_NAME_MAX = 60;

export function brandingForm(b: Branding): BrandingForm {
  return {
    product_name: b.product_name,
    primary: b.colors.primary,
    accent: b.colors.accent,
    support_email: b.support_email ?? "",
    support_url: b.support_url ?? "",
    terms_url: b.terms_url ?? "",
    privacy_url: b.privacy_url ?? "",
    logo: { kind: "keep" },
    favicon: { kind: "keep" },
  };
}

const URL_FIELDS = ["support_url", "terms_url", "privacy_url"] as const;

/** The body to save, or the first field that is not right (checked as the server does). */
export function brandingBody(form: BrandingForm): { body: BrandingBody } | { field: BrandingField } {
  const name = form.product_name.trim();
  if (name.length < 1 || Array.from(name).length > PRODUCT_NAME_MAX) return { field: "product_name" };
  const primary = normalizeHex(form.primary);
  if (!primary) return { field: "colors.primary" };
  const accent = normalizeHex(form.accent);
  if (!accent) return { field: "colors.accent" };
  const email = form.support_email.trim();
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { field: "support_email" };
  const urls: Partial<Record<(typeof URL_FIELDS)[number], string | null>> = {};
  for (const f of URL_FIELDS) {
    const v = form[f].trim();
    if (v && !webLink(v)) return { field: f };
    urls[f] = v || null;
  }
  const body: BrandingBody = {
    product_name: name,
    colors: { primary, accent },
    support_email: email || null,
    support_url: urls.support_url ?? null,
    terms_url: urls.terms_url ?? null,
    privacy_url: urls.privacy_url ?? null,
  };
  for (const key of ["logo", "favicon"] as const) {
    const change = form[key];
    if (change.kind === "remove") body[key] = null;
    else if (change.kind === "replace") body[key] = change.dataUrl;
  }
  return { body };
}

/** The image a preview shows: the new one, none, or the stored one. */
export function previewImage(change: ImageChange, stored: string | null): string | null {
  return change.kind === "replace" ? change.dataUrl : change.kind === "remove" ? null : stored;
}

// ---- applying to be a partner ----

export const SLUG_MIN = 3;
export const SLUG_MAX = 30;

/** Whether a slug is what the server takes: 3–30 of a–z, 0–9 and "-", not starting or ending with "-". */
export function isValidSlug(slug: string): boolean {
  return slug.length >= SLUG_MIN && slug.length <= SLUG_MAX && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(slug);
}

/** A slug suggested from a business name: "Acme Digital Pvt. Ltd." → "acme-digital-pvt-ltd". */
export function slugFromName(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX)
    .replace(/-+$/, "");
  return s;
}

// ---- domains ----

/**
 * A domain as typed ("https://Chat.Example.com:443/", "chat.example.com.")
 * the way the server stores it: lower case, no scheme, path, port or
 * trailing dot. Null when what is left is not a host name with a dot.
 */
export function normalizeDomain(input: string): string | null {
  let s = input.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  s = s.split(/[/?#]/, 1)[0] ?? "";
  s = s.replace(/:\d*$/, "").replace(/\.+$/, "");
  if (s.length > 253 || !s.includes(".")) return null;
  const labels = s.split(".");
  if (!labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return s;
}

// ---- money ----

/** Basis points as a percentage for people: 6000 → "60", 6250 → "62.5", 3333 → "33.33". */
export function bpsToPercent(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const frac = Math.abs(bps % 100);
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(2, "0").replace(/0$/, "")}`;
}

/** A percentage typed ("60", "62.5 %") → basis points; null when it is not 0–100 with at most 2 decimals. */
export function percentToBps(input: string): number | null {
  const s = input.replace(/[\s%]/g, "").replace(",", ".");
  const m = /^(\d{1,3})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0") || "0");
  return bps <= 10_000 ? bps : null;
}

/** The sums of a month's entries (what the statement's totals must say). */
export function ledgerTotals(entries: readonly Pick<LedgerEntry, "gross_minor" | "partner_minor" | "platform_minor">[]): LedgerTotals {
  return entries.reduce<LedgerTotals>(
    (sum, e) => ({
      gross_minor: sum.gross_minor + e.gross_minor,
      partner_minor: sum.partner_minor + e.partner_minor,
      platform_minor: sum.platform_minor + e.platform_minor,
    }),
    { gross_minor: 0, partner_minor: 0, platform_minor: 0 },
  );
}

/** Whether a statement adds up: its totals are the sums of its entries and every split adds to the payment. */
export function ledgerAddsUp(ledger: Pick<PartnerLedger, "entries" | "totals">): boolean {
  const sums = ledgerTotals(ledger.entries);
  return (
    ledger.entries.every((e) => e.partner_minor + e.platform_minor === e.gross_minor) &&
    sums.gross_minor === ledger.totals.gross_minor &&
    sums.partner_minor === ledger.totals.partner_minor &&
    sums.platform_minor === ledger.totals.platform_minor
  );
}

/** "2026-11" for a time (the statement month the server defaults to), in UTC. */
export function monthOf(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** "November 2026" for "2026-11", in the reader's language; the text as given when it is not a month. */
export function monthLabel(month: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const d = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(d);
}

/** The months a statement picker offers: the server's (newest first) with the shown one and this month, once each. */
export function monthChoices(months: readonly string[], shown: string, current: string): string[] {
  return [...new Set([current, shown, ...months])].filter((m) => /^\d{4}-\d{2}$/.test(m)).sort().reverse();
}

/** A retail price cannot be below the platform's (wholesale); null (same as wholesale) always fits. */
export function retailBelowWholesale(retail: number | null, wholesale: number | null): boolean {
  return retail !== null && wholesale !== null && retail < wholesale;
}

/** The partner's margin per period on a plan: retail less wholesale (0 when retail is the wholesale price). */
export function margin(retail: number | null, wholesale: number | null): number | null {
  if (wholesale === null) return null;
  return (retail ?? wholesale) - wholesale;
}

// ---- the operator's terms ----

/** A partner's terms as typed in a form: the model, the partner's share in percent, the platform's fee in rupees. */
export interface TermsForm {
  model: PartnerModel;
  share: string;
  fee: string;
}

export type TermsProblem = "share" | "fee";

/** The terms as the API takes them, or which field is not right. */
export function termsBody(form: TermsForm): { body: { model: PartnerModel; revenue_share_bps?: number; platform_fee_minor?: number } } | { problem: TermsProblem } {
  if (form.model === "markup") return { body: { model: form.model } };
  const bps = percentToBps(form.share);
  if (bps === null) return { problem: "share" };
  if (form.model === "revenue_share") return { body: { model: form.model, revenue_share_bps: bps } };
  const fee = parseMajor(form.fee);
  if (fee === "invalid" || fee === null) return { problem: "fee" };
  return { body: { model: form.model, revenue_share_bps: bps, platform_fee_minor: fee } };
}

// ---- the partner's status ----

/** Whether the partner area works (an operator approved the partner); pending and suspended partners see a banner. */
export function partnerUnlocked(p: Pick<PartnerView, "status"> | null | undefined): boolean {
  return p?.status === "approved";
}


/**
 * The address of a partner's host as people open it: this page's scheme and
 * port (a test server's port; none behind the proxy) with the partner's host.
 */
export function hostUrl(host: string, page: { protocol: string; port: string }): string {
  return `${page.protocol}//${host}${page.port ? `:${page.port}` : ""}`;
}

/** At most this many custom domains per partner (the server answers DOMAIN_LIMIT beyond). */
export const DOMAIN_LIMIT = 5;
