import { describe, expect, it } from "vitest";
import { qrPath } from "../components/security/QrCode";
import {
  cleanCode,
  cleanRecoveryCode,
  describeUserAgent,
  groupSecret,
  isMfaRequired,
  isMfaSetupRequired,
  isRecoveryCode,
  orderSessions,
  recoveryCodesText,
  secondFactor,
  sessionIdOf,
  type SessionInfo,
} from "./security";

describe("the sign-in answers", () => {
  it("tells a second step from a token pair", () => {
    const pair = { access_token: "a", refresh_token: "r", expires_in: 900, user: { id: "u", tenant_id: "t", name: "A", email: "a@x", role: "agent" as const } };
    expect(isMfaRequired(pair)).toBe(false);
    expect(isMfaSetupRequired(pair)).toBe(false);
    expect(isMfaRequired({ mfa_required: true, mfa_token: "m", expires_in: 300 })).toBe(true);
    expect(isMfaSetupRequired({ mfa_setup_required: true, mfa_token: "m" })).toBe(true);
    expect(isMfaRequired({ mfa_setup_required: true, mfa_token: "m" })).toBe(false);
  });
});

describe("codes", () => {
  it("groups the secret in fours for typing", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("jbsw y3dp ehp")).toBe("JBSW Y3DP EHP");
    expect(groupSecret("")).toBe("");
  });

  it("keeps six digits of an app code", () => {
    expect(cleanCode("123 456")).toBe("123456");
    expect(cleanCode("12-34-56-78")).toBe("123456");
    expect(cleanCode("abc")).toBe("");
  });

  it("reads app codes and recovery codes however they are typed", () => {
    expect(secondFactor("123456")).toEqual({ code: "123456" });
    expect(secondFactor(" 123 456 ")).toEqual({ code: "123456" });
    expect(secondFactor("12345")).toBeNull();
    expect(secondFactor("1234567")).toBeNull();
    expect(secondFactor("ab2c-de3f")).toEqual({ recovery_code: "ab2c-de3f" });
    expect(secondFactor("AB2C DE3F")).toEqual({ recovery_code: "ab2c-de3f" });
    expect(secondFactor("ab2cde3f")).toEqual({ recovery_code: "ab2c-de3f" });
    // A recovery code may be all digits; an app code never has eight.
    expect(secondFactor("2345-6789")).toEqual({ recovery_code: "2345-6789" });
    expect(secondFactor("23456789")).toEqual({ recovery_code: "2345-6789" });
    expect(secondFactor("ab2c-de3")).toBeNull();
    expect(secondFactor("")).toBeNull();
    expect(cleanRecoveryCode(" Ab2C-dE3f ")).toBe("ab2c-de3f");
    expect(isRecoveryCode("ab2c-de3f")).toBe(true);
    expect(isRecoveryCode("123456")).toBe(false);
  });

  it("writes the recovery codes file", () => {
    expect(recoveryCodesText(["aaaa-bbbb", "cccc-dddd"], "a@x.test", "Codes")).toBe("Codes\na@x.test\n\naaaa-bbbb\ncccc-dddd\n");
    expect(recoveryCodesText(["aaaa-bbbb"], null, "Codes")).toBe("Codes\n\naaaa-bbbb\n");
  });
});

describe("the QR code", () => {
  it("draws every dark module of the otpauth URI, with the quiet zone", () => {
    const { size, d } = qrPath("otpauth://totp/whatsflow:asha%40acme.in?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=whatsflow&algorithm=SHA1&digits=6&period=30");
    // Version n has 17 + 4n modules a side; 4 of quiet zone each way.
    expect((size - 8 - 17) % 4).toBe(0);
    expect(size).toBeGreaterThan(8 + 21);
    // The finder pattern's corner is dark, just inside the quiet zone; the quiet zone is not.
    expect(d).toContain("M4 4h1v1h-1z");
    expect(d).not.toContain("M3 3h1v1h-1z");
    expect(d.match(/M/g)!.length).toBeGreaterThan(100);
  });
});

describe("sessions", () => {
  const ua = {
    chromeLinux: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    headless: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
    edgeWin: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    safariIphone: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    chromeAndroid: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    samsung: "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    opera: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
  };

  it("names the browser and the system", () => {
    expect(describeUserAgent(ua.chromeLinux)).toEqual({ browser: "Chrome", os: "Linux" });
    expect(describeUserAgent(ua.headless)).toEqual({ browser: "Chrome", os: "Linux" });
    expect(describeUserAgent(ua.edgeWin)).toEqual({ browser: "Edge", os: "Windows" });
    expect(describeUserAgent(ua.firefoxLinux)).toEqual({ browser: "Firefox", os: "Linux" });
    expect(describeUserAgent(ua.safariMac)).toEqual({ browser: "Safari", os: "macOS" });
    expect(describeUserAgent(ua.safariIphone)).toEqual({ browser: "Safari", os: "iOS" });
    expect(describeUserAgent(ua.chromeAndroid)).toEqual({ browser: "Chrome", os: "Android" });
    expect(describeUserAgent(ua.samsung)).toEqual({ browser: "Samsung Internet", os: "Android" });
    expect(describeUserAgent(ua.opera)).toEqual({ browser: "Opera", os: "Windows" });
    expect(describeUserAgent("curl/8.5.0")).toEqual({ browser: "curl", os: null });
    expect(describeUserAgent("node")).toEqual({ browser: "Node.js", os: null });
    expect(describeUserAgent("whatsflow-cli/1.2")).toEqual({ browser: "whatsflow-cli", os: null });
    expect(describeUserAgent(null)).toEqual({ browser: null, os: null });
    expect(describeUserAgent("")).toEqual({ browser: null, os: null });
  });

  it("reads this device's session id from its refresh token", () => {
    const b64url = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const token = `${b64url({ alg: "HS256" })}.${b64url({ sub: "u", jti: "4b8e0c7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e", typ: "refresh" })}.sig`;
    expect(sessionIdOf(token)).toBe("4b8e0c7a-1f2d-4c3b-9a8e-7d6c5b4a3f2e");
    expect(sessionIdOf("r1")).toBeNull();
    expect(sessionIdOf("a.!!!.c")).toBeNull();
    expect(sessionIdOf(null)).toBeNull();
  });

  it("lists this device first, then the most recently used", () => {
    const s = (id: string, last: string | null, created = "2026-11-01T00:00:00Z"): SessionInfo => ({
      id,
      created_at: created,
      last_used_at: last,
      expires_at: "2026-12-01T00:00:00Z",
      user_agent: null,
      ip: null,
    });
    const list = [s("old", "2026-11-02T00:00:00Z"), s("new", "2026-11-20T00:00:00Z"), s("me", "2026-11-01T00:00:00Z"), s("never", null, "2026-11-10T00:00:00Z")];
    expect(orderSessions(list, "me").map((x) => x.id)).toEqual(["me", "new", "never", "old"]);
    expect(orderSessions(list, null).map((x) => x.id)).toEqual(["new", "never", "old", "me"]);
  });
});
