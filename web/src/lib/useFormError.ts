import { useCallback, useMemo, useState } from "react";
import { useI18n } from "../i18n/I18nProvider";
import { explainError, joinDetail, type ErrorOverrides, type Explained } from "./errors";

/** A form's refusal, placed: under the field it is about when the form has that field, else above the buttons. */
export interface FormError {
  /** Remembers a failed request's refusal (explained in the reader's language). */
  fail: (e: unknown) => void;
  clear: () => void;
  /** The message for one field (server field name), or null. */
  field: (name: string) => string | null;
  /** The message for the whole form (a refusal about no field of this form), or null. */
  form: string | null;
  /** The refusal as explained, for forms that need more (a plan refusal's upgrade link). */
  current: Explained | null;
}

/**
 * Field-level errors for a form: `fields` are the server's names of the
 * fields the form shows (e.g. ["name", "email"]); `overrides` give a code
 * this form's own words (EMAIL_TAKEN when an admin adds a teammate).
 */
export function useFormError(fields: readonly string[], overrides?: ErrorOverrides): FormError {
  const { t } = useI18n();
  const [current, setCurrent] = useState<Explained | null>(null);
  const key = fields.join(",");
  const onField = current?.field && key.split(",").includes(current.field) ? current.field : null;
  const fail = useCallback((e: unknown) => setCurrent(explainError(e, t, overrides)), [t, overrides]);
  const clear = useCallback(() => setCurrent(null), []);
  return useMemo(
    () => ({
      fail,
      clear,
      // Under the field: the server's specific fix when it gave one, else our words.
      field: (name: string) => (current && onField === name ? (current.detail ?? current.text) : null),
      form: current && !onField ? joinDetail(current) : null,
      current,
    }),
    [fail, clear, current, onField],
  );
}
