import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, memorySessionStore, withQuery, type Session } from "./api";
import type { User } from "./types";

const user: User = { id: "u1", tenant_id: "t1", name: "Asha", email: "a@x.test", role: "agent" };

interface Call {
  url: string;
  method: string;
  auth: string | null;
  body: unknown;
}

type Handler = (call: Call) => { status: number; body?: unknown };

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
    const { status, body } = handler(call);
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
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

describe("logout", () => {
  it("forgets the session and revokes the refresh token", async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 204 }));
    const store = memorySessionStore(session(1));
    const api = new ApiClient({ fetch: fn, store, now });
    await api.logout();
    expect(store.load()).toBeNull();
    expect(calls[0]).toMatchObject({ url: "/api/v1/auth/logout", body: { refresh_token: "r1" } });
  });
});

describe("withQuery", () => {
  it("drops empty values", () => {
    expect(withQuery("/c", { status: "open", unread: false, cursor: null, limit: 50, q: "" })).toBe("/c?status=open&limit=50");
  });
});
