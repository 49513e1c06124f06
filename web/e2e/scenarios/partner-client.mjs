// A partner's client, end to end. The operator creates partner acme<random>
// (its brand set through the API). Its admin signs in on the partner's host,
// opens Clients and creates a client with its first admin in the dialog (a
// too-short password cannot be sent); the client shows in the list with its
// admin's email, and the page says where its admin signs in. That admin
// signs in on the partner's host (another browser) and lands in the inbox
// under the partner's brand (name in the top bar and the tab title). Back in
// the partner area, "Open" on the client asks why and views the client as
// its admin: the banner names the client and says it is a partner view; "End
// view" returns to the client list with the partner's own session.
import { randomBytes } from "node:crypto";
import { apiCall, assert, launch, screenshot, uniqueEmail } from "../lib.mjs";
import { createPartner, loginAt } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "null"));

export default async function ({ page }) {
  const acme = await createPartner();
  const productName = `Acme Desk ${randomBytes(2).toString("hex")}`;
  await apiCall("PUT", "/partner/branding", { product_name: productName, colors: { primary: "#1d4ed8", accent: "#0f766e" } }, await acme.token());

  // 1. The partner's admin creates a client in the dialog.
  await loginAt(page, acme.origin, acme.email, acme.password, null);
  await page.locator('[data-testid="partner-area"][data-state="ready"]').waitFor();
  const partnerSession = await stored(page);
  await page.getByTestId("partner-clients").waitFor();
  const clientName = `Kirana ${randomBytes(3).toString("hex")}`;
  const clientEmail = uniqueEmail("client");
  const clientPassword = `pw-${randomBytes(6).toString("hex")}`;
  await page.getByTestId("client-create").click();
  const dialog = page.getByTestId("client-dialog");
  await dialog.waitFor();
  await page.getByTestId("client-form-name").fill(clientName);
  await page.getByTestId("client-form-admin-name").fill("Kiran Kumar");
  await page.getByTestId("client-form-admin-email").fill(clientEmail);
  await page.getByTestId("client-form-admin-password").fill("short");
  assert(await page.getByTestId("client-form-submit").isDisabled(), "a 5-character password cannot be sent");
  await page.getByTestId("client-form-admin-password").fill(clientPassword);
  await screenshot(page, "partner-client-dialog");
  await page.getByTestId("client-form-submit").click();
  await dialog.waitFor({ state: "detached" });
  const row = page.getByTestId("client-row").filter({ hasText: clientName });
  await row.waitFor();
  assert((await text(row.getByTestId("client-admin-email"))) === clientEmail, "the row shows the client's admin");
  const clientId = await row.getAttribute("data-client-id");
  const notice = await text(page.getByTestId("partner-clients-notice"));
  assert(notice.includes(clientName) && notice.includes(`${acme.origin}/login`), `the notice says where its admin signs in (${notice})`);
  const listed = await apiCall("GET", "/partner/clients", undefined, await acme.token());
  assert(listed.data.some((c) => c.id === clientId && c.name === clientName), "the server lists the client under the partner");
  await screenshot(page, "partner-client-list");

  // 2. The client's admin signs in on the partner's host: the inbox, under the partner's brand.
  const client = await launch();
  try {
    await loginAt(client.page, acme.origin, clientEmail, clientPassword);
    assert(new URL(client.page.url()).pathname.startsWith("/inbox"), `the client's admin lands in the inbox (${client.page.url()})`);
    await client.page.locator('[data-testid="shell-brand-name"]', { hasText: productName }).waitFor();
    const title = await client.page.title();
    assert(title.endsWith(productName), `the tab title is the partner's product (${title})`);
    assert((await client.page.getByTestId("nav-partner").count()) === 0, "no partner area for the client's admin");
    await screenshot(client.page, "partner-client-inbox");
  } finally {
    await client.close();
  }

  // 3. "Open": the partner views the client as its admin.
  await row.getByTestId("client-open").click();
  await page.getByTestId("client-open-dialog").waitFor();
  await page.getByTestId("client-open-reason").fill("Setting up their first flow");
  await page.getByTestId("client-open-confirm").click();
  const banner = page.getByTestId("impersonation-banner");
  await banner.waitFor();
  await page.getByTestId("conversation-list").waitFor();
  assert((await banner.getAttribute("data-tenant-id")) === clientId, "the banner is for the client");
  assert((await banner.getAttribute("data-by")) === "partner", "a partner's view");
  assert((await text(page.getByTestId("impersonation-tenant"))) === clientName, "the banner names the client");
  assert(/partner view/.test(await text(page.getByTestId("impersonation-text"))), `the banner says it is a partner's view (${await text(page.getByTestId("impersonation-text"))})`);
  assert((await text(page.getByTestId("current-user"))).startsWith("Kiran Kumar"), "signed in as the client's admin");
  const viewing = await stored(page);
  assert(viewing.impersonation?.operator?.user?.id === partnerSession.user.id && viewing.refreshToken === "", "the partner's own session waits aside");
  await screenshot(page, "partner-client-open");

  // 4. End view: back to the client list as the partner.
  await page.getByTestId("impersonation-end").click();
  await page.getByTestId("partner-clients").waitFor();
  assert(new URL(page.url()).pathname === "/partner/clients", `back at the client list (${page.url()})`);
  await page.locator('[data-testid="view-ended"][data-reason="ended"]').waitFor();
  assert((await text(page.getByTestId("view-ended"))).includes(clientName), "the partner area says whose view ended");
  assert((await stored(page)).user.id === partnerSession.user.id, "the partner's own session again");
  return `${acme.slug}: client ${clientName} created in the UI, its admin signed in under "${productName}", opened and closed as a partner view`;
}
