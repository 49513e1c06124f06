import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, describeError, retryWaitOf } from "../lib/errors";
import { afterLogin } from "../lib/nav";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

export function LoginPage() {
  const { login, sessionEnded } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  // 403 TENANT_SUSPENDED: the server's words on how to reactivate the account.
  const [suspended, setSuspended] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // 429 RATE_LIMITED / ACCOUNT_LOCKED: a countdown, and no sending until it runs out.
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    setSuspended(null);
    wait.clear();
    try {
      const user = await login(email.trim(), password);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(afterLogin(user.role, from), { replace: true });
    } catch (err) {
      const seconds = retryWaitOf(err);
      if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else if (err instanceof ApiError && err.code === "TENANT_SUSPENDED") setSuspended(err.message.trim() || describeError(err, t));
      else setError(describeError(err, t));
      setBusy(false);
    }
  }

  return (
    <AuthLayout
      title={t("auth.login.title")}
      footer={
        <>
          {t("auth.login.noAccount")}{" "}
          <Link to="/register" className="font-medium underline">
            {t("auth.login.registerLink")}
          </Link>
        </>
      }
    >
      <form onSubmit={onSubmit} className="space-y-4" data-testid="login-form" noValidate>
        {sessionEnded && !error && !waitText && !suspended && (
          <p role="status" data-testid="login-session-ended" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {t("auth.sessionEnded")}
          </p>
        )}
        <Field
          label={t("auth.email")}
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="login-email"
        />
        <Field
          label={t("auth.password")}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="login-password"
        />
        <ErrorText testId="login-error">{error}</ErrorText>
        {suspended && (
          <div role="alert" data-testid="login-suspended" className="rounded-lg border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
            <p className="font-semibold">{t("auth.suspended.title")}</p>
            <p className="mt-1" data-testid="login-suspended-message">
              {suspended.charAt(0).toUpperCase() + suspended.slice(1)}
            </p>
          </div>
        )}
        {waitText && (
          <p role="alert" data-testid="login-rate-limited" data-code={wait.code ?? undefined} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !email || !password || wait.remaining > 0} data-testid="login-submit">
          {busy ? t("auth.login.submitting") : t("auth.login.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
