// The demo tells a story (`whatsflow demo` seeds it on first run): a month
// of customers dated over the past 30 days (the dashboard's chart has more
// than one busy day), closed windows that need a template, contacts tagged
// `vip`, the "Order status" flow active beside a draft, the finished
// "VIP thank-you" campaign, the "Returning customers" sequence under way and
// a follow-up scheduled in today's first conversation. Checked as the demo
// admin sees it in the app.
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

  // The sequence: the returning customers are in it and got its first step.
  let sequence;
  for (const deadline = Date.now() + 30_000; ; ) {
    const list = await apiCall("GET", "/campaigns?type=drip", undefined, auth.access_token);
    sequence = list.data.find((d) => d.name === "Returning customers");
    const firstStep = sequence?.stats.steps[0];
    if ((firstStep && firstStep.sent + firstStep.delivered + firstStep.read + firstStep.sending > 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert(sequence?.status === "running", `the demo sequence runs: ${JSON.stringify(sequence?.status)}`);
  assert(sequence.stats.enrolled >= 2, `returning customers enrolled: ${sequence.stats.enrolled}`);
  assert(sequence.stats.steps[0].sending + sequence.stats.steps[0].sent > 0 || sequence.stats.steps[0].delivered + sequence.stats.steps[0].read > 0,
    `the first step went out: ${JSON.stringify(sequence.stats.steps[0])}`);
  await page.goto(`${new URL(page.url()).origin}/sequences/${sequence.id}`);
  await page.getByText("Returning customers").first().waitFor();
  await screenshot(page, "demo-sequence");

  // The follow-up an agent scheduled waits in its conversation.
  const conversations = await apiCall("GET", "/conversations?limit=100", undefined, auth.access_token);
  let scheduled = [];
  for (const c of conversations.data) {
    const list = await apiCall("GET", `/conversations/${c.id}/scheduled-messages`, undefined, auth.access_token);
    scheduled = scheduled.concat(list.data.filter((m) => m.status === "scheduled"));
  }
  assert(scheduled.length >= 1 && scheduled.some((m) => m.content.body.includes("replacement")), `the scheduled follow-up: ${JSON.stringify(scheduled)}`);
}
