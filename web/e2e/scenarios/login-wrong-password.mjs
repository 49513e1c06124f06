// A wrong password shows the server's message and leaves no token behind.
import { assert, login, registerTenant, screenshot } from "../lib.mjs";

export default async function ({ page }) {
  const { email } = await registerTenant();
  await login(page, email, "definitely-not-the-password", { expectSuccess: false });

  const error = page.getByTestId("login-error");
  await error.waitFor();
  const text = (await error.textContent())?.trim() ?? "";
  // The server answers 401 INVALID_CREDENTIALS with "email or password is wrong".
  assert(/password/i.test(text), `a clear message about the password is shown (got "${text}")`);
  await screenshot(page, "login-wrong-password");

  assert(new URL(page.url()).pathname === "/login", `still on /login (at ${page.url()})`);
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookies: document.cookie,
  }));
  assert(stored.local.length === 0, `localStorage is empty (found ${stored.local.join(",")})`);
  assert(stored.session.length === 0, "nothing in sessionStorage");
  assert(!/token/i.test(stored.cookies), "no token cookie");
  return `"${text}"`;
}
