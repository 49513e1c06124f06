// HTTP client for /api/v1: JSON in and out, the error envelope turned into
// ApiError, and the access token refreshed once on a 401 before giving up.
// A 401 can come with an unexpired token (the session was revoked: the role or
// password changed, the user was removed, logged out elsewhere): the refresh
// either issues a token for the new state or is refused, which ends the session.

import { isMfaRequired, isMfaSetupRequired, type LoginAnswer, type TwoFactorEnabledAtSignIn, type TwoFactorSetup } from "./security";
import type { ApiErrorBody, AuthResponse, Contact, ImpersonationAnswer, User } from "./types";

export const API_BASE = "/api/v1";
const SESSION_KEY = "whatsflow.session";
/** Refresh this long before the access token's stated expiry. */
const EXPIRY_MARGIN_MS = 30_000;

export interface Session {
  accessToken: string;
  /** Empty while a platform operator views an account (an impersonation token has none). */
  refreshToken: string;
  /** Epoch ms when the access token stops being accepted. */
  expiresAt: number;
  user: User;
  /**
   * A platform operator viewing a tenant as its admin (`POST
   * /admin/tenants/{id}/impersonate`): the access token above is the view's
   * (30 minutes, never refreshed) and the operator's own session waits here
   * until the view ends.
   */
  impersonation?: Impersonation;
}

/** An operator's view of a tenant as its admin. */
export interface Impersonation {
  tenant: { id: string; name: string };
  /** The operator's own session, back in use when the view ends. */
  operator: Session;
}

/** Who starts a view: the platform's operator (any tenant) or a partner's admin (its own clients). */
export type ViewVia = "admin" | "partner";

/**
 * Why an operator's view of a tenant ended: "ended" (End view), "expired"
 * (its 30 minutes are over) or "refused" (the server refused the token).
 */
export type ViewEndReason = "ended" | "expired" | "refused";

export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

