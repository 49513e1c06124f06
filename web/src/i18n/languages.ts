// The languages the app offers. To add one: put `<code>.json` (same keys as
// en.json) next to this file and add one line below.
export interface Language {
  code: string;
  /** The language's own name, shown in the switcher. */
  label: string;
  /** BCP 47 locale for dates and numbers. */
  locale: string;
  dir?: "ltr" | "rtl";
}

export const LANGUAGES: readonly Language[] = [
  { code: "en", label: "English", locale: "en-IN" },
  { code: "hi", label: "हिन्दी", locale: "hi-IN" },
  { code: "ta", label: "தமிழ்", locale: "ta-IN" },
  { code: "bn", label: "বাংলা", locale: "bn-IN" },
];

export const DEFAULT_LANGUAGE = "en";
