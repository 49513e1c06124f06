// The socket drops; customers keep writing. The inbox says it is reconnecting,
// and once the socket is back the messages it missed appear exactly once, in
// order (the client re-joins with since_seq and the real server replays).
// Twice: (A) the socket is killed under the page with no network signal, and a
// reply typed meanwhile goes out after the reconnect; (B) the browser goes
// offline (CDP network emulation) and comes back.
import { randomBytes } from "node:crypto";
import { assert, bubbles, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

/** Keeps a handle on the page's WebSockets, and can refuse new ones (a dead network path). */
function socketControl() {
  const Native = window.WebSocket;
  const sockets = [];
  window.__e2eWs = { sockets, blocked: false };
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      // Port 9 refuses connections: the attempt fails like a dead route would.
      super(window.__e2eWs.blocked ? "ws://127.0.0.1:9/blocked" : url, protocols);
      sockets.push(this);
    }
  };
}

const openSockets = (page) =>
  page.evaluate(() => window.__e2eWs.sockets.filter((s) => s.readyState === WebSocket.OPEN && !s.url.includes("/blocked")).length);

async function expectOnce(page, texts) {
  for (const text of texts) await waitForBubble(page, text);
  await page.waitForTimeout(1_000);
  for (const text of texts) {
    const n = await bubbles(page, text).count();
    assert(n === 1, `"${text}" is shown exactly once (shown ${n} times)`);
  }
  const order = await page.evaluate(
    (texts) => {
      const all = [...document.querySelectorAll('[data-testid="message-bubble"]')].map((el) => el.textContent ?? "");
      return texts.map((t) => all.findIndex((x) => x.includes(t)));
    },
    texts,
  );
  assert(order.every((v, i) => i === 0 || v > order[i - 1]), `in the order they were written: ${order.join(",")}`);
}

export default async function ({ page, context }) {
  await page.addInitScript(socketControl);
  // What goes over the sockets: the re-join must ask for a replay, and the replay must carry what was missed.
  const frames = [];
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => frames.push({ dir: "out", at: Date.now(), body: String(f.payload) }));
    ws.on("framereceived", (f) => frames.push({ dir: "in", at: Date.now(), body: String(f.payload) }));
  });
  const parsed = (since) =>
    frames
      .filter((f) => f.at >= since)
      .map((f) => {
        try {
          return { dir: f.dir, ...JSON.parse(f.body) };
        } catch {
          return { dir: f.dir };
        }
      });
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Reconnect ${randomBytes(2).toString("hex")}`);
  const tag = randomBytes(3).toString("hex");
  await customer.say(`first ${tag}`);
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, `first ${tag}`);
  const banner = page.getByTestId("reconnect-banner");
  assert((await banner.count()) === 0, "no banner while connected");
  assert((await openSockets(page)) === 1, "one live socket");

  // A: the connection dies with no warning, and new ones fail for a while.
  await page.evaluate(() => {
    window.__e2eWs.blocked = true;
    for (const s of window.__e2eWs.sockets) s.close(4001, "e2e: connection cut");
  });
  await banner.waitFor();
  const missedA = [`while away A1 ${tag}`, `while away A2 ${tag}`];
  for (const text of missedA) await customer.say(text);
  const reply = `reply typed while away ${tag}`;
  await page.getByTestId("composer-input").fill(reply);
  await page.getByTestId("composer-input").press("Enter");
  await page.waitForTimeout(1_500);
  assert(await banner.isVisible(), "the banner stays while the socket is down");
  for (const text of missedA) assert((await bubbles(page, text).count()) === 0, `"${text}" not shown before the reconnect`);
  assert((await bubbles(page, reply, { status: "pending" }).count()) === 1, "the reply waits, pending, for the connection");
  await screenshot(page, "reconnecting");
  const backA = Date.now();
  await page.evaluate(() => (window.__e2eWs.blocked = false));
  await banner.waitFor({ state: "detached", timeout: 20_000 });
  await expectOnce(page, [`first ${tag}`, ...missedA]);
  const afterA = parsed(backA);
  const join = afterA.find((f) => f.dir === "out" && f.event === "conversation:join");
  assert(join && join.data.since_seq > 0, `re-joined with since_seq (${JSON.stringify(join?.data)})`);
  for (const text of missedA) {
    const n = afterA.filter((f) => f.dir === "in" && f.event === "message:new" && f.data?.message?.content?.body === text).length;
    assert(n === 1, `the server replayed "${text}" once over the socket (got ${n})`);
  }
  await waitForBubble(page, reply, { status: "read", timeout: 20_000 });
  assert((await bubbles(page, reply).count()) === 1, "the queued reply went out once");

  // B: the browser goes offline, customers write, the network comes back.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const network = (offline) =>
    cdp.send("Network.emulateNetworkConditions", { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await network(true);
  await banner.waitFor();
  const missedB = [`while offline B1 ${tag}`, `while offline B2 ${tag}`];
  for (const text of missedB) await customer.say(text);
  await page.waitForTimeout(1_500);
  assert((await openSockets(page)) === 0, "no socket is left open while offline");
  for (const text of missedB) assert((await bubbles(page, text).count()) === 0, `"${text}" not shown while offline`);
  await network(false);
  await banner.waitFor({ state: "detached", timeout: 20_000 });
  await expectOnce(page, [`first ${tag}`, ...missedA, ...missedB]);
  assert((await openSockets(page)) === 1, "exactly one live socket after reconnecting");
  return "missed messages shown once after a killed socket and after going offline";
}
