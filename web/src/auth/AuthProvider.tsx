import { createContext, useCallback, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { ApiClient, browserLock, localStorageSessionStore, type LoginStep, type Session, type SessionEndReason } from "../lib/api";
import type { User } from "../lib/types";

type Listener = () => void;
const listeners = new Set<Listener>();
const notify = () => listeners.forEach((l) => l());
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

/** The app's single API client; its session lives in localStorage. */
export const api = new ApiClient({ store, withLock: browserLock, onSessionChange });

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
  const raw = localStorage.getItem("whatsflow.session");
  if (raw !== cached.raw) cached = { raw, session: store.load() };
  return cached.session;
}

export interface Auth {
  api: ApiClient;
  user: User | null;
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
        const current = store.load();
        if (live && current && JSON.stringify(current.user) !== JSON.stringify(user)) {
          store.save({ ...current, user });
          notify();
        }
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

  const value = useMemo<Auth>(
    () => ({ api, user: session?.user ?? null, sessionEnded: ended, login, register, logout }),
    [session, ended, login, register, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}
