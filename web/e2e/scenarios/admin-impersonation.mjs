// An operator's view of a customer's account, and the platform settings, end
// to end. The demo's super-admin (E2E_OPERATOR_EMAIL / E2E_OPERATOR_PASSWORD)
// opens Customers, finds a tenant registered here (a customer already wrote
// to it), and views it as its admin after giving a reason (a too-short one
// cannot be sent): the app reloads into the tenant's inbox with the banner
// "You are viewing … as its admin (operator view, ends at HH:MM)" on every
// page; the tenant's conversation and settings show; the server refuses an
// API key during the view and the page shows its message; the tenant's audit
// log holds the start with the reason. "End view" goes back to the console
// with the operator's own session (no sign-in). A view whose 30 minutes are
// over, or whose token the server refuses, ends by itself: back in the
// console, saying so — the view's token is never refreshed.
// Platform settings: a bad support email shows the server's message; sign-ups
// closed with a support email → a registration shows "Sign-ups are closed"
// with the address (nothing stored); reopened in the page, and always
// reopened (and the email restored) at the end so other scenarios can register.
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, login, screenshot, tenantWithChannel, uniqueEmail } from "../lib.mjs";

const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "null"));

/** Types the search and waits for the debounced answer listing exactly this tenant. */
async function findTenant(page, term, tenantId) {
  await page.getByTestId("admin-tenant-search").fill(term);
  await page.locator(`[data-testid="admin-tenants"][data-query="${term}"]`).waitFor();
  const row = page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"]`);
  await row.waitFor();
  return row;
}

