// Settings › Teams and the inbox's team filter: an admin adds an agent, makes
// a team "Sales" with them (round robin) on the Teams page; a customer writes
// in; under the Sales filter the inbox has nothing, until the admin moves the
// conversation into Sales with the header's team picker — then it shows under
// Sales (also after a reload: the server's ?team_id= filter) and not under
// "No team". Nobody in Sales is online, so it waits unassigned; when the agent
// signs in (online) the team gives it to them.
import { randomBytes } from "node:crypto";
import { apiCall, assert, launch, login, openConversation, screenshot, tenantWithChannel, TIMEOUT_MS, uniqueEmail } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const agentEmail = uniqueEmail("sales");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  const agentName = `Sales Agent ${randomBytes(2).toString("hex")}`;
  const agent = await apiCall("POST", "/users", { name: agentName, email: agentEmail, password: agentPassword, role: "agent" }, token);
  const customer = tenant.customer(`Buyer ${randomBytes(2).toString("hex")}`);
  await customer.say("I would like a quote for 20 units");

  await login(page, tenant.email, tenant.password);
  const row = page.getByTestId("conversation-row").filter({ hasText: customer.name });
  await row.first().waitFor();
  const conversationId = await row.first().getAttribute("data-conversation-id");

  // 1. The Sales team, round robin, with the agent.
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-teams").click();
  await page.getByTestId("teams-empty").waitFor();
  await page.getByTestId("team-add").click();
  await page.getByTestId("team-name").fill("Sales");
  await page.getByTestId("team-member").filter({ hasText: agentEmail }).getByTestId("team-member-check").check();
  await page.getByTestId("team-assignment-round_robin").check();
  await page.getByTestId("team-submit").click();
  await page.getByTestId("team-dialog").waitFor({ state: "detached" });
  const card = page.getByTestId("team-card").filter({ hasText: "Sales" });
  await card.waitFor();
  const teamId = await card.getAttribute("data-team-id");
  assert(((await card.getByTestId("team-mode").textContent()) ?? "").includes("Round robin"), "the team assigns round robin");
  await card.getByTestId("team-card-member").filter({ hasText: agentName }).waitFor();
  await screenshot(page, "teams-page");

  // The same name again is refused.
  await page.getByTestId("team-add").click();
  await page.getByTestId("team-name").fill("Sales");
  await page.getByTestId("team-submit").click();
  // Under the name, which is marked.
  await page.getByTestId("team-name").locator("xpath=..").getByTestId("field-error").filter({ hasText: /already exists\. Choose a different name/ }).waitFor();
  assert((await page.getByTestId("team-name").getAttribute("aria-invalid")) === "true", "the team name is marked invalid");
  await page.keyboard.press("Escape");

  // 2. The inbox's team filter: nothing in Sales yet.
  await page.getByTestId("nav-inbox").click();
  const teamFilter = page.getByTestId("filter-team");
  await teamFilter.selectOption({ label: "Sales" });
  await page.getByTestId("conversation-list-empty").waitFor();
  assert((await row.count()) === 0, "the conversation is in no team yet");
  await teamFilter.selectOption({ label: "No team" });
  await row.first().waitFor();

  // 3. Move it into Sales from the conversation's header.
  await openConversation(page, { id: conversationId });
  const picker = page.getByTestId("conversation-team");
  await picker.selectOption({ label: "Sales" });
  await page.locator(`[data-testid="conversation-team"][data-team-id="${teamId}"]`).waitFor();
  const stored = await apiCall("GET", `/conversations/${conversationId}`, undefined, token);
  assert(stored.team_id === teamId, `the server has it in Sales (${stored.team_id})`);

  // 4. It shows under Sales (the server's filter, after a reload) and not under "No team".
  await page.goto(page.url().replace(/\/inbox\/.*$/, "/inbox"));
  await page.getByTestId("conversation-list").waitFor();
  await teamFilter.selectOption({ label: "Sales" });
  await row.first().waitFor();
  await page.reload();
  await page.waitForFunction(() => {
    const select = document.querySelector('[data-testid="filter-team"]');
    return select?.selectedOptions[0]?.textContent === "Sales";
  });
  assert((await page.getByTestId("filter-team").inputValue()) === teamId, "the team filter is remembered");
  await row.first().waitFor();
  await page.getByTestId("filter-assignee").selectOption("unassigned");
  await row.first().waitFor();
  await teamFilter.selectOption({ label: "No team" });
  await page.getByTestId("conversation-list-empty").waitFor();
  await teamFilter.selectOption({ label: "Sales" });
  await row.first().waitFor();
  await screenshot(page, "teams-inbox");

  // 5. Nobody in Sales was online: it waited. The agent signs in, and the team gives it to them.
  assert((await apiCall("GET", `/conversations/${conversationId}`, undefined, token)).assignee_id === null, "it waited unassigned");
  const agentSession = await launch();
  try {
    await login(agentSession.page, agentEmail, agentPassword);
    const deadline = Date.now() + TIMEOUT_MS;
    let assignee = null;
    while (Date.now() < deadline) {
      assignee = (await apiCall("GET", `/conversations/${conversationId}`, undefined, token)).assignee_id;
      if (assignee) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert(assignee === agent.id, `the team gave it to the agent once online (${assignee})`);
    // The agent sees it in their inbox under Sales, as theirs.
    await agentSession.page.getByTestId("filter-team").selectOption({ label: "Sales" });
    await agentSession.page.getByTestId("filter-assignee").selectOption("me");
    await agentSession.page.getByTestId("conversation-row").filter({ hasText: customer.name }).first().waitFor();
  } finally {
    await agentSession.close();
  }
  // The admin's "Unassigned" view under Sales no longer holds it.
  await page.getByTestId("conversation-list-empty").waitFor();
  return `team Sales (${teamId}) with ${agentName}; conversation moved in, filtered by team, given to the agent when online`;
}
