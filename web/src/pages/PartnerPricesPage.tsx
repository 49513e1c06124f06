import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { useMoney, useTermsText } from "../components/partners/PartnerBits";
import { Button, EmptyRow, inputClass, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { margin, retailBelowWholesale, type PartnerPrice } from "../lib/partners";
import { minorToInput, parseMajor } from "../lib/plans";
import { usePartner } from "../partner/PartnerContext";

type Cycle = "monthly" | "annual";

/** One retail price typed in rupees: blank is the wholesale price. */
function PriceInput({ value, onChange, wholesale, label, invalid, testId }: { value: string; onChange: (v: string) => void; wholesale: string; label: string; invalid: boolean; testId: string }) {
  return (
    <input
      value={value}
      onChange={(e) => onChange(e.target.value)}
      inputMode="decimal"
      aria-label={label}
      aria-invalid={invalid ? true : undefined}
      placeholder={wholesale}
      className={`${inputClass} w-28 text-right tabular-nums ${invalid ? "border-red-400" : ""}`}
      data-testid={testId}
    />
  );
}

/** One plan's row: the platform's price per cycle, the partner's, the margin, and Save. */
function PriceRow({ price, onSaved }: { price: PartnerPrice; onSaved: (p: PartnerPrice) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const money = useMoney();
  const [text, setText] = useState<Record<Cycle, string>>({
    monthly: minorToInput(price.retail_monthly_minor),
    annual: minorToInput(price.retail_annual_minor),
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const wholesale: Record<Cycle, number | null> = { monthly: price.wholesale_monthly_minor, annual: price.wholesale_annual_minor };
  const parsed: Record<Cycle, number | null | "invalid"> = { monthly: parseMajor(text.monthly), annual: parseMajor(text.annual) };
  const bad = (c: Cycle) => {
    const v = parsed[c];
    return v === "invalid" || retailBelowWholesale(v, wholesale[c]);
  };
  const changed = parsed.monthly !== price.retail_monthly_minor || parsed.annual !== price.retail_annual_minor;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy || bad("monthly") || bad("annual")) return;
    setBusy(true);
    setError(null);
    try {
      const next = await api.put<PartnerPrice>(`/partner/prices/${encodeURIComponent(price.plan_code)}`, {
        retail_monthly_minor: parsed.monthly,
        retail_annual_minor: parsed.annual,
      });
      onSaved(next);
      setText({ monthly: minorToInput(next.retail_monthly_minor), annual: minorToInput(next.retail_annual_minor) });
      setSaved(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const cellFor = (c: Cycle) => {
    const w = wholesale[c];
    const v = parsed[c];
    const m = v === "invalid" ? null : margin(v, w);
    return (
      <td className="px-3 py-2 align-top">
        <div className="text-xs text-gray-500">{t("partner.prices.wholesale", { amount: w === null ? "—" : money(w) })}</div>
        {w === null ? (
          <span className="text-sm text-gray-400">—</span>
        ) : (
          <>
            <PriceInput
              value={text[c]}
              onChange={(v) => {
                setText({ ...text, [c]: v });
                setSaved(false);
              }}
              wholesale={minorToInput(w)}
              label={t(c === "monthly" ? "partner.prices.retailMonthlyOf" : "partner.prices.retailAnnualOf", { plan: price.plan_name })}
              invalid={bad(c)}
              testId={`price-${c}`}
            />
            {bad(c) ? (
              <div className="mt-1 text-xs text-red-700" data-testid="price-problem">
                {parsed[c] === "invalid" ? t("partner.prices.invalid") : t("partner.prices.belowWholesale")}
              </div>
            ) : (
              m !== null && m > 0 && <div className="mt-1 text-xs text-green-700">{t("partner.prices.margin", { amount: money(m) })}</div>
            )}
          </>
        )}
      </td>
    );
  };

  return (
    <tr className="border-t border-gray-100" data-testid="price-row" data-plan={price.plan_code}>
      <td className="px-3 py-2 align-top font-medium">{price.plan_name}</td>
      {cellFor("monthly")}
      {cellFor("annual")}
      <td className="px-3 py-2 text-right align-top">
        {/* A plan priced case by case (no platform price) has nothing to mark up. */}
        {(wholesale.monthly !== null || wholesale.annual !== null) && (
          <form onSubmit={(e) => void save(e)}>
            <Button type="submit" variant="secondary" disabled={busy || !changed || bad("monthly") || bad("annual")} data-testid="price-save">
              {busy ? t("common.saving") : t("common.save")}
            </Button>
          </form>
        )}
        {saved && (
          <p role="status" className="mt-1 text-xs text-green-700" data-testid="price-saved">
            {t("partner.prices.saved")}
          </p>
        )}
        {error && (
          <p role="alert" className="mt-1 max-w-64 text-left text-xs text-red-700" data-testid="price-error">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

/**
 * Partner → Prices (markup partners): per plan, the platform's wholesale
 * price and the partner's retail price its clients pay (blank: the
 * wholesale price); the difference is the partner's. Other models take their
 * share of each payment instead, and the page says so.
 */
export function PartnerPricesPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const { partner } = usePartner();
  const termsText = useTermsText();
  const errorText = useErrorText();
  const [prices, setPrices] = useState<PartnerPrice[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const markup = partner.model === "markup";

  const load = useCallback(() => {
    api
      .get<{ data: PartnerPrice[] }>("/partner/prices")
      .then((r) => setPrices(r.data))
      .catch((e: unknown) => setError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(() => {
    if (markup) load();
  }, [markup, load]);

  if (!markup) {
    return (
      <p className="rounded-xl border border-gray-200 bg-white p-4 text-sm text-gray-700" data-testid="partner-prices-share">
        {termsText(partner)} {t("partner.prices.notMarkup")}
      </p>
    );
  }

  return (
    <div className="space-y-4" data-testid="partner-prices">
      <p className="text-sm text-gray-600">{t("partner.prices.intro")}</p>
      <ErrorText testId="partner-prices-error">{error}</ErrorText>
      <div className="overflow-x-auto rounded-xl border border-gray-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="price-table">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-2 font-medium">{t("partner.prices.col.plan")}</th>
              <th className="px-3 py-2 font-medium">{t("partner.prices.col.monthly")}</th>
              <th className="px-3 py-2 font-medium">{t("partner.prices.col.annual")}</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody>
            {prices?.map((p) => (
              <PriceRow key={p.plan_code} price={p} onSaved={(next) => setPrices((rows) => rows?.map((r) => (r.plan_code === next.plan_code ? next : r)) ?? rows)} />
            ))}
            {prices && prices.length === 0 && <EmptyRow colSpan={4}>{t("partner.prices.empty")}</EmptyRow>}
          </tbody>
        </table>
        {prices === null && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    </div>
  );
}
