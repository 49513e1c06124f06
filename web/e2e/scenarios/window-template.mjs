// A conversation whose customer last wrote more than 24 hours ago: free text
// is off, the notice explains why and the template picker shows. Sending the
// `hello_world` template (en_US, no parameters) goes out through the real
// server to the Graph API simulator and comes back with its ticks.
import { randomBytes } from "node:crypto";
import { assert, login, openConversation, screenshot, tenantWithChannel } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Old ${randomBytes(2).toString("hex")}`);
  // Meta's timestamp says the message was written 26 hours ago.
  await customer.say("Are you open on Sunday?", { at: new Date(Date.now() - 26 * 3600 * 1000) });
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });

  const notice = page.getByTestId("window-closed");
  await notice.waitFor();
  const noticeText = (await notice.textContent()) ?? "";
  assert(/24-hour window closed/i.test(noticeText), `the notice says the window closed: "${noticeText}"`);
  const picker = page.getByTestId("template-picker");
  await picker.waitFor();
  assert((await page.getByTestId("composer").count()) === 0, "no free-text composer while the window is closed");
  // Wait for the template list request to settle (a list, or the "none" notice).
  await page.locator('[data-testid="template-select"], [data-testid="template-none"]').first().waitFor();

  let how;
  const select = page.getByTestId("template-select");
  const helloOption = select.locator("option", { hasText: "hello_world" });
  const sync = page.getByTestId("template-sync");
  if ((await select.count()) === 0 && (await sync.count()) > 0) {
    // The number's templates were never pulled from Meta: the picker offers to.
    await sync.click();
    await page.locator('[data-testid="template-select"], [data-testid="template-error"]').first().waitFor();
    how = "synced from the Graph API simulator, then picked from GET /api/v1/templates";
  }
  if ((await select.count()) > 0 && (await helloOption.count()) > 0) {
    await select.selectOption(await helloOption.first().getAttribute("value"));
    how ??= "picked from GET /api/v1/templates";
    await page.getByTestId("template-preview").filter({ hasText: "Hello World" }).waitFor();
  } else {
    // No list on this server: the picker takes an approved template's name.
    const none = (await page.getByTestId("template-none").textContent())?.trim();
    assert(none, "the picker says why no list is shown");
    if ((await select.count()) > 0) await page.getByTestId("template-by-name").click();
    await page.getByTestId("template-name").fill("hello_world");
    await page.getByTestId("template-language").fill("en_US");
    how = "typed by name (no template list)";
  }
  await screenshot(page, "window-closed");
  await page.getByTestId("template-send").click();

  const sent = page.locator('[data-testid="message-bubble"][data-type="template"]').filter({ hasText: "hello_world" });
  await sent.first().waitFor();
  await page.getByTestId("template-error").waitFor({ state: "detached", timeout: 1_000 }).catch(() => {});
  assert((await page.getByTestId("template-error").count()) === 0, "the server accepted the template");
  await page.locator('[data-testid="message-bubble"][data-type="template"][data-status="read"]').first().waitFor({ timeout: 20_000 });
  assert((await sent.count()) === 1, "the template is shown once");
  await screenshot(page, "window-template-sent");
  return how;
}
