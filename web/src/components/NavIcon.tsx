import type { NavItem } from "../lib/nav";

const PATHS: Record<NavItem["icon"], string> = {
  dashboard: "M4 20V10m6 10V4m6 16v-7m4 7H3",
  reports: "M7 3h10a2 2 0 012 2v14a2 2 0 01-2 2H7a2 2 0 01-2-2V5a2 2 0 012-2zm2 14v-3m3 3v-6m3 6V9",
  flows: "M6 3a2 2 0 100 4 2 2 0 000-4zm0 4v4a3 3 0 003 3h6a3 3 0 013 3v0m0 0a2 2 0 100 4 2 2 0 000-4zM6 11v6m0 0a2 2 0 100 4 2 2 0 000-4z",
  templates: "M7 3h8l4 4v13a1 1 0 01-1 1H7a1 1 0 01-1-1V4a1 1 0 011-1zM9 11h6M9 15h6M9 7h3",
  campaigns: "M3 10v4a1 1 0 001 1h2l6 4V5L6 9H4a1 1 0 00-1 1zm13-1.5a4.5 4.5 0 010 7m2.5-10a8 8 0 010 13",
  sequences: "M6 4a2 2 0 100 4 2 2 0 000-4zm0 4v3m0 5a2 2 0 100 4 2 2 0 000-4zm0-5v5M11 6h9M11 18h9M14 12h6",
  inbox: "M4 5h16a1 1 0 011 1v10a1 1 0 01-1 1H9l-4 3v-3H4a1 1 0 01-1-1V6a1 1 0 011-1z",
  contacts: "M9 11a3.5 3.5 0 100-7 3.5 3.5 0 000 7zm-6 9a6 6 0 0112 0M16 11a3 3 0 100-6m2 15h3a5 5 0 00-4-4.9",
  segments: "M4 5h16l-6 7.5V18l-4 2v-7.5L4 5z",
  admin: "M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6l8-3zm-3 9l2 2 4-4",
  partner: "M4 8h16v11a1 1 0 01-1 1H5a1 1 0 01-1-1V8zm4 0V6a2 2 0 012-2h4a2 2 0 012 2v2M4 13h16M11 13v2h2v-2",
  settings:
    "M12 15a3 3 0 100-6 3 3 0 000 6zm7.4-3a7.4 7.4 0 00-.1-1.2l2-1.6-2-3.4-2.4 1a7.5 7.5 0 00-2-1.2L14.5 3h-4l-.4 2.6a7.5 7.5 0 00-2 1.2l-2.4-1-2 3.4 2 1.6a7.4 7.4 0 000 2.4l-2 1.6 2 3.4 2.4-1a7.5 7.5 0 002 1.2l.4 2.6h4l.4-2.6a7.5 7.5 0 002-1.2l2.4 1 2-3.4-2-1.6c.1-.4.1-.8.1-1.2z",
};

export function NavIcon({ name }: { name: NavItem["icon"] }) {
  return (
    <svg viewBox="0 0 24 24" className="h-5 w-5 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  );
}
