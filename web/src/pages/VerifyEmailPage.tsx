import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeError } from "../lib/errors";
import { AuthLayout } from "./AuthLayout";

/**
 * A token is spent by its first use: one request per token however often the
 * page mounts (React's development double mount, a re-render).
 */
const verifying = new Map<string, Promise<unknown>>();

/**
 * The mailed verification link (`/verify-email?token=…`): confirms the
 * address on opening (`POST /auth/email/verify`), signed in or not.
 */
export function VerifyEmailPage() {
  const { api, user } = useAuth();
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const [token] = useState(() => search.get("token")?.trim() ?? "");
  const [state, setState] = useState<"verifying" | "verified" | "invalid" | "error">(token ? "verifying" : "invalid");
  const [error, setError] = useState<string | null>(null);

  const verify = useCallback(
    (again = false) => {
      if (!token) return () => {};
      let live = true;
      if (again) verifying.delete(token);
      let request = verifying.get(token);
      if (!request) {
        request = api.publicPost("/auth/email/verify", { token });
        verifying.set(token, request);
      }
      setState("verifying");
      setError(null);
      request.then(
        () => {
          if (live) setState("verified");
        },
        (err: unknown) => {
          if (!live) return;
          if (err instanceof ApiError && err.code === "INVALID_TOKEN") setState("invalid");
          else {
            setError(describeError(err, t));
            setState("error");
          }
        },
      );
      return () => {
        live = false;
      };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, token],
  );

  useEffect(() => verify(), [verify]);

  useEffect(() => {
    if (search.has("token")) setSearch({}, { replace: true });
  }, [search, setSearch]);

  const next = user ? (
    <Link to="/settings/security" className="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="verify-continue">
      {t("auth.verify.continue")}
    </Link>
  ) : (
    <Link to="/login" className="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-3 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="verify-login">
      {t("auth.login.submit")}
    </Link>
  );

  return (
    <AuthLayout title={t("auth.verify.title")} footer={null}>
      <div className="space-y-4" data-testid="verify-email" data-state={state}>
        {state === "verifying" && (
          <p role="status" className="flex items-center gap-2 text-sm text-gray-600">
            <span aria-hidden="true" className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-brand-500 border-t-transparent" />
            {t("auth.verify.checking")}
          </p>
        )}
        {state === "verified" && (
          <p role="status" className="rounded-lg border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="verify-done">
            {t("auth.verify.done")}
          </p>
        )}
        {state === "invalid" && (
          <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="verify-invalid">
            {t(user ? "auth.verify.invalidSignedIn" : "auth.verify.invalid")}
          </p>
        )}
        {state === "error" && (
          <>
            <ErrorText testId="verify-error">{error}</ErrorText>
            <Button variant="secondary" onClick={() => verify(true)} data-testid="verify-retry">
              {t("common.retry")}
            </Button>
          </>
        )}
        {state !== "verifying" && next}
      </div>
    </AuthLayout>
  );
}
