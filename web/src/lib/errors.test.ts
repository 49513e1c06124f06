import { describe, expect, it } from "vitest";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import { ApiError } from "./api";
import { ERROR_CODES } from "./errorCodes";
import { describeCode, describeError, explainError, fieldLabel, fieldOfError, formatWait, humanizeServerText, retryWaitOf } from "./errors";

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

  it("has words for the refusals, and keeps the server's detail where it names the fix", () => {
    expect(describeError(new ApiError(422, "OPTED_OUT", "contact opted out"), t)).toMatch(/opted out of marketing messages/);
    const mismatch = "phone number id 1234 belongs to WABA 999, not 555";
    const text = describeError(new ApiError(422, "CHANNEL_NOT_VERIFIED", mismatch), t);
    expect(text).toMatch(/^Meta does not confirm/);
    expect(text).toContain("Phone number id 1234 belongs to WABA 999, not 555.");
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

  it("has its own words for every server code, in every language, never the developer's", () => {
    for (const code of Object.keys(ERROR_CODES)) {
      const e = explainError(new ApiError(400, code, "x"), t);
      expect(e.text, code).not.toBe("Something went wrong. Please try again.");
      expect(e.text, code).not.toMatch(/`|problem\(s\)|\[\d\]/);
      expect(explainError(new ApiError(400, code, "x"), tHi).text, code).not.toBe(e.text);
    }
  });

  it("says EMAIL_TAKEN for people, with the form's own words where it has them", () => {
    const taken = new ApiError(409, "EMAIL_TAKEN", "an account with this email already exists; log in instead");
    expect(describeError(taken, t)).toBe("This email already has an account. Sign in with it, or use a different email.");
    expect(describeError(taken, t, { EMAIL_TAKEN: "team.emailTaken" })).toMatch(/^This email already has an account\. Use a different email for this teammate/);
    expect(describeError(taken, t)).not.toMatch(/log in instead/);
  });

  it("names the field of a validation refusal and cleans the server's fix", () => {
    const e = new ApiError(400, "VALIDATION_FAILED", "`messages_per_second` must be between 1 and 1000");
    expect(fieldOfError(e)).toBe("messages_per_second");
    expect(explainError(e, t)).toEqual({
      text: "Check “Messages per second”.",
      detail: "Messages per second must be between 1 and 1000.",
      field: "messages_per_second",
    });
    expect(explainError(e, tHi).text).toBe("“प्रति सेकंड संदेश” जाँचें।");
    expect(fieldOfError(new ApiError(400, "VALIDATION_FAILED", "you cannot remove yourself; ask another admin"))).toBeNull();
    expect(describeError(new ApiError(400, "VALIDATION_FAILED", "you cannot remove yourself; ask another admin"), t)).toBe(
      "Some of what you entered is missing or not accepted. Check the form and try again. You cannot remove yourself; ask another admin.",
    );
  });

  it("turns an over-long message's refusal into words", () => {
    const e = new ApiError(400, "INVALID_MESSAGE", "`text.body` is 4927 characters; WhatsApp allows at most 4096");
    expect(describeError(e, t)).toBe(
      "This message cannot be sent as it is. Change it and send again. The message text is 4927 characters; WhatsApp allows at most 4096.",
    );
  });

  it("shows a generic line for codes it does not know, with the server's cleaned words", () => {
    expect(describeError(new ApiError(409, "SOMETHING_NEW", "the `widget_count` is too high"), t)).toBe(
      "Something went wrong. Please try again. The widget count is too high.",
    );
    expect(describeError(new ApiError(404, "HTTP_404", "Not Found"), t)).toBe("Something went wrong. Please try again.");
    expect(describeError(new ApiError(0, "NETWORK", "Failed to fetch"), t)).toMatch(/Cannot reach the server/);
    expect(describeError(new Error("boom"), t)).toBe("Something went wrong. Please try again.");
    expect(describeCode("WINDOW_CLOSED", "window closed", t)).toMatch(/only a template message can be sent/);
    expect(describeCode("NOT_A_CODE", "x", t)).toBeNull();
  });
});

describe("humanizeServerText", () => {
  it("drops backticks, JSON paths, routes and (s) plurals", () => {
    expect(humanizeServerText("components[0].text: the body needs 1 to 1024 characters")).toBe("Text: the body needs 1 to 1024 characters.");
    expect(humanizeServerText("components[2].buttons[1].url: a URL button needs an http(s) url")).toBe("Button 2 url: a URL button needs an http(s) url.");
    expect(humanizeServerText("give an example value for each of the 2 variable(s)")).toBe("Give an example value for each of the 2 variables.");
    expect(humanizeServerText("`events` must list 1 to 32 event types (GET /api/v1/webhooks/events lists them)")).toBe("Events must list 1 to 32 event types.");
    expect(humanizeServerText("`plan` `pro` is not a plan; GET /api/v1/admin/plans lists them")).toBe("Plan pro is not a plan.");
    expect(humanizeServerText("3 problem(s) found")).toBe("3 issues found.");
    expect(humanizeServerText("image/gif is not a type WhatsApp accepts")).toBe("image/gif is not a type WhatsApp accepts.");
  });

  it("says field names in the reader's language", () => {
    expect(fieldLabel("email", t)).toBe("Email");
    expect(fieldLabel("email", tHi)).toBe("ईमेल");
    expect(fieldLabel("max_open_per_agent", t)).toBe("max open per agent");
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
