import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { RecoveryCodes, TwoFactorSetupForm } from "../components/security/TwoFactorBits";
import { Badge, Button, ConfirmButton, EmptyRow, Modal, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { isAdmin } from "../lib/nav";
import {
  describeUserAgent,
  FEW_RECOVERY_CODES,
  orderSessions,
  secondFactor,
  sessionIdOf,
  type AccountSecurity,
  type AccountSecurityChanged,
  type SecurityOverview,
  type SessionInfo,
  type TwoFactorEnabled,
  type TwoFactorSetup,
} from "../lib/security";

const cell = "px-3 py-2";

function useDateTime() {
  const { lang } = useI18n();
  return (iso: string | null | undefined, withTime = true) => {
    if (!iso) return "—";
    const at = Date.parse(iso);
    if (Number.isNaN(at)) return iso;
    return new Intl.DateTimeFormat(lang.locale, withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" }).format(at);
  };
}

function Section({ title, badge, children, testId, data }: { title: string; badge?: ReactNode; children: ReactNode; testId: string; data?: Record<string, string | number> }) {
  const attrs = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, String(v)]));
  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid={testId} {...attrs}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">{title}</h3>
        {badge}
      </div>
      {children}
    </section>
  );
}

/**
 * Settings → Security, for everyone: the email address (verified, or a new
 * link), two-factor (turn on with an authenticator app and keep the recovery
 * codes; turn off with the password and a code unless the account requires
 * it), where one is signed in (end a session, or all of them); and for the
 * account's admins, requiring two-factor of everyone.
 */
