// A white-label partner's brand on its own host. The operator creates partner
// acme<random> through the API; its admin signs in on
// http://acme<random>.localhost:<port>/login and lands in the partner area,
// opens Branding, types a product name and a main colour (the preview
// follows), picks a logo and a tab icon (PNG files), and saves: the app on
// that host takes the brand at once. Signed out, the partner host's login
// page shows the product name (also as the tab title and in "Sign in to …"),
// the logo (drawn, same origin), the colours (CSS variable, the sign-in
// button; the accent on the app's top bar) and the tab icon;
// the platform's host still shows "whatsflow" and its own colours. A person
// of an account that is not the partner's cannot sign in on the partner's
// host: the same "wrong email or password" as a bad password.
import { randomBytes } from "node:crypto";
import { assert, baseUrl, launch, registerTenant, screenshot } from "../lib.mjs";
import { createPartner, loginAt, solidPng } from "../partners.mjs";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** What the login page shows of the brand: name, title, logo (loaded?), the brand colour (of the enabled sign-in button), the tab icon. */
async function brandOnPage(page) {
  await page.locator('[data-testid="brand-header"][data-ready="true"]').waitFor();
  await page.getByTestId("login-email").fill("someone@example.test");
  await page.getByTestId("login-password").fill("not-sent");
  return page.evaluate(() => {
    // The button's colour change is animated: read where it ends.
    for (const a of document.getAnimations()) a.finish();
    const logo = document.querySelector('[data-testid="brand-logo"]');
    return {
      name: document.querySelector('[data-testid="brand-name"]')?.textContent?.trim() ?? null,
      title: document.title,
      logo: logo ? { src: logo.getAttribute("src"), drawn: logo.complete && logo.naturalWidth > 0 } : null,
      primary: getComputedStyle(document.documentElement).getPropertyValue("--color-brand-600").trim(),
      button: getComputedStyle(document.querySelector('[data-testid="login-submit"]')).backgroundColor,
      icon: document.querySelector('link[rel~="icon"]')?.getAttribute("href") ?? null,
    };
  });
}

export default async function ({ page }) {
  const acme = await createPartner();
  const productName = `Acme Chat ${randomBytes(2).toString("hex")}`;
  const primary = "#b91c1c";
  const accent = "#7f1d1d";

  // 1. The partner's admin signs in on the partner's host and lands in the partner area.
  await loginAt(page, acme.origin, acme.email, acme.password, null);
  await page.locator('[data-testid="partner-area"][data-state="ready"]').waitFor();
  assert(new URL(page.url()).pathname.startsWith("/partner"), `a partner's admin lands in the partner area (${page.url()})`);
  assert((await page.getByTestId("partner-area").getAttribute("data-status")) === "approved", "the operator's partner is approved");

  // 2. Branding: name, colour, logo and tab icon, with the preview following.
  await page.getByTestId("partner-tab-branding").click();
  await page.locator('[data-testid="partner-branding"][data-state="ready"]').waitFor();
  await page.getByTestId("branding-name").fill(productName);
  await page.getByTestId("branding-primary").fill("red");
  await page.getByTestId("branding-save").click();
  const colourProblem = page.getByTestId("partner-branding").getByTestId("field-error");
  await colourProblem.waitFor();
  assert(/#16a34a/.test(await text(colourProblem)), `a colour that is not #rrggbb is refused before sending (${await text(colourProblem)})`);
  await page.getByTestId("branding-primary").fill(primary);
  await page.getByTestId("branding-accent").fill(accent);
  await page.getByTestId("branding-logo").setInputFiles({ name: "acme-logo.png", mimeType: "image/png", buffer: solidPng(48, [185, 28, 28]) });
  await page.getByTestId("branding-favicon").setInputFiles({ name: "acme-icon.png", mimeType: "image/png", buffer: solidPng(16, [185, 28, 28]) });
  await page.locator('[data-testid="branding-logo-current"][data-state="replace"]').waitFor();
  assert((await text(page.getByTestId("branding-preview-name"))) === productName, "the preview shows the name as typed");
  await page.getByTestId("branding-preview-logo").waitFor();
  const bar = await page.getByTestId("branding-preview-bar").evaluate((el) => getComputedStyle(el).backgroundColor);
  assert(bar !== "rgba(0, 0, 0, 0)", `the preview's bar takes a colour (${bar})`);
  await screenshot(page, "partner-branding-form");
  await page.getByTestId("branding-save").click();
  await page.getByTestId("branding-saved").waitFor();
  // On its own host the app wears the brand at once.
  await page.locator('[data-testid="shell-brand-name"]', { hasText: productName }).waitFor();
  await page.getByTestId("shell-brand-logo").waitFor();
  const header = await page.locator("header").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert(header === "rgb(127, 29, 29)", `the top bar takes the accent colour (${header})`);
  assert((await page.getByTestId("branding-logo-current").getAttribute("data-state")) === "keep", "after saving, the stored logo is shown");

  // 3. Signed out, the partner host's login page wears the brand.
  await page.getByTestId("logout").click();
  await page.getByTestId("login-form").waitFor();
  await page.goto(`${acme.origin}/login`);
  const branded = await brandOnPage(page);
  assert(branded.name === productName, `the product name on the login page (${branded.name})`);
  assert(branded.title === productName, `the tab title is the product name (${branded.title})`);
  assert((await text(page.locator("h1"))) === `Sign in to ${productName}`, `the card names the product (${await text(page.locator("h1"))})`);
  assert(branded.logo?.drawn && branded.logo.src.startsWith("/api/v1/branding/logo"), `the logo is drawn from the partner's host (${JSON.stringify(branded.logo)})`);
  assert(branded.primary === primary, `the brand colour is the page's (${branded.primary})`);
  assert(branded.button === "rgb(185, 28, 28)", `the sign-in button has the brand colour (${branded.button})`);
  assert(branded.icon?.startsWith("/api/v1/branding/favicon"), `the tab icon is the partner's (${branded.icon})`);
  assert((await page.getByTestId("login-become-partner").count()) === 0, "no partner programme on a partner's host");
  await screenshot(page, "partner-branding-login");

  // 4. The platform's host still shows the platform's brand.
  const platform = await launch();
  try {
    await platform.page.goto(`${baseUrl()}/login`);
    const own = await brandOnPage(platform.page);
    assert(own.name === "whatsflow" && own.title === "whatsflow", `the platform host shows whatsflow (${own.name} / ${own.title})`);
    assert(own.logo === null, "no partner logo on the platform's host");
    assert(own.button !== "rgb(185, 28, 28)", `the platform keeps its colours (${own.button})`);
    assert(own.icon === "/favicon.svg", `the platform's tab icon (${own.icon})`);
    await platform.page.getByTestId("login-become-partner").waitFor();
    await screenshot(platform.page, "partner-branding-platform-login");
  } finally {
    await platform.close();
  }

  // 5. Someone of another account cannot sign in on the partner's host.
  const outsider = await registerTenant();
  await loginAt(page, acme.origin, outsider.email, outsider.password, null);
  const refused = page.getByTestId("login-error");
  await refused.waitFor();
  assert(/password/i.test(await text(refused)), `the outsider sees the wrong-credentials message (${await text(refused)})`);
  assert(new URL(page.url()).pathname === "/login", "still on the login page");
  assert((await page.evaluate(() => localStorage.getItem("whatsflow.session"))) === null, "no session for the outsider");
  await screenshot(page, "partner-branding-outsider");
  return `${acme.slug}.localhost shows "${productName}" in ${primary} with its logo and icon; the platform host shows whatsflow; an outsider is refused`;
}
