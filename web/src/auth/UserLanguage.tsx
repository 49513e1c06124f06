import { useEffect, useRef } from "react";
import { useI18n } from "../i18n/I18nProvider";
import { userLanguageToApply } from "../i18n/choice";
import type { User } from "../lib/types";
import { rememberUser, useAuth } from "./AuthProvider";

/**
 * Keeps the UI language with the signed-in person rather than the device:
 * their saved language (`GET /auth/me`) is shown once their profile loads, and
 * a language they pick in the switcher is saved to it (`PATCH /auth/me`, best
 * effort: the pick applies on this device even when the save fails). An
 * operator viewing an account as its admin neither takes nor changes the
 * admin's language. Renders nothing.
 */
export function UserLanguage() {
  const { api, user, impersonation } = useAuth();
  const { lang, applyLanguage, onChosen } = useI18n();

  const userId = user?.id ?? null;
  const saved = user?.language;
  const viewing = impersonation !== null || !!user?.impersonated_by;

  // Read inside effects and callbacks without re-running them.
  const current = useRef(lang.code);
  current.current = lang.code;
  const who = useRef({ userId, viewing });
  who.current = { userId, viewing };
  /** Saves in flight, and the number of the latest (only its answer is kept). */
  const saving = useRef({ pending: 0, latest: 0 });
  /** Saves go one after another, so the server keeps the last pick (two at
   * once could arrive in either order). */
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  // The saved language when the profile loads or changes (sign-in, another
  // tab, another device); not while the person's own pick is being saved.
  useEffect(() => {
    if (viewing || saving.current.pending > 0) return;
    const next = userLanguageToApply(saved, current.current);
    if (next) applyLanguage(next);
  }, [userId, saved, viewing, applyLanguage]);

  // The person's own pick, saved to their profile.
  useEffect(
    () =>
      onChosen((language) => {
        const { userId: id, viewing: asOperator } = who.current;
        if (!id || asOperator) return;
        const s = saving.current;
        const n = ++s.latest;
        s.pending += 1;
        const save = queue.current.then(() => api.patch<User>("/auth/me", { language }));
        queue.current = save.catch(() => undefined);
        save
          .then((updated) => {
            if (n === s.latest && updated?.id === id) rememberUser(updated);
          })
          .catch(() => {
            // Best effort: the language still applies on this device.
          })
          .finally(() => {
            s.pending -= 1;
          });
      }),
    [api, onChosen],
  );

  return null;
}
