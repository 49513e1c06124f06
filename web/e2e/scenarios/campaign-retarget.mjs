// Retargeting a finished campaign: four contacts get `spring_sale` (created
// and started through the API) while the Graph API simulator leaves one
// unread and fails another with 131000 (worth retrying); one reader writes
// back. On the detail page it completes (3 delivered, 2 read, 1 failed), then
// the Retarget dialog refuses 0 hours, and "read, no reply" makes a draft
// that opens in the wizard with its audience read-only ("Recipients of … who
// read it and did not reply"); the review's audience is the readers who did
// not write back (counted from the recipients' replies: with the
// simulator's --auto-reply every customer answers, so none); started, it
// completes with that many. "Failed, worth retrying" then reaches the failed
// one: review 1, started, completed with 1 recipient. Last, a recipient
// failing with Meta's per-user marketing limit (131049) waits to be sent
// again: the detail page counts 1 retrying, says why it waits, and the
// recipient row reads "Sent again at … (attempt 2)".
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, digits, login, postInboundText, screenshot, simControl, tenantWithChannel } from "../lib.mjs";

const stat = async (page, key) => Number(await page.getByTestId(`campaign-stat-${key}`).getAttribute("data-value"));
const onlyDigits = (s) => String(s ?? "").replace(/\D/g, "");

/** Waits until the detail page's counter `key` reads `value`. */
async function waitStat(page, key, value, timeout = 30_000) {
  await page.waitForFunction(
    ({ key, value }) => Number(document.querySelector(`[data-testid="campaign-stat-${key}"]`)?.getAttribute("data-value")) === value,
    { key, value },
    { timeout },
  );
}

