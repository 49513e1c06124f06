// Errors written for people. On the templates page Meta's rules are checked
// while the admin types, next to the field that breaks one (a name with
// capitals and spaces, with a one-click fix; a body that starts with a
// variable; a footer over 60 characters) — in English and in Hindi — and
// nothing is sent while a rule is broken. Adding a teammate whose email
// already has an account says so in words for an admin, under the email
// field. Nothing shown has backticks, JSON paths or "problem(s)".
import { apiCall, assert, baseUrl, login, screenshot, tenantWithChannel, uniqueEmail } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

/** Picks a language and waits until it is saved to the profile (a later page load reads it back). */
async function chooseLanguage(page, code) {
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && new URL(r.url()).pathname === "/api/v1/auth/me");
  await page.getByTestId("language-switcher").selectOption(code);
  await saved;
}

const DEVELOPER_WORDS = /`|components\[\d\]|\.text\b|problem\(s\)|already exists; log in instead/;

async function noDeveloperWords(page, where) {
  const text = (await page.locator("body").innerText()) ?? "";
  assert(!DEVELOPER_WORDS.test(text), `${where}: no developer notation on the page (${text.match(DEVELOPER_WORDS)?.[0]})`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  await login(page, tenant.email, tenant.password);

  // --- templates: rules as the admin types ---
  let posts = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/templates") posts++;
  });
  await page.goto(`${baseUrl()}/templates`);
  await page.getByTestId("tpl-new").click();
  const form = page.getByTestId("template-form");
  await form.waitFor();

  const nameField = form.getByTestId("tpl-name").locator("xpath=..");
  await form.getByTestId("tpl-name").fill("Diwali Offer 2026");
  await nameField.getByTestId("field-error").filter({ hasText: "Use only lowercase letters (a–z), digits and underscores (_), e.g. order_update." }).waitFor();
  assert((await form.getByTestId("tpl-name").getAttribute("aria-invalid")) === "true", "the name field is marked invalid");

  const body = form.getByTestId("tpl-body");
  await body.fill("{{1}} your offer is ready");
  const bodyField = body.locator("xpath=..");
  await bodyField.getByTestId("field-error").filter({ hasText: "The text cannot start or end with a variable." }).waitFor();
  await body.fill("Hi {{1}}, your offer {{3}} is ready");
  await bodyField.getByTestId("field-error").filter({ hasText: "{{2}} is missing" }).waitFor();
  await form.getByTestId("tpl-body-count").filter({ hasText: "/1024" }).waitFor();
  await form.getByTestId("tpl-footer").fill("x".repeat(61));
  await form.getByTestId("tpl-footer").locator("xpath=..").getByTestId("field-error").filter({ hasText: "61 characters: WhatsApp allows at most 60." }).waitFor();
  await screenshot(page, "friendly-errors-template");
  await noDeveloperWords(page, "template form");

  // Saving with broken rules sends nothing and points at the first one.
  await form.getByTestId("tpl-save").click();
  await form.getByTestId("tpl-fix-first").waitFor();
  assert(posts === 0, "nothing was sent while rules are broken");
  // The first marked field gets the focus.
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "tpl-name");

  // The same rules in Hindi.
  await chooseLanguage(page, "hi");
  await nameField.getByTestId("field-error").filter({ hasText: "सिर्फ़ छोटे अक्षर" }).waitFor();

  // One click fixes the name; the rest fixed by hand; then it saves.
  await chooseLanguage(page, "en");
  await form.getByTestId("tpl-name-fix").filter({ hasText: "diwali_offer_2026" }).click();
  assert((await form.getByTestId("tpl-name").inputValue()) === "diwali_offer_2026", "the suggested name is used");
  assert((await nameField.getByTestId("field-error").count()) === 0, "the name's message goes once it is fixed");
  await body.fill("Hi {{1}}, your offer {{2}} is ready.");
  await form.getByTestId("tpl-body-example-1").fill("Asha");
  await form.getByTestId("tpl-body-example-2").fill("20% off");
  await form.getByTestId("tpl-footer").fill("Reply STOP to opt out");
  await form.getByTestId("tpl-save").click();
  await form.waitFor({ state: "detached" });
  await page.getByTestId("tpl-row").filter({ hasText: "diwali_offer_2026" }).waitFor();
  assert(posts === 1, `one save reached the server (${posts})`);

  // --- team: an email that already has an account ---
  const taken = uniqueEmail("taken");
  await apiCall("POST", "/users", { name: "First", email: taken, password: "pw-first-123", role: "agent" }, tenant.auth.access_token);
  await page.goto(`${baseUrl()}/settings/team`);
  await page.getByTestId("member-add").click();
  const dialog = page.getByTestId("member-dialog");
  await dialog.getByTestId("member-mode-password").check();
  await dialog.getByTestId("member-name").fill("Second");
  await dialog.getByTestId("member-email").fill(taken);
  await dialog.getByTestId("member-password").fill("pw-second-123");
  await dialog.getByTestId("member-submit").click();
  const emailError = dialog.getByTestId("member-email").locator("xpath=..").getByTestId("field-error");
  await emailError.filter({ hasText: /^This email already has an account\. Use a different email for this teammate/ }).waitFor();
  assert((await dialog.getByTestId("member-email").getAttribute("aria-invalid")) === "true", "the email field is marked invalid");
  await noDeveloperWords(page, "team form");
  await screenshot(page, "friendly-errors-team");

  return "template rules shown while typing (en, hi) and nothing sent until fixed; EMAIL_TAKEN in an admin's words under the email field";
}
