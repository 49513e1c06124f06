import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useProductName } from "../brand/BrandProvider";
import { rebrand } from "../lib/brand";
import { findLanguage, initialLanguage } from "./choice";
import { LANGUAGES, type Language } from "./languages";
import { fallbackMessages, loadMessages, translate, type MessageKey, type Messages, type Params } from "./translate";

const STORAGE_KEY = "whatsflow.lang";

export interface I18n {
  lang: Language;
  t: (key: MessageKey, params?: Params) => string;
  /**
   * The person picks a language (the switcher): shown at once, remembered on
   * this device, and told to `onChosen` listeners (the signed-in user's profile).
   */
  setLanguage: (code: string) => void;
  /** Shows a language picked elsewhere (the signed-in user's saved one): remembered on this device, not told back. */
  applyLanguage: (code: string) => void;
  /** Listens to the person's own picks; returns the unsubscribe. */
  onChosen: (listener: (code: string) => void) => () => void;
}

const I18nContext = createContext<I18n | null>(null);

function startLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  const browser = typeof navigator === "undefined" ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
  return initialLanguage(stored, browser);
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Language>(startLanguage);
  const [messages, setMessages] = useState<Messages>(fallbackMessages);

  useEffect(() => {
    let live = true;
    void loadMessages(lang.code).then((m) => {
      if (live) setMessages(m);
    });
    document.documentElement.lang = lang.code;
    document.documentElement.dir = lang.dir ?? "ltr";
    return () => {
      live = false;
    };
  }, [lang]);

  const applyLanguage = useCallback((code: string): boolean => {
    const next = findLanguage(code);
    if (!next) return false;
    try {
      localStorage.setItem(STORAGE_KEY, code);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    setLang(next);
    return true;
  }, []);

  const listeners = useRef(new Set<(code: string) => void>());
  const onChosen = useCallback((listener: (code: string) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const setLanguage = useCallback(
    (code: string) => {
      if (applyLanguage(code)) listeners.current.forEach((l) => l(code));
    },
    [applyLanguage],
  );

  // On a white-label partner's host the words name its product, not the platform.
  const productName = useProductName();
  const branded = useMemo(() => rebrand(messages, productName), [messages, productName]);

  const value = useMemo<I18n>(
    () => ({ lang, setLanguage, applyLanguage, onChosen, t: (key, params) => translate(branded, key, params) }),
    [lang, branded, setLanguage, applyLanguage, onChosen],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}

export function LanguageSwitcher({ className = "", compact = false }: { className?: string; compact?: boolean }) {
  const { lang, setLanguage, t } = useI18n();
  return (
    <label className={`inline-flex items-center gap-1 text-sm ${className}`}>
      <span className="sr-only">{t("language.label")}</span>
      <select
        data-testid="language-switcher"
        value={lang.code}
        onChange={(e) => setLanguage(e.target.value)}
        className={`rounded-md border border-gray-300 bg-white py-1 text-sm text-gray-700 ${compact ? "max-w-[5.5rem] px-1 sm:max-w-none sm:px-2" : "px-2"}`}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}