/** All of a campaign's recipients through the API. */
async function recipients(id, token) {
  const out = [];
  let cursor = null;
  do {
    const page = await apiCall("GET", `/campaigns/${id}/messages?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, undefined, token);
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** From the detail page: the Retarget dialog with `rule`, a name, and the draft it opens in the wizard; returns its id. */
async function retarget(page, rule, name) {
  await page.getByTestId("campaign-retarget").click();
  const dialog = page.getByTestId("campaign-retarget-dialog");
  await dialog.waitFor();
  await dialog.getByTestId(`campaign-retarget-rule-${rule}`).check();
  await dialog.getByTestId("campaign-retarget-name").fill(name);
  await dialog.getByTestId("campaign-retarget-create").click();
  await page.waitForURL(/\/campaigns\/[0-9a-f-]+\/edit$/);
  const id = /\/campaigns\/([0-9a-f-]+)\/edit$/.exec(page.url())[1];
  await page.getByTestId("campaign-wizard").waitFor();
  return id;
}

/** Through the wizard's steps to the review (the draft keeps its template and sources); returns the review's audience and sendable. */
async function toReview(page) {
  await page.getByTestId("campaign-next").click();
  await page.getByTestId("campaign-step-message").waitFor();
  await page.getByTestId("campaign-next").click();
  await page.getByTestId("campaign-rate").waitFor();
  await page.getByTestId("campaign-save").click();
  const review = page.getByTestId("campaign-review");
  const audience = review.getByTestId("campaign-review-audience");
  await audience.waitFor();
  return {
    audience: Number(await audience.getAttribute("data-value")),
    sendable: Number(await review.getByTestId("campaign-review-sendable").getAttribute("data-value")),
  };
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  const tag = `rt${hex}`;
  const people = {
    reader: { name: "Asha", phone: `+9198${digits(8)}` },
    answerer: { name: "Ravi", phone: `+9198${digits(8)}` },
    unread: { name: "Meera", phone: `+9198${digits(8)}` },
    failer: { name: "Kabir", phone: `+9198${digits(8)}` },
  };
  for (const p of Object.values(people)) await apiCall("POST", "/contacts", { name: p.name, phone: p.phone, tags: [tag], opted_in: true }, token);
  await apiCall("POST", "/templates/sync", undefined, token);
  const channelId = (await apiCall("GET", "/channels", undefined, token)).data[0].id;

  await simControl({ unread_recipients: [onlyDigits(people.unread.phone)], fail_recipients_with: { [onlyDigits(people.failer.phone)]: 131000 } });
  try {
    const sourceName = `Spring sale ${hex}`;
    const body = {
      name: sourceName,
      channel_id: channelId,
      template: { name: "spring_sale", language: "en" },
      variables: { body: [{ field: "contact.name" }, { value: "20%" }] },
      audience: { tags: [tag] },
    };
    const source = await apiCall("POST", "/campaigns", body, token);
    await apiCall("POST", `/campaigns/${source.id}/start`, undefined, token);

    // The detail page: it completes; the simulator's statuses arrive.
    await login(page, tenant.email, tenant.password);
    await page.goto(`${baseUrl()}/campaigns/${source.id}`);
    await page.locator('[data-testid="campaign-detail"][data-status="completed"]').waitFor({ timeout: 30_000 });
    await waitStat(page, "read", 2);
    await waitStat(page, "failed", 1);
    await waitStat(page, "delivered", 3);
    assert((await stat(page, "audience")) === 4, `4 recipients (${await stat(page, "audience")})`);
    assert((await stat(page, "retrying")) === 0, "none waits to be retried");
    const failedRow = page.locator('[data-testid="campaign-recipient-row"][data-status="failed"]');
    await failedRow.filter({ hasText: "131000" }).waitFor();

    // One reader writes back; then the replies settle (the simulator's own answers come ~3 s after the last status).
    await postInboundText({ ...tenant.webhookTarget, from: onlyDigits(people.answerer.phone), name: people.answerer.name, text: "Is it on in stores too?" });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="campaign-stat-replied"]')?.getAttribute("data-value")) >= 1, null, { timeout: 20_000 });
    await page.waitForTimeout(5_000);
    let rows = await recipients(source.id, token);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const again = await recipients(source.id, token);
      const sig = (rs) => JSON.stringify(rs.map((r) => [r.id, r.status, !!r.replied_at]).sort());
      const stable = sig(again) === sig(rows);
      rows = again;
      if (stable) break;
    }
    const byPhone = (p) => rows.find((r) => onlyDigits(r.phone) === onlyDigits(p.phone));
    assert(byPhone(people.answerer)?.replied_at, "the answer counts as a reply");
    assert(byPhone(people.unread)?.status === "delivered", `the unread one stays delivered (${byPhone(people.unread)?.status})`);
    const readNoReply = rows.filter((r) => r.status === "read" && !r.replied_at).length;
    const autoReplies = rows.some((r) => r.status === "read" && r.replied_at && onlyDigits(r.phone) !== onlyDigits(people.answerer.phone));
    assert(readNoReply === (autoReplies ? 0 : 1), `read without a reply: ${readNoReply} (simulated customers answer: ${autoReplies})`);
    await screenshot(page, "campaign-retarget-source");

    // The dialog checks the hours before asking the server.
    await page.getByTestId("campaign-retarget").click();
    const dialog = page.getByTestId("campaign-retarget-dialog");
    await dialog.getByTestId("campaign-retarget-rule-delivered_not_read").check();
    await dialog.getByTestId("campaign-retarget-hours").fill("0");
    await dialog.getByTestId("campaign-retarget-create").click();
    await dialog.getByTestId("campaign-retarget-error").filter({ hasText: /1 to 720/ }).waitFor();
    await screenshot(page, "campaign-retarget-dialog");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // "Read, no reply": a draft in the wizard with its audience read-only.
    const followName = `Follow-up ${hex}`;
    const followId = await retarget(page, "read_no_reply", followName);
    assert(followId !== source.id, "a new campaign");
    const panel = page.getByTestId("campaign-retarget-audience");
    await panel.filter({ hasText: `Recipients of ${sourceName} who read it and did not reply` }).waitFor();
    assert((await page.getByTestId("campaign-name").inputValue()) === followName, "the draft has the name given");
    assert((await panel.getAttribute("data-rule")) === "read_no_reply", "the panel names the rule");
    assert((await page.getByTestId("campaign-audience-kind").count()) === 0, "the audience cannot be changed");
    await screenshot(page, "campaign-retarget-wizard");
    const follow = await toReview(page);
    assert(follow.audience === readNoReply, `the review's audience is the readers who did not reply: ${follow.audience}, expected ${readNoReply}`);
    assert(follow.sendable === readNoReply, `all of them get it (${follow.sendable})`);
    const stored = await apiCall("GET", `/campaigns/${followId}`, undefined, token);
    assert(stored.audience?.retarget?.campaign_id === source.id && stored.audience.retarget.rule === "read_no_reply", `the draft's audience is kept: ${JSON.stringify(stored.audience)}`);
    await screenshot(page, "campaign-retarget-review");
    let followDetail = "not started (nobody to send to)";
    if (readNoReply > 0) {
      await page.getByTestId("campaign-start").click();
      await page.locator(`[data-testid="campaign-detail"][data-campaign-id="${followId}"][data-status="completed"]`).waitFor({ timeout: 30_000 });
      await waitStat(page, "audience", readNoReply);
      await waitStat(page, "sent", readNoReply);
      await page.getByTestId("campaign-retarget-link").filter({ hasText: `Retarget of ${sourceName}: read, no reply` }).waitFor();
      followDetail = `completed with ${readNoReply}`;
    } else {
      assert(await page.getByTestId("campaign-start").isDisabled(), "nobody to send to: it cannot start");
    }

    // "Failed, worth retrying": the 131000 one.
    await page.goto(`${baseUrl()}/campaigns/${source.id}`);
    await page.locator('[data-testid="campaign-detail"][data-status="completed"]').waitFor();
    const retryId = await retarget(page, "failed_retryable", `Retry ${hex}`);
    await panel.filter({ hasText: "failed for a reason worth retrying" }).waitFor();
    const retry = await toReview(page);
    assert(retry.audience === 1 && retry.sendable === 1, `the failed one is reached again (${retry.audience}/${retry.sendable})`);
    await page.getByTestId("campaign-start").click();
    await page.locator(`[data-testid="campaign-detail"][data-campaign-id="${retryId}"][data-status="completed"]`).waitFor({ timeout: 30_000 });
    await waitStat(page, "audience", 1);
    await page.getByTestId("campaign-retarget-link").filter({ hasText: `Retarget of ${sourceName}: failed, worth retrying` }).waitFor();
    await screenshot(page, "campaign-retarget-detail");

    // Meta's per-user marketing limit: the recipient waits 24 h to be sent once more.
    const capped = { name: "Zoya", phone: `+9198${digits(8)}` };
    await apiCall("POST", "/contacts", { ...capped, tags: [`${tag}cap`], opted_in: true }, token);
    await simControl({ fail_recipients_with: { [onlyDigits(capped.phone)]: 131049 } });
    const cap = await apiCall("POST", "/campaigns", { ...body, name: `Capped ${hex}`, audience: { tags: [`${tag}cap`] } }, token);
    await apiCall("POST", `/campaigns/${cap.id}/start`, undefined, token);
    await page.goto(`${baseUrl()}/campaigns/${cap.id}`);
    await page.getByTestId("campaign-detail").waitFor();
    await waitStat(page, "retrying", 1);
    const waitingText = (await page.getByTestId("campaign-waiting").textContent()) ?? "";
    assert(/131049|marketing limit/.test(waitingText), `the page says why it waits: "${waitingText}"`);
    const cappedRow = page.locator('[data-testid="campaign-recipient-row"][data-attempt="2"]');
    await cappedRow.getByTestId("campaign-recipient-retry").filter({ hasText: /Sent again at .+ \(attempt 2\)/ }).waitFor();
    await screenshot(page, "campaign-retarget-retrying");
    await apiCall("POST", `/campaigns/${cap.id}/cancel`, undefined, token);

    return `source: 4 sent, 2 read, 1 unread, 1 failed (131000); read-no-reply ${readNoReply} (auto-replies: ${autoReplies}) → ${followDetail}; failed-retryable 1 → completed; 131049 → retrying 1, attempt 2`;
  } finally {
    await simControl({}).catch(() => {});
  }
}
