import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, EmptyRow, fieldClass, Modal, TextArea, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { byPosition, formatPrice, statusTone, type AdminOverview, type PlanView, type TenantSummary } from "../lib/plans";
import { CREDIT_NOTE_MAX, creditBody, rupees, type CreditProblem } from "../lib/wallet";

/** The search box asks the server this long after the last key. */
const SEARCH_DEBOUNCE_MS = 300;

function Tile({ label, value, testId, children }: { label: string; value?: string; testId: string; children?: ReactNode }) {
  return (
    <div className="rounded-xl border border-gray-200 bg-white p-3" data-testid={testId}>
      <p className="text-xs font-medium uppercase text-gray-500">{label}</p>
      {value !== undefined && (
        <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
          {value}
        </p>
      )}
      {children}
    </div>
  );
}

type Pending = { tenant: TenantSummary; to: "suspended" | "active" };

/** The reason an operator gives for viewing an account (audited): 3 to 500 characters. */
const REASON_MIN = 3;
const REASON_MAX = 500;

/**
 * "View as admin": why (audited in the account's log and the platform's),
 * then the app switches to a 30-minute view of the account as its first
 * admin; the operator's own session waits aside.
 */
function ViewAsDialog({ tenant, onClose }: { tenant: TenantSummary; onClose: () => void }) {
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
      // The page reloads into the account's inbox.
      await startView(tenant.id, reason.trim());
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("admin.view.title", { name: tenant.name })} onClose={onClose} testId="view-as-dialog">
      <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <p className="text-sm text-gray-700">{t("admin.view.body", { name: tenant.name })}</p>
        <ul className="list-disc space-y-1 pl-5 text-sm text-gray-600">
          <li>{t("admin.view.audited")}</li>
          <li>{t("admin.view.limits")}</li>
        </ul>
        <TextArea
          label={t("admin.view.reason")}
          hint={t("admin.view.reasonHint", { min: REASON_MIN, max: REASON_MAX })}
          value={reason}
          maxLength={REASON_MAX}
          onChange={(e) => setReason(e.target.value)}
          data-testid="view-as-reason"
        />
        <ErrorText testId="view-as-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={!valid || busy} data-testid="view-as-confirm">
            {busy ? t("admin.view.starting") : t("admin.view.start")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * "Credit wallet": an operator adds money to an account's prepaid wallet (a
 * bank transfer, a goodwill credit) with a note saying why; the account's
 * ledger shows it as an adjustment with the note.
 */
