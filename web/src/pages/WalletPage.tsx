import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Button, EmptyRow, inputClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { isAdmin } from "../lib/nav";
import {
  entryAmount,
  isLow,
  kindText,
  LOW_BALANCE_E4,
  newestId,
  rupees,
  rupeesExact,
  TOPUP_MAX_MINOR,
  TOPUP_MIN_MINOR,
  TOPUP_POLL_MS,
  TOPUP_PRESETS_MINOR,
  TOPUP_WATCH_MS,
  topupAmount,
  topupSince,
  type TopupChoice,
  type WalletEntry,
  type WalletView,
} from "../lib/wallet";
import { formatPrice } from "../lib/plans";
import { useWallet } from "../plan/WalletProvider";

const BILLING_PATH = "/settings/billing";
const cell = "px-3 py-2";
const numCell = `${cell} text-right tabular-nums`;

/** `POST /wallet/topup`'s answer. */
interface TopupLink {
  payment_link_id: string;
  short_url: string;
  amount_minor: number;
}

/** A top-up under way: the payment page opened; the page watches for the money until `until`. */
interface Watch {
  link: TopupLink;
  /** The newest ledger row when it was asked: a topup row above it is the money arriving. */
  since: number;
  until: number;
}

/** An amount in ten-thousandths: rupees with 2 decimals, the exact four in the tooltip. */
function Money({ e4, currency, testId, className = "" }: { e4: number; currency: string; testId?: string; className?: string }) {
  const { t, lang } = useI18n();
  return (
    <span className={className} title={t("usage.costExact", { amount: rupeesExact(e4, lang.locale, currency) })} data-testid={testId} data-e4={e4}>
      {rupees(e4, lang.locale, currency)}
    </span>
  );
}

function Stat({ label, hint, children, strong = false }: { label: string; hint: string; children: ReactNode; strong?: boolean }) {
  return (
    <div className={`rounded-xl border bg-white p-4 ${strong ? "border-brand-500 ring-2 ring-brand-100" : "border-gray-200"}`}>
      <p className="text-xs font-medium uppercase text-gray-500">{label}</p>
      <p className={`mt-1 text-3xl font-semibold tabular-nums ${strong ? "text-brand-700" : "text-gray-900"}`}>{children}</p>
      <p className="mt-1 text-xs text-gray-500">{hint}</p>
    </div>
  );
}

/**
 * Settings → Wallet: plans with the `wallet` feature pay WhatsApp's charges
 * from a prepaid balance. Everyone in the account sees the balance, what is
 * held for sends in flight, what is free, and the ledger; admins top it up
 * through a Razorpay payment link (a new tab), after which the page asks
 * again every 2 s for 30 s (and whenever the tab comes back into view) until
 * Razorpay's confirmation has credited the money.
 */
