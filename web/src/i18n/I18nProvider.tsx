import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from "./languages";
import { fallbackMessages, loadMessages, translate, type MessageKey, type Messages, type Params } from "./translate";

const STORAGE_KEY = "whatsflow.lang";

export interface I18n {
  lang: Language;
  t: (key: MessageKey, params?: Params) => string;
  setLanguage: (code: string) => void;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const byCode = (code: string | null | undefined) => LANGUAGES.find((l) => l.code === code);
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  const browser = typeof navigator !== "undefined" ? navigator.language.split("-")[0] : undefined;
  return byCode(stored) ?? byCode(browser) ?? byCode(DEFAULT_LANGUAGE) ?? LANGUAGES[0]!;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Language>(initialLanguage);
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

  const setLanguage = useCallback((code: string) => {
    const next = LANGUAGES.find((l) => l.code === code);
    if (!next) return;
    try {
      localStorage.setItem(STORAGE_KEY, code);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    setLang(next);
  }, []);

  const value = useMemo<I18n>(
    () => ({ lang, setLanguage, t: (key, params) => translate(messages, key, params) }),
    [lang, messages, setLanguage],
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
