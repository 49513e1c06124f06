import { describe, expect, it } from "vitest";
import {
  ApiClient,
  ApiError,
  contentDispositionFilename,
  localStorageSessionStore,
  memorySessionStore,
  parseRetryAfter,
  RawBody,
  withQuery,
  type Session,
  type SessionEndReason,
  type ViewEndReason,
} from "./api";
import type { User } from "./types";

const user: User = { id: "u1", tenant_id: "t1", name: "Asha", email: "a@x.test", role: "agent" };

interface Call {
  url: string;
  method: string;
  auth: string | null;
  body: unknown;
}

type Handler = (call: Call) => { status: number; body?: unknown; headers?: Record<string, string> };

function fakeFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      auth: headers.Authorization ?? null,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    await Promise.resolve();
    const { status, body, headers: resHeaders } = handler(call);
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: resHeaders });
  };
  return { fn: fn as typeof fetch, calls };
}

const auth = (n: number) => ({ access_token: `a${n}`, refresh_token: `r${n}`, expires_in: 900, user });
const session = (n: number, expiresAt = 10_000_000): Session => ({
  accessToken: `a${n}`,
  refreshToken: `r${n}`,
  expiresAt,
  user,
});
const now = () => 1_000_000;

describe("login", () => {
  it("stores the session on success", async () => {
    const { fn } = fakeFetch(() => ({ status: 200, body: auth(1) }));
    const store = memorySessionStore();
    const api = new ApiClient({ fetch: fn, store, now });
    await api.login("a@x.test", "pw");
    expect(store.load()).toEqual({ accessToken: "a1", refreshToken: "r1", expiresAt: 1_000_000 + 900_000, user });
  });

  it("surfaces the server's message on a wrong password and stores nothing", async () => {
    const { fn } = fakeFetch(() => ({
      status: 401,
      body: { error: { code: "INVALID_CREDENTIALS", message: "Email or password is wrong" } },
    }));
    const store = memorySessionStore();
    const api = new ApiClient({ fetch: fn, store, now });
    const err = await api.login("a@x.test", "bad").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("INVALID_CREDENTIALS");
    expect((err as ApiError).message).toBe("Email or password is wrong");
    expect(store.load()).toBeNull();
  });
});

