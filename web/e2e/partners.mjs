// Helpers for the white-label partner scenarios: the operator's sign-in, a
// partner made through the operator's API, the partner's own host (in the
// tests the server runs with WHATSFLOW_BASE_DOMAIN=localhost, so partner
// `acme` is served at http://acme.localhost:<port>; Chromium resolves
// *.localhost itself, Node's fetch may not, so every API call goes to
// BASE_URL), and a small PNG to upload as a logo.

import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { apiCall, apiLogin, baseUrl, uniqueEmail } from "./lib.mjs";

export const OPERATOR_EMAIL = process.env.E2E_OPERATOR_EMAIL ?? "operator@whatsflow.local";
export const OPERATOR_PASSWORD = process.env.E2E_OPERATOR_PASSWORD ?? "operator-password";

/** The operator's access token (the demo's super-admin). */
export async function operatorToken() {
  return (await apiLogin(OPERATOR_EMAIL, OPERATOR_PASSWORD)).access_token;
}

/** A fresh partner slug: "acme" and a few random letters. */
export function partnerSlug(prefix = "acme") {
  return `${prefix}${randomBytes(4).toString("hex")}`;
}

/** The origin of a partner's host: BASE_URL's scheme and port with `<slug>.localhost`. */
export function partnerOrigin(slug) {
  const base = new URL(baseUrl());
  return `${base.protocol}//${slug}.localhost${base.port ? `:${base.port}` : ""}`;
}

/**
 * A partner created by the operator (approved at once) with its first admin.
 * Returns {slug, name, email, password, partner, origin, token()} where
 * token() signs the partner's admin in through the API.
 */
export async function createPartner({ model = "revenue_share", revenue_share_bps = 6000, name } = {}) {
  const slug = partnerSlug();
  const email = uniqueEmail("partner");
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const partnerName = name ?? `Acme Resellers ${slug.slice(4)}`;
  const partner = await apiCall(
    "POST",
    "/admin/partners",
    { name: partnerName, slug, model, revenue_share_bps, admin_email: email, admin_password: password, admin_name: "Pia Partner" },
    await operatorToken(),
  );
  return {
    slug,
    name: partnerName,
    email,
    password,
    partner,
    origin: partnerOrigin(slug),
    token: async () => (await apiLogin(email, password)).access_token,
  };
}

/** Signs in on `origin`'s login page (a partner's host or the platform's); waits for `landing` (a test id) unless null. */
export async function loginAt(page, origin, email, password, landing = "conversation-list") {
  await page.goto(`${origin}/login`);
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  if (landing) await page.getByTestId(landing).waitFor();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A solid-colour PNG of `size`×`size` pixels (`rgb` like [185, 28, 28]): a logo the browser really draws. */
export function solidPng(size, [r, g, b]) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}
