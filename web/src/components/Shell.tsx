import { NavLink, Outlet, useLocation } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { useBrand } from "../brand/BrandProvider";
import { LanguageSwitcher, useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { itemPaths, navFor, SECURITY_PATH, within, type NavItem } from "../lib/nav";
import { totalUnread } from "../lib/inboxStore";
import { lazy, Suspense, useEffect, useRef, useState, type RefObject } from "react";
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

function UnreadCount({ count, className = "" }: { count: number; className?: string }) {
  if (count <= 0) return null;
  return <span className={`rounded-full px-1.5 text-xs font-semibold ${className}`}>{count > 999 ? "999+" : count}</span>;
}

/**
 * Which of a wrapping, one-row-high bar's items went to a second row (and are
 * clipped): those are hidden from view and keyboard, and reached from the menu
 * instead, so no name is ever cut. One flag per `[data-nav-item]` child.
 */
function useWrappedItems(ref: RefObject<HTMLElement | null>): boolean[] {
  const [wrapped, setWrapped] = useState<boolean[]>([]);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const check = () => {
      const items = Array.from(el.querySelectorAll<HTMLElement>("[data-nav-item]"));
      // Hidden entirely (narrow screens): nothing wrapped.
      const next = el.clientWidth > 0 ? items.map((a) => a.offsetTop > 0) : items.map(() => false);
      setWrapped((prev) => (prev.length === next.length && prev.every((v, i) => v === next[i]) ? prev : next));
    };
    const observer = new ResizeObserver(check);
    observer.observe(el);
    for (const child of Array.from(el.children)) observer.observe(child);
    check();
    return () => observer.disconnect();
  });
  return wrapped;
}

/** The logout icon (phones' menu and the narrow header). */
function LogoutIcon() {
  return (
    <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M15 4h3a2 2 0 012 2v12a2 2 0 01-2 2h-3M10 17l-5-5 5-5M5 12h11" />
    </svg>
  );
}

/**
 * Below 1280 px the pages are a labelled menu (icon and name each), opened
 * from a "Menu" button: the header keeps the inbox (with its unread count)
 * and says which page is open.
 */
function NavMenu({
  items,
  unread,
  active,
  onClose,
  wide,
}: {
  items: NavItem[];
  unread: number;
  active: (i: NavItem) => boolean;
  onClose: () => void;
  /** Opened on a wide screen whose navigation did not fit. */
  wide: boolean;
}) {
  const { t } = useI18n();
  const { user, logout } = useAuth();
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    panel.current?.querySelector<HTMLElement>("a, button")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className={`fixed inset-0 top-12 z-50 ${wide ? "" : "xl:hidden"}`} data-testid="nav-menu">
      <button type="button" className="absolute inset-0 bg-black/30" aria-label={t("common.close")} tabIndex={-1} onClick={onClose} />
      <div ref={panel} className="absolute right-0 top-0 max-h-full w-full overflow-y-auto border-b border-gray-200 bg-white shadow-xl sm:right-2 sm:mt-1 sm:w-72 sm:rounded-xl sm:border">
        <nav aria-label={t("nav.main")} className="grid grid-cols-2 gap-1 p-2 sm:grid-cols-1">
          {items.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              onClick={onClose}
              data-testid={`menu-nav-${item.to.split("/").pop()}`}
              className={`flex items-center gap-2 rounded-lg px-3 py-2.5 text-sm font-medium ${active(item) ? "bg-brand-50 text-brand-700" : "text-gray-800 hover:bg-gray-50"}`}
            >
              <NavIcon name={item.icon} />
              <span className="min-w-0 flex-1 truncate">{t(item.label)}</span>
              {item.to === "/inbox" && <UnreadCount count={unread} className="bg-brand-600 text-white" />}
            </NavLink>
          ))}
        </nav>
        <div className="space-y-2 border-t border-gray-100 p-3">
          {user && (
            <NavLink to={SECURITY_PATH} onClick={onClose} className="block rounded-lg px-1 text-sm hover:bg-gray-50" data-testid="menu-current-user">
              <span className="block font-medium text-gray-900">{user.name}</span>
              <span className="block text-xs text-gray-500">
                {t(`role.${user.role}`)} · {t("nav.security")}
              </span>
            </NavLink>
          )}
          <div className="flex items-center justify-between gap-2">
            <LanguageSwitcher />
            <button
              type="button"
              onClick={() => void logout()}
              data-testid="menu-logout"
              className="inline-flex items-center gap-1.5 rounded-lg border border-gray-300 px-3 py-1.5 text-sm text-gray-700 hover:bg-gray-50"
            >
              <LogoutIcon />
              {t("nav.logout")}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}

