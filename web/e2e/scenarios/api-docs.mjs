// The API reference (/api/docs) is a page people read: the basics first,
// every route by area with who may call it, a table of contents that jumps
// to an area, and nothing wider than the window at 1366 px or on a phone.
import { assert, baseUrl, screenshot } from "../lib.mjs";

async function noOverflow(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert(scroll <= inner, `${what}: the page is ${scroll}px wide in a ${inner}px window`);
}

export default async function ({ page }) {
  const doc = await (await fetch(`${baseUrl()}/api/openapi.json`)).json();
  const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);

  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${baseUrl()}/api/docs`);
  await page.locator("#basics").waitFor();
  assert((await page.locator("article").count()) === operations, `every operation of the OpenAPI document is on the page (${operations})`);
  const who = await page.locator("article .who").first().textContent();
  assert(/Who may call it: /.test(who ?? ""), `each route says who may call it: "${who}"`);
  await noOverflow(page, "desktop");
  await screenshot(page, "api-docs-desktop");

  // The table of contents jumps to an area.
  await page.locator('nav a[href="#area-inbox"]').click();
  await page.waitForFunction(() => location.hash === "#area-inbox");
  const top = await page.locator("#area-inbox").evaluate((el) => el.getBoundingClientRect().top);
  assert(Math.abs(top) < 5, `the inbox area is at the top of the window (${top}px)`);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${baseUrl()}/api/docs`);
  await page.locator("#basics").waitFor();
  await noOverflow(page, "phone");
  await screenshot(page, "api-docs-phone");
}
