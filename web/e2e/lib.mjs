// Helpers for the browser scenarios: Debian's Chromium driven by playwright-core,
// against the real whatsflow server named by BASE_URL. Every scenario gets a
// fresh browser profile. Nothing here fakes the server: setup goes through the
// public API, and customers' messages arrive as signed Meta webhooks.

import { createHmac, randomBytes, randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const OUTPUT_DIR = fileURLToPath(new URL("./output/", import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);
/** How soon a customer's message must show in the open inbox. */
export const LIVE_MS = Number(process.env.E2E_LIVE_MS ?? 1_000);

export function baseUrl() {
  const url = process.env.BASE_URL;
  if (!url) throw new Error("BASE_URL is not set (e.g. BASE_URL=http://127.0.0.1:8080)");
  return url.replace(/\/+$/, "");
}

/** The page reports Content-Security-Policy violations as console errors starting with this. */
const CSP_MARK = "e2e: CSP violation:";

/**
 * Launches Chromium headless with a throwaway profile; returns {context,
 * page, consoleErrors, close}. Uncaught page errors and any
 * Content-Security-Policy violation (the server sends a strict CSP: no
 * inline scripts, no eval, same-origin scripts and fonts) land in
 * consoleErrors, which fail the scenario.
 */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "whatsflow-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    locale: "en-US",
    timezoneId: "UTC",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  await context.addInitScript((mark) => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`${mark} ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
    });
  }, CSP_MARK);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().startsWith(CSP_MARK)) consoleErrors.push(m.text());
  });
  return {
    context,
    page,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = join(OUTPUT_DIR, `${name}.png`);
  // Transitions finish first, so a button is not caught halfway through a colour change.
  await page.screenshot({ path: file, fullPage: false, animations: "disabled" });
  return file;
}

export function uniqueEmail(prefix = "agent") {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@e2e.whatsflow.test`;
}

/** A random string of `n` digits (Meta ids are digits), never starting with 0. */
export function digits(n) {
  let s = String(randomInt(1, 10));
  while (s.length < n) s += String(randomInt(0, 10));
  return s;
}

/** Calls the JSON API directly (setup steps that are not under test). */
export async function apiCall(method, path, body, accessToken) {
  const res = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return json;
}

/** Signs in through the API; returns the auth answer ({access_token, refresh_token, user, …}). */
export async function apiLogin(email, password) {
  return apiCall("POST", "/auth/login", { email, password });
}

/**
 * Tells the Graph API simulator (E2E_GRAPH_SIM, its base URL) about a number,
 * so that connecting it passes the server's check with Meta that the phone
 * number id belongs to the WABA with this token. Without E2E_GRAPH_SIM it does
 * nothing (a server that does not verify).
 */
export async function registerSimNumber({ phone_number_id, waba_id, access_token, display_phone_number, verified_name }) {
  const sim = process.env.E2E_GRAPH_SIM;
  if (!sim) return;
  const res = await fetch(`${sim.replace(/\/+$/, "")}/__sim/numbers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phone_number_id, waba_id, access_token, display_phone_number, verified_name }),
  });
  if (res.status !== 204) throw new Error(`POST ${sim}/__sim/numbers → ${res.status} ${await res.text()}`);
}

/**
 * Sets the Graph API simulator's test controls (`POST $E2E_GRAPH_SIM/__sim/control`),
 * e.g. `{unread_recipients: ["9198…"], fail_recipients_with: {"9198…": 131000}}`.
 * The controls are replaced as a whole: `simControl({})` clears them.
 * Throws without E2E_GRAPH_SIM (a scenario that needs the simulator cannot run).
 */
export async function simControl(control) {
  const sim = process.env.E2E_GRAPH_SIM;
  if (!sim) throw new Error("E2E_GRAPH_SIM is not set: this scenario steers the Graph API simulator (scripts/test sets it)");
  const res = await fetch(`${sim.replace(/\/+$/, "")}/__sim/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(control),
  });
  if (res.status !== 204) throw new Error(`POST ${sim}/__sim/control → ${res.status} ${await res.text()}`);
}

/** The Razorpay simulator's root (E2E_RAZORPAY_SIM); throws without it (a billing scenario cannot run). */
export function razorpaySim() {
  const sim = process.env.E2E_RAZORPAY_SIM;
  if (!sim) throw new Error("E2E_RAZORPAY_SIM is not set: this scenario pays through the Razorpay simulator (scripts/test starts it and sets it)");
  return sim.replace(/\/+$/, "");
}

/**
 * Has the Razorpay simulator charge a subscription now (`POST
 * /__sim/subscriptions/{id}/charge`): a captured payment, or a failed one
 * (pending; the fourth failure in a row halts it). Its signed webhooks go
 * to the server. Returns the payment.
 */
export async function razorpayCharge(subscriptionId, { fail = false } = {}) {
  const res = await fetch(`${razorpaySim()}/__sim/subscriptions/${encodeURIComponent(subscriptionId)}/charge`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ fail }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${razorpaySim()}/__sim/subscriptions/${subscriptionId}/charge → ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Every webhook the Razorpay simulator sent so far: [{id, event, body, signature, status}]. */
export async function razorpayEvents() {
  const res = await fetch(`${razorpaySim()}/__sim/events`);
  if (!res.ok) throw new Error(`GET ${razorpaySim()}/__sim/events → ${res.status} ${await res.text()}`);
  return (await res.json()).data;
}

/** The mail sink's root (E2E_MAIL_SINK, `whatsflow mail-sink --http`); throws without it (a scenario that reads mail cannot run). */
export function mailSink() {
  const sink = process.env.E2E_MAIL_SINK;
  if (!sink) throw new Error("E2E_MAIL_SINK is not set: this scenario reads the server's mail at the mail sink (scripts/test starts it and sets it)");
  return sink.replace(/\/+$/, "");
}

/** Every mail the sink received so far: [{from, to: [...], subject, body, received_at}], oldest first. */
export async function mails() {
  const res = await fetch(`${mailSink()}/mails`);
  if (!res.ok) throw new Error(`GET ${mailSink()}/mails → ${res.status} ${await res.text()}`);
  return (await res.json()).data;
}

/**
 * Waits for a mail to `to` whose subject matches `subject` (a RegExp or a
 * substring), beyond the first `skip` such mails; returns the newest one.
 */
export async function waitForMail({ to, subject, skip = 0, timeout = TIMEOUT_MS }) {
  const matches = (m) =>
    m.to.some((addr) => addr.toLowerCase() === to.toLowerCase()) && (subject instanceof RegExp ? subject.test(m.subject) : m.subject.includes(subject));
  const deadline = Date.now() + timeout;
  let seen = [];
  while (Date.now() < deadline) {
    const all = await mails();
    const found = all.filter(matches);
    if (found.length > skip) return found.at(-1);
    seen = all.filter((m) => m.to.includes(to)).map((m) => m.subject);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} matching ${subject} within ${timeout} ms (mails to it: ${JSON.stringify(seen)})`);
}

/** The link to `path` (e.g. "/reset-password") in a mail's body, with its token: {url, token}. */
export function mailedLink(mail, path) {
  const m = new RegExp(`(https?://[^\\s]+${path.replace(/[/.]/g, "\\$&")}\\?token=([A-Za-z0-9_-]+))`).exec(mail.body);
  if (!m) throw new Error(`no ${path}?token= link in the mail "${mail.subject}": ${mail.body}`);
  return { url: m[1], token: m[2] };
}

/** RFC 4648 base32 (no padding needed) to bytes. */
export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${text}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 30-second TOTP step holding `ms` (epoch milliseconds). */
export function totpStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / 30);
}

/** The 6-digit TOTP code of a base32 secret for step `step` (RFC 6238 over RFC 4226: HMAC-SHA1, dynamic truncation). */
export function totp(secret, step = totpStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = h[h.length - 1] & 0x0f;
  const bin = ((h[offset] & 0x7f) << 24) | (h[offset + 1] << 16) | (h[offset + 2] << 8) | h[offset + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/** A new tenant with its admin, through the API. */
export async function registerTenant() {
  const email = uniqueEmail("admin");
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const auth = await apiCall("POST", "/auth/register", { tenant_name: `E2E ${email}`, name: "E2E Admin", email, password });
  return { email, password, auth };
}

/**
 * A fresh tenant with a connected WhatsApp number. Webhooks for it are signed
 * with the platform app secret (E2E_PLATFORM_APP_SECRET, the server's
 * WHATSAPP_APP_SECRET) when given, else the channel gets its own Meta app.
 * Returns {email, password, auth, channel, webhookTarget, customer(name?) → Customer}.
 */
export async function tenantWithChannel() {
  const tenant = await registerTenant();
  const platformSecret = process.env.E2E_PLATFORM_APP_SECRET;
  const id = digits(15);
  const channel = {
    phone_number_id: id,
    display_phone_number: `+1 555 ${id.slice(-7, -4)} ${id.slice(-4)}`,
    waba_id: digits(15),
    access_token: `e2e-token-${randomBytes(6).toString("hex")}`,
    name: "E2E support line",
  };
  let signing = { appId: null, appSecret: platformSecret };
  if (!platformSecret) {
    // The tenant's own Meta app: the test signs with a secret it chose.
    signing = { appId: digits(15), appSecret: `e2e-secret-${randomBytes(8).toString("hex")}` };
    Object.assign(channel, { app_id: signing.appId, app_secret: signing.appSecret, verify_token: `vt-${randomBytes(4).toString("hex")}` });
  }
  // The server verifies the number with Meta before connecting it: the simulator must know it.
  await registerSimNumber({ ...channel, verified_name: channel.name });
  await apiCall("POST", "/channels", channel, tenant.auth.access_token);
  const webhookTarget = { ...signing, phoneNumberId: channel.phone_number_id, displayPhone: channel.display_phone_number, wabaId: channel.waba_id };
  return {
    ...tenant,
    channel,
    signing,
    /** Where this number's webhooks go and how they are signed (for postInboundText/postInboundButton from a chosen phone). */
    webhookTarget,
    /** A WhatsApp customer of this number: `say(text, {at})` posts their message as Meta would. */
    customer(name = `Customer ${randomBytes(2).toString("hex")}`) {
      const waId = `9198${digits(8)}`;
      return {
        name,
        waId,
        say: (text, { at } = {}) => postInboundText({ ...webhookTarget, from: waId, name, text, at }),
      };
    },
  };
}

/** Fills the login form; waits for the inbox unless told not to. */
export async function login(page, email, password, { expectSuccess = true } = {}) {
  await page.goto(`${baseUrl()}/login`);
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  if (expectSuccess) await page.getByTestId("conversation-list").waitFor();
}

/** Opens a conversation by id, or by the contact's name/phone shown in the list. */
export async function openConversation(page, { id, name } = {}) {
  const row = id
    ? page.locator(`[data-testid="conversation-row"][data-conversation-id="${id}"]`)
    : page.getByTestId("conversation-row").filter({ hasText: name });
  await row.first().click();
  await page.getByTestId("conversation-view").waitFor();
  await page.getByTestId("message-thread").waitFor();
}

/** The bubbles containing `text` (optionally with a given data-status). */
export function bubbles(page, text, { status } = {}) {
  const sel = status ? `[data-testid="message-bubble"][data-status="${status}"]` : '[data-testid="message-bubble"]';
  return page.locator(sel).filter({ hasText: text });
}

/** Waits for a message bubble containing `text` (optionally with a given data-status). */
export async function waitForBubble(page, text, { status, timeout = TIMEOUT_MS } = {}) {
  const found = bubbles(page, text, { status });
  await found.first().waitFor({ timeout });
  return found;
}

/** Posts a signed WhatsApp Cloud API webhook (the raw body is what gets signed). */
export async function postWebhook({ appId, appSecret }, payload) {
  const raw = JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;
  const path = appId ? `/webhooks/whatsapp/${appId}` : "/webhooks/whatsapp";
  const res = await fetch(`${baseUrl()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body: raw,
  });
  if (!res.ok) throw new Error(`webhook → ${res.status} ${await res.text()}`);
}

/** Posts a signed webhook carrying one inbound text message; returns its wamid. */
export async function postInboundText({ appId, appSecret, phoneNumberId, displayPhone, wabaId, from, name, text, at = new Date() }) {
  const wamid = `wamid.E2E${randomBytes(12).toString("hex")}`;
  await postWebhook({ appId, appSecret }, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: displayPhone.replace(/\D/g, ""), phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id: wamid, timestamp: String(Math.floor(at.getTime() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
  return wamid;
}

/** Posts a signed webhook: a customer tapped a template's quick-reply button on the message `replyingTo` (its wamid). */
export async function postInboundButton({ appId, appSecret, phoneNumberId, displayPhone, wabaId, from, name, text, replyingTo }) {
  const wamid = `wamid.E2E${randomBytes(12).toString("hex")}`;
  const business = displayPhone.replace(/\D/g, "");
  await postWebhook({ appId, appSecret }, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: business, phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [
                {
                  context: { from: business, id: replyingTo },
                  from,
                  id: wamid,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "button",
                  button: { payload: text.toUpperCase().replace(/\W+/g, "_"), text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  return wamid;
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

/** Status ranks as the server orders them ("unconfirmed": Meta's answer was lost; below sent). */
export const STATUS_RANK = { received: 0, pending: 0, accepted: 1, unconfirmed: 1.5, sent: 2, delivered: 3, failed: 4, read: 5, played: 6 };

/**
 * Records, from inside the page, every change to the bubbles that contain
 * `text`: how many there are and their data-status. Returns a function that
 * reads the record: [{t, count, statuses}].
 */
export async function watchBubbles(page, text) {
  const key = `__watch_${randomBytes(4).toString("hex")}`;
  await page.evaluate(
    ({ key, text }) => {
      const log = [];
      let last = "";
      const sample = () => {
        const found = [...document.querySelectorAll('[data-testid="message-bubble"]')].filter((el) => el.textContent?.includes(text));
        const entry = { t: Date.now(), count: found.length, statuses: found.map((el) => el.getAttribute("data-status")) };
        const sig = JSON.stringify([entry.count, entry.statuses]);
        if (sig !== last) {
          last = sig;
          log.push(entry);
        }
      };
      sample();
      const observer = new MutationObserver(sample);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      window[key] = { log, observer };
    },
    { key, text },
  );
  return () => page.evaluate((key) => window[key].log, key);
}

/**
 * An init script (page.addInitScript(recordSockets)): wraps the page's
 * WebSocket to record, per socket, its URL, the subprotocols offered, the
 * one the server chose, and how it closed — in window.__e2eSockets.
 */
export function recordSockets() {
  const Native = window.WebSocket;
  const log = [];
  window.__e2eSockets = log;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const entry = {
        url: String(url),
        protocols: protocols === undefined ? [] : [].concat(protocols),
        protocol: null,
        opened: false,
        closeCode: null,
        closeReason: null,
        createdAt: Date.now(),
      };
      log.push(entry);
      this.addEventListener("open", () => {
        entry.opened = true;
        entry.protocol = this.protocol;
      });
      this.addEventListener("close", (e) => {
        entry.closeCode = e.code;
        entry.closeReason = e.reason;
        entry.closedAt = Date.now();
      });
    }
  };
}

/** What recordSockets saw so far. */
export function recordedSockets(page) {
  return page.evaluate(() => window.__e2eSockets ?? []);
}
