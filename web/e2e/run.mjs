#!/usr/bin/env node
// Runs the browser scenarios in e2e/scenarios (or those named on the command
// line) against BASE_URL, one fresh Chromium profile each, and prints
// "N passed, N failed". Screenshots land in e2e/output/.
//
//   BASE_URL=http://127.0.0.1:8080 npm run e2e [-- login-wrong-password]

import { readdirSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { baseUrl, launch, screenshot } from "./lib.mjs";

const dir = fileURLToPath(new URL("./scenarios/", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

try {
  baseUrl();
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

let passed = 0;
let failed = 0;
for (const file of files) {
  const name = basename(file, ".mjs");
  const mod = await import(pathToFileURL(`${dir}${file}`).href);
  const started = Date.now();
  const session = await launch(mod.viewport ? { viewport: mod.viewport } : undefined);
  try {
    await mod.default(session);
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    const shot = await screenshot(session.page, `${name}-failure`).catch(() => null);
    if (shot) console.log(`     screenshot: ${shot}`);
  } finally {
    if (session.consoleErrors.length) console.log(`     page errors: ${session.consoleErrors.join(" | ")}`);
    await session.close();
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
