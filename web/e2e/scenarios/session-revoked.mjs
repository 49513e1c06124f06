// A revoked session does not linger in an open inbox. The server closes the
// socket of a revoked session (within 5 s) with code 4401 "session revoked…";
// the page then tries one token refresh instead of reconnecting blindly:
// (1) an admin makes the agent an admin: the refresh succeeds, the page
//     reconnects with the new token and shows the admin navigation, still
//     signed in;
// (2) the admin deletes the agent: the refresh is refused, the session ends
//     and the page shows the login page saying the session has ended, within
//     about 10 s, with no socket opened after the close and nothing stored.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, recordedSockets, recordSockets, registerTenant, screenshot, uniqueEmail } from "../lib.mjs";

const REVOKED_CLOSE = 4401;
/** The server closes within 5 s; the refresh and the redirect take a moment more. */
const WITHIN_MS = 10_000;

export default async function ({ page }) {
  await page.addInitScript(recordSockets);
  const tenant = await registerTenant();
  const admin = tenant.auth.access_token;
  const email = uniqueEmail("revoked");
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const agent = await apiCall("POST", "/users", { name: "Revoked Agent", email, password, role: "agent" }, admin);
  const agentId = agent.id ?? agent.user?.id;
  assert(agentId, `the agent was created (${JSON.stringify(agent)})`);

  await login(page, email, password);
  await page.waitForFunction(() => (window.__e2eSockets ?? []).some((s) => s.opened && s.closeCode === null));
  const nav = () => page.locator('nav[aria-label] a[data-testid^="nav-"]').evaluateAll((as) => as.map((a) => a.getAttribute("data-testid")));
  assert(JSON.stringify(await nav()) === JSON.stringify(["nav-inbox", "nav-segments"]), "signed in as an agent: the inbox and segments only");
  const tokenBefore = await page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "{}").accessToken);

  // 1. A role change revokes the session; the refresh gives a token with the new role.
  const socketsBefore = (await recordedSockets(page)).length;
  let t0 = Date.now();
  await apiCall("PATCH", `/users/${agentId}`, { role: "tenant_admin" }, admin);
  await page.waitForFunction(
    ({ from, code }) => {
      const log = window.__e2eSockets ?? [];
      return log.slice(0, from).some((s) => s.closeCode === code) && log.slice(from).some((s) => s.opened && s.closeCode === null);
    },
    { from: socketsBefore, code: REVOKED_CLOSE },
    { timeout: WITHIN_MS },
  );
  const roleMs = Date.now() - t0;
  await page.getByTestId("nav-channels").waitFor({ timeout: WITHIN_MS });
  assert(new URL(page.url()).pathname.startsWith("/inbox"), `still signed in, in the inbox (${page.url()})`);
  assert((await page.getByTestId("login-form").count()) === 0, "no login page after the role change");
  const afterRole = await recordedSockets(page);
  const revokedByRole = afterRole.slice(0, socketsBefore).find((s) => s.closeCode === REVOKED_CLOSE);
  assert(/^session revoked/.test(revokedByRole.closeReason ?? ""), `the close says why ("${revokedByRole.closeReason}")`);
  const reconnected = afterRole.slice(socketsBefore).filter((s) => s.opened);
  const tokenAfter = await page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "{}").accessToken);
  assert(tokenAfter && tokenAfter !== tokenBefore, "the token was refreshed");
  assert(reconnected.at(-1).protocols[1] === tokenAfter, "the page reconnected with the new token");
  assert(afterRole.length - socketsBefore <= 2, `one reconnect, not a storm (${afterRole.length - socketsBefore} new sockets)`);

  // 2. Deleting the user revokes the session for good: the refresh is refused.
  const socketsAtDelete = afterRole.length;
  t0 = Date.now();
  await apiCall("DELETE", `/users/${agentId}`, undefined, admin);
  const ended = page.getByTestId("login-session-ended");
  await ended.waitFor({ timeout: WITHIN_MS });
  const endMs = Date.now() - t0;
  const text = ((await ended.textContent()) ?? "").trim();
  assert(/session has ended/i.test(text) && /sign in again/i.test(text), `the login page says the session ended ("${text}")`);
  assert(new URL(page.url()).pathname === "/login", `on the login page (${page.url()})`);
  await screenshot(page, "session-revoked");

  // No blind reconnect: nothing opened after the 4401, also a little later.
  await page.waitForTimeout(2_000);
  const log = await recordedSockets(page);
  const closed = log.find((s) => s.closeCode === REVOKED_CLOSE && s.closedAt >= t0);
  assert(closed, `the server closed the socket with ${REVOKED_CLOSE} (closes: ${log.map((s) => s.closeCode).join(",")})`);
  assert(/^session revoked/.test(closed.closeReason ?? ""), `the close says why ("${closed.closeReason}")`);
  const after = log.slice(socketsAtDelete).filter((s) => s.createdAt > closed.closedAt);
  assert(after.length === 0, `no socket was opened after the session was revoked (${after.length})`);
  const stored = await page.evaluate(() => localStorage.getItem("whatsflow.session"));
  assert(stored === null, "the session is gone from localStorage");
  await page.getByTestId("login-email").waitFor();
  return `role change: reconnected with a new token in ${roleMs} ms; deleted: login page with "${text}" in ${endMs} ms`;
}
