// The audit log, end to end. A tenant registered through the API signs in in
// the browser, creates an API key in Settings → API keys, and gets a team
// member and 50 more API keys through the API. Settings → Audit log shows the
// sign-in, the key and the member as readable phrases (the raw action as a
// tooltip), who did it by name, the member's name as the target, the change
// (the key's name, the member's role; the JSON on demand), IP 127.0.0.1 and
// the request id the browser's request was answered with; the first page is
// 50 rows and "Load more" fetches the rest by cursor; the filter box narrows
// the loaded rows by action; Verify → "Intact". An agent's GET /audit is 403.
// The demo's operator moves the tenant to Starter (a row in the tenant's own
// log, which its admin sees with the plan change), then opens Admin → Audit
// log: rows from several accounts, the tenant's named, the plan change with
// its before → after, Verify → "Intact". (The demo's embedded Postgres cannot
// be tampered with from the browser: a broken chain is covered by the
// server's integration tests and the page's unit tests.)
import { randomBytes } from "node:crypto";
import { apiCall, apiLogin, assert, baseUrl, launch, login, registerTenant, screenshot, uniqueEmail } from "../lib.mjs";

const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";
/** Rows on the page's first page (the page asks for 50). */
const PAGE = 50;

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** The audit row of an action (the newest when there are several). */
const auditRow = (page, action) => page.locator(`[data-testid="audit-row"][data-action="${action}"]`).first();

async function checkRow(row, { phrase, action, ip = "127.0.0.1" }) {
  const cell = row.getByTestId("audit-action");
  const shown = await text(cell);
  assert(shown === phrase, `${action} reads "${phrase}" (${shown})`);
  assert((await cell.getAttribute("title")) === action, `the raw action ${action} is the tooltip`);
  const rowIp = await text(row.getByTestId("audit-ip"));
  assert(rowIp === ip, `${action} from ${ip} (${rowIp})`);
}

/** Clicks Verify integrity and waits for the outcome; returns [valid, text]. */
async function verify(page) {
  await page.getByTestId("audit-verify").click();
  const result = page.getByTestId("audit-verify-result");
  await result.waitFor();
  return [await result.getAttribute("data-valid"), await text(page.getByTestId("audit-verify-text"))];
}

