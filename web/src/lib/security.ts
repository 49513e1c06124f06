// Account security as the web app reads it: the sign-in answers that ask for
// a second factor, the Security page's shapes (`/auth/security`,
// `/auth/sessions`, `/settings/security`), and the small pure helpers the
// pages share (the secret grouped for typing, codes cleaned up, a user agent
// in words, the current session's id from its refresh token).

import type { AuthResponse } from "./types";

/** `POST /auth/login` when the account has two-factor: a code is due before any session starts. */
export interface MfaRequired {
  mfa_required: true;
  /** Good for `expires_in` seconds (5 minutes), for `/auth/2fa/verify` only. */
  mfa_token: string;
  expires_in?: number;
}

/** `POST /auth/login` when the account requires two-factor and this person has none: set it up now. */
export interface MfaSetupRequired {
  mfa_setup_required: true;
  /** For `/auth/2fa/setup` and `/auth/2fa/enable`. */
  mfa_token: string;
  expires_in?: number;
}

/** Whatever `POST /auth/login` answers with. */
export type LoginAnswer = AuthResponse | MfaRequired | MfaSetupRequired;

export function isMfaRequired(a: LoginAnswer): a is MfaRequired {
  return (a as MfaRequired).mfa_required === true && typeof (a as MfaRequired).mfa_token === "string";
}

export function isMfaSetupRequired(a: LoginAnswer): a is MfaSetupRequired {
  return (a as MfaSetupRequired).mfa_setup_required === true && typeof (a as MfaSetupRequired).mfa_token === "string";
}

/** `POST /auth/2fa/setup`: the new secret (base32) and the `otpauth://` URI a QR code carries. */
export interface TwoFactorSetup {
  secret: string;
  otpauth_uri: string;
}

/** `POST /auth/2fa/enable` signed in: on, with the recovery codes (shown once). */
export interface TwoFactorEnabled {
  enabled: true;
  recovery_codes: string[];
}

/** `POST /auth/2fa/enable` with an mfa_token (a sign-in that had to set it up): the session too. */
export type TwoFactorEnabledAtSignIn = AuthResponse & { recovery_codes: string[] };

/** `GET /auth/security`: the caller's email and two-factor, and the account's rule. */
export interface SecurityOverview {
  email: string;
  email_verified: boolean;
  two_factor: {
    enabled: boolean;
    enabled_at: string | null;
    recovery_codes_left: number;
  };
  /** The account requires two-factor of everyone (then it cannot be turned off). */
  two_factor_required: boolean;
  /** Whether this installation sends mail (verification, resets). */
  mail_configured: boolean;
}

/** One open session (`GET /auth/sessions`): a refresh token of the caller's. */
export interface SessionInfo {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
}

/** `GET /settings/security` (admins). */
export interface AccountSecurity {
  require_two_factor: boolean;
}

/** `PUT /settings/security`: the rule now, and how many people were signed out to set it up. */
export interface AccountSecurityChanged extends AccountSecurity {
  signed_out: number;
}

/** How many digits a code from the app has. */
export const CODE_DIGITS = 6;
/** Fewer recovery codes left than this: the page suggests new ones. */
export const FEW_RECOVERY_CODES = 3;
/** The shortest password the server takes. */
export const MIN_PASSWORD = 8;

/** A base32 secret in groups of four for typing into an app by hand: "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string): string {
  const clean = secret.replace(/[\s=]/g, "").toUpperCase();
  return clean.match(/.{1,4}/g)?.join(" ") ?? "";
}

/** What a person typed as an app code: its digits only, at most six ("123 456" → "123456"). */
export function cleanCode(input: string): string {
  return input.replace(/\D/g, "").slice(0, CODE_DIGITS);
}

