// Settings: add an agent to the team, change their name, see them log in to
// a navigation of the inbox and segments only (role-aware), then remove them; create an API key
// (shown once, with a warning), use it, revoke it and see it refused.
import { randomBytes } from "node:crypto";
import { assert, baseUrl, launch, login, registerTenant, uniqueEmail } from "../lib.mjs";

export default async function ({ page }) {
  const tenant = await registerTenant();
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-team").click();
  await page.getByTestId("member-row").filter({ hasText: tenant.email }).waitFor();

  // 1. Add an agent.
  const email = uniqueEmail("agent");
  const password = `pw-${randomBytes(6).toString("hex")}`;
  await page.getByTestId("member-add").click();
  await page.getByTestId("member-name").fill("Ravi Kumar");
  await page.getByTestId("member-email").fill(email);
  // The admin types a password (invitations by email are the default when mail is set up).
  await page.getByTestId("member-mode-password").check();
  await page.getByTestId("member-password").fill(password);
  await page.getByTestId("member-role").selectOption("agent");
  await page.getByTestId("member-submit").click();
  const row = page.getByTestId("member-row").filter({ hasText: email });
  await row.waitFor();
  assert(/Agent/.test((await row.textContent()) ?? ""), "the new member is an agent");
  assert((await row.getByTestId("presence").getAttribute("data-presence")) === "offline", "a new member is offline");

  // The same email again is refused, in words for an admin, under the email field.
  await page.getByTestId("member-add").click();
  await page.getByTestId("member-mode-password").check();
  await page.getByTestId("member-name").fill("Someone");
  await page.getByTestId("member-email").fill(email);
  await page.getByTestId("member-password").fill(password);
  await page.getByTestId("member-submit").click();
  await page.getByTestId("member-dialog").getByTestId("field-error").filter({ hasText: /^This email already has an account\./ }).waitFor();
  await page.keyboard.press("Escape");

  // 2. Rename them.
  await row.getByTestId("member-edit").click();
  await page.getByTestId("member-name").fill("Ravi K");
  await page.getByTestId("member-submit").click();
  await page.getByTestId("member-dialog").waitFor({ state: "detached" });
  await page.getByTestId("member-row").filter({ hasText: "Ravi K" }).filter({ hasText: email }).waitFor();

  // 3. The agent sees the inbox and segments only, and is online to the admin while signed in.
  const agent = await launch();
  try {
    await login(agent.page, email, password);
    const nav = await agent.page.locator('nav[aria-label] a[data-testid^="nav-"]').evaluateAll((as) => as.map((a) => a.getAttribute("data-testid")));
    assert(JSON.stringify(nav) === JSON.stringify(["nav-inbox", "nav-segments"]), `an agent's navigation is the inbox and (read-only) segments (${nav})`);
    await agent.page.goto(`${baseUrl()}/flows`);
    await agent.page.getByTestId("forbidden").waitFor();
    await row.locator('[data-presence="online"]').waitFor();
  } finally {
    await agent.close();
  }

  // 4. Remove them.
  const renamed = page.getByTestId("member-row").filter({ hasText: email });
  await renamed.getByTestId("member-remove").click();
  await renamed.getByTestId("member-remove-confirm").click();
  await renamed.waitFor({ state: "detached" });
  assert((await page.getByTestId("member-row").filter({ hasText: tenant.email }).getByTestId("member-remove").count()) === 0, "admins cannot remove themselves");

  // 5. An API key: shown once, works, then revoked and refused.
  await page.getByTestId("settings-tab-api-keys").click();
  await page.getByTestId("api-key-name").fill("CRM sync");
  await page.getByTestId("api-key-create").click();
  await page.getByTestId("api-key-created").waitFor();
  const key = await page.getByTestId("api-key-value").inputValue();
  assert(/read/.test((await page.getByTestId("api-key-row").filter({ hasText: "CRM sync" }).textContent()) ?? ""), "the key has the read scope");
  const withKey = () => fetch(`${baseUrl()}/api/v1/contacts`, { headers: { "x-api-key": key } }).then((r) => r.status);
  assert((await withKey()) === 200, "the new key reads contacts");
  await page.getByTestId("api-key-done").click();
  await page.getByTestId("api-key-created").waitFor({ state: "detached" });
  await page.reload();
  const keyRow = page.getByTestId("api-key-row").filter({ hasText: "CRM sync" });
  assert(!((await keyRow.textContent()) ?? "").includes(key), "the full key is never listed again");
  await keyRow.getByTestId("api-key-revoke").click();
  await keyRow.getByTestId("api-key-revoke-confirm").click();
  await keyRow.getByTestId("api-key-revoked").waitFor();
  assert((await withKey()) === 401, "the revoked key is refused");
  return `agent ${email} added, renamed, saw the inbox and segments only, removed; key ${key.slice(0, 10)}… revoked`;
}
