// The platform console and plan limits, end to end. The demo's super-admin
// (E2E_OPERATOR_EMAIL / E2E_OPERATOR_PASSWORD, default operator@whatsflow.local)
// signs in and lands on /admin: finds a freshly registered tenant by search
// (debounced), moves it to Starter in the table, creates a plan "Growth" with
// ₹4,999.50 a month (the API holds 499950 paise) after the form shows the
// server's validation error, then hides it. The tenant's admin (another
// browser profile) sees Starter with its usage on the Plan page; a member added
// while the dialog is open takes the last place, so the dialog shows the
// server's 402 PLAN_LIMIT with the link to the Plan page, and the Team page's
// add button is disabled with the upgrade hint; API keys are not in Starter;
// a grace period shows a banner.
// The tenant's admin opening /admin sees no console and fetches nothing from
// /admin. Suspended by the operator, the tenant's admin is signed out and
// their sign-in shows the server's TENANT_SUSPENDED message; reactivated,
// sign-in works again.
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, login, registerTenant, screenshot, uniqueEmail } from "../lib.mjs";

const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";
/** Suspension ends the tenant's sessions: the socket closes within 5 s, then the refresh should be refused. */
const SIGNED_OUT_MS = 10_000;

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

async function operatorApi() {
  return (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
}

async function tenantSummary(tenantId) {
  const { data } = await apiCall("GET", "/admin/tenants", undefined, await operatorApi());
  return data.find((t) => t.id === tenantId);
}

/** Types the search and waits for the debounced answer listing exactly this tenant. */
async function findTenant(page, term, tenantId) {
  await page.getByTestId("admin-tenant-search").fill(term);
  await page.locator(`[data-testid="admin-tenants"][data-query="${term}"]`).waitFor();
  const row = page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"]`);
  await row.waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="tenant-row"]').length === n, 1);
  return row;
}

