// The top bar on laptop screens. At 1280×800 and 1366×768 an admin sees
// every page of the main navigation whole (no name cut, nothing scrolled out
// of sight), with no Menu button needed; sequences live under Campaigns, on
// a tab next to Broadcasts. Keyboard: Tab walks the bar's links in order, and
// Enter on Campaigns then on the Sequences tab opens the sequences. In the
// longest language (Tamil) at 1280 px the pages that do not fit whole leave
// the bar (not focusable) and the Menu offers them: still nothing is cut.
import { assert, baseUrl, login, screenshot, tenantWithChannel } from "../lib.mjs";

export const viewport = { width: 1280, height: 800 };

const PAGES = ["Inbox", "Dashboard", "Reports", "Contacts", "Segments", "Flows", "Templates", "Campaigns", "Settings"];

/** Each bar link: its name, whether it shows, whether it sits whole inside the bar, whether Tab reaches it. */
async function barLinks(page) {
  return page.locator('header nav[aria-label]').first().evaluate((nav) => {
    const box = nav.getBoundingClientRect();
    return [...nav.querySelectorAll("a")].map((a) => {
      const r = a.getBoundingClientRect();
      const shown = getComputedStyle(a).visibility !== "hidden" && r.width > 0;
      return {
        name: (a.textContent ?? "").trim(),
        shown,
        whole: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 && a.scrollWidth <= a.clientWidth + 1,
        focusable: a.tabIndex >= 0,
      };
    });
  });
}

async function everyPageWhole(page, label) {
  const links = await barLinks(page);
  assert(links.map((l) => l.name).join(",") === PAGES.join(","), `${label}: the bar names every page once (${links.map((l) => l.name).join(",")})`);
  const cut = links.filter((l) => !l.shown || !l.whole || !l.focusable);
  assert(cut.length === 0, `${label}: every page shows whole and is focusable (${JSON.stringify(cut)})`);
  const scrolls = await page.locator('header nav[aria-label]').first().evaluate((nav) => nav.scrollWidth > nav.clientWidth + 1);
  assert(!scrolls, `${label}: the bar does not scroll sideways`);
  assert(!(await page.getByTestId("nav-menu-open").isVisible()), `${label}: no Menu button needed`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  await login(page, tenant.email, tenant.password);

  await everyPageWhole(page, "1280×800");
  await screenshot(page, "nav-fit-1280");

  // Keyboard: from the inbox, Tab reaches the pages in order; Enter opens Campaigns.
  await page.getByTestId("nav-inbox").focus();
  for (const name of PAGES.slice(1)) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => (document.activeElement?.textContent ?? "").trim());
    assert(focused === name, `Tab moves to ${name} (at ${focused})`);
    if (name === "Campaigns") break;
  }
  await screenshot(page, "nav-fit-keyboard-focus");
  await page.keyboard.press("Enter");
  await page.getByTestId("campaigns-table").waitFor();
  const tabs = page.getByTestId("campaigns-tabs");
  assert((await tabs.getByRole("link", { name: "Broadcasts" }).getAttribute("aria-current")) === "page", "the Broadcasts tab says it is open");
  await tabs.getByRole("link", { name: "Sequences" }).focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("sequences-table").waitFor();
  assert((await tabs.getByRole("link", { name: "Sequences" }).getAttribute("aria-current")) === "page", "the Sequences tab says it is open");
  assert((await page.getByTestId("nav-campaigns").getAttribute("data-active")) === "true", "Campaigns stays marked in the bar on the sequences");
  await screenshot(page, "nav-fit-sequences-tab");

  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${baseUrl()}/inbox`);
  await page.getByTestId("conversation-list").waitFor();
  await everyPageWhole(page, "1366×768");
  await screenshot(page, "nav-fit-1366");

  // Tamil's names are the longest: what does not fit whole leaves the bar for the menu.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId("language-switcher").selectOption("ta");
  const menuButton = page.getByTestId("nav-menu-open");
  await page.getByTestId("nav-inbox").filter({ hasText: "இன்பாக்ஸ்" }).waitFor();
  // The bar re-measures after the names change (a resize observer): wait until no shown page sticks out of it.
  await page.waitForFunction(() => {
    const nav = document.querySelector("header nav[aria-label]");
    const box = nav.getBoundingClientRect();
    return [...nav.querySelectorAll("a")].every((a) => {
      const r = a.getBoundingClientRect();
      return getComputedStyle(a).visibility === "hidden" || (r.right <= box.right + 0.5 && r.bottom <= box.bottom + 0.5);
    });
  });
  const links = await barLinks(page);
  const shownCut = links.filter((l) => l.shown && !l.whole);
  assert(shownCut.length === 0, `ta: no page shows cut (${JSON.stringify(shownCut)})`);
  const hidden = links.filter((l) => !l.shown);
  assert(hidden.every((l) => !l.focusable), "ta: pages out of the bar are not focusable");
  if (hidden.length) {
    await menuButton.click();
    const menu = page.getByTestId("nav-menu");
    for (const l of hidden) await menu.getByRole("link", { name: l.name }).waitFor();
    await screenshot(page, "nav-fit-1280-ta-menu");
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
  } else {
    assert(!(await menuButton.isVisible()), "ta: every page fits, no menu");
  }
  await screenshot(page, "nav-fit-1280-ta");
  await page.getByTestId("language-switcher").selectOption("en");
  return `1280 and 1366: ${PAGES.length} pages whole, no menu; keyboard to Campaigns → Sequences tab; ta at 1280: ${hidden.length} page(s) moved to the menu, none cut`;
}
