// A campaign to an uploaded CSV audience: Meta's seeded templates come in
// through the API; in the browser the wizard's audience step takes a CSV
// (`phone,first_name`, six rows: one not a phone, one the same number as an
// earlier row written differently, one without a first name) and shows the
// server's report — 4 accepted, lines 3 and 5 rejected with their reasons,
// the column `first_name`; `spring_sale` takes {{1}} from that column and
// {{2}} = "20%", and the live sample is the first accepted row's message;
// the review skips the row without a first name (missing_variable, line 6)
// and shows the others' messages; started, it completes.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, screenshot, tenantWithChannel } from "../lib.mjs";

const SAMPLE = /^Hi (\w+), our spring sale is on: 20% off everything\.$/;

/** Six numbers' worth of distinct 8-digit tails (after +91 98). */
function tails(n) {
  const out = new Set();
  while (out.size < n) out.add(digits(8));
  return [...out];
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  await apiCall("POST", "/templates/sync", undefined, tenant.auth.access_token);
  const hex = randomBytes(2).toString("hex");
  const [asha, meera, blank, kabir] = tails(4);
  const csv = [
    "phone,first_name", // line 1
    `+91 98${asha.slice(0, 3)} ${asha.slice(3)},Asha`, // 2: spaced, accepted
    "12ab,Ravi", // 3: not a phone number
    `+9198${meera},Meera`, // 4
    `9198${asha},Asha again`, // 5: line 2's number without + and spaces
    `+9198${blank},`, // 6: accepted, but no first name: skipped at launch
    `+9198${kabir},Kabir`, // 7
  ].join("\n");

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-table").waitFor();
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-wizard").waitFor();

  // 1. Audience: the CSV, uploaded to a draft as soon as it is chosen.
  const name = `CSV spring sale ${hex}`;
  await page.getByTestId("campaign-name").fill(name);
  await page.getByTestId("campaign-audience-csv").check();
  await page.getByTestId("campaign-csv-file").setInputFiles({ name: "spring.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const report = page.getByTestId("campaign-csv-report");
  await report.waitFor();
  const accepted = Number(await report.getByTestId("campaign-csv-accepted").getAttribute("data-value"));
  assert(accepted === 4, `4 rows accepted (${accepted})`);
  const rejected = await report.getByTestId("campaign-csv-rejected-row").evaluateAll((rows) =>
    rows.map((r) => ({ line: Number(r.getAttribute("data-line")), reason: r.getAttribute("data-reason"), cells: [...r.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim()) })),
  );
  assert(rejected.length === 2, `2 rejected rows listed (${rejected.length})`);
  assert(
    JSON.stringify(rejected.map((r) => [r.line, r.reason])) === JSON.stringify([[3, "invalid_phone"], [5, "duplicate"]]),
    `line 3 is not a phone, line 5 a duplicate: ${JSON.stringify(rejected.map((r) => [r.line, r.reason]))}`,
  );
  const [bad, twin] = rejected;
  assert(bad.cells[0] === "3" && bad.cells[1] === "12ab" && bad.cells[2] === "No valid phone number" && bad.cells[3] !== "", `the invalid row reads line, phone, reason, message: ${bad.cells.join(" | ")}`);
  assert(twin.cells[0] === "5" && twin.cells[1] === `9198${asha}` && twin.cells[2] === "Duplicate number" && twin.cells[3] !== "", `the duplicate row reads line, phone, reason, message: ${twin.cells.join(" | ")}`);
  const columns = await report.getByTestId("campaign-csv-columns").getAttribute("data-columns");
  assert(columns === "first_name", `the column found is first_name (${columns})`);
  await screenshot(page, "campaign-csv-report");
  await page.getByTestId("campaign-next").click();

  // 2. The template: {{1}} from the column, {{2}} a constant; the sample is line 2's message.
  const template = page.getByTestId("campaign-template");
  const option = template.locator('option[data-name="spring_sale"]');
  await option.waitFor({ state: "attached" });
  await template.selectOption(await option.getAttribute("value"));
  const first = page.getByTestId("campaign-source-body-1");
  assert((await first.inputValue()) === "column:first_name", `a CSV audience's first placeholder starts on its column (${await first.inputValue()})`);
  await first.selectOption("column:first_name");
  await page.getByTestId("campaign-source-body-2").selectOption("value");
  await page.getByTestId("campaign-source-body-2-text").fill("20%");
  const sampleBody = page.getByTestId("campaign-sample").getByTestId("bubble-body");
  await sampleBody.filter({ hasText: "Hi Asha, our spring sale is on: 20% off everything." }).waitFor();
  await page.getByTestId("campaign-sample-for").filter({ hasText: /line 2\b/ }).waitFor();
  await screenshot(page, "campaign-csv-message");
  await page.getByTestId("campaign-next").click();

  // 3. Speed: the number's own rate (the default); saved, the draft's variables name the column.
  await page.getByTestId("campaign-rate").waitFor();
  await page.getByTestId("campaign-save").click();

  // 4. Review: the row without a first name is skipped, the others' messages read as sent.
  const review = page.getByTestId("campaign-review");
  const audience = review.getByTestId("campaign-review-audience");
  await audience.waitFor();
  assert(Number(await audience.getAttribute("data-value")) === 4, `4 in the audience (${await audience.getAttribute("data-value")})`);
  const sendable = Number(await review.getByTestId("campaign-review-sendable").getAttribute("data-value"));
  assert(sendable === 3, `3 will receive it (${sendable})`);
  const skip = review.locator('[data-testid="campaign-review-skip"][data-reason="missing_variable"]');
  const skipText = ((await skip.textContent()) ?? "").trim();
  assert(/Missing a value/.test(skipText) && /1$/.test(skipText), `one row skipped for a missing value: "${skipText}"`);
  assert((await review.getByTestId("campaign-review-skip").count()) === 1, "no other skip reason");
  await review.getByText("Who is skipped").click();
  const skippedRow = review.locator('[data-testid="campaign-review-skipped-row"][data-reason="missing_variable"]');
  assert((await skippedRow.getAttribute("data-line")) === "6", `the skipped row is line 6 (${await skippedRow.getAttribute("data-line")})`);
  const samples = (await review.getByTestId("campaign-review-sample").getByTestId("bubble-body").allTextContents()).map((s) => s.trim());
  assert(samples.length === 3, `three sample messages (${samples.length})`);
  for (const s of samples) assert(SAMPLE.test(s) && ["Asha", "Meera", "Kabir"].includes(SAMPLE.exec(s)[1]), `a sample reads as sent: "${s}"`);
  assert(samples.includes("Hi Asha, our spring sale is on: 20% off everything."), `Asha's message is among the samples: ${samples.join(" / ")}`);
  await screenshot(page, "campaign-csv-review");

  // Start: it sends the three and completes.
  await page.getByTestId("campaign-start").click();
  const detail = page.getByTestId("campaign-detail");
  await detail.waitFor();
  await page.locator('[data-testid="campaign-detail"][data-status="completed"]').waitFor({ timeout: 30_000 });
  const stat = async (key) => Number(await page.getByTestId(`campaign-stat-${key}`).getAttribute("data-value"));
  assert((await stat("audience")) === 4, `4 recipients (${await stat("audience")})`);
  assert((await stat("skipped")) === 1, `1 skipped (${await stat("skipped")})`);
  await page.locator('[data-testid="campaign-recipient-row"][data-status="skipped"]').first().waitFor();
  await screenshot(page, "campaign-csv-detail");
  return `4 of 6 rows accepted (line 3 invalid_phone, line 5 duplicate); 3 sent, line 6 skipped (missing_variable); completed`;
}
