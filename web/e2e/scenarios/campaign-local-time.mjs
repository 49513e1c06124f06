// Recipients' own clocks. In the wizard a campaign to two contacts (one in
// India by its number, one whose `timezone` field says Asia/Tokyo) is set,
// on its speed and timing step, to go "at a local time for each recipient"
// (10:00 three days from now), with the business time zone Asia/Kolkata and
// quiet hours 21:00–09:00; the review shows all three; scheduled, the
// campaign is `scheduled`, its page shows the local send time, the zone and
// the quiet hours, and the server holds {local_send, timezone, quiet_hours}
// with a start no later than the Tokyo contact's 10:00. Then a campaign
// started now whose quiet hours cover the present hour in its recipient's
// zone (UTC) waits: the page counts one recipient waiting for their local
// time, and the recipient row says their quiet hours hold them until when.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, digits, login, screenshot, tenantWithChannel } from "../lib.mjs";

/** "HH:MM" in UTC, `minutes` from now. */
function utcTime(minutes) {
  const d = new Date(Date.now() + minutes * 60_000);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const tag = `lt${hex}`;
  await apiCall("POST", "/contacts", { name: "Asha", phone: `+9198${digits(8)}`, tags: [tag], opted_in: true }, token);
  await apiCall("POST", "/contacts", { name: "Kenji", phone: `+9198${digits(8)}`, tags: [tag], opted_in: true, custom_fields: { timezone: "Asia/Tokyo" } }, token);
  await apiCall("POST", "/templates/sync", undefined, token);

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-wizard").waitFor();
  const name = `Morning hello ${hex}`;
  await page.getByTestId("campaign-name").fill(name);
  await page.getByTestId("campaign-tags").fill(tag);
  await page.getByTestId("campaign-next").click();
  const template = page.getByTestId("campaign-template");
  const option = template.locator('option[data-name="spring_sale"]');
  await option.waitFor({ state: "attached" });
  await template.selectOption(await option.getAttribute("value"));
  await page.getByTestId("campaign-source-body-2").selectOption("value");
  await page.getByTestId("campaign-source-body-2-text").fill("20%");
  await page.getByTestId("campaign-next").click();

  // 3. Speed and timing: a local time, the business's zone, quiet hours.
  await page.getByTestId("campaign-rate").waitFor();
  assert((await page.getByTestId("campaign-timezone").inputValue()) === "UTC", `the zone starts as the browser's (${await page.getByTestId("campaign-timezone").inputValue()})`);
  await page.getByTestId("campaign-when-local").check();
  const day = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
  await page.getByTestId("campaign-local-date").fill(day);
  await page.getByTestId("campaign-local-time").fill("10:00");
  await page.getByTestId("campaign-timezone").selectOption("Asia/Kolkata");
  await page.getByTestId("campaign-quiet-toggle").check();
  await page.getByTestId("campaign-quiet-start").fill("21:00");
  await page.getByTestId("campaign-quiet-end").fill("09:00");
  await screenshot(page, "campaign-local-timing");
  await page.getByTestId("campaign-save").click();

  // 4. The review shows the timing; schedule.
  const review = page.getByTestId("campaign-review");
  await review.getByTestId("campaign-review-audience").waitFor();
  const whenEl = review.getByTestId("campaign-review-when");
  assert((await whenEl.getAttribute("data-kind")) === "local" && (await whenEl.getAttribute("data-date")) === day && (await whenEl.getAttribute("data-time")) === "10:00", "the review holds the local date and time");
  const whenText = (await whenEl.textContent()) ?? "";
  assert(/10:00/.test(whenText) && /each recipient's own time zone/.test(whenText), `the review reads the local time: "${whenText}"`);
  assert((await review.getByTestId("campaign-review-timezone").getAttribute("data-value")) === "Asia/Kolkata", "the review shows the business time zone");
  assert((await review.getByTestId("campaign-review-quiet").getAttribute("data-value")) === "21:00-09:00", "the review shows the quiet hours");
  await screenshot(page, "campaign-local-review");
  await page.getByTestId("campaign-schedule").click();
  const detail = page.locator('[data-testid="campaign-detail"][data-status="scheduled"]');
  await detail.waitFor();
  const id = await detail.getAttribute("data-campaign-id");
  const local = page.getByTestId("campaign-local-send");
  assert((await local.getAttribute("data-date")) === day && (await local.getAttribute("data-time")) === "10:00", "the page holds the local send time");
  assert(/10:00(\s?[ap]m)? in each recipient's own time zone/i.test((await local.textContent()) ?? ""), `the page reads the local send time: "${await local.textContent()}"`);
  await page.getByTestId("campaign-timezone").filter({ hasText: "Asia/Kolkata" }).waitFor();
  await page.getByTestId("campaign-quiet").filter({ hasText: "21:00–09:00" }).waitFor();
  const stored = await apiCall("GET", `/campaigns/${id}`, undefined, token);
  assert(stored.status === "scheduled", `scheduled (${stored.status})`);
  assert(stored.local_send?.date === day && String(stored.local_send?.time).startsWith("10:00"), `local_send stored: ${JSON.stringify(stored.local_send)}`);
  assert(stored.timezone === "Asia/Kolkata", `timezone stored: ${stored.timezone}`);
  assert(String(stored.quiet_hours?.start).startsWith("21:00") && String(stored.quiet_hours?.end).startsWith("09:00"), `quiet_hours stored: ${JSON.stringify(stored.quiet_hours)}`);
  const first = Date.parse(stored.scheduled_at);
  assert(first <= Date.parse(`${day}T01:00:00Z`), `it starts by Tokyo's 10:00 (${stored.scheduled_at})`);
  await screenshot(page, "campaign-local-scheduled");
  await apiCall("POST", `/campaigns/${id}/cancel`, undefined, token);

  // Started now inside its recipient's quiet hours: they wait.
  const quietTag = `${tag}q`;
  await apiCall("POST", "/contacts", { name: "Lena", phone: `+9198${digits(8)}`, tags: [quietTag], opted_in: true, custom_fields: { timezone: "UTC" } }, token);
  const channelId = (await apiCall("GET", "/channels", undefined, token)).data[0].id;
  const quiet = { start: utcTime(-60), end: utcTime(120) };
  const waiting = await apiCall(
    "POST",
    "/campaigns",
    {
      name: `Quiet ${hex}`,
      channel_id: channelId,
      template: { name: "spring_sale", language: "en" },
      variables: { body: [{ field: "contact.name" }, { value: "20%" }] },
      audience: { tags: [quietTag] },
      timezone: "UTC",
      quiet_hours: quiet,
    },
    token,
  );
  await apiCall("POST", `/campaigns/${waiting.id}/start`, undefined, token);
  await page.goto(`${baseUrl()}/campaigns/${waiting.id}`);
  await page.getByTestId("campaign-detail").waitFor();
  await page.locator('[data-testid="campaign-stat-pending-local"][data-value="1"]').waitFor({ timeout: 20_000 });
  await page.getByTestId("campaign-waiting").waitFor();
  const row = page.locator('[data-testid="campaign-recipient-row"][data-status="pending"]');
  const localCell = row.getByTestId("campaign-recipient-local");
  await localCell.waitFor();
  assert((await localCell.getAttribute("data-timezone")) === "UTC", `the recipient's zone is shown (${await localCell.getAttribute("data-timezone")})`);
  const due = ((await localCell.textContent()) ?? "").trim();
  assert(due === `Quiet hours until ${quiet.end} (UTC)`, `the recipient's wait is shown: "${due}"`);
  assert(Number(await page.getByTestId("campaign-stat-sent").getAttribute("data-value")) === 0, "nothing sent in quiet hours");
  await screenshot(page, "campaign-local-quiet");
  await apiCall("POST", `/campaigns/${waiting.id}/cancel`, undefined, token);
  return `scheduled for ${day} 10:00 local (first due ${stored.scheduled_at}), Asia/Kolkata, quiet 21:00–09:00; quiet hours ${quiet.start}–${quiet.end} UTC: 1 waiting, ${due}`;
}
