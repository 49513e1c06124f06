// Every language renders as text, not boxes, on a browser with no Indic or
// emoji fonts of its own: the app bundles Noto Sans with Devanagari, Tamil
// and Bengali and Noto Color Emoji (same-origin, through the npm registry).
// In Hindi, Tamil and Bengali the inbox (its words, and a customer's
// message with an emoji) is drawn with the bundled faces: the Font Loading
// API says each script's face loaded from our server and covers the text,
// and the emoji font draws 👋 in colour.
import { assert, login, openConversation, screenshot, tenantWithChannel, waitForBubble } from "../lib.mjs";

export const viewport = { width: 1366, height: 768 };

const SCRIPTS = [
  { code: "hi", family: "Noto Sans Devanagari Variable", sample: "नमस्ते" },
  { code: "ta", family: "Noto Sans Tamil Variable", sample: "வணக்கம்" },
  { code: "bn", family: "Noto Sans Bengali Variable", sample: "নমস্কার" },
];

/** After the page's fonts settle: whether `family` covers `sample`, and which bundled faces loaded (and from where). */
async function fontState(page, family, sample) {
  return page.evaluate(
    async ({ family, sample }) => {
      await document.fonts.ready;
      const faces = [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family.replace(/^["']|["']$/g, ""));
      const urls = performance
        .getEntriesByType("resource")
        .map((e) => e.name)
        .filter((n) => n.endsWith(".woff2"));
      // The emoji is drawn in colour (an outline-less font "loads" and still draws nothing).
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 64;
      const g = canvas.getContext("2d");
      g.font = '48px "Noto Color Emoji"';
      g.fillText("👋", 4, 52);
      const px = g.getImageData(0, 0, 64, 64).data;
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (Math.abs(px[i] - px[i + 1]) > 40 || Math.abs(px[i + 1] - px[i + 2]) > 40)) coloured++;
      return { covers: document.fonts.check(`16px "${family}"`, sample), faces: [...new Set(faces)], urls, lang: document.documentElement.lang, coloured };
    },
    { family, sample },
  );
}

export default async function ({ page }) {
  const tenant = await tenantWithChannel();
  const customer = tenant.customer("Asha");
  await customer.say("नमस्ते 👋 வணக்கம் নমস্কার");
  await login(page, tenant.email, tenant.password);
  await openConversation(page, { name: "Asha" });
  await waitForBubble(page, "नमस्ते");

  const seen = [];
  for (const s of SCRIPTS) {
    await page.getByTestId("language-switcher").selectOption(s.code);
    await page.waitForFunction((code) => document.documentElement.lang === code, s.code);
    const state = await fontState(page, s.family, s.sample);
    assert(state.lang === s.code, `the page is in ${s.code}`);
    assert(state.covers, `${s.family} covers ${s.sample} once the fonts are ready (${JSON.stringify(state.faces)})`);
    assert(state.faces.includes(s.family), `${s.family} was loaded (loaded faces: ${state.faces.join(", ")})`);
    assert(state.faces.includes("Noto Color Emoji"), `the emoji font was loaded for 👋 (loaded faces: ${state.faces.join(", ")})`);
    assert(state.coloured > 200, `👋 is drawn in colour by the bundled emoji font (${state.coloured} coloured pixels)`);
    const origin = new URL(page.url()).origin;
    assert(state.urls.length > 0 && state.urls.every((u) => u.startsWith(origin)), `fonts come from our own server (${state.urls.join(", ")})`);
    await screenshot(page, `fonts-${s.code}`);
    seen.push(`${s.code}: ${s.family}, 👋 ${state.coloured} coloured px`);
  }
  return `bundled faces loaded and covering their text — ${seen.join("; ")}; emoji: Noto Color Emoji`;
}
