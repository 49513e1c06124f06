// The inbox's tools against the real server: two customers write in; the
// search box finds one (by name, then by phone) through GET
// /conversations?search=; a conversation is tagged (and a tag removed) and the
// tag filter (?tag=) shows just it; an agent added to the team takes it over
// through the assignee picker (and, signed in, may only take or release); a
// PNG made here is attached in the composer, uploaded to the channel, sent by
// its media id and reaches "sent" or better with the Graph API simulator;
// after a reload the images (ours and the customer's) come from the server's
// media download; an unsupported file shows the server's reason.
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import {
  apiCall,
  assert,
  baseUrl,
  launch,
  login,
  openConversation,
  postWebhook,
  screenshot,
  STATUS_RANK,
  tenantWithChannel,
  uniqueEmail,
  watchBubbles,
} from "../lib.mjs";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real RGB PNG of width × height: a green-to-blue gradient with a white stripe. */
function makePng(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // no filter
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(y - height / 2) < 3;
      const p = row + 1 + x * 3;
      raw[p] = stripe ? 255 : 37;
      raw[p + 1] = stripe ? 255 : Math.round(211 - (x / width) * 120);
      raw[p + 2] = stripe ? 255 : Math.round(102 + (x / width) * 153);
    }
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Waits for the answer of GET /conversations with `param` = `value`; returns its JSON. */
function listAnswer(page, param, value) {
  return page
    .waitForResponse((r) => {
      const u = new URL(r.url());
      return u.pathname === "/api/v1/conversations" && r.request().method() === "GET" && u.searchParams.get(param) === value;
    })
    .then(async (r) => {
      assert(r.ok(), `GET ${r.url()} → ${r.status()}`);
      return r.json();
    });
}

const names = (page) => page.getByTestId("conversation-name").allTextContents();

