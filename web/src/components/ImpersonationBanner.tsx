import { useEffect } from "react";
import { useAuth } from "../auth/AuthProvider";
import { useI18n } from "../i18n/I18nProvider";

/** "14:05": when an operator's view ends, in the viewer's language, always with minutes. */
export function viewEndTime(at: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

/**
 * Above everything, on every page, while a platform operator views a tenant
 * as its admin: whose account it is, when the view ends, and the way back to
 * the console. The view also ends by itself at its end time.
 */
export function ImpersonationBanner() {
  const { impersonation, user, endView, api } = useAuth();
  const { t, lang } = useI18n();

  useEffect(() => {
    if (!impersonation) return;
    const timer = window.setTimeout(() => api.endView("expired"), Math.max(0, impersonation.expiresAt - Date.now()));
    return () => window.clearTimeout(timer);
  }, [impersonation, api]);

  if (!impersonation) return null;
  const marker = "\u0000";
  const words = impersonation.by === "partner" ? "view.bannerPartner" : "view.banner";
  const [before, after] = t(words, { tenant: marker, time: viewEndTime(impersonation.expiresAt, lang.locale) }).split(marker);
  return (
    <div
      role="region"
      aria-label={t("view.bannerLabel")}
      data-testid="impersonation-banner"
      data-by={impersonation.by}
      data-tenant-id={impersonation.tenant.id}
      data-operator={user?.impersonated_by ?? undefined}
      data-expires-at={new Date(impersonation.expiresAt).toISOString()}
      className="flex shrink-0 flex-wrap items-center justify-center gap-x-3 gap-y-1 border-b-2 border-amber-600 bg-amber-300 px-3 py-1.5 text-sm text-amber-950"
    >
      <svg viewBox="0 0 24 24" className="h-5 w-5 shrink-0" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z" />
        <circle cx="12" cy="12" r="3" />
      </svg>
      <span data-testid="impersonation-text">
        {before}
        <strong className="font-semibold" data-testid="impersonation-tenant">
          {impersonation.tenant.name}
        </strong>
        {after}
      </span>
      <button
        type="button"
        onClick={endView}
        data-testid="impersonation-end"
        className="rounded-md bg-amber-950 px-3 py-1 text-sm font-semibold text-white hover:bg-black focus:outline-none focus:ring-2 focus:ring-amber-700 focus:ring-offset-1"
      >
        {t("view.end")}
      </button>
    </div>
  );
}