/** A recovery code as typed, tidied: lower case, no spaces, the hyphen in place ("AB12 CD34" → "ab12-cd34"). */
export function cleanRecoveryCode(input: string): string {
  const s = input.trim().toLowerCase().replace(/[\s-]+/g, "");
  return /^[a-z0-9]{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4)}` : input.trim().toLowerCase();
}

/**
 * The second factor as the API takes it: `{code}` for six digits from the
 * app, `{recovery_code}` for a recovery code (`xxxx-xxxx`, however typed);
 * null while it is neither.
 */
export function secondFactor(input: string): { code: string } | { recovery_code: string } | null {
  const compact = input.replace(/\s/g, "");
  if (/^\d{6}$/.test(compact)) return { code: compact };
  const rc = cleanRecoveryCode(input);
  return /^[a-z0-9]{4}-[a-z0-9]{4}$/.test(rc) ? { recovery_code: rc } : null;
}

/** Whether `input` reads as a recovery code rather than a code from the app. */
export function isRecoveryCode(input: string): boolean {
  const f = secondFactor(input);
  return f !== null && "recovery_code" in f;
}

/** The recovery codes as a text file to keep. */
export function recoveryCodesText(codes: readonly string[], email: string | null, heading: string): string {
  const lines = [heading, ...(email ? [email] : []), "", ...codes, ""];
  return lines.join("\n");
}

/** A readable client: the browser and the system, each null when the user agent does not say. */
export interface Client {
  browser: string | null;
  os: string | null;
}

/**
 * "Chrome", "Windows" and so on from a User-Agent header. Order matters: Edge
 * and Opera say Chrome too, Chrome says Safari, every browser says Mozilla.
 */
export function describeUserAgent(ua: string | null | undefined): Client {
  if (!ua) return { browser: null, os: null };
  const browser = (() => {
    if (/\bEdg(e|A|iOS)?\//.test(ua)) return "Edge";
    if (/\bOPR\/|\bOpera\b/.test(ua)) return "Opera";
    if (/\bSamsungBrowser\//.test(ua)) return "Samsung Internet";
    if (/\bFirefox\/|\bFxiOS\//.test(ua)) return "Firefox";
    if (/\b(HeadlessChrome|Chrome|Chromium|CriOS)\//.test(ua)) return "Chrome";
    if (/\bVersion\/[\d.]+.*\bSafari\//.test(ua)) return "Safari";
    if (/^curl\//i.test(ua)) return "curl";
    if (/^node\b|\bnode-fetch\b|^undici\b/i.test(ua)) return "Node.js";
    if (/^Mozilla\//.test(ua)) return null;
    // A program naming itself first ("whatsflow-cli/1.2 …").
    const name = /^([A-Za-z][\w.-]*)\//.exec(ua)?.[1];
    return name ?? null;
  })();
  const os = (() => {
    if (/\bAndroid\b/.test(ua)) return "Android";
    if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return "iOS";
    if (/\bWindows\b/.test(ua)) return "Windows";
    if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return "macOS";
    if (/\bCrOS\b/.test(ua)) return "ChromeOS";
    if (/\bLinux\b|\bX11\b/.test(ua)) return "Linux";
    return null;
  })();
  return { browser, os };
}

/**
 * The session id (`jti`) of a refresh token: the JWT's payload, read without
 * checking the signature (only to mark "this device" in the list). Null when
 * it is not a JWT.
 */
export function sessionIdOf(refreshToken: string | null | undefined): string | null {
  const payload = refreshToken?.split(".")[1];
  if (!payload) return null;
  try {
    const b64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4))) as { jti?: unknown };
    return typeof json.jti === "string" ? json.jti : null;
  } catch {
    return null;
  }
}

/** Sessions newest activity first; this device's first of all. */
export function orderSessions(sessions: readonly SessionInfo[], currentId: string | null): SessionInfo[] {
  const at = (s: SessionInfo) => Date.parse(s.last_used_at ?? s.created_at) || 0;
  return [...sessions].sort((a, b) => {
    if (a.id === currentId) return -1;
    if (b.id === currentId) return 1;
    return at(b) - at(a);
  });
}
