// Account security, end to end, with the mails read at the mail sink
// (E2E_MAIL_SINK) and TOTP codes computed here from the secret on the page.
//  1. A new admin registers in the browser; the verification mail's link opens
//     /verify-email: verified (the token leaves the address bar; opened again,
//     the used link is refused); Settings → Security shows the address verified.
//  2. Signed out, "Forgot password?" mails a reset link; it sets a new password
//     (a second use is refused); the old password fails, the new one works.
//  3. Security → two-factor on: the QR code and the key (data-secret) are shown;
//     a code for the current 30-s step turns it on; 10 recovery codes, shown once.
//  4. The admin requires two-factor of everyone (the confirm dialog says who is
//     signed out); turning it off is then not offered.
//  5. Sign-in now asks for a code: a wrong one is refused with our words; the
//     code of the NEXT step (the current one was spent turning it on) signs in.
//  6. Sessions: a second one (signed in through the API as Firefox on Linux,
//     with a recovery code) is listed with its IP beside "This device"; signing
//     it out ends its refresh token while this page carries on (refreshed);
//     "Sign out everywhere" lands on the login page and ends this browser's too.
//  7. A recovery code (typed in capitals) signs in once; 8 are left.
//  8. An agent without two-factor signs in: the sign-in flow sets it up (QR,
//     key, code), shows the recovery codes, then the inbox; they cannot turn
//     it off, and see no account rule.
import { randomBytes } from "node:crypto";
import {
  apiCall,
  assert,
  baseUrl,
  login,
  mailedLink,
  screenshot,
  totp,
  totpStep,
  uniqueEmail,
  waitForMail,
} from "../lib.mjs";

const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

