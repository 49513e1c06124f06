import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { useI18n } from "../i18n/I18nProvider";
import { canOpen } from "../lib/nav";

const TABS = [
  { to: "/settings/channels", label: "settings.channels", id: "channels" },
  { to: "/settings/team", label: "settings.team", id: "team" },
  { to: "/settings/teams", label: "settings.teams", id: "teams" },
  { to: "/settings/canned-replies", label: "settings.cannedReplies", id: "canned-replies" },
  { to: "/settings/automations", label: "settings.automations", id: "automations" },
  { to: "/settings/business-hours", label: "settings.businessHours", id: "business-hours" },
  { to: "/settings/service", label: "settings.service", id: "service" },
  { to: "/settings/api-keys", label: "settings.apiKeys", id: "api-keys" },
  { to: "/settings/webhooks", label: "settings.webhooks", id: "webhooks" },
  { to: "/settings/plan", label: "settings.plan", id: "plan" },
  { to: "/settings/usage", label: "settings.usage", id: "usage" },
  { to: "/settings/wallet", label: "settings.wallet", id: "wallet" },
  { to: "/settings/billing", label: "settings.billing", id: "billing" },
  { to: "/settings/audit", label: "settings.audit", id: "audit" },
  { to: "/settings/security", label: "settings.security", id: "security" },
  { to: "/settings/privacy", label: "settings.privacy", id: "privacy" },
  // The referral programme is the person's own, not the account's: its own path, shown among the settings.
  { to: "/affiliate", label: "settings.affiliate", id: "affiliate" },
] as const;

/**
 * The settings pages: on wider screens every page is a tab (wrapping onto a
 * second row rather than scrolling out of sight); on phones a labelled list
 * picks the page.
 */
export function SettingsLayout() {
  const { t } = useI18n();
  const { user } = useAuth();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  // Agents open the Plan, Usage and Wallet pages (read-only), their own Security and canned replies; the other tabs (Billing too) are for admins.
  const tabs = TABS.filter((tab) => canOpen(user?.role, tab.to));
  const current = tabs.find((tab) => pathname === tab.to || pathname.startsWith(`${tab.to}/`));
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-5xl p-4">
        <h1 className="text-xl font-semibold">{t("settings.title")}</h1>
        <label className="mt-3 mb-4 block md:hidden">
          <span className="mb-1 block text-xs font-medium text-gray-600">{t("settings.page")}</span>
          <select
            value={current?.to ?? ""}
            onChange={(e) => navigate(e.target.value)}
            data-testid="settings-page-select"
            className="block w-full rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm"
          >
            {!current && <option value="">{t("settings.title")}</option>}
            {tabs.map((tab) => (
              <option key={tab.to} value={tab.to}>
                {t(tab.label)}
              </option>
            ))}
          </select>
        </label>
        <nav aria-label={t("settings.title")} className="mt-3 mb-4 hidden flex-wrap gap-1 border-b border-gray-200 pb-2 md:flex">
          {tabs.map((tab) => (
            <NavLink
              key={tab.to}
              to={tab.to}
              data-testid={`settings-tab-${tab.id}`}
              className={({ isActive }) =>
                `whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm font-medium ${
                  isActive ? "bg-brand-50 text-brand-700" : "text-gray-600 hover:bg-gray-100 hover:text-gray-900"
                }`
              }
            >
              {t(tab.label)}
            </NavLink>
          ))}
        </nav>
        <Outlet />
      </div>
    </div>
  );
}
