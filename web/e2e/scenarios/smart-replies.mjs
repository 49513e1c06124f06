// Smart replies and template drafts: an admin keeps a canned reply "/refund"
// ("Your refund is on its way"); a customer asks "where is my refund?"; in
// their conversation a suggestion chip above the composer offers the reply,
// and clicking it fills the composer without sending anything. On the
// Templates page the create form's "Draft with AI" is shown disabled with
// the reason (this server has no language model configured).
import { randomBytes } from "node:crypto";
import { apiCall, assert, bubbles, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  await apiCall("POST", "/canned-replies", { shortcut: "refund", text: "Your refund is on its way", scope: "shared" }, token);
  const customer = tenant.customer(`Meera ${randomBytes(2).toString("hex")}`);
  await customer.say("where is my refund?");
  await login(page, tenant.email, tenant.password);

  // 1. The chip offers the canned reply; clicking it fills the composer, nothing is sent.
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, "where is my refund?");
  const chip = page.getByTestId("suggestion-chip").filter({ hasText: "Your refund is on its way" });
  await chip.first().waitFor();
  assert((await page.getByTestId("suggestion-chip").count()) <= 3, "at most three suggestions");
  assert((await chip.first().getAttribute("data-source")) === "canned", "it comes from the canned reply");
  await screenshot(page, "smart-replies");
  await chip.first().click();
  await page.waitForFunction(() => document.querySelector('[data-testid="composer-input"]')?.value === "Your refund is on its way");
  await page.waitForTimeout(300);
  assert((await bubbles(page, "Your refund is on its way").count()) === 0, "picking a suggestion sends nothing");

  // 2. Templates: "Draft with AI" is disabled, with why.
  await page.getByTestId("nav-templates").click();
  await page.getByTestId("tpl-new").click();
  await page.getByTestId("template-form").waitFor();
  const draft = page.getByTestId("tpl-ai-open");
  await draft.waitFor();
  await page.getByTestId("tpl-ai-unavailable").waitFor();
  assert(await draft.isDisabled(), "Draft with AI is disabled");
  const why = (await page.getByTestId("tpl-ai-unavailable").textContent()) ?? "";
  assert(why.includes("AI_BASE_URL") && why.includes("AI_MODEL"), `it says what to set (${why})`);
  const status = await apiCall("GET", "/ai/status", undefined, token);
  assert(status.configured === false, `the server has no model (${JSON.stringify(status)})`);
  await screenshot(page, "template-ai-disabled");
  return `chip "Your refund is on its way" filled the composer; Draft with AI disabled: ${why}`;
}