export default async function ({ page }) {
  const hex = randomBytes(3).toString("hex");
  const tenant = await tenantWithChannel();
  const token = tenant.auth.access_token;
  const alpha = tenant.customer(`Alpha ${hex}`);
  const beta = tenant.customer(`Beta ${hex}`);
  await alpha.say("Hi, can you send me my receipt?");
  await beta.say("Where is my parcel?");
  const agentPassword = `pw-${randomBytes(8).toString("hex")}`;
  const agentEmail = uniqueEmail("agent");
  const agent = await apiCall("POST", "/users", { name: `Meera ${hex}`, email: agentEmail, password: agentPassword, role: "agent" }, token);

  await login(page, tenant.email, tenant.password);
  const rows = page.getByTestId("conversation-row");
  await rows.filter({ hasText: alpha.name }).waitFor();
  await rows.filter({ hasText: beta.name }).waitFor();

  // 1. Search: by name, then by phone digits; the server does the finding.
  const search = page.getByTestId("conversation-search");
  let answer = listAnswer(page, "search", alpha.name);
  await search.fill(alpha.name);
  let found = await answer;
  assert(
    found.data.length === 1 && found.data[0].contact.name === alpha.name,
    `?search=${alpha.name} answers only ${alpha.name} (got ${found.data.map((c) => c.contact.name).join(", ") || "nothing"})`,
  );
  await rows.filter({ hasText: beta.name }).waitFor({ state: "detached" });
  assert(JSON.stringify(await names(page)) === JSON.stringify([alpha.name]), `the list shows ${alpha.name} only: ${await names(page)}`);
  const digits = beta.waId.slice(-8);
  answer = listAnswer(page, "search", digits);
  await search.fill(digits);
  found = await answer;
  assert(found.data.length === 1 && found.data[0].contact.name === beta.name, `?search=${digits} (phone) answers ${beta.name} only`);
  await rows.filter({ hasText: alpha.name }).waitFor({ state: "detached" });
  await rows.filter({ hasText: beta.name }).waitFor();
  await search.fill("");
  await rows.filter({ hasText: alpha.name }).waitFor();
  await rows.filter({ hasText: beta.name }).waitFor();

  // 2. Tags on a conversation: add two (one typed in capitals), remove one.
  await openConversation(page, { name: alpha.name });
  const alphaId = await page.getByTestId("conversation-view").getAttribute("data-conversation-id");
  const tag = `vip-${hex}`;
  const temp = `later-${hex}`;
  await page.getByTestId("conversation-tag-add").click();
  await page.getByTestId("conversation-tag-input").fill(`${tag.toUpperCase()}, ${temp}`);
  await page.getByTestId("conversation-tag-input").press("Enter");
  const chip = (t) => page.locator(`[data-testid="conversation-tag"][data-tag="${t}"]`);
  await chip(tag).waitFor();
  await chip(temp).waitFor();
  await page.getByTestId("conversation-tag-input").press("Escape");
  await chip(temp).getByTestId("conversation-tag-remove").click();
  await chip(temp).waitFor({ state: "detached" });
  const tagged = await apiCall("GET", `/conversations/${alphaId}`, undefined, token);
  assert(JSON.stringify(tagged.tags) === JSON.stringify([tag]), `the server holds the tags [${tag}]: ${JSON.stringify(tagged.tags)}`);
  await rows.filter({ hasText: alpha.name }).getByTestId("conversation-row-tag").filter({ hasText: tag }).waitFor();

  // 3. Filter the list by that tag.
  const tagInput = page.getByTestId("filter-tag");
  answer = listAnswer(page, "tag", tag);
  await tagInput.fill(tag);
  if (await tagInput.count()) await tagInput.press("Enter");
  found = await answer;
  assert(
    found.data.length === 1 && found.data[0].id === alphaId,
    `?tag=${tag} answers only the tagged conversation (got ${found.data.map((c) => c.contact.name).join(", ") || "nothing"})`,
  );
  await page.locator(`[data-testid="filter-tag-chip"][data-tag="${tag}"]`).waitFor();
  await rows.filter({ hasText: beta.name }).waitFor({ state: "detached" });
  await page.getByTestId("filter-tag-clear").click();
  await rows.filter({ hasText: beta.name }).waitFor();

  // 4. Transfer: the admin picks the new agent (offline) in the assignee picker.
  await page.getByTestId("assignee-picker").click();
  const option = page.locator(`[data-testid="assignee-option"][data-user-id="${agent.id}"]`);
  await option.waitFor();
  const dot = await option.getByTestId("presence").getAttribute("data-presence");
  assert(dot === "offline", `the agent shows as offline in the picker (${dot})`);
  await option.click();
  await page.locator(`[data-testid="assignee-picker"][data-assignee-id="${agent.id}"]`).waitFor();
  await page.getByTestId("assignee-name").filter({ hasText: agent.name }).waitFor();
  await page.getByTestId("conversation-header").filter({ hasText: `Assigned to ${agent.name}` }).waitFor();
  const transferred = await apiCall("GET", `/conversations/${alphaId}`, undefined, token);
  assert(transferred.assignee_id === agent.id, `the server has it assigned to the agent (${transferred.assignee_id})`);

  // The agent may take or release, never hand it to someone else (the server refuses with 403).
  const agentAuth = await apiCall("POST", "/auth/login", { email: agentEmail, password: agentPassword });
  const refused = await fetch(`${baseUrl()}/api/v1/conversations/${alphaId}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${agentAuth.access_token}` },
    body: JSON.stringify({ assignee_id: tenant.auth.user.id }),
  });
  const refusal = await refused.json().catch(() => null);
  assert(refused.status === 403 && refusal?.error?.code === "FORBIDDEN", `an agent assigning the admin gets 403 FORBIDDEN (${refused.status} ${JSON.stringify(refusal)})`);
  const agentBrowser = await launch();
  try {
    await login(agentBrowser.page, agentEmail, agentPassword);
    await openConversation(agentBrowser.page, { id: alphaId });
    await agentBrowser.page.getByTestId("assignee-name").filter({ hasText: "You" }).waitFor();
    await agentBrowser.page.getByTestId("assignee-picker").click();
    const adminOption = agentBrowser.page.locator(`[data-testid="assignee-option"][data-user-id="${tenant.auth.user.id}"]`);
    await adminOption.waitFor();
    assert(await adminOption.isDisabled(), "an agent cannot pick a colleague");
    await agentBrowser.page.getByTestId("assignee-release").waitFor();
    // Signed in, the agent is online for the admin's picker too.
    await page.getByTestId("assignee-picker").click();
    await option.locator('[data-presence="online"]').waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("assignee-menu").waitFor({ state: "detached" });
  } finally {
    await agentBrowser.close();
  }

  // 5. Attach a PNG: a bubble with its name at once, then sent by media id, ✓ or better.
  const fileName = `receipt-${hex}.png`;
  const bytes = makePng(160, 96);
  await page.getByTestId("composer-file").setInputFiles({ name: fileName, mimeType: "image/png", buffer: bytes });
  await page.getByTestId("attachment-name").filter({ hasText: fileName }).waitFor();
  const caption = `Here is your receipt ${hex}`;
  await page.getByTestId("composer-input").fill(caption);
  const history = await watchBubbles(page, caption);
  const uploaded = page.waitForResponse((r) => r.url().includes(`/api/v1/channels/`) && r.url().endsWith("/media") && r.request().method() === "POST");
  await page.getByTestId("composer-send").click();
  const imageBubble = page.locator('[data-testid="message-bubble"][data-type="image"]').filter({ hasText: caption });
  await imageBubble.filter({ hasText: fileName }).first().waitFor();
  const upload = await uploaded;
  assert(upload.status() === 201, `the upload answered 201 (${upload.status()})`);
  const media = await upload.json();
  assert(media.type === "image" && media.mime_type === "image/png" && media.file_size === bytes.length, `the upload's answer: ${JSON.stringify(media)}`);
  await page.waitForFunction(
    (caption) =>
      [...document.querySelectorAll('[data-testid="message-bubble"][data-type="image"]')].some(
        (el) => el.textContent?.includes(caption) && ["sent", "delivered", "read"].includes(el.getAttribute("data-status") ?? "") && !el.getAttribute("data-message-id")?.startsWith("local:"),
      ),
    caption,
    { timeout: 20_000 },
  );
  const shownStatus = await imageBubble.first().getAttribute("data-status");
  await imageBubble.first().getByLabel(/^(Sent|Delivered|Read)$/).first().waitFor();
  const width = await imageBubble.first().getByTestId("media-image").evaluate((img) => img.complete && img.naturalWidth);
  assert(width === 160, `the sent picture is shown (${width} px wide)`);
  const log = await history();
  assert(log.every((e) => e.count <= 1), `one bubble for the picture throughout: ${JSON.stringify(log.map((e) => e.count))}`);
  const statuses = log.filter((e) => e.count > 0).map((e) => e.statuses[0]);
  for (let i = 1; i < statuses.length; i++) {
    assert(STATUS_RANK[statuses[i]] >= STATUS_RANK[statuses[i - 1]], `the picture's status never goes backwards: ${statuses.join(" → ")}`);
  }
  const stored = await apiCall("GET", `/conversations/${alphaId}/messages?limit=5`, undefined, token);
  const sent = stored.data.filter((m) => m.direction === "outbound" && m.type === "image").at(-1);
  assert(sent && sent.content?.id === media.id && sent.content?.caption === caption, `stored as an image by media id with the caption: ${JSON.stringify(sent?.content)}`);

  // 6. The customer sends the picture back; after a reload both images come from GET /channels/{id}/media/{media_id}.
  const backCaption = `Got it, thanks ${hex}`;
  await postWebhook(tenant.signing, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: tenant.channel.waba_id,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: tenant.channel.display_phone_number.replace(/\D/g, ""), phone_number_id: tenant.channel.phone_number_id },
              contacts: [{ profile: { name: alpha.name }, wa_id: alpha.waId }],
              messages: [
                {
                  from: alpha.waId,
                  id: `wamid.E2E${randomBytes(12).toString("hex")}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "image",
                  image: { id: media.id, mime_type: "image/png", sha256: "e2e", caption: backCaption },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  await page.locator('[data-testid="message-bubble"][data-direction="inbound"][data-type="image"]').filter({ hasText: backCaption }).waitFor();
  const downloaded = page.waitForResponse((r) => r.url().endsWith(`/media/${media.id}`) && r.request().method() === "GET");
  await page.reload();
  await page.getByTestId("message-thread").waitFor();
  const download = await downloaded;
  assert(download.status() === 200 && (download.headers()["content-type"] ?? "").startsWith("image/png"), `the media download answered ${download.status()} ${download.headers()["content-type"]}`);
  for (const [direction, text] of [
    ["outbound", caption],
    ["inbound", backCaption],
  ]) {
    const img = page.locator(`[data-testid="message-bubble"][data-direction="${direction}"][data-type="image"]`).filter({ hasText: text }).getByTestId("media-image");
    await img.waitFor();
    await page.waitForFunction((el) => el.complete && el.naturalWidth === 160, await img.elementHandle());
  }

  // 7. A type WhatsApp does not take: the server's reason, and no bubble.
  await page.getByTestId("composer-file").setInputFiles({ name: `anim-${hex}.gif`, mimeType: "image/gif", buffer: Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "binary") });
  await page.getByTestId("composer-send").click();
  const refusedFile = page.getByTestId("attach-error");
  await refusedFile.waitFor();
  const reason = (await refusedFile.textContent()) ?? "";
  assert(/image\/gif/.test(reason) && /not a type WhatsApp accepts/.test(reason), `the upload's refusal is shown: ${reason}`);
  assert((await page.locator('[data-testid="message-bubble"]').filter({ hasText: `anim-${hex}.gif` }).count()) === 0, "no bubble for a refused file");
  await refusedFile.getByRole("button").click();

  // The simulator's customer reads it: the blue ticks arrive live after the reload too.
  await page
    .locator('[data-testid="message-bubble"][data-direction="outbound"][data-type="image"][data-status="read"]')
    .filter({ hasText: caption })
    .waitFor({ timeout: 20_000 });
  await screenshot(page, "inbox-tools");
  return `search and ?tag= found ${alpha.name}; tagged ${tag}; transferred to ${agent.name}; ${fileName} sent as media ${media.id} (${shownStatus}, then read); gif refused`;
}
