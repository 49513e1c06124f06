import { useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, Checkbox, SelectInput, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { PlatformSettings } from "../lib/apiTypes";
import { byPosition, type PlanView } from "../lib/plans";

interface Form {
  signupsOpen: boolean;
  /** "" for the installation's default (WHATSFLOW_DEFAULT_PLAN). */
  defaultPlan: string;
  supportEmail: string;
}

const formOf = (s: PlatformSettings): Form => ({ signupsOpen: s.signups_open, defaultPlan: s.default_plan ?? "", supportEmail: s.support_email ?? "" });

/**
 * The platform's settings (super-admins): whether anyone may register a
 * business, the plan new accounts start on, and the support address people
 * are pointed to (suspension, closed sign-ups).
 */
export function AdminSettingsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [settings, setSettings] = useState<PlatformSettings | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [plans, setPlans] = useState<PlanView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });

  useEffect(() => {
    let live = true;
    api
      .get<PlatformSettings>("/admin/settings")
      .then((s) => {
        if (!live) return;
        setSettings(s);
        setForm(formOf(s));
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    api
      .get<{ data: PlanView[] }>("/admin/plans")
      .then((r) => live && setPlans(byPosition(r.data)))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => (f ? { ...f, [key]: value } : f));
  const changed =
    !!form && !!settings && (form.signupsOpen !== settings.signups_open || form.defaultPlan !== (settings.default_plan ?? "") || form.supportEmail.trim() !== (settings.support_email ?? ""));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const next = await api.put<PlatformSettings>("/admin/settings", {
        signups_open: form.signupsOpen,
        default_plan: form.defaultPlan || null,
        support_email: form.supportEmail.trim() || null,
      });
      setSettings(next);
      setForm(formOf(next));
      setNotice(t("admin.settings.saved"));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const planOptions = [
    { value: "", label: t("admin.settings.defaultPlanInstall") },
    ...plans.map((p) => ({ value: p.code, label: p.active ? p.name : `${p.name} (${t("admin.hidden")})` })),
    // A plan the list does not have (yet): keep it choosable rather than silently changing it.
    ...(form?.defaultPlan && !plans.some((p) => p.code === form.defaultPlan) ? [{ value: form.defaultPlan, label: form.defaultPlan }] : []),
  ];

  return (
    <div className="max-w-2xl space-y-4" data-testid="admin-settings" data-state={settings ? "ready" : error ? "error" : "loading"} data-signups-open={settings ? String(settings.signups_open) : undefined}>
      <p className="text-sm text-gray-600">{t("admin.settings.intro")}</p>
      {notice && (
        <p role="status" data-testid="admin-settings-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-settings-error">{error}</ErrorText>
      {!form && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {form && settings && (
        <form onSubmit={(e) => void submit(e)} className="space-y-4 rounded-xl border border-gray-200 bg-white p-4" noValidate>
          <div className="space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <Checkbox
                label={t("admin.settings.signupsOpen")}
                checked={form.signupsOpen}
                onChange={(e) => set("signupsOpen", e.target.checked)}
                data-testid="admin-settings-signups"
              />
              <Badge tone={settings.signups_open ? "green" : "red"} testId="admin-settings-signups-state">
                {settings.signups_open ? t("admin.settings.open") : t("admin.settings.closed")}
              </Badge>
            </div>
            <p className="text-xs text-gray-500">{t("admin.settings.signupsHint")}</p>
          </div>
          <SelectInput
            label={t("admin.settings.defaultPlan")}
            hint={t("admin.settings.defaultPlanHint")}
            value={form.defaultPlan}
            options={planOptions}
            onChange={(e) => set("defaultPlan", e.target.value)}
            data-testid="admin-settings-plan"
          />
          <TextInput
            label={t("admin.settings.supportEmail")}
            hint={t("admin.settings.supportEmailHint")}
            type="email"
            value={form.supportEmail}
            placeholder="support@example.com"
            onChange={(e) => set("supportEmail", e.target.value)}
            data-testid="admin-settings-email"
            autoComplete="off"
          />
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-xs text-gray-500" data-testid="admin-settings-updated">
              {t("admin.settings.updated", { date: date.format(Date.parse(settings.updated_at)) })}
            </p>
            <div className="flex gap-2">
              <Button variant="ghost" disabled={!changed || busy} onClick={() => setForm(formOf(settings))}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" disabled={!changed || busy} data-testid="admin-settings-save">
                {busy ? t("common.saving") : t("common.save")}
              </Button>
            </div>
          </div>
        </form>
      )}
    </div>
  );
}
