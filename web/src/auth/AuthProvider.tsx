import { createContext, useCallback, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import {
  ApiClient,
  browserLock,
  localStorageSessionStore,
  type Impersonation,
  type LoginStep,
  type Session,
  type SessionEndReason,
  type ViewEndReason,
  type ViewVia,
} from "../lib/api";
import { viewHome } from "../lib/nav";
import type { User } from "../lib/types";

type Listener = () => void;
const listeners = new Set<Listener>();
/**
 * An operator's view is starting or ending and the page is about to load
 * afresh: the app keeps showing what it shows (no render as the other person
 * in between: no fetches, no socket, as the wrong one).
 */
let switching = false;
const notify = () => {
  if (!switching) listeners.forEach((l) => l());
};
const store = localStorageSessionStore();

/**
 * The session ended without the user logging out (the server refused it:
 * revoked, removed, password changed): the login page says so until the next
 * sign-in. Kept in memory only.
 */
let sessionEnded = false;
function onSessionChange(session: Session | null, ended?: SessionEndReason) {
  if (session) sessionEnded = false;
  else if (ended) sessionEnded = ended === "refused";
  notify();
}

/** Where the console finds which operator view just ended (for its notice); this tab only. */
const VIEW_ENDED_KEY = "whatsflow.viewEnded";

/** How an operator's view of a tenant ended, for the console's notice. */
export interface EndedView {
  tenant: string;
  reason: ViewEndReason;
}

/**
 * An operator's view starts or ends with a fresh page load: nothing of the
 * operator's (or the tenant's) data, socket or caches outlives the switch.
 */
function reloadAt(path: string) {
  switching = true;
  window.location.replace(path);
}

function onViewEnd(tenant: Impersonation["tenant"], reason: ViewEndReason) {
  try {
    sessionStorage.setItem(VIEW_ENDED_KEY, JSON.stringify({ tenant: tenant.name, reason } satisfies EndedView));
  } catch {
    // Private mode without storage: no notice, still back in the console.
  }
  // Back where the view started: the console, or a partner's client list.
  reloadAt(viewHome(store.load()?.user.role));
}

/** The view that ended before this page load, if any (read without removing it; see clearEndedView). */
export function endedView(): EndedView | null {
  try {
    const raw = sessionStorage.getItem(VIEW_ENDED_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<EndedView>;
    if (typeof v.tenant !== "string" || (v.reason !== "ended" && v.reason !== "expired" && v.reason !== "refused")) return null;
    return { tenant: v.tenant, reason: v.reason };
  } catch {
    return null;
  }
}

export function clearEndedView() {
  try {
    sessionStorage.removeItem(VIEW_ENDED_KEY);
  } catch {
    // Nothing stored.
  }
}

/**
 * The signed-in person as the server just described them (`GET` or `PATCH
 * /auth/me`): kept in the session when it is still theirs and something changed.
 */
export function rememberUser(user: User) {
  const current = store.load();
  if (current && current.user.id === user.id && JSON.stringify(current.user) !== JSON.stringify(user)) {
    store.save({ ...current, user });
    notify();
  }
}

/** The app's single API client; its session lives in localStorage. */
export const api = new ApiClient({ store, withLock: browserLock, onSessionChange, onViewEnd });

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  // Logging in or out in another tab changes this tab too.
  const onStorage = (e: StorageEvent) => {
    if (e.key === null || e.key.startsWith("whatsflow.session")) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

let cached: { raw: string | null; session: Session | null } = { raw: null, session: null };
function snapshot(): Session | null {
  if (switching) return cached.session;
  const raw = localStorage.getItem("whatsflow.session");
  if (raw !== cached.raw) cached = { raw, session: store.load() };
  return cached.session;
}

/** A platform operator (or a partner, its client) viewing a tenant as its admin. */
export interface OperatorView {
  tenant: { id: string; name: string };
  /** Epoch ms when the view ends. */
  expiresAt: number;
  /** Who is viewing: the platform's operator, or the partner the account belongs to. */
  by: "operator" | "partner";
}

export interface Auth {
  api: ApiClient;
  user: User | null;
  /** The operator's view in progress (the user is the tenant's admin), or null. */
  impersonation: OperatorView | null;
  /** An operator (or a partner, `via` "partner") starts viewing a tenant as its admin (the app reloads into its inbox). */
  startView: (tenantId: string, reason: string, via?: ViewVia) => Promise<void>;
  /** Ends the operator's view: back to the console with the operator's own session. */
  endView: () => void;
  /** The last session was ended by the server (not by logging out): "sign in again". */
  sessionEnded: boolean;
  /**
   * The password step of signing in: signed in, or the second step the
   * account needs (a code from the app, or setting two-factor up).
   */
  login: (email: string, password: string) => Promise<LoginStep>;
  register: (input: { tenant_name: string; name: string; email: string; password: string }) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const session = useSyncExternalStore(subscribe, snapshot, () => null);
  const ended = useSyncExternalStore(subscribe, () => sessionEnded, () => false);
  const userId = session?.user.id ?? null;

  // Confirm a remembered session (and pick up role or name changes) on start.
  useEffect(() => {
    if (!userId) return;
    let live = true;
    api
      .get<User>("/auth/me")
      .then((user) => {
        if (live) rememberUser(user);
      })
      .catch(() => {
        // A refused session is cleared by the client itself; network errors keep it.
      });
    return () => {
      live = false;
    };
  }, [userId]);

  const login = useCallback((email: string, password: string) => api.login(email, password), []);
  const register = useCallback(async (input: { tenant_name: string; name: string; email: string; password: string }) => {
    await api.register(input);
  }, []);
  const logout = useCallback(() => api.logout(), []);
  const startView = useCallback(async (tenantId: string, reason: string, via: ViewVia = "admin") => {
    switching = true;
    try {
      await api.impersonate(tenantId, reason, via);
    } catch (e) {
      switching = false;
      notify();
      throw e;
    }
    reloadAt("/inbox");
  }, []);
  const endView = useCallback(() => api.endView("ended"), []);

  // Another tab started or ended a view: this one follows with a fresh load too.
  useEffect(() => {
    let viewing = !!store.load()?.impersonation;
    const onStorage = (e: StorageEvent) => {
      if (e.key !== null && e.key !== "whatsflow.session") return;
      const next = store.load();
      const now = !!next?.impersonation;
      if (now === viewing) return;
      viewing = now;
      if (next) reloadAt(now ? "/inbox" : viewHome(next.user.role));
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const view = session?.impersonation;
  const viewTenantId = view?.tenant.id;
  const viewTenantName = view?.tenant.name;
  const viewExpiresAt = view ? session.expiresAt : null;
  const viewBy = view?.operator.user.role === "partner_admin" ? "partner" : "operator";
  const impersonation = useMemo<OperatorView | null>(
    () =>
      viewTenantId !== undefined && viewTenantName !== undefined && viewExpiresAt !== null
        ? { tenant: { id: viewTenantId, name: viewTenantName }, expiresAt: viewExpiresAt, by: viewBy }
        : null,
    [viewTenantId, viewTenantName, viewExpiresAt, viewBy],
  );

  const value = useMemo<Auth>(
    () => ({ api, user: session?.user ?? null, impersonation, startView, endView, sessionEnded: ended, login, register, logout }),
    [session, impersonation, startView, endView, ended, login, register, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}
