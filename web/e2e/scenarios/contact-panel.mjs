// The contact beside the thread, and one clear tag model. A customer writes
// to two of the account's numbers (two conversations, one contact). At
// 1366 px the contact panel is open beside the thread (not over it) with the
// contact's details and their past conversations; a contact tag added in the
// panel belongs to the person (it shows on their other conversation too, and
// the API has it on the contact), while a conversation label added above the
// thread belongs to that conversation only (shown under its own heading in
// the panel, absent from the other conversation). Collapsing the panel is
// remembered across a reload; on a narrower screen it opens as a drawer.
import { randomBytes } from "node:crypto";
import { apiCall, assert, digits, login, openConversation, postInboundText, registerSimNumber, screenshot, tenantWithChannel } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

/** Connects a second number to the tenant; returns its webhook target. */
async function secondNumber(tenant) {
  const id = digits(15);
  const channel = {
    phone_number_id: id,
    display_phone_number: `+1 555 ${id.slice(-7, -4)} ${id.slice(-4)}`,
    waba_id: tenant.channel.waba_id,
    access_token: `e2e-token-${randomBytes(6).toString("hex")}`,
    name: "Sales line",
  };
  await registerSimNumber({ ...channel, verified_name: channel.name });
  await apiCall("POST", "/channels", channel, tenant.auth.access_token);
  return { ...tenant.signing, phoneNumberId: channel.phone_number_id, displayPhone: channel.display_phone_number, wabaId: channel.waba_id };
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const sales = await secondNumber(tenant);
  const customer = tenant.customer("Meera Iyer");
  await customer.say("Hi, where is my order?");
  await postInboundText({ ...sales, from: customer.waId, name: customer.name, text: "Also, do you sell gift cards?" });

  await login(page, tenant.email, tenant.password);
  const rows = page.getByTestId("conversation-row").filter({ hasText: "Meera Iyer" });
  await rows.nth(1).waitFor();
  const list = (await apiCall("GET", "/conversations?status=open&limit=50", undefined, token)).data;
  const mine = list.filter((c) => c.contact.name === "Meera Iyer");
  assert(mine.length === 2, `two conversations for the contact (got ${mine.length})`);
  const text = (c) => c.last_message?.content?.body ?? c.last_message?.content?.text?.body ?? "";
  const first = mine.find((c) => text(c).startsWith("Hi"));
  const second = mine.find((c) => c.id !== first?.id);
  assert(first && second, `the conversation per number is told apart (${mine.map(text)})`);

  // Rows name the number each conversation came in on (two numbers) and say who has it.
  const firstRow = page.locator(`[data-testid="conversation-row"][data-conversation-id="${first.id}"]`);
  const secondRow = page.locator(`[data-testid="conversation-row"][data-conversation-id="${second.id}"]`);
  await firstRow.getByTestId("row-channel").filter({ hasText: "E2E support line" }).waitFor();
  await secondRow.getByTestId("row-channel").filter({ hasText: "Sales line" }).waitFor();
  assert((await firstRow.getByTestId("row-assignee").textContent())?.includes("Unassigned"), "an unassigned row says so");

  await openConversation(page, { id: first.id });
  const panel = page.getByTestId("contact-panel");
  await panel.waitFor();
  const side = page.getByTestId("contact-side");
  assert((await side.getAttribute("data-mode")) === "beside", "at 1366 px the panel sits beside the thread");
  const thread = await page.getByTestId("conversation-view").boundingBox();
  const box = await side.boundingBox();
  assert(thread && box && box.x >= thread.x + thread.width - 1 && box.width >= 300, `the panel is beside the thread, not over it (${JSON.stringify({ thread, box })})`);
  await panel.getByTestId("contact-label").filter({ hasText: "Meera Iyer" }).waitFor();
  await panel.getByTestId("contact-phone").filter({ hasText: customer.waId.slice(-6) }).waitFor();

  // Past conversations: both, this one marked; the other names its number.
  const past = panel.getByTestId("contact-past-conversation");
  await past.nth(1).waitFor();
  assert((await past.count()) === 2, "both conversations are listed");
  const pastFirst = panel.locator(`[data-testid="contact-past-conversation"][data-conversation-id="${first.id}"]`);
  assert((await pastFirst.getAttribute("aria-current")) === "page", "the open conversation is marked");
  await panel.locator(`[data-testid="contact-past-conversation"][data-conversation-id="${second.id}"]`).filter({ hasText: "Sales line" }).waitFor();

  // A contact tag, added in the panel: the person's.
  const contactTags = panel.getByTestId("panel-contact-tags");
  await panel.getByTestId("contact-tags-section").filter({ hasText: "Contact tags" }).waitFor();
  await contactTags.getByTestId("panel-contact-tags-add").click();
  await contactTags.getByTestId("panel-contact-tags-input").fill("VIP");
  await contactTags.getByTestId("panel-contact-tags-save").click();
  await contactTags.locator('[data-testid="panel-contact-tags-tag"][data-tag="vip"]').waitFor();

  // A conversation label, added above the thread: this conversation's only.
  const bar = page.getByTestId("conversation-tags");
  assert((await bar.textContent())?.includes("Conversation labels"), "the bar says it edits conversation labels");
  const help = await bar.getByTestId("conversation-tags-help").getAttribute("title");
  assert(/this conversation only/.test(help ?? ""), `the labels explain themselves (${help})`);
  await bar.getByTestId("conversation-tag-add").click();
  await bar.getByTestId("conversation-tag-input").fill("refund");
  await bar.getByTestId("conversation-tag-save").click();
  await panel.getByTestId("panel-labels").locator('[data-testid="panel-label"][data-tag="refund"]').waitFor();
  assert((await contactTags.locator('[data-tag="refund"]').count()) === 0, "a label is not a contact tag");
  await screenshot(page, "contact-panel-desktop");

  const contact = await apiCall("GET", `/contacts/${first.contact.id}`, undefined, token);
  assert(contact.tags.includes("vip") && !contact.tags.includes("refund"), `the contact has the tag, not the label (${contact.tags})`);
  const firstNow = await apiCall("GET", `/conversations/${first.id}`, undefined, token);
  assert((firstNow.tags ?? []).includes("refund"), "the conversation has the label");

  // The other conversation: the person's tag is there, this conversation's label is not.
  await panel.locator(`[data-testid="contact-past-conversation"][data-conversation-id="${second.id}"]`).click();
  await page.locator(`[data-testid="conversation-view"][data-conversation-id="${second.id}"]`).waitFor();
  await panel.locator(`[data-testid="contact-past-conversation"][data-conversation-id="${second.id}"][aria-current="page"]`).waitFor();
  await contactTags.locator('[data-testid="panel-contact-tags-tag"][data-tag="vip"]').waitFor();
  await panel.getByTestId("panel-labels").filter({ hasText: "No labels" }).waitFor();

  // Collapsed: remembered across a reload; the customer's name brings it back.
  await panel.getByTestId("contact-panel-close").click();
  await panel.waitFor({ state: "detached" });
  await page.reload();
  await page.getByTestId("conversation-view").waitFor();
  await page.getByTestId("conversation-header").waitFor();
  assert((await page.getByTestId("contact-panel").count()) === 0, "the collapsed panel stays collapsed after a reload");
  await page.getByTestId("contact-toggle").click();
  await panel.waitFor();

  // Narrower: a drawer over the page, closed with Escape.
  await page.setViewportSize({ width: 1024, height: 768 });
  await panel.waitFor({ state: "detached" });
  await page.getByTestId("contact-toggle").click();
  await panel.waitFor();
  assert((await side.getAttribute("data-mode")) === "drawer", "below 1280 px the panel is a drawer");
  await screenshot(page, "contact-panel-drawer");
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  return "panel beside the thread, contact tag on the person, label on one conversation, collapse remembered, drawer on narrow screens";
}
