// Settings → Wallet, end to end, through the Razorpay simulator. The demo's
// operator makes a plan with the prepaid wallet ("prepaid_e2e", hidden again
// at the end so other scenarios' plan lists stay as they were) and moves a
// freshly registered tenant to it. The tenant's admin sees the low-balance
// banner on every page; a marketing template (spring_sale, about ₹0.86) to a
// customer whose 24-hour window closed is refused with the server's 402
// WALLET_BALANCE_LOW in words, with the link to the Wallet page. There: ₹0.00,
// the low-balance warning, no ledger rows. Topping up ₹500 opens the
// simulator's payment page in a new tab; once paid, the open page (no reload)
// shows ₹500.00 and a "Top-up" row with the payment id, and the banner is gone.
// The operator credits ₹50 from Admin → Customers (a note is required); the
// tenant sees ₹550.00 and the "Credit from support" row with the note. An
// agent sees the balance without the Top up form. The template then goes
// out, and once delivered the ledger shows its charge: −₹0.86, ₹549.14 left.
import { randomBytes } from "node:crypto";
import {
  apiCall,
  apiLogin,
  assert,
  baseUrl,
  launch,
  login,
  openConversation,
  razorpaySim,
  screenshot,
  tenantWithChannel,
  uniqueEmail,
} from "../lib.mjs";

const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";
const PLAN = "prepaid_e2e";
/** How long Razorpay's webhook (and a delivery's charge) may take to show. */
const SETTLE_MS = 20_000;

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** Polls GET /wallet until `check` holds; returns it. */
async function walletUntil(token, check, what) {
  const deadline = Date.now() + SETTLE_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await apiCall("GET", "/wallet", undefined, token);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`GET /wallet never showed ${what}: ${JSON.stringify(last)}`);
}

/** Picks spring_sale in the open conversation's template picker and fills its two variables. */
async function pickSpringSale(page) {
  const picker = page.getByTestId("template-picker");
  await picker.waitFor();
  const select = page.getByTestId("template-select");
  await select.waitFor();
  const option = select.locator("option", { hasText: "spring_sale" });
  await option.first().waitFor({ state: "attached" });
  await select.selectOption(await option.first().getAttribute("value"));
  await page.getByTestId("template-var-1").fill("Asha");
  await page.getByTestId("template-var-2").fill("20%");
  await page.getByTestId("template-preview").filter({ hasText: "spring sale is on: 20% off" }).waitFor();
}

