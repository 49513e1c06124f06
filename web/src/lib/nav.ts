import type { MessageKey } from "../i18n/translate";
import type { Role } from "./types";

export interface NavItem {
  to: string;
  /** The paths this item covers (and gates); defaults to `to`. */
  section?: string;
  label: MessageKey;
  icon: "inbox" | "contacts" | "segments" | "settings" | "dashboard" | "flows" | "templates" | "campaigns";
  roles: readonly Role[];
}

const ADMINS: readonly Role[] = ["tenant_admin", "partner_admin", "super_admin"];
const EVERYONE: readonly Role[] = ["agent", ...ADMINS];

/** Pages in the main navigation. A page joins this list once its API exists. */
export const NAV_ITEMS: readonly NavItem[] = [
  { to: "/inbox", label: "nav.inbox", icon: "inbox", roles: EVERYONE },
  { to: "/dashboard", label: "nav.dashboard", icon: "dashboard", roles: ADMINS },
  { to: "/contacts", label: "nav.contacts", icon: "contacts", roles: ADMINS },
  // Agents may look at segments (GET); creating and changing them is for admins (the page hides it).
  { to: "/segments", label: "nav.segments", icon: "segments", roles: EVERYONE },
  { to: "/flows", label: "nav.flows", icon: "flows", roles: ADMINS },
  { to: "/templates", label: "nav.templates", icon: "templates", roles: ADMINS },
  { to: "/campaigns", label: "nav.campaigns", icon: "campaigns", roles: ADMINS },
  { to: "/settings/channels", section: "/settings", label: "nav.settings", icon: "settings", roles: ADMINS },
];

export function navFor(role: Role | undefined): NavItem[] {
  return role ? NAV_ITEMS.filter((i) => i.roles.includes(role)) : [];
}

export function canOpen(role: Role | undefined, path: string): boolean {
  const item = NAV_ITEMS.find((i) => {
    const base = i.section ?? i.to;
    return path === base || path.startsWith(`${base}/`);
  });
  return !item || (role !== undefined && item.roles.includes(role));
}

/** Whether a role runs the account (campaigns, templates, settings). */
export function isAdmin(role: Role | undefined): boolean {
  return role !== undefined && ADMINS.includes(role);
}
