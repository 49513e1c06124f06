import { useI18n } from "../../i18n/I18nProvider";
import { brandPalette, normalizeHex, PLATFORM_BRAND } from "../../lib/brand";

/**
 * A small picture of the brand as the partner's clients will see it: the
 * sign-in page's gradient with the logo and name, a button, and the app's
 * top bar. Drawn with the form's values as they are typed.
 */
export function BrandPreview({ name, primary, accent, logo }: { name: string; primary: string; accent: string; logo: string | null }) {
  const { t } = useI18n();
  const palette = brandPalette({
    primary: normalizeHex(primary) ?? PLATFORM_BRAND.colors.primary,
    accent: normalizeHex(accent) ?? PLATFORM_BRAND.colors.accent,
  });
  const shown = name.trim() || PLATFORM_BRAND.product_name;
  return (
    <figure className="overflow-hidden rounded-xl border border-gray-200 bg-white shadow-sm" data-testid="branding-preview" aria-label={t("partner.branding.preview")}>
      <div className="flex h-10 items-center gap-2 px-3 text-sm text-white" style={{ background: palette["--color-brand-700"] }} data-testid="branding-preview-bar">
        {logo && <img src={logo} alt="" className="h-6 max-w-12 rounded bg-white object-contain p-0.5" />}
        <span className="truncate font-semibold">{shown}</span>
        <span className="ml-auto rounded px-1.5 py-0.5 text-xs" style={{ background: "rgba(255,255,255,0.2)" }}>
          {t("nav.inbox")}
        </span>
      </div>
      <div className="flex flex-col items-center gap-2 px-4 py-6" style={{ backgroundImage: `linear-gradient(${palette["--color-brand-700"]}, ${palette["--color-brand-500"]})` }}>
        {logo && <img src={logo} alt="" className="h-12 max-w-40 rounded-lg bg-white object-contain p-1" data-testid="branding-preview-logo" />}
        <p className="text-xl font-bold text-white" data-testid="branding-preview-name">
          {shown}
        </p>
        <div className="w-full max-w-56 rounded-lg bg-white p-3 shadow">
          <div className="mb-2 h-2 w-2/3 rounded bg-gray-200" />
          <div className="mb-3 h-6 rounded border border-gray-200" />
          <div className="rounded-md py-1.5 text-center text-xs font-medium text-white" style={{ background: palette["--color-brand-600"] }}>
            {t("auth.login.submit")}
          </div>
        </div>
      </div>
      <figcaption className="border-t border-gray-100 px-3 py-2 text-xs text-gray-500">{t("partner.branding.previewHint")}</figcaption>
    </figure>
  );
}
