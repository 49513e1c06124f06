import { useState, type ChangeEvent, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, describeError, emailIn, retryWaitOf } from "../lib/errors";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

export function RegisterPage() {
  const { register } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form, setForm] = useState({ tenant_name: "", name: "", email: "", password: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** 403 SIGNUPS_CLOSED: the platform takes no new accounts; whom to write to, when it says. */
  const [closed, setClosed] = useState<{ email: string | null } | null>(null);
  const set = (k: keyof typeof form) => (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  const complete = form.tenant_name.trim() && form.name.trim() && form.email.trim() && form.password.length >= 8;

  // 429 RATE_LIMITED: a countdown, and no sending until it runs out.
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    setClosed(null);
    wait.clear();
    try {
      await register({ ...form, tenant_name: form.tenant_name.trim(), name: form.name.trim(), email: form.email.trim() });
      navigate("/inbox", { replace: true });
    } catch (err) {
      const seconds = retryWaitOf(err);
      if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else if (err instanceof ApiError && err.code === "SIGNUPS_CLOSED") setClosed({ email: emailIn(err.message) });
      else setError(describeError(err, t));
      setBusy(false);
    }
  }

  return (
    <AuthLayout
      title={t("auth.register.title")}
      footer={
        <>
          {t("auth.register.haveAccount")}{" "}
          <Link to="/login" className="font-medium underline">
            {t("auth.register.loginLink")}
          </Link>
        </>
      }
    >
      <form onSubmit={onSubmit} className="space-y-4" data-testid="register-form" noValidate>
        <Field label={t("auth.register.tenantName")} name="tenant_name" required value={form.tenant_name} onChange={set("tenant_name")} data-testid="register-tenant" autoComplete="organization" />
        <Field label={t("auth.register.name")} name="name" required value={form.name} onChange={set("name")} data-testid="register-name" autoComplete="name" />
        <Field label={t("auth.email")} name="email" type="email" required value={form.email} onChange={set("email")} data-testid="register-email" autoComplete="email" />
        <Field
          label={t("auth.password")}
          name="password"
          type="password"
          required
          minLength={8}
          value={form.password}
          onChange={set("password")}
          hint={t("auth.register.passwordHint")}
          data-testid="register-password"
          autoComplete="new-password"
        />
        <ErrorText testId="register-error">{error}</ErrorText>
        {closed && (
          <div role="alert" data-testid="register-closed" data-email={closed.email ?? undefined} className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <p className="font-semibold">{t("auth.register.closedTitle")}</p>
            <p className="mt-1">
              {closed.email
                ? t("auth.register.closedWrite", { email: "\u0000" })
                    .split("\u0000")
                    .map((part, i) =>
                      i === 0 ? (
                        part
                      ) : (
                        <span key={i}>
                          <a href={`mailto:${closed.email}`} className="font-medium underline" data-testid="register-closed-email">
                            {closed.email}
                          </a>
                          {part}
                        </span>
                      ),
                    )
                : t("auth.register.closedNoContact")}
            </p>
          </div>
        )}
        {waitText && (
          <p role="alert" data-testid="register-rate-limited" data-code={wait.code ?? undefined} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !complete || wait.remaining > 0} data-testid="register-submit">
          {busy ? t("auth.register.submitting") : t("auth.register.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
