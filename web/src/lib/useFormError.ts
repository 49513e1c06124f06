import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/translate";
import { ApiError } from "./api";
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
  /** Put on the <form>: the field a refusal is about gets the focus. */
  formRef: RefObject<HTMLFormElement | null>;
}

/** Per-form fixes in the reader's language: server field name → the words saying what to enter there. */
export type FieldFixes = Partial<Record<string, MessageKey>>;

/**
 * Field-level errors for a form: `fields` are the server's names of the
 * fields the form shows (e.g. ["name", "email"]); `overrides` give a code
 * this form's own words (EMAIL_TAKEN when an admin adds a teammate); `fixes`
 * replace the server's English detail of a VALIDATION_FAILED on a field with
 * this form's translated fix (what the field accepts).
 */
export function useFormError(fields: readonly string[], overrides?: ErrorOverrides, fixes?: FieldFixes): FormError {
  const { t } = useI18n();
  const [current, setCurrent] = useState<Explained | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement | null>(null);
  const key = fields.join(",");
  const onField = current?.field && key.split(",").includes(current.field) ? current.field : null;
  const fail = useCallback(
    (e: unknown) => {
      setCode(e instanceof ApiError ? e.code : null);
      setCurrent(explainError(e, t, overrides));
    },
    [t, overrides],
  );
  const clear = useCallback(() => setCurrent(null), []);
  // The marked field takes the focus once it is drawn (aria-invalid set by the input components).
  useEffect(() => {
    if (onField) formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [current, onField]);
  const fix = onField && code === "VALIDATION_FAILED" ? fixes?.[onField] : undefined;
  return useMemo(
    () => ({
      fail,
      clear,
      // Under the field: this form's fix in the reader's language, else the server's specific fix, else our words.
      field: (name: string) => (current && onField === name ? (fix ? t(fix) : (current.detail ?? current.text)) : null),
      form: current && !onField ? joinDetail(current) : null,
      current,
      formRef,
    }),
    [fail, clear, current, onField, fix, t],
  );
}
