// A drip sequence end to end. A customer has written (their window is open)
// and a second contact tagged `lead` never has. In the browser the admin
// builds a two-step sequence on the Sequences page (step 1 at once: the
// order_update template with name + a constant, and a session message for
// an open window; step 2 a day later), sees a validation refusal placed on
// the step it is about, saves and starts it. The customer is enrolled from
// the inbox's contact panel and the lead by tag from the sequence's form:
// step 1's session message arrives in the customer's thread, the counts move
// (enrolled, active, step 1 sent) and both wait for step 2. The customer's
// path shows step 1 sent as a session message; taking them out of the
// sequence makes them exited (reason: by hand), counted as such. Editing
// the running sequence says waiting contacts keep their version, and a
// changed step makes version 2. The sequence also enrols the members of a
// segment picked in the editor (nobody matches it here): the API's sequence
// names it and its page shows the segment's name.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export const viewport = { width: 1366, height: 900 };

const num = async (locator) => Number(await locator.getAttribute("data-value"));

/** Waits until `read()` satisfies `ok` (live counts come with a frame or the page's poll). */
async function until(read, ok, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const customer = tenant.customer(`Asha ${hex}`);
  await customer.say("Hi! I just signed up.");
  const lead = await apiCall("POST", "/contacts", { name: `Ravi ${hex}`, phone: `+9198${digits(8)}`, tags: ["lead"], opted_in: true }, token);
  await apiCall("POST", "/templates/sync", undefined, token);
  const segment = await apiCall("POST", "/contacts/segments", { name: `Trial users ${hex}`, rule: { all: [{ field: "tag", op: "has", value: "x" }] } }, token);

  await login(page, tenant.email, tenant.password);
  // Sequences sit under Campaigns (one entry in the top bar), on their own tab.
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-tab-sequences").click();
  await page.getByTestId("sequences-table").waitFor();
  await page.getByTestId("sequence-new").click();
  await page.getByTestId("sequence-editor").waitFor();

  // Settings: a name; replies do not end it here (the simulated customer answers every message).
  const name = `Onboarding ${hex}`;
  await page.getByTestId("sequence-name").fill(name);
  await page.getByTestId("sequence-exit-reply").uncheck();
  // Members of a segment join on their own.
  const segmentPick = page.getByTestId("sequence-enroll-segment");
  await segmentPick.locator(`option[value="${segment.id}"]`).waitFor({ state: "attached" });
  await segmentPick.selectOption(segment.id);

  // Step 1: at once, a template with its variables, and a session message while the window is open.
  const welcome = `Welcome aboard, ${hex}! Reply any time.`;
  const step1 = page.getByTestId("sequence-step-1");
  await step1.getByTestId("sequence-step-1-name").fill("Welcome");
  const tpl = step1.getByTestId("sequence-step-1-template");
  await tpl.locator('option[data-name="order_update"]').waitFor({ state: "attached" });
  await tpl.selectOption(await tpl.locator('option[data-name="order_update"]').getAttribute("value"));
  assert((await step1.getByTestId("sequence-step-1-source-body-1").inputValue()) === "name", "the first variable defaults to the contact's name");
  await step1.getByTestId("sequence-step-1-source-body-2").selectOption("value");
  await step1.getByTestId("sequence-step-1-source-body-2-text").fill("#1001");
  await step1.getByTestId("sequence-step-1-session-on").check();
  await step1.getByTestId("sequence-step-1-session").fill(welcome);

  // Step 2: a day after step 1, a session message only — first left without a name: refused at the step.
  await page.getByTestId("sequence-add-step").click();
  const step2 = page.getByTestId("sequence-step-2");
  assert((await step2.getByTestId("sequence-step-2-delay").inputValue()) === "1", "a new step waits 1…");
  assert((await step2.getByTestId("sequence-step-2-unit").inputValue()) === "days", "…day by default");
  await step2.getByTestId("sequence-step-2-session-on").check();
  await step2.getByTestId("sequence-step-2-session").fill(`Here is a quick tour, ${hex}.`);
  await page.getByTestId("sequence-save").click();
  await step2.getByTestId("field-error").first().waitFor();
  assert((await step1.getByTestId("field-error").count()) === 0, "step 1 has nothing to fix");
  await step2.getByTestId("sequence-step-2-name").fill("Tutorial");
  await screenshot(page, "drip-sequence-editor");
  await page.getByTestId("sequence-save").click();

  // The sequence's page: a draft with its two steps; start it.
  const detail = page.getByTestId("sequence-detail");
  await detail.waitFor();
  assert((await detail.getAttribute("data-status")) === "draft", "a saved sequence is a draft");
  assert((await page.getByTestId("sequence-step-row").count()) === 2, "two steps listed");
  await page.getByTestId("sequence-enroll-closed").waitFor();
  await page.getByTestId("sequence-start").click();
  await page.locator('[data-testid="sequence-detail"][data-status="running"]').waitFor();
  const sequenceUrl = page.url();
  const sequenceId = sequenceUrl.split("/").pop();
  const stored = await apiCall("GET", `/campaigns/${sequenceId}`, undefined, token);
  assert(stored.enroll_segment_id === segment.id, `the sequence enrols the segment's members: ${stored.enroll_segment_id}`);
  const summarySegment = page.getByTestId("sequence-summary-segment");
  await summarySegment.filter({ hasText: segment.name }).waitFor();

  // The customer, from the inbox's contact panel.
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { name: customer.name });
  if (!(await page.getByTestId("contact-panel").isVisible())) await page.getByTestId("contact-toggle").click();
  const panel = page.getByTestId("contact-panel");
  await panel.getByTestId("contact-enroll-open").click();
  const pick = panel.getByTestId("contact-enroll-select");
  await pick.locator(`option[value="${sequenceId}"]`).waitFor({ state: "attached" });
  await pick.selectOption(sequenceId);
  await panel.getByTestId("contact-enroll-submit").click();
  await panel.getByTestId("contact-enroll-done").waitFor();
  // Step 1 goes at once: the window is open, so as the session message.
  await waitForBubble(page, welcome);
  await screenshot(page, "drip-sequence-inbox");

  // The lead, by tag, from the sequence's own form.
  await page.goto(sequenceUrl);
  await page.getByTestId("sequence-enroll").waitFor();
  await page.getByTestId("sequence-enroll-tag").fill("lead");
  await page.getByTestId("sequence-enroll-submit").click();
  const result = page.getByTestId("sequence-enroll-result");
  await result.waitFor();
  assert((await result.getAttribute("data-enrolled")) === "1", `one lead enrolled by tag: ${await result.textContent()}`);

  // Counts: two enrolled and active, step 1 sent to both, both waiting for step 2.
  await until(() => num(page.getByTestId("sequence-stat-enrolled")), (n) => n === 2, "two enrolled");
  assert((await num(page.getByTestId("sequence-stat-active"))) === 2, "both active");
  const row1 = page.locator('[data-testid="sequence-step-row"][data-position="0"]');
  await until(() => num(row1.getByTestId("sequence-step-sent")), (n) => n === 2, "step 1 sent to both");
  const row2 = page.locator('[data-testid="sequence-step-row"][data-position="1"]');
  await until(() => num(row2.getByTestId("sequence-step-waiting")), (n) => n === 2, "both waiting at step 2");
  const rows = page.getByTestId("enrollment-row");
  await until(() => rows.evaluateAll((els) => els.map((e) => `${e.dataset.state}:${e.dataset.step}`).sort().join(",")), (v) => v === "active:2,active:2", "both rows waiting for step 2");
  const leadRow = page.locator(`[data-testid="enrollment-row"][data-contact-id="${lead.id}"]`);
  assert((await leadRow.count()) === 1, "the lead enrolled by tag is listed");

  // The customer's path: step 1 sent as a session message; then out of the sequence by hand.
  const mine = rows.filter({ hasText: customer.name });
  await mine.getByTestId("enrollment-open").click();
  const drawer = page.getByTestId("enrollment-drawer");
  await drawer.waitFor();
  const first = drawer.locator('[data-testid="enrollment-path-step"][data-position="0"]');
  await first.waitFor();
  assert(/session/i.test((await first.textContent()) ?? ""), `step 1 went as a session message: ${await first.textContent()}`);
  await drawer.getByTestId("enrollment-path-next").waitFor();
  await screenshot(page, "drip-sequence-path");
  await drawer.getByTestId("enrollment-exit").click();
  await drawer.getByTestId("enrollment-exit-confirm").click();
  await page.locator('[data-testid="enrollment-drawer"][data-state="exited"]').waitFor();
  await drawer.getByTestId("enrollment-drawer-close").click();

  await until(() => mine.getAttribute("data-state"), (s) => s === "exited", "the customer's row says exited");
  assert((await mine.getByTestId("enrollment-exit-reason").getAttribute("data-reason")) === "api", "taken out by hand");
  await until(() => num(page.getByTestId("sequence-stat-exited")), (n) => n === 1, "one exited");
  assert((await num(page.getByTestId("sequence-stat-active"))) === 1, "the lead is still active");
  assert((await num(page.locator('[data-testid="sequence-exit-reason"][data-reason="api"]'))) === 1, "exited by reason: by hand 1");
  // …and at the step they were waiting for.
  const stepExits = row2.getByTestId("sequence-step-exits");
  await until(async () => ((await stepExits.count()) ? await stepExits.textContent() : ""), (t) => /by hand.* 1$/.test(t), "step 2 counts one exit by hand");

  // The state filter: only the exited one.
  await page.getByTestId("sequence-enrollments-state").selectOption("exited");
  await until(() => rows.evaluateAll((els) => els.map((e) => e.dataset.state).join(",")), (v) => v === "exited", "the exited filter lists the customer only");
  await screenshot(page, "drip-sequence-detail");

  // Editing it while the lead waits: the editor says waiting contacts keep their version; a changed step is a new version.
  await page.getByTestId("sequence-edit").click();
  const note = page.getByTestId("sequence-version-note");
  await note.waitFor();
  assert(/keep the version/.test((await note.textContent()) ?? ""), `the editor says who keeps which version: ${await note.textContent()}`);
  assert((await page.getByTestId("sequence-step-2-name").inputValue()) === "Tutorial", "the editor reads the stored steps");
  await page.getByTestId("sequence-step-2-session").fill(`Here is a shorter tour, ${hex}.`);
  await page.getByTestId("sequence-save").click();
  await detail.waitFor();
  await detail.filter({ hasText: "version 2" }).waitFor();

  // The list shows it running with its counts.
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-tab-sequences").click();
  const listRow = page.locator(`[data-testid="sequence-row"][data-sequence-id="${sequenceId}"]`);
  await listRow.waitFor();
  assert((await listRow.getAttribute("data-status")) === "running", "listed as running");
  assert((await num(listRow.getByTestId("sequence-row-enrolled"))) === 2, "two enrolled in the list");
  return `sequence ${sequenceId}: step 1 sent to 2, customer exited by hand`;
}
