import type { ButtonHTMLAttributes, InputHTMLAttributes } from "react";

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: string;
  /** What is wrong with the value (a field-level form error), shown under the input. */
  error?: string | null;
}

export function Field({ label, hint, error, id, className = "", ...input }: FieldProps) {
  const fieldId = id ?? input.name;
  const messageId = fieldId ? `${fieldId}-msg` : undefined;
  return (
    <div className={className}>
      <label htmlFor={fieldId} className="mb-1 block text-sm font-medium text-gray-700">
        {label}
      </label>
      <input
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || hint ? messageId : undefined}
        className={`block w-full rounded-lg border bg-white px-3 py-2 text-gray-900 shadow-sm outline-none focus:ring-2 disabled:bg-gray-100 ${
          error ? "border-red-400 focus:border-red-500 focus:ring-red-100" : "border-gray-300 focus:border-brand-500 focus:ring-brand-100"
        }`}
        {...input}
      />
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

export function ErrorText({ children, testId }: { children: string | null; testId?: string }) {
  if (!children) return null;
  return (
    <p role="alert" data-testid={testId} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {children}
    </p>
  );
}

export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "ghost" }) {
  const styles =
    variant === "primary"
      ? "bg-brand-600 text-white hover:bg-brand-700 disabled:bg-brand-500/50"
      : variant === "secondary"
        ? "border border-gray-300 bg-white text-gray-700 hover:bg-gray-50 disabled:text-gray-400"
        : "text-gray-600 hover:bg-gray-100 disabled:text-gray-300";
  return (
    <button
      type="button"
      className={`inline-flex items-center justify-center gap-1 rounded-lg px-3 py-2 text-sm font-medium transition-colors disabled:cursor-not-allowed ${styles} ${className}`}
      {...props}
    />
  );
}
