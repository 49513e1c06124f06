import { useEffect, useState } from "react";
import { NavLink, Outlet } from "react-router";
import { clearEndedView, endedView } from "../auth/AuthProvider";
import { useI18n } from "../i18n/I18nProvider";

const TABS = [
  { to: "/admin", label: "admin.tab.customers", id: "customers", end: true },
  { to: "/admin/plans", label: "admin.tab.plans", id: "plans", end: false },
  { to: "/admin/partners", label: "admin.tab.partners", id: "partners", end: false },
  { to: "/admin/affiliates", label: "admin.tab.affiliates", id: "affiliates", end: false },
  { to: "/admin/payouts", label: "admin.tab.payouts", id: "payouts", end: false },
  { to: "/admin/audit", label: "admin.tab.audit", id: "audit", end: false },
  { to: "/admin/settings", label: "admin.tab.settings", id: "settings", end: false },
] as const;

/** The platform console (super-admins only): customers, plans, white-label partners, referral affiliates, payouts and every account's audit log. */
export function AdminLayout() {
  const { t } = useI18n();
  // Back from viewing an account as its admin: say so once.
  const [ended, setEnded] = useState(endedView);
  useEffect(() => clearEndedView(), []);
  return (
    <div className="h-full overflow-y-auto" data-testid="admin-console">
      <div className="mx-auto max-w-7xl p-4">
        <h1 className="text-xl font-semibold">{t("admin.title")}</h1>
        <p className="text-sm text-gray-600">{t("admin.intro")}</p>
        {ended && (
          <div role="status" data-testid="view-ended" data-reason={ended.reason} className="mt-3 flex items-center justify-between gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <span>{t(ended.reason === "ended" ? "view.ended" : ended.reason === "expired" ? "view.expired" : "view.refused", { tenant: ended.tenant })}</span>
            <button type="button" className="underline" onClick={() => setEnded(null)}>
              {t("common.dismiss")}
            </button>
          </div>
        )}
        <nav aria-label={t("admin.title")} className="mt-3 mb-4 flex gap-1 overflow-x-auto border-b border-gray-200">
          {TABS.map((tab) => (
            <NavLink
              key={tab.to}
              to={tab.to}
              end={tab.end}
              data-testid={`admin-tab-${tab.id}`}
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
