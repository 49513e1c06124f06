import { NavLink, Outlet } from "react-router";
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
] as const;

export function SettingsLayout() {
  const { t } = useI18n();
  const { user } = useAuth();
  // Agents open the Plan, Usage and Wallet pages (read-only), their own Security and canned replies; the other tabs (Billing too) are for admins.
  const tabs = TABS.filter((tab) => canOpen(user?.role, tab.to));
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-5xl p-4">
        <h1 className="text-xl font-semibold">{t("settings.title")}</h1>
        <nav aria-label={t("settings.title")} className="mt-3 mb-4 flex gap-1 overflow-x-auto border-b border-gray-200">
          {tabs.map((tab) => (
            <NavLink
              key={tab.to}
              to={tab.to}
              data-testid={`settings-tab-${tab.id}`}
              className={({ isActive }) =>
                `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${
                  isActive ? "border-brand-600 text-brand-700" : "border-transparent text-gray-500 hover:text-gray-800"
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
