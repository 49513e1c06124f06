// Screenshots of the main pages, for a person to look at, taken against the
// demo business the server seeds (`whatsflow demo`: demo@whatsflow.local, whose
// simulated customers write in every few seconds). Also checks each page
// renders its main element with data from the real server.
import { assert, baseUrl, login, openConversation, screenshot, waitForBubble } from "../lib.mjs";

const DEMO_EMAIL = process.env.E2E_DEMO_EMAIL ?? "demo@whatsflow.local";
const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD ?? "demo-password";

export default async function ({ page }) {
  const shots = [];
  const shot = async (name) => shots.push(await screenshot(page, name));

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

  // The phone layout of the inbox.
  await page.setViewportSize({ width: 390, height: 780 });
  await page.getByTestId("nav-inbox").click();
  await rows.first().waitFor();
  await shot("page-inbox-phone");
  return `${shots.length} screenshots in e2e/output/`;
}
