import type { MessageKey } from "../i18n/translate";
import type { Role } from "./types";

export interface NavItem {
  to: string;
  /** The paths this item covers (and gates); defaults to `to`. */
  section?: string;
  /** Further paths the item covers and gates (pages grouped under it, reached by its tabs). */
  also?: readonly string[];
  label: MessageKey;
  icon: "inbox" | "contacts" | "segments" | "settings" | "dashboard" | "reports" | "flows" | "templates" | "campaigns" | "sequences" | "admin" | "partner";
  roles: readonly Role[];
}

const ADMINS: readonly Role[] = ["tenant_admin", "partner_admin", "super_admin"];
const EVERYONE: readonly Role[] = ["agent", ...ADMINS];
/** The platform's operators. */
const OPERATORS: readonly Role[] = ["super_admin"];
/** White-label partners' admins (their own clients, brand, domains, prices and statements). */
const PARTNERS: readonly Role[] = ["partner_admin"];

/** Pages in the main navigation. A page joins this list once its API exists. */
export const NAV_ITEMS: readonly NavItem[] = [
  // The platform console: plans, customers, suspension (GET /admin/* answers 403 to anyone else).
  { to: "/admin", label: "nav.admin", icon: "admin", roles: OPERATORS },
  // The partner area: clients, branding, domains, prices, statements (`/partner/*` answers 403 to anyone else).
  { to: "/partner", label: "nav.partner", icon: "partner", roles: PARTNERS },
  { to: "/inbox", label: "nav.inbox", icon: "inbox", roles: EVERYONE },
  { to: "/dashboard", label: "nav.dashboard", icon: "dashboard", roles: ADMINS },
  // Managers' reports: agents and teams, conversations, satisfaction (the analytics answer admins only).
  { to: "/reports", label: "nav.reports", icon: "reports", roles: ADMINS },
  { to: "/contacts", label: "nav.contacts", icon: "contacts", roles: ADMINS },
  // Agents may look at segments (GET); creating and changing them is for admins (the page hides it).
  { to: "/segments", label: "nav.segments", icon: "segments", roles: EVERYONE },
  { to: "/flows", label: "nav.flows", icon: "flows", roles: ADMINS },
  { to: "/templates", label: "nav.templates", icon: "templates", roles: ADMINS },
  // Broadcasts and drip sequences (messages over days, each contact at their own pace) are both
  // campaigns: one entry, with tabs on their pages (CampaignsTabs), keeps the bar within 1280 px.
  { to: "/campaigns", also: ["/sequences"], label: "nav.campaigns", icon: "campaigns", roles: ADMINS },
  // The affiliate page is shown among the settings (a tab of theirs), so Settings stays marked there.
  { to: "/settings/channels", section: "/settings", also: ["/affiliate"], label: "nav.settings", icon: "settings", roles: ADMINS },
];

/**
 * Pages inside a section that more roles may open than the section's entry
 * allows (checked before NAV_ITEMS): everyone may read the account's plan, its
 * usage (`GET /usage` answers any signed-in person of the account) and its
 * wallet,
 * everyone keeps their own sign-in safe (Security: email, two-factor, sessions),
 * and everyone keeps canned replies (their personal ones; admins the shared ones too).
 */
const OPEN_PAGES: readonly { path: string; roles: readonly Role[] }[] = [
  // The account's own data (export, deletion): its admins; not the platform's operators (their account is the platform's).
  { path: "/settings/privacy", roles: ["tenant_admin", "partner_admin"] },
  { path: "/settings/plan", roles: EVERYONE },
  { path: "/settings/usage", roles: EVERYONE },
  // The prepaid wallet's balance and ledger (`GET /wallet` answers anyone in the account); topping up is for admins (the page hides it).
  { path: "/settings/wallet", roles: EVERYONE },
  { path: "/settings/security", roles: EVERYONE },
  // Canned replies: agents keep their personal ones; admins also the shared ones (the page tells them apart).
  { path: "/settings/canned-replies", roles: EVERYONE },
  // The referral programme: anyone signed in joins it and follows their own earnings (`/api/v1/affiliate` answers any person).
  { path: "/affiliate", roles: EVERYONE },
];

/** Everyone's own account security (reached from their name in the header). */
export const SECURITY_PATH = "/settings/security";

/** Every path prefix an item covers: its section (or `to`) and the pages grouped under it. */
export function itemPaths(item: NavItem): string[] {
  return [item.section ?? item.to, ...(item.also ?? [])];
}

/** Whether `path` is `base` or a page under it. */
export function within(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

export function navFor(role: Role | undefined): NavItem[] {
  return role ? NAV_ITEMS.filter((i) => i.roles.includes(role)) : [];
}

export function canOpen(role: Role | undefined, path: string): boolean {
  const page = OPEN_PAGES.find((p) => within(path, p.path));
  if (page) return role !== undefined && page.roles.includes(role);
  const item = NAV_ITEMS.find((i) => itemPaths(i).some((base) => within(path, base)));
  return !item || (role !== undefined && item.roles.includes(role));
}

/** Whether a role runs the account (campaigns, templates, settings). */
export function isAdmin(role: Role | undefined): boolean {
  return role !== undefined && ADMINS.includes(role);
}

/**
 * Where a role lands after signing in (and on unknown paths): operators in
 * the console, partners' admins in the partner area, everyone else in the inbox.
 */
export function homeFor(role: Role | undefined): string {
  return role === "super_admin" ? "/admin" : role === "partner_admin" ? "/partner" : "/inbox";
}

/** Where a signed-in person goes back to when a view of an account ends: a partner to its clients, an operator to the console. */
export function viewHome(role: Role | undefined): string {
  return role === "partner_admin" ? "/partner/clients" : "/admin";
}

/** Where to go after signing in: back where the user was headed if they may open it, else their home. */
export function afterLogin(role: Role | undefined, from: string | null | undefined): string {
  if (from && from !== "/login" && from !== "/register" && from !== "/partner/apply" && from !== "/" && canOpen(role, from)) return from;
  return homeFor(role);
}
