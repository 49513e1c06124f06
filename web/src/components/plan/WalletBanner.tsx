import { Link, useLocation } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { isLow, rupees, rupeesExact, WALLET_PATH } from "../../lib/wallet";
import { useWallet } from "../../plan/WalletProvider";

/**
 * Under the header on every page, for the account's admins, while the
 * prepaid wallet has less than ₹100 free: paid templates are refused and
 * campaigns wait once it runs out. Not on the Wallet page (it says so itself).
 */
export function WalletBanner() {
  const { t, lang } = useI18n();
  const { wallet } = useWallet();
  const { pathname } = useLocation();
  if (!wallet || !isLow(wallet) || pathname === WALLET_PATH) return null;
  return (
    <div
      role="status"
      data-testid="wallet-low-banner"
      data-available-e4={wallet.available_e4}
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-amber-200 bg-amber-50 px-3 py-1.5 text-sm text-amber-900"
    >
      <svg viewBox="0 0 24 24" className="h-4 w-4 shrink-0 text-amber-600" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d="M3 7h15a2 2 0 012 2v9a2 2 0 01-2 2H5a2 2 0 01-2-2V7zM3 7l12-3v3M16 13.5h.01" />
      </svg>
      <span className="min-w-0 flex-1" title={t("usage.costExact", { amount: rupeesExact(wallet.available_e4, lang.locale, wallet.currency) })}>
        {t("wallet.banner", { amount: rupees(wallet.available_e4, lang.locale, wallet.currency) })}
      </span>
      <Link to={WALLET_PATH} className="whitespace-nowrap font-semibold underline" data-testid="wallet-banner-link">
        {t("wallet.bannerLink")}
      </Link>
    </div>
  );
}
