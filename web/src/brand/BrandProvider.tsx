import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { API_BASE } from "../lib/api";
import { brandPalette, isPartnerBrand, PLATFORM_BRAND, readBranding, retitle } from "../lib/brand";
import type { Branding } from "../lib/apiTypes";

/** The app's own mark and colour, back when a partner's brand is not in force. */
const PLATFORM_ICON = "/favicon.svg";
const PLATFORM_THEME = "#075e54";

/** The brand of the host this page came from (`GET /branding`, no sign-in); the platform's when it cannot be read. */
export async function fetchBranding(): Promise<Branding> {
  try {
    const res = await fetch(`${API_BASE}/branding`, { headers: { Accept: "application/json" } });
    if (!res.ok) return PLATFORM_BRAND;
    return readBranding(await res.json());
  } catch {
    return PLATFORM_BRAND;
  }
}

/**
 * Puts a brand on the page: the colours as CSS variables (a partner's only:
 * the platform keeps the built-in theme), the tab icon, the browser's theme
 * colour and the title. Set through the CSSOM, which the server's CSP allows.
 */
function applyBrand(brand: Branding, previous: Branding | null) {
  const root = document.documentElement.style;
  const palette = brandPalette(brand.colors);
  for (const [name, value] of Object.entries(palette)) {
    if (isPartnerBrand(brand)) root.setProperty(name, value);
    else root.removeProperty(name);
  }
  let icon = document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
  if (!icon) {
    icon = document.createElement("link");
    icon.rel = "icon";
    document.head.appendChild(icon);
  }
  const href = brand.favicon_url ?? PLATFORM_ICON;
  if (icon.getAttribute("href") !== href) {
    icon.href = href;
    if (brand.favicon_url) icon.removeAttribute("type");
    else icon.type = "image/svg+xml";
  }
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", isPartnerBrand(brand) ? palette["--color-brand-700"]! : PLATFORM_THEME);
  // The inbox puts its unread count before the name: kept.
  document.title = retitle(document.title, previous?.product_name ?? "whatsflow", brand.product_name);
}

export interface BrandContext {
  /** The brand in force on this host (the platform's until the answer comes). */
  brand: Branding;
  /** Whether the host's brand has been read (pages may hold the name back until then, rather than flash the platform's). */
  ready: boolean;
  /** Reads the brand again (after the partner changed it). */
  reload: () => Promise<void>;
}

const Ctx = createContext<BrandContext | null>(null);

/**
 * Reads the host's brand once at start and keeps it on the page (see
 * applyBrand). Nothing is stored in the browser: the answer is quick and
 * same-origin, and storage holds only what signing in needs.
 */
export function BrandProvider({ children }: { children: ReactNode }) {
  const [brand, setBrand] = useState<Branding>(PLATFORM_BRAND);
  const [ready, setReady] = useState(false);

  const reload = useCallback(async () => {
    const next = await fetchBranding();
    setBrand(next);
    setReady(true);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const shown = useRef<Branding | null>(null);
  // Before the browser paints: the page never shows one brand's words in another's colours.
  useLayoutEffect(() => {
    applyBrand(brand, shown.current);
    shown.current = brand;
  }, [brand]);

  const value = useMemo(() => ({ brand, ready, reload }), [brand, ready, reload]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The product name pages speak of (the platform's outside a BrandProvider). */
export function useProductName(): string {
  return useContext(Ctx)?.brand.product_name ?? PLATFORM_BRAND.product_name;
}

export function useBrand(): BrandContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useBrand outside BrandProvider");
  return ctx;
}