export function SecurityPage() {
  const { t } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const [overview, setOverview] = useState<SecurityOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(async () => {
    const req = ++request.current;
    try {
      const o = await api.get<SecurityOverview>("/auth/security");
      if (req !== request.current) return;
      setOverview(o);
      setError(null);
    } catch (e) {
      if (req === request.current) setError(errorText(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const state = overview ? "ready" : error ? "error" : "loading";
  return (
    <div className="space-y-6" data-testid="security-page" data-state={state}>
      <div>
        <h2 className="text-lg font-semibold">{t("settings.security")}</h2>
        <p className="text-sm text-gray-600">{t("security.intro")}</p>
      </div>
      <ErrorText testId="security-error">{error}</ErrorText>
      {!overview && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {overview && (
        <>
          <EmailSection overview={overview} onChanged={() => void load()} />
          <TwoFactorSection overview={overview} onChanged={() => void load()} />
        </>
      )}
      <SessionsSection />
      {overview && isAdmin(user?.role) && <AccountRuleSection overview={overview} onChanged={() => void load()} />}
    </div>
  );
}

function EmailSection({ overview, onChanged }: { overview: SecurityOverview; onChanged: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function resend() {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ sent?: boolean; verified?: boolean }>("/auth/email/resend");
      if (answer?.verified) onChanged();
      else setSent(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const verified = overview.email_verified;
  return (
    <Section
      title={t("security.email.title")}
      testId="security-email"
      data={{ verified: verified ? "true" : "false" }}
      badge={
        <Badge tone={verified ? "green" : "amber"} testId="security-email-status">
          {t(verified ? "security.email.verified" : "security.email.unverified")}
        </Badge>
      }
    >
      <p className="text-sm font-medium text-gray-900" data-testid="security-email-address">
        {overview.email}
      </p>
      {!verified && (
        <div className="space-y-2">
          <p className="text-sm text-gray-600">{t("security.email.unverifiedHint")}</p>
          {overview.mail_configured ? (
            sent ? (
              <p role="status" className="text-sm text-green-800" data-testid="security-email-sent">
                {t("security.email.sent", { email: overview.email })}
              </p>
            ) : (
              <Button variant="secondary" onClick={() => void resend()} disabled={busy} data-testid="security-email-resend">
                {busy ? t("security.email.sending") : t("security.email.resend")}
              </Button>
            )
          ) : (
            <p className="text-sm text-gray-500" data-testid="security-email-no-mail">
              {t("error.mailNotConfigured")}
            </p>
          )}
          <ErrorText testId="security-email-error">{error}</ErrorText>
        </div>
      )}
    </Section>
  );
}

type TwoFactorMode = { kind: "idle" } | { kind: "setup"; setup: TwoFactorSetup } | { kind: "codes"; codes: string[] } | { kind: "disable" };

function TwoFactorSection({ overview, onChanged }: { overview: SecurityOverview; onChanged: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const date = useDateTime();
  const [mode, setMode] = useState<TwoFactorMode>({ kind: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tf = overview.two_factor;

  async function start() {
    setBusy(true);
    setError(null);
    try {
      setMode({ kind: "setup", setup: await api.post<TwoFactorSetup>("/auth/2fa/setup", {}) });
    } catch (e) {
      setError(errorText(e));
      // 409 TWO_FACTOR_ENABLED: on in another tab meanwhile.
      if (e instanceof ApiError && e.code === "TWO_FACTOR_ENABLED") onChanged();
    } finally {
      setBusy(false);
    }
  }

  async function enable(code: string) {
    const answer = await api.post<TwoFactorEnabled>("/auth/2fa/enable", { code });
    setMode({ kind: "codes", codes: answer.recovery_codes });
  }

  const status = mode.kind === "codes" || tf.enabled ? "on" : "off";
  return (
    <Section
      title={t("security.twofa.title")}
      testId="security-2fa"
      data={{ enabled: tf.enabled ? "true" : "false", "codes-left": tf.recovery_codes_left }}
      badge={
        <Badge tone={status === "on" ? "green" : "gray"} testId="security-2fa-status">
          {t(status === "on" ? "security.twofa.on" : "security.twofa.off")}
        </Badge>
      }
    >
      <p className="text-sm text-gray-600">{t("security.twofa.intro")}</p>
      {mode.kind === "setup" && (
        <TwoFactorSetupForm
          setup={mode.setup}
          onEnable={enable}
          onCancel={() => {
            setMode({ kind: "idle" });
            setError(null);
          }}
        />
      )}
      {mode.kind === "codes" && (
        <div className="space-y-2">
          <p role="status" className="rounded-lg border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="twofa-enabled">
            {t("security.twofa.enabledNow")}
          </p>
          <RecoveryCodes
            codes={mode.codes}
            email={overview.email}
            doneLabel={t("security.recovery.done")}
            onDone={() => {
              setMode({ kind: "idle" });
              onChanged();
            }}
          />
        </div>
      )}
      {mode.kind === "idle" && !tf.enabled && (
        <div className="space-y-2">
          {overview.two_factor_required && (
            <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              {t("security.twofa.requiredOff")}
            </p>
          )}
          <Button onClick={() => void start()} disabled={busy} data-testid="twofa-start">
            {t("security.twofa.turnOn")}
          </Button>
        </div>
      )}
      {tf.enabled && (mode.kind === "idle" || mode.kind === "disable") && (
        <div className="space-y-3">
          <dl className="grid gap-4 sm:grid-cols-2">
            <div>
              <dt className="text-xs font-medium uppercase text-gray-500">{t("security.twofa.since")}</dt>
              <dd className="mt-0.5 text-sm text-gray-900" data-testid="security-2fa-since">
                {date(tf.enabled_at, false)}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase text-gray-500">{t("security.twofa.codesLeft")}</dt>
              <dd className="mt-0.5 text-sm tabular-nums text-gray-900" data-testid="security-2fa-codes-left">
                {tf.recovery_codes_left}
              </dd>
            </div>
          </dl>
          {tf.recovery_codes_left <= FEW_RECOVERY_CODES && (
            <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="security-2fa-few-codes">
              {t(tf.recovery_codes_left === 0 ? "security.twofa.noCodes" : "security.twofa.fewCodes")}
            </p>
          )}
          {overview.two_factor_required ? (
            <p className="text-sm text-gray-600" data-testid="security-2fa-required">
              {t("security.twofa.required")}
            </p>
          ) : mode.kind === "disable" ? (
            <DisableForm
              onDone={() => {
                setMode({ kind: "idle" });
                onChanged();
              }}
              onCancel={() => setMode({ kind: "idle" })}
              onRefused={onChanged}
            />
          ) : (
            <Button variant="secondary" onClick={() => setMode({ kind: "disable" })} data-testid="twofa-disable-start">
              {t("security.twofa.turnOff")}
            </Button>
          )}
        </div>
      )}
      <ErrorText testId="security-2fa-error">{error}</ErrorText>
    </Section>
  );
}

/** Turning two-factor off: the password and a code from the app (or a recovery code). */
function DisableForm({ onDone, onCancel, onRefused }: { onDone: () => void; onCancel: () => void; onRefused: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const factor = secondFactor(code);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!password || !factor) return;
    setBusy(true);
    setError(null);
    try {
      await api.post("/auth/2fa/disable", { password, ...factor });
      onDone();
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === "INVALID_CREDENTIALS") setError(t("security.twofa.wrongPassword"));
      else {
        setError(errorText(err));
        // 403: the account requires two-factor now (an admin just set it): the page reads it again.
        if (err instanceof ApiError && err.status === 403) onRefused();
      }
    }
  }

  return (
    <form onSubmit={onSubmit} className="max-w-sm space-y-3 rounded-lg border border-gray-200 p-3" data-testid="twofa-disable-form" noValidate>
      <p className="text-sm text-gray-700">{t("security.twofa.disableIntro")}</p>
      <div>
        <label htmlFor="twofa-disable-password" className="mb-1 block text-sm font-medium text-gray-700">
          {t("auth.password")}
        </label>
        <input
          id="twofa-disable-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="twofa-disable-password"
          className="block w-full rounded-lg border border-gray-300 bg-white px-3 py-2 text-gray-900 shadow-sm outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-100"
        />
      </div>
      <div>
        <label htmlFor="twofa-disable-code" className="mb-1 block text-sm font-medium text-gray-700">
          {t("security.twofa.codeOrRecovery")}
        </label>
        <input
          id="twofa-disable-code"
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid="twofa-disable-code"
          className="block w-48 rounded-lg border border-gray-300 bg-white px-3 py-2 font-mono text-gray-900 shadow-sm outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-100"
        />
      </div>
      <ErrorText testId="twofa-disable-error">{error}</ErrorText>
      <div className="flex flex-wrap gap-2">
        <button
          type="submit"
          disabled={busy || !password || !factor}
          data-testid="twofa-disable-submit"
          className="inline-flex items-center justify-center rounded-lg bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:bg-red-300"
        >
          {busy ? t("security.twofa.checking") : t("security.twofa.turnOff")}
        </button>
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}

/** Where the caller is signed in: one row per session (a refresh token), this device first. */
function SessionsSection() {
  const { t } = useI18n();
  const { api, logout } = useAuth();
  const errorText = useErrorText();
  const date = useDateTime();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(async () => {
    const req = ++request.current;
    try {
      const { data } = await api.get<{ data: SessionInfo[] }>("/auth/sessions");
      if (req !== request.current) return;
      // Read after the answer: the request may have refreshed the tokens (a new session id).
      setCurrentId(sessionIdOf(api.session?.refreshToken));
      setSessions(data);
      setError(null);
    } catch (e) {
      if (req === request.current) setError(errorText(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  async function end(s: SessionInfo) {
    if (s.id === currentId) {
      // This browser: an ordinary sign-out (ending it by id would leave this tab with a dead refresh token).
      await logout();
      return;
    }
    setBusy(s.id);
    setError(null);
    try {
      // The server also ends this browser's access token: the next request refreshes it.
      await api.delete(`/auth/sessions/${encodeURIComponent(s.id)}`);
    } catch (e) {
      // 404: it ended already.
      if (!(e instanceof ApiError && e.status === 404)) setError(errorText(e));
    } finally {
      setBusy(null);
      void load();
    }
  }

  async function endAll() {
    setBusy("all");
    setError(null);
    try {
      await api.post("/auth/sessions/revoke-all");
      // Every session ended on the server, this one too: the login page follows.
      api.forget();
    } catch (e) {
      setError(errorText(e));
      setBusy(null);
    }
  }

  const rows = sessions ? orderSessions(sessions, currentId) : [];
  return (
    <Section
      title={t("security.sessions.title")}
      testId="security-sessions"
      data={{ count: sessions?.length ?? 0, state: sessions ? "ready" : error ? "error" : "loading" }}
      badge={
        <ConfirmButton
          label={t("security.sessions.endAll")}
          confirmLabel={t("security.sessions.endAllConfirm")}
          onConfirm={endAll}
          disabled={busy !== null || !sessions}
          testId="sessions-revoke-all"
        />
      }
    >
      <p className="text-sm text-gray-600">{t("security.sessions.intro")}</p>
      <ErrorText testId="security-sessions-error">{error}</ErrorText>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[36rem] text-sm">
          <thead className="border-b border-gray-200 text-left text-xs uppercase text-gray-500">
            <tr>
              <th className={cell}>{t("security.sessions.device")}</th>
              <th className={cell}>{t("security.sessions.ip")}</th>
              <th className={cell}>{t("security.sessions.lastActive")}</th>
              <th className={cell}>
                <span className="sr-only">{t("security.sessions.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {!sessions && (
              <EmptyRow colSpan={4}>{error ? "—" : t("common.loading")}</EmptyRow>
            )}
            {sessions && rows.length === 0 && <EmptyRow colSpan={4}>{t("security.sessions.none")}</EmptyRow>}
            {rows.map((s) => {
              const client = describeUserAgent(s.user_agent);
              const current = s.id === currentId;
              const device =
                client.browser && client.os
                  ? t("security.sessions.browserOn", { browser: client.browser, os: client.os })
                  : (client.browser ?? client.os ?? t("security.sessions.unknownDevice"));
              return (
                <tr key={s.id} data-testid="session-row" data-session-id={s.id} data-current={current ? "true" : "false"}>
                  <td className={cell}>
                    <span className="flex flex-wrap items-center gap-2">
                      <span className="font-medium text-gray-900" title={s.user_agent ?? undefined} data-testid="session-device">
                        {device}
                      </span>
                      {current && (
                        <Badge tone="brand" testId="session-current">
                          {t("security.sessions.thisDevice")}
                        </Badge>
                      )}
                    </span>
                    <span className="block text-xs text-gray-500">{t("security.sessions.started", { date: date(s.created_at) })}</span>
                  </td>
                  <td className={`${cell} font-mono text-xs text-gray-700`} data-testid="session-ip">
                    {s.ip ?? "—"}
                  </td>
                  <td className={`${cell} text-gray-700`}>{date(s.last_used_at ?? s.created_at)}</td>
                  <td className={`${cell} text-right`}>
                    <button
                      type="button"
                      onClick={() => void end(s)}
                      disabled={busy !== null}
                      data-testid="session-end"
                      className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50 disabled:text-gray-300"
                    >
                      {t(current ? "security.sessions.signOutHere" : "security.sessions.signOut")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

/** Admins: whether everyone in the account must use two-factor. */
function AccountRuleSection({ overview, onChanged }: { overview: SecurityOverview; onChanged: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [required, setRequired] = useState<boolean | null>(null);
  const [asking, setAsking] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<AccountSecurityChanged | null>(null);

  useEffect(() => {
    let live = true;
    api.get<AccountSecurity>("/settings/security").then(
      (s) => {
        if (live) setRequired(s.require_two_factor);
      },
      (e: unknown) => {
        if (live) setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  async function apply(on: boolean) {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const changed = await api.put<AccountSecurityChanged>("/settings/security", { require_two_factor: on });
      setRequired(changed.require_two_factor);
      setResult(changed);
      setAsking(null);
      onChanged();
    } catch (e) {
      setAsking(null);
      // 400: the admin's own two-factor is off (the server's words say so).
      setError(e instanceof ApiError && e.code === "VALIDATION_FAILED" && !overview.two_factor.enabled ? t("security.rule.ownFirst") : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const ownOff = !overview.two_factor.enabled;
  return (
    <Section
      title={t("security.rule.title")}
      testId="security-rule"
      data={{ required: required === null ? "" : required ? "true" : "false" }}
      badge={
        required !== null && (
          <Badge tone={required ? "green" : "gray"} testId="security-rule-status">
            {t(required ? "security.rule.on" : "security.rule.off")}
          </Badge>
        )
      }
    >
      <p className="text-sm text-gray-600">{t("security.rule.intro")}</p>
      {required !== null && (
        <label className={`inline-flex items-center gap-2 text-sm text-gray-800 ${ownOff && !required ? "cursor-not-allowed opacity-60" : "cursor-pointer"}`}>
          <input
            type="checkbox"
            role="switch"
            checked={required}
            disabled={busy || (ownOff && !required)}
            onChange={(e) => setAsking(e.target.checked)}
            className="h-4 w-4 rounded border-gray-300 accent-brand-600"
            data-testid="security-require-2fa"
          />
          <span>{t("security.rule.toggle")}</span>
        </label>
      )}
      {ownOff && !required && (
        <p className="text-sm text-amber-800" data-testid="security-rule-own-first">
          {t("security.rule.ownFirst")}
        </p>
      )}
      {result && (
        <p role="status" className="rounded-lg border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="security-rule-result" data-signed-out={result.signed_out}>
          {result.require_two_factor ? t("security.rule.nowOn", { count: result.signed_out }) : t("security.rule.nowOff")}
        </p>
      )}
      <ErrorText testId="security-rule-error">{error}</ErrorText>
      {asking !== null && (
        <Modal title={t(asking ? "security.rule.confirmOnTitle" : "security.rule.confirmOffTitle")} onClose={() => !busy && setAsking(null)} testId="security-rule-confirm">
          <div className="space-y-4">
            <p className="text-sm text-gray-700">{t(asking ? "security.rule.confirmOn" : "security.rule.confirmOff")}</p>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={() => setAsking(null)} disabled={busy}>
                {t("common.cancel")}
              </Button>
              <Button onClick={() => void apply(asking)} disabled={busy} data-testid="security-rule-confirm-yes">
                {t(asking ? "security.rule.confirmOnYes" : "security.rule.confirmOffYes")}
              </Button>
            </div>
          </div>
        </Modal>
      )}
    </Section>
  );
}
