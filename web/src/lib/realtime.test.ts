import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  parseServerFrame,
  RealtimeClient,
  SESSION_REVOKED_CLOSE,
  wsProtocols,
  wsUrl,
  type ConnectionState,
  type SocketLike,
  type SocketTarget,
} from "./realtime";
import type { ServerEvent } from "./types";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: SocketLike["onopen"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  onmessage: SocketLike["onmessage"] = null;
  readonly url: string;
  readonly protocols: string[];
  constructor(target: SocketTarget) {
    this.url = target.url;
    this.protocols = target.protocols;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function setup(seqs: Record<string, number> = {}, reauthenticate?: () => Promise<boolean>) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const events: ServerEvent[] = [];
  const states: ConnectionState[] = [];
  let token = 0;
  const clock = { now: 1_000_000 };
  const client = new RealtimeClient({
    target: async () => ({ url: "ws://h/api/v1/ws", protocols: wsProtocols(`t${++token}`) }),
    createSocket: (target) => {
      const s = new FakeSocket(target);
      sockets.push(s);
      return s;
    },
    onEvent: (e) => events.push(e),
    onStateChange: (s) => states.push(s),
    sinceSeq: (id) => seqs[id] ?? 0,
    timers: { set: (fn, ms) => timers.push({ fn, ms }), clear: () => {} },
    random: () => 0.5,
    now: () => clock.now,
    ...(reauthenticate ? { reauthenticate } : {}),
  });
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { client, sockets, timers, events, states, tick, seqs, clock };
}

describe("backoffDelay", () => {
  it("doubles per attempt and stops at the cap", () => {
    const d = (n: number) => backoffDelay(n, () => 1, { baseMs: 500, maxMs: 30_000, jitter: 0 });
    expect([0, 1, 2, 3, 10].map(d)).toEqual([500, 1000, 2000, 4000, 30_000]);
  });

  it("spreads reconnects with jitter below the nominal delay", () => {
    expect(backoffDelay(2, () => 0, { baseMs: 1000, jitter: 0.5 })).toBe(2000);
    expect(backoffDelay(2, () => 1, { baseMs: 1000, jitter: 0.5 })).toBe(4000);
  });
});

describe("parseServerFrame", () => {
  it("accepts known events and rejects the rest", () => {
    expect(parseServerFrame('{"event":"message:ack","data":{"client_id":"a","message_id":"b"}}')).toEqual({
      event: "message:ack",
      data: { client_id: "a", message_id: "b" },
    });
    expect(parseServerFrame("not json")).toBeNull();
    expect(parseServerFrame('{"event":"bogus","data":{}}')).toBeNull();
    expect(parseServerFrame('{"event":"message:new"}')).toBeNull();
  });
  it("accepts a campaign's live counts", () => {
    const frame = parseServerFrame('{"event":"campaign:progress","data":{"campaign_id":"c1","status":"running","stats":{"audience":3}}}');
    expect(frame?.event).toBe("campaign:progress");
  });
});

describe("wsUrl and wsProtocols", () => {
  it("uses wss on https and never puts the token in the URL", () => {
    expect(wsUrl({ protocol: "https:", host: "app.example" })).toBe("wss://app.example/api/v1/ws");
    expect(wsUrl({ protocol: "http:", host: "127.0.0.1:8080" })).toBe("ws://127.0.0.1:8080/api/v1/ws");
  });

  it("offers the token as the bearer subprotocol", () => {
    expect(wsProtocols("eyJh.eyJz.sig-_")).toEqual(["bearer", "eyJh.eyJz.sig-_"]);
  });
});

describe("RealtimeClient", () => {
  it("joins open conversations, and re-joins with since_seq after a reconnect", async () => {
    const t = setup({ c1: 0 });
    t.client.start();
    await t.tick();
    t.client.join("c1");
    t.sockets[0]!.open();
    expect(t.sockets[0]!.sent).toEqual([{ event: "conversation:join", data: { conversation_id: "c1" } }]);

    t.seqs.c1 = 42;
    t.sockets[0]!.drop();
    expect(t.client.connectionState).toBe("reconnecting");
    expect(t.timers).toHaveLength(1);
    t.timers[0]!.fn();
    await t.tick();
    expect(t.sockets[1]!.url).toBe("ws://h/api/v1/ws");
    expect(t.sockets[1]!.protocols).toEqual(["bearer", "t2"]);
    t.sockets[1]!.open();
    expect(t.sockets[1]!.sent).toEqual([{ event: "conversation:join", data: { conversation_id: "c1", since_seq: 42 } }]);
    expect(t.states).toEqual(["connecting", "open", "reconnecting", "reconnecting", "open"]);
  });

  it("backs off longer after each failed attempt and resets once connected", async () => {
    const t = setup();
    t.client.start();
    await t.tick();
    for (let i = 0; i < 3; i++) {
      t.sockets[i]!.drop();
      t.timers[i]!.fn();
      await t.tick();
    }
    const delays = t.timers.map((x) => x.ms);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[2]!).toBeGreaterThan(delays[1]!);
    t.sockets[3]!.open();
    t.sockets[3]!.drop();
    expect(t.timers.at(-1)!.ms).toBe(delays[0]);
  });

  it("queues sends while disconnected and flushes them after the joins", async () => {
    const t = setup({ c1: 5 });
    t.client.start();
    await t.tick();
    t.client.join("c1");
    t.client.send({ event: "message:send", data: { conversation_id: "c1", client_id: "k", type: "text", text: { body: "hi" } } });
    t.client.send({ event: "conversation:typing", data: { conversation_id: "c1", typing: true } });
    t.sockets[0]!.open();
    expect(t.sockets[0]!.sent.map((e) => (e as { event: string }).event)).toEqual(["conversation:join", "message:send"]);
  });

  it("delivers parsed frames and ignores garbage", async () => {
    const t = setup();
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.sockets[0]!.receive({ event: "agent:typing", data: { conversation_id: "c", user_id: "u", name: "R", typing: true } });
    t.sockets[0]!.onmessage?.({ data: "{" });
    expect(t.events).toHaveLength(1);
  });

  it("opens one socket when restarted while the first attempt is still getting its token", async () => {
    const t = setup();
    t.client.start();
    t.client.stop();
    t.client.start();
    await t.tick();
    await t.tick();
    expect(t.sockets).toHaveLength(1);
  });

  it("reconnects at once when nudged during a backoff wait", async () => {
    const t = setup();
    t.client.start();
    await t.tick();
    t.sockets[0]!.drop();
    expect(t.sockets).toHaveLength(1);
    t.client.nudge();
    await t.tick();
    expect(t.sockets).toHaveLength(2);
  });

  it("drops a socket the browser says is offline and re-joins with since_seq when back", async () => {
    const t = setup({ c1: 7 });
    t.client.start();
    await t.tick();
    t.client.join("c1");
    t.sockets[0]!.open();
    t.client.drop();
    expect(t.sockets[0]!.closed).toBe(true);
    expect(t.client.connectionState).toBe("reconnecting");
    // A late close of the dropped socket schedules nothing more.
    t.sockets[0]!.drop();
    expect(t.timers).toHaveLength(1);
    t.client.nudge();
    await t.tick();
    t.sockets[1]!.open();
    expect(t.sockets[1]!.sent).toEqual([{ event: "conversation:join", data: { conversation_id: "c1", since_seq: 7 } }]);
  });

  it("stops reconnecting once stopped", async () => {
    const t = setup();
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.client.stop();
    expect(t.sockets[0]!.closed).toBe(true);
    expect(t.timers).toHaveLength(0);
    expect(t.client.connectionState).toBe("closed");
  });

  it("refreshes once when the server revokes the session (4401) and reconnects with the new token at once", async () => {
    let asked = 0;
    const t = setup({ c1: 9 }, async () => {
      asked++;
      return true;
    });
    t.client.start();
    await t.tick();
    t.client.join("c1");
    t.sockets[0]!.open();
    t.sockets[0]!.drop(SESSION_REVOKED_CLOSE, "session revoked: role changed");
    await t.tick();
    await t.tick();
    expect(asked).toBe(1);
    expect(t.timers).toHaveLength(0);
    expect(t.sockets).toHaveLength(2);
    expect(t.sockets[1]!.protocols).toEqual(["bearer", "t2"]);
    t.sockets[1]!.open();
    expect(t.sockets[1]!.sent).toEqual([{ event: "conversation:join", data: { conversation_id: "c1", since_seq: 9 } }]);
    expect(t.client.connectionState).toBe("open");
  });

  it("stops when the refresh after a 4401 is refused (the session ended)", async () => {
    const t = setup({}, async () => false);
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.client.send({ event: "message:send", data: { conversation_id: "c1", client_id: "k", type: "text", text: { body: "hi" } } });
    t.sockets[0]!.drop(SESSION_REVOKED_CLOSE, "session revoked");
    await t.tick();
    await t.tick();
    expect(t.sockets).toHaveLength(1);
    expect(t.timers).toHaveLength(0);
    expect(t.client.connectionState).toBe("closed");
  });

  it("backs off and asks again when the refresh after a 4401 could not be tried (offline, 429)", async () => {
    let asked = 0;
    const t = setup({}, async () => {
      asked++;
      if (asked === 1) throw new Error("offline");
      return true;
    });
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.sockets[0]!.drop(SESSION_REVOKED_CLOSE, "session revoked");
    await t.tick();
    expect(asked).toBe(1);
    expect(t.timers).toHaveLength(1);
    expect(t.client.connectionState).toBe("reconnecting");
    t.timers[0]!.fn();
    await t.tick();
    await t.tick();
    expect(asked).toBe(2);
    expect(t.sockets).toHaveLength(2);
  });

  it("does not spin when a refreshed token is revoked again at once: the second refresh waits a backoff", async () => {
    let asked = 0;
    const t = setup({}, async () => {
      asked++;
      return true;
    });
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.sockets[0]!.drop(SESSION_REVOKED_CLOSE, "session revoked");
    await t.tick();
    await t.tick();
    t.sockets[1]!.open();
    t.clock.now += 5_000;
    t.sockets[1]!.drop(SESSION_REVOKED_CLOSE, "session revoked");
    await t.tick();
    expect(asked).toBe(1);
    expect(t.timers).toHaveLength(1);
    expect(t.timers[0]!.ms).toBeGreaterThan(backoffDelay(0, () => 0.5));
    t.timers[0]!.fn();
    await t.tick();
    await t.tick();
    expect(asked).toBe(2);
    expect(t.sockets).toHaveLength(3);
  });

  it("reconnects with backoff, without a refresh, on other close codes", async () => {
    let asked = 0;
    const t = setup({}, async () => {
      asked++;
      return true;
    });
    t.client.start();
    await t.tick();
    t.sockets[0]!.open();
    t.sockets[0]!.drop(1011, "server restart");
    await t.tick();
    expect(asked).toBe(0);
    expect(t.timers).toHaveLength(1);
  });
});
