// GDPR tools of an account's admin, end to end. A customer writes to a
// freshly registered tenant (a signed webhook) and the team leaves a note on
// the conversation. On the Contacts page the contact's row menu downloads
// their data (JSON through a blob, with the bearer token: it holds the
// message text and the contact). In the inbox's contact panel "Erase contact
// (GDPR)" explains what goes and stays and needs ERASE typed in capitals;
// after it the panel, the conversation list and the thread show an erased
// contact with no name or number and emptied messages, the counts are shown,
// and the server agrees. Settings → Data & privacy: "Export all data"
// downloads whatsflow-export.zip (a zip: "PK"); deleting the account asks for
// its name (a wrong one shows the server's message), then shows the red
// notice with the date and a banner on every page, which stay after a reload;
// cancelled, both go. An agent sees no Data & privacy tab and the server
// refuses them the GDPR routes.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { apiCall, apiLogin, assert, baseUrl, launch, login, openConversation, screenshot, tenantWithChannel, uniqueEmail, waitForBubble } from "../lib.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const tenantName = `E2E ${tenant.email}`;
  const token = tenant.auth.access_token;
  const customer = tenant.customer(`Priya Erasable ${randomBytes(2).toString("hex")}`);
  const secret = `My address is 12 Lotus Lane ${randomBytes(3).toString("hex")}`;
  await customer.say(secret);

  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, secret);
  const conversationId = new URL(page.url()).pathname.split("/").pop();
  await apiCall("POST", `/conversations/${conversationId}/notes`, { body: `Called ${customer.name} about the delivery` }, token);
  const contact = (await apiCall("GET", `/contacts?search=${encodeURIComponent(customer.name)}`, undefined, token)).data[0];
  assert(contact?.name === customer.name, `the contact exists (${JSON.stringify(contact)})`);

  // 1. Contacts → the row's menu → "Download data (GDPR)": a JSON file with the message text.
  await page.getByTestId("nav-contacts").click();
  await page.getByTestId("contacts-search").fill(customer.name);
  const contactRow = page.locator(`[data-testid="contact-row"][data-contact-id="${contact.id}"]`);
  await contactRow.waitFor();
  await contactRow.getByTestId("contact-menu").click();
  const downloading = page.waitForEvent("download");
  await contactRow.getByTestId("contact-menu-export").click();
  const download = await downloading;
  assert(download.suggestedFilename() === `contact-${contact.id}.json`, `saved as contact-<id>.json (${download.suggestedFilename()})`);
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  const exportedText = JSON.stringify(exported);
  assert(exportedText.includes(secret), "the export holds the message text");
  assert(exportedText.includes(customer.name) && exportedText.includes(customer.waId), "and the contact's name and number");
  assert((await page.getByTestId("contact-dialog").count()) === 0, "the menu does not open the edit dialog");

  // 2. The inbox's contact panel → "Erase contact (GDPR)": the strong confirmation.
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { id: conversationId });
  await page.getByTestId("contact-toggle").click();
  const panel = page.getByTestId("contact-panel");
  await panel.getByTestId("contact-privacy").waitFor();
  await panel.getByTestId("contact-gdpr-erase").click();
  const dialog = page.getByTestId("erase-dialog");
  await dialog.waitFor();
  const explained = await text(dialog);
  assert(/cannot be undone/.test(explained) && /text and media of every message/.test(explained) && /Notes|notes/.test(explained), `what goes (${explained})`);
  assert(/invoices/.test(explained) && /Counts/.test(explained), `what stays (${explained})`);
  const confirm = page.getByTestId("erase-confirm");
  assert(await confirm.isDisabled(), "nothing typed: disabled");
  await page.getByTestId("erase-confirm-input").fill("erase");
  assert(await confirm.isDisabled(), "lower case is not enough");
  await page.getByTestId("erase-confirm-input").fill("ERASE");
  await screenshot(page, "gdpr-erase-dialog");
  await confirm.click();
  await dialog.waitFor({ state: "detached" });

  // 3. Anonymised everywhere: panel, list, thread; the counts; the server agrees.
  const notice = panel.getByTestId("contact-erased-notice");
  await notice.waitFor();
  const counts = await text(notice);
  assert(/Messages emptied: [1-9]/.test(counts) && /notes deleted: 1/.test(counts), `the counts (${counts})`);
  await panel.getByTestId("contact-erased").waitFor();
  await panel.getByTestId("contact-label").filter({ hasText: "Erased contact" }).waitFor();
  assert((await panel.getByTestId("contact-phone").count()) === 0 && (await panel.getByTestId("contact-name").count()) === 0, "no name or number in the panel");
  assert((await panel.getByTestId("contact-gdpr-erase").count()) === 0, "nothing left to erase");
  await page.getByTestId("message-erased").first().waitFor();
  assert((await page.getByTestId("message-bubble").filter({ hasText: secret }).count()) === 0, "the message text is gone from the thread");
  await page.locator(`[data-testid="conversation-row"][data-conversation-id="${conversationId}"]`).filter({ hasText: "Erased contact" }).waitFor();
  assert((await page.getByTestId("conversation-row").filter({ hasText: customer.name }).count()) === 0, "the list no longer names them");
  await screenshot(page, "gdpr-erased-panel");
  const after = await apiCall("GET", `/contacts/${contact.id}`, undefined, token);
  assert(after.name === null && after.phone === null && after.tags.length === 0, `the server anonymised the contact (${JSON.stringify(after)})`);
  const messages = await apiCall("GET", `/conversations/${conversationId}/messages`, undefined, token);
  assert(!JSON.stringify(messages).includes(secret), "the server has no message text left");
  const notes = await apiCall("GET", `/conversations/${conversationId}/notes`, undefined, token);
  assert(notes.data.length === 0, "the notes are gone");

  // The Contacts page shows the erased row without a name.
  await page.getByTestId("nav-contacts").click();
  await page.getByTestId("contacts-search").fill("");
  const erasedRow = page.locator(`[data-testid="contact-row"][data-contact-id="${contact.id}"][data-erased="true"]`);
  await erasedRow.waitFor();
  assert((await text(erasedRow.getByTestId("contact-edit"))) === "—", "no name in the row");

  // 4. Settings → Data & privacy: the whole account as a zip.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-privacy").click();
  await page.getByTestId("privacy-page").waitFor();
  const zipping = page.waitForEvent("download");
  await page.getByTestId("privacy-export-button").click();
  const zip = await zipping;
  assert(zip.suggestedFilename() === "whatsflow-export.zip", `saved as whatsflow-export.zip (${zip.suggestedFilename()})`);
  const bytes = readFileSync(await zip.path());
  assert(bytes.subarray(0, 2).toString("latin1") === "PK", `a zip (${JSON.stringify(bytes.subarray(0, 4).toString("latin1"))})`);
  assert(bytes.includes(Buffer.from("manifest.json")), "with its manifest");
  await page.getByTestId("privacy-export-done").waitFor();

  // 5. Deleting the account: a wrong name is refused with the server's message; the right one schedules it.
  const deletion = page.locator('[data-testid="privacy-delete"][data-state="none"]');
  await deletion.waitFor();
  await page.getByTestId("deletion-start").click();
  await page.getByTestId("deletion-confirm-input").fill("Not the name");
  await page.getByTestId("deletion-confirm").click();
  const wrong = page.getByTestId("privacy-delete-error");
  await wrong.waitFor();
  assert(/account's name/.test(await text(wrong)), `the server's message (${await text(wrong)})`);
  assert((await apiCall("GET", "/account/deletion", undefined, token)).scheduled_for === null, "nothing scheduled by a wrong name");
  await page.getByTestId("deletion-confirm-input").fill(tenantName);
  await page.getByTestId("deletion-confirm").click();
  const scheduled = page.getByTestId("deletion-scheduled");
  await scheduled.waitFor();
  const due = Date.parse(await scheduled.getAttribute("data-scheduled-for"));
  const days = (due - Date.now()) / 86_400_000;
  assert(days > 29.9 && days <= 30.01, `due in 30 days (${days})`);
  assert(/will be deleted on/.test(await text(scheduled)) && /30 days left/.test(await text(scheduled)), `the notice (${await text(scheduled)})`);
  await page.getByTestId("deletion-banner").waitFor();
  const server = await apiCall("GET", "/account/deletion", undefined, token);
  assert(server.scheduled_for !== null && server.grace_days === 30, `the server has it scheduled (${JSON.stringify(server)})`);
  await screenshot(page, "gdpr-deletion-scheduled");

  // The banner is on every page (after a reload too) and leads back here.
  await page.getByTestId("nav-inbox").click();
  await page.reload();
  await page.getByTestId("conversation-list").waitFor();
  const banner = page.getByTestId("deletion-banner");
  await banner.waitFor();
  assert(/scheduled for deletion/.test(await text(banner)), `the banner (${await text(banner)})`);
  await banner.getByTestId("deletion-banner-link").click();
  await scheduled.waitFor();

  // 6. Cancelled: the notice and the banner go, and the server agrees.
  await page.getByTestId("deletion-cancel").click();
  await page.getByTestId("privacy-delete-notice").waitFor();
  await page.locator('[data-testid="privacy-delete"][data-state="none"]').waitFor();
  assert((await page.getByTestId("deletion-banner").count()) === 0, "no banner once cancelled");
  assert((await apiCall("GET", "/account/deletion", undefined, token)).scheduled_for === null, "nothing scheduled on the server");

  // 7. An agent: no Data & privacy tab, the page refused; the server refuses them the GDPR routes.
  const agentEmail = uniqueEmail("agent");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  await apiCall("POST", "/users", { name: "Agent Anu", email: agentEmail, password: agentPassword, role: "agent" }, token);
  const agentToken = (await apiLogin(agentEmail, agentPassword)).access_token;
  for (const [method, path] of [
    ["GET", `/contacts/${contact.id}/export`],
    ["POST", `/contacts/${contact.id}/erase`],
    ["GET", "/account/export"],
    ["GET", "/account/deletion"],
  ]) {
    const res = await fetch(`${baseUrl()}/api/v1${path}`, { method, headers: { authorization: `Bearer ${agentToken}` } });
    assert(res.status === 403, `${method} ${path} refuses an agent (${res.status})`);
  }
  const agent = await launch();
  try {
    const ap = agent.page;
    await login(ap, agentEmail, agentPassword);
    await ap.goto(`${baseUrl()}/settings/security`);
    await ap.getByTestId("settings-tab-security").waitFor();
    assert((await ap.getByTestId("settings-tab-privacy").count()) === 0, "no Data & privacy tab for an agent");
    await ap.goto(`${baseUrl()}/settings/privacy`);
    await ap.getByTestId("forbidden").waitFor();
    assert((await ap.getByTestId("privacy-page").count()) === 0, "the page is not shown to an agent");
  } finally {
    await agent.close();
  }
  return `contact ${contact.id} exported (JSON with the text) and erased (${counts}); account zip ${bytes.length} bytes; deletion scheduled in 30 days and cancelled`;
}