describe("two-factor sign-in", () => {
  it("stops after the password when the account has two-factor, then starts the session with the code", async () => {
    const { fn, calls } = fakeFetch((c) =>
      c.url.endsWith("/auth/login")
        ? { status: 200, body: { mfa_required: true, mfa_token: "m1", expires_in: 300 } }
        : { status: 200, body: auth(2) },
    );
    const store = memorySessionStore();
    const changes: (Session | null)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s) => changes.push(s) });
    const step = await api.login("a@x.test", "pw");
    expect(step).toEqual({ kind: "code", mfaToken: "m1", expiresAt: 1_000_000 + 300_000 });
    expect(store.load()).toBeNull();
    expect(changes).toEqual([]);
    const session = await api.verifyTwoFactor("m1", { code: "123456" });
    expect(calls[1]).toMatchObject({ url: "/api/v1/auth/2fa/verify", method: "POST", auth: null, body: { mfa_token: "m1", code: "123456" } });
    expect(session.accessToken).toBe("a2");
    expect(store.load()?.refreshToken).toBe("r2");
    expect(changes).toHaveLength(1);
  });

  it("sends a recovery code as recovery_code, and keeps nothing when it is refused", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 400, body: { error: { code: "INVALID_CODE", message: "wrong" } } }));
    const store = memorySessionStore();
    const err = await new ApiClient({ fetch: fn, store, now }).verifyTwoFactor("m1", { recovery_code: "ab12-cd34" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "INVALID_CODE" });
    expect(calls[0]!.body).toEqual({ mfa_token: "m1", recovery_code: "ab12-cd34" });
    expect(store.load()).toBeNull();
  });

  it("sets two-factor up during a sign-in that requires it; the session starts only when asked", async () => {
    const { fn, calls } = fakeFetch((c) => {
      if (c.url.endsWith("/auth/login")) return { status: 200, body: { mfa_setup_required: true, mfa_token: "m2" } };
      if (c.url.endsWith("/auth/2fa/setup")) return { status: 200, body: { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x" } };
      return { status: 200, body: { ...auth(3), recovery_codes: ["aaaa-bbbb"] } };
    });
    const store = memorySessionStore();
    const api = new ApiClient({ fetch: fn, store, now });
    const step = await api.login("a@x.test", "pw");
    expect(step).toEqual({ kind: "setup", mfaToken: "m2", expiresAt: 1_000_000 + 300_000 });
    expect(await api.setupTwoFactorAtSignIn("m2")).toEqual({ secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x" });
    const enabled = await api.enableTwoFactorAtSignIn("m2", "654321");
    expect(calls.map((c) => [c.url, c.auth, c.body])).toEqual([
      ["/api/v1/auth/login", null, { email: "a@x.test", password: "pw" }],
      ["/api/v1/auth/2fa/setup", null, { mfa_token: "m2" }],
      ["/api/v1/auth/2fa/enable", null, { mfa_token: "m2", code: "654321" }],
    ]);
    expect(enabled.recovery_codes).toEqual(["aaaa-bbbb"]);
    // The recovery codes are on screen; nothing is signed in yet.
    expect(store.load()).toBeNull();
    api.startSession(enabled);
    expect(store.load()?.accessToken).toBe("a3");
  });

  it("forgets a session the server ended, as a sign-out (not a refusal)", () => {
    const store = memorySessionStore(session(1));
    const ends: (SessionEndReason | undefined)[] = [];
    const api = new ApiClient({ fetch: fakeFetch(() => ({ status: 500 })).fn, store, now, onSessionChange: (_s, why) => ends.push(why) });
    api.forget();
    expect(store.load()).toBeNull();
    expect(ends).toEqual(["logout"]);
    api.forget();
    expect(ends).toEqual(["logout"]);
  });

  it("calls the public endpoints without a token even when signed in", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 202, body: { sent: true } }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    expect(await api.publicPost("/auth/password/forgot", { email: "a@x.test" })).toEqual({ sent: true });
    expect(calls[0]).toMatchObject({ url: "/api/v1/auth/password/forgot", auth: null });
  });
});

describe("postWithStatus", () => {
  it("keeps the status with the answer: 201 for a new enrolment, 200 for the same one again", async () => {
    let n = 0;
    const { fn, calls } = fakeFetch(() => ({ status: n++ === 0 ? 201 : 200, body: { id: "e1", state: "active" } }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    expect(await api.postWithStatus("/contacts/c1/campaigns/d1/enroll")).toEqual({ status: 201, data: { id: "e1", state: "active" } });
    expect(await api.postWithStatus("/contacts/c1/campaigns/d1/enroll")).toEqual({ status: 200, data: { id: "e1", state: "active" } });
    expect(calls[0]).toMatchObject({ method: "POST", url: "/api/v1/contacts/c1/campaigns/d1/enroll", auth: "Bearer a1" });
  });
  it("still throws the server's refusal", async () => {
    const { fn } = fakeFetch(() => ({ status: 409, body: { error: { code: "ENROLLMENT_CLOSED", message: "no" } } }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const err = await api.postWithStatus("/x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("ENROLLMENT_CLOSED");
  });
});

describe("rate limits", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("30", 0)).toBe(30);
    expect(parseRetryAfter(" 0 ", 0)).toBe(0);
    expect(parseRetryAfter(new Date(1_000_000 + 90_500).toUTCString(), 1_000_000)).toBe(90);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter(new Date(0).toUTCString(), 1_000_000)).toBe(0);
  });

  it("exposes retryAfter on a 429 from login (RATE_LIMITED, ACCOUNT_LOCKED)", async () => {
    for (const code of ["RATE_LIMITED", "ACCOUNT_LOCKED"]) {
      const { fn } = fakeFetch(() => ({ status: 429, headers: { "Retry-After": "120" }, body: { error: { code, message: "slow down" } } }));
      const store = memorySessionStore();
      const err = await new ApiClient({ fetch: fn, store, now }).login("a@x.test", "pw").catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 429, code, retryAfter: 120 });
      expect(store.load()).toBeNull();
    }
  });

  it("has no retryAfter when the server does not say", async () => {
    const { fn } = fakeFetch(() => ({ status: 429, body: { error: { code: "RATE_LIMITED", message: "slow down" } } }));
    const err = await new ApiClient({ fetch: fn, store: memorySessionStore(), now }).register({ tenant_name: "t", name: "n", email: "e", password: "p" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryAfter: null });
  });

  it("keeps the session when the refresh is rate-limited", async () => {
    const { fn } = fakeFetch((c) =>
      c.url.endsWith("/auth/refresh")
        ? { status: 429, headers: { "Retry-After": "7" }, body: { error: { code: "RATE_LIMITED", message: "slow down" } } }
        : { status: 401, body: { error: { code: "UNAUTHORIZED", message: "session revoked" } } },
    );
    const store = memorySessionStore(session(1));
    const changes: (Session | null)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s) => changes.push(s) });
    await expect(api.get("/conversations")).rejects.toMatchObject({ code: "RATE_LIMITED", retryAfter: 7 });
    expect(store.load()).not.toBeNull();
    expect(changes).toEqual([]);
  });
});