const text = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** POST to the API as another client (its own User-Agent); returns {status, body}. */
async function post(path, body, userAgent) {
  const res = await fetch(`${baseUrl()}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent } : {}) },
    body: JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, body: raw ? JSON.parse(raw) : null };
}

/** The browser's stored session ({accessToken, refreshToken, …}) or null. */
const storedSession = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("whatsflow.session") ?? "null"));

async function openSecurity(page) {
  await page.goto(`${baseUrl()}/settings/security`);
  await page.locator('[data-testid="security-page"][data-state="ready"]').waitFor();
}

/**
 * Signed in: the app's header is there. (Signing out from a page and back in
 * returns to that page, so this is not always the inbox.)
 */
async function signedIn(page) {
  await page.getByTestId("logout").waitFor();
  assert(!new URL(page.url()).pathname.startsWith("/login"), `signed in, away from the login page (${page.url()})`);
}

async function signOut(page) {
  await page.getByTestId("logout").click();
  await page.getByTestId("login-form").waitFor();
}

/** The password step of a sign-in that must go on to a code; returns at the code step. */
async function passwordThenCode(page, email, password) {
  await login(page, email, password, { expectSuccess: false });
  await page.getByTestId("login-code-form").waitFor();
}

export default async function ({ page }) {
  const email = uniqueEmail("security");
  const firstPassword = `pw-${randomBytes(6).toString("hex")}`;
  const newPassword = `new-${randomBytes(6).toString("hex")}`;

  // 1. Register in the browser; the verification mail arrives; its link verifies.
  await page.goto(`${baseUrl()}/register`);
  await page.getByTestId("register-tenant").fill(`E2E Security ${randomBytes(2).toString("hex")}`);
  await page.getByTestId("register-name").fill("Security Admin");
  await page.getByTestId("register-email").fill(email);
  await page.getByTestId("register-password").fill(firstPassword);
  await page.getByTestId("register-submit").click();
  await page.getByTestId("conversation-list").waitFor();

  const verification = await waitForMail({ to: email, subject: /confirm your email/i });
  const verifyLink = mailedLink(verification, "/verify-email");
  assert(verifyLink.url.startsWith(`${baseUrl()}/verify-email?token=`), `the link points at this server (${verifyLink.url})`);
  await page.goto(verifyLink.url);
  await page.getByTestId("verify-done").waitFor();
  assert(!new URL(page.url()).search.includes("token"), `the token left the address bar (${page.url()})`);
  // A link works once.
  await page.goto(verifyLink.url);
  await page.getByTestId("verify-invalid").waitFor();
  await page.getByTestId("verify-continue").click();
  await page.locator('[data-testid="security-page"][data-state="ready"]').waitFor();
  await page.locator('[data-testid="security-email"][data-verified="true"]').waitFor();
  assert((await text(page.getByTestId("security-email-address"))) === email, "Security shows the address");
  assert(/verified/i.test(await text(page.getByTestId("security-email-status"))), "… as verified");
  assert((await page.getByTestId("settings-tab-security").count()) === 1, "Settings has the Security tab");

  // 2. Signed out: "Forgot password?" → the mailed link → a new password.
  await signOut(page);
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-forgot").click();
  await page.getByTestId("forgot-form").waitFor();
  assert((await page.getByTestId("forgot-email").inputValue()) === email, "the address typed at sign-in comes along");
  await page.getByTestId("forgot-submit").click();
  await page.getByTestId("forgot-sent").waitFor();
  const resetMail = await waitForMail({ to: email, subject: /reset your .*password/i });
  const resetLink = mailedLink(resetMail, "/reset-password");
  await page.goto(resetLink.url);
  await page.getByTestId("reset-form").waitFor();
  assert(!new URL(page.url()).search.includes("token"), "the reset token left the address bar");
  await page.getByTestId("reset-password").fill(newPassword);
  await page.getByTestId("reset-confirm").fill(`${newPassword}x`);
  await page.getByTestId("reset-hint").waitFor();
  assert(await page.getByTestId("reset-submit").isDisabled(), "different passwords cannot be sent");
  await page.getByTestId("reset-confirm").fill(newPassword);
  await page.getByTestId("reset-submit").click();
  await page.getByTestId("reset-done").waitFor();
  // The link is spent.
  await page.goto(resetLink.url);
  await page.getByTestId("reset-password").fill("another-password-1");
  await page.getByTestId("reset-confirm").fill("another-password-1");
  await page.getByTestId("reset-submit").click();
  await page.getByTestId("reset-invalid").waitFor();
  assert((await page.getByTestId("reset-ask-again").getAttribute("href")) === "/forgot-password", "a used link points to asking again");

  await login(page, email, firstPassword, { expectSuccess: false });
  await page.getByTestId("login-error").waitFor();
  await login(page, email, newPassword);

  // 3. Turn on two-factor: the key from the page, a code computed here.
  await openSecurity(page);
  await page.locator('[data-testid="security-2fa"][data-enabled="false"]').waitFor();
  await page.getByTestId("twofa-start").click();
  await page.getByTestId("twofa-qr").waitFor();
  const secret = await page.getByTestId("twofa-secret").getAttribute("data-secret");
  assert(/^[A-Z2-7]{32}$/.test(secret ?? ""), `a base32 key of 160 bits (${secret})`);
  assert((await text(page.getByTestId("twofa-secret"))).replace(/ /g, "") === secret, "the key is shown grouped for typing");
  assert((await page.locator('[data-testid="twofa-qr"] path').getAttribute("d")).length > 1000, "the QR code is drawn");
  await screenshot(page, "account-security-setup");
  const enabledStep = totpStep();
  await page.getByTestId("twofa-code").fill(totp(secret, enabledStep));
  await page.getByTestId("twofa-enable").click();
  await page.getByTestId("recovery-codes").waitFor();
  const codes = (await page.getByTestId("recovery-code").allTextContents()).map((c) => c.trim());
  assert(codes.length === 10, `10 recovery codes (${codes.length})`);
  assert(codes.every((c) => /^[a-z0-9]{4}-[a-z0-9]{4}$/.test(c)), `codes look like xxxx-xxxx (${codes.join(" ")})`);
  assert(await page.getByTestId("recovery-codes-done").isDisabled(), "Done waits for 'I have saved these codes'");
  await page.getByTestId("recovery-codes-saved").check();
  await page.getByTestId("recovery-codes-done").click();
  await page.locator('[data-testid="security-2fa"][data-enabled="true"][data-codes-left="10"]').waitFor();
  assert((await page.getByTestId("recovery-code").count()) === 0, "the codes are not shown again");

  // 4. Require two-factor of everyone (an agent without it is signed out to set it up).
  const admin = (await storedSession(page)).accessToken;
  const agentEmail = uniqueEmail("agent-2fa");
  const agentPassword = `pw-${randomBytes(6).toString("hex")}`;
  await apiCall("POST", "/users", { name: "Agent Twofa", email: agentEmail, password: agentPassword, role: "agent" }, admin);
  await page.locator('[data-testid="security-rule"][data-required="false"]').waitFor();
  await page.getByTestId("security-require-2fa").click();
  const dialog = page.getByTestId("security-rule-confirm");
  await dialog.waitFor();
  assert(/signed out/i.test(await text(dialog)), "the dialog says who is signed out");
  await page.getByTestId("security-rule-confirm-yes").click();
  await page.getByTestId("security-rule-result").waitFor();
  await page.locator('[data-testid="security-rule"][data-required="true"]').waitFor();
  await page.getByTestId("security-2fa-required").waitFor();
  assert((await page.getByTestId("twofa-disable-start").count()) === 0, "two-factor cannot be turned off while required");

  // 5. Sign in with a code: a wrong one first, then the next step's code.
  await signOut(page);
  await passwordThenCode(page, email, newPassword);
  await screenshot(page, "account-security-code");
  const valid = new Set([enabledStep - 1, enabledStep, enabledStep + 1, enabledStep + 2, enabledStep + 3].map((s) => totp(secret, s)));
  const wrong = ["000000", "111111", "222222"].find((c) => !valid.has(c));
  await page.getByTestId("login-code").fill(wrong);
  await page.getByTestId("login-code-submit").click();
  const codeError = await text(page.getByTestId("login-code-error"));
  assert(/wrong or was already used/i.test(codeError), `a wrong code is refused in our words ("${codeError}")`);
  await page.getByTestId("login-code").fill(totp(secret, enabledStep + 1));
  await page.getByTestId("login-code-submit").click();
  await signedIn(page);

  // 6. Sessions: another client signs in (a recovery code); it is listed, then signed out.
  const step1 = await post("/auth/login", { email, password: newPassword }, FIREFOX_LINUX);
  assert(step1.status === 200 && step1.body.mfa_required === true && step1.body.mfa_token, `the API sign-in asks for a code (${JSON.stringify(step1)})`);
  const other = await post("/auth/2fa/verify", { mfa_token: step1.body.mfa_token, recovery_code: codes[0] }, FIREFOX_LINUX);
  assert(other.status === 200 && other.body.refresh_token, `a recovery code finishes the API sign-in (${JSON.stringify(other)})`);

  // From the inbox, the name in the header opens Security.
  await page.goto(`${baseUrl()}/inbox`);
  await page.getByTestId("conversation-list").waitFor();
  await page.getByTestId("current-user").click();
  await page.locator('[data-testid="security-page"][data-state="ready"]').waitFor();
  await page.locator('[data-testid="security-sessions"][data-state="ready"]').waitFor();
  const rows = page.getByTestId("session-row");
  assert((await rows.count()) >= 2, `at least 2 sessions are listed (${await rows.count()})`);
  const here = page.locator('[data-testid="session-row"][data-current="true"]');
  assert((await here.count()) === 1, "this device is marked");
  assert(/^Chrome on Linux/.test(await text(here.getByTestId("session-device"))), `this device reads as Chrome on Linux ("${await text(here.getByTestId("session-device"))}")`);
  const firefox = rows.filter({ hasText: "Firefox on Linux" });
  assert((await firefox.count()) === 1, "the other client reads as Firefox on Linux");
  assert((await text(firefox.getByTestId("session-ip"))) === "127.0.0.1", "with its IP address");
  await screenshot(page, "account-security-sessions");
  const sessionsBefore = await rows.count();
  await firefox.getByTestId("session-end").click();
  await page.locator('[data-testid="session-row"]').filter({ hasText: "Firefox on Linux" }).waitFor({ state: "detached" });
  await page.locator(`[data-testid="security-sessions"][data-count="${sessionsBefore - 1}"]`).waitFor();
  const refused = await post("/auth/refresh", { refresh_token: other.body.refresh_token });
  assert(refused.status === 401, `the ended session's refresh token is refused (${refused.status})`);
  // This page carried on: its access token was ended too, and refreshed.
  await page.locator('[data-testid="session-row"][data-current="true"]').waitFor();
  assert((await page.getByTestId("login-form").count()) === 0, "still signed in after ending another session");

  // "Sign out everywhere" → the login page; this browser's refresh token is dead too.
  const mine = await storedSession(page);
  await page.getByTestId("sessions-revoke-all").click();
  await page.getByTestId("sessions-revoke-all-confirm").click();
  await page.getByTestId("login-form").waitFor();
  assert((await storedSession(page)) === null, "nothing stored after signing out everywhere");
  const dead = await post("/auth/refresh", { refresh_token: mine.refreshToken });
  assert(dead.status === 401, `this browser's refresh token is refused (${dead.status})`);

  // 7. A recovery code signs in once (typed in capitals: the page tidies it).
  await passwordThenCode(page, email, newPassword);
  await page.getByTestId("login-use-recovery").click();
  await page.getByTestId("login-recovery-code").fill(codes[1].toUpperCase());
  await page.getByTestId("login-code-submit").click();
  await signedIn(page);
  await openSecurity(page);
  await page.locator('[data-testid="security-2fa"][data-enabled="true"][data-codes-left="8"]').waitFor();
  const again = await post("/auth/login", { email, password: newPassword });
  const reused = await post("/auth/2fa/verify", { mfa_token: again.body.mfa_token, recovery_code: codes[1] });
  assert(reused.status === 400 && reused.body?.error?.code === "INVALID_CODE", `a used recovery code is refused (${JSON.stringify(reused)})`);

  // 8. The agent signs in: the account requires two-factor, so the sign-in sets it up.
  await signOut(page);
  await login(page, agentEmail, agentPassword, { expectSuccess: false });
  await page.getByTestId("login-setup").waitFor();
  await page.getByTestId("login-setup-required").waitFor();
  await page.getByTestId("twofa-qr").waitFor();
  const agentSecret = await page.getByTestId("twofa-secret").getAttribute("data-secret");
  assert(agentSecret && agentSecret !== secret, "the agent gets a key of their own");
  await screenshot(page, "account-security-signin-setup");
  await page.getByTestId("twofa-code").fill(totp(agentSecret));
  await page.getByTestId("twofa-enable").click();
  await page.getByTestId("recovery-codes").waitFor();
  assert((await page.getByTestId("recovery-code").count()) === 10, "the agent's 10 recovery codes");
  assert((await storedSession(page)) === null, "no session before the codes are acknowledged");
  await page.getByTestId("recovery-codes-saved").check();
  await page.getByTestId("recovery-codes-done").click();
  await signedIn(page);
  await page.getByTestId("current-user").click();
  await page.locator('[data-testid="security-page"][data-state="ready"]').waitFor();
  await page.locator('[data-testid="security-2fa"][data-enabled="true"]').waitFor();
  await page.getByTestId("security-2fa-required").waitFor();
  assert((await page.getByTestId("security-rule").count()) === 0, "agents do not see the account rule");
  assert((await page.getByTestId("settings-tab-security").count()) === 1, "agents have the Security tab");
  assert((await page.getByTestId("settings-tab-channels").count()) === 0, "… and not the admin tabs");

  return "verified by mail, reset by mail, two-factor on with TOTP + 10 recovery codes, required for everyone, sessions listed and ended, recovery-code sign-in, agent set up at sign-in";
}
