import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorText, Field } from "../components/Field";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { describeCode, retryWaitOf } from "../lib/errors";
import { isValidSlug, slugFromName, SLUG_MAX } from "../lib/partners";
import { useFormError, type FieldFixes } from "../lib/useFormError";
import { useRetryWait } from "../lib/useRetryWait";
import { AuthLayout } from "./AuthLayout";

const FIELDS = ["name", "slug", "admin_name", "admin_email", "admin_password"] as const;
const FIXES: FieldFixes = {
  name: "partner.apply.fix.name",
  slug: "partner.apply.fix.slug",
  admin_name: "partner.clients.fix.adminName",
  admin_email: "partner.clients.fix.adminEmail",
  admin_password: "partner.clients.fix.adminPassword",
};
const PASSWORD_MIN = 8;

/**
 * `/partner/apply` (public, from the sign-in page): a business applies to
 * be a white-label partner with its first admin. The admin is signed in at
 * once and lands in the partner area, which says it awaits approval.
 */
export function PartnerApplyPage() {
  const { t } = useI18n();
  const { api, login } = useAuth();
  const navigate = useNavigate();
  const problem = useFormError(FIELDS, undefined, FIXES);
  const [form, setForm] = useState({ name: "", slug: "", admin_name: "", admin_email: "", admin_password: "" });
  // The slug follows the business name until it is typed in itself.
  const [slugTyped, setSlugTyped] = useState(false);
  const [busy, setBusy] = useState(false);
  const [applied, setApplied] = useState(false);
  const wait = useRetryWait();
  const waitText = wait.code ? describeCode(wait.code, "", t, wait.remaining) : null;

  const slug = slugTyped ? form.slug : slugFromName(form.name);
  const slugBad = slug !== "" && !isValidSlug(slug);
  const complete = form.name.trim() && isValidSlug(slug) && form.admin_name.trim() && form.admin_email.trim() && form.admin_password.length >= PASSWORD_MIN;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!complete || busy || wait.remaining > 0) return;
    setBusy(true);
    problem.clear();
    wait.clear();
    const email = form.admin_email.trim();
    try {
      await api.publicPost("/partners/apply", { name: form.name.trim(), slug, admin_name: form.admin_name.trim(), admin_email: email, admin_password: form.admin_password });
    } catch (err) {
      const seconds = retryWaitOf(err);
      if (seconds !== null && err instanceof ApiError) wait.start(seconds, err.code);
      else problem.fail(err);
      setBusy(false);
      return;
    }
    try {
      const step = await login(email, form.admin_password);
      if (step.kind === "signed_in") {
        navigate("/partner", { replace: true });
        return;
      }
    } catch {
      // Signing in can wait: the application is in.
    }
    setApplied(true);
    setBusy(false);
  }

  const footer = (
    <>
      {t("auth.register.haveAccount")}{" "}
      <Link to="/login" className="font-medium underline">
        {t("auth.register.loginLink")}
      </Link>
    </>
  );

  if (applied) {
    return (
      <AuthLayout title={t("partner.apply.doneTitle")} footer={footer}>
        <p role="status" className="text-sm text-gray-700" data-testid="apply-done">
          {t("partner.apply.done", { email: form.admin_email.trim() })}
        </p>
        <Link to="/login" state={{ email: form.admin_email.trim() }} className="mt-4 block text-center font-medium text-brand-700 underline">
          {t("auth.register.loginLink")}
        </Link>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("partner.apply.title")} footer={footer}>
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-4" data-testid="apply-form" noValidate>
        <p className="text-sm text-gray-700">{t("partner.apply.intro")}</p>
        <Field
          label={t("partner.apply.name")}
          name="name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          autoComplete="organization"
          error={problem.field("name")}
          data-testid="apply-name"
        />
        <Field
          label={t("partner.apply.slug")}
          name="slug"
          value={slug}
          maxLength={SLUG_MAX}
          spellCheck={false}
          autoCapitalize="none"
          onChange={(e) => {
            setSlugTyped(true);
            setForm({ ...form, slug: e.target.value.toLowerCase() });
          }}
          hint={t("partner.apply.slugHint")}
          error={slugBad ? t("partner.apply.fix.slug") : problem.field("slug")}
          data-testid="apply-slug"
        />
        <Field
          label={t("partner.apply.adminName")}
          name="admin_name"
          value={form.admin_name}
          onChange={(e) => setForm({ ...form, admin_name: e.target.value })}
          autoComplete="name"
          error={problem.field("admin_name")}
          data-testid="apply-admin-name"
        />
        <Field
          label={t("auth.email")}
          name="admin_email"
          type="email"
          value={form.admin_email}
          onChange={(e) => setForm({ ...form, admin_email: e.target.value })}
          autoComplete="email"
          error={problem.field("admin_email")}
          data-testid="apply-admin-email"
        />
        <Field
          label={t("auth.password")}
          name="admin_password"
          type="password"
          value={form.admin_password}
          onChange={(e) => setForm({ ...form, admin_password: e.target.value })}
          autoComplete="new-password"
          hint={t("auth.register.passwordHint")}
          error={problem.field("admin_password")}
          data-testid="apply-admin-password"
        />
        <ErrorText testId="apply-error">{problem.form}</ErrorText>
        {waitText && (
          <p role="alert" data-testid="apply-rate-limited" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {waitText}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy || !complete || wait.remaining > 0} data-testid="apply-submit">
          {busy ? t("partner.apply.submitting") : t("partner.apply.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
