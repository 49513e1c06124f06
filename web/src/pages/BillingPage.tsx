import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { PriceText } from "../components/plan/PlanBits";
import { Badge, Button, ConfirmButton, EmptyRow, Labeled, inputClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { useInbox } from "../inbox/InboxProvider";
import { ApiError } from "../lib/api";
import {
  canCancel,
  CYCLES,
  detailsBody,
  formFromDetails,
  GST_STATES,
  gstOn,
  isAwaitingPayment,
  isLive,
  isOwing,
  planAction,
  pdfName,
  priceFor,
  subscriptionStatusText,
  subscriptionTone,
  taxOf,
  withGst,
  type BillingDetails,
  type BillingState,
  type Cycle,
  type DetailsField,
  type DetailsForm,
  type InvoiceView,
  type SubscriptionView,
} from "../lib/billing";
import { formatMoney } from "../lib/campaigns";
import { byPosition, statusTone, type PlanView } from "../lib/plans";
import { useAccountPlan } from "../plan/AccountPlanProvider";
import { saveBlob } from "../lib/download";
import { useFormError, type FieldFixes } from "../lib/useFormError";

/** How often the page asks again while Razorpay has not confirmed a payment. */
const POLL_MS = 2_000;
/** After the subscription changes, invoices and the account may follow a moment later (more webhooks): keep asking this long. */
const SETTLE_MS = 12_000;

const cell = "px-3 py-2";
const numCell = `${cell} text-right tabular-nums`;

/** What changes the page cares about: another subscription, status, paid cycle or account state. */
function signature(s: BillingState): string {
  return [s.razorpay_subscription_id ?? "", s.status, s.paid_count, s.account_status].join("|");
}

function useMoney() {
  const { lang } = useI18n();
  return (amount_minor: number, currency = "INR") => formatMoney({ amount_minor, currency }, lang.locale);
}

function useDate() {
  const { lang } = useI18n();
  return (iso: string | null | undefined) => {
    if (!iso) return "—";
    const t = Date.parse(iso);
    return Number.isNaN(t) ? iso : new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" }).format(t);
  };
}

/**
 * Settings → Billing (account admins): the Razorpay subscription, the plans
 * to subscribe to (Razorpay's page opens to authorise the mandate; the plan
 * applies once the first charge is confirmed, so the page asks again every
 * 2 s meanwhile), the details GST invoices carry, and the invoices.
 */
export function BillingPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const { account, reload: reloadAccount } = useAccountPlan();
  const { onAccountStatus } = useInbox();
  const [sub, setSub] = useState<BillingState | null>(null);
  const [invoices, setInvoices] = useState<InvoiceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [settling, setSettling] = useState(false);
  const lastSig = useRef<string | null>(null);
  const settleTimer = useRef<number | null>(null);
  const request = useRef(0);

  const settle = useCallback(() => {
    setSettling(true);
    if (settleTimer.current !== null) window.clearTimeout(settleTimer.current);
    settleTimer.current = window.setTimeout(() => {
      settleTimer.current = null;
      setSettling(false);
    }, SETTLE_MS);
  }, []);

  useEffect(
    () => () => {
      if (settleTimer.current !== null) window.clearTimeout(settleTimer.current);
    },
    [],
  );

  /** Reads the subscription and the invoices; `quiet` keeps what is shown while it asks (polling). */
  const load = useCallback(
    async (quiet = false) => {
      const req = ++request.current;
      if (!quiet) setLoading(true);
      try {
        const [s, inv] = await Promise.all([api.get<BillingState>("/billing/subscription"), api.get<{ data: InvoiceView[] }>("/billing/invoices")]);
        if (req !== request.current) return;
        setSub(s);
        setInvoices(inv.data);
        setError(null);
        const sig = signature(s);
        if (lastSig.current !== null && lastSig.current !== sig) {
          // Paid, failed or cancelled: the plan and the account's state follow, and the invoice a moment later.
          settle();
          reloadAccount();
        }
        lastSig.current = sig;
      } catch (e) {
        if (req === request.current) setError(errorText(e));
      } finally {
        if (req === request.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, settle, reloadAccount],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // Waiting for Razorpay: ask again every 2 s (and for a while after each change) while the tab is seen.
  const polling = sub !== null && (isAwaitingPayment(sub.status) || settling);
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState !== "hidden") void load(true);
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling, load]);

  // Back from Razorpay's tab: ask at once.
  useEffect(() => {
    const again = () => {
      if (document.visibilityState === "visible") void load(true);
    };
    window.addEventListener("focus", again);
    document.addEventListener("visibilitychange", again);
    return () => {
      window.removeEventListener("focus", again);
      document.removeEventListener("visibilitychange", again);
    };
  }, [load]);

  // Billing moved the account (a payment went through or failed).
  useEffect(
    () =>
      onAccountStatus(() => {
        settle();
        void load(true);
      }),
    [onAccountStatus, load, settle],
  );

  const subscribed = (v: SubscriptionView) => {
    setSub((prev) => ({ account_status: account?.status ?? "active", billing_configured: true, ...prev, ...v }));
    lastSig.current = null;
    settle();
  };

  const state = error && !sub ? "error" : sub && invoices ? "ready" : "loading";
  const plans = byPosition(account?.plans ?? []);
  const planName = (code: string | undefined) => {
    if (!code) return "—";
    return plans.find((p) => p.code === code)?.name ?? (account?.plan.code === code ? account.plan.name : code);
  };

  return (
    <div
      className="space-y-6"
      data-testid="billing-page"
      data-state={state}
      data-status={sub?.status ?? ""}
      data-account-status={sub?.account_status ?? ""}
      data-polling={polling ? "true" : "false"}
    >
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.billing")}</h2>
          <p className="text-sm text-gray-600">{t("billing.intro")}</p>
        </div>
        <Button variant="secondary" onClick={() => void load()} disabled={loading} data-testid="billing-refresh">
          {t("billing.refresh")}
        </Button>
      </div>
      <ErrorText testId="billing-error">{error}</ErrorText>
      {!sub && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {sub && !sub.billing_configured && (
        <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="billing-not-configured">
          {t("billing.notConfigured")}
        </p>
      )}
      {sub && (
        <>
          <SubscriptionCard sub={sub} planName={planName(sub.plan_code)} polling={polling} onChanged={() => void load(true)} />
          <ChoosePlan sub={sub} plans={plans} onSubscribed={subscribed} onRefused={() => void load(true)} />
        </>
      )}
      <DetailsSection />
      {invoices && <Invoices invoices={invoices} />}
    </div>
  );
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase text-gray-500">{label}</dt>
      <dd className="mt-0.5 text-sm text-gray-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

function SubscriptionCard({ sub, planName, polling, onChanged }: { sub: BillingState; planName: string; polling: boolean; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const date = useDate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const none = sub.status === "none" || !sub.razorpay_subscription_id;
  const num = new Intl.NumberFormat(lang.locale);

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      await api.post("/billing/cancel");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      onChanged();
    }
  }

  const accountStatus = sub.account_status;
  return (
    <section
      className={`space-y-4 rounded-xl border bg-white p-4 ${sub.status === "halted" ? "border-red-300" : sub.status === "pending" ? "border-amber-300" : "border-gray-200"}`}
      data-testid="billing-subscription"
      data-status={sub.status}
      data-plan={sub.plan_code ?? ""}
      data-cycle={sub.cycle ?? ""}
      data-paid-count={sub.paid_count}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h3 className="text-base font-semibold">{t("billing.subscription")}</h3>
        <span className="flex flex-wrap items-center gap-2 text-xs text-gray-600">
          {t("billing.account")}
          <Badge tone={statusTone(accountStatus)} testId="billing-account-status">
            {t(`plan.status.${accountStatus}` as "plan.status.active")}
          </Badge>
        </span>
      </div>
      {none ? (
        <p className="text-sm text-gray-600" data-testid="billing-none">
          {t("billing.none")}
        </p>
      ) : (
        <>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Fact label={t("billing.plan")} testId="billing-plan-name">
              <span className="font-semibold">{planName}</span>{" "}
              <span className="text-gray-600">· {t(sub.cycle === "annual" ? "billing.cycle.annual" : "billing.cycle.monthly")}</span>
            </Fact>
            <Fact label={t("billing.amount")} testId="billing-amount">
              <span className="font-semibold tabular-nums" data-amount-minor={sub.amount_minor ?? ""}>
                {sub.amount_minor !== undefined ? money(sub.amount_minor) : "—"}
              </span>{" "}
              <span className="text-xs text-gray-500">({t("billing.amountHint")})</span>
            </Fact>
            <Fact label={t("billing.status")}>
              <Badge tone={subscriptionTone(sub.status)} testId="billing-status">
                {subscriptionStatusText(sub.status, t)}
              </Badge>
            </Fact>
            <Fact label={t("billing.paidCycles")} testId="billing-paid-count">
              {num.format(sub.paid_count)}
            </Fact>
            {sub.current_end && (
              <Fact label={t("billing.periodEnd")} testId="billing-period-end">
                {date(sub.current_end)}
              </Fact>
            )}
            {sub.charge_at && isLive(sub.status) && (
              <Fact label={t("billing.nextCharge")} testId="billing-next-charge">
                {date(sub.charge_at)}
              </Fact>
            )}
          </dl>
          {sub.status === "created" && sub.short_url && (
            <div className="space-y-2 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="billing-authorise">
              <p>{t("billing.authoriseHint")}</p>
              <a href={sub.short_url} target="_blank" rel="noopener noreferrer" className="inline-block rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700" data-testid="billing-authorise-link">
                {t("billing.authorise")} ↗
              </a>
            </div>
          )}
          {isOwing(sub.status) && (
            <p
              role="alert"
              className={`rounded-lg border px-3 py-2 text-sm ${sub.status === "halted" ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"}`}
              data-testid="billing-owing"
            >
              {t(sub.status === "halted" ? "billing.haltedHint" : "billing.pendingHint")}{" "}
              {sub.short_url && (
                <a href={sub.short_url} target="_blank" rel="noopener noreferrer" className="whitespace-nowrap font-medium underline" data-testid="billing-update-payment">
                  {t("billing.updatePayment")} ↗
                </a>
              )}
            </p>
          )}
          {sub.status === "cancelled" && (
            <p className="text-sm text-gray-600" data-testid="billing-cancelled">
              {t("billing.cancelledNote")}
            </p>
          )}
          {polling && isAwaitingPayment(sub.status) && (
            <p role="status" className="flex items-center gap-2 text-sm text-gray-600" data-testid="billing-checking">
              <span aria-hidden="true" className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-brand-500 border-t-transparent" />
              {t("billing.checking")}
            </p>
          )}
          {canCancel(sub.status) && (
            <div className="flex justify-end border-t border-gray-100 pt-3">
              <ConfirmButton label={t("billing.cancel")} confirmLabel={t("billing.cancelConfirm")} onConfirm={cancel} disabled={busy} testId="billing-cancel" />
            </div>
          )}
        </>
      )}
      <ErrorText testId="billing-cancel-error">{error}</ErrorText>
    </section>
  );
}

function ChoosePlan({
  sub,
  plans,
  onSubscribed,
  onRefused,
}: {
  sub: BillingState;
  plans: PlanView[];
  onSubscribed: (v: SubscriptionView) => void;
  onRefused: () => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const [cycle, setCycle] = useState<Cycle>(sub.cycle === "annual" ? "annual" : "monthly");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [checkout, setCheckout] = useState<string | null>(null);

  async function subscribe(plan: PlanView) {
    setBusy(plan.code);
    setError(null);
    setCheckout(null);
    try {
      const v = await api.post<SubscriptionView>("/billing/subscribe", { plan: plan.code, cycle });
      onSubscribed(v);
      if (v.short_url) {
        setCheckout(v.short_url);
        // Razorpay's hosted page, where the admin authorises the mandate (no access to this tab).
        window.open(v.short_url, "_blank", "noopener,noreferrer");
      }
    } catch (e) {
      setError(errorText(e));
      // 409: a live subscription the page did not know about.
      if (e instanceof ApiError && e.code === "SUBSCRIPTION_EXISTS") onRefused();
    } finally {
      setBusy(null);
    }
  }

  const live = isLive(sub.status);
  return (
    <section className="space-y-3" data-testid="billing-plans" data-cycle={cycle}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h3 className="text-base font-semibold">{t("billing.choose")}</h3>
          <p className="text-sm text-gray-600">{t("billing.chooseHint")}</p>
        </div>
        <div role="group" aria-label={t("billing.cycle")} className="inline-flex rounded-lg border border-gray-300 bg-white p-0.5">
          {CYCLES.map((c) => (
            <button
              key={c}
              type="button"
              aria-pressed={cycle === c}
              onClick={() => setCycle(c)}
              data-testid={`billing-cycle-${c}`}
              className={`rounded-md px-3 py-1 text-sm font-medium ${cycle === c ? "bg-brand-600 text-white" : "text-gray-700 hover:bg-gray-100"}`}
            >
              {t(`billing.cycle.${c}`)}
            </button>
          ))}
        </div>
      </div>
      {live && (
        <p className="text-sm text-gray-600" data-testid="billing-locked-hint">
          {t("billing.lockedHint")}
        </p>
      )}
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {plans.map((plan) => {
          const action = planAction(plan, cycle, sub);
          const price = priceFor(plan, cycle);
          const current = action.kind === "current";
          return (
            <div
              key={plan.code}
              className={`flex flex-col rounded-xl border bg-white p-4 ${current ? "border-brand-500 ring-2 ring-brand-100" : "border-gray-200"}`}
              data-testid="billing-plan"
              data-plan={plan.code}
              data-action={action.kind}
            >
              <div className="flex items-start justify-between gap-2">
                <h4 className="font-semibold">{plan.name}</h4>
                {current && <Badge tone="brand">{t("billing.currentPlan")}</Badge>}
              </div>
              {price === null || action.kind === "contact" ? (
                <>
                  <p className="mt-2 text-lg font-semibold" data-testid="billing-plan-price">
                    {price === null ? t("plan.customPrice") : <PriceText minor={price} currency={plan.currency} per={cycle === "annual" ? "year" : "month"} />}
                  </p>
                  <p className="mt-1 flex-1 text-xs text-gray-500">{t("billing.contactSalesHint")}</p>
                </>
              ) : (
                <>
                  <p className="mt-2 text-lg font-semibold tabular-nums" data-testid="billing-plan-price">
                    <PriceText minor={price} currency={plan.currency} per={cycle === "annual" ? "year" : "month"} />
                  </p>
                  <p className="text-xs text-gray-500 tabular-nums" data-testid="billing-plan-gst">
                    {t("billing.plusGst", { gst: money(gstOn(price), plan.currency) })}
                  </p>
                  <p className="mt-1 flex-1 text-sm text-gray-700 tabular-nums" data-testid="billing-plan-total" data-total-minor={withGst(price)}>
                    {t(cycle === "annual" ? "billing.totalAnnual" : "billing.totalMonthly", { total: money(withGst(price), plan.currency) })}
                  </p>
                </>
              )}
              <div className="mt-3">
                {action.kind === "contact" ? (
                  <Button variant="secondary" disabled className="w-full" data-testid="billing-subscribe">
                    {t("billing.contactSales")}
                  </Button>
                ) : current ? (
                  <Button variant="secondary" disabled className="w-full" data-testid="billing-subscribe">
                    {t("billing.currentPlan")}
                  </Button>
                ) : (
                  <Button
                    className="w-full"
                    disabled={action.kind !== "subscribe" || busy !== null}
                    onClick={() => void subscribe(plan)}
                    data-testid="billing-subscribe"
                  >
                    {busy === plan.code ? t("billing.subscribing") : t("billing.subscribe")}
                  </Button>
                )}
              </div>
            </div>
          );
        })}
      </div>
      <ErrorText testId="billing-subscribe-error">{error}</ErrorText>
      {checkout && sub.status === "created" && sub.short_url === checkout && (
        <p role="status" className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="billing-checkout">
          {t("billing.checkoutOpened")}{" "}
          <a href={checkout} target="_blank" rel="noopener noreferrer" className="break-all font-medium underline" data-testid="billing-checkout-link">
            {checkout}
          </a>
        </p>
      )}
    </section>
  );
}

/** The billing details fields the server names in its refusals. */
const DETAILS_FIELDS = ["legal_name", "gstin", "state_code", "email", "address"] as const;
/** What each field accepts, in the reader's language (instead of the server's English). */
const DETAILS_FIXES: FieldFixes = {
  legal_name: "billing.fix.legal_name",
  gstin: "billing.fix.gstin",
  state_code: "billing.required.state_code",
  email: "billing.fix.email",
  address: "billing.fix.address",
};

function DetailsSection() {
  const { t } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const [form, setForm] = useState<DetailsForm | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const refusal = useFormError(DETAILS_FIELDS, undefined, DETAILS_FIXES);
  // A required field left empty (checked here, before sending).
  const [missing, setMissing] = useState<DetailsField | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .get<BillingDetails | null>("/billing/details")
      .then((d) => live && setForm(formFromDetails(d, user?.email ?? "")))
      .catch((e: unknown) => live && setLoadError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  const set = (field: DetailsField, value: string) => {
    setForm((f) => (f ? { ...f, [field]: value } : f));
    setSaved(false);
    if (missing === field) setMissing(null);
  };

  // The empty required field takes the focus (a server refusal's field is focused by useFormError).
  useEffect(() => {
    if (missing) refusal.formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [missing, refusal.formRef]);

  /** What is wrong with a field: left empty, else the server's refusal of it. */
  const fieldError = (field: DetailsField): string | null =>
    missing === field ? t(field === "legal_name" ? "billing.required.legal_name" : "billing.required.state_code") : refusal.field(field);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    refusal.clear();
    setSaved(false);
    const out = detailsBody(form);
    if ("field" in out) {
      setMissing(out.field);
      return;
    }
    setSaving(true);
    setMissing(null);
    try {
      const d = await api.put<BillingDetails>("/billing/details", out.body);
      setForm(formFromDetails(d));
      setSaved(true);
    } catch (err) {
      refusal.fail(err);
    } finally {
      setSaving(false);
    }
  }

  const bad = (field: DetailsField) => ({ className: fieldError(field) ? `${inputClass} border-red-400` : inputClass });

  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="billing-details" data-state={form ? "ready" : loadError ? "error" : "loading"}>
      <div>
        <h3 className="text-base font-semibold">{t("billing.details")}</h3>
        <p className="text-sm text-gray-600">{t("billing.detailsHint")}</p>
      </div>
      <ErrorText testId="billing-details-load-error">{loadError}</ErrorText>
      {form && (
        <form ref={refusal.formRef} className="grid gap-3 md:grid-cols-2" onSubmit={(e) => void save(e)} noValidate>
          <Labeled label={t("billing.legalName")} error={fieldError("legal_name")}>
            {(id, described) => <input id={id} {...described} {...bad("legal_name")} value={form.legal_name} onChange={(e) => set("legal_name", e.target.value)} maxLength={200} autoComplete="organization" data-testid="billing-legal-name" />}
          </Labeled>
          <Labeled label={t("billing.gstin")} hint={t("billing.gstinHint")} error={fieldError("gstin")}>
            {(id, described) => (
              <input
                id={id}
                {...described}
                {...bad("gstin")}
                value={form.gstin}
                onChange={(e) => set("gstin", e.target.value.toUpperCase())}
                maxLength={15}
                spellCheck={false}
                autoCapitalize="characters"
                data-testid="billing-gstin"
              />
            )}
          </Labeled>
          <Labeled label={t("billing.state")} error={fieldError("state_code")}>
            {(id, described) => (
              <select id={id} {...described} {...bad("state_code")} value={form.state_code} onChange={(e) => set("state_code", e.target.value)} data-testid="billing-state">
                <option value="">{t("billing.statePick")}</option>
                {GST_STATES.map((s) => (
                  <option key={s.code} value={s.code}>
                    {s.code} · {s.name}
                  </option>
                ))}
              </select>
            )}
          </Labeled>
          <Labeled label={t("billing.email")} error={fieldError("email")}>
            {(id, described) => <input id={id} type="email" {...described} {...bad("email")} value={form.email} onChange={(e) => set("email", e.target.value)} autoComplete="email" data-testid="billing-email" />}
          </Labeled>
          <Labeled label={t("billing.address")} className="md:col-span-2" error={fieldError("address")}>
            {(id, described) => (
              <textarea
                id={id}
                rows={2}
                {...described}
                {...bad("address")}
                value={form.address}
                onChange={(e) => set("address", e.target.value)}
                maxLength={500}
                autoComplete="street-address"
                data-testid="billing-address"
              />
            )}
          </Labeled>
          <div className="flex flex-wrap items-center gap-3 md:col-span-2">
            <Button type="submit" disabled={saving} data-testid="billing-details-save">
              {saving ? t("billing.saving") : t("billing.save")}
            </Button>
            {saved && (
              <span role="status" className="text-sm text-green-700" data-testid="billing-details-saved">
                {t("billing.saved")}
              </span>
            )}
          </div>
          <div className="md:col-span-2">
            <ErrorText testId="billing-details-error">{refusal.form}</ErrorText>
          </div>
        </form>
      )}
    </section>
  );
}

function Invoices({ invoices }: { invoices: InvoiceView[] }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const date = useDate();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function view(inv: InvoiceView) {
    setBusy(`${inv.id}:html`);
    setError(null);
    try {
      // The page needs the bearer token: fetched here, shown from a blob in a new tab.
      const blob = await api.download(`/billing/invoices/${encodeURIComponent(inv.id)}/html`);
      const url = URL.createObjectURL(new Blob([blob], { type: "text/html" }));
      const w = window.open(url, "_blank");
      if (w) w.opener = null;
      else setError(t("billing.popupBlocked"));
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  }

  async function pdf(inv: InvoiceView) {
    setBusy(`${inv.id}:pdf`);
    setError(null);
    try {
      const file = await api.downloadFile(`/billing/invoices/${encodeURIComponent(inv.id)}/pdf`);
      saveBlob(file.blob, file.filename ?? pdfName(inv));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="space-y-2">
      <h3 className="text-base font-semibold">{t("billing.invoices")}</h3>
      <ErrorText testId="billing-invoice-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="billing-invoices" data-count={invoices.length}>
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className={`${cell} font-medium`}>{t("billing.col.number")}</th>
              <th className={`${cell} font-medium`}>{t("billing.col.date")}</th>
              <th className={`${cell} font-medium`}>{t("billing.col.kind")}</th>
              <th className={`${numCell} font-medium`}>{t("billing.col.taxable")}</th>
              <th className={`${numCell} font-medium`}>{t("billing.col.tax")}</th>
              <th className={`${numCell} font-medium`}>{t("billing.col.total")}</th>
              <th className={`${cell} font-medium`}>
                <span className="sr-only">{t("billing.col.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((inv) => {
              const tax = taxOf(inv);
              return (
                <tr key={inv.id} className="border-t border-gray-100" data-testid="billing-invoice-row" data-number={inv.number} data-kind={inv.kind}>
                  <td className={`${cell} whitespace-nowrap font-mono text-xs`} data-testid="billing-invoice-number">
                    {inv.number}
                  </td>
                  <td className={`${cell} whitespace-nowrap`} data-testid="billing-invoice-date">
                    <time dateTime={inv.issued_at}>{date(inv.issued_at)}</time>
                  </td>
                  <td className={cell} data-testid="billing-invoice-kind">
                    <Badge tone={inv.kind === "credit_note" ? "amber" : "gray"}>{t(inv.kind === "credit_note" ? "billing.kind.credit_note" : "billing.kind.invoice")}</Badge>
                  </td>
                  <td className={numCell} data-testid="billing-invoice-taxable">
                    {money(inv.taxable_minor, inv.currency)}
                  </td>
                  <td className={`${numCell} whitespace-nowrap`} data-testid="billing-invoice-tax" data-tax-kind={tax.kind}>
                    {tax.kind === "igst" ? (
                      t("billing.tax.igst", { amount: money(tax.igst, inv.currency) })
                    ) : (
                      <>
                        <span className="block">{t("billing.tax.cgst", { amount: money(tax.cgst, inv.currency) })}</span>
                        <span className="block">{t("billing.tax.sgst", { amount: money(tax.sgst, inv.currency) })}</span>
                      </>
                    )}
                  </td>
                  <td className={`${numCell} font-medium`} data-testid="billing-invoice-total" data-total-minor={inv.total_minor}>
                    {money(inv.total_minor, inv.currency)}
                  </td>
                  <td className={`${cell} whitespace-nowrap text-right`}>
                    <button
                      type="button"
                      className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-400"
                      onClick={() => void view(inv)}
                      disabled={busy !== null}
                      data-testid="billing-invoice-view"
                    >
                      {t("billing.view")}
                    </button>
                    <button
                      type="button"
                      className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-400"
                      onClick={() => void pdf(inv)}
                      disabled={busy !== null}
                      data-testid="billing-invoice-pdf"
                    >
                      {t("billing.pdf")}
                    </button>
                  </td>
                </tr>
              );
            })}
            {invoices.length === 0 && <EmptyRow colSpan={7}>{t("billing.invoicesNone")}</EmptyRow>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
