// Build a chatbot flow in the browser and see it answer a real customer:
// drag a Message node from the palette onto the canvas, make it the start,
// give the flow a keyword trigger, save and activate it; a signed webhook with
// the keyword from a new customer then gets the bot's reply, which shows in
// the inbox. Also: a flow the server refuses (a condition without an `else`
// edge) shows the server's error on the offending node after Save, and an
// edge drawn between two handles is saved.
import { randomBytes } from "node:crypto";
import { assert, baseUrl, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

/** Drags a palette entry onto the canvas at (x, y) of the canvas (HTML5 drag and drop). */
async function dropNode(page, type, x, y) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("flow-canvas"), { targetPosition: { x, y } });
  const node = page.locator(`[data-testid="flow-node"][data-node-type="${type}"]`).last();
  await node.waitFor();
  return node;
}

/** Draws an edge with the mouse from a node's source handle to another node. */
async function connect(page, sourceId, handleId, targetId) {
  const handle = page.locator(`.react-flow__handle.source[data-nodeid="${sourceId}"]${handleId ? `[data-handleid="${handleId}"]` : ""}`);
  const target = page.locator(`.react-flow__handle.target[data-nodeid="${targetId}"]`);
  const a = await handle.boundingBox();
  const b = await target.boundingBox();
  assert(a && b, "both handles are on screen");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const keyword = `hello-bot-${randomBytes(2).toString("hex")}`;
  await login(page, tenant.email, tenant.password);

  // 1. A new flow: drag a Message node onto the canvas, write its text, make it the start.
  await page.getByTestId("nav-flows").click();
  await page.getByTestId("flows-table").waitFor();
  await page.getByTestId("flow-new").click();
  await page.getByTestId("flow-builder").waitFor();
  await page.getByTestId("flow-name").fill("Greeting bot");
  const node = await dropNode(page, "message", 320, 160);
  const nodeId = await node.getAttribute("data-node-id");
  await page.getByTestId("node-editor").waitFor();
  await page.getByTestId("node-text").fill("Bot says hi");
  await page.getByTestId("node-start").check();
  await node.getByTestId("node-start-badge").waitFor();
  assert((await node.getByTestId("node-summary").textContent()) === "Bot says hi", "the node shows its text");

  // 2. A keyword trigger; save (a new version), then activate.
  await page.getByTestId("flow-tab-trigger").click();
  await page.getByTestId("trigger-type").selectOption("keyword");
  await page.getByTestId("trigger-value").fill(keyword);
  await page.getByTestId("trigger-match").selectOption("exact");
  await page.getByTestId("flow-save").click();
  await page.getByTestId("flow-notice").filter({ hasText: "Saved as version 1" }).waitFor();
  await page.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
  const flowId = page.url().split("/").pop();
  await page.getByTestId("flow-activate").click();
  await page.getByTestId("flow-status").filter({ hasText: "Active" }).waitFor();

  // 3. The sandbox test of the saved flow shows the bot's message.
  await page.getByTestId("flow-tab-test").click();
  await page.getByTestId("test-start").click();
  await page.getByTestId("test-bot").filter({ hasText: "Bot says hi" }).waitFor();
  await page.getByTestId("test-status").filter({ hasText: "completed" }).waitFor();
  await screenshot(page, "flow-builder");

  // 4. A real customer writes the keyword: the flow answers, and the inbox shows the reply.
  const customer = tenant.customer(`Flow ${randomBytes(2).toString("hex")}`);
  await customer.say(keyword);
  await page.getByTestId("nav-inbox").click();
  await page.getByTestId("conversation-row").filter({ hasText: customer.name }).first().waitFor();
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, keyword);
  const reply = await waitForBubble(page, "Bot says hi");
  assert((await reply.first().getAttribute("data-direction")) === "outbound", "the bot's reply is an outbound bubble");
  await screenshot(page, "flow-builder-reply");

  // The list shows the flow active, with its run counted.
  await page.getByTestId("nav-flows").click();
  const row = page.locator(`[data-testid="flow-row"][data-flow-id="${flowId}"]`);
  await row.getByTestId("flow-row-status").filter({ hasText: "Active" }).waitFor();
  await page.waitForFunction((id) => {
    const cell = document.querySelector(`[data-flow-id="${id}"] [data-testid="flow-starts"]`);
    return cell && Number(cell.textContent) >= 1;
  }, flowId);
  // The builder lists the run with the path it took, and counts visits on the node.
  await row.getByTestId("flow-open").click();
  await page.getByTestId("flow-tab-runs").click();
  await page.getByTestId("run-row").filter({ hasText: "completed" }).filter({ hasText: nodeId }).first().waitFor();
  await page.locator(`[data-testid="flow-node"][data-node-id="${nodeId}"]`).getByTestId("node-stats").filter({ hasText: "Reached: 1" }).waitFor();
  await page.getByTestId("nav-flows").click();

  // 5. An invalid flow: a condition whose rule leads to a message but with no `else` edge.
  await page.getByTestId("flow-new").click();
  await page.getByTestId("flow-builder").waitFor();
  await page.getByTestId("flow-name").fill("Broken flow");
  const condition = await dropNode(page, "condition", 200, 120);
  const conditionId = await condition.getAttribute("data-node-id");
  await page.getByTestId("rule-value-1").fill("yes");
  const message = await dropNode(page, "message", 480, 320);
  const messageId = await message.getAttribute("data-node-id");
  await page.getByTestId("node-text").fill("You said yes");
  await connect(page, conditionId, "r1", messageId);
  await page.locator(".react-flow__edge").first().waitFor();
  assert((await page.locator(".react-flow__edge").count()) === 1, "one edge was drawn");
  await page.getByTestId("flow-tab-trigger").click();
  await page.getByTestId("trigger-value").fill(`broken-${keyword}`);
  await page.getByTestId("flow-save").click();
  const invalid = page.locator(`[data-testid="flow-node"][data-node-id="${conditionId}"][data-invalid="true"]`);
  await invalid.waitFor();
  const issue = (await invalid.getByTestId("node-issues").textContent()) ?? "";
  assert(/else/i.test(issue), `the condition node shows the server's problem (${issue})`);
  await page.getByTestId("flow-issues").filter({ hasText: conditionId }).waitFor();
  assert(page.url().endsWith("/flows/new"), "the refused flow was not created");
  await screenshot(page, "flow-builder-invalid");

  // Adding the else edge fixes it.
  await connect(page, conditionId, "else", messageId);
  await page.getByTestId("flow-save").click();
  await page.getByTestId("flow-notice").filter({ hasText: "Saved as version 1" }).waitFor();
  assert((await page.locator('[data-testid="flow-node"][data-invalid="true"]').count()) === 0, "no node is marked after a good save");
  const saved = await fetch(`${baseUrl()}/api/v1/flows/${page.url().split("/").pop()}`, {
    headers: { authorization: `Bearer ${tenant.auth.access_token}` },
  }).then((r) => r.json());
  const handles = saved.flow_data.edges.map((e) => e.sourceHandle).sort();
  assert(JSON.stringify(handles) === JSON.stringify(["else", "r1"]), `both edges were saved with their handles (${handles})`);

  // 6. Delete it from the list.
  await page.getByTestId("nav-flows").click();
  const broken = page.getByTestId("flow-row").filter({ hasText: "Broken flow" });
  await broken.getByTestId("flow-row-delete").click();
  await broken.getByTestId("flow-row-delete-confirm").click();
  await broken.waitFor({ state: "detached" });
  const left = await fetch(`${baseUrl()}/api/v1/flows`, { headers: { authorization: `Bearer ${tenant.auth.access_token}` } }).then((r) => r.json());
  assert(left.data.length === 1 && left.data[0].id === flowId, "only the greeting flow is left");
  return `flow ${flowId} (${nodeId}) answered "${keyword}" in the inbox; the missing else edge was shown on ${conditionId}`;
}
