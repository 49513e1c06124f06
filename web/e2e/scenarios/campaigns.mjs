// A broadcast campaign end to end: contacts tagged `spring` (one opted out)
// and Meta's seeded templates come in through the API; in the browser the
// wizard builds the campaign (audience tag, the `spring_sale` marketing
// template with contact name + "20%", 1 message per second), the review shows
// the opted-out contact skipped and three rendered messages; it starts, the
// progress bar moves live (campaign:progress over the socket), a pause stops
// the hand-over, a resume finishes it, and the simulator's statuses bring the
// funnel to read.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, screenshot, tenantWithChannel } from "../lib.mjs";

const OPTED_IN = ["Asha", "Ravi", "Meera", "Kabir", "Zoya", "Dev"];
const SAMPLE = /^Hi (\w+), our spring sale is on: 20% off everything\.$/;

/** The progress bar's numbers: recipients handed over and to send to. */
async function progress(page) {
  const bar = page.getByTestId("campaign-progress");
  return { done: Number(await bar.getAttribute("data-done")), total: Number(await bar.getAttribute("data-total")) };
}

/** Records, inside the page, every value the progress bar shows (data-done), with no reload in between. */
async function watchProgress(page) {
  await page.evaluate(() => {
    const seen = [];
    const sample = () => {
      const v = document.querySelector('[data-testid="campaign-progress"]')?.getAttribute("data-done");
      if (v !== null && v !== undefined && seen[seen.length - 1] !== Number(v)) seen.push(Number(v));
    };
    sample();
    new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true });
    window.__e2eProgress = seen;
  });
  return () => page.evaluate(() => window.__e2eProgress);
}

