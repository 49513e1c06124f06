// The referral programme, end to end. A tenant's admin opens Settings →
// Affiliate programme, is told what a UPI ID looks like when the one typed
// is not one, joins with a UPI ID and sees "awaiting approval". The demo
// operator approves them through the API; without a reload the page turns
// into the dashboard with the referral link (BASE_URL/r/<code>), which the
// Copy button puts on the clipboard. A visitor opens the link in a fresh
// browser (its own cookies), lands on the sign-up page and registers a
// business of another mail domain. Back on the affiliate's dashboard: 1
// click, 1 sign-up, 0 paying accounts, the new business among the referrals
// (active), nothing earned yet (₹0.00 of the ₹1,000.00 minimum). Changing
// the UPI ID there is saved on the server.
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, login, registerTenant, screenshot } from "../lib.mjs";
import { operatorToken } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** The operator approves someone's affiliate membership (found by email) through the API; returns its id. */
async function approveAffiliate(email) {
  const token = await operatorToken();
  const { data } = await apiCall("GET", "/admin/affiliates", undefined, token);
  const row = data.find((a) => a.email === email);
  assert(row, `the operator's list has ${email} (${data.length} rows)`);
  assert(row.status === "pending", `a new affiliate waits for approval (${row.status})`);
  const approved = await apiCall("PATCH", `/admin/affiliates/${row.id}`, { status: "approved" }, token);
  assert(approved.status === "approved", `approved (${approved.status})`);
  return row.id;
}

/** A figure's number ("1" → 1). */
const figure = async (page, testId) => Number((await text(page.getByTestId(`${testId}-value`))).replace(/[^\d]/g, ""));

