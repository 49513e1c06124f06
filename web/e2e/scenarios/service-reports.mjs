// Service levels and the managers' reports: an admin switches the
// satisfaction survey on and sets the account's first-response target on
// Settings › Service levels; opens Reports (a top-level page): the per-agent
// and per-team tables, the conversations chart and the satisfaction section
// render (empty is fine), and Export CSV downloads the performance report
// with its header. In the inbox, the conversation header's priority picker
// sets "High" and the chip shows there and in the list.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, screenshot, tenantWithChannel } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const customer = tenant.customer(`Rani ${randomBytes(2).toString("hex")}`);
  await customer.say("My parcel has not arrived");
  await login(page, tenant.email, tenant.password);

  // 1. The survey on; a first-response target of 30 minutes.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-service").click();
  await page.getByTestId("settings-service").waitFor();
  const enabled = page.getByTestId("csat-enabled");
  await enabled.waitFor();
  assert(!(await enabled.isChecked()), "the survey starts off");
  await enabled.check();
  await page.getByTestId("csat-save").click();
  await page.getByTestId("csat-saved").waitFor();
  const csat = await apiCall("GET", "/csat/settings", undefined, token);
  assert(csat.csat_enabled === true && csat.csat_question, `the survey is on (${JSON.stringify(csat)})`);
  await page.getByTestId("sla-first").fill("30");
  await page.getByTestId("sla-save").click();
  await page.getByTestId("sla-saved").waitFor();
  await page.locator('[data-testid="sla-row"][data-team-id=""]').filter({ hasText: "30m" }).waitFor();
  const policies = (await apiCall("GET", "/sla-policies", undefined, token)).data;
  assert(policies.some((p) => p.team_id === null && p.first_response_minutes === 30), `the default target is saved (${JSON.stringify(policies)})`);
  await screenshot(page, "service-settings");

  // 2. Reports: every section renders.
  await page.getByTestId("nav-reports").click();
  await page.getByTestId("reports").waitFor();
  const table = page.getByTestId("report-performance-table");
  await table.waitFor();
  await page.getByTestId("report-conversations-chart").waitFor();
  await page.getByTestId("report-csat-average").waitFor();
  await page.getByTestId("report-csat-distribution").waitFor();
  assert((await page.getByTestId("report-csat-bar").count()) === 5, "ratings 5 to 1 are shown");
  await page.getByTestId("report-by-team").click();
  await page.locator('[data-testid="report-performance-table"][data-by="team"]').waitFor();
  await page.getByTestId("report-by-agent").click();
  await page.locator('[data-testid="report-performance-table"][data-by="agent"]').waitFor();
  await page.getByTestId("report-range-7").click();
  await page.getByTestId("report-range-7").and(page.locator('[aria-pressed="true"]')).waitFor();
  await screenshot(page, "reports");

  // 3. Export CSV: the performance report with its header.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-export-performance").click()]);
  const csv = readFileSync(await download.path(), "utf8");
  const header = csv.split("\n")[0];
  assert(header.startsWith("id,name,resolved,replies,"), `the CSV starts with its header (${header})`);
  assert(download.suggestedFilename().endsWith(".csv"), `saved as a .csv (${download.suggestedFilename()})`);

  // 4. The inbox: set the priority from the header; the chip shows.
  await page.getByTestId("nav-inbox").click();
  await openConversation(page, { name: customer.name });
  const header2 = page.getByTestId("conversation-header");
  assert((await header2.getByTestId("priority-chip").count()) === 0, "no chip at normal priority");
  await page.getByTestId("conversation-priority").selectOption("high");
  await header2.locator('[data-testid="priority-chip"][data-priority="high"]').waitFor();
  const row = page.getByTestId("conversation-row").filter({ hasText: customer.name });
  await row.locator('[data-testid="priority-chip"][data-priority="high"]').waitFor();
  const id = await row.first().getAttribute("data-conversation-id");
  const stored = await apiCall("GET", `/conversations/${id}`, undefined, token);
  assert(stored.priority === "high", `the server has priority high (${stored.priority})`);
  await screenshot(page, "inbox-priority");
  return `CSAT on, first response 30 min; reports rendered; CSV header "${header}"; priority high on ${id}`;
}
