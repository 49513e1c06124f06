import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { detailsBody, detailsForm, VPA_MAX, type AffiliateView, type DetailsField, type DetailsForm } from "../../lib/affiliates";
import type { MessageKey } from "../../i18n/translate";
import { ApiError } from "../../lib/api";
import { useFormError } from "../../lib/useFormError";
import { ErrorText } from "../Field";
import { Button, TextInput } from "../ui";
import { useMoney } from "../partners/PartnerBits";

const FIELDS = ["payout_vpa", "phone", "gstin"] as const;
/** What each field takes, in the reader's language (checked here first, and for the server's refusals). */
const FIX_OF: Record<DetailsField, MessageKey> = {
  payout_vpa: "affiliate.fix.vpa",
  phone: "affiliate.fix.phone",
  gstin: "affiliate.fix.gstin",
};

/**
 * Joining the affiliate programme: what the programme pays, then the UPI ID
 * payouts go to, a phone and a GSTIN (all optional; the UPI ID can come
 * later). Sends `POST /affiliate`; an operator approves the new affiliate.
 * Someone already in the programme (409 AFFILIATE_EXISTS) is shown where they stand.
 */
export function JoinForm({ threshold_minor, onJoined, onExists }: { threshold_minor: number; onJoined: (a: AffiliateView) => void; onExists: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const money = useMoney();
  const problem = useFormError(FIELDS, undefined, FIX_OF);
  const [form, setForm] = useState<DetailsForm>(detailsForm(null));
  const [bad, setBad] = useState<DetailsField | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (field: DetailsField) => (e: { target: { value: string } }) => {
    setForm({ ...form, [field]: e.target.value });
    if (bad === field) setBad(null);
  };
  const error = (field: DetailsField) => (bad === field ? t(FIX_OF[field]) : problem.field(field));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    problem.clear();
    const parsed = detailsBody(form);
    if ("field" in parsed) {
      setBad(parsed.field);
      return;
    }
    setBad(null);
    setBusy(true);
    try {
      onJoined(await api.post<AffiliateView>("/affiliate", parsed.body));
    } catch (err) {
      // Joined meanwhile (another tab): show where they stand instead.
      if (err instanceof ApiError && err.code === "AFFILIATE_EXISTS") {
        onExists();
        return;
      }
      problem.fail(err);
      setBusy(false);
    }
  }

  return (
    <div className="max-w-xl space-y-4 rounded-xl border border-gray-200 bg-white p-4" data-testid="affiliate-join">
      <div>
        <h2 className="text-base font-semibold">{t("affiliate.join.title")}</h2>
        <p className="mt-1 text-sm text-gray-700">{t("affiliate.join.intro", { threshold: money(threshold_minor) })}</p>
      </div>
      <form ref={problem.formRef} onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
        <TextInput
          label={t("affiliate.field.vpa")}
          hint={t("affiliate.field.vpaHint")}
          value={form.payout_vpa}
          maxLength={VPA_MAX}
          spellCheck={false}
          autoCapitalize="none"
          onChange={set("payout_vpa")}
          error={error("payout_vpa")}
          data-testid="affiliate-join-vpa"
        />
        <TextInput
          label={t("affiliate.field.phone")}
          hint={t("affiliate.field.phoneHint")}
          type="tel"
          autoComplete="tel"
          value={form.phone}
          onChange={set("phone")}
          error={error("phone")}
          data-testid="affiliate-join-phone"
        />
        <TextInput
          label={t("affiliate.field.gstin")}
          hint={t("affiliate.field.gstinHint")}
          value={form.gstin}
          maxLength={20}
          spellCheck={false}
          autoCapitalize="characters"
          onChange={set("gstin")}
          error={error("gstin")}
          data-testid="affiliate-join-gstin"
        />
        <ErrorText testId="affiliate-join-error">{problem.form}</ErrorText>
        <Button type="submit" disabled={busy} data-testid="affiliate-join-submit">
          {busy ? t("affiliate.join.submitting") : t("affiliate.join.submit")}
        </Button>
      </form>
    </div>
  );
}