export default async function ({ page }) {
  const tenant = await registerTenant();
  const tenantId = tenant.auth.user.tenant_id;
  const term = tenant.email.split("@")[0];

  // 1. The operator signs in and lands on the console, which is first in the navigation.
  await login(page, OPERATOR_EMAIL, OPERATOR_PASSWORD, { expectSuccess: false });
  await page.getByTestId("admin-customers").waitFor();
  assert(new URL(page.url()).pathname === "/admin", `the operator lands on /admin (${page.url()})`);
  const nav = await page.locator('nav[aria-label] a[data-testid^="nav-"]').evaluateAll((as) => as.map((a) => a.getAttribute("data-testid")));
  assert(nav[0] === "nav-admin", `the console comes first in the operator's navigation (${nav})`);
  for (const tile of ["tenants", "active", "suspended", "signups", "mrr", "messages"]) {
    await page.locator(`[data-testid="admin-tile-${tile}-value"]`).filter({ hasText: /\d/ }).waitFor();
  }
  const mrrTile = await text(page.getByTestId("admin-tile-mrr-value"));
  assert(mrrTile.startsWith("₹"), `MRR is in rupees (${mrrTile})`);

  // 2. Search finds the tenant; its row has the numbers and its admin.
  let row = await findTenant(page, term, tenantId);
  assert((await text(row.getByTestId("tenant-admin-email"))) === tenant.email, "the row shows the tenant's admin email");
  assert((await text(row.getByTestId("tenant-users"))) === "1", "one team member so far");
  assert((await row.getAttribute("data-plan")) === "enterprise", "e2e tenants start on Enterprise");
  assert((await text(row.getByTestId("tenant-mrr"))) === "₹0", "Enterprise (custom price) adds nothing to MRR");

  // 3. Moved to Starter in the table: the row, its MRR (₹999) and the server agree.
  await row.getByTestId("tenant-plan").selectOption("starter");
  await page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"][data-plan="starter"]`).waitFor();
  await row.getByTestId("tenant-mrr").filter({ hasText: "₹999" }).waitFor();
  await page.getByTestId("admin-notice").filter({ hasText: "Starter" }).waitFor();
  assert((await tenantSummary(tenantId)).plan_code === "starter", "the server has the tenant on Starter");
  await page.locator('[data-testid="admin-tile-by-plan"] li[data-plan="starter"]').waitFor();
  await screenshot(page, "admin-console-customers");

  // 4. A new plan, Growth: the server's validation error shows in the form, then ₹4,999.50 a month goes out as 499950 paise.
  await page.getByTestId("admin-tab-plans").click();
  await page.locator('[data-testid="plan-row"][data-plan="starter"]').waitFor();
  const starterRow = await text(page.locator('[data-testid="plan-row"][data-plan="starter"] [data-testid="plan-row-monthly"]'));
  assert(starterRow === "₹999 / month", `Starter's monthly price from paise (${starterRow})`);
  const enterpriseRow = page.locator('[data-testid="plan-row"][data-plan="enterprise"]');
  assert((await text(enterpriseRow.getByTestId("plan-row-monthly"))) === "Custom", "Enterprise's null price reads Custom");
  assert((await text(enterpriseRow.getByTestId("plan-row-limits"))).includes("Unlimited team members"), "null limits read Unlimited");
  const code = `growth_${randomBytes(3).toString("hex")}`;
  await page.getByTestId("plan-new").click();
  await page.getByTestId("plan-form-code").fill(code);
  await page.getByTestId("plan-form-name").fill("Growth");
  await page.getByTestId("plan-form-currency").fill("IN");
  await page.getByTestId("plan-form-monthly").fill("4,999.50");
  await page.getByTestId("plan-form-annual").fill("49995");
  await page.getByTestId("plan-form-limit-agents").fill("5");
  await page.getByTestId("plan-form-limit-numbers").fill("2");
  await page.getByTestId("plan-form-limit-flows").fill("10");
  await page.getByTestId("plan-form-feature-broadcasts").check();
  await page.getByTestId("plan-form-feature-api_access").check();
  await page.getByTestId("plan-form-submit").click();
  const formError = await text(page.getByTestId("plan-form-error"));
  assert(/currency/.test(formError) && /ISO 4217/.test(formError), `the form shows the server's validation message (${formError})`);
  await page.getByTestId("plan-form-currency").fill("INR");
  await page.getByTestId("plan-form-submit").click();
  await page.getByTestId("plan-dialog").waitFor({ state: "detached" });
  const growthRow = page.locator(`[data-testid="plan-row"][data-plan="${code}"]`);
  await growthRow.waitFor();
  assert((await text(growthRow.getByTestId("plan-row-monthly"))) === "₹4,999.50 / month", `Growth's price (${await text(growthRow.getByTestId("plan-row-monthly"))})`);
  assert((await text(growthRow.getByTestId("plan-row-limits"))).includes("Unlimited customers a month"), "a blank limit is unlimited");
  const operator = await operatorApi();
  let growth = (await apiCall("GET", "/admin/plans", undefined, operator)).data.find((p) => p.code === code);
  assert(growth?.price_monthly_minor === 499950, `the API holds 499950 paise a month (${growth?.price_monthly_minor})`);
  assert(growth.price_annual_minor === 4999500, `and 4999500 a year (${growth.price_annual_minor})`);
  assert(growth.limits.agents === 5 && growth.limits.numbers === 2 && growth.limits.flows === 10 && growth.limits.monthly_unique_users === null, `limits ${JSON.stringify(growth.limits)}`);
  assert(JSON.stringify(growth.features) === JSON.stringify(["broadcasts", "api_access"]), `features ${growth.features}`);
  assert(growth.active === true, "offered");
  await screenshot(page, "admin-console-plans");
  // Hidden again (edit): the prices come back unchanged.
  await growthRow.getByTestId("plan-edit").click();
  assert((await page.getByTestId("plan-form-monthly").inputValue()) === "4999.50", "the edit form shows the price in rupees");
  await page.getByTestId("plan-form-active").uncheck();
  await page.getByTestId("plan-form-submit").click();
  await page.getByTestId("plan-dialog").waitFor({ state: "detached" });
  await growthRow.getByTestId("plan-row-offered").filter({ hasText: "Hidden" }).waitFor();
  growth = (await apiCall("GET", "/admin/plans", undefined, operator)).data.find((p) => p.code === code);
  assert(growth.active === false && growth.price_monthly_minor === 499950, `hidden with its price kept (${JSON.stringify(growth)})`);

  // 5. The tenant's admin, in another browser: the Plan page shows Starter and its usage.
  const member = await launch();
  try {
    const tp = member.page;
    const adminCalls = [];
    tp.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/v1/admin")) adminCalls.push(r.url());
    });
    await login(tp, tenant.email, tenant.password);
    await tp.getByTestId("nav-channels").click();
    await tp.getByTestId("settings-tab-plan").click();
    await tp.getByTestId("plan-current").filter({ hasText: "Starter" }).waitFor();
    const agents = tp.getByTestId("plan-usage-agents");
    await tp.locator('[data-testid="plan-usage-agents"][data-used="1"][data-limit="3"]').waitFor();
    assert((await text(agents)).includes("1 of 3"), `usage of team members (${await text(agents)})`);
    await tp.locator('[data-testid="plan-usage-numbers"][data-used="0"][data-limit="1"]').waitFor();
    await tp.locator('[data-testid="plan-usage-flows"][data-used="0"][data-limit="5"]').waitFor();
    assert((await text(tp.getByTestId("plan-status"))) === "Active", "the account is active");
    await tp.locator('[data-testid="plan-card"][data-plan="starter"][data-current="true"]').waitFor();
    await tp.locator('[data-testid="plan-card"][data-plan="professional"][data-current="false"]').waitFor();
    assert((await tp.locator(`[data-testid="plan-card"][data-plan="${code}"]`).count()) === 0, "a hidden plan is not offered");
    assert(/platform operator/i.test(await text(tp.getByTestId("plan-managed"))), "plan changes go through the platform operator");
    await screenshot(tp, "admin-console-plan-page");

    // 6. Team: two places left; the dialog is open when the API takes the last one → the server's 402 with the link.
    const add = (name) => apiCall("POST", "/users", { name, email: uniqueEmail("limit"), password: `pw-${randomBytes(6).toString("hex")}`, role: "agent" }, tenant.auth.access_token);
    await add("Agent One");
    await tp.getByTestId("settings-tab-team").click();
    await tp.getByTestId("member-row").nth(1).waitFor();
    const addButton = tp.getByTestId("member-add");
    await tp.waitForFunction(() => !document.querySelector('[data-testid="member-add"]')?.hasAttribute("disabled"));
    await addButton.click();
    await tp.getByTestId("member-name").fill("Agent Three");
    await tp.getByTestId("member-email").fill(uniqueEmail("late"));
    // The admin types a password (invitations by email are the default when mail is set up).
    await tp.getByTestId("member-mode-password").check();
    await tp.getByTestId("member-password").fill(`pw-${randomBytes(6).toString("hex")}`);
    await add("Agent Two"); // now 3 of 3
    await tp.getByTestId("member-submit").click();
    const refusal = tp.locator('[data-testid="member-error"][data-plan-refusal="true"]');
    await refusal.waitFor();
    const refusalText = await text(refusal);
    assert(/Starter plan allows 3 team members/.test(refusalText) && /Professional/.test(refusalText), `the server's PLAN_LIMIT message (${refusalText})`);
    assert((await refusal.getByTestId("plan-link").count()) === 1, "with the link to the Plan page");
    await tp.keyboard.press("Escape");
    await tp.getByTestId("member-dialog").waitFor({ state: "detached" });
    // The page knows now: the button is disabled, with the hint.
    await tp.waitForFunction(() => document.querySelector('[data-testid="member-add"]')?.hasAttribute("disabled"));
    const hint = tp.getByTestId("team-plan-hint");
    const hintText = await text(hint);
    assert(/Starter plan allows 3 team members/.test(hintText) && /Professional allows 10/.test(hintText) && /platform operator/.test(hintText), `the upgrade hint (${hintText})`);
    await tp.reload();
    await tp.getByTestId("member-row").nth(2).waitFor();
    await tp.waitForFunction(() => document.querySelector('[data-testid="member-add"]')?.hasAttribute("disabled"));
    await hint.waitFor();
    await screenshot(tp, "admin-console-team-limit");

    // API keys are not in Starter: the create button is disabled with the hint naming Professional.
    await tp.getByTestId("settings-tab-api-keys").click();
    const keysHint = tp.locator('[data-testid="api-keys-plan-hint"][data-reason="feature"]');
    await keysHint.waitFor();
    assert(/does not include API access/.test(await text(keysHint)), `the API keys hint (${await text(keysHint)})`);
    await tp.getByTestId("api-key-name").fill("CRM");
    assert(await tp.getByTestId("api-key-create").isDisabled(), "no API key on Starter");

    // The hint's link opens the Plan page, which now shows 3 of 3.
    await tp.getByTestId("settings-tab-team").click();
    await hint.getByTestId("plan-link").click();
    await tp.locator('[data-testid="plan-usage-agents"][data-used="3"][data-at-limit="true"]').waitFor();

    // A grace period shows a banner on every page, with the way to Billing; back to active, it goes.
    await apiCall("PATCH", `/admin/tenants/${tenantId}`, { status: "grace" }, operator);
    await tp.reload();
    const banner = tp.locator('[data-testid="account-status-banner"][data-status="grace"]');
    await banner.waitFor();
    assert(/last payment failed/.test(await text(banner)) && (await banner.getByTestId("billing-link").count()) === 1, `the grace banner (${await text(banner)})`);
    await tp.getByTestId("plan-status").filter({ hasText: "Grace period" }).waitFor();
    await apiCall("PATCH", `/admin/tenants/${tenantId}`, { status: "active" }, operator);
    await tp.reload();
    await tp.getByTestId("plan-status").filter({ hasText: "Active" }).waitFor();
    assert((await tp.getByTestId("account-status-banner").count()) === 0, "no banner while active");

    // 7. Not an operator: /admin shows no console and asks the server nothing.
    await tp.goto(`${baseUrl()}/admin`);
    await tp.getByTestId("forbidden").waitFor();
    await tp.goto(`${baseUrl()}/admin/plans`);
    await tp.getByTestId("forbidden").waitFor();
    assert((await tp.getByTestId("admin-console").count()) === 0, "no console for a tenant admin");
    assert((await tp.getByTestId("nav-admin").count()) === 0, "no console in a tenant admin's navigation");
    assert(adminCalls.length === 0, `a tenant admin's page never calls /admin (${adminCalls.join(", ")})`);
    const denied = await fetch(`${baseUrl()}/api/v1/admin/tenants`, { headers: { authorization: `Bearer ${tenant.auth.access_token}` } });
    assert(denied.status === 403, `the API refuses a tenant admin too (${denied.status})`);
    await tp.goto(`${baseUrl()}/inbox`);
    await tp.getByTestId("conversation-list").waitFor();

    // 8. The operator suspends the tenant (after confirming): its admin is signed out.
    await page.getByTestId("admin-tab-customers").click();
    row = await findTenant(page, term, tenantId);
    await row.getByTestId("tenant-suspend").click();
    const dialog = page.getByTestId("tenant-status-dialog");
    assert(/signed out/.test(await text(dialog)), "the dialog says what suspension does");
    await page.getByTestId("tenant-status-confirm").click();
    await page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"][data-status="suspended"]`).waitFor();
    await row.getByTestId("tenant-mrr").filter({ hasText: "₹0" }).waitFor();
    assert((await tenantSummary(tenantId)).status === "suspended", "the server has the tenant suspended");
    // The server revokes the open session (socket closed with 4401) and
    // refuses its refresh token (403 TENANT_SUSPENDED): the open page is
    // signed out.
    await tp.getByTestId("login-form").waitFor({ timeout: SIGNED_OUT_MS });
    await tp.evaluate(() => localStorage.removeItem("whatsflow.session"));

    // The tenant's admin cannot sign in: the server's message, not a generic error.
    await login(tp, tenant.email, tenant.password, { expectSuccess: false });
    const suspended = tp.getByTestId("login-suspended");
    await suspended.waitFor();
    const suspendedText = await text(suspended);
    assert(/account is suspended/i.test(suspendedText) && /nothing was deleted/.test(suspendedText), `the suspended message (${suspendedText})`);
    assert((await tp.getByTestId("login-error").count()) === 0, "no generic error beside it");
    assert(new URL(tp.url()).pathname === "/login", "still on the login page");
    assert((await tp.evaluate(() => localStorage.getItem("whatsflow.session"))) === null, "nothing stored");
    await screenshot(tp, "admin-console-suspended-login");

    // 9. Reactivated: sign-in works again.
    await row.getByTestId("tenant-reactivate").click();
    assert(/sign in again/.test(await text(page.getByTestId("tenant-status-dialog"))), "the reactivation dialog");
    await page.getByTestId("tenant-status-confirm").click();
    await page.locator(`[data-testid="tenant-row"][data-tenant-id="${tenantId}"][data-status="active"]`).waitFor();
    await login(tp, tenant.email, tenant.password);
    assert(new URL(tp.url()).pathname.startsWith("/inbox"), `the tenant admin is back in the inbox (${tp.url()})`);
    return `tenant ${term} found, moved to Starter, limit hint at 3/3, suspended (open page signed out, sign-in refused with the server's message), reactivated; plan ${code} at 499950 paise`;
  } finally {
    await member.close();
  }
}
