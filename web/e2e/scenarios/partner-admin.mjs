// Applying to be a partner and the operator's approval. From the platform's
// login page, "Become a partner" opens /partner/apply; the short name follows
// the business name; applying signs the applicant in and lands them in the
// partner area, which says it awaits approval with its pages closed (the
// server refuses them too). The operator opens Console → Partners, finds the
// application (waiting ones first), approves it and changes its share; the
// partner's page notices the approval by itself and its pages open (Clients
// lists nothing yet, Statements this month's empty statement with the new
// terms). The operator's ledger dialog shows the same statement.
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, screenshot, uniqueEmail } from "../lib.mjs";
import { OPERATOR_EMAIL, OPERATOR_PASSWORD, loginAt } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

export default async function ({ page }) {
  const tag = randomBytes(3).toString("hex");
  const businessName = `Bharat Bots ${tag}`;
  const slug = `bharat-bots-${tag}`;
  const email = uniqueEmail("applicant");
  const password = `pw-${randomBytes(6).toString("hex")}`;

  // 1. The application, from the login page's link.
  await page.goto(`${baseUrl()}/login`);
  await page.getByTestId("login-become-partner").click();
  await page.getByTestId("apply-form").waitFor();
  assert(new URL(page.url()).pathname === "/partner/apply", `the application page (${page.url()})`);
  await page.getByTestId("apply-name").fill(businessName);
  assert((await page.getByTestId("apply-slug").inputValue()) === slug, `the short name follows the business name (${await page.getByTestId("apply-slug").inputValue()})`);
  await page.getByTestId("apply-admin-name").fill("Bina Bose");
  await page.getByTestId("apply-admin-email").fill(email);
  await page.getByTestId("apply-admin-password").fill(password);
  await screenshot(page, "partner-admin-apply");
  await page.getByTestId("apply-submit").click();

  // 2. Signed in, awaiting approval: the pages are closed (and the server refuses them).
  await page.locator('[data-testid="partner-area"][data-status="pending"]').waitFor();
  await page.getByTestId("partner-pending").waitFor();
  await page.getByTestId("partner-locked").waitFor();
  assert((await page.getByTestId("partner-tab-clients").getAttribute("aria-disabled")) === "true", "the tabs are closed");
  assert((await page.getByTestId("client-table").count()) === 0, "no client list while pending");
  const applicant = (await apiLogin(email, password)).access_token;
  const refused = await fetch(`${baseUrl()}/api/v1/partner/clients`, { headers: { authorization: `Bearer ${applicant}` } });
  assert(refused.status === 403 && (await refused.json()).error.code === "PARTNER_NOT_APPROVED", "the server refuses a pending partner's pages");
  await screenshot(page, "partner-admin-pending");

  // 3. The operator approves it and sets its share.
  const operator = await launch();
  try {
    const op = operator.page;
    await loginAt(op, baseUrl(), OPERATOR_EMAIL, OPERATOR_PASSWORD, "admin-customers");
    await op.getByTestId("admin-tab-partners").click();
    await op.getByTestId("admin-partners").waitFor();
    const row = op.locator(`[data-testid="partner-row"][data-slug="${slug}"]`);
    await row.waitFor();
    assert((await row.getAttribute("data-status")) === "pending", "the application waits for approval");
    const firstRow = op.getByTestId("partner-row").first();
    assert((await firstRow.getAttribute("data-status")) === "pending", "waiting partners come first");
    await screenshot(op, "partner-admin-console");
    await row.getByTestId("partner-approve").click();
    await op.locator(`[data-testid="partner-row"][data-slug="${slug}"][data-status="approved"]`).waitFor();
    assert((await text(op.getByTestId("admin-partners-notice"))).includes(businessName), "the console says it is approved");

    await row.getByTestId("partner-terms").click();
    await op.getByTestId("partner-terms-dialog").waitFor();
    await op.getByTestId("partner-form-model").selectOption("revenue_share");
    await op.getByTestId("partner-form-share").fill("150");
    await op.getByTestId("partner-terms-save").click();
    await op.getByTestId("partner-terms-dialog").getByTestId("field-error").waitFor();
    await op.getByTestId("partner-form-share").fill("55");
    await op.getByTestId("partner-terms-save").click();
    await op.getByTestId("partner-terms-dialog").waitFor({ state: "detached" });
    assert((await text(row.getByTestId("partner-row-terms"))).includes("55%"), `the row shows the new share (${await text(row.getByTestId("partner-row-terms"))})`);

    await row.getByTestId("partner-ledger").click();
    await op.locator('[data-testid="admin-ledger"][data-state="ready"]').waitFor();
    assert((await op.getByTestId("admin-ledger-entry").count()) === 0, "a new partner's statement has no entries");
    assert((await text(op.getByTestId("admin-ledger-balance-value"))) === "₹0.00", "and earned nothing yet");
    await screenshot(op, "partner-admin-ledger");
  } finally {
    await operator.close();
  }

  // 4. The partner's page notices the approval by itself (it asks every 10 s while pending).
  await page.locator('[data-testid="partner-area"][data-status="approved"]').waitFor({ timeout: 25_000 });
  assert((await page.getByTestId("partner-pending").count()) === 0, "no more awaiting-approval banner");
  await page.getByTestId("client-table").waitFor();
  await page.getByTestId("partner-tab-statements").click();
  await page.locator('[data-testid="ledger"][data-state="ready"]').waitFor();
  assert((await text(page.getByTestId("partner-terms"))).includes("55%"), `the partner sees its share (${await text(page.getByTestId("partner-terms"))})`);
  assert((await page.getByTestId("partner-tab-prices").count()) === 0, "no Prices tab for a revenue-share partner");
  const me = await apiCall("GET", "/partner", undefined, applicant);
  assert(me.status === "approved" && me.revenue_share_bps === 5500, `the server has it (${JSON.stringify(me)})`);
  await screenshot(page, "partner-admin-approved");
  return `${slug} applied, waited, was approved at 55% and its pages opened`;
}
