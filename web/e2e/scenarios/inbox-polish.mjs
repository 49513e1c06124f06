// The inbox's smaller things. With two numbers, rows say which number a
// conversation came in on and who has it, and a labelled "Number" filter
// (GET /conversations?channel_id=…) shows one number's conversations; the
// assignee filter says what it filters ("Assigned to: Anyone", never a bare
// "All"). The dashboard writes its range like every other date ("29 Nov
// 2026", not ISO). On a phone (390 px) the top bar is labelled (Inbox, the
// open page, Menu; the menu names every page), and the conversation header
// keeps the customer's name whole, its controls on a row of their own.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, digits, login, openConversation, postInboundText, registerSimNumber, screenshot, tenantWithChannel } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const id = digits(15);
  const sales = {
    phone_number_id: id,
    display_phone_number: `+1 555 ${id.slice(-7, -4)} ${id.slice(-4)}`,
    waba_id: tenant.channel.waba_id,
    access_token: `e2e-token-${randomBytes(6).toString("hex")}`,
    name: "Sales line",
  };
  await registerSimNumber({ ...sales, verified_name: sales.name });
  const salesChannel = await apiCall("POST", "/channels", sales, token);
  await tenant.customer("Meera Iyer").say("Where is my order?");
  await postInboundText({ ...tenant.signing, phoneNumberId: sales.phone_number_id, displayPhone: sales.display_phone_number, wabaId: sales.waba_id, from: `9198${digits(8)}`, name: "Ravi Kumar", text: "Do you have gift cards?" });

  await login(page, tenant.email, tenant.password);
  const rows = page.getByTestId("conversation-row");
  await rows.nth(1).waitFor();
  const meera = rows.filter({ hasText: "Meera Iyer" });
  const ravi = rows.filter({ hasText: "Ravi Kumar" });
  await meera.getByTestId("row-channel").filter({ hasText: "E2E support line" }).waitFor();
  await ravi.getByTestId("row-channel").filter({ hasText: "Sales line" }).waitFor();

  // Assigned to the admin: the row says so.
  const list = (await apiCall("GET", "/conversations?status=open", undefined, token)).data;
  const meeraConv = list.find((c) => c.contact.name === "Meera Iyer");
  await apiCall("PATCH", `/conversations/${meeraConv.id}`, { assignee_id: tenant.auth.user.id }, token);
  await meera.getByTestId("row-assignee").filter({ hasText: "You" }).waitFor();
  await ravi.getByTestId("row-assignee").filter({ hasText: "Unassigned" }).waitFor();

  // Labelled filters: the assignee filter and the number filter say what they filter.
  const labelOf = (testId) => page.evaluate((t) => document.querySelector(`[data-testid="${t}"]`)?.labels?.[0]?.textContent?.trim() ?? "", testId);
  assert((await labelOf("filter-assignee")) === "Assigned to", `the assignee filter is labelled (${await labelOf("filter-assignee")})`);
  assert((await page.getByTestId("filter-assignee").locator("option:checked").textContent()) === "Anyone", "its everyone choice reads Anyone");
  assert((await labelOf("filter-channel")) === "Number", `the number filter is labelled (${await labelOf("filter-channel")})`);
  const asked = page.waitForRequest((r) => r.url().includes("/api/v1/conversations?") && r.url().includes(`channel_id=${salesChannel.id}`));
  await page.getByTestId("filter-channel").selectOption(salesChannel.id);
  await asked;
  await meera.waitFor({ state: "detached" });
  await ravi.waitFor();
  await screenshot(page, "inbox-polish-number-filter");
  await page.getByTestId("filter-channel").selectOption("");
  await meera.waitFor();

  // The dashboard's range in the app's date format.
  await page.goto(`${baseUrl()}/dashboard`);
  await page.getByTestId("dashboard").waitFor();
  const subtitle = (await page.locator("h1 + p").first().textContent())?.trim() ?? "";
  assert(/^\d{1,2} [A-Z][a-z]{2} \d{4} – \d{1,2} [A-Z][a-z]{2} \d{4}$/.test(subtitle), `the range reads like "1 Nov 2026 – 29 Nov 2026" (${subtitle})`);

  // A phone: a labelled top bar, a menu naming every page, a header that keeps the name.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${baseUrl()}/inbox`);
  await openConversation(page, { name: "Meera Iyer" });
  const bar = page.locator("header").first();
  assert((await bar.getByTestId("nav-short-inbox").innerText()).includes("Inbox"), "the inbox link says Inbox");
  assert((await bar.getByTestId("nav-menu-open").innerText()).trim() === "Menu", "the menu button says Menu");
  const bare = await bar.evaluate((h) =>
    [...h.querySelectorAll("a, button, select")]
      .filter((el) => el.getBoundingClientRect().width > 0 && !(el.textContent ?? "").trim() && !el.getAttribute("aria-label"))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert(bare.length === 0, `no bare icons in the top bar (${bare.join(" | ")})`);
  const title = page.getByTestId("conversation-title");
  const whole = await title.evaluate((el) => el.scrollWidth <= el.clientWidth);
  assert(whole, "the customer's name is not cut in the header");
  const [titleBox, controlsBox] = [await title.boundingBox(), await page.getByTestId("conversation-controls").boundingBox()];
  assert(titleBox && controlsBox && controlsBox.y >= titleBox.y + titleBox.height - 1, "the header's controls sit on their own row under the name");
  assert(controlsBox.x >= 0 && controlsBox.x + controlsBox.width <= 390, "the controls fit the screen");
  await screenshot(page, "inbox-polish-phone-conversation");
  await page.getByTestId("nav-menu-open").click();
  const menu = page.getByTestId("nav-menu");
  for (const label of ["Inbox", "Dashboard", "Reports", "Contacts", "Segments", "Flows", "Templates", "Campaigns", "Settings"]) {
    await menu.getByRole("link", { name: label }).waitFor();
  }
  await screenshot(page, "inbox-polish-phone-menu");
  await menu.getByRole("link", { name: "Templates" }).click();
  await page.getByTestId("templates-table").waitFor();
  await bar.getByTestId("nav-current").filter({ hasText: "Templates" }).waitFor();
  return "rows name number and assignee; Number filter sent channel_id; labelled filters; dashboard range in the app's format; labelled phone bar and menu; header keeps the name at 390 px";
}
