// Managing a connected number. Each number shows its quality rating and
// messaging limit as Meta reported them when it was checked (the Graph API
// simulator: GREEN, TIER_1K). An admin renames it and sets its send rate
// (a rate out of range is refused at the field while typing); replaces its
// access token (a token Meta does not accept is refused in words, the
// accepted one is saved); Meta's phone_number_quality_update webhook then
// raises the limit and flags the number, and the page says so; finally the
// number is disconnected after a confirmation that names it.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, login, postWebhook, registerSimNumber, screenshot, tenantWithChannel } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const [channel] = (await apiCall("GET", "/channels", undefined, token)).data;
  await login(page, tenant.email, tenant.password);
  await page.goto(`${baseUrl()}/settings/channels`);
  const card = page.locator(`[data-testid="channel-row"][data-channel-id="${channel.id}"]`);
  await card.waitFor();

  // Standing as Meta reported it when the number was checked.
  await card.locator('[data-testid="channel-quality"][data-quality="GREEN"]').filter({ hasText: "High" }).waitFor();
  await card.locator('[data-testid="channel-tier"][data-tier="TIER_1K"]').filter({ hasText: "1,000 customers a day" }).waitFor();
  assert(!/Not reported yet/.test((await card.getByTestId("channel-quality-updated").textContent()) ?? ""), "it says when Meta reported it");

  // Edit: name and send rate; an impossible rate is refused at the field.
  await card.getByTestId("channel-edit").click();
  const edit = page.getByTestId("channel-edit-dialog");
  await edit.getByTestId("channel-edit-name").fill("Support desk");
  await edit.getByTestId("channel-edit-rate").fill("5000");
  await edit.getByTestId("field-error").filter({ hasText: "Enter a whole number from 1 to 1000." }).waitFor();
  assert(await edit.getByTestId("channel-edit-save").isDisabled(), "an impossible rate cannot be saved");
  await edit.getByTestId("channel-edit-rate").fill("20");
  await edit.getByTestId("channel-edit-save").click();
  await edit.waitFor({ state: "detached" });
  await card.getByTestId("channel-name").filter({ hasText: "Support desk" }).waitFor();
  await card.getByTestId("channel-rate").filter({ hasText: "20 messages per second" }).waitFor();
  const edited = await apiCall("GET", `/channels/${channel.id}`, undefined, token);
  assert(edited.name === "Support desk" && edited.messages_per_second === 20, `saved on the server (${edited.name}, ${edited.messages_per_second})`);

  // Replace the token: one Meta does not accept is refused in words; then the new one.
  await card.getByTestId("channel-token").click();
  const dialog = page.getByTestId("channel-token-dialog");
  await dialog.filter({ hasText: "Support desk" }).waitFor();
  await dialog.getByTestId("channel-token-input").fill(`not-a-meta-token-${randomBytes(4).toString("hex")}`);
  await dialog.getByTestId("channel-token-save").click();
  const refusal = dialog.getByTestId("channel-token-error");
  await refusal.waitFor();
  const refusalText = (await refusal.textContent()) ?? "";
  assert(!/`|problem\(s\)/.test(refusalText) && /Meta/.test(refusalText), `the refusal is in words (${refusalText})`);
  const fresh = `e2e-token-${randomBytes(6).toString("hex")}`;
  // Meta (the simulator) knows the new token for this number.
  await registerSimNumber({ ...tenant.channel, access_token: fresh, verified_name: tenant.channel.name });
  await dialog.getByTestId("channel-token-input").fill(fresh);
  await dialog.getByTestId("channel-token-save").click();
  await dialog.waitFor({ state: "detached" });
  await page.getByTestId("channels-notice").filter({ hasText: "The new access token for Support desk" }).waitFor();

  // Meta reports a higher limit and flags the number's quality.
  await postWebhook(tenant.signing, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: channel.waba_id,
        time: Math.floor(Date.now() / 1000) + 2,
        changes: [
          {
            field: "phone_number_quality_update",
            value: {
              display_phone_number: channel.display_phone_number.replace(/\D/g, ""),
              event: "FLAGGED",
              current_limit: "TIER_10K",
              max_daily_conversations_per_business: "TIER_10K",
            },
          },
        ],
      },
    ],
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await apiCall("GET", `/channels/${channel.id}`, undefined, token);
    if (now.messaging_tier === "TIER_10K") break;
    assert(Date.now() < deadline, `the webhook's tier reached the number (${now.messaging_tier})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.reload();
  await card.locator('[data-testid="channel-tier"][data-tier="TIER_10K"]').filter({ hasText: "10,000 customers a day" }).waitFor();
  await card.getByTestId("channel-quality-event").filter({ hasText: "Meta flagged this number" }).waitFor();
  await screenshot(page, "channels-manage");

  // Disconnect, after a confirmation that names the number.
  await card.getByTestId("channel-disconnect").click();
  const confirm = page.getByTestId("channel-disconnect-dialog");
  await confirm.waitFor();
  const title = (await confirm.locator("h2").textContent()) ?? "";
  assert(title.includes("Support desk") && title.includes(channel.display_phone_number), `the confirmation names the number (${title})`);
  await confirm.getByTestId("channel-disconnect-confirm").filter({ hasText: channel.display_phone_number }).click();
  await card.waitFor({ state: "detached" });
  await page.getByTestId("channels-notice").filter({ hasText: "is disconnected" }).waitFor();
  const left = (await apiCall("GET", "/channels", undefined, token)).data;
  assert(left.length === 0, `the number is gone (${left.length} left)`);
  return "quality and tier shown; renamed, rate set (impossible rate refused at the field), token replaced (a bad one refused in words), quality webhook shown, disconnected after a named confirmation";
}
