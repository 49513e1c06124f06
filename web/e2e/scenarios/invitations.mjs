// Team invitations by email. With mail set up, "Invite a teammate" is the
// default way in: the admin gives a name and an email, the invitee is
// listed as invited (with until when the link works) and gets a mail at the
// mail sink. The admin resends it (the first link stops working). The
// invitee opens the new link in their own browser, sees whom it is for,
// chooses a password and lands on the sign-in page with their email filled
// in; they sign in and reach the inbox. The admin's list no longer shows an
// invitation, and the old link says it no longer works.
import { assert, baseUrl, launch, login, mailedLink, screenshot, tenantWithChannel, uniqueEmail, waitForMail } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const email = uniqueEmail("invitee");
  await login(page, tenant.email, tenant.password);
  await page.goto(`${baseUrl()}/settings/team`);
  await page.getByTestId("member-add").filter({ hasText: "Invite a teammate" }).click();
  const dialog = page.getByTestId("member-dialog");
  assert(await dialog.getByTestId("member-mode-invite").isChecked(), "inviting by email is the default when mail is set up");
  assert((await dialog.getByTestId("member-password").count()) === 0, "no password is asked of the admin");
  await dialog.getByTestId("member-name").fill("Kavya Menon");
  await dialog.getByTestId("member-email").fill(email);
  await dialog.getByTestId("member-submit").filter({ hasText: "Send invitation" }).click();
  await dialog.waitFor({ state: "detached" });
  await page.getByTestId("team-notice").filter({ hasText: `Invitation sent to ${email}` }).waitFor();
  const row = page.getByTestId("member-row").filter({ hasText: email });
  await row.locator('[data-testid="member-invitation"][data-state="pending"]').filter({ hasText: "link works until" }).waitFor();
  await screenshot(page, "invitations-team");

  const first = mailedLink(await waitForMail({ to: email, subject: /invited/i }), "/accept-invite");
  assert(first.url.startsWith(baseUrl()), `the link points at this app (${first.url})`);

  // Resending at once is refused with the wait (one mail a minute per
  // person; a fresh link replacing the old one is covered by the server's tests).
  await row.getByTestId("member-resend").click();
  await row.getByTestId("member-resend-error").filter({ hasText: /Try again in/ }).waitFor();

  // The invitee, in their own browser.
  const invitee = await launch({ viewport: { width: 390, height: 844 } });
  try {
    const p = invitee.page;
    await p.goto(first.url);
    await p.getByTestId("invite-for").filter({ hasText: "Kavya Menon" }).filter({ hasText: email }).waitFor();
    assert(!new URL(p.url()).search.includes("token"), "the token leaves the address bar");
    await p.getByTestId("invite-password").fill("short");
    await p.getByTestId("field-error").filter({ hasText: "at least 8 characters" }).waitFor();
    const password = "kavya-chooses-1";
    await p.getByTestId("invite-password").fill(password);
    await p.getByTestId("invite-confirm").fill(password);
    await screenshot(p, "invitations-accept");
    await p.getByTestId("invite-submit").click();
    await p.getByTestId("login-joined").waitFor();
    assert((await p.getByTestId("login-email").inputValue()) === email, "the sign-in page has their email filled in");
    await p.getByTestId("login-password").fill(password);
    await p.getByTestId("login-submit").click();
    await p.getByTestId("conversation-list").waitFor();

    // The link works once.
    await p.goto(first.url);
    await p.getByTestId("invite-invalid").waitFor();
  } finally {
    await invitee.close();
  }

  await page.reload();
  await page.getByTestId("member-row").filter({ hasText: email }).waitFor();
  assert((await page.getByTestId("member-row").filter({ hasText: email }).getByTestId("member-invitation").count()) === 0, "a member who joined is no longer shown as invited");
  return `${email} invited, an immediate resend refused with the wait, joined with their own password and signed in; the used link refused`;
}