describe("refresh on 401", () => {
  it("refreshes once and retries with the new token", async () => {
    const { fn, calls } = fakeFetch((c) => {
      if (c.url.endsWith("/auth/refresh")) return { status: 200, body: auth(2) };
      return c.auth === "Bearer a2" ? { status: 200, body: { ok: true } } : { status: 401, body: { error: { code: "TOKEN_EXPIRED", message: "expired" } } };
    });
    const store = memorySessionStore(session(1));
    const api = new ApiClient({ fetch: fn, store, now });
    await expect(api.get("/conversations")).resolves.toEqual({ ok: true });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/conversations", "/api/v1/auth/refresh", "/api/v1/conversations"]);
    expect(calls[1]!.body).toEqual({ refresh_token: "r1" });
    expect(store.load()!.refreshToken).toBe("r2");
  });

  it("shares one refresh between concurrent requests (the refresh token rotates)", async () => {
    const { fn, calls } = fakeFetch((c) => {
      if (c.url.endsWith("/auth/refresh")) {
        return (c.body as { refresh_token: string }).refresh_token === "r1"
          ? { status: 200, body: auth(2) }
          : { status: 401, body: { error: { code: "INVALID_REFRESH", message: "dead" } } };
      }
      return c.auth === "Bearer a2" ? { status: 200, body: 1 } : { status: 401 };
    });
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    await expect(Promise.all([api.get("/a"), api.get("/b"), api.get("/c")])).resolves.toEqual([1, 1, 1]);
    expect(calls.filter((c) => c.url.endsWith("/auth/refresh"))).toHaveLength(1);
  });

  it("logs out when the refresh is refused", async () => {
    const { fn } = fakeFetch(() => ({ status: 401, body: { error: { code: "UNAUTHENTICATED", message: "no" } } }));
    const store = memorySessionStore(session(1));
    const changes: (Session | null)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s) => changes.push(s) });
    await expect(api.get("/me")).rejects.toBeInstanceOf(ApiError);
    expect(store.load()).toBeNull();
    expect(changes).toEqual([null]);
  });

  it("handles a 401 for an unexpired token after a role change: refreshed, retried, new role kept", async () => {
    const admin: User = { ...user, role: "tenant_admin" };
    const { fn, calls } = fakeFetch((c) => {
      if (c.url.endsWith("/auth/refresh")) return { status: 200, body: { ...auth(2), user: admin } };
      return c.auth === "Bearer a2" ? { status: 200, body: "ok" } : { status: 401, body: { error: { code: "UNAUTHORIZED", message: "session revoked" } } };
    });
    const store = memorySessionStore(session(1, 10_000_000));
    const api = new ApiClient({ fetch: fn, store, now });
    await expect(api.get("/users")).resolves.toBe("ok");
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/users", "/api/v1/auth/refresh", "/api/v1/users"]);
    expect(store.load()!.user.role).toBe("tenant_admin");
  });

  it("ends the session, saying it was refused, on a 401 after a password change (the refresh is refused too)", async () => {
    const { fn } = fakeFetch((c) =>
      c.url.endsWith("/auth/refresh")
        ? { status: 401, body: { error: { code: "INVALID_REFRESH", message: "revoked" } } }
        : { status: 401, body: { error: { code: "UNAUTHORIZED", message: "session revoked" } } },
    );
    const store = memorySessionStore(session(1, 10_000_000));
    const ends: (SessionEndReason | undefined)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s, why) => s === null && ends.push(why) });
    await expect(api.get("/conversations")).rejects.toMatchObject({ status: 401 });
    expect(store.load()).toBeNull();
    expect(ends).toEqual(["refused"]);
  });

  it("refreshes ahead of time when the access token has expired", async () => {
    const { fn, calls } = fakeFetch((c) =>
      c.url.endsWith("/auth/refresh") ? { status: 200, body: auth(2) } : { status: 200, body: c.auth },
    );
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1, 1_000_000)), now });
    await expect(api.get("/x")).resolves.toBe("Bearer a2");
    expect(calls).toHaveLength(2);
    await expect(api.freshAccessToken()).resolves.toBe("a2");
  });

  it("keeps the session on a network failure during refresh", async () => {
    const store = memorySessionStore(session(1, 1_000_000));
    const fn = (async () => {
      throw new TypeError("offline");
    }) as typeof fetch;
    const api = new ApiClient({ fetch: fn, store, now });
    await expect(api.get("/x")).rejects.toMatchObject({ code: "NETWORK" });
    expect(store.load()).not.toBeNull();
  });
});