/** Starts a view of the tenant from its row: the page reloads into the tenant's inbox with the banner. */
async function startView(page, row, reason) {
  await row.getByTestId("tenant-view-as").click();
  await page.getByTestId("view-as-dialog").waitFor();
  await page.getByTestId("view-as-reason").fill(reason);
  await page.getByTestId("view-as-confirm").click();
  await page.getByTestId("impersonation-banner").waitFor();
  await page.getByTestId("conversation-list").waitFor();
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const tenantId = tenant.auth.user.tenant_id;
  const tenantName = `E2E ${tenant.email}`;
  const term = tenant.email.split("@")[0];
  const customer = tenant.customer("Kavya Impersonation");
  const said = `Order question ${randomBytes(3).toString("hex")}`;
  await customer.say(said);

  const operatorAuth = await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD);
  const operatorId = operatorAuth.user.id;
  const initial = await apiCall("GET", "/admin/settings", undefined, operatorAuth.access_token);

  try {
    // 1. The operator finds the tenant; "View as admin" asks why (at least 3 characters).
    await login(page, OPERATOR_EMAIL, OPERATOR_PASSWORD, { expectSuccess: false });
    await page.getByTestId("admin-customers").waitFor();
    let row = await findTenant(page, term, tenantId);
    await row.getByTestId("tenant-view-as").click();
    const dialog = page.getByTestId("view-as-dialog");
    await dialog.waitFor();
    assert(/30 minutes/.test(await text(dialog)) && /audit log/.test(await text(dialog)), `the dialog says what a view is (${await text(dialog)})`);
    await page.getByTestId("view-as-reason").fill("ab");
    assert(await page.getByTestId("view-as-confirm").isDisabled(), "a two-character reason cannot be sent");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    const operatorSession = await stored(page);
    const reason = `Support ticket E2E-${randomBytes(2).toString("hex")}: checking the inbox`;
    const before = Date.now();
    await startView(page, row, reason);
    const after = Date.now();

    // 2. The tenant's inbox, as its admin, with the banner naming the account and the end time.
    assert(new URL(page.url()).pathname === "/inbox", `the view opens the tenant's inbox (${page.url()})`);
    const banner = page.getByTestId("impersonation-banner");
    assert((await banner.getAttribute("data-tenant-id")) === tenantId, "the banner is for this tenant");
    assert((await text(page.getByTestId("impersonation-tenant"))) === tenantName, `the banner names the account (${await text(page.getByTestId("impersonation-tenant"))})`);
    const bannerText = await text(page.getByTestId("impersonation-text"));
    const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16); // the browser runs in UTC
    const endsAt = /ends at (\d\d:\d\d)/.exec(bannerText)?.[1];
    assert(
      bannerText.startsWith(`You are viewing ${tenantName} as its admin (operator view, ends at`) && [hhmm(before + 1_800_000), hhmm(after + 1_800_000)].includes(endsAt),
      `the banner text and its end time, 30 minutes ahead (${bannerText})`,
    );
    // The server knows it is the operator (GET /auth/me → impersonated_by).
    await page.locator(`[data-testid="impersonation-banner"][data-operator="${operatorId}"]`).waitFor();
    await page.getByTestId("conversation-row").filter({ hasText: customer.name }).waitFor();
    assert((await text(page.getByTestId("current-user"))).startsWith("E2E Admin"), "signed in as the tenant's admin");
    assert((await page.getByTestId("nav-admin").count()) === 0, "no console while viewing");
    const session = await stored(page);
    assert(session.refreshToken === "" && session.impersonation?.tenant?.id === tenantId, "the view has no refresh token");
    assert(session.impersonation.operator.refreshToken === operatorSession.refreshToken, "the operator's own session is kept aside");
    await screenshot(page, "admin-impersonation-inbox");

    // 3. Settings too, the banner on every page; the server refuses an API key during the view and the page says so.
    await page.getByTestId("nav-channels").click();
    await page.getByTestId("settings-tab-api-keys").click();
    await banner.waitFor();
    await page.getByTestId("api-key-name").fill("During the view");
    await page.getByTestId("api-key-create").click();
    const refused = page.getByTestId("api-keys-error");
    await refused.waitFor();
    assert(/operator viewing this account/.test(await text(refused)), `the server's message (${await text(refused)})`);
    assert((await page.getByTestId("api-key-created").count()) === 0, "no key was made");
    await screenshot(page, "admin-impersonation-settings");
    const audit = await apiCall("GET", "/audit?limit=50", undefined, tenant.auth.access_token);
    const started = audit.data.find((r) => r.action === "admin.impersonation_started");
    assert(started?.after?.reason === reason && started.after.operator === operatorId, `the tenant's audit log has the start with the reason (${JSON.stringify(started)})`);

    // 4. End view: back in the console with the operator's own session, no sign-in.
    await page.getByTestId("impersonation-end").click();
    await page.getByTestId("admin-customers").waitFor();
    assert(new URL(page.url()).pathname === "/admin", `back in the console (${page.url()})`);
    await page.locator('[data-testid="view-ended"][data-reason="ended"]').waitFor();
    assert((await text(page.getByTestId("view-ended"))).includes(tenantName), "the console says whose view ended");
    assert((await page.getByTestId("impersonation-banner").count()) === 0, "no banner after the view");
    const back = await stored(page);
    assert(back.user.id === operatorId && !back.impersonation, "the operator's own session again");
    assert((await page.getByTestId("login-form").count()) === 0, "no sign-in needed");

    // 5. A view past its 30 minutes ends by itself (no refresh is tried), back in the console.
    row = await findTenant(page, term, tenantId);
    await startView(page, row, "Checking the expiry path");
    const refreshes = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v1/auth/refresh") refreshes.push(r.url());
    });
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("whatsflow.session"));
      s.expiresAt = Date.now() - 1000;
      localStorage.setItem("whatsflow.session", JSON.stringify(s));
    });
    await page.reload();
    await page.locator('[data-testid="view-ended"][data-reason="expired"]').waitFor();
    await page.getByTestId("admin-customers").waitFor();
    assert((await stored(page)).user.id === operatorId, "the operator's session after the expiry");

    // A view whose token the server refuses (401) ends the same way.
    row = await findTenant(page, term, tenantId);
    await startView(page, row, "Checking the refusal path");
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("whatsflow.session"));
      s.accessToken = `${s.accessToken}x`;
      localStorage.setItem("whatsflow.session", JSON.stringify(s));
    });
    await page.reload();
    await page.locator('[data-testid="view-ended"][data-reason="refused"]').waitFor();
    await page.getByTestId("admin-customers").waitFor();
    const own = await stored(page);
    assert(own.user.id === operatorId && !own.impersonation, "the operator's session after the refusal");
    // Ending a view never refreshed anything (only the operator's own session may refresh, and it had no need).
    assert(refreshes.length === 0, `no refresh during the views (${refreshes.join(", ")})`);

    // 6. Platform settings: a bad email shows the server's message; sign-ups closed with a support email.
    await page.getByTestId("admin-tab-settings").click();
    const settings = page.locator('[data-testid="admin-settings"][data-state="ready"]');
    await settings.waitFor();
    const supportEmail = uniqueEmail("support");
    await page.getByTestId("admin-settings-email").fill("not-an-address");
    await page.getByTestId("admin-settings-save").click();
    const bad = page.getByTestId("admin-settings-error");
    await bad.waitFor();
    assert(/email/i.test(await text(bad)), `the server's validation message (${await text(bad)})`);
    await page.getByTestId("admin-settings-signups").uncheck();
    await page.getByTestId("admin-settings-email").fill(supportEmail);
    await page.getByTestId("admin-settings-save").click();
    await page.locator('[data-testid="admin-settings"][data-signups-open="false"]').waitFor();
    await page.getByTestId("admin-settings-notice").waitFor();
    assert((await text(page.getByTestId("admin-settings-signups-state"))) === "Closed", "the badge says Closed");
    const closed = await apiCall("GET", "/admin/settings", undefined, operatorAuth.access_token);
    assert(closed.signups_open === false && closed.support_email === supportEmail, `the server has it (${JSON.stringify(closed)})`);
    await screenshot(page, "admin-impersonation-settings-closed");

    // 7. A registration now: the closed message with the support address; nothing is stored.
    const visitor = await launch();
    try {
      const vp = visitor.page;
      await vp.goto(`${baseUrl()}/register`);
      await vp.getByTestId("register-tenant").fill("Closed Door Traders");
      await vp.getByTestId("register-name").fill("Ravi");
      await vp.getByTestId("register-email").fill(uniqueEmail("closed"));
      await vp.getByTestId("register-password").fill(`pw-${randomBytes(6).toString("hex")}`);
      await vp.getByTestId("register-submit").click();
      const notice = vp.getByTestId("register-closed");
      await notice.waitFor();
      const noticeText = await text(notice);
      assert(/Sign-ups are closed/.test(noticeText) && noticeText.includes(`Write to ${supportEmail} to open an account`), `the closed message (${noticeText})`);
      assert((await vp.getByTestId("register-closed-email").getAttribute("href")) === `mailto:${supportEmail}`, "the address is a mail link");
      assert((await vp.getByTestId("register-error").count()) === 0, "no generic error beside it");
      assert(new URL(vp.url()).pathname === "/register", "still on the registration page");
      assert((await vp.evaluate(() => localStorage.getItem("whatsflow.session"))) === null, "nothing stored");
      await screenshot(vp, "admin-impersonation-register-closed");
    } finally {
      await visitor.close();
    }

    // 8. Reopened from the page.
    await page.getByTestId("admin-settings-signups").check();
    await page.getByTestId("admin-settings-email").fill(initial.support_email ?? "");
    await page.getByTestId("admin-settings-save").click();
    await page.locator('[data-testid="admin-settings"][data-signups-open="true"]').waitFor();
    assert((await apiCall("GET", "/admin/settings", undefined, operatorAuth.access_token)).signups_open === true, "sign-ups are open again");
    const reopened = await apiCall("POST", "/auth/register", { tenant_name: "Open Again", name: "Asha", email: uniqueEmail("open"), password: `pw-${randomBytes(6).toString("hex")}` });
    assert(typeof reopened.access_token === "string", "registration works again");
    return `viewed ${term} as its admin (banner ends at ${endsAt}, API key refused, audited with the reason), ended; expiry and refusal return to the console; sign-ups closed with ${supportEmail} and reopened`;
  } finally {
    // Whatever happened above, the platform takes sign-ups again (other scenarios register).
    const operator = (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
    await apiCall("PUT", "/admin/settings", { signups_open: true, support_email: initial.support_email ?? null }, operator);
  }
}
