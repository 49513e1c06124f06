// Notifications. The browser's permission is never asked on load: only when
// the agent clicks "Turn on desktop notifications" in the inbox's bell
// (Chromium grants it here, as a person clicking "Allow" would). Then, while
// the agent reads one customer, another customer's new message brings a
// desktop notification (their name, the words) and a chime (WebAudio), and
// the tab title counts the unread messages ("(2) whatsflow"). A message in
// the conversation on screen brings none; a conversation assigned to the
// agent brings one.
import { randomBytes } from "node:crypto";
import { apiCall, assert, baseUrl, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

/** Records notifications, permission requests and chime tones; the permission reads "default" until asked. */
function recordNotifications() {
  const Real = window.Notification;
  const state = { shown: [], asked: 0, tones: 0, permission: "default" };
  window.__e2eNotify = state;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      state.shown.push({ title, body: options?.body ?? "", at: Date.now() });
    }
    static get permission() {
      return state.permission;
    }
    static async requestPermission() {
      state.asked++;
      state.permission = await Real.requestPermission();
      return state.permission;
    }
  }
  window.Notification = Recorded;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    state.tones++;
    return start.apply(this, args);
  };
}

const recorded = (page) => page.evaluate(() => ({ ...window.__e2eNotify, shown: [...window.__e2eNotify.shown] }));

export default async function ({ page, context }) {
  await context.grantPermissions(["notifications"], { origin: baseUrl() });
  await context.addInitScript(recordNotifications);
  const tenant = await tenantWithChannel();
  const reading = tenant.customer(`Reading ${randomBytes(2).toString("hex")}`);
  const other = tenant.customer(`Waiting ${randomBytes(2).toString("hex")}`);
  await reading.say("First question");
  await other.say("Hello?");
  await login(page, tenant.email, tenant.password);
  await page.getByTestId("conversation-row").filter({ hasText: other.name }).waitFor();
  await page.waitForFunction(() => document.title === "(2) whatsflow");

  // Nothing is asked on load.
  let r = await recorded(page);
  assert(r.asked === 0, `no permission request on load (${r.asked})`);

  // The agent turns desktop notifications on: one request, granted.
  await page.getByTestId("notify-bell").click();
  await page.getByTestId("notify-enable").click();
  await page.getByTestId("notify-desktop").waitFor();
  assert(await page.getByTestId("notify-desktop").isChecked(), "desktop notifications are on");
  assert(await page.getByTestId("notify-sound").isChecked(), "the sound is on");
  r = await recorded(page);
  assert(r.asked === 1 && r.permission === "granted", `asked once, granted: ${JSON.stringify(r)}`);
  await screenshot(page, "notifications-settings");
  await page.keyboard.press("Escape");

  // Reading one customer; the other writes.
  await openConversation(page, { name: reading.name });
  await waitForBubble(page, "First question");
  await page.waitForFunction(() => document.title === "(1) whatsflow");
  const tonesBefore = (await recorded(page)).tones;
  await other.say("Where is my parcel?");
  await page.waitForFunction(
    (name) => window.__e2eNotify.shown.some((n) => n.title.includes(name) && n.body.includes("Where is my parcel?")),
    other.name,
    { timeout: 5_000 },
  );
  r = await recorded(page);
  const note = r.shown.find((n) => n.title.includes(other.name));
  assert(note.title === `New message from ${other.name}`, `the title names the customer: "${note.title}"`);
  await page.waitForFunction(() => document.title === "(2) whatsflow");
  assert(r.tones > tonesBefore, `the chime played (${tonesBefore} → ${r.tones} tones)`);

  // The conversation on screen (tab visible): no notification.
  const shownBefore = r.shown.length;
  await reading.say("Second question");
  await waitForBubble(page, "Second question");
  // The customer's next message elsewhere proves the first was handled in order.
  await other.say("Hello again");
  await page.waitForFunction((n) => window.__e2eNotify.shown.length > n, shownBefore);
  r = await recorded(page);
  const after = r.shown.slice(shownBefore);
  assert(after.every((n) => !n.body.includes("Second question")), `nothing for the conversation on screen: ${JSON.stringify(after)}`);

  // Assigned to me by the API (an admin elsewhere): announced.
  const list = await apiCall("GET", "/conversations?status=open", undefined, tenant.auth.access_token);
  const otherConv = list.data.find((c) => c.contact.name === other.name);
  await apiCall("PATCH", `/conversations/${otherConv.id}`, { assignee_id: tenant.auth.user.id }, tenant.auth.access_token);
  await page.waitForFunction(() => window.__e2eNotify.shown.some((n) => n.title === "A conversation was assigned to you"));
  await screenshot(page, "notifications-title");
  return `${(await recorded(page)).shown.length} notifications; title "${await page.title()}"`;
}
