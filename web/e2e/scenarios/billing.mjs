// Settings → Billing, end to end, through the Razorpay simulator. A fresh
// tenant's admin opens Settings → Billing (no subscription, no invoices),
// saves the GST details (a GSTIN from another state is refused with the
// server's message; Maharashtra 27 with 27AAPFU0939F1ZV is saved), sees
// Professional at ₹2,999 + ₹539.82 GST = ₹3,538.82 a month (Enterprise:
// contact sales) and subscribes: Razorpay's checkout page opens in a new tab,
// where "Pay" authorises the mandate and charges the first cycle. Back on
// Billing, without a reload: Active, 1 cycle paid, Professional is the current
// plan, and one invoice WF…-000001 with IGST (the platform is in Karnataka),
// total ₹3,538.82 — its PDF downloads (%PDF) and its HTML opens in a tab.
// Then charges fail through the simulator's control API: the first puts the
// account in grace (the amber banner, live, on every page, with the way to
// Billing); the fourth halts the subscription and restricts the account (the
// red banner; an agent sees it too, without the Billing tab; a reply from the
// composer is refused with words that point at Billing, while the customer's
// message still arrives). A successful charge clears the banner.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import {
  apiCall,
  apiLogin,
  assert,
  baseUrl,
  launch,
  login,
  openConversation,
  razorpayCharge,
  razorpaySim,
  screenshot,
  tenantWithChannel,
  uniqueEmail,
  waitForBubble,
} from "../lib.mjs";

/** How long Razorpay's webhooks may take to show on the open page (the page polls every 2 s; frames are live). */
const SETTLE_MS = 20_000;

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** Polls GET /billing/subscription until `check` holds; returns it. */
async function subscriptionUntil(token, check, what) {
  const deadline = Date.now() + SETTLE_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await apiCall("GET", "/billing/subscription", undefined, token);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`GET /billing/subscription never showed ${what}: ${JSON.stringify(last)}`);
}

