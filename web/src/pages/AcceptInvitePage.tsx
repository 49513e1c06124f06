import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeError } from "../lib/errors";
import { formatDay } from "../lib/format";
import { inviteToken } from "../lib/invitations";
import { MIN_PASSWORD } from "../lib/security";
import type { InvitationInfo } from "../lib/types";
import { AuthLayout } from "./AuthLayout";

/**
 * The mailed invitation link (`/accept-invite?token=…`): says whom it is for
 * and which account, the person chooses their password (twice), and the
 * sign-in page opens with their email filled in. The token leaves the
 * address bar at once.
 */
export function AcceptInvitePage() {
  const { api } = useAuth();
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const [token] = useState(() => inviteToken(search));
  const [info, setInfo] = useState<InvitationInfo | null>(null);
  const [state, setState] = useState<"loading" | "form" | "invalid">(token ? "loading" : "invalid");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (search.has("token")) setSearch({}, { replace: true });
  }, [search, setSearch]);

  useEffect(() => {
    if (!token) return;
    let live = true;
    api
      .publicGet<InvitationInfo>(`/auth/invitations/${encodeURIComponent(token)}`)
      .then((i) => {
        if (!live) return;
        setInfo(i);
        setState("form");
      })
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && (e.code === "INVALID_TOKEN" || e.status === 404)) setState("invalid");
        else {
          // Not sure (offline, a hiccup): let them try; accepting says if the link is bad.
          setError(describeError(e, t));
          setState("form");
        }
      });
    return () => {
      live = false;
    };
  }, [api, token, t]);

  const tooShort = password.length > 0 && password.length < MIN_PASSWORD;
  const mismatch = confirm.length > 0 && confirm !== password;
  const ready = password.length >= MIN_PASSWORD && confirm === password;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.publicPost<{ email: string }>("/auth/invitations/accept", { token, password });
      navigate("/login", { replace: true, state: { email: answer?.email ?? info?.email ?? "", joined: true } });
    } catch (err) {
      if (err instanceof ApiError && err.code === "INVALID_TOKEN") setState("invalid");
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

  if (state === "invalid") {
    return (
      <AuthLayout title={t("invite.invalidTitle")} footer={footer}>
        <p className="text-sm text-gray-700" data-testid="invite-invalid">
          {t("invite.invalid")}
        </p>
      </AuthLayout>
    );
  }

  if (state === "loading") {
    return (
      <AuthLayout title={t("invite.title")} footer={footer}>
        <p className="text-sm text-gray-500">{t("common.loading")}</p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("invite.title")} footer={footer}>
      <form onSubmit={onSubmit} className="space-y-4" data-testid="invite-form" noValidate>
        {info && (
          <div className="space-y-1 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="invite-for">
            <p>{t("invite.welcome", { name: info.name, account: info.tenant_name })}</p>
            <p className="text-xs">
              {t("invite.signInAs", { email: info.email })} · {t("invite.until", { date: formatDay(info.expires_at, lang.locale) })}
            </p>
          </div>
        )}
        <Field
          label={t("invite.password")}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={t("auth.register.passwordHint")}
          error={tooShort ? t("auth.reset.tooShort") : null}
          data-testid="invite-password"
        />
        <Field
          label={t("auth.reset.confirm")}
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={mismatch ? t("auth.reset.mismatch") : null}
          data-testid="invite-confirm"
        />
        <ErrorText testId="invite-error">{error}</ErrorText>
        <Button type="submit" className="w-full" disabled={busy || !ready} data-testid="invite-submit">
          {busy ? t("auth.reset.saving") : t("invite.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
