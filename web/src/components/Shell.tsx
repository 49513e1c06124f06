import { NavLink, Outlet, useLocation } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { LanguageSwitcher, useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { navFor, SECURITY_PATH } from "../lib/nav";
import { totalUnread } from "../lib/inboxStore";
import { lazy, Suspense } from "react";
import { deletionScheduled } from "../lib/privacy";
import { useAccountDeletion } from "../plan/AccountDeletionProvider";
import { DeadLetterAlerts } from "./DeadLetterAlerts";
import { NavIcon } from "./NavIcon";
import { AccountStatusBanner } from "./plan/PlanBits";
import { UsageAlerts } from "./plan/UsageAlerts";
import { WalletBanner } from "./plan/WalletBanner";
import { ReconnectBanner } from "./ReconnectBanner";
import { ServiceToasts } from "./ServiceToasts";

// Shown rarely (an operator viewing an account; a deletion scheduled): loaded when needed.
const ImpersonationBanner = lazy(() => import("./ImpersonationBanner").then((m) => ({ default: m.ImpersonationBanner })));
const AccountDeletionBanner = lazy(() => import("./AccountDeletionBanner").then((m) => ({ default: m.AccountDeletionBanner })));
// Shown only when an endpoint was switched off (admins): loaded then.
const WebhookAlerts = lazy(() => import("./WebhookAlerts").then((m) => ({ default: m.WebhookAlerts })));

export function Shell() {
  const { user, logout, impersonation } = useAuth();
  const { deletion } = useAccountDeletion();
  const { t } = useI18n();
  const inbox = useInbox();
  const unread = totalUnread(inbox.state);
  const { pathname } = useLocation();
  const inSection = (base: string) => pathname === base || pathname.startsWith(`${base}/`);
  return (
    <div className="flex h-dvh flex-col">
      {impersonation && (
        <Suspense fallback={<div className="h-9 shrink-0 border-b-2 border-amber-600 bg-amber-300" aria-hidden="true" />}>
          <ImpersonationBanner />
        </Suspense>
      )}
      <header className="flex h-12 shrink-0 items-center gap-1 bg-brand-700 px-2 text-white sm:gap-2 sm:px-3">
        <span className="mr-1 hidden font-semibold tracking-tight min-[400px]:inline sm:mr-2">{t("app.name")}</span>
        <nav aria-label={t("nav.main")} className="flex min-w-0 flex-1 items-center gap-0.5 overflow-x-auto">
          {navFor(user?.role).map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              data-testid={`nav-${item.to.split("/").pop()}`}
              className={({ isActive }) =>
                `flex items-center gap-1 whitespace-nowrap rounded-md px-1.5 py-1 text-sm ${
                  isActive || (item.section && inSection(item.section)) ? "bg-white/20" : "hover:bg-white/10"
                }`
              }
            >
              <NavIcon name={item.icon} />
              <span className="sr-only sm:not-sr-only">{t(item.label)}</span>
              {item.to === "/inbox" && unread > 0 && (
                <span className="rounded-full bg-white px-1.5 text-xs font-semibold text-brand-700">{unread}</span>
              )}
            </NavLink>
          ))}
        </nav>
        <LanguageSwitcher className="text-gray-900" compact />
        {user && (
          <NavLink
            to={SECURITY_PATH}
            title={t("nav.security")}
            className="hidden rounded-md px-1.5 py-0.5 text-right text-xs leading-tight hover:bg-white/10 md:block"
            data-testid="current-user"
          >
            <span className="block font-medium">{user.name}</span>
            <span className="block text-white/70">{t(`role.${user.role}`)}</span>
          </NavLink>
        )}
        <button
          type="button"
          onClick={() => void logout()}
          data-testid="logout"
          title={t("nav.logout")}
          className="flex items-center whitespace-nowrap rounded-md px-1.5 py-1 text-sm hover:bg-white/10 sm:px-2"
        >
          <svg viewBox="0 0 24 24" className="h-5 w-5 sm:hidden" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
            <path d="M15 4h3a2 2 0 012 2v12a2 2 0 01-2 2h-3M10 17l-5-5 5-5M5 12h11" />
          </svg>
          <span className="sr-only sm:not-sr-only">{t("nav.logout")}</span>
        </button>
      </header>
      <ReconnectBanner state={inbox.connection} />
      <AccountStatusBanner />
      <WalletBanner />
      {deletionScheduled(deletion) && (
        <Suspense fallback={null}>
          <AccountDeletionBanner />
        </Suspense>
      )}
      <UsageAlerts alerts={inbox.usageAlerts} onDismiss={inbox.dismissUsageAlert} />
      <DeadLetterAlerts alerts={inbox.alerts} onDismiss={inbox.dismissAlert} />
      {inbox.webhookAlerts.length > 0 && (
        <Suspense fallback={null}>
          <WebhookAlerts alerts={inbox.webhookAlerts} onDismiss={inbox.dismissWebhookAlert} />
        </Suspense>
      )}
      {inbox.notice && (
        <div role="alert" className="flex items-center justify-between gap-2 bg-red-50 px-3 py-1.5 text-sm text-red-800">
          <span>{inbox.notice}</span>
          <button type="button" className="underline" onClick={inbox.dismissNotice}>
            {t("common.dismiss")}
          </button>
        </div>
      )}
      <main className="min-h-0 flex-1">
        <Outlet />
      </main>
      <ServiceToasts toasts={inbox.toasts} onDismiss={inbox.dismissToast} />
    </div>
  );
}