describe("renewAfterRevocation (the socket closed with 4401)", () => {
  it("refreshes an unexpired token and says to go on", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 200, body: auth(2) }));
    const store = memorySessionStore(session(1, 10_000_000));
    const api = new ApiClient({ fetch: fn, store, now });
    await expect(api.renewAfterRevocation("a1")).resolves.toBe(true);
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/auth/refresh"]);
    expect(store.load()!.accessToken).toBe("a2");
  });

  it("ends the session when the refresh is refused", async () => {
    const { fn } = fakeFetch(() => ({ status: 401, body: { error: { code: "INVALID_REFRESH", message: "revoked" } } }));
    const store = memorySessionStore(session(1, 10_000_000));
    const ends: (SessionEndReason | undefined)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s, why) => s === null && ends.push(why) });
    await expect(api.renewAfterRevocation("a1")).resolves.toBe(false);
    expect(store.load()).toBeNull();
    expect(ends).toEqual(["refused"]);
  });

  it("does not refresh again when another request already replaced the token", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 200, body: auth(3) }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(2, 10_000_000)), now });
    await expect(api.renewAfterRevocation("a1")).resolves.toBe(true);
    expect(calls).toHaveLength(0);
  });

  it("keeps the session and throws when the refresh could not be tried", async () => {
    const { fn } = fakeFetch(() => ({ status: 429, headers: { "Retry-After": "3" }, body: { error: { code: "RATE_LIMITED", message: "slow" } } }));
    const store = memorySessionStore(session(1, 10_000_000));
    const api = new ApiClient({ fetch: fn, store, now });
    await expect(api.renewAfterRevocation("a1")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(store.load()).not.toBeNull();
  });
});

