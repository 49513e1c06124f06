// Screenshots of every page, for a person to look at, taken against the
// demo business the server seeds (`whatsflow demo`: demo@whatsflow.local, whose
// simulated customers write in every few seconds). First a few pages in use
// (a reply, a note, a flow, a template being written, an import, a new API
// key); then every page of the app at desktop (1366×768) and phone (390×844)
// sizes, as `desk-<page>.png` and `phone-<page>.png`. Each page must render
// with data from the real server and without sideways overflow (nothing
// wider than the screen outside a scrolling box).
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, digits, launch, login, openConversation, postInboundText, postWebhook, screenshot, waitForBubble } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

const DEMO_EMAIL = process.env.E2E_DEMO_EMAIL ?? "demo@whatsflow.local";
const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD ?? "demo-password";

export default async function ({ page }) {
  const shots = [];
  const shot = async (name, p = page) => shots.push(await screenshot(p, name));

  await page.goto(`${baseUrl()}/login`);
  await page.getByTestId("login-form").waitFor();
  await shot("page-login");

  await login(page, DEMO_EMAIL, DEMO_PASSWORD);
  // The demo's customers write every 6 s: wait for a few conversations.
  const rows = page.getByTestId("conversation-row");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-row"]').length >= 3, null, { timeout: 30_000 });
  await page.getByTestId("inbox-placeholder").waitFor();
  await shot("page-inbox");

  const name = (await rows.first().getByTestId("conversation-name").textContent())?.trim();
  await openConversation(page, { name });
  assert((await page.getByTestId("conversation-title").textContent())?.trim() === name, "the conversation opened");
  const reply = "Thanks for writing in! Let me check that for you.";
  await page.getByTestId("composer-input").fill(reply);
  await page.getByTestId("composer-input").press("Enter");
  await waitForBubble(page, reply, { status: "read", timeout: 20_000 });
  await shot("page-conversation");
  await page.getByTestId("contact-toggle").click();
  await page.getByTestId("contact-panel").waitFor();
  await page.getByTestId("notes").waitFor();
  const note = `Customer prefers WhatsApp over email (${new Date().toISOString().slice(11, 19)})`;
  await page.getByTestId("note-input").fill(note);
  await page.getByTestId("note-add").click();
  await page.getByTestId("note").filter({ hasText: note }).waitFor();
  await page.waitForTimeout(500);
  // The note comes back in the POST answer and as a live notification: shown once.
  assert((await page.getByTestId("note").filter({ hasText: note }).count()) === 1, "the note is shown once");
  await shot("page-conversation-contact");

  await page.getByTestId("nav-contacts").click();
  await page.getByTestId("contact-row").first().waitFor();
  await shot("page-contacts");

  await page.getByTestId("nav-channels").click();
  await page.getByTestId("channel-row").filter({ hasText: "100000000000001" }).waitFor();
  await shot("page-settings");

  const dashboard = await adminPages(page, shot);

  // Every page, at both sizes.
  const pages = await everyPage(page, shot);
  return `${shots.length} screenshots in e2e/output/ (dashboard: ${dashboard}; every page at desktop and phone: ${pages})`;
}

/**
 * Elements wider than the screen that no scrolling box holds (sideways
 * overflow a person would have to pan to read), as short descriptions.
 */
async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const clipped = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
      }
      return false;
    };
    const found = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= width + 1) continue;
      if (getComputedStyle(el).position === "fixed" || clipped(el)) continue;
      found.push(`${el.tagName.toLowerCase()}${el.getAttribute("data-testid") ? `[${el.getAttribute("data-testid")}]` : ""} right=${Math.round(r.right)} "${(el.textContent ?? "").trim().slice(0, 40)}"`);
      if (found.length >= 5) break;
    }
    return found;
  });
}

