// The server's security headers, and the built app working under them. Every
// response (the SPA page and its fallback, a script, an API answer, an API
// error) carries the Content-Security-Policy (scripts only from this origin:
// no inline script, no eval; sockets to ws:/wss:; not framable),
// X-Frame-Options DENY, X-Content-Type-Options nosniff and Referrer-Policy
// no-referrer. The app signs in, lists and opens a conversation and sends a
// document with no CSP violation (any violation fails every scenario, see
// lib.mjs). The document is saved through a download link with its name —
// the media answer is an attachment — and the page does not navigate.
import { randomBytes } from "node:crypto";
import { assert, baseUrl, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

function directives(csp) {
  const map = new Map();
  for (const part of (csp ?? "").split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function checkHeaders(what, headers) {
  const csp = directives(headers.get("content-security-policy"));
  assert(csp.size > 0, `${what}: has a Content-Security-Policy`);
  const script = csp.get("script-src") ?? csp.get("default-src") ?? [];
  assert(script.includes("'self'"), `${what}: scripts from this origin (${script.join(" ")})`);
  assert(!script.some((v) => /unsafe-inline|unsafe-eval|^\*$|^https?:$/.test(v)), `${what}: no inline script, eval or foreign scripts (${script.join(" ")})`);
  const connect = csp.get("connect-src") ?? [];
  assert(connect.includes("'self'") && connect.includes("ws:") && connect.includes("wss:"), `${what}: sockets allowed (${connect.join(" ")})`);
  assert((csp.get("frame-ancestors") ?? []).join(" ") === "'none'", `${what}: frame-ancestors 'none'`);
  assert((csp.get("object-src") ?? []).join(" ") === "'none'", `${what}: object-src 'none'`);
  assert(/^deny$/i.test(headers.get("x-frame-options") ?? ""), `${what}: X-Frame-Options DENY (${headers.get("x-frame-options")})`);
  assert(/^nosniff$/i.test(headers.get("x-content-type-options") ?? ""), `${what}: X-Content-Type-Options nosniff`);
  assert(/^no-referrer$/i.test(headers.get("referrer-policy") ?? ""), `${what}: Referrer-Policy no-referrer (${headers.get("referrer-policy")})`);
}

/** A small valid PDF. */
function makePdf(text) {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    null,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const stream = `BT /F1 12 Tf 10 50 Td (${text}) Tj ET`;
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

export default async function ({ page }) {
  // 1. The headers, on each kind of response.
  const index = await fetch(`${baseUrl()}/login`);
  checkHeaders("the app page", index.headers);
  const html = await index.text();
  assert(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), "the page has no inline <script>");
  const script = /<script[^>]*\bsrc="([^"]+)"/i.exec(html)?.[1];
  assert(script && script.startsWith("/"), `the app's script is served from this origin (${script})`);
  checkHeaders("the app's script", (await fetch(`${baseUrl()}${script}`)).headers);
  checkHeaders("an API error", (await fetch(`${baseUrl()}/api/v1/auth/me`)).headers);

  // 2. The app under that policy: sign in, the list, a conversation.
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Headers ${randomBytes(2).toString("hex")}`);
  const tag = randomBytes(3).toString("hex");
  await customer.say(`please send the invoice ${tag}`);
  const apiAnswer = page.waitForResponse((r) => r.url().includes("/api/v1/conversations") && r.request().method() === "GET");
  await login(page, tenant.email, tenant.password);
  checkHeaders("an API answer", new Headers(await (await apiAnswer).allHeaders()));
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, `please send the invoice ${tag}`);

  // 3. A document goes out, then is saved from its bubble through a download link.
  const fileName = `invoice-${tag}.pdf`;
  await page.getByTestId("composer-file").setInputFiles({ name: fileName, mimeType: "application/pdf", buffer: makePdf(`Invoice ${tag}`) });
  await page.getByTestId("attachment-name").filter({ hasText: fileName }).waitFor();
  await page.getByTestId("composer-send").click();
  const bubble = page.locator('[data-testid="message-bubble"][data-type="document"]').filter({ hasText: fileName });
  await bubble.first().waitFor();
  await page.waitForFunction(
    (name) =>
      [...document.querySelectorAll('[data-testid="message-bubble"][data-type="document"]')].some(
        (el) => el.textContent?.includes(name) && ["sent", "delivered", "read"].includes(el.getAttribute("data-status") ?? ""),
      ),
    fileName,
    { timeout: 20_000 },
  );
  const before = page.url();
  const media = page.waitForResponse((r) => /\/api\/v1\/channels\/[^/]+\/media\/[^/]+$/.test(new URL(r.url()).pathname) && r.request().method() === "GET");
  const download = page.waitForEvent("download");
  await bubble.first().getByTestId("media-download").click();
  const answer = await media;
  const saved = await download;
  const disposition = answer.headers()["content-disposition"] ?? "";
  const type = answer.headers()["content-type"] ?? "";
  assert(answer.status() === 200, `the media download answered ${answer.status()}`);
  assert(/^attachment\b/i.test(disposition), `the media comes as an attachment (${disposition})`);
  assert(!/html|javascript|xml/i.test(type), `the document is not served as something a browser would run (${type})`);
  checkHeaders("the media download", new Headers(await answer.allHeaders()));
  assert(saved.suggestedFilename() === fileName, `saved as ${fileName} (${saved.suggestedFilename()})`);
  const path = await saved.path();
  assert(path, "the download completed");
  assert(page.url() === before, `the page did not navigate (${page.url()})`);
  await page.getByTestId("conversation-view").waitFor();
  await screenshot(page, "security-headers");
  return `CSP, X-Frame-Options, nosniff, no-referrer on page, script, API answer and error, media; ${fileName} saved (${type}; ${disposition})`;
}
