// Repeated wrong passwords lock the account (the server locks after 5 failed
// sign-ins in a row, for exponentially longer): the login page then shows the
// 429's message with the wait from Retry-After ("This account is locked after
// repeated failed sign-ins. Try again in N seconds/minutes." or, should the
// per-address limit come first, "Too many attempts. Try again in N seconds."),
// counts it down, and keeps the submit button disabled meanwhile. While
// locked, even the right password is refused with 429 ACCOUNT_LOCKED and a
// Retry-After. Nothing is stored.
import { assert, baseUrl, registerTenant, screenshot } from "../lib.mjs";

/** The server locks after 5 failures in a row; one more attempt shows it. */
const MAX_ATTEMPTS = 7;

export default async function ({ page }) {
  const { email, password } = await registerTenant();
  await page.goto(`${baseUrl()}/login`);
  await page.getByTestId("login-email").fill(email);

  const limited = page.getByTestId("login-rate-limited");
  const error = page.getByTestId("login-error");
  const submit = page.getByTestId("login-submit");
  let attempts = 0;
  while (attempts < MAX_ATTEMPTS && (await limited.count()) === 0) {
    attempts++;
    await page.getByTestId("login-password").fill(`wrong-password-${attempts}`);
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login"));
    await submit.click();
    const res = await answered;
    if (res.status() === 429) break;
    assert(res.status() === 401, `a wrong password is refused with 401 (attempt ${attempts}: ${res.status()})`);
    await error.waitFor();
  }
  await limited.waitFor();
  // Text and button read at the same instant (the wait may be short).
  const first = await page.evaluate(() => ({
    text: document.querySelector('[data-testid="login-rate-limited"]')?.textContent?.trim() ?? "",
    code: document.querySelector('[data-testid="login-rate-limited"]')?.getAttribute("data-code") ?? "",
    disabled: document.querySelector('[data-testid="login-submit"]')?.disabled === true,
  }));
  assert(attempts <= 6, `the lock shows by the 6th attempt (took ${attempts})`);
  assert(
    (first.code === "ACCOUNT_LOCKED" && /^This account is locked after repeated failed sign-ins\. Try again in \d+ (second|seconds|minute|minutes)\.$/.test(first.text)) ||
      (first.code === "RATE_LIMITED" && /^Too many attempts\. Try again in \d+ (second|seconds|minute|minutes)\.$/.test(first.text)),
    `the rate-limit message with the wait is shown (${first.code}: "${first.text}")`,
  );
  assert(first.disabled, "the submit button is disabled while locked");
  assert((await error.count()) === 0, "no other error is shown with it");
  await screenshot(page, "login-lockout");

  // While locked even the right password is refused, with how long to wait.
  const res = await fetch(`${baseUrl()}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.json().catch(() => null);
  const retryAfter = res.headers.get("retry-after");
  assert(res.status === 429, `the right password is refused while locked (${res.status})`);
  assert(["ACCOUNT_LOCKED", "RATE_LIMITED"].includes(body?.error?.code), `with ACCOUNT_LOCKED (${body?.error?.code})`);
  assert(/^\d+$/.test(retryAfter ?? "") && Number(retryAfter) > 0, `and Retry-After in seconds (${retryAfter})`);

  // A wait of more than a few seconds counts down on screen.
  const seconds = (text) => {
    const m = /in (\d+) (second|seconds|minute|minutes)\./.exec(text);
    return m ? Number(m[1]) * (m[2].startsWith("minute") ? 60 : 1) : NaN;
  };
  let counted = "wait too short to watch";
  if (seconds(first.text) >= 4 && seconds(first.text) < 60) {
    await page.waitForTimeout(2_200);
    const later = ((await limited.textContent()) ?? "").trim();
    assert(seconds(later) < seconds(first.text), `the wait counts down ("${first.text}" → "${later}")`);
    assert(await submit.isDisabled(), "still disabled while waiting");
    counted = `counted down to ${seconds(later)} s`;
  }

  const stored = await page.evaluate(() => Object.keys(localStorage));
  assert(stored.length === 0, `nothing stored (${stored.join(",")})`);
  assert(new URL(page.url()).pathname === "/login", "still on /login");
  return `locked after ${attempts} attempts: "${first.text}"; ${counted}; right password → 429 ${body?.error?.code}, Retry-After ${retryAfter}`;
}
