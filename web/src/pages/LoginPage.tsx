import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { useBrand } from "../brand/BrandProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { CodeField, RecoveryCodes, TwoFactorSetupForm } from "../components/security/TwoFactorBits";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, describeError, humanizeServerText, retryWaitOf } from "../lib/errors";
import { afterLogin } from "../lib/nav";
import { CODE_DIGITS, secondFactor, type TwoFactorEnabledAtSignIn, type TwoFactorSetup } from "../lib/security";
import type { User } from "../lib/types";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

/**
 * Where the sign-in stands: the password; a code from the app (the account
 * has two-factor); setting two-factor up (the account requires it and this
 * person has none); the recovery codes of what was just set up, before the
 * session starts.
 */
type Step =
  | { kind: "password" }
  | { kind: "code"; mfaToken: string }
  | { kind: "setup"; mfaToken: string; setup: TwoFactorSetup }
  | { kind: "recovery"; auth: TwoFactorEnabledAtSignIn };

/** The mfa_token ran out (5 minutes) or was refused: the password again. */
const isExpired = (e: unknown) => e instanceof ApiError && e.status === 401;

export function LoginPage() {
  const { api, login, sessionEnded } = useAuth();
  const { brand } = useBrand();
  // On a partner's host its clients come through the partner: no sign-up, no partner programme.
  const partnerHost = brand.partner_id !== null;
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const [step, setStep] = useState<Step>({ kind: "password" });
  // Arriving from an accepted invitation: their email is filled in, and the page says they joined.
  const arrival = location.state as { email?: string; joined?: boolean } | null;
  const [email, setEmail] = useState(() => (typeof arrival?.email === "string" ? arrival.email : ""));
  const joined = arrival?.joined === true;
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  // The second step took too long: back at the password, saying so.
  const [expired, setExpired] = useState(false);
  // 403 TENANT_SUSPENDED: the server's words on how to reactivate the account.
  const [suspended, setSuspended] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // 429 RATE_LIMITED / ACCOUNT_LOCKED: a countdown, and no sending until it runs out.
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  function signedIn(user: User) {
    const from = (location.state as { from?: string } | null)?.from;
    navigate(afterLogin(user.role, from), { replace: true });
  }

  /** Shows a refusal: a countdown for 429s, the suspension notice, or the words for it. */
  function refused(err: unknown) {
    const seconds = retryWaitOf(err);
    if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
    else if (err instanceof ApiError && err.code === "TENANT_SUSPENDED") setSuspended(humanizeServerText(err.message) || describeError(err, t));
    else setError(describeError(err, t));
  }

  function backToPassword(becauseExpired: boolean) {
    setStep({ kind: "password" });
    setPassword("");
    setError(null);
    wait.clear();
    setExpired(becauseExpired);
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    setSuspended(null);
    setExpired(false);
    wait.clear();
    try {
      const next = await login(email.trim(), password);
      if (next.kind === "signed_in") {
        signedIn(next.session.user);
        return;
      }
      if (next.kind === "code") {
        setStep({ kind: "code", mfaToken: next.mfaToken });
      } else {
        // The account requires two-factor: a secret for the app, right here.
        const setup = await api.setupTwoFactorAtSignIn(next.mfaToken);
        setStep({ kind: "setup", mfaToken: next.mfaToken, setup });
      }
      setBusy(false);
    } catch (err) {
      refused(err);
      setBusy(false);
    }
  }

  if (step.kind === "code") {
    return (
      <CodeStep
        mfaToken={step.mfaToken}
        onSignedIn={signedIn}
        onExpired={() => backToPassword(true)}
        onBack={() => backToPassword(false)}
      />
    );
  }

  if (step.kind === "setup") {
    return (
      <AuthLayout title={t("auth.setup.title")} footer={<BackLink onClick={() => backToPassword(false)} />}>
        <div className="space-y-4" data-testid="login-setup">
          <p role="status" className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="login-setup-required">
            {t("auth.setup.required")}
          </p>
          <TwoFactorSetupForm
            compact
            setup={step.setup}
            onEnable={async (code) => {
              try {
                const auth = await api.enableTwoFactorAtSignIn(step.mfaToken, code);
                setStep({ kind: "recovery", auth });
              } catch (err) {
                if (isExpired(err)) backToPassword(true);
                else throw err;
              }
            }}
          />
        </div>
      </AuthLayout>
    );
  }

  if (step.kind === "recovery") {
    return (
      <AuthLayout title={t("security.recovery.title")} footer={null}>
        <RecoveryCodes
          codes={step.auth.recovery_codes}
          email={step.auth.user.email}
          doneLabel={t("auth.setup.continue")}
          onDone={() => signedIn(api.startSession(step.auth).user)}
        />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title={t("auth.login.title")}
      footer={
        partnerHost ? null : (
          <>
            {t("auth.login.noAccount")}{" "}
            <Link to="/register" className="font-medium underline">
              {t("auth.login.registerLink")}
            </Link>
            <span className="block">
              <Link to="/partner/apply" className="font-medium underline" data-testid="login-become-partner">
                {t("partner.apply.link")}
              </Link>
            </span>
          </>
        )
      }
    >
      <form onSubmit={onSubmit} className="space-y-4" data-testid="login-form" noValidate>
        {sessionEnded && !error && !waitText && !suspended && !expired && (
          <p role="status" data-testid="login-session-ended" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {t("auth.sessionEnded")}
          </p>
        )}
        {joined && !error && !waitText && (
          <p role="status" data-testid="login-joined" className="rounded-lg border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
            {t("invite.joined")}
          </p>
        )}
        {expired && !error && !waitText && (
          <p role="status" data-testid="login-mfa-expired" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {t("auth.code.expired")}
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
        <div>
          <Field
            label={t("auth.password")}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoFocus={joined}
            data-testid="login-password"
          />
          <p className="mt-1 text-right text-sm">
            <Link to="/forgot-password" state={email.trim() ? { email: email.trim() } : undefined} className="font-medium text-brand-700 hover:underline" data-testid="login-forgot">
              {t("auth.login.forgot")}
            </Link>
          </p>
        </div>
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

function BackLink({ onClick }: { onClick: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" onClick={onClick} className="font-medium underline" data-testid="login-back">
      {t("auth.code.back")}
    </button>
  );
}

/** The second step of a two-factor sign-in: a code from the app, or a recovery code. */
function CodeStep({
  mfaToken,
  onSignedIn,
  onExpired,
  onBack,
}: {
  mfaToken: string;
  onSignedIn: (user: User) => void;
  onExpired: () => void;
  onBack: () => void;
}) {
  const { api } = useAuth();
  const { t } = useI18n();
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;
  const factor = useRecovery ? secondFactor(recovery) : code.length === CODE_DIGITS ? { code } : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!factor || wait.remaining > 0) return;
    setBusy(true);
    setError(null);
    wait.clear();
    try {
      const session = await api.verifyTwoFactor(mfaToken, factor);
      onSignedIn(session.user);
    } catch (err) {
      setBusy(false);
      if (isExpired(err)) {
        onExpired();
        return;
      }
      const seconds = retryWaitOf(err);
      if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else setError(describeError(err, t));
      setCode("");
    }
  }

  function switchMode() {
    setUseRecovery(!useRecovery);
    setError(null);
    setCode("");
    setRecovery("");
  }

  return (
    <AuthLayout title={t("auth.code.title")} footer={<BackLink onClick={onBack} />}>
      <form onSubmit={onSubmit} className="space-y-4" data-testid="login-code-form" data-mode={useRecovery ? "recovery" : "app"} noValidate>
        <p className="text-sm text-gray-700">{t(useRecovery ? "auth.code.recoveryIntro" : "auth.code.intro")}</p>
        {useRecovery ? (
          <Field
            key="recovery"
            label={t("auth.code.recoveryLabel")}
            name="recovery_code"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            placeholder="xxxx-xxxx"
            autoFocus
            value={recovery}
            onChange={(e) => setRecovery(e.target.value)}
            data-testid="login-recovery-code"
          />
        ) : (
          <CodeField key="app" value={code} onChange={setCode} label={t("security.twofa.codeLabel")} testId="login-code" autoFocus />
        )}
        <ErrorText testId="login-code-error">{error}</ErrorText>
        {waitText && (
          <p role="alert" data-testid="login-code-rate-limited" data-code={wait.code ?? undefined} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !factor || wait.remaining > 0} data-testid="login-code-submit">
          {busy ? t("auth.code.checking") : t("auth.code.submit")}
        </Button>
        <button type="button" onClick={switchMode} className="text-sm font-medium text-brand-700 hover:underline" data-testid="login-use-recovery">
          {t(useRecovery ? "auth.code.useApp" : "auth.code.useRecovery")}
        </button>
      </form>
    </AuthLayout>
  );
}
