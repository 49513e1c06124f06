// Log in; a customer's WhatsApp message, posted to the real server as a signed
// Meta webhook, appears in the open inbox within a second without a reload:
// first as a new conversation in the list, then as a bubble in the open
// conversation — once.
import { randomBytes } from "node:crypto";
import { assert, bubbles, LIVE_MS, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  await login(page, tenant.email, tenant.password);
  // A marker on the window: a reload would lose it.
  await page.evaluate(() => (window.__e2eSameDocument = true));
  const customer = tenant.customer(`Live ${randomBytes(2).toString("hex")}`);
  const suffix = randomBytes(4).toString("hex");

  // 1. A first message opens a conversation: it shows up in the list.
  await customer.say(`hello from e2e ${suffix}`);
  let t0 = Date.now();
  const row = page.getByTestId("conversation-row").filter({ hasText: customer.name });
  await row.first().waitFor();
  const rowMs = Date.now() - t0;
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, `hello from e2e ${suffix}`);

  // 2. With the conversation open, the next message arrives over the socket.
  const live = `second live message ${suffix}`;
  await customer.say(live);
  t0 = Date.now();
  await waitForBubble(page, live);
  const bubbleMs = Date.now() - t0;
  await page.waitForTimeout(500);
  assert((await bubbles(page, live).count()) === 1, "the live message is shown exactly once");
  assert((await bubbles(page, live).first().getAttribute("data-direction")) === "inbound", "it is an inbound bubble");
  assert(await page.evaluate(() => window.__e2eSameDocument === true), "the page was never reloaded");
  assert(rowMs <= LIVE_MS, `the new conversation showed within ${LIVE_MS} ms (took ${rowMs} ms)`);
  assert(bubbleMs <= LIVE_MS, `the message showed within ${LIVE_MS} ms (took ${bubbleMs} ms)`);
  await screenshot(page, "live-message");
  return `new conversation in ${rowMs} ms, message in open conversation in ${bubbleMs} ms`;
}
