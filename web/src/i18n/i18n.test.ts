import { describe, expect, it } from "vitest";
import en from "./en.json";
import { LANGUAGES } from "./languages";
import { placeholders, translate, type MessageKey } from "./translate";

const files = import.meta.glob<{ default: Record<string, string> }>("./*.json", { eager: true });
const byCode = Object.fromEntries(Object.entries(files).map(([path, mod]) => [path.slice(2, -5), mod.default]));
const enKeys = Object.keys(en).sort();

describe("translations", () => {
  it("has a file for every listed language and lists every file", () => {
    expect(Object.keys(byCode).sort()).toEqual(LANGUAGES.map((l) => l.code).sort());
  });

  for (const lang of LANGUAGES) {
    it(`${lang.code} has exactly the English keys, none empty, same placeholders`, () => {
      const messages = byCode[lang.code]!;
      expect(Object.keys(messages).sort()).toEqual(enKeys);
      for (const key of enKeys) {
        const text = messages[key]!;
        expect(text.trim(), key).not.toBe("");
        expect(placeholders(text), key).toEqual(placeholders((en as Record<string, string>)[key]!));
      }
    });
  }
});

/**
 * Keys whose value may stay exactly as in English, because it is a name or a
 * code rather than words: "*" for every language, or per language code. A
 * value with no letters besides its placeholders ("{from} – {to}", "—") needs
 * no entry. Keep this short: anything else identical to English is a string
 * someone forgot to translate.
 */
const SAME_AS_ENGLISH: Record<string, readonly string[]> = {
  "*": [
    "app.name", // whatsflow
    "contacts.csv", // CSV
    "flow.editor.url", // URL
    "templates.field.url", // URL
    "flow.editor.handleId", // ID
    "audit.col.ip", // IP
    "audit.json", // JSON
    "billing.pdf", // PDF
    "admin.tile.mrr", // MRR
    "admin.col.mrr", // MRR
    "billing.col.tax", // GST
    "billing.plusGst", // + {gst} GST (18%)
    "billing.tax.igst", // IGST {amount}
    "billing.tax.cgst", // CGST {amount}
    "billing.tax.sgst", // SGST {amount}
    "segments.customNamePlaceholder", // city: an example field key, typed as is
    "segments.value.tagPlaceholder", // vip: an example tag
    "webhooks.status", // HTTP {code}
  ],
};

describe("untranslated strings", () => {
  const english = en as Record<string, string>;

  it("lists only keys that exist", () => {
    for (const [code, keys] of Object.entries(SAME_AS_ENGLISH)) {
      if (code !== "*") expect(LANGUAGES.map((l) => l.code), code).toContain(code);
      for (const key of keys) expect(english[key], `${code}: ${key}`).toBeDefined();
    }
  });

  for (const lang of LANGUAGES.filter((l) => l.code !== "en")) {
    it(`${lang.code} has no value left in English`, () => {
      const allowed = new Set([...(SAME_AS_ENGLISH["*"] ?? []), ...(SAME_AS_ENGLISH[lang.code] ?? [])]);
      const messages = byCode[lang.code]!;
      const untranslated = enKeys.filter(
        (key) => messages[key] === english[key] && !allowed.has(key) && /\p{L}/u.test(english[key]!.replace(/\{\w+\}/g, "")),
      );
      expect(untranslated).toEqual([]);
    });
  }
});

describe("translate", () => {
  it("fills placeholders and falls back to English", () => {
    expect(translate({}, "typing.one", { name: "Ravi" })).toBe("Ravi is typing…");
    expect(translate({ "typing.one": "{name} लिख रहे हैं…" }, "typing.one", { name: "रवि" })).toBe("रवि लिख रहे हैं…");
    expect(translate({}, "conv.assignedTo" as MessageKey)).toBe("Assigned to {name}");
  });
});
