// Settings › Webhooks: an admin adds an endpoint (a small receiver run here
// on 127.0.0.1) for contact.created and reads its signing secret, shown once;
// "Send test" reaches the receiver with a webhook.test event whose
// X-Whatsflow-Signature verifies with that secret; a contact created through
// the API is delivered as contact.created; the attempt log shows both; a
// delivery is replayed (same event id); then the receiver answers 500 and the
// test shows the failure with its status.
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { apiCall, assert, digits, login, registerTenant, screenshot, TIMEOUT_MS } from "../lib.mjs";

/** A receiver that records every POST (headers and raw body) and answers `status`. */
async function startReceiver() {
  const received = [];
  const state = { status: 200 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {
        // Recorded as raw only.
      }
      received.push({ method: req.method, url: req.url, headers: req.headers, raw, body });
      const ok = state.status < 300;
      res.writeHead(state.status, { "content-type": "application/json" });
      res.end(ok ? '{"received":true}' : '{"error":"receiver is down for the test"}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    received,
    state,
    url: `http://127.0.0.1:${server.address().port}/hooks/${randomBytes(3).toString("hex")}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** Checks `X-Whatsflow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; returns t. */
function verifySignature(delivery, secret) {
  const header = delivery.headers["x-whatsflow-signature"];
  assert(typeof header === "string", `the delivery has an X-Whatsflow-Signature header (${JSON.stringify(delivery.headers)})`);
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=")));
  const t = Number(parts.t);
  assert(Number.isInteger(t) && Math.abs(Date.now() / 1000 - t) < 300, `the signature's t is now (${header})`);
  const expected = createHmac("sha256", secret).update(`${parts.t}.${delivery.raw}`).digest("hex");
  assert(parts.v1 === expected, `v1 is HMAC-SHA256(secret, "<t>.<raw body>") (${header})`);
  return t;
}

async function waitFor(what, find, timeout = TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = find();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export default async function ({ page }) {
  const receiver = await startReceiver();
  try {
    const tenant = await registerTenant();
    await login(page, tenant.email, tenant.password);
    await page.getByTestId("nav-channels").click();
    await page.getByTestId("settings-tab-webhooks").click();
    await page.getByTestId("settings-webhooks").waitFor();

    // 1. Add an endpoint for contact.created; its secret is shown once.
    await page.getByTestId("webhook-add").click();
    await page.getByTestId("webhook-url").fill(receiver.url);
    await page.getByTestId("webhook-description").fill("E2E receiver");
    await page.getByTestId("webhook-event-contact.created").check();
    await page.getByTestId("webhook-submit").click();
    await page.getByTestId("webhook-secret-box").waitFor();
    const secret = await page.getByTestId("webhook-secret").inputValue();
    assert(/^whsec_\w+$/.test(secret), `the secret is shown (${secret})`);
    const card = page.getByTestId("webhook-endpoint").filter({ hasText: receiver.url });
    await card.waitFor();
    assert(((await card.textContent()) ?? "").includes("contact.created"), "the endpoint lists its event");
    await page.getByTestId("webhook-secret-done").click();
    await page.getByTestId("webhook-secret-box").waitFor({ state: "detached" });

    // 2. Send test: delivered, and the receiver got a signed webhook.test.
    await card.getByTestId("webhook-test").click();
    const okResult = card.locator('[data-testid="webhook-test-result"][data-ok="true"]');
    await okResult.waitFor();
    assert(/200/.test((await okResult.getByTestId("webhook-test-status").textContent()) ?? ""), "the test shows status 200");
    const test = await waitFor("the webhook.test delivery", () => receiver.received.find((d) => d.body?.type === "webhook.test"));
    verifySignature(test, secret);
    assert(test.body.id && test.body.tenant_id && test.body.data, `the test event has id, tenant_id and data (${test.raw})`);

    // 3. A contact created through the API is delivered as contact.created.
    const phone = `+91${digits(10)}`;
    const name = `Webhook ${randomBytes(2).toString("hex")}`;
    await apiCall("POST", "/contacts", { phone, name }, tenant.auth.access_token);
    const created = await waitFor("the contact.created delivery", () => receiver.received.find((d) => d.body?.type === "contact.created"));
    verifySignature(created, secret);
    assert(created.raw.includes(name), `the contact.created event carries the contact (${created.raw})`);

    // 4. The attempt log shows both attempts (refreshed by hand).
    await card.getByTestId("webhook-logs-toggle").click();
    const attempt = (type) => card.locator(`[data-testid="webhook-attempt"][data-event-type="${type}"]`);
    await attempt("webhook.test").first().waitFor();
    const deadline = Date.now() + TIMEOUT_MS;
    while ((await attempt("contact.created").count()) === 0) {
      if (Date.now() > deadline) throw new Error("the contact.created attempt never showed in the log");
      await card.getByTestId("webhook-refresh").click();
      await page.waitForTimeout(300);
    }
    assert((await attempt("contact.created").first().getAttribute("data-status-code")) === "200", "the contact.created attempt was answered 200");

    // 5. The delivery's body, and a replay: the same event again.
    await card.getByTestId("webhook-deliveries-toggle").click();
    const delivery = card.locator('[data-testid="webhook-delivery"][data-event-type="contact.created"]').first();
    await delivery.waitFor();
    await delivery.getByTestId("webhook-delivery-expand").click();
    assert(((await delivery.getByTestId("webhook-delivery-payload").textContent()) ?? "").includes(name), "the expanded delivery shows its JSON body");
    const before = receiver.received.filter((d) => d.body?.type === "contact.created").length;
    await delivery.getByTestId("webhook-delivery-replay").click();
    await delivery.getByTestId("webhook-delivery-replayed").waitFor();
    const replayed = await waitFor("the replayed delivery", () => {
      const all = receiver.received.filter((d) => d.body?.type === "contact.created");
      return all.length > before ? all.at(-1) : null;
    });
    verifySignature(replayed, secret);
    assert(replayed.body.id === created.body.id, "a replay carries the same event id (receivers deduplicate on it)");

    // 6. The receiver fails: the test says so, with the status.
    receiver.state.status = 500;
    await card.getByTestId("webhook-logs-toggle").click();
    await card.getByTestId("webhook-test").click();
    const failed = card.locator('[data-testid="webhook-test-result"][data-ok="false"]');
    await failed.waitFor();
    assert(/500/.test((await failed.getByTestId("webhook-test-status").textContent()) ?? ""), "the failed test shows status 500");
    assert(/receiver is down/.test((await failed.textContent()) ?? ""), "the failed test shows the receiver's answer");
    await card.locator('[data-testid="webhook-attempt"][data-status-code="500"]').first().waitFor();
    await screenshot(page, "webhooks");
    return `endpoint ${receiver.url}: test 200 signed, contact.created delivered and replayed, test 500 shown`;
  } finally {
    await receiver.close();
  }
}
