// The agent's WebSocket: connects with a fresh access token (sent as the
// `bearer` subprotocol, never in the URL where logs and history would keep it),
// reconnects with exponential backoff, re-joins open conversations with
// since_seq so the server replays what was missed, and queues sends made while
// disconnected. A close with 4401 (the session was revoked) is not retried
// blindly: one token refresh decides between reconnecting and ending.

import type { ClientEvent, ServerEvent } from "./types";

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** 0..1, share of the delay that is randomised. */
  jitter?: number;
}

/** Delay before reconnect attempt `attempt` (0-based): base·2^attempt capped, with jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const jitter = opts.jitter ?? 0.3;
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(exp * (1 - jitter) + exp * jitter * random());
}

const KNOWN_EVENTS = new Set([
  "message:new",
  "message:status",
  "message:ack",
  "conversation:new",
  "conversation:updated",
  "conversation:assigned",
  "agent:typing",
  "agent:status",
  "notification",
  "campaign:progress",
  "scheduled:updated",
  "usage:alert",
  "account:status",
  "error",
]);

/** Parses one text frame; null for anything that is not a known `{event, data}` object. */
export function parseServerFrame(raw: string): ServerEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== "string" || !KNOWN_EVENTS.has(event)) return null;
  if (typeof data !== "object" || data === null) return null;
  return { event, data } as ServerEvent;
}

