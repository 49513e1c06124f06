// Contact segments: six contacts with tags and a `city` custom field come in
// through the API; in the browser a segment is built with a nested group —
// all of [tag has vip, any of [city is Chennai, city is Pune]] — and the live
// count follows each change (5 → 2 → 3; a city is compared without case),
// the preview listing the three members; saved, the list shows it with its
// count, and it opens again with its nested group. The campaign wizard takes
// it as the audience and the review counts its members; the draft opens
// again with the segment picked, and the segment cannot be deleted while
// the draft uses it (the server's 409 is shown). An agent sees the segment
// and its members but no way to create, edit or delete one.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, digits, launch, login, screenshot, tenantWithChannel, uniqueEmail } from "../lib.mjs";

const CONTACTS = [
  { name: "Asha", tags: ["vip"], city: "Chennai" },
  { name: "Ravi", tags: ["vip"], city: "Pune" },
  { name: "Zoya", tags: ["vip", "spring"], city: "chennai" },
  { name: "Meera", tags: ["vip"], city: "Delhi" },
  { name: "Kabir", tags: ["regular"], city: "Chennai" },
  { name: "Dev", tags: ["vip"], city: null },
];
const MEMBERS = ["Asha", "Ravi", "Zoya"];

/** Waits until the live count is settled on `n` (counted for the rule as it is now). */
async function countIs(page, n) {
  await page.locator(`[data-testid="segment-count"][data-state="ok"][data-value="${n}"]`).waitFor();
}

/** The names the preview lists, sorted. */
async function memberNames(page) {
  return (await page.getByTestId("segment-member-name").allTextContents()).map((s) => s.trim()).sort();
}