export default async function ({ page, context }) {
  const sim = razorpaySim();
  const operator = (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const tenantId = tenant.auth.user.tenant_id;
  const term = tenant.email.split("@")[0];

  // The plan with the wallet (another run on this server made it already: show it again while the tenant moves).
  const plan = { code: PLAN, name: "Prepaid", price_monthly_minor: 49900, limits: {}, features: ["broadcasts", "wallet"] };
  try {
    await apiCall("POST", "/admin/plans", plan, operator);
  } catch (e) {
    if (!/→ 409 /.test(String(e.message))) throw e;
    await apiCall("PATCH", `/admin/plans/${PLAN}`, { active: true, features: plan.features }, operator);
  }
  let result;
  try {
    await apiCall("PATCH", `/admin/tenants/${tenantId}`, { plan: PLAN }, operator);
    await apiCall("PATCH", `/admin/plans/${PLAN}`, { active: false }, operator);
    const empty = await apiCall("GET", "/wallet", undefined, token);
    assert(empty.enabled === true && empty.balance_e4 === 0 && empty.ledger.length === 0, `a new wallet, empty (${JSON.stringify(empty)})`);

    // A customer whose 24-hour window closed: only a template reaches them. The number's templates are pulled from Meta.
    const customer = tenant.customer(`Wallet ${randomBytes(2).toString("hex")}`);
    await customer.say("Tell me when the sale starts", { at: new Date(Date.now() - 26 * 3600 * 1000) });
    await apiCall("POST", "/templates/sync", undefined, token);

    // 1. The admin signs in: the low-balance banner is on every page, with the way to the wallet.
    await login(page, tenant.email, tenant.password);
    const banner = page.getByTestId("wallet-low-banner");
    await banner.waitFor();
    assert(/only ₹0\.00 free/.test(await text(banner)), `the banner says what is free (${await text(banner)})`);
    assert((await banner.getByTestId("wallet-banner-link").getAttribute("href")) === "/settings/wallet", "the banner links the wallet");

    // 2. A marketing template is refused: the wallet cannot cover it. The picker says so and links the wallet.
    await openConversation(page, { name: customer.name });
    await pickSpringSale(page);
    await page.getByTestId("template-send").click();
    const refused = page.locator('[data-testid="template-error"][data-code="WALLET_BALANCE_LOW"]');
    await refused.waitFor();
    const refusedText = await text(refused);
    assert(
      /^Not enough in the prepaid wallet: this template costs about ₹0\.86 and only ₹0\.00 is free\. .*Settings → Wallet/.test(refusedText),
      `the picker says what it costs and what is free (${refusedText})`,
    );
    assert((await page.locator('[data-testid="message-bubble"][data-type="template"]').count()) === 0, "nothing was sent");
    await screenshot(page, "wallet-refused");
    await refused.getByTestId("wallet-link").click();

    // 3. The Wallet page: ₹0.00, the warning, no rows; the banner is not repeated here.
    const wallet = page.locator('[data-testid="wallet-page"][data-state="ready"][data-enabled="true"]');
    await wallet.waitFor();
    assert(new URL(page.url()).pathname === "/settings/wallet", `the link opens /settings/wallet (${page.url()})`);
    await page.getByTestId("settings-tab-wallet").waitFor();
    assert((await text(page.getByTestId("wallet-balance"))) === "₹0.00", `balance ₹0.00 (${await text(page.getByTestId("wallet-balance"))})`);
    assert((await text(page.getByTestId("wallet-available"))) === "₹0.00", "₹0.00 free");
    assert((await text(page.getByTestId("wallet-reserved"))) === "₹0.00", "nothing held");
    assert((await page.getByTestId("wallet-balance").getAttribute("title")) === "Exactly ₹0.0000", "the exact amount in the tooltip");
    await page.locator('[data-testid="wallet-low"][data-empty="true"]').waitFor();
    assert((await page.getByTestId("wallet-ledger").getAttribute("data-count")) === "0", "no ledger rows yet");
    assert((await page.getByTestId("wallet-low-banner").count()) === 0, "no banner on the Wallet page itself");
    await screenshot(page, "wallet-empty");

    // 4. Top up ₹500: the simulator's payment page opens in a new tab; the page waits for Razorpay.
    await page.getByTestId("wallet-custom").fill("99");
    await page.getByTestId("wallet-topup-submit").click();
    await page.getByTestId("wallet-amount-problem").filter({ hasText: "₹100" }).waitFor();
    await page.getByTestId("wallet-preset-50000").click();
    assert((await page.getByTestId("wallet-preset-50000").getAttribute("aria-pressed")) === "true", "₹500 is chosen");
    assert((await text(page.getByTestId("wallet-topup-submit"))) === "Top up ₹500", `the button names the amount (${await text(page.getByTestId("wallet-topup-submit"))})`);
    const opened = context.waitForEvent("page");
    await page.getByTestId("wallet-topup-submit").click();
    const payPage = await opened;
    await payPage.waitForLoadState("domcontentloaded");
    assert(payPage.url().startsWith(`${sim}/pay/plink_`), `the simulator's payment page opened (${payPage.url()})`);
    await page.getByTestId("wallet-topup-opened").waitFor();
    assert((await page.getByTestId("wallet-pay-link").getAttribute("href")) === payPage.url(), "the same page as a link");
    assert((await wallet.getAttribute("data-polling")) === "true", "the page waits for Razorpay");
    await page.getByTestId("wallet-checking").waitFor();

    // 5. Pay; back on the page (no reload): ₹500.00 and the top-up row.
    await payPage.getByTestId("sim-pay").click();
    await payPage.getByTestId("sim-result").filter({ hasText: "Payment successful" }).waitFor();
    await payPage.close();
    await page.bringToFront();
    await page.locator('[data-testid="wallet-page"][data-balance-e4="5000000"]').waitFor({ timeout: SETTLE_MS });
    assert((await text(page.getByTestId("wallet-balance"))) === "₹500.00", `balance ₹500.00 (${await text(page.getByTestId("wallet-balance"))})`);
    assert((await text(page.getByTestId("wallet-available"))) === "₹500.00", "₹500.00 free");
    await page.getByTestId("wallet-topup-done").filter({ hasText: "₹500.00 added" }).waitFor();
    const rows = page.getByTestId("wallet-entry");
    await page.locator('[data-testid="wallet-ledger"][data-count="1"]').waitFor();
    const topup = rows.first();
    assert((await topup.getAttribute("data-kind")) === "topup", "a topup row");
    assert((await text(topup.getByTestId("wallet-entry-kind"))) === "Top-up", "named Top-up");
    assert((await text(topup.getByTestId("wallet-entry-amount"))) === "+₹500.00", `+₹500.00 (${await text(topup.getByTestId("wallet-entry-amount"))})`);
    assert((await text(topup.getByTestId("wallet-entry-balance"))) === "₹500.00", "balance after ₹500.00");
    assert(/^pay_/.test(await text(topup.getByTestId("wallet-entry-payment"))), `the payment id (${await text(topup.getByTestId("wallet-entry-payment"))})`);
    assert((await page.getByTestId("wallet-low").count()) === 0, "no warning at ₹500");
    assert((await page.getByTestId("wallet-page").getAttribute("data-polling")) === "false", "the page stopped asking once the money arrived");
    await screenshot(page, "wallet-topped-up");
    // The banner went with the warning (the page handed its read over).
    await page.getByTestId("nav-inbox").click();
    await page.getByTestId("conversation-list").waitFor();
    assert((await page.getByTestId("wallet-low-banner").count()) === 0, "no low-balance banner at ₹500");

    // 6. The operator credits ₹50 from Admin → Customers; a note is required.
    const op = await launch();
    try {
      await login(op.page, OPERATOR_EMAIL, OPERATOR_PASSWORD, { expectSuccess: false });
      await op.page.getByTestId("admin-customers").waitFor();
      await op.page.getByTestId("admin-tenant-search").fill(term);
      await op.page.locator(`[data-testid="admin-tenants"][data-query="${term}"]`).waitFor();
      const row = op.page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"]`);
      await row.waitFor();
      assert((await row.getAttribute("data-plan")) === PLAN, `the tenant is on ${PLAN}`);
      await row.getByTestId("tenant-credit-wallet").click();
      const dialog = op.page.getByTestId("wallet-credit-dialog");
      await dialog.waitFor();
      assert((await op.page.getByTestId("wallet-credit-no-wallet").count()) === 0, "the plan has the wallet: no warning");
      await op.page.getByTestId("wallet-credit-amount").fill("50");
      await op.page.getByTestId("wallet-credit-note").fill("ok");
      await op.page.getByTestId("wallet-credit-confirm").click();
      await op.page.getByTestId("wallet-credit-problem").filter({ hasText: "3 characters" }).waitFor();
      const note = `Goodwill credit for the outage (E2E ${randomBytes(2).toString("hex")})`;
      await op.page.getByTestId("wallet-credit-note").fill(note);
      await op.page.getByTestId("wallet-credit-confirm").click();
      await dialog.waitFor({ state: "detached" });
      const notice = await text(op.page.getByTestId("admin-notice"));
      assert(/^Credited ₹50 to .*; its balance is now ₹550\.00\.$/.test(notice), `the operator's notice (${notice})`);
      await screenshot(op.page, "wallet-operator-credit");
      if (op.consoleErrors.length) throw new Error(`operator page errors: ${op.consoleErrors.join(" | ")}`);

      const credited = await apiCall("GET", "/wallet", undefined, token);
      assert(credited.balance_e4 === 5_500_000, `the server has ₹550 (${credited.balance_e4})`);
      assert(credited.ledger[0].kind === "adjustment" && credited.ledger[0].note === note, `the adjustment with its note (${JSON.stringify(credited.ledger[0])})`);

      // 7. The tenant sees ₹550.00 and the credit with the note.
      await page.getByTestId("nav-channels").click();
      await page.getByTestId("settings-tab-wallet").click();
      await page.locator('[data-testid="wallet-page"][data-state="ready"][data-balance-e4="5500000"]').waitFor();
      assert((await text(page.getByTestId("wallet-balance"))) === "₹550.00", `balance ₹550.00 (${await text(page.getByTestId("wallet-balance"))})`);
      await page.locator('[data-testid="wallet-ledger"][data-count="2"]').waitFor();
      const adjustment = rows.first();
      assert((await adjustment.getAttribute("data-kind")) === "adjustment", "the newest row is the credit");
      assert((await text(adjustment.getByTestId("wallet-entry-kind"))) === "Credit from support", "named Credit from support");
      assert((await text(adjustment.getByTestId("wallet-entry-amount"))) === "+₹50.00", `+₹50.00 (${await text(adjustment.getByTestId("wallet-entry-amount"))})`);
      assert((await text(adjustment.getByTestId("wallet-entry-balance"))) === "₹550.00", "balance after ₹550.00");
      assert((await text(adjustment.getByTestId("wallet-entry-note"))) === note, "the operator's note");
      await screenshot(page, "wallet-credited");
    } finally {
      await op.close();
    }

    // 8. An agent sees the wallet, without the Top up form.
    const agentEmail = uniqueEmail("wallet-agent");
    const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
    await apiCall("POST", "/users", { name: "Wallet Agent", email: agentEmail, password: agentPassword, role: "agent" }, token);
    const agent = await launch();
    try {
      await login(agent.page, agentEmail, agentPassword);
      assert((await agent.page.getByTestId("wallet-low-banner").count()) === 0, "no banner for an agent");
      await agent.page.goto(`${baseUrl()}/settings/wallet`);
      await agent.page.locator('[data-testid="wallet-page"][data-state="ready"][data-balance-e4="5500000"]').waitFor();
      await agent.page.getByTestId("settings-tab-wallet").waitFor();
      assert((await agent.page.getByTestId("wallet-topup").count()) === 0, "no Top up form for an agent");
      await agent.page.getByTestId("wallet-agent-hint").waitFor();
      assert((await agent.page.getByTestId("wallet-entry").count()) === 2, "the agent reads the ledger");
      if (agent.consoleErrors.length) throw new Error(`agent page errors: ${agent.consoleErrors.join(" | ")}`);
    } finally {
      await agent.close();
    }

    // 9. The template goes out now; once delivered, its charge is in the ledger.
    await page.getByTestId("nav-inbox").click();
    await openConversation(page, { name: customer.name });
    await pickSpringSale(page);
    await page.getByTestId("template-send").click();
    await page.locator('[data-testid="message-bubble"][data-type="template"]').filter({ hasText: "spring_sale" }).first().waitFor();
    assert((await page.getByTestId("template-error").count()) === 0, "the server accepted the template");
    const charged = await walletUntil(token, (w) => w.ledger.some((e) => e.kind === "debit") && w.reserved_e4 === 0, "the template's charge");
    const debit = charged.ledger.find((e) => e.kind === "debit");
    assert(debit.amount_e4 === -8631 && charged.balance_e4 === 5_491_369, `charged ₹0.8631 (${JSON.stringify(debit)}, balance ${charged.balance_e4})`);
    await page.getByTestId("nav-channels").click();
    await page.getByTestId("settings-tab-wallet").click();
    await page.locator('[data-testid="wallet-page"][data-state="ready"][data-balance-e4="5491369"]').waitFor();
    const charge = page.locator('[data-testid="wallet-entry"][data-kind="debit"]');
    assert((await text(charge.getByTestId("wallet-entry-amount"))) === "−₹0.86", `−₹0.86 (${await text(charge.getByTestId("wallet-entry-amount"))})`);
    assert((await charge.getByTestId("wallet-entry-amount").getAttribute("title")) === "Exactly −₹0.8631", "the exact charge in the tooltip");
    assert((await text(page.getByTestId("wallet-balance"))) === "₹549.14", `₹549.14 left (${await text(page.getByTestId("wallet-balance"))})`);
    await screenshot(page, "wallet-charged");
    result = "₹0 → template refused (WALLET_BALANCE_LOW, link) → top-up ₹500 (Razorpay sim) → operator +₹50 → ₹550 → template charged −₹0.86 → ₹549.14";
  } finally {
    await apiCall("PATCH", `/admin/plans/${PLAN}`, { active: false }, operator).catch(() => {});
  }
  return result;
}
