// Settings → Usage, end to end. A fresh tenant with a connected number hears
// from three customers through signed Meta webhooks (one of them writes
// twice) and answers one of them (the simulator delivers it with Meta's
// pricing: a "service" row in the categories). Its admin opens Settings →
// Usage: exactly 3 customers reached this month (on Enterprise: no limit),
// today's row with 3 new customers, the category table and Meta's charges in
// rupees. The month picker's previous month shows 0 and the empty state, with
// ?period= in the address; a malformed ?period= shows the server's
// validation message. An agent reads the usage too (API and page).
// Then the demo's operator moves the tenant to a plan allowing 5 customers a
// month: 3 of 5 is no warning; a fourth customer writes → the server's
// usage:alert frame shows the banner on the open page ("80% of your plan's 5
// customers"), with the link to the Plan page; the page reads again by
// itself: 4, the amber warning, the upgrade hint and the fired alert.
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, login, screenshot, tenantWithChannel, TIMEOUT_MS, uniqueEmail } from "../lib.mjs";

const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";
/** The server's meter fires limit alerts every 2 s; the frame must arrive well within this. */
const ALERT_MS = 10_000;

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

function monthOf(d) {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}
function previousMonth(period) {
  const [y, m] = period.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** Polls GET /usage until `check` holds; returns the answer. */
async function usageUntil(token, check, what, query = "") {
  const deadline = Date.now() + TIMEOUT_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await apiCall("GET", `/usage${query}`, undefined, token);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`GET /usage never showed ${what}: ${JSON.stringify(last)}`);
}

/** Waits for the Usage page to show `period`, loaded. */
async function usageShown(page, period) {
  await page.locator(`[data-testid="usage-page"][data-period="${period}"][data-state="ready"]`).waitFor();
}

