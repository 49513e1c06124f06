// A markup partner's Domains and Prices pages against the real server.
// Domains: its own address is shown as always on; a domain typed with a
// scheme, capitals and a path is added as the bare host name with the TXT
// record to create (name and value); Verify, with no such record in DNS,
// says which record to create and leaves it waiting; a second partner may
// add the same unproven domain (adding claims nothing: the first to publish
// its own TXT record holds it) and gets its own token; Remove takes it
// away. Prices: each plan shows
// the platform's price; a retail price below it is refused in the page
// (nothing sent); a higher one is saved with the margin shown, and the
// server has it.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, screenshot } from "../lib.mjs";
import { createPartner, loginAt } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** "₹2,999.00" → 299900 */
const paise = (s) => Math.round(Number(s.replace(/[^\d.]/g, "")) * 100);

export default async function ({ page }) {
  const acme = await createPartner({ model: "markup" });
  await loginAt(page, acme.origin, acme.email, acme.password, null);
  await page.locator('[data-testid="partner-area"][data-state="ready"]').waitFor();

  // 1. Domains.
  await page.getByTestId("partner-tab-domains").click();
  await page.locator('[data-testid="partner-domains"][data-state="ready"]').waitFor();
  assert((await text(page.getByTestId("domain-own-host"))).includes(`${acme.slug}.localhost`), "the partner's own address is shown");
  const domain = `chat-${randomBytes(3).toString("hex")}.acme.test`;
  await page.getByTestId("domain-input").fill("chat");
  await page.getByTestId("domain-add").click();
  await page.getByTestId("partner-domains").getByTestId("field-error").waitFor();
  await page.getByTestId("domain-input").fill(`https://${domain.toUpperCase()}/login`);
  await page.getByTestId("domain-add").click();
  const row = page.locator(`[data-testid="domain-row"][data-domain="${domain}"]`);
  await row.waitFor();
  assert((await row.getAttribute("data-verified")) === "false", "a new domain waits for DNS");
  assert((await text(row.getByTestId("domain-txt-name"))) === `_whatsflow.${domain}`, `the TXT record's name (${await text(row.getByTestId("domain-txt-name"))})`);
  const txtValue = await text(row.getByTestId("domain-txt-value"));
  assert(txtValue.startsWith("whatsflow-verify="), `the TXT record's value (${txtValue})`);
  await row.getByTestId("domain-verify").click();
  const notFound = row.getByTestId("domain-error");
  await notFound.waitFor();
  assert((await text(notFound)).includes(`_whatsflow.${domain}`), `verifying without the record says which to create (${await text(notFound)})`);
  assert((await row.getAttribute("data-verified")) === "false", "still waiting for DNS");
  await screenshot(page, "partner-pages-domains");

  const other = await createPartner();
  const also = await fetch(`${baseUrl()}/api/v1/partner/domains`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await other.token()}` },
    body: JSON.stringify({ domain }),
  });
  const theirs = await also.json();
  assert(also.status === 201 && theirs.txt_value !== txtValue, "another partner may add the unproven domain, with its own token");

  await row.getByTestId("domain-remove").click();
  await row.getByTestId("domain-remove-confirm").click();
  await row.waitFor({ state: "detached" });
  assert((await apiCall("GET", "/partner/domains", undefined, await acme.token())).data.length === 0, "the server has no domain left");

  // 2. Prices.
  await page.getByTestId("partner-tab-prices").click();
  const priceRow = page.getByTestId("price-row").filter({ has: page.getByTestId("price-monthly") }).first();
  await priceRow.waitFor();
  const plan = await priceRow.getAttribute("data-plan");
  const wholesale = paise(await text(priceRow.locator("td").nth(1).locator("div").first()));
  assert(wholesale > 0, `the platform's monthly price is shown (${wholesale})`);
  await priceRow.getByTestId("price-monthly").fill(String(wholesale / 100 - 1));
  await priceRow.getByTestId("price-problem").waitFor();
  assert(await priceRow.getByTestId("price-save").isDisabled(), "a price below the platform's cannot be saved");
  const retail = wholesale + 50_000;
  await priceRow.getByTestId("price-monthly").fill(String(retail / 100));
  assert((await text(priceRow)).includes("You earn ₹500.00"), `the margin is shown (${await text(priceRow)})`);
  await priceRow.getByTestId("price-save").click();
  await priceRow.getByTestId("price-saved").waitFor();
  const prices = await apiCall("GET", "/partner/prices", undefined, await acme.token());
  const saved = prices.data.find((p) => p.plan_code === plan);
  assert(saved?.retail_monthly_minor === retail && saved.retail_annual_minor === null, `the server has the retail price (${JSON.stringify(saved)})`);
  await screenshot(page, "partner-pages-prices");
  return `${domain}: TXT shown, verify refused with the record named, another partner's own token, removed; ${plan} retail ${retail} paise over ${wholesale}`;
}
