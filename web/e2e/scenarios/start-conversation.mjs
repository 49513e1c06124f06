// Starting conversations from the inbox. "New conversation" → a contact who
// never wrote (added through the API, no conversation yet) → the only number
// is already chosen → the conversation opens with the 24-hour window closed,
// so the template picker shows: hello_world goes out and reaches read ticks.
// Then "New conversation" for a customer who wrote a minute ago opens their
// existing conversation with the composer: free text goes out. A phone number
// typed in the search can be added as a new contact on the spot.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

async function startWith(page, search, pick) {
  await page.getByTestId("new-conversation-open").click();
  const dialog = page.getByTestId("new-conversation");
  await dialog.waitFor();
  await page.getByTestId("new-conversation-search").fill(search);
  await pick(dialog);
  await page.getByTestId("new-conversation-contact").waitFor();
  // One connected number: already chosen.
  const number = page.getByTestId("new-conversation-number");
  assert((await number.inputValue()) !== "", "the only number is chosen");
  await page.getByTestId("new-conversation-start").click();
  await dialog.waitFor({ state: "detached" });
  await page.getByTestId("conversation-view").waitFor();
  // A conversation already open stays on screen until the new one loads:
  // give it a moment to be replaced (the callers assert which one is open).
  await page
    .getByTestId("conversation-title")
    .filter({ hasText: search })
    .first()
    .waitFor({ timeout: 5000 })
    .catch(() => {});
}

/** Picks hello_world in the template picker (pulling the number's templates from Meta first if none are listed). */
async function pickHelloWorld(page, picker) {
  await picker.locator('[data-testid="template-select"], [data-testid="template-none"]').first().waitFor();
  const select = picker.getByTestId("template-select");
  if ((await select.count()) === 0) {
    await picker.getByTestId("template-sync").click();
    await select.waitFor();
  }
  const option = select.locator("option", { hasText: "hello_world" });
  await select.selectOption(await option.first().getAttribute("value"));
  await picker.getByTestId("template-preview").waitFor();
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const newName = `Newbie ${randomBytes(2).toString("hex")}`;
  const newContact = await apiCall("POST", "/contacts", { phone: `+9198${digits(8)}`, name: newName }, token);
  const regular = tenant.customer(`Regular ${randomBytes(2).toString("hex")}`);
  await regular.say("Is my order ready?");
  await login(page, tenant.email, tenant.password);

  // 1. A contact with no conversation: the window is closed, a template starts it.
  await startWith(page, newName, (dialog) => dialog.getByTestId("new-conversation-result").filter({ hasText: newName }).click());
  const view = page.getByTestId("conversation-view");
  assert(((await page.getByTestId("conversation-title").textContent()) ?? "").includes(newName), "the new conversation is open");
  const newId = await view.getAttribute("data-conversation-id");
  assert(page.url().endsWith(`/inbox/${newId}`), `the address is the conversation's: ${page.url()}`);
  await page.getByTestId("window-closed").waitFor();
  assert((await page.getByTestId("composer").count()) === 0, "no free text while the window is closed");
  const picker = page.getByTestId("template-picker");
  await pickHelloWorld(page, picker);
  await screenshot(page, "start-conversation-template");
  await picker.getByTestId("template-send").click();
  await page.locator('[data-testid="message-bubble"][data-type="template"][data-status="read"]').filter({ hasText: "hello_world" }).first().waitFor({ timeout: 20_000 });
  const convs = await apiCall("GET", `/contacts/${newContact.id}`, undefined, token);
  assert(JSON.stringify(convs).includes(newId), "the server holds the new conversation for the contact");

  // 2. A customer whose window is open: their conversation, free text.
  await startWith(page, regular.name, (dialog) => dialog.getByTestId("new-conversation-result").filter({ hasText: regular.name }).click());
  assert(((await page.getByTestId("conversation-title").textContent()) ?? "").includes(regular.name), "the customer's conversation is open");
  await waitForBubble(page, "Is my order ready?");
  await page.getByTestId("window-open").waitFor();
  const text = `Yes, it is packed ${randomBytes(2).toString("hex")}`;
  await page.getByTestId("composer-input").fill(text);
  await page.getByTestId("composer-input").press("Enter");
  await waitForBubble(page, text, { status: "read", timeout: 20_000 });
  // A template while the window is open, from the composer.
  await page.getByTestId("composer-template").click();
  const dialog = page.getByTestId("template-dialog");
  await pickHelloWorld(page, dialog.getByTestId("template-picker"));
  await dialog.getByTestId("template-send").click();
  await dialog.waitFor({ state: "detached" });
  await page.locator('[data-testid="message-bubble"][data-type="template"]').filter({ hasText: "hello_world" }).first().waitFor();
  await screenshot(page, "start-conversation-text");

  // 3. A phone number nobody has yet: added as a contact from the dialog.
  const phone = `+91 98${digits(3)} ${digits(5)}`;
  await startWith(page, phone, (dialog) => dialog.getByTestId("new-conversation-add").click());
  await page.getByTestId("window-closed").waitFor();
  const title = (await page.getByTestId("conversation-title").textContent()) ?? "";
  assert(title.replace(/\D/g, "") === phone.replace(/\D/g, ""), `the conversation is with the number typed: "${title}"`);
  return "template to a new contact (window closed), free text and a template to an open window, a contact added by phone";
}