/** The condition rows of the group at `depth` (its own, not its nested groups'). */
const conditions = (page, depth) => page.locator(`[data-testid="segment-condition"][data-depth="${depth}"]`);

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const hex = randomBytes(2).toString("hex");
  for (const c of CONTACTS) {
    await apiCall(
      "POST",
      "/contacts",
      { name: c.name, phone: `+9198${digits(8)}`, tags: c.tags, custom_fields: c.city ? { city: c.city } : {}, opted_in: true },
      token,
    );
  }
  await apiCall("POST", "/templates/sync", undefined, token);

  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-segments").click();
  await page.getByTestId("segments-table").waitFor();
  await page.getByTestId("segment-new").click();
  await page.getByTestId("segment-editor").waitFor();

  // The top-level group: all of … tag has vip (typed in capitals: tags are lower-case).
  const name = `VIPs in Chennai or Pune ${hex}`;
  await page.getByTestId("segment-name").fill(name);
  await page.locator('[data-testid="segment-count"][data-state="incomplete"]').waitFor();
  const first = conditions(page, 1).first();
  assert((await first.getByTestId("segment-field").inputValue()) === "tag", "a new condition starts on a tag");
  assert((await first.getByTestId("segment-op").inputValue()) === "has", "with `has`");
  await first.getByTestId("segment-value").fill("VIP");
  await countIs(page, 5);

  // A nested group: any of city is Chennai, city is Pune.
  await page.locator('[data-testid="segment-add-group"][data-depth="1"]').click();
  const inner = page.locator('[data-testid="segment-group"][data-depth="2"]');
  await inner.waitFor();
  await page.locator('[data-testid="segment-mode-any"][data-depth="2"]').click();
  assert((await inner.getAttribute("data-mode")) === "any", "the nested group matches any");
  const chennai = conditions(page, 2).nth(0);
  await chennai.getByTestId("segment-field").selectOption("custom");
  const ops = await chennai.getByTestId("segment-op").locator("option").evaluateAll((os) => os.map((o) => o.value));
  assert(JSON.stringify(ops) === JSON.stringify(["eq", "neq", "contains", "gt", "lt", "exists", "missing"]), `a custom field's operators (${ops})`);
  await chennai.getByTestId("segment-custom-name").fill("city");
  await chennai.getByTestId("segment-value").fill("Chennai");
  await countIs(page, 2);
  assert(JSON.stringify(await memberNames(page)) === JSON.stringify(["Asha", "Zoya"]), `Chennai in any case: ${await memberNames(page)}`);

  await page.locator('[data-testid="segment-add-condition"][data-depth="2"]').click();
  const pune = conditions(page, 2).nth(1);
  await pune.getByTestId("segment-field").selectOption("custom");
  await pune.getByTestId("segment-custom-name").fill("city");
  await pune.getByTestId("segment-value").fill("Pune");
  await countIs(page, MEMBERS.length);
  const names = await memberNames(page);
  assert(JSON.stringify(names) === JSON.stringify(MEMBERS), `the preview lists the members: ${names}`);
  // The deepest group cannot nest further than 4.
  await page.locator('[data-testid="segment-add-group"][data-depth="2"]').click();
  await page.locator('[data-testid="segment-add-group"][data-depth="3"]').click();
  const deepest = page.locator('[data-testid="segment-add-group"][data-depth="4"]');
  assert(await deepest.isDisabled(), "no group below depth 4");
  // An unfinished condition stops the count; removing the groups brings it back.
  await page.locator('[data-testid="segment-count"][data-state="incomplete"]').waitFor();
  await page.locator('[data-testid="segment-remove-group"][data-depth="3"]').click();
  await page.locator('[data-testid="segment-group"][data-depth="3"]').waitFor({ state: "detached" });
  await countIs(page, MEMBERS.length);
  await screenshot(page, "segment-editor");

  // Saved: the list shows it with its count.
  await page.getByTestId("segment-save").click();
  await page.getByTestId("segments-table").waitFor();
  const row = page.getByTestId("segment-row").filter({ hasText: name });
  await row.waitFor();
  const listed = Number(await row.getByTestId("segment-row-count").getAttribute("data-value"));
  assert(listed === MEMBERS.length, `the list counts ${MEMBERS.length} members (${listed})`);
  const ruleText = ((await row.getByTestId("segment-row-rule").textContent()) ?? "").trim();
  assert(/vip/.test(ruleText) && /Chennai/.test(ruleText) && /Pune/.test(ruleText), `the rule is worded: ${ruleText}`);
  const segmentId = await row.getAttribute("data-segment-id");
  await screenshot(page, "segments-list");

  // It opens again as it was built.
  await row.getByTestId("segment-row-name").click();
  await page.locator(`[data-testid="segment-editor"][data-segment-id="${segmentId}"]`).waitFor();
  await countIs(page, MEMBERS.length);
  assert((await conditions(page, 2).count()) === 2, "the nested group's two conditions");
  assert((await page.locator('[data-testid="segment-group"][data-depth="2"]').getAttribute("data-mode")) === "any", "still any");
  await page.getByTestId("segment-back").click();

  // A campaign to the segment: the review counts its members.
  await page.getByTestId("nav-campaigns").click();
  await page.getByTestId("campaign-new").click();
  await page.getByTestId("campaign-wizard").waitFor();
  const campaign = `Segment sale ${hex}`;
  await page.getByTestId("campaign-name").fill(campaign);
  await page.getByTestId("campaign-audience-segment").check();
  const picker = page.getByTestId("campaign-segment");
  await picker.locator(`option[value="${segmentId}"]`).waitFor({ state: "attached" });
  await picker.selectOption(segmentId);
  const shown = Number(await page.getByTestId("campaign-segment-count").getAttribute("data-value"));
  assert(shown === MEMBERS.length, `the picker shows the segment's count (${shown})`);
  await screenshot(page, "segment-campaign-audience");
  await page.getByTestId("campaign-next").click();
  const template = page.getByTestId("campaign-template");
  const option = template.locator('option[data-name="spring_sale"]');
  await option.waitFor({ state: "attached" });
  await template.selectOption(await option.getAttribute("value"));
  await page.getByTestId("campaign-source-body-2").selectOption("value");
  await page.getByTestId("campaign-source-body-2-text").fill("20%");
  // The live sample is rendered for a member of the segment.
  await page.getByTestId("campaign-sample-for").filter({ hasText: new RegExp(`^As (${MEMBERS.join("|")}) will see it\\.$`) }).waitFor();
  await page.getByTestId("campaign-next").click();
  await page.getByTestId("campaign-rate").waitFor();
  await page.getByTestId("campaign-save").click();
  const audience = page.getByTestId("campaign-review").getByTestId("campaign-review-audience");
  await audience.waitFor();
  const inAudience = Number(await audience.getAttribute("data-value"));
  assert(inAudience === listed, `the review's audience is the segment's count (${inAudience} vs ${listed})`);
  await screenshot(page, "segment-campaign-review");

  // The draft opens again with the segment picked.
  await page.reload();
  await page.getByTestId("campaign-wizard").waitFor();
  await page.locator('[data-testid="campaign-audience-kind"][data-kind="segment"]').waitFor();
  assert(await page.getByTestId("campaign-audience-segment").isChecked(), "the segment choice is selected");
  await page.locator(`[data-testid="campaign-segment"] option[value="${segmentId}"]`).waitFor({ state: "attached" });
  assert((await page.getByTestId("campaign-segment").inputValue()) === segmentId, "the draft's segment is picked");

  // In use by the draft: deleting it is refused with the server's words.
  await page.getByTestId("nav-segments").click();
  const again = page.locator(`[data-testid="segment-row"][data-segment-id="${segmentId}"]`);
  await again.getByTestId("segment-delete").click();
  await again.getByTestId("segment-delete-confirm").click();
  const refusal = page.getByTestId("segments-error");
  await refusal.waitFor();
  const refusalText = ((await refusal.textContent()) ?? "").trim();
  assert(refusalText.includes(campaign), `the refusal names the draft: "${refusalText}"`);
  assert((await again.count()) === 1, "the segment is still listed");
  await screenshot(page, "segment-in-use");

  // An agent sees it and its members, and no way to change it.
  const agentEmail = uniqueEmail("agent");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  await apiCall("POST", "/users", { name: "Segment Agent", email: agentEmail, password: agentPassword, role: "agent" }, token);
  const agent = await launch();
  try {
    await login(agent.page, agentEmail, agentPassword);
    await agent.page.getByTestId("nav-segments").click();
    const agentRow = agent.page.locator(`[data-testid="segment-row"][data-segment-id="${segmentId}"]`);
    await agentRow.waitFor();
    assert(Number(await agentRow.getByTestId("segment-row-count").getAttribute("data-value")) === MEMBERS.length, "the agent sees the count");
    assert((await agent.page.getByTestId("segment-new").count()) === 0, "no create button for an agent");
    assert((await agent.page.getByTestId("segment-delete").count()) === 0, "no delete for an agent");
    await agentRow.getByTestId("segment-row-name").click();
    await agent.page.getByTestId("segments-read-only").waitFor();
    await agent.page.locator(`[data-testid="segment-count"][data-state="ok"][data-value="${MEMBERS.length}"]`).waitFor();
    assert((await agent.page.getByTestId("segment-save").count()) === 0, "no save for an agent");
    assert(await agent.page.getByTestId("segment-name").isDisabled(), "the name is read-only");
    assert((await agent.page.getByTestId("segment-add-condition").count()) === 0, "no adding conditions");
    await agent.page.goto(`${baseUrl()}/segments/new`);
    await agent.page.getByTestId("segments-table").waitFor();
    if (agent.consoleErrors.length) throw new Error(`agent page errors: ${agent.consoleErrors.join(" | ")}`);
  } finally {
    await agent.close();
  }
  return `live count 5 → 2 → 3 (${names.join(", ")}); listed with ${listed}; campaign review audience ${inAudience}; delete refused while in use; agent read-only`;
}
