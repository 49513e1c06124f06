// The demo tells a story (`whatsflow demo` seeds it on first run): a month
// of customers dated over the past 30 days (the dashboard's chart has more
// than one busy day), closed windows that need a template, contacts tagged
// `vip`, the "Order status" flow active beside a draft, and the finished
// "VIP thank-you" campaign. Checked as the demo admin sees it in the app.
import { apiCall, assert, login, screenshot, TIMEOUT_MS } from "../lib.mjs";

const DEMO_EMAIL = process.env.E2E_DEMO_EMAIL ?? "demo@whatsflow.local";
const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD ?? "demo-password";

/** Waits (the seeding runs beside the server's start) until the campaign finished. */
async function seeded(token) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const campaigns = await apiCall("GET", "/campaigns", undefined, token);
    const done = campaigns.data.find((c) => c.name === "VIP thank-you" && c.status === "completed");
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`the demo story was not seeded: ${JSON.stringify(campaigns.data.map((c) => [c.name, c.status]))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export default async function ({ page }) {
  const auth = await apiCall("POST", "/auth/login", { email: DEMO_EMAIL, password: DEMO_PASSWORD });
  const campaign = await seeded(auth.access_token);

  // The month has shape: customers wrote on several different days.
  const overview = await apiCall("GET", "/analytics/overview?days=30", undefined, auth.access_token);
  const busyDays = overview.by_day.filter((d) => d.messages_inbound > 0).length;
  assert(busyDays >= 4, `customers wrote on ${busyDays} days of the month`);

  await login(page, DEMO_EMAIL, DEMO_PASSWORD);

  // A customer from weeks ago: the window closed, a template is offered.
  const open = await apiCall("GET", "/conversations?status=open&limit=200", undefined, auth.access_token);
  const closed = open.data.find((c) => !c.window_expires_at || Date.parse(c.window_expires_at) < Date.now());
  assert(closed, "an open conversation whose 24-hour window closed");
  await page.goto(`${new URL(page.url()).origin}/inbox/${closed.id}`);
  await page.getByTestId("conversation-view").waitFor();
  await page.getByTestId("window-closed").waitFor({ timeout: TIMEOUT_MS });
  await page.getByTestId("template-picker").waitFor();
  await screenshot(page, "demo-closed-window");

  // Two flows, one active.
  await page.goto(`${new URL(page.url()).origin}/flows`);
  const orderFlow = page.getByText("Order status", { exact: true });
  await orderFlow.first().waitFor();
  await page.getByText("Welcome offer", { exact: true }).first().waitFor();
  const flows = await apiCall("GET", "/flows", undefined, auth.access_token);
  const byName = Object.fromEntries(flows.data.map((f) => [f.name, f.status]));
  assert(byName["Order status"] === "active" && byName["Welcome offer"] === "draft", `flow states: ${JSON.stringify(byName)}`);

  // The finished campaign with its results.
  await page.goto(`${new URL(page.url()).origin}/campaigns/${campaign.id}`);
  await page.getByText("VIP thank-you").first().waitFor();
  // Every recipient's send settles (Meta accepts, then delivers).
  let stats;
  for (const deadline = Date.now() + 30_000; ; ) {
    stats = await apiCall("GET", `/campaigns/${campaign.id}/stats`, undefined, auth.access_token);
    if (stats.pending + stats.sending === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert(stats.audience >= 4, `the VIP audience: ${stats.audience}`);
  const reached = stats.accepted + stats.sent + stats.delivered + stats.read;
  assert(reached === stats.audience - stats.skipped - stats.failed && reached > 0, `every VIP got it: ${JSON.stringify(stats)}`);
  await screenshot(page, "demo-campaign");

  // Contacts carry tags.
  const vips = await apiCall("GET", "/contacts?tag=vip", undefined, auth.access_token);
  assert(vips.data.length >= 4, `${vips.data.length} contacts tagged vip`);
  await page.goto(`${new URL(page.url()).origin}/contacts`);
  await page.getByText("vip").first().waitFor();
}