/** The socket's URL on this origin. The token goes in the subprotocols ({@link wsProtocols}), not here. */
export function wsUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws`;
}

/**
 * `Sec-WebSocket-Protocol: bearer, <token>`: the server authenticates the
 * upgrade with the token and answers with the `bearer` protocol. A JWT is
 * base64url segments joined by dots, all valid protocol characters.
 */
export function wsProtocols(token: string): string[] {
  return ["bearer", token];
}

/** Where to connect and with which subprotocols. */
export interface SocketTarget {
  url: string;
  protocols: string[];
}

/** The server closes a socket whose session was revoked with this code (reason "session revoked…"). */
export const SESSION_REVOKED_CLOSE = 4401;
/** Two revocations closer together than this are not refreshed at once again, but after a backoff. */
const REVOKED_AGAIN_MS = 30_000;

/** The subset of the browser WebSocket this client uses (so tests can fake it). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** Wraps a browser WebSocket in the SocketLike shape. */
export function browserSocket(target: SocketTarget): SocketLike {
  const ws = new WebSocket(target.url, target.protocols);
  const s: SocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  ws.onopen = (e) => s.onopen?.(e);
  ws.onclose = (e) => s.onclose?.({ code: e.code, reason: e.reason });
  ws.onerror = (e) => s.onerror?.(e);
  ws.onmessage = (e) => s.onmessage?.({ data: e.data });
  return s;
}

export interface TimerApi {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface RealtimeOptions {
  /** Where to connect, with a fresh token; null when there is no session. */
  target: () => Promise<SocketTarget | null>;
  createSocket: (target: SocketTarget) => SocketLike;
  /**
   * The server closed the socket with 4401 (session revoked): refresh the
   * token once. Resolves true to reconnect with the new token, false when the
   * session has ended (the client stops); a rejection (network, 429) means
   * "not known yet": reconnect with backoff.
   */
  reauthenticate?: () => Promise<boolean>;
  onEvent: (event: ServerEvent) => void;
  onStateChange?: (state: ConnectionState, attempt: number) => void;
  /** Called after each (re)connect, before queued sends go out. */
  onOpen?: (reconnected: boolean) => void;
  /** The since_seq to join a conversation with (the highest seq we hold). */
  sinceSeq: (conversationId: string) => number;
  timers?: TimerApi;
  random?: () => number;
  now?: () => number;
  backoff?: BackoffOptions;
}

const OPEN = 1;
const MAX_QUEUE = 200;

export class RealtimeClient {
  private socket: SocketLike | null = null;
  private state: ConnectionState = "idle";
  private attempt = 0;
  private retryTimer: unknown = null;
  private stopped = true;
  private everOpened = false;
  /** Bumped by every connect attempt and by stop(), so a stale attempt backs out. */
  private generation = 0;
  private readonly joined = new Set<string>();
  private readonly queue: ClientEvent[] = [];
  private readonly timers: TimerApi;
  /** When the last 4401 close came, to tell a revoked session apart from a one-off. */
  private lastRevokedAt: number | null = null;
  /** 4401s in a row, each soon after the one before: the backoff before refreshing grows with it. */
  private revokedStreak = 0;
  /** The scheduled retry refreshes the token before connecting (after a 4401). */
  private retryReauth = false;

  constructor(private readonly opts: RealtimeOptions) {
    this.timers = opts.timers ?? {
      set: (fn, ms) => globalThis.setTimeout(fn, ms),
      clear: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    if (this.retryTimer !== null) this.timers.clear(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.onerror = null;
      s.close(1000, "logout");
    }
    this.queue.length = 0;
    this.setState("closed");
  }

  /** Retries at once instead of waiting out the backoff (e.g. the browser came back online). */
  nudge(): void {
    if (this.stopped || this.retryTimer === null) return;
    this.timers.clear(this.retryTimer);
    this.retryTimer = null;
    void (this.retryReauth ? this.reauthenticate() : this.connect());
  }

  /**
   * Gives up on the current socket and reconnects with backoff — for when the
   * browser knows the network is gone (a dead socket may not notice for a while).
   */
  drop(): void {
    if (this.stopped) return;
    const s = this.socket;
    if (!s) return;
    this.socket = null;
    s.onclose = null;
    s.onmessage = null;
    s.onerror = null;
    try {
      s.close(4000, "offline");
    } catch {
      // Already closing.
    }
    this.scheduleReconnect();
  }

  /** Joins a conversation now (if connected) and again after every reconnect. */
  join(conversationId: string): void {
    this.joined.add(conversationId);
    if (this.isOpen()) this.sendJoin(conversationId);
  }

  leave(conversationId: string): void {
    if (!this.joined.delete(conversationId)) return;
    if (this.isOpen()) this.write({ event: "conversation:leave", data: { conversation_id: conversationId } });
  }

  /** Sends now, or queues until connected. Typing indicators are not worth queueing. */
  send(event: ClientEvent): void {
    if (this.isOpen()) {
      this.write(event);
      return;
    }
    if (event.event === "conversation:typing") return;
    if (this.queue.length >= MAX_QUEUE) this.queue.shift();
    this.queue.push(event);
  }

  /** Drops a queued send that has not gone out yet; true if it was still queued. */
  unqueue(predicate: (event: ClientEvent) => boolean): boolean {
    const idx = this.queue.findIndex(predicate);
    if (idx < 0) return false;
    this.queue.splice(idx, 1);
    return true;
  }

  private isOpen(): boolean {
    return this.state === "open" && this.socket !== null && this.socket.readyState === OPEN;
  }

  private sendJoin(conversationId: string): void {
    const since = this.opts.sinceSeq(conversationId);
    this.write({
      event: "conversation:join",
      data: since > 0 ? { conversation_id: conversationId, since_seq: since } : { conversation_id: conversationId },
    });
  }

  private write(event: ClientEvent): void {
    this.socket?.send(JSON.stringify(event));
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.opts.onStateChange?.(state, this.attempt);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.setState(this.everOpened || this.attempt > 0 ? "reconnecting" : "connecting");
    let target: SocketTarget | null;
    try {
      target = await this.opts.target();
    } catch {
      if (!this.stopped && generation === this.generation) this.scheduleReconnect();
      return;
    }
    if (this.stopped || generation !== this.generation) return;
    if (target === null) {
      this.stop();
      return;
    }
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(target);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState("open");
      for (const id of this.joined) this.sendJoin(id);
      this.opts.onOpen?.(reconnected);
      const queued = this.queue.splice(0);
      for (const e of queued) this.write(e);
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket || typeof ev.data !== "string") return;
      const parsed = parseServerFrame(ev.data);
      if (parsed) this.opts.onEvent(parsed);
    };
    socket.onerror = () => {
      // onclose follows; reconnecting is handled there.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (ev.code === SESSION_REVOKED_CLOSE && this.opts.reauthenticate) this.revoked();
      else this.scheduleReconnect();
    };
  }

  /** The server revoked the session under the socket: refresh the token (at once the first time), then decide. */
  private revoked(): void {
    const now = (this.opts.now ?? Date.now)();
    const again = this.lastRevokedAt !== null && now - this.lastRevokedAt < REVOKED_AGAIN_MS;
    this.lastRevokedAt = now;
    this.revokedStreak = again ? this.revokedStreak + 1 : 0;
    // A token refreshed moments ago revoked again: do not spin, back off first.
    if (again) this.scheduleReconnect(true, this.revokedStreak);
    else void this.reauthenticate();
  }

  private async reauthenticate(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.setState("reconnecting");
    let renewed: boolean;
    try {
      renewed = await this.opts.reauthenticate!();
    } catch {
      // Could not ask (offline, rate-limited): the session may still be good.
      if (!this.stopped && generation === this.generation) this.scheduleReconnect(true);
      return;
    }
    if (this.stopped || generation !== this.generation) return;
    if (!renewed) {
      this.stop();
      return;
    }
    void this.connect();
  }

  private scheduleReconnect(reauth = false, attempt = this.attempt): void {
    const delay = backoffDelay(Math.max(attempt, this.attempt), this.opts.random, this.opts.backoff);
    this.attempt += 1;
    this.retryReauth = reauth;
    this.setState("reconnecting");
    this.retryTimer = this.timers.set(() => {
      this.retryTimer = null;
      void (reauth ? this.reauthenticate() : this.connect());
    }, delay);
  }
}
