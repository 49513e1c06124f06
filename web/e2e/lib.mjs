// Helpers for the browser scenarios: Debian's Chromium driven by playwright-core.
// Every scenario gets a fresh browser profile; BASE_URL names the server under test.

import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const OUTPUT_DIR = fileURLToPath(new URL("./output/", import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);

export function baseUrl() {
  const url = process.env.BASE_URL;
  if (!url) throw new Error("BASE_URL is not set (e.g. BASE_URL=http://127.0.0.1:8080)");
  return url.replace(/\/+$/, "");
}

/** Launches Chromium headless with a throwaway profile; returns {browser, page, close}. */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "whatsflow-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
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
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
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
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export function uniqueEmail(prefix = "agent") {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@e2e.whatsflow.test`;
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

/** A new tenant with its admin, through the API. */
export async function registerTenant() {
  const email = uniqueEmail("admin");
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const auth = await apiCall("POST", "/auth/register", { tenant_name: `E2E ${email}`, name: "E2E Admin", email, password });
  return { email, password, auth };
}

/** Fills the login form and waits for the inbox. */
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

/** Waits for a message bubble containing `text` (optionally with a given data-status). */
export async function waitForBubble(page, text, { status, timeout = TIMEOUT_MS } = {}) {
  const sel = status ? `[data-testid="message-bubble"][data-status="${status}"]` : '[data-testid="message-bubble"]';
  const bubble = page.locator(sel).filter({ hasText: text });
  await bubble.first().waitFor({ timeout });
  return bubble;
}

/** Posts a signed WhatsApp Cloud API webhook carrying one inbound text message. */
export async function postInboundText({ appId, appSecret, phoneNumberId, displayPhone, wabaId, from, name, text }) {
  const wamid = `wamid.E2E${randomBytes(12).toString("hex")}`;
  const payload = {
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: displayPhone, phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
  const raw = JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;
  const path = appId ? `/webhooks/whatsapp/${appId}` : "/webhooks/whatsapp";
  const res = await fetch(`${baseUrl()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body: raw,
  });
  if (!res.ok) throw new Error(`webhook → ${res.status} ${await res.text()}`);
  return wamid;
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