export function Shell() {
  const { user, logout, impersonation } = useAuth();
  const { brand, ready: brandReady } = useBrand();
  const { deletion } = useAccountDeletion();
  const { t } = useI18n();
  const inbox = useInbox();
  const unread = totalUnread(inbox.state);
  const { pathname } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);
  // Wide screens show every page that fits whole; when some do not (long words in some languages), the menu offers them.
  const navRef = useRef<HTMLElement>(null);
  const wrapped = useWrappedItems(navRef);
  const overflowing = wrapped.some(Boolean);
  const inSection = (base: string) => within(pathname, base);
  const items = navFor(user?.role);
  const isActive = (item: NavItem) => inSection(item.to) || itemPaths(item).some(inSection);
  const current = items.find(isActive);
  return (
    <div className="flex h-dvh flex-col">
      {impersonation && (
        <Suspense fallback={<div className="h-9 shrink-0 border-b-2 border-amber-600 bg-amber-300" aria-hidden="true" />}>
          <ImpersonationBanner />
        </Suspense>
      )}
      <header className="flex h-12 shrink-0 items-center gap-1 bg-brand-700 px-2 text-white sm:gap-2 sm:px-3">
        {/* Phones keep the room for the pages: the mark alone (a partner's logo beside its name on wider screens). */}
        {brand.logo_url ? (
          <img src={brand.logo_url} alt={brand.product_name} className="h-7 max-w-16 shrink-0 rounded bg-white object-contain p-0.5" data-testid="shell-brand-logo" />
        ) : (
          <img src="/favicon.svg" alt={brand.product_name} className="h-7 w-7 shrink-0 rounded-lg ring-1 ring-white/40 sm:hidden" />
        )}
        <span className={`mr-2 hidden max-w-48 truncate font-semibold tracking-tight sm:inline ${brandReady ? "" : "invisible"}`} data-testid="shell-brand-name">
          {brand.product_name}
        </span>
        {/* Wide screens: every page, icon and name, on one row: a page whose name would not fit wraps out of sight
            (hidden, not focusable) and the menu offers it. The focus ring is drawn inside, so the row's clipping keeps it. */}
        <nav ref={navRef} aria-label={t("nav.main")} className="relative hidden h-7 min-w-0 flex-1 flex-wrap items-start gap-x-0.5 overflow-hidden xl:flex">
          {items.map((item, i) => (
            <NavLink
              key={item.to}
              to={item.to}
              data-nav-item
              aria-hidden={wrapped[i] ? true : undefined}
              tabIndex={wrapped[i] ? -1 : undefined}
              data-testid={`nav-${item.to.split("/").pop()}`}
              data-active={isActive(item) ? "true" : undefined}
              className={`flex h-7 items-center gap-1 whitespace-nowrap rounded-md px-1.5 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-white ${wrapped[i] ? "invisible" : ""} ${isActive(item) ? "bg-white/20" : "hover:bg-white/10"}`}
            >
              <NavIcon name={item.icon} />
              <span>{t(item.label)}</span>
              {item.to === "/inbox" && <UnreadCount count={unread} className="bg-white text-brand-700" />}
            </NavLink>
          ))}
        </nav>
        {/* Narrower: the inbox, and the page that is open, by name. */}
        <div className="flex min-w-0 flex-1 items-center gap-1 xl:hidden">
          {items.some((i) => i.to === "/inbox") && (
            <NavLink
              to="/inbox"
              data-testid="nav-short-inbox"
              className={`flex shrink-0 items-center gap-1 rounded-md px-1.5 py-1 text-sm ${inSection("/inbox") ? "bg-white/20" : "hover:bg-white/10"}`}
            >
              <NavIcon name="inbox" />
              <span>{t("nav.inbox")}</span>
              <UnreadCount count={unread} className="bg-white text-brand-700" />
            </NavLink>
          )}
          {current && current.to !== "/inbox" && (
            <span className="flex min-w-0 items-center gap-1 rounded-md bg-white/20 px-1.5 py-1 text-sm" data-testid="nav-current">
              <NavIcon name={current.icon} />
              <span className="truncate">{t(current.label)}</span>
            </span>
          )}
        </div>
        {/* Phones pick the language in the menu. */}
        <span className="hidden sm:block">
          <LanguageSwitcher className="text-gray-900" compact />
        </span>
        {user && (
          <NavLink
            to={SECURITY_PATH}
            title={t("nav.security")}
            className="hidden rounded-md px-1.5 py-0.5 text-right text-xs leading-tight hover:bg-white/10 xl:block"
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
          className="hidden items-center whitespace-nowrap rounded-md px-2 py-1 text-sm hover:bg-white/10 xl:flex"
        >
          {t("nav.logout")}
        </button>
        <button
          type="button"
          onClick={() => setMenuOpen((v) => !v)}
          aria-expanded={menuOpen}
          aria-haspopup="true"
          data-testid="nav-menu-open"
          className={`flex shrink-0 items-center gap-1 rounded-md border border-white/30 px-2 py-1 text-sm hover:bg-white/10 ${overflowing ? "" : "xl:hidden"}`}
        >
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" aria-hidden="true">
            {menuOpen ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}
          </svg>
          <span>{t("nav.menu")}</span>
        </button>
      </header>
      {menuOpen && <NavMenu items={items} unread={unread} active={isActive} onClose={() => setMenuOpen(false)} wide={overflowing} />}
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
