// Small shared form and layout pieces for the admin pages.

import {
  useEffect,
  useId,
  useRef,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from "react";
import { useI18n } from "../i18n/I18nProvider";
import { describeError } from "../lib/errors";
import { Button } from "./Field";

/** A form control's look without a width (for controls sized by their row). */
export const fieldClass =
  "block min-w-0 rounded-md border border-gray-300 bg-white px-2.5 py-1.5 text-sm text-gray-900 shadow-sm outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-100 disabled:bg-gray-100 disabled:text-gray-500";
/** A full-width form control. */
export const inputClass = `${fieldClass} w-full`;

/** A label above any control; the control gets the generated id (and its message's id) through the render prop. */
export function Labeled({
  label,
  hint,
  error,
  className = "",
  children,
}: {
  label: string;
  hint?: string | undefined;
  /** What is wrong with the value, shown under the control in red (field-level form errors). */
  error?: string | null | undefined;
  className?: string;
  children: (id: string, described: { "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const messageId = `${id}-msg`;
  const described = error ? { "aria-invalid": true as const, "aria-describedby": messageId } : hint ? { "aria-describedby": messageId } : {};
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-gray-700">
        {label}
      </label>
      {children(id, described)}
      {error ? (
        <p id={messageId} className="mt-1 text-xs text-red-700" data-testid="field-error">
          {error}
        </p>
      ) : (
        hint && (
          <p id={messageId} className="mt-1 text-xs text-gray-500">
            {hint}
          </p>
        )
      )}
    </div>
  );
}

/** The red border a control gets while its value is refused. */
const invalidClass = "border-red-400 focus:border-red-500 focus:ring-red-100";

type FieldExtras = { label: string; hint?: string | undefined; error?: string | null | undefined };

export function TextInput({ label, hint, error, className = "", ...props }: InputHTMLAttributes<HTMLInputElement> & FieldExtras) {
  return (
    <Labeled label={label} hint={hint} error={error} className={className}>
      {(id, described) => <input id={id} className={`${inputClass} ${error ? invalidClass : ""}`} {...described} {...props} />}
    </Labeled>
  );
}

export function TextArea({ label, hint, error, className = "", ...props }: TextareaHTMLAttributes<HTMLTextAreaElement> & FieldExtras) {
  return (
    <Labeled label={label} hint={hint} error={error} className={className}>
      {(id, described) => <textarea id={id} rows={3} className={`${inputClass} resize-y ${error ? invalidClass : ""}`} {...described} {...props} />}
    </Labeled>
  );
}

export function SelectInput({
  label,
  hint,
  error,
  className = "",
  options,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> &
  FieldExtras & {
    options: readonly { value: string; label: string }[];
  }) {
  return (
    <Labeled label={label} hint={hint} error={error} className={className}>
      {(id, described) => (
        <select id={id} className={`${inputClass} ${error ? invalidClass : ""}`} {...described} {...props}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Labeled>
  );
}

export function Checkbox({
  label,
  className = "",
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  return (
    <label className={`inline-flex cursor-pointer items-center gap-2 text-sm text-gray-700 ${className}`}>
      <input type="checkbox" className="h-4 w-4 rounded border-gray-300 accent-brand-600" {...props} />
      <span>{label}</span>
    </label>
  );
}

const BADGE_TONES = {
  gray: "bg-gray-100 text-gray-700",
  green: "bg-green-100 text-green-800",
  amber: "bg-amber-100 text-amber-800",
  red: "bg-red-100 text-red-800",
  blue: "bg-sky-100 text-sky-800",
  brand: "bg-brand-50 text-brand-700",
} as const;
export type Tone = keyof typeof BADGE_TONES;

export function Badge({ tone = "gray", children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) {
  return (
    <span data-testid={testId} className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${BADGE_TONES[tone]}`}>
      {children}
    </span>
  );
}

/** A button that asks "Sure?" in place before running a destructive action. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
  testId,
  className = "",
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
  testId?: string;
  className?: string;
}) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        disabled={disabled}
        data-testid={testId}
        onClick={() => setAsking(true)}
        className={`rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50 disabled:text-gray-300 ${className}`}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="inline-flex items-center gap-1">
      <button
        type="button"
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={() => {
          setAsking(false);
          void onConfirm();
        }}
        className="rounded-md bg-red-600 px-2 py-1 text-sm font-medium text-white hover:bg-red-700"
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)} className="rounded-md px-2 py-1 text-sm text-gray-600 hover:bg-gray-100">
        {t("common.cancel")}
      </button>
    </span>
  );
}

/** A dialog over the page; Escape or the backdrop closes it. */
export function Modal({
  title,
  onClose,
  children,
  wide = false,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const panel = useRef<HTMLDivElement>(null);
  // The latest onClose, so Escape calls it without re-running the effects
  // below each time the parent re-renders with a new closure.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  // Focus the first field once, when the dialog opens: never again while the
  // person types (a live update re-rendering the parent must not steal it).
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>("input, textarea, select")?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-black/40 p-2 sm:p-6" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
        className={`mt-4 w-full rounded-xl bg-white shadow-xl sm:mt-10 ${wide ? "max-w-4xl" : "max-w-lg"}`}
      >
        <div className="flex items-center justify-between border-b border-gray-200 px-4 py-3">
          <h2 className="text-base font-semibold">{title}</h2>
          <button type="button" onClick={onClose} aria-label={t("common.close")} className="rounded-md p-1 text-gray-500 hover:bg-gray-100">
            <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
        </div>
        <div className="p-4">{children}</div>
      </div>
    </div>
  );
}

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold">{title}</h1>
        {subtitle && <p className="text-sm text-gray-600">{subtitle}</p>}
      </div>
      {children && <div className="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}

/**
 * A small "?" that explains the thing beside it: its words are the tooltip
 * and the accessible name, and a click (or tap, where there is no hover)
 * shows them under it.
 */
export function HelpTip({ text, testId }: { text: string; testId?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <span className="relative inline-flex">
      <button
        type="button"
        title={text}
        aria-label={text}
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        onBlur={() => setOpen(false)}
        data-testid={testId}
        className="inline-flex h-4 w-4 items-center justify-center rounded-full border border-gray-300 text-[10px] font-semibold leading-none text-gray-500 hover:border-brand-500 hover:text-brand-700"
      >
        ?
      </button>
      {open && (
        <span role="tooltip" className="absolute left-0 top-full z-40 mt-1 w-64 rounded-md border border-gray-200 bg-white p-2 text-xs font-normal normal-case tracking-normal text-gray-700 shadow-lg">
          {text}
        </span>
      )}
    </span>
  );
}

/** The message to show for a failed request (see lib/errors: our words for known codes, else the server's). */
export function useErrorText(): (e: unknown) => string {
  const { t } = useI18n();
  return (e: unknown) => describeError(e, t);
}

export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-4 py-6 text-center text-sm text-gray-500">
        {children}
      </td>
    </tr>
  );
}

export { Button };
