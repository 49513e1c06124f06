import { useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { PriceText } from "../components/plan/PlanBits";
import { Badge, Button, Checkbox, EmptyRow, Modal, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/translate";
import { ApiError } from "../lib/api";
import {
  bodyFromForm,
  byPosition,
  FEATURES,
  fieldOfMessage,
  formFromPlan,
  LIMIT_KEYS,
  limitText,
  type PlanField,
  type PlanForm,
  type PlanView,
} from "../lib/plans";

function badFieldKey(field: PlanField): MessageKey {
  if (field === "monthly" || field === "annual") return "admin.plans.bad.price";
  if (field.startsWith("limits.")) return "admin.plans.bad.limit";
  if (field === "code" || field === "name" || field === "position") return `admin.plans.bad.${field}`;
  return "error.generic";
}

/** Create (plan null) or edit a plan: prices typed in rupees go out in paise, blank limits as unlimited. */
function PlanEditor({ plan, onSaved, onCancel }: { plan: PlanView | null; onSaved: (p: PlanView) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const creating = plan === null;
  const [form, setForm] = useState<PlanForm>(() => formFromPlan(plan));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [badField, setBadField] = useState<PlanField | null>(null);
  const currency = form.currency.trim().toUpperCase() || "INR";

  const set = <K extends keyof PlanForm>(key: K, value: PlanForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  /** The wrapper's class and the input's aria-invalid for a field the last check or the server named. */
  const mark = (field: PlanField) => ({
    className: badField === field ? "[&_input]:border-red-500 [&_input]:ring-2 [&_input]:ring-red-100" : "",
    "aria-invalid": badField === field ? true : undefined,
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBadField(null);
    const checked = bodyFromForm(form, creating);
    if ("field" in checked) {
      setBadField(checked.field);
      setError(t(badFieldKey(checked.field)));
      return;
    }
    setBusy(true);
    try {
      const saved = creating
        ? await api.post<PlanView>("/admin/plans", checked.body)
        : await api.patch<PlanView>(`/admin/plans/${encodeURIComponent(plan.code)}`, checked.body);
      onSaved(saved);
    } catch (err) {
      setError(errorText(err));
      if (err instanceof ApiError) setBadField(err.code === "PLAN_EXISTS" ? "code" : fieldOfMessage(err.message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" data-testid="plan-form" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">
        {creating && (
          <TextInput
            label={t("admin.plans.code")}
            value={form.code}
            onChange={(e) => set("code", e.target.value)}
            hint={t("admin.plans.codeHint")}
            autoComplete="off"
            data-testid="plan-form-code"
            {...mark("code")}
          />
        )}
        <TextInput label={t("admin.plans.name")} value={form.name} onChange={(e) => set("name", e.target.value)} autoComplete="off" data-testid="plan-form-name" {...mark("name")} />
        <TextInput
          label={t("admin.plans.currency")}
          value={form.currency}
          maxLength={3}
          onChange={(e) => set("currency", e.target.value.toUpperCase())}
          autoComplete="off"
          data-testid="plan-form-currency"
          {...mark("currency")}
        />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextInput
          label={t("admin.plans.monthly", { currency })}
          value={form.monthly}
          inputMode="decimal"
          onChange={(e) => set("monthly", e.target.value)}
          hint={t("admin.plans.priceHint")}
          autoComplete="off"
          data-testid="plan-form-monthly"
          {...mark("monthly")}
        />
        <TextInput
          label={t("admin.plans.annual", { currency })}
          value={form.annual}
          inputMode="decimal"
          onChange={(e) => set("annual", e.target.value)}
          hint={t("admin.plans.priceHint")}
          autoComplete="off"
          data-testid="plan-form-annual"
          {...mark("annual")}
        />
      </div>
      <fieldset>
        <legend className="mb-1 text-sm font-medium text-gray-800">{t("admin.plans.limits")}</legend>
        <p className="mb-2 text-xs text-gray-500">{t("admin.plans.limitHint")}</p>
        <div className="grid gap-3 sm:grid-cols-4">
          {LIMIT_KEYS.map((k) => (
            <TextInput
              key={k}
              label={t(`plan.limit.${k}`)}
              value={form.limits[k]}
              inputMode="numeric"
              placeholder={t("plan.unlimited")}
              onChange={(e) => set("limits", { ...form.limits, [k]: e.target.value })}
              autoComplete="off"
              data-testid={`plan-form-limit-${k}`}
              {...mark(`limits.${k}`)}
            />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-gray-800">{t("admin.plans.features")}</legend>
        <div className="flex flex-wrap gap-4">
          {FEATURES.map((f) => (
            <Checkbox
              key={f}
              label={t(`plan.feature.${f}`)}
              checked={form.features.includes(f)}
              onChange={(e) => set("features", e.target.checked ? [...form.features, f] : form.features.filter((x) => x !== f))}
              data-testid={`plan-form-feature-${f}`}
            />
          ))}
        </div>
      </fieldset>
      <div className="grid items-end gap-3 sm:grid-cols-2">
        <TextInput
          label={t("admin.plans.position")}
          value={form.position}
          inputMode="numeric"
          onChange={(e) => set("position", e.target.value)}
          hint={t("admin.plans.positionHint")}
          autoComplete="off"
          data-testid="plan-form-position"
          {...mark("position")}
        />
        <Checkbox label={t("admin.plans.active")} checked={form.active} onChange={(e) => set("active", e.target.checked)} data-testid="plan-form-active" className="pb-6" />
      </div>
      <ErrorText testId="plan-form-error">{error}</ErrorText>
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" disabled={busy} data-testid="plan-form-submit">
          {busy ? t("common.saving") : creating ? t("admin.plans.create") : t("common.save")}
        </Button>
      </div>
    </form>
  );
}

export function AdminPlansPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [plans, setPlans] = useState<PlanView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<PlanView | "new" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api
      .get<{ data: PlanView[] }>("/admin/plans")
      .then((r) => live && setPlans(byPosition(r.data)))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  return (
    <div className="space-y-4" data-testid="admin-plans">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <p className="max-w-2xl text-sm text-gray-600">{t("admin.plans.intro")}</p>
        <Button onClick={() => setEditing("new")} data-testid="plan-new">
          + {t("admin.plans.new")}
        </Button>
      </div>
      {notice && (
        <p role="status" data-testid="admin-plans-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-plans-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="admin-plans-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("admin.plans.col.plan")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.plans.col.monthly")}</th>
              <th className="hidden px-3 py-2 font-medium md:table-cell">{t("admin.plans.col.annual")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.plans.col.limits")}</th>
              <th className="hidden px-3 py-2 font-medium md:table-cell">{t("admin.plans.col.features")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.plans.col.offered")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {plans?.map((p) => (
              <tr key={p.code} className="border-t border-gray-100 align-top" data-testid="plan-row" data-plan={p.code}>
                <td className="px-3 py-2">
                  <div className="font-medium">{p.name}</div>
                  <div className="font-mono text-xs text-gray-500">{p.code}</div>
                </td>
                <td className="px-3 py-2 tabular-nums" data-testid="plan-row-monthly">
                  <PriceText minor={p.price_monthly_minor} currency={p.currency} per="month" />
                </td>
                <td className="hidden px-3 py-2 tabular-nums md:table-cell" data-testid="plan-row-annual">
                  <PriceText minor={p.price_annual_minor} currency={p.currency} per="year" />
                </td>
                <td className="px-3 py-2" data-testid="plan-row-limits">
                  <ul className="space-y-0.5 text-xs text-gray-700">
                    {LIMIT_KEYS.map((k) => (
                      <li key={k}>{limitText(p, k, t, lang.locale)}</li>
                    ))}
                  </ul>
                </td>
                <td className="hidden px-3 py-2 md:table-cell" data-testid="plan-row-features">
                  <div className="flex flex-wrap gap-1">
                    {p.features.length === 0 && <span className="text-xs text-gray-400">{t("admin.plans.noFeatures")}</span>}
                    {FEATURES.filter((f) => p.features.includes(f)).map((f) => (
                      <Badge key={f} tone="blue">
                        {t(`plan.feature.${f}`)}
                      </Badge>
                    ))}
                  </div>
                </td>
                <td className="px-3 py-2">
                  <Badge tone={p.active ? "green" : "gray"} testId="plan-row-offered">
                    {p.active ? t("admin.plans.offered") : t("admin.plans.hidden")}
                  </Badge>
                </td>
                <td className="px-3 py-2 text-right">
                  <button type="button" className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100" onClick={() => setEditing(p)} data-testid="plan-edit">
                    {t("common.edit")}
                  </button>
                </td>
              </tr>
            ))}
            {plans && plans.length === 0 && <EmptyRow colSpan={7}>{t("admin.plans.empty")}</EmptyRow>}
          </tbody>
        </table>
        {plans === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
      {editing && (
        <Modal title={editing === "new" ? t("admin.plans.new") : t("admin.plans.edit", { name: editing.name })} onClose={() => setEditing(null)} wide testId="plan-dialog">
          <PlanEditor
            plan={editing === "new" ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setPlans((list) => byPosition([...(list ?? []).filter((x) => x.code !== saved.code), saved]));
              setNotice(t("admin.plans.saved", { name: saved.name }));
              setEditing(null);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
