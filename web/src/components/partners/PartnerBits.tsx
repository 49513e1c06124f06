import { useI18n } from "../../i18n/I18nProvider";
import type { MessageKey } from "../../i18n/translate";
import { formatMoney } from "../../lib/campaigns";
import { bpsToPercent, type PartnerView } from "../../lib/partners";
import { Badge, type Tone } from "../ui";

const STATUS_TONE: Record<string, Tone> = { pending: "amber", approved: "green", suspended: "red" };
const STATUS_TEXT: Record<string, MessageKey> = {
  pending: "partner.status.pending",
  approved: "partner.status.approved",
  suspended: "partner.status.suspended",
};

/** A partner's status as a coloured badge (an unknown one as the server names it). */
export function PartnerStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useI18n();
  const key = STATUS_TEXT[status];
  return (
    <Badge tone={STATUS_TONE[status] ?? "gray"} testId={testId}>
      {key ? t(key) : status}
    </Badge>
  );
}

/** Paise as rupees with 2 decimals, in the reader's language: 179940 → "₹1,799.40". */
export function useMoney(): (minor: number) => string {
  const { lang } = useI18n();
  return (minor: number) => formatMoney({ amount_minor: minor, currency: "INR" }, lang.locale);
}

/** A date in the reader's language ("30 Nov 2026"), "—" for none. */
export function useDay(): (iso: string | null | undefined) => string {
  const { lang } = useI18n();
  return (iso) => {
    if (!iso) return "—";
    const at = Date.parse(iso);
    return Number.isNaN(at) ? iso : new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" }).format(at);
  };
}

const MODEL_TEXT: Record<string, MessageKey> = {
  markup: "partner.model.markup",
  revenue_share: "partner.model.revenue_share",
  hybrid: "partner.model.hybrid",
};

/** The revenue model's name ("Markup", "Revenue share", "Hybrid"). */
export function useModelName(): (model: string) => string {
  const { t } = useI18n();
  return (model) => {
    const key = MODEL_TEXT[model];
    return key ? t(key) : model;
  };
}

/**
 * How a partner earns, in one line: its own prices (markup), a share of
 * each payment, or the platform's fee first and a share of the rest; told
 * to the partner ("you earn …") or, in the console, about it.
 */
export function useTermsText(to: "partner" | "operator" = "partner"): (p: Pick<PartnerView, "model" | "revenue_share_bps" | "platform_fee_minor">) => string {
  const { t } = useI18n();
  const money = useMoney();
  return (p) => {
    const share = bpsToPercent(p.revenue_share_bps);
    const operator = to === "operator";
    if (p.model === "markup") return t(operator ? "admin.partners.terms.markup" : "partner.terms.markup");
    if (p.model === "hybrid") return t(operator ? "admin.partners.terms.hybrid" : "partner.terms.hybrid", { fee: money(p.platform_fee_minor), share });
    return t(operator ? "admin.partners.terms.revenueShare" : "partner.terms.revenueShare", { share });
  };
}