function CreditWalletDialog({
  tenant,
  walletPlan,
  onClose,
  onCredited,
}: {
  tenant: TenantSummary;
  /** Whether the account's plan pays WhatsApp charges from the wallet. */
  walletPlan: boolean;
  onClose: () => void;
  onCredited: (amountMinor: number, balanceE4: number) => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<CreditProblem | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const parsed = creditBody(amount, note);
    if ("problem" in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ balance_e4: number }>(`/admin/tenants/${encodeURIComponent(tenant.id)}/wallet`, parsed.body);
      onCredited(parsed.body.amount_minor, r.balance_e4);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("admin.credit.title", { name: tenant.name })} onClose={onClose} testId="wallet-credit-dialog">
      <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <p className="text-sm text-gray-700">{t("admin.credit.body")}</p>
        {!walletPlan && (
          <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="wallet-credit-no-wallet">
            {t("admin.credit.noWallet")}
          </p>
        )}
        <TextInput
          label={t("admin.credit.amount")}
          inputMode="decimal"
          autoComplete="off"
          placeholder="1000"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          aria-invalid={problem === "amount" ? true : undefined}
          data-testid="wallet-credit-amount"
        />
        {problem === "amount" && (
          <p role="alert" className="text-sm text-red-700" data-testid="wallet-credit-problem">
            {t("admin.credit.amountProblem")}
          </p>
        )}
        <TextArea
          label={t("admin.credit.note")}
          hint={t("admin.credit.noteHint")}
          value={note}
          maxLength={CREDIT_NOTE_MAX}
          onChange={(e) => setNote(e.target.value)}
          aria-invalid={problem === "note" ? true : undefined}
          data-testid="wallet-credit-note"
        />
        {problem === "note" && (
          <p role="alert" className="text-sm text-red-700" data-testid="wallet-credit-problem">
            {t("admin.credit.noteProblem")}
          </p>
        )}
        <ErrorText testId="wallet-credit-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy} data-testid="wallet-credit-confirm">
            {busy ? t("admin.credit.crediting") : t("admin.credit.confirm")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function AdminCustomersPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [plans, setPlans] = useState<PlanView[]>([]);
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [tenants, setTenants] = useState<TenantSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [viewing, setViewing] = useState<TenantSummary | null>(null);
  const [crediting, setCrediting] = useState<TenantSummary | null>(null);
  const request = useRef(0);
  const num = new Intl.NumberFormat(lang.locale);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });
  const money = (minor: number) => formatPrice(minor, "INR", lang.locale) ?? "";
  const planName = (code: string) => plans.find((p) => p.code === code)?.name ?? code;

  const loadOverview = useCallback(() => {
    api
      .get<AdminOverview>("/admin/overview")
      .then(setOverview)
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    loadOverview();
    api
      .get<{ data: PlanView[] }>("/admin/plans")
      .then((r) => setPlans(byPosition(r.data)))
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, loadOverview]);

  // The search waits for a pause in typing.
  useEffect(() => {
    const timer = window.setTimeout(() => setQuery(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const req = ++request.current;
    api
      .get<{ data: TenantSummary[] }>("/admin/tenants", { search: query })
      .then((r) => {
        if (req !== request.current) return;
        setTenants(r.data);
        setError(null);
      })
      .catch((e: unknown) => {
        if (req === request.current) setError(errorText(e));
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, query]);

  async function change(tenant: TenantSummary, body: { plan: string } | { status: string }, done: (t: TenantSummary) => string) {
    setBusyId(tenant.id);
    setError(null);
    setNotice(null);
    try {
      const next = await api.patch<TenantSummary>(`/admin/tenants/${encodeURIComponent(tenant.id)}`, body);
      setTenants((rows) => rows?.map((r) => (r.id === next.id ? next : r)) ?? rows);
      setNotice(done(next));
      loadOverview();
    } catch (e) {
      setError(`${tenant.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  const byPlan = overview ? Object.entries(overview.tenants_by_plan) : [];
  const position = (code: string) => plans.find((p) => p.code === code)?.position ?? Number.MAX_SAFE_INTEGER;
  byPlan.sort(([a], [b]) => position(a) - position(b) || a.localeCompare(b));

  return (
    <div className="space-y-4" data-testid="admin-customers">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-7" data-testid="admin-overview">
        <Tile label={t("admin.tile.tenants")} value={overview ? num.format(overview.tenants) : "…"} testId="admin-tile-tenants" />
        <Tile label={t("admin.tile.active")} value={overview ? num.format(overview.active_tenants) : "…"} testId="admin-tile-active" />
        <Tile label={t("admin.tile.suspended")} value={overview ? num.format(overview.suspended_tenants) : "…"} testId="admin-tile-suspended" />
        <Tile label={t("admin.tile.signups")} value={overview ? num.format(overview.signups_30d) : "…"} testId="admin-tile-signups" />
        <Tile label={t("admin.tile.mrr")} value={overview ? money(overview.mrr_minor) : "…"} testId="admin-tile-mrr" />
        <Tile label={t("admin.tile.messages")} value={overview ? num.format(overview.messages_30d) : "…"} testId="admin-tile-messages" />
        <Tile label={t("admin.tile.byPlan")} testId="admin-tile-by-plan">
          <ul className="mt-1 space-y-0.5 text-sm">
            {byPlan.map(([code, n]) => (
              <li key={code} className="flex justify-between gap-2" data-plan={code} data-count={n}>
                <span className="truncate">{planName(code)}</span>
                <span className="tabular-nums font-medium">{num.format(n)}</span>
              </li>
            ))}
          </ul>
        </Tile>
      </div>

      <TextInput
        label={t("admin.search")}
        type="search"
        value={search}
        placeholder={t("admin.searchPlaceholder")}
        onChange={(e) => setSearch(e.target.value)}
        className="max-w-md"
        data-testid="admin-tenant-search"
      />
      {notice && (
        <p role="status" data-testid="admin-notice" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          {notice}
        </p>
      )}
      <ErrorText testId="admin-error">{error}</ErrorText>

      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="admin-tenants" data-query={query}>
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("admin.col.customer")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.col.plan")}</th>
              <th className="px-3 py-2 font-medium">{t("admin.col.status")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.users")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.numbers")}</th>
              <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("admin.col.contacts")}</th>
              <th className="hidden px-3 py-2 text-right font-medium md:table-cell">{t("admin.col.messages")}</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">{t("admin.col.adminEmail")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.mrr")}</th>
              <th className="px-3 py-2 text-right font-medium">{t("admin.col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {tenants?.map((c) => {
              const suspended = c.status === "suspended";
              return (
                <tr key={c.id} className="border-t border-gray-100 align-top" data-testid="tenant-row" data-tenant-id={c.id} data-status={c.status} data-plan={c.plan_code}>
                  <td className="px-3 py-2">
                    <div className="font-medium" data-testid="tenant-name">
                      {c.name}
                    </div>
                    <div className="text-xs text-gray-500">{t("admin.since", { date: date.format(new Date(c.created_at)) })}</div>
                    <div className="text-xs text-gray-500 lg:hidden">{c.admin_email}</div>
                  </td>
                  <td className="px-3 py-2">
                    <select
                      className={fieldClass}
                      value={c.plan_code}
                      disabled={busyId === c.id}
                      aria-label={t("admin.planOf", { name: c.name })}
                      data-testid="tenant-plan"
                      onChange={(e) => {
                        const code = e.target.value;
                        void change(c, { plan: code }, (next) => t("admin.planChanged", { name: next.name, plan: planName(next.plan_code) }));
                      }}
                    >
                      {!plans.some((p) => p.code === c.plan_code) && <option value={c.plan_code}>{c.plan_code}</option>}
                      {plans.map((p) => (
                        <option key={p.code} value={p.code}>
                          {p.active ? p.name : `${p.name} (${t("admin.hidden")})`}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={statusTone(c.status)} testId="tenant-status">
                      {t(`plan.status.${c.status}` as "plan.status.active")}
                    </Badge>
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums" data-testid="tenant-users">
                    {num.format(c.users)}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{num.format(c.numbers)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(c.contacts)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums md:table-cell">{num.format(c.messages_30d)}</td>
                  <td className="hidden px-3 py-2 text-gray-700 lg:table-cell" data-testid="tenant-admin-email">
                    {c.admin_email ?? "—"}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums" data-testid="tenant-mrr">
                    {money(c.mrr_minor)}
                  </td>
                  <td className="px-3 py-2 text-right">
                    {/* The actions wrap rather than widen the table. */}
                    <div className="flex flex-wrap justify-end gap-x-0.5 whitespace-nowrap">
                      <button
                        type="button"
                        disabled={busyId === c.id || suspended}
                        title={suspended ? t("admin.view.suspended") : t("admin.view.action", { name: c.name })}
                        onClick={() => setViewing(c)}
                        className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                        data-testid="tenant-view-as"
                      >
                        {t("admin.view.button")}
                      </button>
                      <button
                        type="button"
                        disabled={busyId === c.id}
                        title={t("admin.credit.action", { name: c.name })}
                        onClick={() => {
                          setNotice(null);
                          setCrediting(c);
                        }}
                        className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                        data-testid="tenant-credit-wallet"
                      >
                        {t("admin.credit.button")}
                      </button>
                      {suspended ? (
                        <button
                          type="button"
                          disabled={busyId === c.id}
                          onClick={() => setPending({ tenant: c, to: "active" })}
                          className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                          data-testid="tenant-reactivate"
                        >
                          {t("admin.reactivate")}
                        </button>
                      ) : (
                        <button
                          type="button"
                          disabled={busyId === c.id}
                          onClick={() => setPending({ tenant: c, to: "suspended" })}
                          className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50 disabled:text-gray-300"
                          data-testid="tenant-suspend"
                        >
                          {t("admin.suspend")}
                        </button>
                      )}
                      {c.status !== "active" && !suspended && (
                        <button
                          type="button"
                          disabled={busyId === c.id}
                          onClick={() => setPending({ tenant: c, to: "active" })}
                          className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-300"
                          data-testid="tenant-reactivate"
                        >
                          {t("admin.reactivate")}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
            {tenants && tenants.length === 0 && <EmptyRow colSpan={10}>{t("admin.empty")}</EmptyRow>}
          </tbody>
        </table>
        {tenants === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>

      {viewing && <ViewAsDialog tenant={viewing} onClose={() => setViewing(null)} />}

      {crediting && (
        <CreditWalletDialog
          tenant={crediting}
          walletPlan={!!plans.find((p) => p.code === crediting.plan_code)?.features.includes("wallet")}
          onClose={() => setCrediting(null)}
          onCredited={(minor, balance) => {
            const name = crediting.name;
            setCrediting(null);
            setError(null);
            setNotice(t("admin.credit.done", { name, amount: money(minor), balance: rupees(balance, lang.locale) }));
          }}
        />
      )}

      {pending && (
        <Modal
          title={t(pending.to === "suspended" ? "admin.suspendTitle" : "admin.reactivateTitle", { name: pending.tenant.name })}
          onClose={() => setPending(null)}
          testId="tenant-status-dialog"
        >
          <p className="text-sm text-gray-700">{t(pending.to === "suspended" ? "admin.suspendBody" : "admin.reactivateBody", { name: pending.tenant.name })}</p>
          <div className="mt-4 flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setPending(null)}>
              {t("common.cancel")}
            </Button>
            <button
              type="button"
              className={`inline-flex items-center justify-center rounded-lg px-3 py-2 text-sm font-medium text-white ${
                pending.to === "suspended" ? "bg-red-600 hover:bg-red-700" : "bg-brand-600 hover:bg-brand-700"
              }`}
              data-testid="tenant-status-confirm"
              onClick={() => {
                const { tenant, to } = pending;
                setPending(null);
                void change(tenant, { status: to }, (next) => t(to === "suspended" ? "admin.suspended" : "admin.reactivated", { name: next.name }));
              }}
            >
              {t(pending.to === "suspended" ? "admin.confirmSuspend" : "admin.confirmReactivate")}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
