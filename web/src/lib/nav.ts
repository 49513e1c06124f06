import type { MessageKey } from "../i18n/translate";
import type { Role } from "./types";

export interface NavItem {
  to: string;
  label: MessageKey;
  icon: "inbox" | "contacts" | "settings";
  roles: readonly Role[];
}

const ADMINS: readonly Role[] = ["tenant_admin", "partner_admin", "super_admin"];
const EVERYONE: readonly Role[] = ["agent", ...ADMINS];

/** Pages in the main navigation. A page joins this list once its API exists. */
export const NAV_ITEMS: readonly NavItem[] = [
  { to: "/inbox", label: "nav.inbox", icon: "inbox", roles: EVERYONE },
  { to: "/contacts", label: "nav.contacts", icon: "contacts", roles: ADMINS },
  { to: "/settings/channels", label: "nav.settings", icon: "settings", roles: ADMINS },
];

export function navFor(role: Role | undefined): NavItem[] {
  return role ? NAV_ITEMS.filter((i) => i.roles.includes(role)) : [];
}

export function canOpen(role: Role | undefined, path: string): boolean {
  const item = NAV_ITEMS.find((i) => path === i.to || path.startsWith(`${i.to}/`));
  return !item || (role !== undefined && item.roles.includes(role));
}
