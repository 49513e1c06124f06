import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// The API and the WebSocket are served by the Rust server on the same origin in
// production; in development `npm run dev` proxies them to WHATSFLOW_BIND's default.
const backend = process.env.WHATSFLOW_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    host: "127.0.0.1",
    proxy: {
      "/api": { target: backend, ws: true, changeOrigin: false },
    },
  },
  preview: { host: "127.0.0.1" },
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
