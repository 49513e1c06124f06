import type { ReactNode } from "react";
import { useBrand } from "../brand/BrandProvider";
import { LanguageSwitcher, useI18n } from "../i18n/I18nProvider";
import type { Branding } from "../lib/apiTypes";

/** The brand's support and legal links under the card, those it has. */
function BrandLinks({ brand }: { brand: Branding }) {
  const { t } = useI18n();
  const links = [
    brand.support_url && { href: brand.support_url, label: t("brand.support"), id: "brand-support" },
    brand.support_email && { href: `mailto:${brand.support_email}`, label: brand.support_email, id: "brand-support-email" },
    brand.terms_url && { href: brand.terms_url, label: t("brand.terms"), id: "brand-terms" },
    brand.privacy_url && { href: brand.privacy_url, label: t("brand.privacy"), id: "brand-privacy" },
  ].filter((l): l is { href: string; label: string; id: string } => !!l);
  if (links.length === 0) return null;
  return (
    <nav aria-label={t("brand.links")} className="mt-4 flex flex-wrap justify-center gap-x-4 gap-y-1 text-xs text-white/90">
      {links.map((l) => (
        <a key={l.id} href={l.href} target={l.href.startsWith("mailto:") ? undefined : "_blank"} rel="noreferrer" className="underline" data-testid={l.id}>
          {l.label}
        </a>
      ))}
    </nav>
  );
}

/** The sign-in, sign-up and mailed-link pages: the host's brand (name, logo, colours) above a card. */
export function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  const { t } = useI18n();
  const { brand, ready } = useBrand();
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-gradient-to-b from-brand-700 to-brand-500 px-4 py-10" data-testid="auth-layout" data-partner={brand.partner_id ?? undefined}>
      <div className="w-full max-w-sm">
        {/* Until the host's brand is known, its place is kept (no flash of another name). */}
        <div className={`mb-6 text-center text-white ${ready ? "" : "invisible"}`} data-testid="brand-header" data-ready={ready ? "true" : "false"}>
          {brand.logo_url && <img src={brand.logo_url} alt="" className="mx-auto mb-2 h-14 max-w-48 rounded-lg bg-white object-contain p-1" data-testid="brand-logo" />}
          <div className="text-3xl font-bold tracking-tight" data-testid="brand-name">
            {brand.product_name}
          </div>
          <div className="text-sm text-white/80">{t("app.tagline")}</div>
        </div>
        <div className="rounded-2xl bg-white p-6 shadow-xl">
          <h1 className="mb-4 text-xl font-semibold text-gray-900">{title}</h1>
          {children}
        </div>
        <div className="mt-4 flex items-center justify-between text-sm text-white">
          <div>{footer}</div>
          <LanguageSwitcher className="text-gray-900" />
        </div>
        <BrandLinks brand={brand} />
      </div>
    </div>
  );
}
