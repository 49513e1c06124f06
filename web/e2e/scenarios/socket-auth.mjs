// The inbox's WebSocket authenticates with the `bearer` subprotocol, never
// with the token in its URL (URLs end up in access logs, proxies and history):
// every socket the page opens goes to /api/v1/ws with no query string, offers
// ["bearer", <the session's access token>], the server answers with the
// `bearer` protocol, and the socket works (a customer's message shows live).
import { randomBytes } from "node:crypto";
import { assert, login, openConversation, recordedSockets, recordSockets, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  await page.addInitScript(recordSockets);
  const urls = [];
  page.on("websocket", (ws) => urls.push(ws.url()));

  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Socket ${randomBytes(2).toString("hex")}`);
  const tag = randomBytes(3).toString("hex");
  await customer.say(`first ${tag}`);
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, `first ${tag}`);
  await page.waitForFunction(() => (window.__e2eSockets ?? []).some((s) => s.opened));

  // The socket carries live messages: this one arrives only over it.
  await customer.say(`over the socket ${tag}`);
  await waitForBubble(page, `over the socket ${tag}`);

  assert(urls.length >= 1, "the page opened a WebSocket");
  for (const raw of urls) {
    const url = new URL(raw);
    assert(!/token/i.test(raw), `no token in the socket URL (${url.origin}${url.pathname}${url.search ? "?…" : ""})`);
    assert(url.pathname === "/api/v1/ws" && url.search === "", `the socket URL is /api/v1/ws without a query (${url.pathname}${url.search ? "?…" : ""})`);
  }

  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "{}").accessToken ?? null);
  assert(typeof token === "string" && token.length > 20, "the page holds an access token");
  const sockets = await recordedSockets(page);
  const opened = sockets.filter((s) => s.opened);
  assert(opened.length >= 1, "a socket opened");
  for (const s of opened) {
    assert(s.protocols.length === 2 && s.protocols[0] === "bearer", `the socket offered the bearer subprotocol (${s.protocols.length} protocols, first "${s.protocols[0]}")`);
    assert(s.protocol === "bearer", `the server chose the bearer protocol ("${s.protocol}")`);
  }
  const current = opened.at(-1);
  assert(current.protocols[1] === token, "the live socket was opened with the session's current access token");
  assert(!page.url().includes(token), "the token is not in the page's address");
  return `${urls.length} socket(s) to ${new URL(urls[0]).pathname} (no query), subprotocol "bearer" chosen by the server`;
}
