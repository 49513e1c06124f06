// The bot in the inbox. A customer's keyword starts an active flow that asks
// for an order number: the conversation's banner says "Bot: <flow> · Ask for
// the order number · waiting for the customer". The agent stops it (the
// banner says no bot runs, the thread says who stopped it), starts it again
// from the banner's "Start a flow" menu, pauses and resumes it; the customer
// then answers with words instead of a number (the simulator's own customer
// replies are off, so only this customer speaks) and the flow hands the
// conversation to the team: the hand-off shows in the thread as an event with
// the bot's note.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, screenshot, simControl, tenantWithChannel, waitForBubble } from "../lib.mjs";

function orderFlow(name, keyword) {
  const at = (x, y) => ({ x, y });
  return {
    name,
    trigger_type: "keyword",
    trigger_value: keyword,
    trigger_match: "exact",
    flow_data: {
      nodes: [
        {
          id: "ask",
          type: "input",
          position: at(0, 0),
          data: { start: true, label: "Ask for the order number", prompt: "Please type your order number.", variable: "order_id", validation: "number", retries: 0 },
        },
        { id: "thanks", type: "message", position: at(300, 0), data: { text: "Thanks, we are looking it up." } },
        { id: "human", type: "handoff", position: at(300, 200), data: { note: "Not an order number: needs a person" } },
      ],
      edges: [
        { id: "e1", source: "ask", target: "thanks", sourceHandle: "ok" },
        { id: "e2", source: "ask", target: "human", sourceHandle: "invalid" },
      ],
    },
  };
}

export default async function ({ page }) {
  // The simulated customer would answer the bot's question by itself: it stays quiet here.
  await simControl({ silent: true });
  try {
    return await scenario(page);
  } finally {
    await simControl({});
  }
}

async function scenario(page) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const keyword = `track${randomBytes(2).toString("hex")}`;
  const flowName = `Order tracking ${randomBytes(2).toString("hex")}`;
  const flow = await apiCall("POST", "/flows", orderFlow(flowName, keyword), token);
  await apiCall("PATCH", `/flows/${flow.id}/status`, { status: "active" }, token);
  const customer = tenant.customer(`Bot ${randomBytes(2).toString("hex")}`);
  await customer.say(keyword);

  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, "Please type your order number.");
  const banner = page.getByTestId("bot-banner");
  await page.locator('[data-testid="bot-banner"][data-status="waiting"]').waitFor();
  const state = (await page.getByTestId("bot-state").textContent()) ?? "";
  assert(state.includes(flowName) && state.includes("Ask for the order number") && state.includes("waiting for the customer"), `the banner names the flow, the step and the state: "${state}"`);
  await screenshot(page, "bot-banner-running");

  // Stop: no bot, and the thread says who stopped it.
  await page.getByTestId("bot-stop").click();
  await page.getByTestId("bot-stop-confirm").click();
  await page.locator('[data-testid="bot-banner"][data-status="none"]').waitFor();
  await page.locator('[data-testid="activity"][data-kind="bot_stopped"]').waitFor();
  const runs = await apiCall("GET", `/conversations/${await page.getByTestId("conversation-view").getAttribute("data-conversation-id")}/bot`, undefined, token);
  assert(runs.run === null, `the server has no bot run left: ${JSON.stringify(runs)}`);

  // Start it again from the banner.
  await page.getByTestId("bot-start").click();
  await page.getByTestId("bot-flow").filter({ hasText: flowName }).click();
  await page.locator('[data-testid="bot-banner"][data-status="waiting"]').waitFor();
  // A second "started" line (the keyword started the first).
  await page.locator('[data-testid="activity"][data-kind="bot_started"]').filter({ hasText: flowName }).nth(1).waitFor();

  // Pause and resume.
  await page.getByTestId("bot-pause").click();
  await page.locator('[data-testid="bot-banner"][data-status="paused"]').waitFor();
  await page.getByTestId("bot-resume").click();
  await page.locator('[data-testid="bot-banner"]:not([data-status="paused"]):not([data-status="none"])').waitFor();

  // The customer answers with words: the flow hands over, the thread shows it.
  await customer.say("I don't have it, can someone help?");
  const handoff = page.locator('[data-testid="activity"][data-kind="handoff"]');
  await handoff.waitFor();
  const handoffText = (await handoff.textContent()) ?? "";
  assert(handoffText.includes("The bot handed this conversation to the team") && handoffText.includes("Not an order number"), `the hand-off line with the bot's note: "${handoffText}"`);
  // The bot no longer waits for the customer (it stopped, or is parked paused for the team).
  await page.locator('[data-testid="bot-banner"][data-status="none"], [data-testid="bot-banner"][data-status="paused"]').waitFor();
  await banner.scrollIntoViewIfNeeded();
  await screenshot(page, "bot-handoff");
  return "banner waiting → stopped → started → paused → resumed; hand-off event in the thread";
}
