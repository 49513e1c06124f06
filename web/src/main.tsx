import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { BrandProvider } from "./brand/BrandProvider";
// Bundled fonts, so every language and emoji render on a browser without them
// installed (no CDN: the server's CSP allows same-origin fonts only). Each
// @font-face has a unicode-range: a browser downloads only the scripts a page
// shows. Variable "wght" faces: one file per script serves every weight. The
// emoji are Noto Color Emoji as COLRv1 (Chromium and Firefox draw it; the
// SVG-in-OpenType build draws blanks in Chromium); a browser that cannot draw
// COLRv1 skips it (tech()) for its own emoji font.
import "@fontsource-variable/noto-sans/wght.css";
import "@fontsource-variable/noto-sans-devanagari/wght.css";
import "@fontsource-variable/noto-sans-tamil/wght.css";
import "@fontsource-variable/noto-sans-bengali/wght.css";
import "@infolektuell/noto-color-emoji/index.css";
import "./index.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {/* The host's brand (a white-label partner's, or the platform's) before anything renders. */}
    <BrandProvider>
      <App />
    </BrandProvider>
  </StrictMode>,
);
