import { NavLink } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";

const tab = ({ isActive }: { isActive: boolean }) =>
  `-mb-px border-b-2 px-3 py-2 text-sm font-medium ${isActive ? "border-brand-600 text-brand-700" : "border-transparent text-gray-600 hover:border-gray-300 hover:text-gray-800"}`;

/**
 * Broadcasts and drip sequences share the one "Campaigns" entry of the top
 * bar (so it fits 1280 px): these tabs, on both lists, switch between them.
 */
export function CampaignsTabs() {
  const { t } = useI18n();
  return (
    <nav aria-label={t("campaigns.tabs")} className="mb-3 flex gap-1 border-b border-gray-200" data-testid="campaigns-tabs">
      <NavLink to="/campaigns" end className={tab} data-testid="campaigns-tab-broadcasts">
        {t("campaigns.tab.broadcasts")}
      </NavLink>
      <NavLink to="/sequences" end className={tab} data-testid="campaigns-tab-sequences">
        {t("nav.sequences")}
      </NavLink>
    </nav>
  );
}