export default async function ({ page }) {
  const tenant = await registerTenant();
  const tenantId = tenant.auth.user.tenant_id;
  const adminId = tenant.auth.user.id;

  // 1. Sign in in the browser (auth.login) and create an API key in Settings (api_key.created).
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-audit").waitFor();
  await page.getByTestId("settings-tab-api-keys").click();
  await page.getByTestId("api-key-name").fill("Audit CRM");
  const [created] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/api-keys") && r.request().method() === "POST"),
    page.getByTestId("api-key-create").click(),
  ]);
  assert(created.status() === 201, `the key is created (${created.status()})`);
  const keyRequestId = (await created.allHeaders())["x-request-id"];
  assert(keyRequestId, "the answer carries X-Request-Id");
  const keyId = (await created.json()).id;
  await page.getByTestId("api-key-created").waitFor();

  // A team member (user.created) and 50 more keys (so the log has more than a page) through the API.
  const access = tenant.auth.access_token;
  const agentEmail = uniqueEmail("agent");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  const member = await apiCall("POST", "/users", { name: "Meera Audit", email: agentEmail, password: agentPassword, role: "agent" }, access);
  for (let i = 0; i < PAGE; i++) await apiCall("POST", "/api-keys", { name: `bulk ${i}`, scopes: ["read"] }, access);
  // 1 sign-in + 1 key + 1 member + 50 keys (registering writes no row).
  const total = 3 + PAGE;

  // 2. Settings → Audit log: newest first, a page of 50, then "Load more".
  await page.getByTestId("settings-tab-audit").click();
  await page.locator(`[data-testid="audit-table"][data-loaded="${PAGE}"]`).waitFor();
  assert(new URL(page.url()).pathname === "/settings/audit", `the page is /settings/audit (${page.url()})`);
  const firstIds = await page.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))));
  assert(firstIds.length === PAGE, `the first page has ${PAGE} rows (${firstIds.length})`);
  assert(firstIds.every((id, i) => i === 0 || id < firstIds[i - 1]), "newest first");
  assert((await auditRow(page, "api_key.created").getAttribute("data-action")) === "api_key.created", "the bulk keys are listed");
  assert((await page.locator('[data-testid="audit-row"][data-action="auth.login"]').count()) === 0, "the sign-in is older than the first page");
  await page.getByTestId("audit-load-more").click();
  await page.locator(`[data-testid="audit-table"][data-loaded="${total}"]`).waitFor();
  await page.getByTestId("audit-load-more").waitFor({ state: "detached" });
  const allIds = await page.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))));
  assert(new Set(allIds).size === total && allIds.every((id, i) => i === 0 || id < allIds[i - 1]), `${total} rows, each once, newest first`);
  const fromApi = await apiCall("GET", "/audit?limit=100", undefined, access);
  assert(fromApi.data.length === total && fromApi.next_cursor === null, `the API has the same ${total} rows (${fromApi.data.length})`);
  assert(fromApi.data.every((r) => r.tenant_id === tenantId), "only the account's own rows");

  // The sign-in: by the admin, named, from 127.0.0.1.
  const signIn = auditRow(page, "auth.login");
  await checkRow(signIn, { phrase: "Signed in", action: "auth.login" });
  assert((await signIn.getByTestId("audit-actor").getAttribute("data-kind")) === "user", "signed in as a user");
  assert((await text(signIn.getByTestId("audit-actor-label"))) === "E2E Admin", `the actor is named (${await text(signIn.getByTestId("audit-actor-label"))})`);
  assert((await signIn.getByTestId("audit-actor-label").getAttribute("title")) === adminId, "the full user id is the actor's tooltip");
  const loginTime = await signIn.getByTestId("audit-time").locator("time").getAttribute("datetime");
  assert(Math.abs(Date.parse(loginTime) - Date.now()) < 10 * 60_000, `the sign-in is recent (${loginTime})`);

  // The key created in the browser: its row by the request id the browser saw, the name in the change.
  const keyRow = page.locator(`[data-testid="audit-row"][data-action="api_key.created"]:has([data-testid="audit-request"][title="${keyRequestId}"])`);
  assert((await keyRow.count()) === 1, `one api_key.created row with request id ${keyRequestId}`);
  await checkRow(keyRow, { phrase: "Created an API key", action: "api_key.created" });
  assert((await keyRow.getByTestId("audit-target").getAttribute("title")) === `api_key:${keyId}`, "the target is the key");
  const keyChange = await text(keyRow.getByTestId("audit-change"));
  assert(keyChange.includes("name: Audit CRM") && keyChange.includes("scopes: [read]"), `the change names the key (${keyChange})`);
  assert((await keyRow.getByTestId("audit-json-after").isVisible()) === false, "the JSON is folded");

  // The member: the target by name, the role in the change, the JSON when unfolded.
  const memberRow = auditRow(page, "user.created");
  await checkRow(memberRow, { phrase: "Added a team member", action: "user.created" });
  const target = await text(memberRow.getByTestId("audit-target"));
  assert(target === "Meera Audit", `the target is the member by name (${target})`);
  assert((await memberRow.getByTestId("audit-target").getAttribute("title")) === `user:${member.id}`, "the raw target is the tooltip");
  const memberChange = await text(memberRow.getByTestId("audit-change"));
  assert(memberChange.includes("role: agent") && memberChange.includes(`email: ${agentEmail}`), `the change has the role and email (${memberChange})`);
  await memberRow.getByTestId("audit-json").locator("summary").click();
  const json = JSON.parse(await memberRow.getByTestId("audit-json-after").textContent());
  assert(json.role === "agent" && json.email === agentEmail, `the JSON after (${JSON.stringify(json)})`);
  const requestId = await text(memberRow.getByTestId("audit-request"));
  assert(requestId.startsWith("…") && requestId.length === 9, `the request id shortened (${requestId})`);

  // 3. The filter box narrows the loaded rows by action (as written, or in words).
  await page.getByTestId("audit-filter").fill("team member");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length === 1);
  assert((await page.getByTestId("audit-row").getAttribute("data-action")) === "user.created", "'team member' finds the member's row");
  await page.getByTestId("audit-filter").fill("AUTH.LOGIN");
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-row"]')].every((r) => r.getAttribute("data-action") === "auth.login"));
  assert((await page.getByTestId("audit-row").count()) === 1, "the raw action finds the sign-in");
  await page.getByTestId("audit-filter").fill("api key");
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-row"]').length === n, PAGE + 1);
  await page.getByTestId("audit-shown").filter({ hasText: `${PAGE + 1} of ${total}` }).waitFor();
  await page.getByTestId("audit-filter").fill("");
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-row"]').length === n, total);

  // 4. Verify integrity → Intact, prominently.
  const [valid, verdict] = await verify(page);
  assert(valid === "true" && verdict === "Intact", `the chain is intact (${valid}: ${verdict})`);
  await screenshot(page, "audit-log-settings");

  // An agent neither reads nor verifies the log.
  const agentToken = (await apiLogin(agentEmail, agentPassword)).access_token;
  for (const path of ["/audit", "/audit/verify"]) {
    const res = await fetch(`${baseUrl()}/api/v1${path}`, { headers: { authorization: `Bearer ${agentToken}` } });
    assert(res.status === 403, `an agent's GET ${path} → 403 (${res.status})`);
  }

  // 5. The operator moves the tenant to Starter: a row in the tenant's own log.
  const operator = (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
  await apiCall("PATCH", `/admin/tenants/${tenantId}`, { plan: "starter" }, operator);
  await page.reload();
  const planRow = auditRow(page, "tenant.plan_changed");
  await planRow.waitFor();
  await checkRow(planRow, { phrase: "Changed the account's plan", action: "tenant.plan_changed" });
  const planLines = await planRow.getByTestId("audit-change-line").allTextContents();
  assert(JSON.stringify(planLines) === JSON.stringify(["plan: enterprise → starter"]), `the change is the plan only (${planLines})`);
  assert((await text(planRow.getByTestId("audit-actor-label"))).startsWith("…"), "the operator is not in the team: a short id");

  // 6. The operator's Admin → Audit log: several accounts, the tenant by name, Verify → Intact.
  let accountCount = 0;
  const ops = await launch();
  try {
    const op = ops.page;
    await login(op, OPERATOR_EMAIL, OPERATOR_PASSWORD, { expectSuccess: false });
    await op.getByTestId("admin-customers").waitFor();
    await op.getByTestId("admin-tab-audit").click();
    await op.locator(`[data-testid="audit-log"][data-scope="platform"] [data-testid="audit-table"][data-loaded="${PAGE}"]`).waitFor();
    assert(new URL(op.url()).pathname === "/admin/audit", `the tab is /admin/audit (${op.url()})`);
    // The operator's own sign-in (in the operator's account) is the newest row.
    const newest = op.getByTestId("audit-row").first();
    assert((await newest.getAttribute("data-action")) === "auth.login", `the newest row is the operator's sign-in (${await newest.getAttribute("data-action")})`);
    const ownAccount = await text(newest.getByTestId("audit-account"));
    assert(ownAccount === "Platform", `the operators' own account reads Platform (${ownAccount})`);
    const opRow = op.locator(`[data-testid="audit-row"][data-action="tenant.plan_changed"][data-tenant-id="${tenantId}"]`);
    await opRow.waitFor();
    await checkRow(opRow, { phrase: "Changed the account's plan", action: "tenant.plan_changed" });
    const tenantName = `E2E ${tenant.email}`;
    await opRow.getByTestId("audit-account").filter({ hasText: tenantName }).waitFor();
    await opRow.getByTestId("audit-target").filter({ hasText: tenantName }).waitFor();
    // The operator is in their own team: named.
    const opActor = await text(opRow.getByTestId("audit-actor-label"));
    assert(!opActor.startsWith("…") && opActor.length > 0, `the operator is named (${opActor})`);
    const accounts = await op.getByTestId("audit-row").evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute("data-tenant-id")))]);
    accountCount = accounts.length;
    assert(accounts.length >= 2 && accounts.includes(tenantId), `rows from several accounts (${accounts.length}), the tenant's among them`);
    assert((await op.locator(`[data-testid="audit-row"][data-tenant-id="${tenantId}"]`).count()) >= PAGE - 2, "the tenant's rows are there");
    const [opValid, opVerdict] = await verify(op);
    assert(opValid === "true" && opVerdict === "Intact", `every account's chain is intact (${opValid}: ${opVerdict})`);
    await screenshot(op, "audit-log-admin");
    if (ops.consoleErrors.length) throw new Error(`operator page errors: ${ops.consoleErrors.join(" | ")}`);
  } finally {
    await ops.close();
  }

  return `${total} rows in 2 pages with phrases, names, 127.0.0.1 and the request id; filter; intact; the operator sees ${accountCount} accounts on a page, intact`;
}
