#!/usr/bin/env node
// Starts the in-memory mock server (serving web/dist) on a free loopback port,
// runs the browser scenarios against it, and stops it. For working on the
// front end before/without the Rust server: `npm run build && npm run e2e:mock`.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const mock = spawn(process.execPath, [`${here}mock-server.mjs`, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });

const url = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error("mock server did not start")), 10_000);
  mock.stdout.on("data", (chunk) => {
    out += chunk;
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
    if (m) {
      clearTimeout(timer);
      resolve(m[0]);
    }
  });
  mock.on("exit", (code) => reject(new Error(`mock server exited (${code})`)));
});

const run = spawn(process.execPath, [`${here}run.mjs`, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, BASE_URL: url },
});
const code = await new Promise((resolve) => run.on("exit", (c) => resolve(c ?? 1)));
mock.kill();
process.exit(code);