describe("logout", () => {
  it("forgets the session and revokes the refresh token", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 204 }));
    const store = memorySessionStore(session(1));
    const ends: (SessionEndReason | undefined)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s, why) => s === null && ends.push(why) });
    await api.logout();
    expect(ends).toEqual(["logout"]);
    expect(store.load()).toBeNull();
    expect(calls[0]).toMatchObject({ url: "/api/v1/auth/logout", body: { refresh_token: "r1" } });
  });
});

describe("an operator's view of a tenant (impersonation)", () => {
  const operatorUser: User = { id: "op1", tenant_id: "platform", name: "Ops", email: "ops@x.test", role: "super_admin" };
  const tenantAdmin: User = { id: "u9", tenant_id: "t9", name: "Meera", email: "m@x.test", role: "tenant_admin" };
  const operator = (expiresAt = 10_000_000): Session => ({ accessToken: "op-a", refreshToken: "op-r", expiresAt, user: operatorUser });
  const answer = {
    access_token: "view-a",
    token_type: "Bearer",
    expires_in: 1800,
    expires_at: new Date(1_000_000 + 1_800_000).toISOString(),
    user: tenantAdmin,
    tenant: { id: "t9", name: "Acme" },
    impersonating: true,
  };
  const viewing = (expiresAt = 1_000_000 + 1_800_000): Session => ({
    accessToken: "view-a",
    refreshToken: "",
    expiresAt,
    user: tenantAdmin,
    impersonation: { tenant: { id: "t9", name: "Acme" }, operator: operator() },
  });

  it("starts with the reason, keeps the operator's session aside and uses the view's token", async () => {
    const { fn, calls } = fakeFetch((c) => (c.url.endsWith("/impersonate") ? { status: 200, body: answer } : { status: 200, body: c.auth }));
    const store = memorySessionStore(operator());
    const changes: (Session | null)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onSessionChange: (s) => changes.push(s) });
    await api.impersonate("t9", "ticket #42");
    expect(calls[0]).toMatchObject({ url: "/api/v1/admin/tenants/t9/impersonate", method: "POST", auth: "Bearer op-a", body: { reason: "ticket #42" } });
    expect(store.load()).toEqual(viewing());
    expect(api.impersonation).toEqual({ tenant: { id: "t9", name: "Acme" }, operator: operator() });
    expect(changes).toHaveLength(1);
    await expect(api.get("/conversations")).resolves.toBe("Bearer view-a");
    await expect(api.freshAccessToken()).resolves.toBe("view-a");
  });

  it("a partner views its own client through the partner route, the same way", async () => {
    const partnerUser: User = { ...operatorUser, id: "p1", role: "partner_admin", tenant_id: "home" };
    const own: Session = { accessToken: "p-a", refreshToken: "p-r", expiresAt: 10_000_000, user: partnerUser };
    const { fn, calls } = fakeFetch(() => ({ status: 201, body: answer }));
    const store = memorySessionStore(own);
    const api = new ApiClient({ fetch: fn, store, now });
    await api.impersonate("t9", "setting up their flows", "partner");
    expect(calls[0]).toMatchObject({ url: "/api/v1/partner/clients/t9/impersonate", method: "POST", auth: "Bearer p-a", body: { reason: "setting up their flows" } });
    expect(store.load()?.impersonation).toEqual({ tenant: { id: "t9", name: "Acme" }, operator: own });
  });

  it("never refreshes: a 401 ends the view and the operator's session is back", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 401, body: { error: { code: "UNAUTHORIZED", message: "token expired" } } }));
    const store = memorySessionStore(viewing());
    const ended: [string, ViewEndReason][] = [];
    const api = new ApiClient({ fetch: fn, store, now, onViewEnd: (t, why) => ended.push([t.name, why]) });
    await expect(api.get("/contacts")).rejects.toMatchObject({ status: 401 });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/contacts"]);
    expect(store.load()).toEqual(operator());
    expect(ended).toEqual([["Acme", "refused"]]);
  });

  it("ends by itself at its end time, without asking the server", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 200, body: "x" }));
    const store = memorySessionStore(viewing(1_000_000));
    const ended: ViewEndReason[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onViewEnd: (_, why) => ended.push(why) });
    await expect(api.get("/contacts")).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(0);
    expect(store.load()).toEqual(operator());
    expect(ended).toEqual(["expired"]);
  });

  it("uses the view's token to its last second (no early refresh)", async () => {
    const { fn, calls } = fakeFetch((c) => ({ status: 200, body: c.auth }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(viewing(1_000_000 + 5_000)), now });
    await expect(api.get("/x")).resolves.toBe("Bearer view-a");
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/x"]);
  });

  it("a socket refused with 4401 ends the view (nothing to refresh)", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 200, body: auth(2) }));
    const store = memorySessionStore(viewing());
    const ended: ViewEndReason[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onViewEnd: (_, why) => ended.push(why) });
    await expect(api.renewAfterRevocation("view-a")).resolves.toBe(false);
    expect(calls).toHaveLength(0);
    expect(store.load()).toEqual(operator());
    expect(ended).toEqual(["refused"]);
  });

  it("End view: back to the operator's session, which refreshes as usual", async () => {
    const { fn, calls } = fakeFetch((c) => (c.url.endsWith("/auth/refresh") ? { status: 200, body: { ...auth(5), user: operatorUser } } : { status: 200, body: c.auth }));
    const store = memorySessionStore({ ...viewing(), impersonation: { tenant: { id: "t9", name: "Acme" }, operator: operator(1_000_000) } });
    const ended: ViewEndReason[] = [];
    const changes: (Session | null)[] = [];
    const api = new ApiClient({ fetch: fn, store, now, onViewEnd: (_, why) => ended.push(why), onSessionChange: (s) => changes.push(s) });
    api.endView();
    expect(ended).toEqual(["ended"]);
    expect(changes[0]?.user.id).toBe("op1");
    expect(api.impersonation).toBeNull();
    await expect(api.get("/admin/tenants")).resolves.toBe("Bearer a5");
    expect(calls[0]).toMatchObject({ url: "/api/v1/auth/refresh", body: { refresh_token: "op-r" } });
  });

  it("logging out during a view signs the operator out", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 204 }));
    const store = memorySessionStore(viewing());
    const api = new ApiClient({ fetch: fn, store, now });
    await api.logout();
    expect(store.load()).toBeNull();
    expect(calls[0]).toMatchObject({ url: "/api/v1/auth/logout", body: { refresh_token: "op-r" }, auth: "Bearer op-a" });
  });

  it("refuses a second view on top of one", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 200, body: answer }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(viewing()), now });
    await expect(api.impersonate("t1", "again")).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(0);
  });

  it("stores and reads a view in localStorage, and drops a malformed one", () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    } as unknown as Storage;
    const store = localStorageSessionStore(storage);
    store.save(viewing());
    expect(store.load()).toEqual(viewing());
    data.set("whatsflow.session", JSON.stringify({ ...viewing(), impersonation: { tenant: { id: "t9" } } }));
    expect(store.load()).toBeNull();
  });
});

