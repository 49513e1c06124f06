// Reply from the composer and watch the ticks: the real server sends the
// message to the Graph API simulator, whose status webhooks come back as
// sent → delivered → read. On screen the status only ever moves forward and
// the reply is one bubble from the moment it is typed to the blue ticks.
import { randomBytes } from "node:crypto";
import { assert, bubbles, login, openConversation, screenshot, STATUS_RANK, tenantWithChannel, waitForBubble, watchBubbles } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Ticks ${randomBytes(2).toString("hex")}`);
  await customer.say("Hi, is my order on its way?");
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, "is my order on its way");

  const reply = `Yes, it ships today ${randomBytes(3).toString("hex")}`;
  const history = await watchBubbles(page, reply);
  await page.getByTestId("composer-input").fill(reply);
  await page.getByTestId("composer-input").press("Enter");

  await waitForBubble(page, reply, { status: "read", timeout: 20_000 });
  // The read tick is the blue double tick.
  await bubbles(page, reply, { status: "read" }).first().getByLabel("Read").waitFor();
  await page.waitForTimeout(800);
  const log = await history();
  const shown = log.filter((e) => e.count > 0);
  assert(shown.length > 0, "the reply was shown");
  assert(shown.every((e) => e.count === 1), `never more than one bubble: ${JSON.stringify(log.map((e) => e.count))}`);
  assert(log.at(-1).count === 1, "one bubble at the end");
  const statuses = shown.map((e) => e.statuses[0]);
  for (let i = 1; i < statuses.length; i++) {
    assert(
      STATUS_RANK[statuses[i]] >= STATUS_RANK[statuses[i - 1]],
      `status never goes backwards on screen: ${statuses.join(" → ")}`,
    );
  }
  const steps = [...new Set(statuses)];
  for (const s of ["sent", "delivered", "read"]) assert(steps.includes(s), `saw "${s}" on screen: ${steps.join(" → ")}`);
  assert(
    steps.indexOf("sent") < steps.indexOf("delivered") && steps.indexOf("delivered") < steps.indexOf("read"),
    `sent → delivered → read in order: ${steps.join(" → ")}`,
  );
  assert((await bubbles(page, reply).first().getAttribute("data-direction")) === "outbound", "it is an outbound bubble");
  await screenshot(page, "reply-ticks");
  return steps.join(" → ");
}
