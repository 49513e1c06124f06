// Canned replies: an admin saves a shared reply /thanks with a variable on the
// Settings page (a duplicate shortcut is refused); in the inbox, on a named
// customer's conversation, typing "/tha" opens the picker, Enter picks it and
// the composer holds it filled in ("Thanks <name>, we are on it!") — nothing
// sent yet; Send sends it and it shows in the thread. Escape closes the
// picker for the word being typed. A personal reply with a document (by
// link), picked with a click, goes out as the document with its caption.
import { randomBytes } from "node:crypto";
import { assert, bubbles, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Asha ${randomBytes(2).toString("hex")}`);
  await customer.say("Where is my order?");
  await login(page, tenant.email, tenant.password);

  // 1. A shared reply with a variable.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-canned-replies").click();
  await page.getByTestId("settings-canned-replies").waitFor();
  await page.getByTestId("canned-add").click();
  await page.getByTestId("canned-shortcut").fill("/thanks");
  await page.getByTestId("canned-text").fill("Thanks {{contact.name}}, we are on it!");
  assert(await page.getByTestId("canned-scope-shared").isChecked(), "an admin's reply is shared by default");
  await page.getByTestId("canned-submit").click();
  await page.getByTestId("canned-dialog").waitFor({ state: "detached" });
  const savedRow = page.locator('[data-testid="canned-row"][data-shortcut="thanks"]');
  await savedRow.waitFor();
  assert((await savedRow.getAttribute("data-scope")) === "shared", "the reply is shared");

  // The same shortcut again is refused with the reason.
  await page.getByTestId("canned-add").click();
  await page.getByTestId("canned-shortcut").fill("thanks");
  await page.getByTestId("canned-text").fill("Another text");
  await page.getByTestId("canned-submit").click();
  // Under the shortcut, which is marked and focused.
  await page.getByTestId("canned-shortcut").locator("xpath=../..").getByTestId("field-error").filter({ hasText: /already exists\. Choose a different shortcut/ }).waitFor();
  assert((await page.getByTestId("canned-shortcut").getAttribute("aria-invalid")) === "true", "the shortcut is marked invalid");
  await page.keyboard.press("Escape");
  await page.getByTestId("canned-dialog").waitFor({ state: "detached" });

  // A personal one with a document (by link).
  await page.getByTestId("canned-add").click();
  await page.getByTestId("canned-shortcut").fill("price-list");
  await page.getByTestId("canned-text").fill("Hi {{contact.name}}, here is our price list.");
  await page.getByTestId("canned-scope-personal").check();
  await page.getByTestId("canned-attach").check();
  await page.getByTestId("canned-attachment-type").selectOption("document");
  await page.getByTestId("canned-attachment-link").fill("https://example.com/files/price-list.pdf");
  await page.getByTestId("canned-attachment-filename").fill("Price list.pdf");
  await page.getByTestId("canned-submit").click();
  await page.getByTestId("canned-dialog").waitFor({ state: "detached" });
  const priceRow = page.locator('[data-testid="canned-row"][data-shortcut="price-list"]');
  assert((await priceRow.getAttribute("data-scope")) === "personal", "the second reply is personal");
  await priceRow.getByTestId("canned-row-attachment").waitFor();
  await screenshot(page, "canned-replies-page");

  // 2. In the conversation: "/tha" opens the picker; Escape closes it.
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { name: customer.name });
  const input = page.getByTestId("composer-input");
  await input.click();
  await input.pressSequentially("/tha");
  const option = page.locator('[data-testid="canned-option"][data-shortcut="thanks"]');
  await option.waitFor();
  assert((await option.getAttribute("aria-selected")) === "true", "the first match is highlighted");
  await input.press("Escape");
  await page.getByTestId("canned-picker").waitFor({ state: "detached" });
  // It stays closed while typing on in that word; a new slash opens it again.
  await input.press("a");
  await page.waitForTimeout(200);
  assert((await page.getByTestId("canned-picker").count()) === 0, "Escape closed the picker for this word");
  await input.fill("");
  await input.pressSequentially("/tha");
  await option.waitFor();

  // 3. Enter picks it: filled in for this customer, not sent.
  await input.press("Enter");
  await page.getByTestId("canned-picker").waitFor({ state: "detached" });
  const expected = `Thanks ${customer.name}, we are on it!`;
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid="composer-input"]')?.value === text,
    expected,
  );
  await page.waitForTimeout(300);
  assert((await bubbles(page, expected).count()) === 0, "picking a reply sends nothing");

  // 4. Send: it goes out and shows in the thread.
  await page.getByTestId("composer-send").click();
  const sent = await waitForBubble(page, expected);
  assert((await sent.first().getAttribute("data-direction")) === "outbound", "the reply is an outbound bubble");
  assert((await input.inputValue()) === "", "the composer is empty after sending");

  // 5. A click picks too; its document comes along as a chip and goes out with the words as its caption.
  await input.pressSequentially("/pri");
  const priceOption = page.locator('[data-testid="canned-option"][data-shortcut="price-list"]');
  await priceOption.waitFor();
  await screenshot(page, "canned-picker");
  await priceOption.click();
  const caption = `Hi ${customer.name}, here is our price list.`;
  await page.waitForFunction((text) => document.querySelector('[data-testid="composer-input"]')?.value === text, caption);
  assert((await page.getByTestId("canned-attachment-name").textContent()) === "Price list.pdf", "the reply's document is staged");
  await page.getByTestId("composer-send").click();
  const doc = await waitForBubble(page, caption);
  assert((await doc.first().locator('[data-media-type="document"]').count()) === 1, "the reply went out as a document with its caption");
  assert(((await doc.first().getByTestId("media-filename").textContent()) ?? "").includes("Price list.pdf"), "the document keeps its file name");
  assert((await page.getByTestId("canned-attachment").count()) === 0, "the chip is gone once sent");
  await screenshot(page, "canned-replies");
  return `/thanks rendered as "${expected}" and sent; /price-list sent as a document with its caption`;
}