const stat = async (page, key) => Number(await page.getByTestId(`campaign-stat-${key}`).getAttribute("data-value"));

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  for (const name of OPTED_IN) {
    await apiCall("POST", "/contacts", { name, phone: `+9198${digits(8)}`, tags: ["spring"], opted_in: true }, token);
  }
  await apiCall("POST", "/contacts", { name: "Nikhil", phone: `+9198${digits(8)}`, tags: ["spring"], opted_in: false }, token);
  // Not in the audience.
  await apiCall("POST", "/contacts", { name: "Outsider", phone: `+9198${digits(8)}`, tags: ["autumn"] }, token);
  await apiCall("POST", "/templates/sync", undefined, token);

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-table").waitFor();
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-wizard").waitFor();

  // 1. Audience.
  const name = `Spring sale ${hex}`;
  await page.getByTestId("campaign-name").fill(name);
  await page.getByTestId("campaign-tags").fill(" Spring ");
  await page.getByTestId("campaign-next").click();

  // 2. Number, template and one source per placeholder, with the live sample.
  const template = page.getByTestId("campaign-template");
  const option = template.locator('option[data-name="spring_sale"]');
  await option.waitFor({ state: "attached" });
  await template.selectOption(await option.getAttribute("value"));
  assert((await page.getByTestId("campaign-source-body-1").inputValue()) === "name", "the first placeholder defaults to the contact's name");
  await page.getByTestId("campaign-source-body-2").selectOption("value");
  await page.getByTestId("campaign-source-body-2-text").fill("20%");
  // Rendered for a contact of the audience (GET /contacts?tag=spring), once it is known.
  await page.getByTestId("campaign-sample-for").filter({ hasText: /^As .+ will see it\.$/ }).waitFor();
  const sampleBody = page.getByTestId("campaign-sample").getByTestId("bubble-body");
  await sampleBody.filter({ hasText: "20% off everything." }).waitFor();
  const sampleText = ((await sampleBody.textContent()) ?? "").trim();
  const sampleName = SAMPLE.exec(sampleText)?.[1];
  assert(sampleName && [...OPTED_IN, "Nikhil"].includes(sampleName), `the live sample is rendered for a spring contact: "${sampleText}"`);
  await screenshot(page, "campaign-wizard");
  await page.getByTestId("campaign-next").click();

  // 3. Speed: at most the number's rate.
  const rate = page.getByTestId("campaign-rate");
  await rate.fill("5000");
  await page.getByTestId("campaign-save").click();
  await page.getByTestId("campaign-wizard-error").filter({ hasText: /from 1 to \d+/ }).waitFor();
  await rate.fill("1");
  await page.getByTestId("campaign-save").click();

  // 4. Review (GET /campaigns/{id}/preview).
  const review = page.getByTestId("campaign-review");
  await review.getByTestId("campaign-review-audience").filter({ hasText: "7" }).waitFor();
  assert(((await review.getByTestId("campaign-review-sendable").textContent()) ?? "").includes("6"), "six of seven will receive it");
  const skip = review.locator('[data-testid="campaign-review-skip"][data-reason="opted_out"]');
  const skipText = (await skip.textContent()) ?? "";
  assert(/Opted out/.test(skipText) && /1\s*$/.test(skipText.trim()), `one contact skipped as opted out: "${skipText}"`);
  assert((await review.getByTestId("campaign-review-skip").count()) === 1, "no other skip reason");
  const samples = await review.getByTestId("campaign-review-sample").getByTestId("bubble-body").allTextContents();
  assert(samples.length === 3, `three sample messages (${samples.length})`);
  for (const s of samples) assert(SAMPLE.test(s.trim()) && !s.includes("Nikhil"), `a sample reads as sent: "${s}"`);
  const cost = ((await review.getByTestId("campaign-review-cost").textContent()) ?? "").trim();
  assert(/₹\d+\.\d{2}/.test(cost), `the estimated cost is in rupees: "${cost}"`);
  assert(/Done by about/.test((await review.getByTestId("campaign-review-finish").textContent()) ?? ""), "the finish time is estimated");
  await screenshot(page, "campaign-review");

  // Start: the detail page follows it live.
  await page.getByTestId("campaign-start").click();
  const detail = page.getByTestId("campaign-detail");
  await detail.waitFor();
  const campaignId = await detail.getAttribute("data-campaign-id");
  assert(page.url().endsWith(`/campaigns/${campaignId}`), "the detail page opens");
  const seen = await watchProgress(page);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="campaign-progress"]')?.getAttribute("data-done")) >= 2, null, { timeout: 10_000 });
  const total = (await progress(page)).total;
  assert(total === 6, `six recipients to send to (${total})`);

  // Pause: nothing more is handed over.
  await page.getByTestId("campaign-pause").click();
  await page.locator('[data-testid="campaign-detail"][data-status="paused"]').waitFor();
  await page.getByTestId("campaign-resume").waitFor();
  await page.waitForTimeout(1_500); // a claim that was under way when it paused
  const pausedAt = (await progress(page)).done;
  await page.waitForTimeout(2_500);
  const stillAt = (await progress(page)).done;
  assert(pausedAt === stillAt, `the count stops while paused (${pausedAt} → ${stillAt})`);
  assert(pausedAt < total, `paused before the end (${pausedAt} of ${total})`);
  await screenshot(page, "campaign-paused");

  // Resume and finish.
  await page.getByTestId("campaign-resume").click();
  await page.locator('[data-testid="campaign-detail"][data-status="completed"]').waitFor({ timeout: 30_000 });
  const values = await seen();
  assert(values.length >= 3 && values.every((v, i) => i === 0 || v > values[i - 1]), `the bar moved live, never back: ${values.join(" → ")}`);
  // The simulator's statuses: sent → delivered → read, a couple of seconds apart.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="campaign-stat-read"]')?.getAttribute("data-value")) === 6, null, { timeout: 30_000 });
  assert((await stat(page, "delivered")) === 6, "all six delivered");
  assert((await stat(page, "sent")) === 6, "all six sent");
  assert((await stat(page, "skipped")) === 1, "one skipped");
  assert((await stat(page, "failed")) === 0, "none failed");
  assert((await progress(page)).done === 6, "all handed over");
  await page.getByTestId("campaign-funnel").locator("svg .recharts-bar-rectangle").first().waitFor();
  const replied = await stat(page, "replied");

  // The recipients: six read, one skipped; the filter asks the server.
  const rows = page.getByTestId("campaign-recipients").getByTestId("campaign-recipient-row");
  await page.locator('[data-testid="campaign-recipient-row"][data-status="read"]').nth(5).waitFor();
  assert((await rows.count()) === 7, `seven recipients listed (${await rows.count()})`);
  await page.getByTestId("campaign-recipient-filter").selectOption("skipped");
  await page.locator('[data-testid="campaign-recipient-row"][data-status="read"]').first().waitFor({ state: "detached" });
  assert((await rows.count()) === 1, "the filter shows the skipped one");
  assert(/Opted out/.test((await rows.first().textContent()) ?? ""), "with its reason");
  await page.getByTestId("campaign-recipient-filter").selectOption("");
  await page.locator('[data-testid="campaign-recipient-row"][data-status="read"]').nth(5).waitFor();
  await screenshot(page, "campaign-detail");

  // The list shows it completed.
  await page.getByTestId("nav-campaigns").click();
  const row = page.locator(`[data-testid="campaign-row"][data-campaign-id="${campaignId}"][data-status="completed"]`);
  await row.waitFor();
  assert(((await row.getByTestId("campaign-row-name").textContent()) ?? "").trim() === name, "the list names it");
  await screenshot(page, "campaigns-list");
  return `7 in the audience, 1 skipped (opted out); progress ${values.join(" → ")}; paused at ${pausedAt}/${total}; 6 read, ${replied} replied`;
}