/** Waits for a page's data: no "Loading…" left, and the network quiet. */
async function settle(page) {
  await page.waitForLoadState("networkidle", { timeout: 8_000 }).catch(() => {});
  await page.waitForFunction(() => !document.body.innerText.includes("Loading…"), null, { timeout: 8_000 }).catch(() => {});
  await page.waitForTimeout(250);
}

/** The app's pages (paths; ids from the demo business), each shot at both sizes. */
async function everyPage(page, shot) {
  const auth = await apiCall("POST", "/auth/login", { email: DEMO_EMAIL, password: DEMO_PASSWORD });
  const token = auth.access_token;
  const first = async (path) => (await apiCall("GET", path, undefined, token).catch(() => ({ data: [] }))).data?.[0] ?? null;
  const conversation = await first("/conversations?status=open&limit=1");
  const flow = await first("/flows");
  const campaign = await first("/campaigns");
  const segment = await first("/segments");
  const pages = [
    ["inbox", "/inbox", "conversation-list"],
    ...(conversation ? [["conversation", `/inbox/${conversation.id}`, "message-thread"]] : []),
    ["dashboard", "/dashboard", null],
    ["reports", "/reports", "reports"],
    ["contacts", "/contacts", "contacts-table"],
    ["segments", "/segments", null],
    ["segment-new", "/segments/new", null],
    ...(segment ? [["segment", `/segments/${segment.id}`, null]] : []),
    ["flows", "/flows", null],
    ...(flow ? [["flow", `/flows/${flow.id}`, "flow-builder"]] : []),
    ["templates", "/templates", "templates-table"],
    ["campaigns", "/campaigns", null],
    ["campaign-new", "/campaigns/new", null],
    ...(campaign ? [["campaign", `/campaigns/${campaign.id}`, null]] : []),
    ...[
      "channels",
      "team",
      "teams",
      "canned-replies",
      "automations",
      "business-hours",
      "service",
      "api-keys",
      "webhooks",
      "plan",
      "usage",
      "wallet",
      "billing",
      "audit",
      "security",
      "privacy",
    ].map((id) => [`settings-${id}`, `/settings/${id}`, null]),
  ];
  const problems = [];
  const visit = async (p, name, path, testId, size) => {
    await p.setViewportSize(size);
    await p.goto(`${baseUrl()}${path}`);
    if (testId) await p.getByTestId(testId).first().waitFor();
    await settle(p);
    const wide = await overflowing(p);
    if (wide.length) problems.push(`${name} at ${size.width}px: ${wide.join("; ")}`);
    await shot(`${size === PHONE ? "phone" : "desk"}-${name}`, p);
  };
  for (const [name, path, testId] of pages) {
    for (const size of [DESKTOP, PHONE]) await visit(page, name, path, testId, size);
  }

  // Signed out: the public pages.
  const visitor = await launch({ viewport: DESKTOP });
  try {
    for (const [name, path] of [
      ["login", "/login"],
      ["register", "/register"],
      ["forgot-password", "/forgot-password"],
      ["accept-invite", "/accept-invite?token=not-a-real-token"],
    ]) {
      for (const size of [DESKTOP, PHONE]) await visit(visitor.page, name, path, null, size);
    }
  } finally {
    await visitor.close();
  }

  // The platform operator's console.
  const operator = await launch({ viewport: DESKTOP });
  try {
    await login(operator.page, "operator@whatsflow.local", "operator-password", { expectSuccess: false });
    await operator.page.waitForURL(/\/admin/);
    for (const [name, path] of [
      ["admin-customers", "/admin"],
      ["admin-plans", "/admin/plans"],
      ["admin-audit", "/admin/audit"],
      ["admin-settings", "/admin/settings"],
    ]) {
      for (const size of [DESKTOP, PHONE]) await visit(operator.page, name, path, null, size);
    }
  } finally {
    await operator.close();
  }
  await page.setViewportSize(DESKTOP);
  assert(problems.length === 0, `pages wider than the screen:\n  ${problems.join("\n  ")}`);
  return `${pages.length + 8} pages`;
}

