import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

/** From this width the contact panel sits beside the thread (Tailwind's `xl`); below it, it is a drawer. */
export const WIDE_QUERY = "(min-width: 1280px)";
const PINNED_KEY = "whatsflow.inbox.contactPanel";

/**
 * Where the contact panel is: beside the thread on wide screens unless the
 * person collapsed it (remembered on this device), a drawer opened on demand
 * on narrow ones.
 */
export interface ContactPanelState {
  /** The screen is wide enough for the panel beside the thread. */
  wide: boolean;
  /** Shown now: beside the thread (wide) or as a drawer (narrow). */
  open: boolean;
  /** Shows it (the customer's name in the header). */
  show: () => void;
  /** Collapses it (wide: remembered) or closes the drawer. */
  hide: () => void;
}

const Ctx = createContext<ContactPanelState | null>(null);

/** Whether the panel was left open beside the thread (default: open). */
export function readPinned(stored: string | null): boolean {
  return stored !== "collapsed";
}

function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => typeof window !== "undefined" && !!window.matchMedia?.(query).matches);
  useEffect(() => {
    const list = window.matchMedia?.(query);
    if (!list) return;
    const on = () => setMatches(list.matches);
    on();
    list.addEventListener("change", on);
    return () => list.removeEventListener("change", on);
  }, [query]);
  return matches;
}

/** Holds the panel's state for the inbox; the drawer closes when another conversation opens. */
export function ContactPanelProvider({ conversationId, children }: { conversationId: string | null; children: ReactNode }) {
  const wide = useMediaQuery(WIDE_QUERY);
  const [pinned, setPinned] = useState(() => {
    try {
      return readPinned(localStorage.getItem(PINNED_KEY));
    } catch {
      return true;
    }
  });
  const [drawer, setDrawer] = useState(false);
  useEffect(() => setDrawer(false), [conversationId]);

  const remember = useCallback((open: boolean) => {
    setPinned(open);
    try {
      localStorage.setItem(PINNED_KEY, open ? "open" : "collapsed");
    } catch {
      // Not remembered; still applied.
    }
  }, []);
  const show = useCallback(() => (wide ? remember(true) : setDrawer(true)), [wide, remember]);
  const hide = useCallback(() => (wide ? remember(false) : setDrawer(false)), [wide, remember]);
  const value = useMemo(() => ({ wide, open: wide ? pinned : drawer, show, hide }), [wide, pinned, drawer, show, hide]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The panel's state; outside the inbox (no provider) a panel that is never shown. */
export function useContactPanel(): ContactPanelState {
  return useContext(Ctx) ?? FALLBACK;
}

const FALLBACK: ContactPanelState = { wide: false, open: false, show: () => {}, hide: () => {} };