export default async function ({ page }) {
  const now = new Date();
  const current = monthOf(now);
  const previous = previousMonth(current);
  const today = now.toISOString().slice(0, 10);

  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const tenantId = tenant.auth.user.tenant_id;

  // The endpoint exists (a stale server answers 404) and refuses a malformed month.
  const bad = await fetch(`${baseUrl()}/api/v1/usage?period=2026-13`, { headers: { authorization: `Bearer ${token}` } });
  assert(bad.status === 400, `GET /usage?period=2026-13 → 400 (${bad.status} ${await bad.text()})`);

  // 1. Three customers write (Asha twice); one answer goes out and is delivered with Meta's pricing.
  const tag = randomBytes(2).toString("hex");
  const asha = tenant.customer(`Asha ${tag}`);
  const bilal = tenant.customer(`Bilal ${tag}`);
  const chen = tenant.customer(`Chen ${tag}`);
  await asha.say("Hi, is my order shipped?");
  await bilal.say("Hello");
  await chen.say("Price list please");
  await asha.say("Order #1234");
  let usage = await usageUntil(token, (u) => u.monthly_unique_users === 3, "3 customers");
  const sim = Boolean(process.env.E2E_GRAPH_SIM);
  if (sim) {
    const { data } = await apiCall("GET", "/conversations?limit=50", undefined, token);
    const conv = data.find((c) => c.contact?.name === asha.name || (c.contact?.phone ?? "").replace(/\D/g, "") === asha.waId);
    assert(conv, `Asha's conversation (${JSON.stringify(data.map((c) => c.contact))})`);
    await apiCall("POST", `/conversations/${conv.id}/messages`, { type: "text", text: { body: "Yes, it ships today." } }, token);
    usage = await usageUntil(token, (u) => u.by_category.some((c) => c.delivered >= 1), "a delivered message");
  }
  await new Promise((r) => setTimeout(r, 500));
  usage = await apiCall("GET", "/usage", undefined, token);
  assert(usage.monthly_unique_users === 3, `each customer counts once, the answer adds none (${usage.monthly_unique_users})`);
  assert(usage.limits.monthly_unique_users === null, `e2e tenants start on Enterprise: no limit (${JSON.stringify(usage.limits)})`);

  // 2. The admin opens Settings → Usage.
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-usage").click();
  await usageShown(page, current);
  assert(new URL(page.url()).pathname === "/settings/usage", `the Usage tab opens /settings/usage (${page.url()})`);
  const mauValue = await text(page.getByTestId("usage-mau-value"));
  assert(mauValue === "3", `exactly 3 customers reached this month (${mauValue})`);
  const mau = page.getByTestId("usage-mau");
  assert((await mau.getAttribute("data-limit")) === "unlimited" && (await mau.getAttribute("data-level")) === "ok", "no limit, no warning");
  assert((await text(page.getByTestId("usage-mau-bar"))).includes("3 · unlimited"), `the bar reads 3 · unlimited (${await text(page.getByTestId("usage-mau-bar"))})`);
  assert((await page.getByTestId("usage-upgrade-hint").count()) === 0, "no upgrade hint without a limit");
  const todayRow = page.locator(`[data-testid="usage-day-row"][data-day="${today}"]`);
  assert((await text(todayRow.getByTestId("usage-day-new-users"))) === "3", `today: 3 new customers (${await text(todayRow)})`);
  assert((await page.locator(`[data-testid="usage-day-bar"][data-day="${today}"][data-new-users="3"]`).count()) === 1, "today's bar in the chart");
  const cost = page.getByTestId("usage-cost");
  const costText = await text(cost);
  assert(/^₹\d+\.\d{2}$/.test(costText), `Meta's charges in rupees with 2 decimals (${costText})`);
  assert(Number(await cost.getAttribute("data-amount-minor")) === usage.cost.amount_minor, "the cost is the server's");
  assert(/^Exactly ₹\d+\.\d{4}$/.test((await cost.getAttribute("title")) ?? ""), `Meta's four decimals in the tooltip (${await cost.getAttribute("title")})`);
  if (sim) {
    const rows = page.getByTestId("usage-category-row");
    assert((await rows.count()) === usage.by_category.length && usage.by_category.length >= 1, `one row per category (${JSON.stringify(usage.by_category)})`);
    const first = usage.by_category[0];
    const row = page.locator(`[data-testid="usage-category-row"][data-category="${first.category}"]`);
    assert((await text(row.getByTestId("usage-category-delivered"))) === String(first.delivered), `${first.category}: delivered ${first.delivered}`);
    assert((await text(row.getByTestId("usage-category-charged"))) === String(first.charged), `${first.category}: charged ${first.charged}`);
  }
  await page.getByTestId("usage-alerts-none").waitFor();
  await screenshot(page, "usage-this-month");

  // 3. The previous month: nothing metered, 0 customers; the address carries ?period=.
  await page.getByTestId("usage-period").selectOption(previous);
  await usageShown(page, previous);
  assert(new URL(page.url()).searchParams.get("period") === previous, `?period=${previous} (${page.url()})`);
  assert((await text(page.getByTestId("usage-mau-value"))) === "0", `0 customers in ${previous} (${await text(page.getByTestId("usage-mau-value"))})`);
  await page.getByTestId("usage-empty").waitFor();
  assert((await page.getByTestId("usage-next").isDisabled()) === false, "the next month can be chosen from a past one");
  // The next-month arrow comes back to this month (and the address drops ?period=).
  await page.getByTestId("usage-next").click();
  await usageShown(page, current);
  assert((await text(page.getByTestId("usage-mau-value"))) === "3", "back to this month: 3");
  assert(await page.getByTestId("usage-next").isDisabled(), "no month after this one");
  // A malformed ?period= shows the server's validation message.
  await page.goto(`${baseUrl()}/settings/usage?period=2026-13`);
  const err = page.getByTestId("usage-error");
  await err.waitFor();
  assert(/period/.test(await text(err)), `the server's message names the period (${await text(err)})`);

  // 4. An agent may read the usage too (API and page).
  const agentEmail = uniqueEmail("usage-agent");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  await apiCall("POST", "/users", { name: "Usage Agent", email: agentEmail, password: agentPassword, role: "agent" }, token);
  const agentAuth = await apiLogin(agentEmail, agentPassword);
  const agentUsage = await apiCall("GET", `/usage?period=${current}`, undefined, agentAuth.access_token);
  assert(agentUsage.monthly_unique_users === 3, `the agent reads 3 too (${agentUsage.monthly_unique_users})`);
  const agent = await launch();
  try {
    await login(agent.page, agentEmail, agentPassword);
    await agent.page.goto(`${baseUrl()}/settings/usage`);
    await usageShown(agent.page, current);
    assert((await text(agent.page.getByTestId("usage-mau-value"))) === "3", "the agent's page shows 3");
    assert((await agent.page.getByTestId("settings-tab-channels").count()) === 0, "an agent sees no admin tabs");
  } finally {
    await agent.close();
  }

  // 5. The operator moves the tenant to a plan of 5 customers a month (then hides the plan from the offer).
  const operator = (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
  const code = `tiny_${randomBytes(3).toString("hex")}`;
  await apiCall(
    "POST",
    "/admin/plans",
    { code, name: "Tiny", currency: "INR", price_monthly_minor: 19900, limits: { monthly_unique_users: 5 }, features: ["broadcasts"] },
    operator,
  );
  await apiCall("PATCH", `/admin/tenants/${tenantId}`, { plan: code }, operator);
  await apiCall("PATCH", `/admin/plans/${code}`, { active: false }, operator);
  await page.goto(`${baseUrl()}/settings/usage`);
  await usageShown(page, current);
  await page.locator('[data-testid="usage-mau"][data-limit="5"][data-used="3"][data-level="ok"]').waitFor();
  assert((await text(page.getByTestId("usage-mau-bar"))).includes("3 of 5"), `3 of 5 (${await text(page.getByTestId("usage-mau-bar"))})`);
  assert((await page.getByTestId("usage-upgrade-hint").count()) === 0, "60% is no warning");
  assert((await page.getByTestId("usage-alert-toast").count()) === 0, "no alert yet");

  // 6. A fourth customer: 4 of 5 is 80% → the usage:alert banner on the open page, and the page reads again.
  const dev = tenant.customer(`Dev ${tag}`);
  await dev.say("Do you deliver to Pune?");
  const toast = page.locator('[data-testid="usage-alert-toast"][data-threshold="80"]');
  await toast.waitFor({ timeout: ALERT_MS });
  const toastText = await text(toast.getByTestId("usage-alert-text"));
  assert(toastText.startsWith("You have reached 80% of your plan's 5 customers this month"), `the banner's words (${toastText})`);
  assert((await toast.getAttribute("data-used")) === "4", "fired at 4");
  await page.locator('[data-testid="usage-mau"][data-used="4"][data-level="near"]').waitFor();
  assert((await text(page.getByTestId("usage-mau-value"))) === "4", "the page shows 4 without a reload");
  await page.locator('[data-testid="usage-mau-bar"][data-used="4"][data-limit="5"][data-at-limit="false"]').waitFor();
  const barColour = await page.locator('[data-testid="usage-mau-bar"] [role="progressbar"] > div').getAttribute("class");
  assert(/bg-amber-500/.test(barColour ?? ""), `the bar turns amber (${barColour})`);
  const hint = page.locator('[data-testid="usage-upgrade-hint"][data-level="near"]');
  await hint.waitFor();
  assert(/80% of the 5 customers a month your Tiny plan allows/.test(await text(hint)), `the upgrade hint (${await text(hint)})`);
  assert((await hint.getByTestId("plan-link").count()) === 1, "the hint links to the Plan page");
  await page.locator('[data-testid="usage-alert-row"][data-threshold="80"]').waitFor();
  assert(/80% reached: 4 of 5 customers/.test(await text(page.getByTestId("usage-alerts"))), "the fired alert is listed");
  await screenshot(page, "usage-alert");

  // The banner's Upgrade link opens the Plan page; the banner stays until dismissed.
  await toast.getByTestId("usage-alert-upgrade").click();
  await page.getByTestId("plan-page").waitFor();
  assert(new URL(page.url()).pathname === "/settings/plan", `Upgrade opens the Plan page (${page.url()})`);
  await toast.getByTestId("usage-alert-dismiss").click();
  await toast.waitFor({ state: "detached" });
  return `3 customers (Asha twice) → 3; ${previous} → 0; Tiny (${code}) at 4 of 5 → usage:alert banner, amber bar, hint`;
}
