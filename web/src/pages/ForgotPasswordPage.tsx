import { useState, type FormEvent } from "react";
import { Link, useLocation } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, describeError, retryWaitOf } from "../lib/errors";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

/**
 * "Forgot password?": mails a reset link (`POST /auth/password/forgot`). The
 * answer is the same whether or not an account uses the address, and so is
 * what the page says.
 */
export function ForgotPasswordPage() {
  const { api } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  const [email, setEmail] = useState(() => (location.state as { email?: string } | null)?.email ?? "");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const address = email.trim();
    if (!address || wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    wait.clear();
    try {
      await api.publicPost("/auth/password/forgot", { email: address });
      setSentTo(address);
    } catch (err) {
      const seconds = retryWaitOf(err);
      if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  const footer = (
    <Link to="/login" className="font-medium underline" data-testid="forgot-login-link">
      {t("auth.backToLogin")}
    </Link>
  );

  if (sentTo) {
    return (
      <AuthLayout title={t("auth.forgot.sentTitle")} footer={footer}>
        <div className="space-y-4" data-testid="forgot-sent">
          <p className="text-sm text-gray-700">{t("auth.forgot.sent", { email: sentTo })}</p>
          <p className="text-sm text-gray-500">{t("auth.forgot.sentHint")}</p>
          <Button variant="secondary" onClick={() => setSentTo(null)} data-testid="forgot-again">
            {t("auth.forgot.again")}
          </Button>
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("auth.forgot.title")} footer={footer}>
      <form onSubmit={onSubmit} className="space-y-4" data-testid="forgot-form" noValidate>
        <p className="text-sm text-gray-700">{t("auth.forgot.intro")}</p>
        <Field
          label={t("auth.email")}
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="forgot-email"
        />
        <ErrorText testId="forgot-error">{error}</ErrorText>
        {waitText && (
          <p role="alert" data-testid="forgot-rate-limited" data-code={wait.code ?? undefined} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !email.trim() || wait.remaining > 0} data-testid="forgot-submit">
          {busy ? t("auth.forgot.sending") : t("auth.forgot.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
