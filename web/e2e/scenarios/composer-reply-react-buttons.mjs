// The full composer against the real server and the Graph API simulator:
// the agent answers a customer's question as a quoted reply, reacts to it
// with 👍 and sends an interactive message with two reply buttons. Each
// reaches the simulator in the Cloud API shape (context.message_id, a
// reaction to the customer's wamid, interactive.type "button"); the sent
// bubbles show the quote, the reaction and the buttons with their ticks.
// The customer's own reply-with-quote and reaction show too.
import { randomBytes } from "node:crypto";
import { assert, bubbles, login, openConversation, postWebhook, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

/** What the Graph API simulator was asked to send to `to`, oldest first. */
async function sentTo(to) {
  const sim = process.env.E2E_GRAPH_SIM;
  if (!sim) throw new Error("E2E_GRAPH_SIM is not set: this scenario reads the Graph API simulator's recorded sends");
  const res = await fetch(`${sim.replace(/\/+$/, "")}/__sim/requests`);
  if (!res.ok) throw new Error(`GET ${sim}/__sim/requests → ${res.status} ${await res.text()}`);
  const { data } = await res.json();
  return data.filter((r) => /\/messages$/.test(r.path) && String(r.body?.to ?? "").replace(/\D/g, "") === to).map((r) => r.body);
}

async function waitForSend(to, match, what) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = (await sentTo(to)).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the simulator never received ${what}; it got: ${JSON.stringify(await sentTo(to))}`);
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const customer = tenant.customer(`Pune ${randomBytes(2).toString("hex")}`);
  const question = `Do you deliver to Pune? ${randomBytes(2).toString("hex")}`;
  const questionWamid = await customer.say(question);
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: customer.name });
  await waitForBubble(page, question);

  // 1. Reply to the question, quoted.
  const questionRow = page.locator('[data-testid="message-row"][data-direction="inbound"]').filter({ hasText: question }).first();
  await questionRow.hover();
  await questionRow.getByTestId("message-reply").click();
  const quote = page.getByTestId("composer-reply");
  await quote.waitFor();
  assert(((await quote.textContent()) ?? "").includes("Do you deliver to Pune"), "the composer quotes the question");
  const words = `Yes, we deliver there ${randomBytes(2).toString("hex")} `;
  await page.getByTestId("composer-input").fill(words);
  // An emoji from the picker, found by name.
  await page.getByTestId("composer-emoji").click();
  await page.getByTestId("emoji-search").fill("truck");
  await page.getByTestId("emoji-picker").locator('[data-emoji="🚚"]').click();
  await page.keyboard.press("Escape");
  await page.getByTestId("emoji-picker").waitFor({ state: "detached" });
  const answer = `${words}🚚`;
  assert((await page.getByTestId("composer-input").inputValue()) === answer, "the emoji went in at the caret");
  await page.getByTestId("composer-input").press("Enter");
  assert((await quote.count()) === 0, "the quote leaves the composer once sent");
  const sentReply = bubbles(page, answer).first();
  await sentReply.getByTestId("reply-quote").filter({ hasText: "Do you deliver to Pune" }).waitFor();
  await waitForBubble(page, answer, { status: "read", timeout: 20_000 });
  const replyBody = await waitForSend(customer.waId, (b) => b.type === "text" && b.text?.body === answer, "the quoted reply");
  assert(replyBody.context?.message_id === questionWamid, `the reply carries context.message_id of the question: ${JSON.stringify(replyBody.context)}`);

  // The simulated customer answers with a quote of our reply: it shows quoted.
  const theirReply = page.locator('[data-testid="message-bubble"][data-direction="inbound"]').filter({ has: page.getByTestId("reply-quote").filter({ hasText: answer.slice(0, 20) }) });
  await theirReply.first().waitFor({ timeout: 20_000 });

  // 2. React 👍 to the question.
  await questionRow.hover();
  await questionRow.getByTestId("message-react").click();
  await page.getByTestId("reaction-bar").locator('[data-emoji="👍"]').click();
  await questionRow.locator('[data-testid="reaction"][data-direction="outbound"]').filter({ hasText: "👍" }).waitFor();
  const reaction = await waitForSend(customer.waId, (b) => b.type === "reaction", "the reaction");
  assert(reaction.reaction?.message_id === questionWamid && reaction.reaction?.emoji === "👍", `a 👍 reaction to the question's wamid: ${JSON.stringify(reaction.reaction)}`);

  // The customer reacts ❤️ to our reply: it attaches to that bubble.
  const replyWamid = await page.locator('[data-testid="message-bubble"][data-direction="outbound"]').filter({ hasText: answer }).first().getAttribute("data-wamid");
  assert(replyWamid, "the sent reply has Meta's id");
  const t = tenant.webhookTarget;
  await postWebhook(t, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: t.wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: t.displayPhone.replace(/\D/g, ""), phone_number_id: t.phoneNumberId },
              contacts: [{ profile: { name: customer.name }, wa_id: customer.waId }],
              messages: [
                {
                  from: customer.waId,
                  id: `wamid.E2E${randomBytes(12).toString("hex")}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "reaction",
                  reaction: { message_id: replyWamid, emoji: "❤️" },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  await page.getByTestId("message-row").filter({ hasText: answer }).first().locator('[data-testid="reaction"][data-direction="inbound"]').filter({ hasText: "❤️" }).waitFor();

  // 3. Reply buttons.
  await page.getByTestId("composer-interactive").click();
  const builder = page.getByTestId("interactive-builder");
  await builder.waitFor();
  const prompt = `When should we deliver? ${randomBytes(2).toString("hex")}`;
  await page.getByTestId("interactive-body").fill(prompt);
  // A title over WhatsApp's 20 characters is pointed out as it is typed.
  await page.getByTestId("interactive-button-1").fill("Tomorrow morning please");
  await builder.getByTestId("interactive-problem").filter({ hasText: "20" }).waitFor();
  await page.getByTestId("interactive-button-1").fill("Morning");
  await page.getByTestId("interactive-button-2").fill("Evening");
  assert((await builder.getByTestId("interactive-problem").count()) === 0, "no problems left");
  await screenshot(page, "composer-interactive-builder");
  await page.getByTestId("interactive-send").click();
  await builder.waitFor({ state: "detached" });
  const buttonsBubble = page.locator('[data-testid="message-bubble"][data-type="interactive"][data-direction="outbound"]').filter({ hasText: prompt });
  await buttonsBubble.first().waitFor();
  for (const title of ["Morning", "Evening"]) assert(((await buttonsBubble.first().textContent()) ?? "").includes(title), `the bubble shows the "${title}" button`);
  await page.locator('[data-testid="message-bubble"][data-type="interactive"][data-status="read"]').filter({ hasText: prompt }).first().waitFor({ timeout: 20_000 });
  await buttonsBubble.first().getByLabel("Read").waitFor();
  const interactive = await waitForSend(customer.waId, (b) => b.type === "interactive", "the interactive message");
  const sentButtons = interactive.interactive?.action?.buttons ?? [];
  assert(interactive.interactive?.type === "button" && interactive.interactive?.body?.text === prompt, `interactive.type button with the body: ${JSON.stringify(interactive.interactive)}`);
  assert(
    sentButtons.length === 2 && sentButtons.every((b) => b.type === "reply" && b.reply?.id) && sentButtons.map((b) => b.reply.title).join() === "Morning,Evening",
    `two reply buttons: ${JSON.stringify(sentButtons)}`,
  );
  await screenshot(page, "composer-reply-react-buttons");

  // A list: a button that opens it, rows with descriptions.
  await page.getByTestId("composer-interactive").click();
  await page.getByTestId("interactive-kind-list").click();
  const listPrompt = `Pick a delivery day ${randomBytes(2).toString("hex")}`;
  await page.getByTestId("interactive-body").fill(listPrompt);
  await page.getByTestId("interactive-list-button").fill("See days");
  await page.getByTestId("interactive-row-1-1-title").fill("Monday");
  await page.getByTestId("interactive-row-1-1-description").fill("Between 9 and 12");
  await page.getByTestId("interactive-add-row").click();
  await page.getByTestId("interactive-row-1-2-title").fill("Tuesday");
  await page.getByTestId("interactive-send").click();
  await builder.waitFor({ state: "detached" });
  await page.locator('[data-testid="message-bubble"][data-type="interactive"]').filter({ hasText: listPrompt }).filter({ hasText: "Tuesday" }).first().waitFor();
  const list = await waitForSend(customer.waId, (b) => b.type === "interactive" && b.interactive?.type === "list", "the list message");
  const rows = list.interactive.action?.sections?.[0]?.rows ?? [];
  assert(list.interactive.action.button === "See days" && rows.length === 2 && rows[0].title === "Monday" && rows[0].description === "Between 9 and 12", `the list as sent: ${JSON.stringify(list.interactive)}`);

  // 4. A private note: in the thread for the team, never sent.
  const sendsBefore = (await sentTo(customer.waId)).length;
  await page.getByTestId("composer-mode-note").click();
  const noteText = `Customer prefers evenings ${randomBytes(2).toString("hex")}`;
  await page.getByTestId("composer-input").fill(noteText);
  await page.getByTestId("composer-input").press("Enter");
  await page.getByTestId("thread-note").filter({ hasText: noteText }).waitFor();
  // The note can reach the thread (its live frame) a moment before the
  // composer hears that it was saved and clears.
  const cleared = await page
    .waitForFunction(() => document.querySelector('[data-testid="composer-input"]')?.value === "", null, { timeout: 5000 })
    .then(() => true, () => false);
  assert(cleared, "the note left the composer");
  assert((await bubbles(page, noteText).count()) === 0, "the note is not a message");
  const sends = await sentTo(customer.waId);
  assert(sends.length === sendsBefore && !JSON.stringify(sends).includes(noteText), "nothing about the note reached WhatsApp");
  return "emoji, quoted reply (context.message_id), 👍 reaction, two reply buttons and a list at the simulator with read ticks; a private note kept in";
}
