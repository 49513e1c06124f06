// Create a message template in the browser: the live preview renders it as a
// WhatsApp bubble while typing; Meta's rules are checked as the admin types
// (at the field, nothing sent while one is broken); the fixed draft is
// saved, submitted for review (PENDING), and approved by the Graph API
// simulator's signed template webhook a moment later (APPROVED, also after
// a reload). The server renders it with values.
import { randomBytes } from "node:crypto";
import { assert, login, screenshot, tenantWithChannel } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const name = `order_ready_${randomBytes(3).toString("hex")}`;
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-templates").click();
  await page.getByTestId("templates-table").waitFor();

  await page.getByTestId("tpl-new").click();
  const form = page.getByTestId("template-form");
  await form.waitFor();
  // The name is checked as typed (Meta allows lowercase, digits, underscores); the fix is one click.
  await page.getByTestId("tpl-name").fill(name.toUpperCase().replace(/_/g, " "));
  await form.getByTestId("field-error").filter({ hasText: "Use only lowercase letters" }).waitFor();
  await page.getByTestId("tpl-name-fix").click();
  assert((await page.getByTestId("tpl-name").inputValue()) === name, "the suggested name is used");
  await page.getByTestId("tpl-language").selectOption("en_US");
  await page.getByTestId("tpl-category").selectOption("UTILITY");

  // A body Meta would refuse (it starts with a variable): said while typing, and saving sends nothing.
  await page.getByTestId("tpl-body").fill("{{1}} is ready");
  await form.getByTestId("field-error").filter({ hasText: "cannot start or end with a variable" }).waitFor();
  await page.getByTestId("tpl-save").click();
  await page.getByTestId("tpl-fix-first").waitFor();
  const problemCount = await form.getByTestId("field-error").count();
  assert(problemCount >= 1, "the broken rules are marked at their fields");
  assert(!/components\[\d\]/.test((await form.textContent()) ?? ""), "no JSON paths are shown");

  // The real template, with the live preview following every keystroke.
  await page.getByTestId("tpl-header-format").selectOption("TEXT");
  await page.getByTestId("tpl-header-text").fill("Order {{1}}");
  await page.getByTestId("tpl-header-example").fill("#4821");
  await page.getByTestId("tpl-body").fill("Hi {{1}}, your order {{2}} is *ready* for pickup.");
  await page.getByTestId("tpl-body-example-1").fill("Asha");
  await page.getByTestId("tpl-body-example-2").fill("#4821");
  await page.getByTestId("tpl-footer").fill("Reply STOP to opt out");
  await page.getByTestId("tpl-add-button").click();
  await page.getByTestId("tpl-button-text-1").fill("Thanks!");
  const live = page.getByTestId("tpl-live-preview");
  await live.getByTestId("bubble-body").filter({ hasText: "Hi Asha, your order #4821 is ready for pickup." }).waitFor();
  await live.getByTestId("bubble-header").filter({ hasText: "Order #4821" }).waitFor();
  await live.getByTestId("bubble-footer").filter({ hasText: "Reply STOP" }).waitFor();
  await live.getByTestId("bubble-button").filter({ hasText: "Thanks!" }).waitFor();
  assert((await live.locator("strong").textContent()) === "ready", "*bold* renders bold");
  await screenshot(page, "templates-form");

  await page.getByTestId("tpl-save").click();
  await form.waitFor({ state: "detached" });
  const row = page.getByTestId("tpl-row").filter({ hasText: name });
  await row.getByTestId("tpl-status").filter({ hasText: "Draft" }).waitFor();

  // Submit: pending review, then approved by the simulator's webhook.
  await row.getByTestId("tpl-submit").click();
  await row.getByTestId("tpl-status").filter({ hasText: "Pending" }).waitFor();
  const pendingAt = Date.now();
  await row.getByTestId("tpl-status").filter({ hasText: "Approved" }).waitFor({ timeout: 20_000 });
  const approvedMs = Date.now() - pendingAt;
  await page.reload();
  await page.getByTestId("tpl-row").filter({ hasText: name }).getByTestId("tpl-status").filter({ hasText: "Approved" }).waitFor();
  assert((await page.getByTestId("tpl-row").filter({ hasText: name }).getByTestId("tpl-submit").count()) === 0, "an approved template cannot be submitted again");

  // The server renders it with other values.
  await page.getByTestId("tpl-row").filter({ hasText: name }).getByTestId("tpl-preview").click();
  const dialog = page.getByTestId("tpl-preview-dialog");
  await dialog.getByTestId("tpl-preview-var-1").fill("Ravi");
  await dialog.getByTestId("tpl-preview-var-2").fill("#99");
  await dialog.getByTestId("tpl-preview-render").click();
  await dialog.getByTestId("bubble-body").filter({ hasText: "Hi Ravi, your order #99 is ready for pickup." }).waitFor();
  await screenshot(page, "templates-preview");
  return `${name}: ${problemCount} broken rule(s) marked for the bad body; pending → approved in ${approvedMs} ms`;
}
