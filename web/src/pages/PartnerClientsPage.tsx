import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { useDay, useMoney } from "../components/partners/PartnerBits";
import { Badge, Button, EmptyRow, Modal, TextArea, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { hostUrl, type ClientView } from "../lib/partners";
import { statusTone, TENANT_STATUSES, type TenantStatus } from "../lib/plans";
import { useFormError, type FieldFixes } from "../lib/useFormError";
import { usePartner } from "../partner/PartnerContext";

const CLIENT_FIELDS = ["name", "admin_name", "admin_email", "admin_password"] as const;
const CLIENT_FIXES: FieldFixes = {
  name: "partner.clients.fix.name",
  admin_name: "partner.clients.fix.adminName",
  admin_email: "partner.clients.fix.adminEmail",
  admin_password: "partner.clients.fix.adminPassword",
};
const PASSWORD_MIN = 8;

/** A new client account of the partner, with its first admin (who signs in on the partner's host). */
function NewClientDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: ClientView) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const problem = useFormError(CLIENT_FIELDS, undefined, CLIENT_FIXES);
  const [form, setForm] = useState({ name: "", admin_name: "", admin_email: "", admin_password: "" });
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const complete = form.name.trim() && form.admin_name.trim() && form.admin_email.trim() && form.admin_password.length >= PASSWORD_MIN;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!complete || busy) return;
    setBusy(true);
    problem.clear();
    try {
      const created = await api.post<ClientView>("/partner/clients", {
        name: form.name.trim(),
        admin_name: form.admin_name.trim(),
        admin_email: form.admin_email.trim(),
        admin_password: form.admin_password,
      });
      onCreated(created);
    } catch (err) {
      problem.fail(err);
      setBusy(false);
    }
  }

  return (
    <Modal title={t("partner.clients.newTitle")} onClose={onClose} testId="client-dialog">
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <p className="text-sm text-gray-700">{t("partner.clients.newBody")}</p>
        <TextInput label={t("partner.clients.name")} value={form.name} onChange={set("name")} autoComplete="organization" error={problem.field("name")} data-testid="client-form-name" />
        <TextInput label={t("partner.clients.adminName")} value={form.admin_name} onChange={set("admin_name")} autoComplete="off" error={problem.field("admin_name")} data-testid="client-form-admin-name" />
        <TextInput
          label={t("partner.clients.adminEmail")}
          type="email"
          value={form.admin_email}
          onChange={set("admin_email")}
          autoComplete="off"
          error={problem.field("admin_email")}
          data-testid="client-form-admin-email"
        />
        <TextInput
          label={t("partner.clients.adminPassword")}
          type="password"
          value={form.admin_password}
          onChange={set("admin_password")}
          autoComplete="new-password"
          hint={t("auth.register.passwordHint")}
          error={problem.field("admin_password")}
          data-testid="client-form-admin-password"
        />
        <ErrorText testId="client-form-error">{problem.form}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={!complete || busy} data-testid="client-form-submit">
            {busy ? t("partner.clients.creating") : t("partner.clients.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

const REASON_MIN = 3;
const REASON_MAX = 500;

/** "Open": why (audited in the client's log), then the app switches to a 30-minute view of the client as its admin. */
function OpenClientDialog({ client, onClose }: { client: ClientView; onClose: () => void }) {
  const { t } = useI18n();
  const { startView } = useAuth();
  const errorText = useErrorText();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const length = reason.trim().length;
  const valid = length >= REASON_MIN && length <= REASON_MAX;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError(null);
    try {
      // The page reloads into the client's inbox.
      await startView(client.id, reason.trim(), "partner");
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("partner.clients.openTitle", { name: client.name })} onClose={onClose} testId="client-open-dialog">
      <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <p className="text-sm text-gray-700">{t("partner.clients.openBody", { name: client.name })}</p>
        <TextArea
          label={t("admin.view.reason")}
          hint={t("admin.view.reasonHint", { min: REASON_MIN, max: REASON_MAX })}
          value={reason}
          maxLength={REASON_MAX}
          onChange={(e) => setReason(e.target.value)}
          data-testid="client-open-reason"
        />
        <ErrorText testId="client-open-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={!valid || busy} data-testid="client-open-confirm">
            {busy ? t("admin.view.starting") : t("partner.clients.openConfirm")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * Partner → Clients: the partner's client accounts with their plan, status,
 * this month's messages, contacts and what they paid; a new client with its
 * first admin; "Open" views a client as its admin (audited, 30 minutes).
 */
export function PartnerClientsPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const { partner, reload: reloadPartner } = usePartner();
  const errorText = useErrorText();
  const money = useMoney();
  const day = useDay();
  const number = new Intl.NumberFormat(lang.locale);
  const [clients, setClients] = useState<ClientView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [opening, setOpening] = useState<ClientView | null>(null);

  const load = useCallback(() => {
    api
      .get<{ data: ClientView[] }>("/partner/clients")
      .then((r) => {
        setClients(r.data);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(load, [load]);

  const signIn = partner.host ? `${hostUrl(partner.host, window.location)}/login` : null;

  return (
    <div className="space-y-4" data-testid="partner-clients">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-gray-600">{t("partner.clients.intro")}</p>
        <Button
          onClick={() => {
            setNotice(null);
            setCreating(true);
          }}
          data-testid="client-create"
        >
          {t("partner.clients.new")}
        </Button>
      </div>
      {notice && (
        <p role="status" data-testid="partner-clients-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="partner-clients-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="client-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("partner.clients.col.client")}</th>
              <th className="hidden px-3 py-2 font-medium sm:table-cell">{t("partner.clients.col.plan")}</th>
              <th className="px-3 py-2 font-medium">{t("partner.clients.col.status")}</th>
              <th className="hidden px-3 py-2 text-right font-medium sm:table-cell">{t("partner.clients.col.messages")}</th>
              <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("partner.clients.col.contacts")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("partner.clients.col.paid")}</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">{t("partner.clients.col.lastPaid")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {clients?.map((c) => (
              <tr key={c.id} className="border-t border-gray-100 align-top" data-testid="client-row" data-client-id={c.id} data-status={c.status}>
                <td className="px-3 py-2">
                  <div className="font-medium" data-testid="client-name">
                    {c.name}
                  </div>
                  <div className="text-xs text-gray-500" data-testid="client-admin-email">
                    {c.admin_email ?? "—"}
                  </div>
                  <div className="text-xs text-gray-500">{t("admin.since", { date: day(c.created_at) })}</div>
                  {/* Phones: the plan under the name (its column is hidden). */}
                  <div className="text-xs text-gray-500 sm:hidden">{c.plan_name || c.plan_code}</div>
                </td>
                <td className="hidden px-3 py-2 sm:table-cell">{c.plan_name || c.plan_code}</td>
                <td className="px-3 py-2">
                  <Badge tone={statusTone(c.status)} testId="client-status">
                    {(TENANT_STATUSES as readonly string[]).includes(c.status)
                      ? t(`plan.status.${c.status as TenantStatus}`)
                      : c.status === "trialing"
                        ? t("partner.clients.trialing")
                        : c.status}
                  </Badge>
                </td>
                <td className="hidden px-3 py-2 text-right tabular-nums sm:table-cell" data-testid="client-messages">
                  {number.format(c.usage.messages_this_month)}
                </td>
                <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{number.format(c.usage.contacts)}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="client-paid">
                  <div>{money(c.billing.paid_minor)}</div>
                  {c.billing.refunded_minor > 0 && <div className="text-xs text-red-700">{t("partner.clients.refunded", { amount: money(c.billing.refunded_minor) })}</div>}
                </td>
                <td className="hidden px-3 py-2 lg:table-cell">{day(c.billing.last_paid_at)}</td>
                <td className="px-3 py-2 text-right">
                  <button
                    type="button"
                    disabled={c.status === "suspended"}
                    title={t("partner.clients.openAction", { name: c.name })}
                    onClick={() => setOpening(c)}
                    className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                    data-testid="client-open"
                  >
                    {t("partner.clients.open")}
                  </button>
                </td>
              </tr>
            ))}
            {clients && clients.length === 0 && <EmptyRow colSpan={8}>{t("partner.clients.empty")}</EmptyRow>}
          </tbody>
        </table>
        {clients === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>

      {creating && (
        <NewClientDialog
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setClients((rows) => [c, ...(rows ?? []).filter((r) => r.id !== c.id)]);
            setNotice(signIn ? t("partner.clients.createdAt", { name: c.name, url: signIn }) : t("partner.clients.created", { name: c.name }));
            void reloadPartner();
          }}
        />
      )}
      {opening && <OpenClientDialog client={opening} onClose={() => setOpening(null)} />}
    </div>
  );
}
