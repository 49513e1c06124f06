// Where payouts are set up and run. A partner's admin, on Statements, is
// told no UPI ID is set, is told what one looks like when the one typed is
// not, and saves one (the server has it). A person joins the affiliate
// programme (API); the operator, in Console → Affiliates, finds them first
// (pending first), approves them, moves them to the premium tier (25%, the
// server agrees) and suspends them. Console → Payouts lists the payouts and
// "Run payouts now" answers: the payouts sent, or, on an installation
// without RazorpayX, why it cannot pay.
import { apiCall, assert, launch, login, registerTenant, screenshot } from "../lib.mjs";
import { createPartner, loginAt, OPERATOR_EMAIL, OPERATOR_PASSWORD } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

export default async function ({ page }) {
  // 1. The partner's UPI ID, on its Statements page.
  const acme = await createPartner();
  await loginAt(page, acme.origin, acme.email, acme.password, null);
  await page.locator('[data-testid="partner-area"][data-state="ready"]').waitFor();
  await page.getByTestId("partner-tab-statements").click();
  const payouts = page.getByTestId("partner-payouts");
  await payouts.waitFor();
  await page.getByTestId("partner-vpa-missing").waitFor();
  await page.getByTestId("partner-vpa-input").fill("acme");
  await page.getByTestId("partner-vpa-save").click();
  await payouts.getByTestId("field-error").waitFor();
  await page.getByTestId("partner-vpa-input").fill("Acme.Payouts@OkBank");
  await page.getByTestId("partner-vpa-save").click();
  await page.getByTestId("partner-vpa-saved").waitFor();
  const partner = await apiCall("GET", "/partner", undefined, await acme.token());
  assert(partner.payout_vpa === "acme.payouts@okbank", `the server has the partner's UPI ID (${partner.payout_vpa})`);
  await payouts.getByText("No payouts yet").waitFor();
  await screenshot(page, "payouts-console-partner");

  // 2. Someone joins the affiliate programme.
  const person = await registerTenant();
  const joined = await apiCall("POST", "/affiliate", { payout_vpa: "ravi@okbank" }, person.auth.access_token);
  assert(joined.status === "pending", `a new affiliate is pending (${joined.status})`);

  // 3. The operator approves them, makes them premium, then suspends them.
  const op = await launch();
  try {
    const opPage = op.page;
    await login(opPage, OPERATOR_EMAIL, OPERATOR_PASSWORD, { expectSuccess: false });
    await opPage.getByTestId("admin-customers").waitFor();
    await opPage.getByTestId("admin-tab-affiliates").click();
    const row = opPage.locator(`[data-testid="affiliate-row"][data-affiliate-id="${joined.id}"]`);
    await row.waitFor();
    const statuses = await opPage.getByTestId("affiliate-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
    const firstDecided = statuses.findIndex((s) => s !== "pending");
    assert(firstDecided !== 0 && (firstDecided === -1 || !statuses.slice(firstDecided).includes("pending")), `pending affiliates come first (${statuses.join(",")})`);
    assert((await text(row)).includes(person.email) && (await text(row.getByTestId("affiliate-row-vpa"))).includes("ravi@okbank"), `the row names the person and their UPI ID (${await text(row)})`);

    await row.getByTestId("affiliate-approve").click();
    await opPage.locator(`[data-testid="affiliate-row"][data-affiliate-id="${joined.id}"][data-status="approved"]`).waitFor();
    await opPage.getByTestId("admin-affiliates-notice").waitFor();

    await row.getByTestId("affiliate-tier").selectOption("premium");
    await opPage.locator(`[data-testid="affiliate-row"][data-affiliate-id="${joined.id}"][data-tier="premium"]`).waitFor();
    assert((await text(opPage.getByTestId("admin-affiliates-notice"))).includes("25%"), `the notice names the new rate (${await text(opPage.getByTestId("admin-affiliates-notice"))})`);
    const premium = await apiCall("GET", "/affiliate", undefined, person.auth.access_token);
    assert(premium.status === "approved" && premium.tier === "premium" && premium.rate_bps === 2500, `the server has them approved at 25% (${premium.status}, ${premium.tier}, ${premium.rate_bps})`);
    await screenshot(opPage, "payouts-console-affiliates");

    await row.getByTestId("affiliate-suspend").click();
    await row.getByTestId("affiliate-suspend-confirm").click();
    await opPage.locator(`[data-testid="affiliate-row"][data-affiliate-id="${joined.id}"][data-status="suspended"]`).waitFor();
    assert((await apiCall("GET", "/affiliate", undefined, person.auth.access_token)).status === "suspended", "the server has them suspended");

    // 4. Payouts: the list, and a run now.
    await opPage.getByTestId("admin-tab-payouts").click();
    await opPage.getByTestId("admin-payouts-table").waitFor();
    await opPage.getByTestId("payouts-paid").waitFor();
    const answer = opPage.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/admin/payouts/run");
    await opPage.getByTestId("payouts-run").click();
    const res = await answer;
    let outcome;
    if (res.ok()) {
      const { created } = await res.json();
      const notice = opPage.getByTestId("admin-payouts-notice");
      await notice.waitFor();
      const said = await text(notice);
      assert(created === 0 ? said.startsWith("Nobody is due") : said === `Payouts sent: ${created}.`, `the notice says what the run did (${created}: ${said})`);
      outcome = `run sent ${created}`;
    } else {
      const body = await res.json();
      const shown = opPage.getByTestId("admin-payouts-error");
      await shown.waitFor();
      assert(body.error.code === "BILLING_NOT_CONFIGURED", `a refused run is about the installation (${body.error.code})`);
      assert((await text(shown)).startsWith("Payouts are off on this installation"), `the page says why it cannot pay (${await text(shown)})`);
      outcome = "run refused: RazorpayX not configured";
    }
    await screenshot(opPage, "payouts-console-payouts");
    if (op.consoleErrors.length) throw new Error(`operator's page errors: ${op.consoleErrors.join(" | ")}`);
    return `partner UPI ID saved; affiliate approved → premium 25% → suspended in the console; ${outcome}`;
  } finally {
    await op.close();
  }
}
