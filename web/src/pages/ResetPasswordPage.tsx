import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, describeError, retryWaitOf } from "../lib/errors";
import { MIN_PASSWORD } from "../lib/security";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

/**
 * The mailed reset link (`/reset-password?token=…`): a new password, twice.
 * The token leaves the address bar at once (it works once, but need not sit
 * in the history). Every session of the account ends with the reset, this
 * browser's too.
 */
export function ResetPasswordPage() {
  const { api } = useAuth();
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const [token] = useState(() => search.get("token")?.trim() ?? "");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState<"form" | "done" | "invalid">(token ? "form" : "invalid");
  const [busy, setBusy] = useState(false);
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  useEffect(() => {
    if (search.has("token")) setSearch({}, { replace: true });
  }, [search, setSearch]);

  const tooShort = password.length > 0 && password.length < MIN_PASSWORD;
  const mismatch = confirm.length > 0 && confirm !== password;
  const ready = password.length >= MIN_PASSWORD && confirm === password;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!ready || wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    wait.clear();
    try {
      await api.publicPost("/auth/password/reset", { token, password });
      // The server ended every session of the account; whoever was signed in here is too.
      api.forget();
      setState("done");
    } catch (err) {
      const seconds = retryWaitOf(err);
      if (err instanceof ApiError && err.code === "INVALID_TOKEN") setState("invalid");
      else if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  const footer = (
    <Link to="/login" className="font-medium underline">
      {t("auth.backToLogin")}
    </Link>
  );

  if (state === "done") {
    return (
      <AuthLayout title={t("auth.reset.doneTitle")} footer={null}>
        <div className="space-y-4" data-testid="reset-done">
          <p className="text-sm text-gray-700">{t("auth.reset.done")}</p>
          <Link to="/login" replace className="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="reset-login-link">
            {t("auth.login.submit")}
          </Link>
        </div>
      </AuthLayout>
    );
  }

  if (state === "invalid") {
    return (
      <AuthLayout title={t("auth.reset.invalidTitle")} footer={footer}>
        <div className="space-y-4" data-testid="reset-invalid">
          <p className="text-sm text-gray-700">{t("auth.reset.invalid")}</p>
          <Link to="/forgot-password" className="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="reset-ask-again">
            {t("auth.reset.askAgain")}
          </Link>
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("auth.reset.title")} footer={footer}>
      <form onSubmit={onSubmit} className="space-y-4" data-testid="reset-form" noValidate>
        <Field
          label={t("auth.reset.password")}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={t("auth.register.passwordHint")}
          data-testid="reset-password"
        />
        <Field
          label={t("auth.reset.confirm")}
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          data-testid="reset-confirm"
        />
        {(tooShort || mismatch) && (
          <p className="text-sm text-amber-800" data-testid="reset-hint">
            {t(tooShort ? "auth.reset.tooShort" : "auth.reset.mismatch")}
          </p>
        )}
        <ErrorText testId="reset-error">{error}</ErrorText>
        {waitText && (
          <p role="alert" data-testid="reset-rate-limited" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !ready || wait.remaining > 0} data-testid="reset-submit">
          {busy ? t("auth.reset.saving") : t("auth.reset.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
