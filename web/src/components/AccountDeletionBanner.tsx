import { Link, useLocation } from "react-router";
import { useI18n } from "../i18n/I18nProvider";
import { deletionScheduled } from "../lib/privacy";
import { useAccountDeletion } from "../plan/AccountDeletionProvider";

export const PRIVACY_PATH = "/settings/privacy";

/** Under the header on every page, for the account's admins, while its deletion is scheduled: when, and where to cancel it. */
export function AccountDeletionBanner() {
  const { t, lang } = useI18n();
  const { deletion } = useAccountDeletion();
  const { pathname } = useLocation();
  if (!deletionScheduled(deletion)) return null;
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "long" }).format(Date.parse(deletion.scheduled_for));
  return (
    <div role="alert" data-testid="deletion-banner" className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-red-200 bg-red-100 px-3 py-1.5 text-sm text-red-900">
      <svg viewBox="0 0 24 24" className="h-4 w-4 shrink-0 text-red-600" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
      </svg>
      <span className="min-w-0 flex-1">{t("privacy.banner", { date })}</span>
      {pathname !== PRIVACY_PATH && (
        <Link to={PRIVACY_PATH} className="whitespace-nowrap font-semibold underline" data-testid="deletion-banner-link">
          {t("privacy.bannerLink")}
        </Link>
      )}
    </div>
  );
}