/** A support bot for the demo business, laid out top to bottom. */
function demoFlow(keyword) {
  const at = (x, y) => ({ x, y });
  const nodes = [
    {
      id: "menu",
      type: "buttons",
      position: at(0, 100),
      data: {
        start: true,
        text: "Hi {{contact.name}}! What can we help you with?",
        buttons: [{ id: "orders", title: "Track an order" }, { id: "sales", title: "Talk to sales" }, { id: "other", title: "Something else" }],
      },
    },
    { id: "ask_order", type: "input", position: at(270, 0), data: { prompt: "Please type your order number.", variable: "order_id", validation: "number", retries: 2 } },
    { id: "tag_lead", type: "tag", position: at(270, 190), data: { add: ["lead"] } },
    { id: "handoff", type: "handoff", position: at(540, 300), data: { note: "Needs a person" } },
    { id: "lookup", type: "api", position: at(540, 0), data: { method: "GET", url: "https://api.acme.test/orders/{{vars.order_id}}", save: { status: "data.status" } } },
    { id: "to_sales", type: "assign", position: at(540, 190), data: { team: "sales", strategy: "least_busy" } },
    { id: "status", type: "message", position: at(810, 0), data: { text: "Order {{vars.order_id}} is {{vars.status}}." } },
    { id: "done", type: "end", position: at(810, 190), data: {} },
  ];
  const e = (source, target, sourceHandle) => ({ id: `e_${source}_${sourceHandle ?? "out"}_${target}`, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
  const edges = [
    e("menu", "ask_order", "orders"),
    e("menu", "tag_lead", "sales"),
    e("menu", "handoff", "other"),
    e("ask_order", "lookup", "ok"),
    e("ask_order", "handoff", "invalid"),
    e("ask_order", "done", "timeout"),
    e("lookup", "status", "ok"),
    e("lookup", "handoff", "error"),
    e("tag_lead", "to_sales"),
    e("to_sales", "done"),
  ];
  return { name: "Support menu", trigger_type: "keyword", trigger_value: keyword, trigger_match: "exact", flow_data: { nodes, edges } };
}

/** Flows, templates, contacts import, team, API keys and the dashboard of the demo business. */
async function adminPages(page, shot) {
  const auth = await apiCall("POST", "/auth/login", { email: DEMO_EMAIL, password: DEMO_PASSWORD });
  const token = auth.access_token;
  const channels = await apiCall("GET", "/channels", undefined, token);
  const channel = channels.data.find((c) => c.phone_number_id === "100000000000001") ?? channels.data[0];
  const secret = process.env.E2E_PLATFORM_APP_SECRET;

  // A flow with a few runs: customers send its keyword (signed webhooks), one taps a button.
  const keyword = `support-${randomBytes(2).toString("hex")}`;
  const flow = await apiCall("POST", "/flows", demoFlow(keyword), token);
  await apiCall("PATCH", `/flows/${flow.id}/status`, { status: "active" }, token);
  if (secret && channel) {
    const target = { appId: null, appSecret: secret, phoneNumberId: channel.phone_number_id, displayPhone: channel.display_phone_number, wabaId: channel.waba_id };
    const customers = ["Meera Iyer", "Tom Becker", "Ana Lima"].map((name) => ({ name, from: `9177${digits(8)}` }));
    for (const c of customers) await postInboundText({ ...target, ...c, text: keyword });
    await page.waitForTimeout(1500);
    const c = customers[0];
    await postWebhook(target, {
      object: "whatsapp_business_account",
      entry: [
        {
          id: channel.waba_id,
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: channel.display_phone_number.replace(/\D/g, ""), phone_number_id: channel.phone_number_id },
                contacts: [{ profile: { name: c.name }, wa_id: c.from }],
                messages: [
                  {
                    from: c.from,
                    id: `wamid.E2E${randomBytes(12).toString("hex")}`,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: "interactive",
                    interactive: { type: "button_reply", button_reply: { id: "orders", title: "Track an order" } },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    await page.waitForTimeout(1000);
  }

  await page.getByTestId("nav-flows").click();
  await page.locator(`[data-testid="flow-row"][data-flow-id="${flow.id}"]`).waitFor();
  await page.waitForTimeout(500);
  await shot("page-flows");
  await page.locator(`[data-testid="flow-row"][data-flow-id="${flow.id}"]`).getByTestId("flow-open").click();
  await page.getByTestId("flow-builder").waitFor();
  await page.locator('[data-testid="flow-node"][data-node-id="menu"]').click();
  await page.getByTestId("node-editor").waitFor();
  await page.waitForTimeout(500);
  await shot("page-flow-builder");

  // Templates: the list, and the form with its live preview.
  await page.getByTestId("nav-templates").click();
  await page.getByTestId("tpl-row").first().waitFor();
  await shot("page-templates");
  await page.getByTestId("tpl-new").click();
  await page.getByTestId("tpl-name").fill("delivery_update");
  await page.getByTestId("tpl-category").selectOption("UTILITY");
  await page.getByTestId("tpl-header-format").selectOption("TEXT");
  await page.getByTestId("tpl-header-text").fill("Your order is on its way");
  await page.getByTestId("tpl-body").fill("Hi {{1}}, order *{{2}}* left our warehouse and arrives on {{3}}.");
  await page.getByTestId("tpl-body-example-1").fill("Meera");
  await page.getByTestId("tpl-body-example-2").fill("#4821");
  await page.getByTestId("tpl-body-example-3").fill("Friday");
  await page.getByTestId("tpl-footer").fill("Acme Stores");
  await page.getByTestId("tpl-add-button").click();
  await page.getByTestId("tpl-button-text-1").fill("Track package");
  await page.getByTestId("tpl-dialog").evaluate((el) => el.scrollIntoView({ block: "start" }));
  await shot("page-template-new");
  await page.keyboard.press("Escape");

  // Contacts: a CSV import with its report.
  await page.getByTestId("nav-contacts").click();
  await page.getByTestId("contacts-table").waitFor();
  await page.getByTestId("contacts-import").click();
  await page.getByTestId("import-text").fill(
    ["phone,name,tags,city", `+9198${digits(8)},Kavya Menon,vip,Kochi`, "12345,Bad Number,,Delhi", `+4477${digits(8)},Oliver Smith,lead,London`, ",Missing Phone,,"].join("\n"),
  );
  await page.getByTestId("import-submit").click();
  await page.getByTestId("import-report").waitFor();
  await shot("page-contacts-import");
  await page.keyboard.press("Escape");

  // Settings: team and API keys (a new key is shown once).
  await page.getByTestId("nav-channels").click();
  await page.getByTestId("settings-tab-team").click();
  await page.getByTestId("member-row").first().waitFor();
  await shot("page-settings-team");
  await page.getByTestId("settings-tab-api-keys").click();
  await page.getByTestId("api-key-name").fill("Zapier integration");
  await page.getByTestId("api-key-scope-write").check();
  await page.getByTestId("api-key-create").click();
  await page.getByTestId("api-key-created").waitFor();
  const key = await page.getByTestId("api-key-value").inputValue();
  assert(key.length > 20, "the new key is shown once");
  await shot("page-settings-api-keys");

  // Dashboard (GET /analytics/overview; a server without it shows a clear notice).
  await page.getByTestId("nav-dashboard").click();
  await page.locator('[data-testid="dashboard"], [data-testid="dash-error"]').first().waitFor();
  const available = (await page.getByTestId("dashboard").count()) > 0;
  await page.waitForTimeout(300);
  await shot("page-dashboard");
  return available ? "charts" : (await page.getByTestId("dash-error").textContent())?.trim();
}
