// Settings › Automations: an admin builds a rule "VIP priority" — when a
// message arrives whose text contains "urgent", set the priority to high and
// tag the conversation "urgent" — in the rule builder. A new customer writes
// "this is urgent" (a signed webhook); the rule's log on the page shows a
// matched run with both actions done and a link to the conversation, and the
// server has the conversation at priority high with the tag. Switching the
// rule off is saved; the conversation's header shows the priority chip. A
// second rule's notify action shows as a live toast.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, screenshot, tenantWithChannel, TIMEOUT_MS } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  await login(page, tenant.email, tenant.password);

  // 1. The rule, built on the page.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-automations").click();
  await page.getByTestId("automations-empty").waitFor();
  await page.getByTestId("automations-loop-help").waitFor();
  await page.getByTestId("automation-add").click();
  const dialog = page.getByTestId("automation-dialog");
  await dialog.waitFor();
  await page.getByTestId("automation-name").fill("VIP priority");
  await page.getByTestId("automation-event").selectOption("message.received");
  const condition = page.locator('[data-testid="automation-condition"][data-group="all"]').first();
  await condition.getByTestId("automation-condition-field").selectOption("message.text");
  await condition.getByTestId("automation-condition-op").selectOption("contains");
  await condition.getByTestId("automation-condition-value").fill("urgent");
  const first = page.getByTestId("automation-action").nth(0);
  await first.getByTestId("automation-action-type").selectOption("set_priority");
  await first.getByTestId("automation-action-priority").selectOption("high");
  await page.getByTestId("automation-add-action").click();
  const second = page.getByTestId("automation-action").nth(1);
  await second.getByTestId("automation-action-type").selectOption("tag");
  // Saving with the tag list empty is stopped on the page, with the reason.
  await page.getByTestId("automation-submit").click();
  await page.getByTestId("automation-problems").filter({ hasText: "Action 2" }).waitFor();
  await second.getByTestId("automation-action-add").fill("urgent");
  await screenshot(page, "automations-builder");
  await page.getByTestId("automation-submit").click();
  await dialog.waitFor({ state: "detached" });
  const card = page.getByTestId("automation-card").filter({ hasText: "VIP priority" });
  await card.waitFor();
  const ruleId = await card.getAttribute("data-rule-id");
  const saved = await apiCall("GET", `/automations/${ruleId}`, undefined, token);
  assert(saved.event === "message.received" && saved.enabled, `saved as an enabled message.received rule (${JSON.stringify(saved)})`);
  assert(JSON.stringify(saved.conditions.all) === JSON.stringify([{ field: "message.text", op: "contains", value: "urgent" }]), `the condition (${JSON.stringify(saved.conditions)})`);
  assert(saved.actions.length === 2 && saved.actions[0].type === "set_priority" && saved.actions[0].priority === "high", `set_priority high first (${JSON.stringify(saved.actions)})`);
  assert(saved.actions[1].type === "tag" && JSON.stringify(saved.actions[1].add) === '["urgent"]', `then tag urgent (${JSON.stringify(saved.actions[1])})`);

  // A second rule (made through the API) tells the admins live: a toast on any page.
  await apiCall(
    "POST",
    "/automations",
    { name: "Tell admins", event: "message.received", conditions: { all: [{ field: "message.text", op: "contains", value: "urgent" }] }, actions: [{ type: "notify", text: "Urgent message from {{contact.name}}" }], position: 1 },
    token,
  );
  await page.reload();
  await card.waitFor();

  // 2. A new customer writes "this is urgent".
  const customer = tenant.customer(`Vip ${randomBytes(2).toString("hex")}`);
  await customer.say("this is urgent");
  const toast = page.locator('[data-testid="service-toast"][data-kind="automation"]').filter({ hasText: `Urgent message from ${customer.name}` });
  await toast.waitFor();
  assert(((await toast.textContent()) ?? "").includes("Tell admins"), "the toast names the rule");

  // 3. The rule's log shows the matched run, both actions done.
  await card.getByTestId("automation-logs-toggle").click();
  const run = card.locator('[data-testid="automation-run"][data-outcome="ok"]');
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await run.count()) === 0 && Date.now() < deadline) {
    await page.waitForTimeout(500);
    await card.getByTestId("automation-logs-refresh").click();
  }
  await run.first().waitFor({ timeout: 1_000 });
  assert((await run.first().getAttribute("data-matched")) === "true", "the run matched");
  const actions = run.first().getByTestId("automation-run-action");
  assert((await actions.count()) === 2, `two actions in the run (${await actions.count()})`);
  for (const [i, type] of ["set_priority", "tag"].entries()) {
    assert((await actions.nth(i).getAttribute("data-type")) === type, `action ${i + 1} is ${type}`);
    assert((await actions.nth(i).getAttribute("data-ok")) === "true", `${type} went through`);
  }
  const conversationId = await run.first().getAttribute("data-conversation-id");
  assert(conversationId, "the run names its conversation");
  await screenshot(page, "automations-log");

  // 4. The server has the conversation at priority high, tagged urgent.
  const conversation = await apiCall("GET", `/conversations/${conversationId}`, undefined, token);
  assert(conversation.priority === "high", `priority high (${conversation.priority})`);
  assert(conversation.tags.includes("urgent"), `tagged urgent (${conversation.tags})`);

  // 5. Switching the rule off is saved (the whole rule sent back with enabled false).
  await card.getByTestId("automation-enabled").uncheck();
  await page.locator(`[data-testid="automation-card"][data-rule-id="${ruleId}"][data-enabled="false"]`).waitFor();
  // The card turns off at once; the switch is usable again once the save answered.
  await page.locator(`[data-testid="automation-card"][data-rule-id="${ruleId}"] [data-testid="automation-enabled"]:not([disabled])`).waitFor();
  const off = await apiCall("GET", `/automations/${ruleId}`, undefined, token);
  assert(off.enabled === false && off.actions.length === 2, `switched off, actions kept (${JSON.stringify(off)})`);

  // 6. The log links to the conversation, whose header shows the priority.
  await run.first().getByTestId("automation-run-conversation").click();
  await page.getByTestId("conversation-view").waitFor();
  await page.getByTestId("conversation-header").locator('[data-testid="priority-chip"][data-priority="high"]').waitFor();
  return `rule ${ruleId}: matched "this is urgent", set priority high and tagged urgent on ${conversationId}`;
}
