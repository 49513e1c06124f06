// Which language the app shows: the pure rules, kept apart from React and
// storage so they can be tested.
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from "./languages";

/** The offered language with this code (`"ta"`), or undefined. */
export function findLanguage(code: string | null | undefined): Language | undefined {
  return code ? LANGUAGES.find((l) => l.code === code) : undefined;
}

/** The offered language a BCP 47 tag asks for (`"bn-IN"` → Bengali), or undefined. */
function fromTag(tag: string): Language | undefined {
  return findLanguage(tag.trim().toLowerCase().split(/[-_]/)[0]);
}

/**
 * The language a page starts in, before anyone is known to be signed in: the
 * one last picked on this device, else the first of the browser's languages
 * the app offers, else English.
 */
export function initialLanguage(stored: string | null | undefined, browser: readonly string[]): Language {
  const fromBrowser = browser.map(fromTag).find((l) => l !== undefined);
  return findLanguage(stored) ?? fromBrowser ?? findLanguage(DEFAULT_LANGUAGE) ?? LANGUAGES[0]!;
}

/**
 * After the signed-in person's profile loads (or changes): the language they
 * saved, to switch to; null when they saved none, saved one this app does not
 * offer, or it is already showing.
 */
export function userLanguageToApply(saved: string | null | undefined, current: string): string | null {
  const lang = findLanguage(saved);
  return lang && lang.code !== current ? lang.code : null;
}
