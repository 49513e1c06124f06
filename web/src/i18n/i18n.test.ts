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

describe("translate", () => {
  it("fills placeholders and falls back to English", () => {
    expect(translate({}, "typing.one", { name: "Ravi" })).toBe("Ravi is typing…");
    expect(translate({ "typing.one": "{name} लिख रहे हैं…" }, "typing.one", { name: "रवि" })).toBe("रवि लिख रहे हैं…");
    expect(translate({}, "conv.assignedTo" as MessageKey)).toBe("Assigned to {name}");
  });
});
