import { describe, expect, it } from "vitest";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import { ApiError } from "./api";
import { describeCode, describeError, formatWait, retryWaitOf } from "./errors";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

describe("formatWait", () => {
  it("says seconds under a minute, then minutes rounded up", () => {
    expect(formatWait(1, t)).toBe("1 second");
    expect(formatWait(0, t)).toBe("1 second");
    expect(formatWait(42, t)).toBe("42 seconds");
    expect(formatWait(60, t)).toBe("1 minute");
    expect(formatWait(61, t)).toBe("2 minutes");
    expect(formatWait(900, t)).toBe("15 minutes");
  });
});

describe("describeError", () => {
  it("explains rate limits and locked accounts with the wait", () => {
    expect(describeError(new ApiError(429, "RATE_LIMITED", "too many requests", [], 30), t)).toBe("Too many attempts. Try again in 30 seconds.");
    expect(describeError(new ApiError(429, "ACCOUNT_LOCKED", "locked", [], 300), t)).toBe(
      "This account is locked after repeated failed sign-ins. Try again in 5 minutes.",
    );
    expect(describeError(new ApiError(429, "ACCOUNT_LOCKED", "locked", [], 20), t)).toBe(
      "This account is locked after repeated failed sign-ins. Try again in 20 seconds.",
    );
    expect(describeError(new ApiError(429, "RATE_LIMITED", "slow"), t)).toBe("Too many attempts. Wait a moment and try again.");
    expect(describeError(new ApiError(429, "RATE_LIMITED", "slow", [], 30), tHi)).toBe("बहुत अधिक प्रयास हुए। 30 सेकंड बाद फिर से कोशिश करें।");
  });

  it("says sign-ups are closed, with the support address the server names", () => {
    const closed = new ApiError(403, "SIGNUPS_CLOSED", "this platform is not taking new sign-ups; write to help@acme.test to open an account");
    expect(describeError(closed, t)).toBe("This platform is not taking new sign-ups right now. Write to help@acme.test to open an account.");
    expect(describeError(closed, tHi)).toContain("help@acme.test");
    expect(describeError(new ApiError(403, "SIGNUPS_CLOSED", "this platform is not taking new sign-ups"), t)).toMatch(/try again later/);
  });

  it("has words for the new refusals, and keeps the server's detail where it names the problem", () => {
    expect(describeError(new ApiError(422, "OPTED_OUT", "contact opted out"), t)).toMatch(/opted out of marketing messages/);
    const mismatch = "phone number id 1234 belongs to WABA 999, not 555";
    const text = describeError(new ApiError(422, "CHANNEL_NOT_VERIFIED", mismatch), t);
    expect(text).toMatch(/^Meta does not confirm/);
    expect(text).toContain(mismatch);
    expect(describeError(new ApiError(409, "WABA_IN_USE", "in use"), t)).toMatch(/connected to another whatsflow account/);
    expect(describeError(new ApiError(409, "NOT_UNCONFIRMED", "confirmed"), t)).toMatch(/confirmed in the meantime/);
    expect(describeError(new ApiError(422, "OPTED_OUT", "x"), tHi)).toMatch(/ऑप्ट-आउट/);
  });

  it("explains the account-security refusals in the reader's language", () => {
    expect(describeError(new ApiError(400, "INVALID_CODE", "the code is wrong"), t)).toMatch(/^That code is wrong or was already used/);
    expect(describeError(new ApiError(400, "INVALID_CODE", "the code is wrong"), tHi)).toMatch(/कोड गलत है/);
    expect(describeError(new ApiError(400, "INVALID_TOKEN", "not valid"), t)).toMatch(/Ask for a new one\.$/);
    expect(describeError(new ApiError(403, "MAIL_NOT_CONFIGURED", "no SMTP_URL"), t)).toMatch(/cannot send email/);
    expect(describeError(new ApiError(409, "TWO_FACTOR_ENABLED", "already on"), tHi)).toMatch(/पहले से चालू/);
  });

  it("shows the server's message for other codes, the network notice offline, a generic line otherwise", () => {
    expect(describeError(new ApiError(409, "CONFLICT", "A user with this email already exists"), t)).toBe("A user with this email already exists");
    expect(describeError(new ApiError(0, "NETWORK", "Failed to fetch"), t)).toMatch(/Cannot reach the server/);
    expect(describeError(new Error("boom"), t)).toBe("Something went wrong. Please try again.");
    expect(describeCode("WINDOW_CLOSED", "window closed", t)).toBeNull();
  });
});

describe("retryWaitOf", () => {
  it("is the Retry-After of a 429 (or a default), null for other errors", () => {
    expect(retryWaitOf(new ApiError(429, "ACCOUNT_LOCKED", "x", [], 64))).toBe(64);
    expect(retryWaitOf(new ApiError(429, "RATE_LIMITED", "x"))).toBe(30);
    expect(retryWaitOf(new ApiError(401, "INVALID_CREDENTIALS", "x"))).toBeNull();
    expect(retryWaitOf(new Error("x"))).toBeNull();
  });
});
