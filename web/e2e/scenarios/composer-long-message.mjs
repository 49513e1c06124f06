// A composer that never loses text. An agent pastes a 5,000-character answer:
// the count says 5,000 / 4,096, the Send button is off, a message says by how
// much it is too long, and Enter sends nothing; the text stays, and is still
// there after opening another conversation and coming back, and after a
// reload (a draft per conversation). Shortened to 4,096 it goes out and the
// draft is gone. A message Meta refuses (the Graph API simulator fails it)
// offers "Edit", which puts its words back in the composer.
import { randomBytes } from "node:crypto";
import { assert, bubbles, login, openConversation, screenshot, simControl, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const alice = tenant.customer(`Long ${randomBytes(2).toString("hex")}`);
  const bob = tenant.customer(`Other ${randomBytes(2).toString("hex")}`);
  await alice.say("Can you send me the full terms?");
  await bob.say("Hello there");
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: alice.name });
  await waitForBubble(page, "full terms");

  const input = page.getByTestId("composer-input");
  const send = page.getByTestId("composer-send");
  const tag = randomBytes(3).toString("hex");
  const long = `Terms ${tag} ` + "lorem ipsum ".repeat(500).slice(0, 5000 - 7 - tag.length);
  assert(long.length === 5000, `the text is 5,000 characters (${long.length})`);
  await input.fill(long);

  // Refused before sending: the count, the reason, the Send button off.
  const count = page.getByTestId("composer-count");
  await page.locator('[data-testid="composer-count"][data-over="true"]').waitFor();
  const countText = (await count.textContent())?.trim();
  assert(countText === "5,000 / 4,096", `the count says 5,000 / 4,096: "${countText}"`);
  const reason = (await page.getByTestId("composer-too-long").textContent()) ?? "";
  assert(/5,000 characters/.test(reason) && /4,096/.test(reason) && /904/.test(reason), `the reason says how long, the limit and by how much: "${reason}"`);
  assert(await send.isDisabled(), "Send is off while the text is too long");
  await input.press("Enter");
  assert((await input.inputValue()) === long, "Enter sent nothing: the text is still in the composer");
  await screenshot(page, "composer-too-long");

  // Kept across navigation: another conversation, then back.
  await openConversation(page, { name: bob.name });
  await waitForBubble(page, "Hello there");
  assert((await page.getByTestId("composer-input").inputValue()) === "", "the other conversation has its own (empty) composer");
  await openConversation(page, { name: alice.name });
  await page.locator('[data-testid="composer-count"][data-over="true"]').waitFor();
  assert((await input.inputValue()) === long, "back in the conversation, the 5,000 characters are still there");
  // And across a reload.
  await page.reload();
  await page.getByTestId("conversation-view").waitFor();
  await page.locator('[data-testid="composer-count"][data-over="true"]').waitFor();
  assert((await input.inputValue()) === long, "after a reload the draft is still there");
  assert(await send.isDisabled(), "still refused after the reload");

  // Shortened to WhatsApp's limit, it goes.
  const fitting = long.slice(0, 4096);
  await input.fill(fitting);
  await page.locator('[data-testid="composer-count"][data-over="false"]').waitFor();
  assert((await page.getByTestId("composer-too-long").count()) === 0, "no complaint at 4,096");
  await send.click();
  await waitForBubble(page, `Terms ${tag}`, { status: "read", timeout: 20_000 });
  assert((await bubbles(page, `Terms ${tag}`).count()) === 1, "one message went out (the 5,000-character one never did)");
  assert((await input.inputValue()) === "", "the composer is empty after sending");
  await openConversation(page, { name: bob.name });
  await openConversation(page, { name: alice.name });
  assert((await input.inputValue()) === "", "the draft was cleared on send");

  // Meta refuses a message: its bubble offers Edit, which gives the words back.
  await simControl({ fail_recipients_with: { [alice.waId]: 131026 } });
  try {
    const words = `Please call me back ${tag}`;
    await input.fill(words);
    await input.press("Enter");
    await waitForBubble(page, words, { status: "failed", timeout: 20_000 });
    const failed = bubbles(page, words, { status: "failed" }).first();
    await failed.getByTestId("message-edit").click();
    await page.waitForFunction((w) => document.querySelector('[data-testid="composer-input"]')?.value === w, words);
    await screenshot(page, "composer-edit-failed");
  } finally {
    await simControl({});
  }
  return "5,000 characters refused with the text kept (navigation, reload); 4,096 sent; a failed message edited";
}
