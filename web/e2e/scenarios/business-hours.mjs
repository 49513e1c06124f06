// Settings › Business hours: an admin closes the account every day of the
// week and switches on the away message "We are closed"; the page says
// "Closed now". A new customer writes in (a signed webhook) and the server
// answers with the away message: the Graph API simulator records a text
// "We are closed" sent to that customer, and it shows in the conversation.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, screenshot, tenantWithChannel, TIMEOUT_MS, waitForBubble } from "../lib.mjs";

/** The text messages the Graph API simulator received for `to` so far. */
async function textsSentTo(to) {
  const sim = process.env.E2E_GRAPH_SIM;
  if (!sim) throw new Error("E2E_GRAPH_SIM is not set: this scenario reads the Graph API simulator's recorded sends");
  const res = await fetch(`${sim.replace(/\/+$/, "")}/__sim/requests`);
  if (!res.ok) throw new Error(`GET ${sim}/__sim/requests → ${res.status} ${await res.text()}`);
  const { data } = await res.json();
  const digits = (s) => String(s ?? "").replace(/\D/g, "");
  return data.filter((r) => /\/messages$/.test(r.path) && digits(r.body?.to) === digits(to) && r.body?.type === "text").map((r) => r.body.text?.body ?? "");
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  await login(page, tenant.email, tenant.password);

  // 1. Closed all week, with an away message.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-business-hours").click();
  await page.getByTestId("hours-none").waitFor();
  const form = page.getByTestId("hours-form");
  await form.waitFor();
  await page.getByTestId("hours-zone").fill("Asia/Kolkata");
  await page.getByTestId("hours-close-all").click();
  for (const day of ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]) {
    await page.locator(`[data-testid="hours-day"][data-day="${day}"][data-open="false"]`).waitFor();
  }
  // Switching the away message on without words is stopped on the page.
  await page.getByTestId("hours-away-enabled").check();
  await page.getByTestId("hours-save").click();
  await page.getByTestId("hours-problems").waitFor();
  await page.getByTestId("hours-away-message").fill("We are closed");
  await page.getByTestId("hours-away-every").fill("24");
  await page.getByTestId("hours-save").click();
  await page.getByTestId("hours-saved").waitFor();
  await page.locator('[data-testid="hours-open-now"][data-open="false"]').waitFor();
  assert(((await page.getByTestId("hours-open-now").textContent()) ?? "").includes("Closed now"), "the page says Closed now");
  await page.getByTestId("hours-open-now").scrollIntoViewIfNeeded();
  await screenshot(page, "business-hours");
  const saved = (await apiCall("GET", "/business-hours", undefined, token)).data.find((h) => h.team_id === null);
  assert(saved && saved.away_enabled && saved.away_message === "We are closed", `saved with the away message (${JSON.stringify(saved)})`);
  assert(Object.keys(saved.weekly).length === 0 && saved.open_now === false, `closed every day, closed now (${JSON.stringify(saved)})`);

  // 2. A new customer writes; the away message goes to them.
  const customer = tenant.customer(`Night ${randomBytes(2).toString("hex")}`);
  await customer.say("Hello, are you there?");
  const deadline = Date.now() + TIMEOUT_MS;
  let sent = [];
  while (Date.now() < deadline) {
    sent = await textsSentTo(customer.waId);
    if (sent.some((t) => t.includes("We are closed"))) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert(sent.some((t) => t.includes("We are closed")), `the simulator recorded the away message to ${customer.waId} (texts: ${JSON.stringify(sent)})`);

  // 3. It shows in the conversation, sent by the server.
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { name: customer.name });
  const bubble = await waitForBubble(page, "We are closed");
  assert((await bubble.first().getAttribute("data-direction")) === "outbound", "the away message is an outbound bubble");
  return `away message "We are closed" sent to ${customer.waId}`;
}
