#!/usr/bin/env node
// Runs the browser scenarios in e2e/scenarios (or those named on the command
// line) against the real server at BASE_URL, one fresh Chromium profile each,
// prints one result line per scenario and then "N passed, N failed"; exits
// non-zero when any failed. Screenshots land in e2e/output/.
//
//   BASE_URL=http://127.0.0.1:8080 E2E_PLATFORM_APP_SECRET=... npm run e2e [-- login-wrong-password]

import { readdirSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { baseUrl, launch, OUTPUT_DIR, screenshot } from "./lib.mjs";

const dir = fileURLToPath(new URL("./scenarios/", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

try {
  const res = await fetch(`${baseUrl()}/ready`);
  if (!res.ok) throw new Error(`${baseUrl()}/ready → ${res.status}`);
} catch (e) {
  console.error(`the server is not ready: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ""}`);
  console.log("0 passed, 1 failed");
  process.exit(2);
}

let passed = 0;
let failed = 0;
for (const file of files) {
  const name = basename(file, ".mjs");
  const mod = await import(pathToFileURL(`${dir}${file}`).href);
  const started = Date.now();
  rmSync(`${OUTPUT_DIR}${name}-failure.png`, { force: true });
  const session = await launch(mod.viewport ? { viewport: mod.viewport } : undefined);
  try {
    const detail = await mod.default(session);
    // An uncaught exception in the page is a bug even when the checks passed.
    if (session.consoleErrors.length) throw new Error(`uncaught page errors: ${session.consoleErrors.join(" | ")}`);
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)${detail ? ` — ${detail}` : ""}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - started} ms): ${e?.stack ?? e}`);
    const shot = await screenshot(session.page, `${name}-failure`).catch(() => null);
    if (shot) console.log(`     screenshot: ${shot}`);
  } finally {
    await session.close();
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
