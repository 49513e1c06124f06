// Contacts: import a CSV with two good and two bad rows and see the server's
// report (2 imported, 2 failed, with their line numbers); export them again as
// a CSV download; add a contact (and be told when it already exists); edit
// one's tags and custom fields; filter the list by tag.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { assert, digits, login, registerTenant, screenshot } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await registerTenant();
  const tag = `csv${randomBytes(2).toString("hex")}`;
  const good = [`+9198${digits(8)}`, `+1415${digits(7)}`];
  const csv = [
    "phone,name,tags,opted_in,city",
    `${good[0]},Asha Rao,${tag};vip,true,Pune`,
    "not-a-phone,Broken Row,,true,Delhi",
    `${good[1]},Jordan Lee,${tag},false,Austin`,
    ",No Phone,,,",
  ].join("\n");

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-contacts").click();
  await page.getByTestId("contacts-table").waitFor();

  // 1. Import: the per-line report.
  await page.getByTestId("contacts-import").click();
  await page.getByTestId("import-text").fill(csv);
  await page.getByTestId("import-submit").click();
  const report = page.getByTestId("import-report");
  await report.waitFor();
  const count = async (key) => Number(await report.getByTestId(`import-${key}`).getAttribute("data-value"));
  assert((await count("imported")) === 2, "2 imported");
  assert((await count("failed")) === 2, "2 failed");
  assert((await count("total")) === 4, "4 rows");
  const lines = await page.getByTestId("import-error-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-line"))));
  assert(JSON.stringify(lines) === JSON.stringify([3, 5]), `the failed rows are lines 3 and 5 (got ${lines})`);
  assert(/phone/i.test((await page.getByTestId("import-errors").textContent()) ?? ""), "the report names the bad field");
  await screenshot(page, "contacts-import");
  await page.keyboard.press("Escape");
  await page.getByTestId("contact-row").filter({ hasText: "Asha Rao" }).waitFor();
  await page.getByTestId("contact-row").filter({ hasText: "Jordan Lee" }).waitFor();

  // 2. Export: a CSV download with the bearer token.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("contacts-export").click()]);
  const exported = readFileSync(await download.path(), "utf8");
  assert(exported.split("\n")[0].startsWith("phone,"), "the export has a header");
  assert(good.every((p) => exported.includes(p)), "the export lists the imported contacts");

  // 3. Add a contact; adding the same phone again is refused with the server's message.
  const phone = `+4477${digits(8)}`;
  await page.getByTestId("contact-add").click();
  await page.getByTestId("contact-phone").fill(phone);
  await page.getByTestId("contact-name").fill("Priya Nair");
  await page.getByTestId("contact-tags-input").fill("new, lead");
  await page.getByTestId("custom-field-add").click();
  await page.getByTestId("custom-field-row").locator("input").nth(0).fill("plan");
  await page.getByTestId("custom-field-row").locator("input").nth(1).fill("gold");
  await page.getByTestId("contact-save").click();
  await page.getByTestId("contact-dialog").waitFor({ state: "detached" });
  const priya = page.getByTestId("contact-row").filter({ hasText: "Priya Nair" });
  await priya.waitFor();
  assert(/plan: gold/.test((await priya.textContent()) ?? ""), "the custom field is listed");
  await page.getByTestId("contact-add").click();
  await page.getByTestId("contact-phone").fill(phone);
  await page.getByTestId("contact-save").click();
  // The refusal is said under the phone field.
  await page.getByTestId("contact-dialog").getByTestId("field-error").filter({ hasText: /already exists/i }).waitFor();
  await page.keyboard.press("Escape");

  // 4. Edit: add a tag, remove one, change a custom field.
  await priya.getByTestId("contact-edit").click();
  const dialog = page.getByTestId("contact-dialog");
  await dialog.getByTestId("contact-tags-input").fill(tag);
  await dialog.getByTestId("contact-tag-add").click();
  await dialog.getByTestId("contact-tag").filter({ hasText: tag }).waitFor();
  await dialog.getByTestId("contact-tag").filter({ hasText: "new" }).getByTestId("contact-tag-remove").click();
  await dialog.getByTestId("contact-tag").filter({ hasText: "new" }).waitFor({ state: "detached" });
  await dialog.getByTestId("custom-field-row").locator("input").nth(1).fill("platinum");
  await dialog.getByTestId("contact-save").click();
  await dialog.waitFor({ state: "detached" });
  await priya.filter({ hasText: "plan: platinum" }).waitFor();

  // 5. Filter by tag: the three tagged contacts, not the others.
  await page.getByTestId("contacts-tag-filter").fill(tag);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="contact-row"]').length === 3,
    null,
  );
  return `imported 2, failed lines ${lines.join(" and ")}; export ${exported.split("\n").filter(Boolean).length - 1} rows; tag filter ${tag} shows 3`;
}
