// A split test (A/B) built in the wizard: six contacts tagged alike and
// Meta's seeded templates come in through the API; the message step takes
// `spring_sale` (contact name + "20%") as A, the split toggle adds
// `festive_offer` (the simulator's other approved MARKETING template, with
// quick-reply buttons) as B with its own sources (name + "25%") and a live
// sample, at 50 %; the review shows both variants with their shares. Started,
// it completes; the per-variant comparison lists A and B with their
// templates, audiences adding up to six and sends to all six; the recipients
// table marks each one's variant. A B recipient taps "Shop now" (a signed
// button webhook naming their message): variant B counts one click, the
// per-button breakdown shows "Shop now" 1, and their row names the button.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, postInboundButton, screenshot, tenantWithChannel } from "../lib.mjs";

const NAMES = ["Asha", "Ravi", "Meera", "Kabir", "Zoya", "Dev"];

/** The variant table's numbers: {a: {audience, sent, …}, b: {…}}. */
async function variantTable(page) {
  return page.getByTestId("campaign-variant-row").evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute("data-variant"),
        {
          template: r.getAttribute("data-template"),
          ...Object.fromEntries([...r.querySelectorAll("[data-metric]")].map((c) => [c.getAttribute("data-metric"), Number(c.getAttribute("data-value"))])),
        },
      ]),
    ),
  );
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const tag = `ab${hex}`;
  for (const name of NAMES) await apiCall("POST", "/contacts", { name, phone: `+9198${digits(8)}`, tags: [tag], opted_in: true }, token);
  await apiCall("POST", "/templates/sync", undefined, token);

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaigns-table").waitFor();
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-wizard").waitFor();

  // 1. Audience.
  const name = `Festive split ${hex}`;
  await page.getByTestId("campaign-name").fill(name);
  await page.getByTestId("campaign-tags").fill(tag);
  await page.getByTestId("campaign-next").click();

  // 2. Template A, then the split test with template B.
  const template = page.getByTestId("campaign-template");
  const optionA = template.locator('option[data-name="spring_sale"]');
  await optionA.waitFor({ state: "attached" });
  await template.selectOption(await optionA.getAttribute("value"));
  await page.getByTestId("campaign-source-body-2").selectOption("value");
  await page.getByTestId("campaign-source-body-2-text").fill("20%");
  await page.getByTestId("campaign-split-toggle").check();
  const templateB = page.getByTestId("campaign-template-b");
  const optionB = templateB.locator('option[data-name="festive_offer"]');
  await optionB.waitFor({ state: "attached" });
  const offered = await templateB.locator("option[data-name]").evaluateAll((os) => os.map((o) => o.getAttribute("data-name")));
  assert(!offered.includes("spring_sale") && !offered.includes("order_update") && !offered.includes("hello_world"), `B offers other MARKETING templates only: ${offered.join(", ")}`);
  await templateB.selectOption(await optionB.getAttribute("value"));
  assert((await page.getByTestId("campaign-b-source-body-1").inputValue()) === "name", "B's first placeholder starts on the contact's name");
  await page.getByTestId("campaign-b-source-body-2").selectOption("value");
  await page.getByTestId("campaign-b-source-body-2-text").fill("25%");
  await page.getByTestId("campaign-sample-b").getByTestId("bubble-body").filter({ hasText: /, this festive season take 25% off\. Tap below to shop\./ }).waitFor();
  await page.getByTestId("campaign-sample-b").getByTestId("bubble-button").filter({ hasText: "Shop now" }).waitFor();
  assert((await page.getByTestId("campaign-split-percent").inputValue()) === "50", "the split starts at 50 %");
  // Out of range is refused before saving; 50 again.
  await page.getByTestId("campaign-split-percent").fill("100");
  await page.getByTestId("campaign-next").click();
  await page.getByTestId("campaign-wizard-error").filter({ hasText: /1 to 99/ }).waitFor();
  await page.getByTestId("campaign-split-percent").fill("50");
  await page.getByTestId("campaign-split-shares").filter({ hasText: "A: 50% · B: 50%" }).waitFor();
  await screenshot(page, "campaign-split-message");
  await page.getByTestId("campaign-next").click();

  // 3. Speed: the number's rate; saved.
  await page.getByTestId("campaign-rate").waitFor();
  await page.getByTestId("campaign-save").click();

  // 4. Review: six, both variants named.
  const review = page.getByTestId("campaign-review");
  const audience = review.getByTestId("campaign-review-audience");
  await audience.waitFor();
  assert(Number(await audience.getAttribute("data-value")) === 6, `6 in the audience (${await audience.getAttribute("data-value")})`);
  const split = review.getByTestId("campaign-review-split");
  assert((await split.getAttribute("data-percent")) === "50", "the review shows the split");
  const splitText = (await split.textContent()) ?? "";
  assert(/A: spring_sale \(en\) · 50%/.test(splitText) && /B: festive_offer \(en\) · 50%/.test(splitText), `both variants listed: "${splitText}"`);
  const draft = await apiCall("GET", `/campaigns/${page.url().match(/campaigns\/([0-9a-f-]+)\/edit/)[1]}`, undefined, token);
  assert(draft.variant_b?.template?.name === "festive_offer" && draft.variant_b.split_percent === 50, `variant_b saved: ${JSON.stringify(draft.variant_b)}`);
  assert(JSON.stringify(draft.variant_b.variables) === JSON.stringify({ body: [{ field: "contact.name" }, { value: "25%" }] }), `B's sources saved: ${JSON.stringify(draft.variant_b.variables)}`);
  const sampleVariants = await review.getByTestId("campaign-review-sample").evaluateAll((els) => els.map((e) => e.getAttribute("data-variant")));
  await screenshot(page, "campaign-split-review");

  // Start: it completes; the comparison shows both.
  await page.getByTestId("campaign-start").click();
  const detail = page.getByTestId("campaign-detail");
  await detail.waitFor();
  const campaignId = await detail.getAttribute("data-campaign-id");
  await page.locator('[data-testid="campaign-detail"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await page.getByTestId("campaign-variants").waitFor();
  await page.waitForFunction(
    () => {
      const cells = [...document.querySelectorAll('[data-testid="campaign-variant-row"] [data-metric="sent"]')];
      return cells.length === 2 && cells.reduce((n, c) => n + Number(c.getAttribute("data-value")), 0) === 6;
    },
    null,
    { timeout: 30_000 },
  );
  let table = await variantTable(page);
  assert(table.a?.template === "spring_sale" && table.b?.template === "festive_offer", `A is spring_sale, B festive_offer: ${JSON.stringify(table)}`);
  assert(table.a.audience + table.b.audience === 6, `the variants' audiences add up to 6: ${table.a.audience} + ${table.b.audience}`);
  assert(table.a.audience === 3 && table.b.audience === 3, `50 % each: ${table.a.audience} / ${table.b.audience}`);
  await page.getByTestId("campaign-variants-chart").locator("svg .recharts-bar-rectangle").first().waitFor();
  const rowVariants = await page.locator('[data-testid="campaign-recipient-row"]').evaluateAll((rs) => rs.map((r) => r.getAttribute("data-variant")));
  assert(rowVariants.length === 6 && rowVariants.filter((v) => v === "a").length === 3 && rowVariants.filter((v) => v === "b").length === 3, `each recipient's variant is shown: ${rowVariants.join(",")}`);

  // A B recipient taps "Shop now".
  const rows = (await apiCall("GET", `/campaigns/${campaignId}/messages?limit=50`, undefined, token)).data;
  const tapper = rows.find((r) => r.variant === "b" && r.wamid);
  assert(tapper, "a B recipient with a message id");
  await postInboundButton({ ...tenant.webhookTarget, from: tapper.phone.replace(/\D/g, ""), name: "Tapper", text: "Shop now", replyingTo: tapper.wamid });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="campaign-variant-row"][data-variant="b"] [data-metric="clicked"]')?.getAttribute("data-value")) === 1, null, {
    timeout: 20_000,
  });
  await page.locator('[data-testid="campaign-button-count"][data-button="Shop now"][data-value="1"]').waitFor({ state: "attached" });
  assert(Number(await page.getByTestId("campaign-stat-clicked").getAttribute("data-value")) === 1, "one click in all");
  await page.locator('[data-testid="campaign-recipient-row"][data-clicked="Shop now"]').getByTestId("campaign-recipient-clicked").filter({ hasText: "Tapped “Shop now”" }).waitFor();
  table = await variantTable(page);
  assert(table.a.clicked === 0, "A has no clicks");
  await screenshot(page, "campaign-split-detail");
  await page.getByTestId("campaign-variants").scrollIntoViewIfNeeded();
  await screenshot(page, "campaign-split-variants");
  return `A spring_sale ${table.a.audience} (sent ${table.a.sent}, read ${table.a.read}) vs B festive_offer ${table.b.audience} (sent ${table.b.sent}, read ${table.b.read}, clicked ${table.b.clicked}); review samples ${sampleVariants.join("/")}`;
}