export default async function ({ page, context }) {
  const affiliate = await registerTenant();
  await login(page, affiliate.email, affiliate.password);

  // 1. Reachable from the settings: the Affiliate programme tab opens /affiliate.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-affiliate").click();
  await page.locator('[data-testid="affiliate-page"][data-phase="join"]').waitFor();
  assert(new URL(page.url()).pathname === "/affiliate", `the tab opens /affiliate (${page.url()})`);
  assert((await text(page.getByTestId("affiliate-join"))).includes("₹1,000.00"), "the join form names the payout minimum");

  // 2. A UPI ID that is not one is refused in the page; a good one joins.
  await page.getByTestId("affiliate-join-vpa").fill("asha");
  await page.getByTestId("affiliate-join-submit").click();
  const vpaError = page.getByTestId("affiliate-join").getByTestId("field-error");
  await vpaError.waitFor();
  assert((await text(vpaError)).includes("name@bank"), `the fix names the form (${await text(vpaError)})`);
  await page.getByTestId("affiliate-join-vpa").fill(" Asha@OkBank ");
  await page.getByTestId("affiliate-join-phone").fill("+91 98123 45678");
  await page.getByTestId("affiliate-join-submit").click();
  await page.getByTestId("affiliate-pending").waitFor();
  assert((await page.getByTestId("affiliate-link").count()) === 0, "no link before approval");
  const me = await apiCall("GET", "/affiliate", undefined, (await apiLogin(affiliate.email, affiliate.password)).access_token);
  assert(me.payout_vpa === "asha@okbank" && me.phone === "+919812345678", `the server has the details as typed, cleaned (${me.payout_vpa}, ${me.phone})`);
  await screenshot(page, "affiliate-pending");

  // 3. The operator approves; the waiting page notices by itself and shows the link.
  await approveAffiliate(affiliate.email);
  const linkInput = page.getByTestId("affiliate-link");
  await linkInput.waitFor({ timeout: 25_000 });
  const link = await linkInput.inputValue();
  assert(link === `${baseUrl()}/r/${me.code}`, `the link is BASE_URL/r/<code> (${link})`);
  assert((await text(page.getByTestId("affiliate-rate"))).includes("20%"), "a standard affiliate earns 20%");
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl() });
  await page.getByTestId("affiliate-link-copy").click();
  await page.getByTestId("affiliate-link-copy").filter({ hasText: "Copied" }).waitFor();
  assert((await page.evaluate(() => navigator.clipboard.readText())) === link, "Copy puts the link on the clipboard");
  assert((await figure(page, "affiliate-clicks")) === 0 && (await figure(page, "affiliate-signups")) === 0, "no clicks or sign-ups yet");

  // 4. A visitor, in a browser of their own, opens the link and signs up.
  const visitor = await launch();
  const business = `Referred Traders ${randomBytes(3).toString("hex")}`;
  try {
    const vp = visitor.page;
    await vp.goto(link);
    await vp.getByTestId("register-form").waitFor();
    assert(new URL(vp.url()).pathname === "/register", `the link leads to the sign-up page (${vp.url()})`);
    // Another company's mail domain: the affiliate's own domain would be a self-referral.
    await vp.getByTestId("register-tenant").fill(business);
    await vp.getByTestId("register-name").fill("Ravi Referred");
    await vp.getByTestId("register-email").fill(`ravi-${randomBytes(4).toString("hex")}@referred-traders.test`);
    await vp.getByTestId("register-password").fill(`pw-${randomBytes(8).toString("hex")}`);
    await vp.getByTestId("register-form").locator('button[type="submit"]').click();
    await vp.getByTestId("conversation-list").waitFor();
    if (visitor.consoleErrors.length) throw new Error(`visitor's page errors: ${visitor.consoleErrors.join(" | ")}`);
  } finally {
    await visitor.close();
  }

  // 5. The affiliate's dashboard: 1 click, 1 sign-up, the business among the referrals.
  await page.reload();
  await page.locator('[data-testid="affiliate-page"][data-phase="approved"]').waitFor();
  assert((await figure(page, "affiliate-clicks")) === 1, `1 click (${await text(page.getByTestId("affiliate-clicks-value"))})`);
  assert((await figure(page, "affiliate-signups")) === 1, `1 sign-up (${await text(page.getByTestId("affiliate-signups-value"))})`);
  assert((await figure(page, "affiliate-conversions")) === 0, "nobody paid yet");
  const referral = page.getByTestId("affiliate-referral-row");
  await referral.first().waitFor();
  assert((await referral.count()) === 1, `one referral (${await referral.count()})`);
  assert((await text(referral)).includes(business) && (await referral.getAttribute("data-status")) === "active", `the referral is the business, active (${await text(referral)})`);
  assert((await text(page.getByTestId("affiliate-balance-value"))) === "₹0.00 of ₹1,000.00", `the balance against the minimum (${await text(page.getByTestId("affiliate-balance-value"))})`);
  assert((await text(page.getByTestId("affiliate-earnings-payable-value"))) === "₹0.00", "nothing payable yet");
  await page.getByTestId("affiliate-commissions").getByText("No commissions yet").waitFor();
  await page.getByTestId("affiliate-payouts").getByText("No payouts yet").waitFor();
  await screenshot(page, "affiliate-dashboard");

  // 6. The UPI ID changes on the dashboard, and the server has the new one.
  await page.getByTestId("affiliate-vpa-input").fill("asha.new@okbank");
  await page.getByTestId("affiliate-vpa-save").click();
  await page.getByTestId("affiliate-vpa-saved").waitFor();
  const after = await apiCall("GET", "/affiliate", undefined, (await apiLogin(affiliate.email, affiliate.password)).access_token);
  assert(after.payout_vpa === "asha.new@okbank", `the new UPI ID is saved (${after.payout_vpa})`);
  assert(after.stats.clicks === 1 && after.stats.signups === 1, `the server counts 1 click and 1 sign-up (${JSON.stringify(after.stats)})`);
  return `joined, approved, link ${link.replace(baseUrl(), "")}; visitor signed up "${business}" → 1 click, 1 sign-up; UPI ID changed`;
}
