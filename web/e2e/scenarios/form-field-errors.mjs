// Field-level refusals on the settings forms: what the server refuses is
// said under the field it is about, in the reader's language, the field is
// marked (aria-invalid) and takes the focus, and nothing shows above the
// buttons. A webhook address over 2048 characters (refused by the server;
// the fix re-read in Hindi), an address that is not http(s) (checked here,
// nothing sent), a canned-reply shortcut that is taken and a team name that
// is taken; a segment without a name.
import { apiCall, assert, baseUrl, login, screenshot, tenantWithChannel } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

/** Picks a language and waits until it is saved to the profile (a later page load reads it back). */
async function chooseLanguage(page, code) {
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && new URL(r.url()).pathname === "/api/v1/auth/me");
  await page.getByTestId("language-switcher").selectOption(code);
  await saved;
}

/** The message under the field with test id `testId` (`up` levels above the control holds it). */
function fieldError(scope, testId, up = 1) {
  return scope.getByTestId(testId).locator(`xpath=${Array(up).fill("..").join("/")}`).getByTestId("field-error");
}

async function focused(page, testId) {
  await page.waitForFunction((id) => document.activeElement?.getAttribute("data-testid") === id, testId);
}

async function marked(scope, testId) {
  assert((await scope.getByTestId(testId).getAttribute("aria-invalid")) === "true", `${testId} is marked invalid`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  await apiCall("POST", "/canned-replies", { shortcut: "thanks", text: "Thanks, we are on it!", scope: "shared" }, token);
  await apiCall("POST", "/teams", { name: "Sales", member_ids: [], assignment: "manual" }, token);
  await login(page, tenant.email, tenant.password);

  // --- webhooks: the address ---
  let posts = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/webhooks") posts++;
  });
  await page.goto(`${baseUrl()}/settings/webhooks`);
  await page.getByTestId("webhook-add").click();
  const form = page.getByTestId("webhook-form");
  await form.getByTestId("webhook-event-contact.created").check();

  // Not an http(s) address: said under the field before anything is sent.
  await form.getByTestId("webhook-url").fill("ftp://example.com/hooks");
  await form.getByTestId("webhook-submit").click();
  await fieldError(form, "webhook-url").filter({ hasText: "Enter a full http(s) address, such as https://example.com/hooks." }).waitFor();
  await marked(form, "webhook-url");
  await focused(page, "webhook-url");
  assert(posts === 0, "nothing was sent for an address that is not http(s)");

  // Too long: the server refuses it; the fix is under the field, nothing above the buttons.
  await form.getByTestId("webhook-url").fill(`https://example.com/${"a".repeat(2100)}`);
  assert((await fieldError(form, "webhook-url").count()) === 0, "the local message goes once the address changes");
  await form.getByTestId("webhook-submit").click();
  await fieldError(form, "webhook-url").filter({ hasText: "Enter a full http(s) address of at most 2048 characters, such as https://example.com/hooks." }).waitFor();
  assert(posts === 1, `the address reached the server (${posts})`);
  await marked(form, "webhook-url");
  await focused(page, "webhook-url");
  assert((await form.getByTestId("webhook-form-error").count()) === 0, "nothing above the buttons: the refusal is about the address");
  await screenshot(page, "form-field-errors-webhook");
  // The same fix in the reader's language.
  await chooseLanguage(page, "hi");
  await fieldError(form, "webhook-url").filter({ hasText: "अधिकतम 2048 अक्षरों का पूरा http(s) पता लिखें" }).waitFor();
  await chooseLanguage(page, "en");

  // --- canned replies: a shortcut that is taken ---
  await page.goto(`${baseUrl()}/settings/canned-replies`);
  await page.getByTestId("canned-add").click();
  const canned = page.getByTestId("canned-form");
  await canned.getByTestId("canned-shortcut").fill("/thanks");
  await canned.getByTestId("canned-text").fill("Another text");
  await canned.getByTestId("canned-submit").click();
  await fieldError(canned, "canned-shortcut", 2).filter({ hasText: "A canned reply with this shortcut already exists. Choose a different shortcut." }).waitFor();
  await marked(canned, "canned-shortcut");
  await focused(page, "canned-shortcut");
  assert((await canned.getByTestId("canned-error").count()) === 0, "nothing above the buttons: the refusal is about the shortcut");
  await screenshot(page, "form-field-errors-canned");
  await page.keyboard.press("Escape");

  // --- teams: a name that is taken ---
  await page.goto(`${baseUrl()}/settings/teams`);
  await page.getByTestId("team-add").click();
  const team = page.getByTestId("team-form");
  await team.getByTestId("team-name").fill("Sales");
  await team.getByTestId("team-submit").click();
  await fieldError(team, "team-name").filter({ hasText: "A team with this name already exists. Choose a different name." }).waitFor();
  await marked(team, "team-name");
  await focused(page, "team-name");
  assert((await team.getByTestId("team-error").count()) === 0, "nothing above the buttons: the refusal is about the name");
  await screenshot(page, "form-field-errors-team");

  // --- segments: a segment needs a name (checked here) ---
  await page.goto(`${baseUrl()}/segments/new`);
  await page.getByTestId("segment-save").click();
  await fieldError(page, "segment-name").filter({ hasText: "Give the segment a name." }).waitFor();
  await marked(page, "segment-name");
  await focused(page, "segment-name");
  assert((await page.getByTestId("segment-error").count()) === 0, "nothing above the buttons: the name is what is missing");

  return "webhook address (checked here, and refused by the server with the fix in en and hi), taken canned shortcut and team name, unnamed segment: each under its field, marked and focused";
}
