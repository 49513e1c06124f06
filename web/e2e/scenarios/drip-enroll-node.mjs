// Contacts join a drip sequence from a chatbot flow and from an automation.
// A running sequence exists (set up through the API). In the browser the
// admin builds a flow with a keyword trigger whose graph is Message → "Enrol
// in sequence", picks the sequence in the node's panel (listed by name and
// status; the canvas card then names it), saves and activates it. A customer
// sends the keyword (a signed webhook): the flow's message arrives, then the
// sequence's step 1, and the sequence's contacts table lists the customer as
// active, come in by "Flow". In the contact panel, enrolling them again says
// they are already in it (HTTP 200) rather than newly enrolled (201). Then an
// automation rule whose action is "Enrol in a sequence" is saved from the
// Automations page with the sequence picked, and a second customer whose
// message matches it joins the sequence by "Automation".
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export const viewport = { width: 1366, height: 900 };

/** Drags a palette entry onto the canvas at (x, y) of the canvas (HTML5 drag and drop). */
async function dropNode(page, type, x, y) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId("flow-canvas"), { targetPosition: { x, y } });
  const node = page.locator(`[data-testid="flow-node"][data-node-type="${type}"]`).last();
  await node.waitFor();
  return node;
}

/** Draws an edge with the mouse from a node's (single) source handle to another node. */
async function connect(page, sourceId, targetId) {
  const a = await page.locator(`.react-flow__handle.source[data-nodeid="${sourceId}"]`).boundingBox();
  const b = await page.locator(`.react-flow__handle.target[data-nodeid="${targetId}"]`).boundingBox();
  assert(a && b, "both handles are on screen");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** The sequence's enrolment of a contact, once there is one (read through the API, as an integration would). */
async function enrolmentOf(token, sequenceId, contactPhoneDigits, timeout = 15_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const page = await apiCall("GET", `/campaigns/${sequenceId}/enrollments?limit=100`, undefined, token);
    const found = page.data.find((e) => (e.phone ?? "").replace(/\D/g, "").endsWith(contactPhoneDigits));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no enrolment for ${contactPhoneDigits} in ${sequenceId}`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const keyword = `club-${hex}`;
  const channelId = (await apiCall("GET", "/channels", undefined, token)).data[0].id;

  // A running sequence: step 1 at once (a session message: the customer's window will be open), step 2 a day later.
  const welcome = `Day 1 of the club, ${hex}: here is how it works.`;
  const sequence = await apiCall(
    "POST",
    "/campaigns",
    {
      type: "drip",
      name: `Club ${hex}`,
      channel_id: channelId,
      timezone: "Asia/Kolkata",
      // The simulated customer answers every message: replies must not end it here.
      exit_on_reply: false,
      exit_on_tags: [],
      exit_when: null,
      enroll_on_tag: null,
      reentry: { policy: "never" },
      steps: [
        { name: "Welcome", delay_seconds: 0, delay_from: "previous", send_window: null, template: null, variables: {}, session_message: { type: "text", text: { body: welcome } }, condition: null },
        { name: "Tips", delay_seconds: 86400, delay_from: "previous", send_window: null, template: null, variables: {}, session_message: { type: "text", text: { body: `Tips, ${hex}` } }, condition: null },
      ],
    },
    token,
  );
  await apiCall("POST", `/campaigns/${sequence.id}/start`, undefined, token);
  // A draft one too: the picker lists it with its status and warns when it is chosen.
  const draft = await apiCall(
    "POST",
    "/campaigns",
    {
      type: "drip",
      name: `Later ${hex}`,
      channel_id: channelId,
      timezone: "Asia/Kolkata",
      exit_on_reply: true,
      exit_on_tags: [],
      exit_when: null,
      enroll_on_tag: null,
      reentry: { policy: "never" },
      steps: [{ name: "Hi", delay_seconds: 0, delay_from: "previous", send_window: null, template: null, variables: {}, session_message: { type: "text", text: { body: "Hi" } }, condition: null }],
    },
    token,
  );

  await login(page, tenant.email, tenant.password);

  // 1. The flow: Message (start) → Enrol in sequence, with a keyword trigger.
  await page.getByTestId("nav-flows").click();
  await page.getByTestId("flows-table").waitFor();
  await page.getByTestId("flow-new").click();
  await page.getByTestId("flow-builder").waitFor();
  await page.getByTestId("flow-name").fill(`Join the club ${hex}`);
  const message = await dropNode(page, "message", 220, 140);
  const messageId = await message.getAttribute("data-node-id");
  const greeting = `Welcome to the club, ${hex}!`;
  await page.getByTestId("node-text").fill(greeting);
  await page.getByTestId("node-start").check();

  // The enrol node, saved before a sequence is picked: the server's refusal lands on that node.
  const enroll = await dropNode(page, "enroll", 560, 320);
  const enrollId = await enroll.getAttribute("data-node-id");
  await connect(page, messageId, enrollId);
  await page.locator(".react-flow__edge").first().waitFor();
  await page.getByTestId("flow-tab-trigger").click();
  await page.getByTestId("trigger-type").selectOption("keyword");
  await page.getByTestId("trigger-value").fill(keyword);
  await page.getByTestId("trigger-match").selectOption("exact");
  await page.getByTestId("flow-save").click();
  const refused = page.locator(`[data-testid="flow-node"][data-node-id="${enrollId}"][data-invalid="true"]`);
  await refused.waitFor();
  const issue = (await refused.getByTestId("node-issues").textContent()) ?? "";
  assert(/campaign_id|sequence/i.test(issue), `the enrol node shows the server's problem (${issue})`);
  assert(page.url().endsWith("/flows/new"), "the refused flow was not created");

  // Picking the sequence in the node's panel: offered by name and status, running ones first.
  await enroll.click();
  await page.getByTestId("flow-tab-node").click();
  const editor = page.locator(`[data-testid="node-editor"][data-node-id="${enrollId}"]`);
  await editor.waitFor();
  assert(/drip sequence/i.test((await editor.textContent()) ?? ""), "the node's panel says what it does");
  const pick = editor.getByTestId("node-enroll-sequence");
  await pick.locator(`option[value="${sequence.id}"]`).waitFor({ state: "attached" });
  const offered = await pick.locator("option").allTextContents();
  assert(offered.includes(`Club ${hex} · Running`) && offered.includes(`Later ${hex} · Draft`), `sequences are offered by name and status (${offered.join(" | ")})`);
  assert(offered.indexOf(`Club ${hex} · Running`) < offered.indexOf(`Later ${hex} · Draft`), "running sequences come first");
  await pick.selectOption(draft.id);
  await editor.getByTestId("node-enroll-sequence-notice").filter({ hasText: "draft" }).waitFor();
  await pick.selectOption(sequence.id);
  await editor.getByTestId("node-enroll-sequence-notice").waitFor({ state: "detached" });
  await enroll.getByTestId("node-summary").filter({ hasText: `Club ${hex}` }).waitFor();
  await screenshot(page, "drip-enroll-node-panel");
  await page.getByTestId("flow-save").click();
  await page.getByTestId("flow-notice").filter({ hasText: "Saved as version 1" }).waitFor();
  await page.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
  const flowId = page.url().split("/").pop();
  const saved = await apiCall("GET", `/flows/${flowId}`, undefined, token);
  const savedEnroll = saved.flow_data.nodes.find((n) => n.id === enrollId);
  assert(savedEnroll?.type === "enroll" && savedEnroll.data.campaign_id === sequence.id, `the enrol node was saved with the sequence (${JSON.stringify(savedEnroll)})`);
  await page.getByTestId("flow-activate").click();
  await page.getByTestId("flow-status").filter({ hasText: "Active" }).waitFor();
  await screenshot(page, "drip-enroll-node-builder");

  // 2. A customer sends the keyword: the flow greets them and puts them in the sequence, whose step 1 follows.
  const customer = tenant.customer(`Meera ${hex}`);
  await customer.say(keyword);
  await page.getByTestId("nav-inbox").click();
  await page.getByTestId("conversation-row").filter({ hasText: customer.name }).first().waitFor();
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, greeting);
  await waitForBubble(page, welcome);

  // 3. The sequence's contacts table: the customer, active, come in by the flow.
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-tab-sequences").click();
  await page.locator(`[data-testid="sequence-row"][data-sequence-id="${sequence.id}"]`).getByTestId("sequence-row-name").click();
  await page.getByTestId("sequence-enrollments").waitFor();
  const row = page.getByTestId("enrollment-row").filter({ hasText: customer.name });
  await row.waitFor();
  assert((await row.getAttribute("data-source")) === "flow", `the enrolment's source is flow (${await row.getAttribute("data-source")})`);
  assert(((await row.getByTestId("enrollment-source").textContent()) ?? "").trim() === "Flow", "the table says it came from a flow");
  assert((await row.getAttribute("data-state")) === "active", "the customer is active in the sequence");
  await screenshot(page, "drip-enroll-node-contacts");

  // 4. Enrolling them again from the contact panel: already in it (200), not a new enrolment (201).
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { name: customer.name });
  if (!(await page.getByTestId("contact-panel").isVisible())) await page.getByTestId("contact-toggle").click();
  const panel = page.getByTestId("contact-panel");
  await panel.getByTestId("contact-enroll-open").click();
  const contactPick = panel.getByTestId("contact-enroll-select");
  await contactPick.locator(`option[value="${sequence.id}"]`).waitFor({ state: "attached" });
  await contactPick.selectOption(sequence.id);
  await panel.getByTestId("contact-enroll-submit").click();
  const done = panel.getByTestId("contact-enroll-done");
  await done.waitFor();
  assert((await done.getAttribute("data-outcome")) === "already", `the panel tells "already in it" apart (${await done.getAttribute("data-outcome")})`);
  assert(/Already in/.test((await done.textContent()) ?? ""), `it says so (${await done.textContent()})`);
  await screenshot(page, "drip-enroll-node-already");

  // 5. An automation rule with the enrol action, saved from the Automations page.
  const word = `vip-${hex}`;
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-automations").click();
  await page.getByTestId("automation-add").click();
  await page.getByTestId("automation-dialog").waitFor();
  await page.getByTestId("automation-name").fill(`Club on ${word}`);
  await page.getByTestId("automation-event").selectOption("message.received");
  const condition = page.getByTestId("automation-condition").nth(0);
  await condition.getByTestId("automation-condition-field").selectOption("message.text");
  await condition.getByTestId("automation-condition-op").selectOption("contains");
  await condition.getByTestId("automation-condition-value").fill(word);
  const action = page.getByTestId("automation-action").nth(0);
  await action.getByTestId("automation-action-type").selectOption("enroll_in_sequence");
  const rulePick = action.getByTestId("automation-action-sequence");
  await rulePick.locator(`option[value="${sequence.id}"]`).waitFor({ state: "attached" });
  await rulePick.selectOption(sequence.id);
  await page.getByTestId("automation-submit").click();
  const card = page.getByTestId("automation-card").filter({ hasText: `Club on ${word}` });
  await card.waitFor();
  const rules = await apiCall("GET", "/automations", undefined, token);
  const rule = rules.data.find((r) => r.name === `Club on ${word}`);
  const savedActions = rule?.actions ?? [];
  assert(savedActions.length === 1 && savedActions[0].type === "enroll_in_sequence" && savedActions[0].campaign_id === sequence.id, `the rule was saved with the enrol action (${JSON.stringify(savedActions)})`);
  await screenshot(page, "drip-enroll-node-automation");

  // A second customer's matching message: the rule enrols them, come in by the automation.
  const second = tenant.customer(`Arjun ${hex}`);
  await second.say(`I want the ${word} club please`);
  const byRule = await enrolmentOf(token, sequence.id, second.waId);
  assert(byRule.source === "automation" && byRule.state === "active", `the rule enrolled the second customer (${JSON.stringify(byRule)})`);
  return `flow ${flowId} (${messageId} → ${enrollId}) enrolled ${customer.name} in ${sequence.id} (source flow); panel said "already"; rule enrolled ${second.name} (source automation)`;
}
