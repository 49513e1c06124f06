// Scheduled messages in the inbox. A customer has written (their window is
// open for 24 hours). The agent types a message and schedules it with the
// composer's clock for "in 1 hour": it is listed above the composer (time and
// words) and the composer is emptied. Edited to "Monday 9:00" (after the
// window closes) the dialog asks for a fallback template; saved with one,
// the strip says so. Cancelled, it leaves the strip (and the API has it
// cancelled). Another, set a few seconds ahead to the second, goes on its
// own: its bubble lands in the thread and it leaves the pending strip.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const customer = tenant.customer(`Meera ${hex}`);
  await customer.say("Hello! Is my order ready?");
  await apiCall("POST", "/templates/sync", undefined, token);

  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  const conversationId = await page.getByTestId("conversation-view").getAttribute("data-conversation-id");
  const strip = page.getByTestId("scheduled-strip");
  const items = page.getByTestId("scheduled-item");

  // 1. In 1 hour: the window is still open then, so no template is asked for.
  const later = `Happy birthday from all of us, ${hex}!`;
  await page.getByTestId("composer-input").fill(later);
  await page.getByTestId("composer-schedule").click();
  const dialog = page.getByTestId("schedule-dialog");
  await dialog.waitFor();
  assert((await dialog.getByTestId("schedule-text").inputValue()) === later, "the composer's words are the message");
  await dialog.getByTestId("schedule-preset-inHour").click();
  const note = dialog.getByTestId("schedule-window-note");
  await note.waitFor();
  assert((await note.getAttribute("data-fallback")) === "false", `in an hour the window is open: ${await note.textContent()}`);
  assert((await dialog.getByTestId("schedule-fallback").count()) === 0, "no template asked for");
  await dialog.getByTestId("schedule-submit").click();
  await dialog.waitFor({ state: "detached" });
  await strip.waitFor();
  const first = items.filter({ hasText: later });
  await first.waitFor();
  assert((await first.getAttribute("data-status")) === "scheduled", "listed as scheduled");
  assert(((await first.getByTestId("scheduled-time").textContent()) ?? "").trim() !== "", "with its time");
  assert((await page.getByTestId("composer-input").inputValue()) === "", "the composer let go of the words");
  await screenshot(page, "scheduled-message-strip");

  // 2. Moved to Monday 9:00, after the window closes: a fallback template is needed.
  await first.getByTestId("scheduled-edit").click();
  await dialog.waitFor();
  assert((await dialog.getByTestId("schedule-text").inputValue()) === later, "editing starts from its words");
  await dialog.getByTestId("schedule-preset-mondayMorning").click();
  await dialog.locator('[data-testid="schedule-window-note"][data-fallback="true"]').waitFor();
  const fallback = dialog.getByTestId("schedule-fallback");
  await fallback.waitFor();
  // Saving without one is refused in the dialog.
  await dialog.getByTestId("schedule-submit").click();
  await dialog.getByTestId("schedule-error").waitFor();
  const select = fallback.getByTestId("schedule-fallback-select");
  await select.locator('option[data-name="order_update"]').waitFor({ state: "attached" });
  await select.selectOption(await select.locator('option[data-name="order_update"]').getAttribute("value"));
  await fallback.getByTestId("schedule-fallback-var-1").fill("Meera");
  await fallback.getByTestId("schedule-fallback-var-2").fill("#4821");
  await fallback.getByTestId("schedule-fallback-preview").filter({ hasText: "Hi Meera, your order #4821 is on its way." }).waitFor();
  await screenshot(page, "scheduled-message-fallback");
  await dialog.getByTestId("schedule-submit").click();
  await dialog.waitFor({ state: "detached" });
  await first.filter({ hasText: "order_update" }).waitFor();
  const stored = (await apiCall("GET", `/conversations/${conversationId}/scheduled-messages`, undefined, token)).data;
  const edited = stored.find((s) => s.status === "scheduled");
  assert(edited?.fallback, `the API has the fallback template: ${JSON.stringify(edited)}`);
  assert(new Date(edited.send_at).getDay() === 1, `moved to a Monday: ${edited.send_at}`);

  // 3. Cancelled: it leaves the strip.
  await first.getByTestId("scheduled-cancel").click();
  await first.getByTestId("scheduled-cancel-confirm").click();
  await first.waitFor({ state: "detached" });
  const after = (await apiCall("GET", `/conversations/${conversationId}/scheduled-messages`, undefined, token)).data;
  assert(after.find((s) => s.id === edited.id)?.status === "cancelled", "the API has it cancelled");

  // 4. Eight seconds ahead, to the second: it goes on its own.
  const soon = `Your table is ready, ${hex}.`;
  await page.getByTestId("composer-input").fill(soon);
  await page.getByTestId("composer-schedule").click();
  await dialog.waitFor();
  const at = await page.evaluate(() => {
    const d = new Date(Date.now() + 8_000);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  });
  await dialog.getByTestId("schedule-at").fill(at);
  await dialog.getByTestId("schedule-submit").click();
  await dialog.waitFor({ state: "detached" });
  const due = items.filter({ hasText: soon });
  await due.waitFor();
  // Sent at its time: the bubble lands in the thread and the strip lets it go (scheduled:updated).
  await waitForBubble(page, soon, { timeout: 30_000 });
  await due.waitFor({ state: "detached", timeout: 15_000 });
  const done = (await apiCall("GET", `/conversations/${conversationId}/scheduled-messages`, undefined, token)).data.find((s) => (s.content?.body ?? s.content?.text?.body) === soon);
  assert(done?.status === "sent", `the API has it sent: ${JSON.stringify(done)}`);
  assert(done.sent_as === "session", `sent as a session message while the window is open: ${done.sent_as}`);
  await screenshot(page, "scheduled-message-sent");
  return "scheduled, edited with a fallback, cancelled; one sent on time";
}
