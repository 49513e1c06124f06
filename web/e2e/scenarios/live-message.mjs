// Log in, then a customer's WhatsApp messages appear live: first as a new
// conversation in the list, then as a bubble in the open conversation — once.
import { randomBytes } from "node:crypto";
import { apiCall, assert, login, openConversation, postInboundText, registerTenant, screenshot, waitForBubble } from "../lib.mjs";

export default async function ({ page }) {
  const { email, password, auth } = await registerTenant();
  const suffix = randomBytes(4).toString("hex");
  const digits = String(parseInt(suffix, 16)).padStart(10, "0").slice(-10);
  const channel = {
    phone_number_id: `1${digits}`,
    display_phone_number: `+1555${digits.slice(-7)}`,
    waba_id: `2${digits}`,
    access_token: `e2e-token-${suffix}`,
    name: "E2E line",
    // The tenant's own Meta app, so the test can sign webhooks without the platform secret.
    app_id: process.env.E2E_APP_ID ?? `e2e-app-${suffix}`,
    app_secret: process.env.E2E_APP_SECRET ?? `e2e-secret-${suffix}`,
  };
  await apiCall("POST", "/channels", channel, auth.access_token);

  await login(page, email, password);
  const customer = { from: `9198${digits.slice(-8)}`, name: `Customer ${suffix}` };
  // E2E_PLATFORM_APP_SECRET (the server's WHATSAPP_APP_SECRET) signs for the platform app instead.
  const platformSecret = process.env.E2E_PLATFORM_APP_SECRET;
  const webhook = {
    appId: platformSecret ? null : channel.app_id,
    appSecret: platformSecret ?? channel.app_secret,
    phoneNumberId: channel.phone_number_id,
    displayPhone: channel.display_phone_number,
    wabaId: channel.waba_id,
    ...customer,
  };

  // 1. A first message creates the conversation; it shows up in the list without a reload.
  await postInboundText({ ...webhook, text: `hello from e2e ${suffix}` });
  const row = page.getByTestId("conversation-row").filter({ hasText: customer.name });
  await row.first().waitFor();
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, `hello from e2e ${suffix}`);

  // 2. With the conversation open, the next message arrives over the socket.
  const live = `second live message ${suffix}`;
  await postInboundText({ ...webhook, text: live });
  const bubbles = await waitForBubble(page, live);
  await page.waitForTimeout(500);
  assert((await bubbles.count()) === 1, "the live message is shown exactly once");
  assert((await bubbles.first().getAttribute("data-direction")) === "inbound", "it is an inbound bubble");
  await screenshot(page, "live-message");
}