export default async function ({ page, context }) {
  const sim = razorpaySim();
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;

  // The server has billing, with a gateway (a stale binary answers 404; one without RAZORPAY_* says so).
  const first = await fetch(`${baseUrl()}/api/v1/billing/subscription`, { headers: { authorization: `Bearer ${token}` } });
  assert(first.status === 200, `GET /billing/subscription → 200 (${first.status} ${await first.clone().text()})`);
  const none = await first.json();
  assert(none.status === "none" && none.razorpay_subscription_id === null, `no subscription yet (${JSON.stringify(none)})`);
  assert(none.billing_configured === true, "the server has RAZORPAY_KEY_ID (scripts/test passes the simulator's)");

  // A customer writes now; the reply later (restricted) is refused.
  const customer = tenant.customer(`Billing ${randomBytes(2).toString("hex")}`);
  await customer.say("Hi, do you ship to Nagpur?");

  // 1. The admin opens Settings → Billing.
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-billing").click();
  await page.locator('[data-testid="billing-page"][data-state="ready"]').waitFor();
  assert(new URL(page.url()).pathname === "/settings/billing", `the Billing tab opens /settings/billing (${page.url()})`);
  await page.locator('[data-testid="billing-subscription"][data-status="none"]').waitFor();
  await page.getByTestId("billing-none").waitFor();
  assert((await page.getByTestId("billing-not-configured").count()) === 0, "payments are set up");
  assert((await page.getByTestId("billing-invoices").getAttribute("data-count")) === "0", "no invoices yet");

  // 2. Billing details: a GSTIN of another state is refused with the server's words; Maharashtra is saved.
  const details = page.locator('[data-testid="billing-details"][data-state="ready"]');
  await details.waitFor();
  assert((await page.getByTestId("billing-email").inputValue()) === tenant.email, "the invoice email starts as the admin's");
  await page.getByTestId("billing-legal-name").fill("Acme Traders LLP");
  await page.getByTestId("billing-gstin").fill("27aapfu0939f1zv");
  assert((await page.getByTestId("billing-gstin").inputValue()) === "27AAPFU0939F1ZV", "the GSTIN is upper-cased as typed");
  await page.getByTestId("billing-state").selectOption("29");
  await page.getByTestId("billing-address").fill("12 Linking Road, Bandra West, Mumbai 400050");
  await page.getByTestId("billing-details-save").click();
  const detailsError = page.getByTestId("billing-details-error");
  // Under the GSTIN, in the reader's words: it must start with the state's code; the field is marked and focused.
  const gstinError = page.getByTestId("billing-gstin").locator("xpath=..").getByTestId("field-error");
  await gstinError.filter({ hasText: /starts with your state's code/ }).waitFor();
  assert((await page.getByTestId("billing-gstin").getAttribute("aria-invalid")) === "true", "the GSTIN field is marked");
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "billing-gstin");
  assert((await detailsError.count()) === 0, "nothing above the button: the refusal is about the GSTIN");
  await page.getByTestId("billing-state").selectOption("27");
  await page.getByTestId("billing-details-save").click();
  await page.getByTestId("billing-details-saved").waitFor();
  assert((await detailsError.count()) === 0, "no error once saved");
  const saved = await apiCall("GET", "/billing/details", undefined, token);
  assert(
    saved.legal_name === "Acme Traders LLP" && saved.gstin === "27AAPFU0939F1ZV" && saved.state_code === "27" && saved.email === tenant.email,
    `the server has the details (${JSON.stringify(saved)})`,
  );

  // 3. The plans: Professional ₹2,999 + ₹539.82 GST = ₹3,538.82 a month; Enterprise is for sales.
  const pro = page.locator('[data-testid="billing-plan"][data-plan="professional"]');
  await pro.waitFor();
  assert((await pro.getAttribute("data-action")) === "subscribe", "Professional can be bought");
  assert((await text(pro.getByTestId("billing-plan-price"))) === "₹2,999 / month", `the price (${await text(pro.getByTestId("billing-plan-price"))})`);
  assert((await text(pro.getByTestId("billing-plan-gst"))) === "+ ₹539.82 GST (18%)", `the GST (${await text(pro.getByTestId("billing-plan-gst"))})`);
  assert(
    (await text(pro.getByTestId("billing-plan-total"))) === "₹3,538.82 charged every month",
    `the total charged (${await text(pro.getByTestId("billing-plan-total"))})`,
  );
  const enterprise = page.locator('[data-testid="billing-plan"][data-plan="enterprise"]');
  assert((await enterprise.getAttribute("data-action")) === "contact", "Enterprise is custom-priced");
  assert((await enterprise.getByTestId("billing-subscribe").isDisabled()) && (await text(enterprise.getByTestId("billing-subscribe"))) === "Contact sales", "Contact sales, disabled");
  await page.getByTestId("billing-cycle-annual").click();
  await page.locator('[data-testid="billing-plans"][data-cycle="annual"]').waitFor();
  assert(
    (await text(pro.getByTestId("billing-plan-total"))) === "₹35,388.20 charged every year",
    `the annual total (${await text(pro.getByTestId("billing-plan-total"))})`,
  );
  await page.getByTestId("billing-cycle-monthly").click();
  await page.locator('[data-testid="billing-plans"][data-cycle="monthly"]').waitFor();
  await screenshot(page, "billing-plans");

  // 4. Subscribe: Razorpay's checkout opens in a new tab (and as a link on the page).
  const opened = context.waitForEvent("page");
  await pro.getByTestId("billing-subscribe").click();
  const checkout = await opened;
  await checkout.waitForLoadState("domcontentloaded");
  assert(checkout.url().startsWith(`${sim}/checkout/sub_`), `the simulator's checkout page opened (${checkout.url()})`);
  await page.locator('[data-testid="billing-subscription"][data-status="created"][data-plan="professional"]').waitFor();
  assert((await page.getByTestId("billing-checkout-link").getAttribute("href")) === checkout.url(), "the same page as a link");
  assert((await page.getByTestId("billing-authorise-link").getAttribute("href")) === checkout.url(), "Authorise payment links to it too");
  assert((await page.getByTestId("billing-page").getAttribute("data-polling")) === "true", "the page waits for Razorpay");
  assert((await text(page.getByTestId("billing-status"))) === "Awaiting payment", `awaiting payment (${await text(page.getByTestId("billing-status"))})`);
  const created = await apiCall("GET", "/billing/subscription", undefined, token);
  assert(created.amount_minor === 353_882 && created.cycle === "monthly", `₹3,538.82 a month, GST included (${JSON.stringify(created)})`);
  const subId = created.razorpay_subscription_id;

  // 5. Pay at the checkout page.
  assert((await text(checkout.getByTestId("sim-amount"))).includes("3,538.82"), `the checkout asks for ₹3,538.82 (${await text(checkout.getByTestId("sim-amount"))})`);
  await checkout.getByTestId("sim-pay").click();
  await checkout.getByTestId("sim-result").filter({ hasText: "Payment successful" }).waitFor();
  await checkout.close();

  // 6. Back on Billing (no reload): active, one cycle, Professional is the plan, one invoice.
  await page.bringToFront();
  await page.locator('[data-testid="billing-subscription"][data-status="active"][data-paid-count="1"]').waitFor({ timeout: SETTLE_MS });
  assert((await text(page.getByTestId("billing-status"))) === "Active", "Active");
  assert((await text(page.getByTestId("billing-paid-count"))) === "1", "1 cycle paid");
  assert((await text(page.getByTestId("billing-amount"))).startsWith("₹3,538.82"), `each charge ₹3,538.82 (${await text(page.getByTestId("billing-amount"))})`);
  await page.getByTestId("billing-period-end").waitFor();
  await page.getByTestId("billing-next-charge").waitFor();
  await page.locator('[data-testid="billing-plan"][data-plan="professional"][data-action="current"]').waitFor({ timeout: SETTLE_MS });
  assert((await page.locator('[data-testid="billing-plan"][data-plan="starter"]').getAttribute("data-action")) === "locked", "other plans wait for a cancel");
  const row = page.getByTestId("billing-invoice-row");
  await row.first().waitFor({ timeout: SETTLE_MS });
  assert((await row.count()) === 1, `one invoice (${await row.count()})`);
  const number = (await row.getAttribute("data-number")) ?? "";
  assert(/^WF\d{4}-000001$/.test(number), `the first invoice number of the year (${number})`);
  assert((await text(row.getByTestId("billing-invoice-number"))) === number, "the number is shown");
  assert((await row.getAttribute("data-kind")) === "invoice", "an invoice");
  assert((await row.getByTestId("billing-invoice-tax").getAttribute("data-tax-kind")) === "igst", "IGST: Maharashtra buys from Karnataka");
  assert((await text(row.getByTestId("billing-invoice-tax"))) === "IGST ₹539.82", `IGST ₹539.82 (${await text(row.getByTestId("billing-invoice-tax"))})`);
  assert((await text(row.getByTestId("billing-invoice-taxable"))) === "₹2,999.00", `taxable ₹2,999.00 (${await text(row.getByTestId("billing-invoice-taxable"))})`);
  assert((await text(row.getByTestId("billing-invoice-total"))) === "₹3,538.82", `total ₹3,538.82 (${await text(row.getByTestId("billing-invoice-total"))})`);
  const plan = await apiCall("GET", "/account/plan", undefined, token);
  assert(plan.plan.code === "professional" && plan.status === "active", `the account is on Professional, active (${plan.plan.code}, ${plan.status})`);
  assert((await page.getByTestId("account-status-banner").count()) === 0, "no banner while paid");
  await screenshot(page, "billing-active");
  await page.getByTestId("billing-invoices").scrollIntoViewIfNeeded();
  await screenshot(page, "billing-invoices");

  // 7. The PDF downloads (with the bearer token, through a blob); the HTML opens in a tab.
  const downloading = page.waitForEvent("download");
  await row.getByTestId("billing-invoice-pdf").click();
  const download = await downloading;
  assert(download.suggestedFilename() === `${number}.pdf`, `saved as ${number}.pdf (${download.suggestedFilename()})`);
  const pdf = readFileSync(await download.path());
  assert(pdf.subarray(0, 5).toString("latin1") === "%PDF-", `a PDF (${JSON.stringify(pdf.subarray(0, 8).toString("latin1"))})`);
  assert(pdf.includes(Buffer.from(number)) && pdf.includes(Buffer.from("3,538.82")), "the PDF carries the number and the total");
  const viewing = context.waitForEvent("page");
  await row.getByTestId("billing-invoice-view").click();
  const invoicePage = await viewing;
  await invoicePage.waitForLoadState("domcontentloaded");
  assert(invoicePage.url().startsWith("blob:"), `the invoice opens from a blob (${invoicePage.url()})`);
  await invoicePage.locator("h1").filter({ hasText: `Tax invoice ${number}` }).waitFor();
  const html = await text(invoicePage.locator("body"));
  assert(/27-Maharashtra/.test(html) && /IGST 18%/.test(html) && /Acme Traders LLP/.test(html) && /27AAPFU0939F1ZV/.test(html), `the invoice's page (${html.slice(0, 300)})`);
  await invoicePage.close();
  await page.bringToFront();

  // 8. A charge fails: grace — the amber banner arrives on the open page, with the way to Billing.
  await razorpayCharge(subId, { fail: true });
  const grace = page.locator('[data-testid="account-status-banner"][data-status="grace"]');
  await grace.waitFor({ timeout: SETTLE_MS });
  const graceText = await text(grace.getByTestId("account-status-text"));
  assert(graceText === "Your last payment failed; we'll retry. Update your payment method in Billing.", `the grace banner (${graceText})`);
  assert(/amber/.test((await grace.getAttribute("class")) ?? ""), "amber");
  assert((await grace.getByTestId("billing-link").getAttribute("href")) === "/settings/billing", "admins get the link to Billing");
  await page.locator('[data-testid="billing-subscription"][data-status="pending"]').waitFor({ timeout: SETTLE_MS });
  await page.getByTestId("billing-owing").waitFor();
  // On every page.
  await page.getByTestId("nav-inbox").click();
  await page.getByTestId("conversation-list").waitFor();
  await grace.waitFor();
  await screenshot(page, "billing-grace");

  // 9. Three more failures: Razorpay halts the subscription and the account is restricted (the banner turns red, live).
  for (let i = 0; i < 3; i++) await razorpayCharge(subId, { fail: true });
  const restricted = page.locator('[data-testid="account-status-banner"][data-status="restricted"]');
  await restricted.waitFor({ timeout: SETTLE_MS });
  const restrictedText = await text(restricted.getByTestId("account-status-text"));
  assert(
    restrictedText === "Payment overdue: sending messages, campaigns and flows are paused until you pay. Your inbox and incoming messages still work.",
    `the restricted banner (${restrictedText})`,
  );
  assert(/red/.test((await restricted.getAttribute("class")) ?? ""), "red");
  assert((await page.getByTestId("account-status-banner").count()) === 1, "one banner: grace gave way to restricted");
  const halted = await subscriptionUntil(token, (s) => s.status === "halted" && s.account_status === "restricted", "halted and restricted");
  assert(halted.paid_count === 1, `still 1 cycle paid (${halted.paid_count})`);

  // The inbox still works: the customer's new message arrives; a reply is refused with words pointing at Billing.
  await customer.say("Hello? Anyone there?");
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, "Anyone there?");
  await page.getByTestId("composer-input").fill("Yes, we ship to Nagpur.");
  await page.getByTestId("composer-input").press("Enter");
  const refused = page.getByTestId("message-error").filter({ hasText: "Billing" });
  await refused.first().waitFor();
  const refusedText = await text(refused.first());
  assert(/^Payment overdue/.test(refusedText) && /Settings → Billing/.test(refusedText), `the composer says why and where to pay (${refusedText})`);
  await screenshot(page, "billing-restricted");

  // 10. An agent sees the red banner too, without the way to Billing (the tab is not theirs).
  const agentEmail = uniqueEmail("billing-agent");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  await apiCall("POST", "/users", { name: "Billing Agent", email: agentEmail, password: agentPassword, role: "agent" }, token);
  const agentAuth = await apiLogin(agentEmail, agentPassword);
  const agentCall = await fetch(`${baseUrl()}/api/v1/billing/subscription`, { headers: { authorization: `Bearer ${agentAuth.access_token}` } });
  assert(agentCall.status === 403, `the API refuses an agent (${agentCall.status})`);
  const agent = await launch();
  try {
    await login(agent.page, agentEmail, agentPassword);
    const agentBanner = agent.page.locator('[data-testid="account-status-banner"][data-status="restricted"]');
    await agentBanner.waitFor();
    assert(/until an account admin pays/.test(await text(agentBanner)), `the agent's words (${await text(agentBanner)})`);
    assert((await agentBanner.getByTestId("billing-link").count()) === 0, "no Billing link for an agent");
    await agent.page.goto(`${baseUrl()}/settings/plan`);
    await agent.page.getByTestId("plan-page").waitFor();
    await agent.page.getByTestId("settings-tab-plan").waitFor();
    assert((await agent.page.getByTestId("settings-tab-billing").count()) === 0, "no Billing tab for an agent");
    await agent.page.goto(`${baseUrl()}/settings/billing`);
    await agent.page.getByTestId("forbidden").waitFor();
    if (agent.consoleErrors.length) throw new Error(`agent page errors: ${agent.consoleErrors.join(" | ")}`);
  } finally {
    await agent.close();
  }

  // 11. A successful charge: active again; the banner goes by itself; a second invoice.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-billing").click();
  await page.locator('[data-testid="billing-subscription"][data-status="halted"]').waitFor();
  await razorpayCharge(subId, { fail: false });
  await page.getByTestId("account-status-banner").waitFor({ state: "detached", timeout: SETTLE_MS });
  await page.locator('[data-testid="billing-subscription"][data-status="active"][data-paid-count="2"]').waitFor({ timeout: SETTLE_MS });
  await page.locator('[data-testid="billing-invoices"][data-count="2"]').waitFor({ timeout: SETTLE_MS });
  const second = (await row.first().getAttribute("data-number")) ?? "";
  assert(second === number.replace(/000001$/, "000002"), `newest first: ${second} after ${number}`);
  const back = await apiCall("GET", "/account/plan", undefined, token);
  assert(back.status === "active", `the account is active again (${back.status})`);
  await screenshot(page, "billing-paid-again");

  return `${number} ₹3,538.82 IGST; 1 failure → grace, 4 → restricted (composer refused, agent banner), paid → active, ${second}`;
}