describe("withQuery", () => {
  it("drops empty values", () => {
    expect(withQuery("/c", { status: "open", unread: false, cursor: null, limit: 50, q: "" })).toBe("/c?status=open&limit=50");
  });
});

describe("request bodies and answers", () => {
  function recording(status: number, body: string, headers: Record<string, string> = {}) {
    const calls: { url: string; method: string; headers: Record<string, string>; body: unknown }[] = [];
    const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ url: String(input), method: init?.method ?? "GET", headers: (init?.headers ?? {}) as Record<string, string>, body: init?.body });
      return new Response(status === 204 ? null : body, { status, headers });
    }) as typeof fetch;
    return { fn, calls };
  }

  it("keeps an error's details (FLOW_INVALID names nodes and edges)", async () => {
    const { fn } = recording(
      422,
      JSON.stringify({ error: { code: "FLOW_INVALID", message: "a: bad", details: [{ node_id: "a", message: "bad" }, { edge_id: "e1", message: "dangling" }, "junk"] } }),
    );
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const err = (await api.post("/flows", {}).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("FLOW_INVALID");
    expect(err.details).toEqual([
      { node_id: "a", message: "bad" },
      { edge_id: "e1", message: "dangling" },
    ]);
  });

  it("sends a raw body with its own content type", async () => {
    const { fn, calls } = recording(200, JSON.stringify({ imported: 1 }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const res = await api.post<{ imported: number }>("/contacts/import", new RawBody("phone\n+1", "text/csv"));
    expect(res.imported).toBe(1);
    expect(calls[0]!.headers["Content-Type"]).toBe("text/csv");
    expect(calls[0]!.body).toBe("phone\n+1");
  });

  it("downloads a non-JSON answer as a Blob with the bearer token", async () => {
    const { fn, calls } = recording(200, "phone,name\n+1,A\n", { "content-type": "text/csv" });
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const blob = await api.download("/contacts/export");
    expect(await blob.text()).toBe("phone,name\n+1,A\n");
    expect(calls[0]!.headers.Authorization).toBe("Bearer a1");
  });

  it("downloads a media attachment with the server's file name (octet-stream documents are saved, not shown)", async () => {
    const { fn } = recording(200, "%PDF-1.4", {
      "content-type": "application/octet-stream",
      "content-disposition": "attachment; filename=\"invoice 7.pdf\"; filename*=UTF-8''invoice%207%20%E2%82%B9.pdf",
    });
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const file = await api.downloadFile("/channels/c/media/m");
    expect(file.filename).toBe("invoice 7 ₹.pdf");
    expect(file.blob.type).toBe("application/octet-stream");
    expect(await file.blob.text()).toBe("%PDF-1.4");
  });

  it("reads file names from Content-Disposition safely", () => {
    expect(contentDispositionFilename('attachment; filename="report.pdf"')).toBe("report.pdf");
    expect(contentDispositionFilename("attachment; filename=plain.txt")).toBe("plain.txt");
    expect(contentDispositionFilename("attachment; filename*=UTF-8''%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87.txt")).toBe("नमस्ते.txt");
    expect(contentDispositionFilename('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(contentDispositionFilename('attachment; filename="a\\"b.txt"')).toBe('a"b.txt');
    expect(contentDispositionFilename("attachment")).toBeNull();
    expect(contentDispositionFilename(null)).toBeNull();
    expect(contentDispositionFilename('attachment; filename=".."')).toBeNull();
  });

  it("uploads a multipart form without forcing a Content-Type (fetch sets the boundary)", async () => {
    const { fn, calls } = recording(201, JSON.stringify({ id: "m1", type: "image" }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }), "dot.png");
    const res = await api.upload<{ id: string; type: string }>("/channels/ch1/media", form);
    expect(res).toEqual({ id: "m1", type: "image" });
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.url).toBe("/api/v1/channels/ch1/media");
    expect(calls[0]!.headers["Content-Type"]).toBeUndefined();
    expect(calls[0]!.headers.Authorization).toBe("Bearer a1");
    expect(calls[0]!.body).toBe(form);
  });

  it("surfaces an upload's refusal (UNSUPPORTED_MEDIA) with the server's message", async () => {
    const { fn } = recording(400, JSON.stringify({ error: { code: "UNSUPPORTED_MEDIA", message: "`image/gif` is not a type WhatsApp accepts" } }));
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    const err = (await api.upload("/channels/ch1/media", new FormData()).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe("UNSUPPORTED_MEDIA");
    expect(err.message).toMatch(/image\/gif/);
  });

  it("deletes", async () => {
    const { fn, calls } = recording(204, "");
    const api = new ApiClient({ fetch: fn, store: memorySessionStore(session(1)), now });
    await api.delete("/api-keys/k1");
    expect(calls[0]!.method).toBe("DELETE");
    expect(calls[0]!.url).toBe("/api/v1/api-keys/k1");
  });
});
