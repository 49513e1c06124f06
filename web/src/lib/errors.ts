// The one place a failed request becomes words for people: the server's stable
// error codes that deserve our own (translated) explanation are mapped here;
// any other refusal shows the server's message, and a lost connection the
// network notice. Every page and the inbox go through describeError.

import type { MessageKey, Params } from "../i18n/translate";
import { ApiError } from "./api";
import type { ErrorCode } from "./errorCodes";

/** Codes the app makes itself (no answer from the server). */
type ClientCode = "NETWORK";

export type Translate = (key: MessageKey, params?: Params) => string;

/** "45 seconds", "1 minute", "3 minutes": a wait for people (minutes from one minute up, rounded up). */
export function formatWait(seconds: number, t: Translate): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? t("time.second") : t("time.seconds", { count: s });
  const m = Math.ceil(s / 60);
  return m === 1 ? t("time.minute") : t("time.minutes", { count: m });
}

/** The email address in a message (a closed sign-up's "…; write to support@x.test to open an account"), if any. */
export function emailIn(message: string): string | null {
  const m = /[^\s<>()"'`,;:]+@[^\s<>()"'`,;:]+\.[A-Za-z]{2,}/.exec(message);
  return m ? m[0].replace(/[.]+$/, "") : null;
}

/**
 * The two amounts of the server's WALLET_BALANCE_LOW message ("this template
 * costs about ₹0.86 and the wallet has ₹0.12 free; …"); null when it says
 * something else.
 */
export function walletShortfall(message: string): { cost: string; free: string } | null {
  const m = /about\s+(₹\s?-?[\d,]+(?:\.\d+)?).*?has\s+(₹\s?-?[\d,]+(?:\.\d+)?)\s+free/i.exec(message);
  return m ? { cost: m[1]!, free: m[2]! } : null;
}

/**
 * The text for an error code (from an HTTP answer or a socket `error` frame),
 * or null when the server's own message is the best there is.
 */
export function describeCode(code: string, message: string, t: Translate, retryAfter: number | null = null): string | null {
  // Typed against the server's generated list: a case for a code the server
  // does not have fails the type check.
  switch (code as ErrorCode | ClientCode) {
    case "NETWORK":
      return t("error.network");
    case "INVALID_CREDENTIALS":
      return t("auth.login.invalid");
    case "RATE_LIMITED":
      return retryAfter !== null ? t("auth.rateLimited", { wait: formatWait(retryAfter, t) }) : t("auth.rateLimitedSoon");
    case "ACCOUNT_LOCKED":
      return retryAfter !== null ? t("auth.accountLocked", { wait: formatWait(retryAfter, t) }) : t("auth.accountLockedSoon");
    case "OPTED_OUT":
      return t("error.optedOut");
    case "CHANNEL_NOT_VERIFIED":
      // The server's message names the mismatch (which id, which account): keep it.
      return t("error.channelNotVerified", { detail: message.trim() }).trim();
    case "WABA_IN_USE":
      return t("error.wabaInUse");
    case "NOT_UNCONFIRMED":
      return t("error.notUnconfirmed");
    case "ACCOUNT_RESTRICTED":
      // 402: the payment is overdue; say where it is paid (the composer shows this under the failed bubble).
      return t("error.accountRestricted");
    case "WALLET_BALANCE_LOW": {
      // 402: a paid template the prepaid wallet cannot cover; the server's message has the cost and what is free.
      const short = walletShortfall(message);
      return short ? t("error.walletBalanceLow", short) : t("error.walletBalanceLowPlain");
    }
    case "BILLING_NOT_CONFIGURED":
      return t("error.billingNotConfigured");
    case "INVALID_CODE":
      return t("error.invalidCode");
    case "INVALID_TOKEN":
      return t("error.invalidToken");
    case "MAIL_NOT_CONFIGURED":
      return t("error.mailNotConfigured");
    case "TWO_FACTOR_ENABLED":
      return t("error.twoFactorEnabled");
    case "SIGNUPS_CLOSED": {
      // The server's message names the support address when the platform has one.
      const email = emailIn(message);
      return email ? t("auth.register.closedWrite", { email }) : t("auth.register.closedNoContact");
    }
    default:
      return null;
  }
}

/** The message to show for a failed request. */
export function describeError(e: unknown, t: Translate): string {
  if (!(e instanceof ApiError)) return t("error.generic");
  return describeCode(e.code, e.message, t, e.retryAfter) ?? (e.message.trim() || t("error.generic"));
}

/** Rate limited or locked: the form waits `retryAfter` seconds (or a short default) before it can be sent again. */
export function retryWaitOf(e: unknown, fallbackSeconds = 30): number | null {
  if (!(e instanceof ApiError) || e.status !== 429) return null;
  return e.retryAfter ?? fallbackSeconds;
}