/** One problem of a rejected request, e.g. a flow's bad node or edge (422 FLOW_INVALID). */
export interface ErrorDetail {
  node_id?: string;
  edge_id?: string;
  field?: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** Seconds to wait before trying again (`Retry-After` of a 429 or 503), null when not said. */
  readonly retryAfter: number | null;
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/**
 * `Retry-After` in whole seconds from `now`: delta-seconds ("120") or an
 * HTTP date. Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Why a session ended: the user logged out, or the server refused it (revoked, expired). */
export type SessionEndReason = "logout" | "refused";

/**
 * Where a sign-in stands after the password: signed in, or a second step
 * with the token that stands for the password until `expiresAt` (epoch ms) —
 * a code from the app (`code`), or setting two-factor up first because the
 * account requires it (`setup`).
 */
export type LoginStep =
  | { kind: "signed_in"; session: Session }
  | { kind: "code"; mfaToken: string; expiresAt: number }
  | { kind: "setup"; mfaToken: string; expiresAt: number };

/** How long an mfa_token lasts when the server does not say (its MFA_TTL_SECS). */
const MFA_TTL_MS = 5 * 60_000;

function detailsOf(err: { details?: unknown }): ErrorDetail[] {
  if (!Array.isArray(err.details)) return [];
  return err.details
    .filter((d): d is Record<string, unknown> => typeof d === "object" && d !== null)
    .map((d) => {
      const out: ErrorDetail = { message: typeof d.message === "string" ? d.message : String(d.message ?? "") };
      if (typeof d.node_id === "string") out.node_id = d.node_id;
      if (typeof d.edge_id === "string") out.edge_id = d.edge_id;
      if (typeof d.field === "string") out.field = d.field;
      return out;
    });
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const err = (value as { error: unknown }).error;
  return typeof err === "object" && err !== null && "code" in err && "message" in err;
}

export function sessionFromAuth(auth: AuthResponse, now: number): Session {
  return {
    accessToken: auth.access_token,
    refreshToken: auth.refresh_token,
    expiresAt: now + auth.expires_in * 1000,
    user: auth.user,
  };
}

export function localStorageSessionStore(storage: Storage | undefined = globalThis.localStorage): SessionStore {
  return {
    load() {
      try {
        const raw = storage?.getItem(SESSION_KEY);
        if (!raw) return null;
        const s = JSON.parse(raw) as Partial<Session>;
        if (!isSession(s)) return null;
        if (s.impersonation !== undefined && !isImpersonation(s.impersonation)) return null;
        return s;
      } catch {
        return null;
      }
    },
    save(session) {
      if (!storage) return;
      if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
      else storage.removeItem(SESSION_KEY);
    },
  };
}

function isSession(s: Partial<Session> | null | undefined): s is Session {
  return !!s && typeof s.accessToken === "string" && typeof s.refreshToken === "string" && typeof s.expiresAt === "number" && !!s.user;
}

function isImpersonation(v: unknown): v is Impersonation {
  if (typeof v !== "object" || v === null) return false;
  const i = v as Partial<Impersonation>;
  return (
    typeof i.tenant === "object" &&
    i.tenant !== null &&
    typeof i.tenant.id === "string" &&
    typeof i.tenant.name === "string" &&
    isSession(i.operator) &&
    !!i.operator.refreshToken &&
    i.operator.impersonation === undefined
  );
}

/**
 * The session of an operator's view (`POST /admin/tenants/{id}/impersonate`):
 * the view's token and person, with the operator's own session kept aside.
 * Its end is the server's `expires_at` (else `expires_in` from now).
 */
export function viewSession(answer: ImpersonationAnswer, operator: Session, now: number): Session {
  const stated = answer.expires_at ? Date.parse(answer.expires_at) : Number.NaN;
  const expiresAt = Number.isNaN(stated) ? now + answer.expires_in * 1000 : Math.min(stated, now + answer.expires_in * 1000);
  const own: Session = { ...operator };
  delete own.impersonation;
  return {
    accessToken: answer.access_token,
    refreshToken: "",
    expiresAt,
    user: answer.user,
    impersonation: { tenant: { id: answer.tenant.id, name: answer.tenant.name }, operator: own },
  };
}

export function memorySessionStore(initial: Session | null = null): SessionStore {
  let s = initial;
  return { load: () => s, save: (next) => void (s = next) };
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  store: SessionStore;
  now?: () => number;
  /**
   * Called when the session changes: a login or refresh (the new session), or
   * its end (null) with why — logout, or a refresh that was refused.
   */
  onSessionChange?: (session: Session | null, ended?: SessionEndReason) => void;
  /** Serialises refreshes across tabs (navigator.locks) where available. */
  withLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * An operator's view of a tenant ended (the operator's own session is
   * stored again; onSessionChange is told right after): which tenant, and why.
   */
  onViewEnd?: (tenant: Impersonation["tenant"], reason: ViewEndReason) => void;
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** A request body sent as is (not JSON), e.g. a CSV file. */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/** What a request answers with: parsed JSON (default), the raw body as a Blob, or a Blob with its file name. */
/** What a request answers: the JSON body, a Blob, a file, or the JSON body with the HTTP status (see postWithStatus). */
type Expect = "json" | "blob" | "file" | "status";

/** A JSON answer together with its HTTP status: for the few calls whose 200 and 201 mean different things. */
export interface WithStatus<T> {
  status: number;
  data: T;
}

/** A downloaded file: its bytes, and the name the server gave it (`Content-Disposition`), if any. */
export interface DownloadedFile {
  blob: Blob;
  filename: string | null;
}

/**
 * The file name of a `Content-Disposition` header: `filename*=UTF-8''…`
 * (RFC 5987, preferred) or `filename="…"`. Path parts are dropped. Null when
 * there is none.
 */
export function contentDispositionFilename(header: string | null | undefined): string | null {
  if (!header) return null;
  let name: string | null = null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      name = decodeURIComponent(star[2]!.trim().replace(/^"|"$/g, ""));
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header);
    if (plain) name = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, "$1") : plain[1]!.trim();
  }
  const base = name?.split(/[\\/]/).pop()?.trim() ?? "";
  return base && base !== "." && base !== ".." ? base : null;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export class ApiClient {
  private readonly fetchFn: typeof fetch;
  private readonly store: SessionStore;
  private readonly now: () => number;
  private readonly onSessionChange: (session: Session | null, ended?: SessionEndReason) => void;
  private readonly withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly onViewEnd: (tenant: Impersonation["tenant"], reason: ViewEndReason) => void;
  private refreshing: Promise<Session | null> | null = null;

  constructor(opts: ApiClientOptions) {
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.onSessionChange = opts.onSessionChange ?? (() => {});
    this.withLock = opts.withLock ?? ((fn) => fn());
    this.onViewEnd = opts.onViewEnd ?? (() => {});
  }

  get session(): Session | null {
    return this.store.load();
  }

  // ---- auth ----

  /**
   * The password step of signing in: signed in, or the second step the
   * account needs (see LoginStep); nothing is stored until a session starts.
   */
  async login(email: string, password: string): Promise<LoginStep> {
    const answer = await this.raw<LoginAnswer>("POST", "/auth/login", { email, password }, null);
    if (isMfaRequired(answer) || isMfaSetupRequired(answer)) {
      const expiresAt = this.now() + (answer.expires_in ? answer.expires_in * 1000 : MFA_TTL_MS);
      return { kind: isMfaRequired(answer) ? "code" : "setup", mfaToken: answer.mfa_token, expiresAt };
    }
    return { kind: "signed_in", session: this.begin(answer) };
  }

  /** Finishes a two-factor sign-in with a code from the app or a recovery code; the session starts. */
  async verifyTwoFactor(mfaToken: string, factor: { code: string } | { recovery_code: string }): Promise<Session> {
    const auth = await this.raw<AuthResponse>("POST", "/auth/2fa/verify", { mfa_token: mfaToken, ...factor }, null);
    return this.begin(auth);
  }

  /** A sign-in that must set two-factor up: a new secret for the app. */
  setupTwoFactorAtSignIn(mfaToken: string): Promise<TwoFactorSetup> {
    return this.raw<TwoFactorSetup>("POST", "/auth/2fa/setup", { mfa_token: mfaToken }, null);
  }

  /**
   * Turns two-factor on during a sign-in that had to set it up. The session
   * does not start yet: the page shows the recovery codes first, then calls
   * startSession with the answer.
   */
  enableTwoFactorAtSignIn(mfaToken: string, code: string): Promise<TwoFactorEnabledAtSignIn> {
    return this.raw<TwoFactorEnabledAtSignIn>("POST", "/auth/2fa/enable", { mfa_token: mfaToken, code }, null);
  }

  /** Starts the session of a token pair the server gave (see enableTwoFactorAtSignIn). */
  startSession(auth: AuthResponse): Session {
    return this.begin(auth);
  }

  /**
   * Forgets the session here without telling the server: it ended there
   * already (signed out everywhere, the password was reset).
   */
  forget(): void {
    if (this.store.load()) this.end("logout");
  }

  /** A call that needs no sign-in (password reset, email verification); no token is sent. */
  publicPost<T>(path: string, body: unknown): Promise<T> {
    return this.raw<T>("POST", path, body, null);
  }

  /** A read that needs no sign-in (whom a mailed invitation is for); no token is sent. */
  publicGet<T>(path: string): Promise<T> {
    return this.raw<T>("GET", path, undefined, null);
  }

  async register(input: { tenant_name: string; name: string; email: string; password: string }): Promise<Session> {
    const auth = await this.raw<AuthResponse>("POST", "/auth/register", input, null);
    return this.begin(auth);
  }

  async logout(): Promise<void> {
    // During an operator's view, logging out signs the operator out (the view's token dies with its 30 minutes).
    const current = this.store.load();
    const s = current?.impersonation?.operator ?? current;
    this.end("logout");
    if (s?.refreshToken) {
      try {
        await this.raw<void>("POST", "/auth/logout", { refresh_token: s.refreshToken }, s.accessToken);
      } catch {
        // The session is gone locally either way.
      }
    }
  }

  /** An access token good for at least EXPIRY_MARGIN_MS, refreshing first if needed. */
  async freshAccessToken(): Promise<string | null> {
    const s = this.store.load();
    if (!s) return null;
    if (s.impersonation) {
      // A view's token is good to its last second and never refreshed.
      if (s.expiresAt > this.now()) return s.accessToken;
      this.endView("expired");
      return null;
    }
    if (s.expiresAt - EXPIRY_MARGIN_MS > this.now()) return s.accessToken;
    const next = await this.refresh(s.refreshToken);
    return next?.accessToken ?? null;
  }

  /**
   * After the server refused `usedToken` although it had not expired (the
   * socket closed with 4401: the session was revoked, or the user's role or
   * password changed): one refresh. True when there is a session to go on
   * with (refreshed, or already replaced by another request or tab); false
   * when the refresh was refused and the session has ended. Throws when the
   * refresh could not be tried (network, 429): the session is kept.
   */
  async renewAfterRevocation(usedToken: string | null): Promise<boolean> {
    const s = this.store.load();
    if (!s) return false;
    if (usedToken !== null && s.accessToken !== usedToken) return true;
    if (s.impersonation) {
      // Nothing to refresh: the view is over, the operator's own session is back.
      this.endView("refused");
      return false;
    }
    const next = await this.refresh(s.refreshToken, true);
    return next !== null;
  }

  // ---- requests ----

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", withQuery(path, query));
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  delete<T = void>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }
  /**
   * POST and keep the HTTP status with the JSON answer: enrolling a contact
   * answers 201 for a new enrolment and 200 with the same one when they are
   * in the sequence already.
   */
  postWithStatus<T>(path: string, body?: unknown): Promise<WithStatus<T>> {
    return this.request<WithStatus<T>>("POST", path, body, "status");
  }
  /** POST a multipart form (a file upload); the browser sets the boundary. */
  upload<T>(path: string, form: FormData): Promise<T> {
    return this.request<T>("POST", path, form);
  }
  /** GET a non-JSON answer (a CSV export, say) as a Blob, with the bearer token. */
  download(path: string, query?: Query): Promise<Blob> {
    return this.request<Blob>("GET", withQuery(path, query), undefined, "blob");
  }
  /** Like download, with the file name from `Content-Disposition` (media come as attachments). */
  downloadFile(path: string, query?: Query): Promise<DownloadedFile> {
    return this.request<DownloadedFile>("GET", withQuery(path, query), undefined, "file");
  }

  async request<T>(method: Method, path: string, body?: unknown, expect: Expect = "json"): Promise<T> {
    const session = this.store.load();
    if (!session) throw new ApiError(401, "UNAUTHENTICATED", "Not signed in");
    if (session.impersonation) return this.viewRequest<T>(session, method, path, body, expect);
    let token = session.accessToken;
    if (session.expiresAt - EXPIRY_MARGIN_MS <= this.now()) {
      token = (await this.refresh(session.refreshToken))?.accessToken ?? "";
      if (!token) throw new ApiError(401, "UNAUTHENTICATED", "Session expired");
    }
    try {
      return await this.raw<T>(method, path, body, token, expect);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      const latest = this.store.load();
      if (!latest) throw e;
      // Another request (or tab) may already have rotated the tokens.
      const retried =
        latest.accessToken !== token ? latest : await this.refresh(latest.refreshToken);
      if (!retried) throw e;
      try {
        return await this.raw<T>(method, path, body, retried.accessToken, expect);
      } catch (again) {
        // A freshly issued token refused too: the session is no good.
        if (again instanceof ApiError && again.status === 401) this.end("refused");
        throw again;
      }
    }
  }

  // ---- an operator's view of a tenant ----

  /** The view in progress, if any. */
  get impersonation(): Impersonation | null {
    return this.store.load()?.impersonation ?? null;
  }

  /**
   * A platform operator (or a partner, its own client: `via` "partner")
   * views a tenant as its admin for 30 minutes: the
   * server's view token replaces the session, the operator's own waits aside
   * (see endView). `reason` is audited (3 to 500 characters).
   */
  async impersonate(tenantId: string, reason: string, via: ViewVia = "admin"): Promise<Session> {
    if (this.store.load()?.impersonation) throw new ApiError(409, "VIEW_IN_PROGRESS", "End the current view first");
    const path = via === "partner" ? `/partner/clients/${encodeURIComponent(tenantId)}/impersonate` : `/admin/tenants/${encodeURIComponent(tenantId)}/impersonate`;
    const answer = await this.post<ImpersonationAnswer>(path, { reason });
    // Read after the call: it may have refreshed the operator's tokens.
    const operator = this.store.load();
    if (!operator) throw new ApiError(401, "UNAUTHENTICATED", "Not signed in");
    const session = viewSession(answer, operator, this.now());
    this.store.save(session);
    this.onSessionChange(session);
    return session;
  }

  /** Ends an operator's view: their own session is back in use (nothing is sent: the view's token just expires). */
  endView(reason: ViewEndReason = "ended"): void {
    const s = this.store.load();
    if (!s?.impersonation) return;
    const { tenant, operator } = s.impersonation;
    this.store.save(operator);
    // The app is told first (it may load afresh rather than render the switch).
    this.onViewEnd(tenant, reason);
    this.onSessionChange(operator);
  }

  /**
   * A request with a view's token: never refreshed. Expired, or refused with
   * a 401, the view ends (the operator's session is back) and the request
   * fails.
   */
  private async viewRequest<T>(session: Session, method: Method, path: string, body: unknown, expect: Expect): Promise<T> {
    if (session.expiresAt <= this.now()) {
      this.endView("expired");
      throw new ApiError(401, "UNAUTHENTICATED", "The operator view has ended");
    }
    try {
      return await this.raw<T>(method, path, body, session.accessToken, expect);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && this.store.load()?.accessToken === session.accessToken) {
        this.endView(session.expiresAt <= this.now() ? "expired" : "refused");
      }
      throw e;
    }
  }

  private begin(auth: AuthResponse): Session {
    const session = sessionFromAuth(auth, this.now());
    this.store.save(session);
    this.onSessionChange(session);
    return session;
  }

  private end(reason: SessionEndReason): void {
    this.store.save(null);
    this.onSessionChange(null, reason);
  }

  /**
   * One refresh at a time; concurrent callers share it. The old refresh token
   * dies on use. `force`: refresh even if the access token looks good (the
   * server refused it).
   */
  private refresh(refreshToken: string, force = false): Promise<Session | null> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.doRefresh(refreshToken, force)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(refreshToken: string, force: boolean): Promise<Session | null> {
    const current = this.store.load();
    if (!current) return null;
    // A view's token has no refresh token (and is never refreshed).
    if (current.impersonation || !current.refreshToken) return null;
    // Another tab rotated it while we waited for the lock: use theirs.
    if (current.refreshToken !== refreshToken && (force || current.expiresAt - EXPIRY_MARGIN_MS > this.now())) {
      return current;
    }
    try {
      const auth = await this.raw<AuthResponse>("POST", "/auth/refresh", { refresh_token: current.refreshToken }, null);
      const session = sessionFromAuth(auth, this.now());
      this.store.save(session);
      this.onSessionChange(session);
      return session;
    } catch (e) {
      // Refused (400/401/403…): the session is over. Too many requests (429)
      // or a timeout (408) say nothing about the session: keep it, let the
      // caller see the error and try again later.
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 408) {
        this.end("refused");
        return null;
      }
      throw e;
    }
  }

  private async raw<T>(method: Method, path: string, body: unknown, token: string | null, expect: Expect = "json"): Promise<T> {
    const headers: Record<string, string> = { Accept: expect === "json" || expect === "status" ? "application/json" : "*/*" };
    let payload: string | FormData | undefined;
    if (typeof FormData !== "undefined" && body instanceof FormData) {
      // No Content-Type: fetch writes multipart/form-data with its boundary.
      payload = body;
    } else if (body instanceof RawBody) {
      headers["Content-Type"] = body.contentType;
      payload = body.text;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchFn(`${API_BASE}${path}`, { method, headers, body: payload });
    } catch (e) {
      throw new ApiError(0, "NETWORK", e instanceof Error ? e.message : "Network error");
    }
    if (res.status === 204) return (expect === "status" ? { status: 204, data: undefined } : undefined) as T;
    if (expect === "blob" && res.ok) return (await res.blob()) as T;
    if (expect === "file" && res.ok) {
      const file: DownloadedFile = { blob: await res.blob(), filename: contentDispositionFilename(res.headers.get("Content-Disposition")) };
      return file as T;
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) {
      const retryAfter = parseRetryAfter(res.headers.get("Retry-After"), this.now());
      if (isApiErrorBody(parsed)) throw new ApiError(res.status, parsed.error.code, parsed.error.message, detailsOf(parsed.error), retryAfter);
      throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`, [], retryAfter);
    }
    if (expect === "status") return { status: res.status, data: parsed } as T;
    return parsed as T;
  }
}

// ---- contact segments (`/contacts/segments`) ----
// The web's own reading of them; api.check.ts proves the server's generated
// types (apiTypes.ts) fit.

/** A leaf of a segment rule: `{"field": "tag", "op": "has", "value": "vip"}`; `exists`, `missing` and `never` take no value. */
export interface SegmentCondition {
  field: string;
  op: string;
  value?: string | number | boolean;
}

/** `{"all": [...]}` or `{"any": [...]}`: non-empty, at most 4 groups deep, at most 30 conditions in all. */
export type SegmentGroupRule = { all: SegmentRule[] } | { any: SegmentRule[] };

export type SegmentRule = SegmentGroupRule | SegmentCondition;

/** A saved segment (`GET /contacts/segments`, `…/{id}`) with its members counted now. */
export interface SegmentView {
  id: string;
  name: string;
  rule: SegmentGroupRule;
  /** Contacts matching the rule now. */
  contacts: number;
  created_at: string;
  updated_at: string;
}

/** `POST /contacts/segments/preview` and `GET /contacts/segments/{id}/preview`: how many match, the first 20 of them. */
export interface SegmentPreview {
  count: number;
  contacts: Contact[];
}

export function browserLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return fn();
  // The lock is held until fn's promise settles; request() resolves to its result.
  return locks.request("whatsflow-refresh", fn) as unknown as Promise<T>;
}
