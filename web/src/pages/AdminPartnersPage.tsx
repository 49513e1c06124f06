import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { LedgerView } from "../components/partners/LedgerView";
import { PartnerStatusBadge, useDay, useModelName, useMoney, useTermsText } from "../components/partners/PartnerBits";
import { Button, ConfirmButton, EmptyRow, Modal, SelectInput, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import {
  bpsToPercent,
  isValidSlug,
  PARTNER_MODELS,
  slugFromName,
  SLUG_MAX,
  termsBody,
  type AdminPartnerView,
  type PartnerLedger,
  type PartnerModel,
  type TermsForm,
  type TermsProblem,
} from "../lib/partners";
import { minorToInput } from "../lib/plans";
import { useFormError, type FieldFixes } from "../lib/useFormError";

/** The model picker with the share and fee its model needs. */
function TermsFields({ form, onChange, problem, field }: { form: TermsForm; onChange: (f: TermsForm) => void; problem: TermsProblem | null; field: (name: string) => string | null }) {
  const { t } = useI18n();
  const modelName = useModelName();
  return (
    <>
      <SelectInput
        label={t("admin.partners.model")}
        value={form.model}
        onChange={(e) => onChange({ ...form, model: e.target.value as PartnerModel })}
        options={PARTNER_MODELS.map((m) => ({ value: m, label: modelName(m) }))}
        hint={t(`admin.partners.modelHint.${form.model}`)}
        error={field("model")}
        data-testid="partner-form-model"
      />
      {form.model !== "markup" && (
        <TextInput
          label={t("admin.partners.share")}
          hint={t("admin.partners.shareHint")}
          inputMode="decimal"
          value={form.share}
          onChange={(e) => onChange({ ...form, share: e.target.value })}
          error={problem === "share" ? t("admin.partners.shareProblem") : field("revenue_share_bps")}
          data-testid="partner-form-share"
        />
      )}
      {form.model === "hybrid" && (
        <TextInput
          label={t("admin.partners.fee")}
          hint={t("admin.partners.feeHint")}
          inputMode="decimal"
          value={form.fee}
          onChange={(e) => onChange({ ...form, fee: e.target.value })}
          error={problem === "fee" ? t("admin.partners.feeProblem") : field("platform_fee_minor")}
          data-testid="partner-form-fee"
        />
      )}
    </>
  );
}

const CREATE_FIELDS = ["name", "slug", "model", "revenue_share_bps", "platform_fee_minor", "admin_name", "admin_email", "admin_password"] as const;
const CREATE_FIXES: FieldFixes = {
  name: "partner.apply.fix.name",
  slug: "partner.apply.fix.slug",
  admin_name: "partner.clients.fix.adminName",
  admin_email: "partner.clients.fix.adminEmail",
  admin_password: "partner.clients.fix.adminPassword",
  revenue_share_bps: "admin.partners.shareProblem",
  platform_fee_minor: "admin.partners.feeProblem",
};

/** A new partner, approved at once, with its first admin. */
function NewPartnerDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (p: AdminPartnerView) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const problem = useFormError(CREATE_FIELDS, undefined, CREATE_FIXES);
  const [form, setForm] = useState({ name: "", slug: "", admin_name: "", admin_email: "", admin_password: "" });
  const [slugTyped, setSlugTyped] = useState(false);
  const [terms, setTerms] = useState<TermsForm>({ model: "revenue_share", share: "60", fee: "" });
  const [termsProblem, setTermsProblem] = useState<TermsProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const slug = slugTyped ? form.slug : slugFromName(form.name);
  const complete = form.name.trim() && isValidSlug(slug) && form.admin_email.trim() && form.admin_password.length >= 8;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!complete || busy) return;
    const parsed = termsBody(terms);
    if ("problem" in parsed) {
      setTermsProblem(parsed.problem);
      return;
    }
    setTermsProblem(null);
    setBusy(true);
    problem.clear();
    try {
      const created = await api.post<AdminPartnerView>("/admin/partners", {
        name: form.name.trim(),
        slug,
        ...parsed.body,
        admin_name: form.admin_name.trim() || undefined,
        admin_email: form.admin_email.trim(),
        admin_password: form.admin_password,
      });
      onCreated({ ...created, admin_email: created.admin_email ?? form.admin_email.trim() });
    } catch (err) {
      problem.fail(err);
      setBusy(false);
    }
  }

  return (
    <Modal title={t("admin.partners.newTitle")} onClose={onClose} testId="partner-dialog">
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <TextInput label={t("partner.apply.name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={problem.field("name")} data-testid="partner-form-name" />
        <TextInput
          label={t("partner.apply.slug")}
          hint={t("partner.apply.slugHint")}
          value={slug}
          maxLength={SLUG_MAX}
          spellCheck={false}
          onChange={(e) => {
            setSlugTyped(true);
            setForm({ ...form, slug: e.target.value.toLowerCase() });
          }}
          error={slug && !isValidSlug(slug) ? t("partner.apply.fix.slug") : problem.field("slug")}
          data-testid="partner-form-slug"
        />
        <TermsFields form={terms} onChange={setTerms} problem={termsProblem} field={problem.field} />
        <TextInput label={t("partner.apply.adminName")} value={form.admin_name} onChange={(e) => setForm({ ...form, admin_name: e.target.value })} error={problem.field("admin_name")} data-testid="partner-form-admin-name" />
        <TextInput
          label={t("partner.clients.adminEmail")}
          type="email"
          autoComplete="off"
          value={form.admin_email}
          onChange={(e) => setForm({ ...form, admin_email: e.target.value })}
          error={problem.field("admin_email")}
          data-testid="partner-form-admin-email"
        />
        <TextInput
          label={t("partner.clients.adminPassword")}
          type="password"
          autoComplete="new-password"
          hint={t("auth.register.passwordHint")}
          value={form.admin_password}
          onChange={(e) => setForm({ ...form, admin_password: e.target.value })}
          error={problem.field("admin_password")}
          data-testid="partner-form-admin-password"
        />
        <ErrorText testId="partner-form-error">{problem.form}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={!complete || busy} data-testid="partner-form-submit">
            {busy ? t("admin.partners.creating") : t("admin.partners.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

const TERMS_FIELDS = ["model", "revenue_share_bps", "platform_fee_minor"] as const;

/** Changes a partner's revenue model, share and fee. */
function TermsDialog({ partner, onClose, onSaved }: { partner: AdminPartnerView; onClose: () => void; onSaved: (p: AdminPartnerView) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const problem = useFormError(TERMS_FIELDS, undefined, CREATE_FIXES);
  const [terms, setTerms] = useState<TermsForm>({
    model: (PARTNER_MODELS as readonly string[]).includes(partner.model) ? (partner.model as PartnerModel) : "revenue_share",
    share: bpsToPercent(partner.revenue_share_bps),
    fee: minorToInput(partner.platform_fee_minor),
  });
  const [termsProblem, setTermsProblem] = useState<TermsProblem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const parsed = termsBody(terms);
    if ("problem" in parsed) {
      setTermsProblem(parsed.problem);
      return;
    }
    setTermsProblem(null);
    setBusy(true);
    problem.clear();
    try {
      const next = await api.patch<AdminPartnerView>(`/admin/partners/${encodeURIComponent(partner.id)}`, parsed.body);
      onSaved({ ...partner, ...next });
    } catch (err) {
      problem.fail(err);
      setBusy(false);
    }
  }

  return (
    <Modal title={t("admin.partners.termsTitle", { name: partner.name })} onClose={onClose} testId="partner-terms-dialog">
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <TermsFields form={terms} onChange={setTerms} problem={termsProblem} field={problem.field} />
        <ErrorText testId="partner-terms-error">{problem.form}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy} data-testid="partner-terms-save">
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** A partner's statements, as the partner sees them. */
function LedgerDialog({ partner, onClose }: { partner: AdminPartnerView; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const load = useCallback((month: string | null) => api.get<PartnerLedger>(`/admin/partners/${encodeURIComponent(partner.id)}/ledger`, { month }), [api, partner.id]);
  return (
    <Modal title={t("admin.partners.ledgerTitle", { name: partner.name })} onClose={onClose} wide testId="partner-ledger-dialog">
      <LedgerView load={load} testId="admin-ledger" operator />
    </Modal>
  );
}

/**
 * Console → Partners (super-admins): every white-label partner, those
 * waiting for approval first; approve or suspend, set the revenue model and
 * rates, see a partner's statements, or add a partner directly.
 */
export function AdminPartnersPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const day = useDay();
  const modelName = useModelName();
  const termsText = useTermsText("operator");
  const number = new Intl.NumberFormat(lang.locale);
  const [partners, setPartners] = useState<AdminPartnerView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<AdminPartnerView | null>(null);
  const [ledgerOf, setLedgerOf] = useState<AdminPartnerView | null>(null);

  const load = useCallback(() => {
    api
      .get<{ data: AdminPartnerView[] }>("/admin/partners")
      .then((r) => {
        setPartners(r.data);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(load, [load]);

  const replace = (next: AdminPartnerView) => setPartners((rows) => rows?.map((r) => (r.id === next.id ? { ...r, ...next } : r)) ?? rows);

  async function setStatus(p: AdminPartnerView, status: "approved" | "suspended") {
    setBusyId(p.id);
    setError(null);
    setNotice(null);
    try {
      const next = await api.patch<AdminPartnerView>(`/admin/partners/${encodeURIComponent(p.id)}`, { status });
      replace(next);
      setNotice(t(status === "approved" ? "admin.partners.approved" : "admin.partners.suspended", { name: p.name }));
    } catch (e) {
      setError(`${p.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <div className="space-y-4" data-testid="admin-partners">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-gray-600">{t("admin.partners.intro")}</p>
        <Button
          onClick={() => {
            setNotice(null);
            setCreating(true);
          }}
          data-testid="partner-create"
        >
          {t("admin.partners.new")}
        </Button>
      </div>
      {notice && (
        <p role="status" data-testid="admin-partners-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-partners-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="partner-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("admin.partners.col.partner")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.partners.col.status")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.partners.col.terms")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.partners.col.clients")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.partners.col.balance")}</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">{t("admin.col.adminEmail")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {partners?.map((p) => (
              <tr key={p.id} className="border-t border-gray-100 align-top" data-testid="partner-row" data-partner-id={p.id} data-slug={p.slug} data-status={p.status} data-model={p.model}>
                <td className="px-3 py-2">
                  <div className="font-medium" data-testid="partner-row-name">
                    {p.name}
                  </div>
                  <div className="font-mono text-xs text-gray-500">{p.host ?? p.slug}</div>
                  <div className="text-xs text-gray-500">{t("admin.since", { date: day(p.created_at) })}</div>
                  <div className="text-xs text-gray-500 lg:hidden">{p.admin_email}</div>
                </td>
                <td className="px-3 py-2">
                  <PartnerStatusBadge status={p.status} testId="partner-row-status" />
                </td>
                <td className="px-3 py-2" data-testid="partner-row-terms">
                  <div className="font-medium">{modelName(p.model)}</div>
                  <div className="max-w-64 text-xs text-gray-600">{termsText(p)}</div>
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{number.format(p.clients)}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="partner-row-balance">
                  {money(p.balance_minor)}
                </td>
                <td className="hidden px-3 py-2 text-gray-700 lg:table-cell">{p.admin_email ?? "—"}</td>
                <td className="px-3 py-2 text-right">
                  <div className="flex flex-wrap justify-end gap-x-0.5 whitespace-nowrap">
                    {p.status !== "approved" && (
                      <button
                        type="button"
                        disabled={busyId === p.id}
                        onClick={() => void setStatus(p, "approved")}
                        className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                        data-testid="partner-approve"
                      >
                        {p.status === "pending" ? t("admin.partners.approve") : t("admin.partners.reinstate")}
                      </button>
                    )}
                    <button
                      type="button"
                      disabled={busyId === p.id}
                      onClick={() => setEditing(p)}
                      className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                      data-testid="partner-terms"
                    >
                      {t("admin.partners.editTerms")}
                    </button>
                    <button
                      type="button"
                      onClick={() => setLedgerOf(p)}
                      className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50"
                      data-testid="partner-ledger"
                    >
                      {t("admin.partners.statements")}
                    </button>
                    {p.status === "approved" && (
                      <ConfirmButton
                        label={t("admin.suspend")}
                        confirmLabel={t("admin.confirmSuspend")}
                        disabled={busyId === p.id}
                        onConfirm={() => setStatus(p, "suspended")}
                        testId="partner-suspend"
                      />
                    )}
                  </div>
                </td>
              </tr>
            ))}
            {partners && partners.length === 0 && <EmptyRow colSpan={7}>{t("admin.partners.empty")}</EmptyRow>}
          </tbody>
        </table>
        {partners === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>

      {creating && (
        <NewPartnerDialog
          onClose={() => setCreating(false)}
          onCreated={(p) => {
            setCreating(false);
            setPartners((rows) => [p, ...(rows ?? []).filter((r) => r.id !== p.id)]);
            setNotice(t("admin.partners.created", { name: p.name }));
          }}
        />
      )}
      {editing && (
        <TermsDialog
          partner={editing}
          onClose={() => setEditing(null)}
          onSaved={(next) => {
            setEditing(null);
            replace(next);
            setNotice(t("admin.partners.termsSaved", { name: next.name }));
          }}
        />
      )}
      {ledgerOf && <LedgerDialog partner={ledgerOf} onClose={() => setLedgerOf(null)} />}
    </div>
  );
}