export function WalletPage() {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const { set: share } = useWallet();
  const admin = isAdmin(user?.role);
  const [view, setView] = useState<WalletView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [watch, setWatch] = useState<Watch | null>(null);
  const [watching, setWatching] = useState(false);
  const [arrived, setArrived] = useState<WalletEntry | null>(null);
  const request = useRef(0);
  const watchRef = useRef<Watch | null>(null);
  watchRef.current = watch;

  /** Reads the wallet; `quiet` keeps what is shown while it asks (polling). */
  const load = useCallback(
    async (quiet = false) => {
      const req = ++request.current;
      if (!quiet) setLoading(true);
      try {
        const v = await api.get<WalletView>("/wallet");
        if (req !== request.current) return;
        setView(v);
        share(v);
        setError(null);
        const w = watchRef.current;
        const credited = w ? topupSince(v, w.since) : null;
        if (credited) {
          setArrived(credited);
          setWatching(false);
        }
      } catch (e) {
        if (req === request.current) setError(errorText(e));
      } finally {
        if (req === request.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, share],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // The payment page is open: ask every 2 s for a while.
  useEffect(() => {
    if (!watching || !watch) return;
    const timer = window.setInterval(() => {
      if (Date.now() > watch.until) {
        setWatching(false);
        return;
      }
      if (document.visibilityState !== "hidden") void load(true);
    }, TOPUP_POLL_MS);
    return () => window.clearInterval(timer);
  }, [watching, watch, load]);

  // Back from Razorpay's tab (or any other): ask at once.
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

  const started = (link: TopupLink) => {
    const w = { link, since: newestId(view), until: Date.now() + TOPUP_WATCH_MS };
    watchRef.current = w;
    setWatch(w);
    setArrived(null);
    setWatching(true);
  };

  const state = error && !view ? "error" : view ? "ready" : "loading";
  const currency = view?.currency ?? "INR";
  return (
    <div
      className="space-y-6"
      data-testid="wallet-page"
      data-state={state}
      data-enabled={view ? String(view.enabled) : ""}
      data-balance-e4={view?.balance_e4 ?? ""}
      data-available-e4={view?.available_e4 ?? ""}
      data-polling={watching ? "true" : "false"}
    >
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.wallet")}</h2>
          <p className="text-sm text-gray-600">{t("wallet.intro")}</p>
        </div>
        <Button variant="secondary" onClick={() => void load()} disabled={loading} data-testid="wallet-refresh">
          {t("billing.refresh")}
        </Button>
      </div>
      <ErrorText testId="wallet-error">{error}</ErrorText>
      {!view && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      {view && !view.enabled && (
        <section className="space-y-2 rounded-xl border border-gray-200 bg-white p-4 text-sm text-gray-700" data-testid="wallet-disabled">
          <h3 className="text-base font-semibold text-gray-900">{t("wallet.disabledTitle")}</h3>
          <p>{t("wallet.disabled")}</p>
          {view.balance_e4 !== 0 && (
            <p data-testid="wallet-disabled-balance">
              {t("wallet.disabledBalance", { amount: rupees(view.balance_e4, lang.locale, currency) })}
            </p>
          )}
          <p>
            <Link to="/settings/plan" className="font-medium text-brand-700 underline" data-testid="wallet-plan-link">
              {t("plan.seePlans")}
            </Link>
          </p>
        </section>
      )}
      {view?.enabled && (
        <>
          <div className="grid gap-3 sm:grid-cols-3" data-testid="wallet-figures">
            <Stat label={t("wallet.balance")} hint={t("wallet.balanceHint")}>
              <Money e4={view.balance_e4} currency={currency} testId="wallet-balance" />
            </Stat>
            <Stat label={t("wallet.reserved")} hint={t("wallet.reservedHint")}>
              <Money e4={view.reserved_e4} currency={currency} testId="wallet-reserved" />
            </Stat>
            <Stat label={t("wallet.available")} hint={t("wallet.availableHint")} strong>
              <Money e4={view.available_e4} currency={currency} testId="wallet-available" />
            </Stat>
          </div>
          {isLow(view) && <LowWarning view={view} admin={admin} />}
          {admin ? (
            <TopUp watch={watch} watching={watching} arrived={arrived} onStarted={started} />
          ) : (
            <p className="text-sm text-gray-600" data-testid="wallet-agent-hint">
              {t("wallet.agentHint")}
            </p>
          )}
        </>
      )}
      {view && (view.enabled || view.ledger.length > 0) && <Ledger view={view} />}
    </div>
  );
}

function LowWarning({ view, admin }: { view: WalletView; admin: boolean }) {
  const { t, lang } = useI18n();
  const empty = view.available_e4 <= 0;
  return (
    <p
      role="status"
      className={`rounded-lg border px-3 py-2 text-sm ${empty ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"}`}
      data-testid="wallet-low"
      data-empty={empty ? "true" : "false"}
    >
      {t(empty ? "wallet.empty" : "wallet.low", {
        amount: rupees(view.available_e4, lang.locale, view.currency),
        threshold: rupees(LOW_BALANCE_E4, lang.locale, view.currency),
      })}{" "}
      {t(admin ? "wallet.lowAdmin" : "wallet.lowAgent")}
    </p>
  );
}

function TopUp({
  watch,
  watching,
  arrived,
  onStarted,
}: {
  watch: Watch | null;
  watching: boolean;
  arrived: WalletEntry | null;
  onStarted: (link: TopupLink) => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  // "₹500", "₹2,500.50": whole rupees without decimals.
  const money = (minor: number) => formatPrice(minor, "INR", lang.locale) ?? "";
  const [choice, setChoice] = useState<TopupChoice>({ kind: "preset", minor: TOPUP_PRESETS_MINOR[0] });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const amount = topupAmount(choice);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if ("problem" in amount) {
      setProblem(t(`wallet.amount.${amount.problem}`, { min: money(TOPUP_MIN_MINOR), max: money(TOPUP_MAX_MINOR) }));
      return;
    }
    setBusy(true);
    setError(null);
    setProblem(null);
    try {
      const link = await api.post<TopupLink>("/wallet/topup", { amount_minor: amount.minor });
      onStarted(link);
      // Razorpay's hosted page, where the admin pays (no access to this tab); the link stays on the page too.
      window.open(link.short_url, "_blank", "noopener,noreferrer");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const custom = choice.kind === "custom";
  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="wallet-topup">
      <div>
        <h3 className="text-base font-semibold">{t("wallet.topup")}</h3>
        <p className="text-sm text-gray-600">{t("wallet.topupHint", { min: money(TOPUP_MIN_MINOR), max: money(TOPUP_MAX_MINOR) })}</p>
      </div>
      <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <div role="group" aria-label={t("wallet.amount")} className="flex flex-wrap items-center gap-2">
          {TOPUP_PRESETS_MINOR.map((minor) => {
            const on = choice.kind === "preset" && choice.minor === minor;
            return (
              <button
                key={minor}
                type="button"
                aria-pressed={on}
                onClick={() => {
                  setChoice({ kind: "preset", minor });
                  setProblem(null);
                }}
                data-testid={`wallet-preset-${minor}`}
                className={`rounded-lg border px-4 py-2 text-sm font-semibold tabular-nums ${
                  on ? "border-brand-600 bg-brand-600 text-white" : "border-gray-300 bg-white text-gray-800 hover:bg-gray-50"
                }`}
              >
                {money(minor)}
              </button>
            );
          })}
          <label className={`flex items-center gap-2 rounded-lg border px-2 py-1 text-sm ${custom ? "border-brand-600 ring-2 ring-brand-100" : "border-gray-300"}`}>
            <span className="whitespace-nowrap text-gray-700">{t("wallet.custom")}</span>
            <span className="text-gray-500" aria-hidden="true">
              ₹
            </span>
            <input
              inputMode="decimal"
              autoComplete="off"
              className={`${inputClass} w-28 border-0 shadow-none focus:ring-0`}
              placeholder="2,500"
              value={custom ? choice.text : ""}
              onFocus={() => {
                if (!custom) setChoice({ kind: "custom", text: "" });
              }}
              onChange={(e) => {
                setChoice({ kind: "custom", text: e.target.value });
                setProblem(null);
              }}
              aria-invalid={problem ? true : undefined}
              data-testid="wallet-custom"
            />
          </label>
        </div>
        {problem && (
          <p role="alert" className="text-sm text-red-700" data-testid="wallet-amount-problem">
            {problem}
          </p>
        )}
        <ErrorText testId="wallet-topup-error">{error}</ErrorText>
        <Button type="submit" disabled={busy} data-testid="wallet-topup-submit" data-amount-minor={"minor" in amount ? amount.minor : ""}>
          {busy ? t("wallet.opening") : "minor" in amount ? t("wallet.topupAmount", { amount: money(amount.minor) }) : t("wallet.topup")}
        </Button>
      </form>
      {watch && (
        <div className="space-y-2 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="wallet-topup-opened" data-link-id={watch.link.payment_link_id}>
          <p>
            {t("wallet.opened", { amount: money(watch.link.amount_minor) })}{" "}
            <a href={watch.link.short_url} target="_blank" rel="noopener noreferrer" className="font-medium underline" data-testid="wallet-pay-link">
              {t("wallet.payLink")} ↗
            </a>
          </p>
          {watching && (
            <p role="status" className="flex items-center gap-2 text-gray-700" data-testid="wallet-checking">
              <span aria-hidden="true" className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-brand-500 border-t-transparent" />
              {t("wallet.checking")}
            </p>
          )}
          {!watching && !arrived && <p className="text-gray-700">{t("wallet.notYet")}</p>}
        </div>
      )}
      {arrived && (
        <p role="status" className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="wallet-topup-done">
          {t("wallet.arrived", { amount: rupees(arrived.amount_e4, lang.locale) })}{" "}
          <Link to={BILLING_PATH} className="font-medium underline">
            {t("wallet.invoiceLink")}
          </Link>
        </p>
      )}
    </section>
  );
}

function Ledger({ view }: { view: WalletView }) {
  const { t, lang } = useI18n();
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });
  const when = (iso: string) => {
    const at = Date.parse(iso);
    return Number.isNaN(at) ? iso : date.format(at);
  };
  return (
    <section className="space-y-2">
      <div>
        <h3 className="text-base font-semibold">{t("wallet.ledger")}</h3>
        <p className="text-sm text-gray-600">{t("wallet.ledgerHint")}</p>
      </div>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="wallet-ledger" data-count={view.ledger.length}>
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className={`${cell} font-medium`}>{t("wallet.col.date")}</th>
              <th className={`${cell} font-medium`}>{t("wallet.col.kind")}</th>
              <th className={`${numCell} font-medium`}>{t("wallet.col.amount")}</th>
              <th className={`${numCell} font-medium`}>{t("wallet.col.balance")}</th>
              <th className={`${cell} font-medium`}>{t("wallet.col.details")}</th>
            </tr>
          </thead>
          <tbody>
            {view.ledger.map((e) => {
              const amount = entryAmount(e, lang.locale, view.currency);
              const tone = amount.tone === "credit" ? "text-brand-700" : amount.tone === "debit" ? "text-red-700" : "text-gray-500";
              return (
                <tr key={e.id} className="border-t border-gray-100 align-top" data-testid="wallet-entry" data-kind={e.kind} data-amount-e4={e.amount_e4} data-balance-after-e4={e.balance_after_e4}>
                  <td className={`${cell} whitespace-nowrap text-gray-700`}>{when(e.created_at)}</td>
                  <td className={cell} data-testid="wallet-entry-kind">
                    {kindText(e.kind, t)}
                  </td>
                  <td
                    className={`${numCell} whitespace-nowrap font-medium ${tone}`}
                    title={e.kind === "release" ? t("wallet.releaseHint", { amount: amount.exact }) : t("usage.costExact", { amount: amount.exact })}
                    data-testid="wallet-entry-amount"
                  >
                    {amount.text}
                  </td>
                  <td className={`${numCell} whitespace-nowrap`} data-testid="wallet-entry-balance">
                    <Money e4={e.balance_after_e4} currency={view.currency} />
                  </td>
                  <td className={`${cell} text-gray-700`} data-testid="wallet-entry-details">
                    <EntryDetails entry={e} />
                  </td>
                </tr>
              );
            })}
            {view.ledger.length === 0 && <EmptyRow colSpan={5}>{t("wallet.ledgerNone")}</EmptyRow>}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function EntryDetails({ entry: e }: { entry: WalletEntry }) {
  const { t } = useI18n();
  const parts: ReactNode[] = [];
  if (e.note) parts.push(<span key="note" data-testid="wallet-entry-note">{e.note}</span>);
  if (e.payment_id)
    parts.push(
      <span key="payment" className="text-xs text-gray-500">
        {t("wallet.payment")} <span className="font-mono" data-testid="wallet-entry-payment">{e.payment_id}</span>
      </span>,
    );
  if (e.send_key)
    parts.push(
      <span key="send" className="text-xs text-gray-500" title={e.send_key}>
        {t(e.kind === "debit" ? "wallet.sendCharged" : "wallet.sendHeld")}
      </span>,
    );
  if (parts.length === 0) return <>—</>;
  return <div className="flex flex-col gap-0.5">{parts}</div>;
}
