import { useI18n } from "../../i18n/I18nProvider";
import type { MessageStatus } from "../../lib/types";

/** ✓ sent, ✓✓ delivered, blue ✓✓ read (or played), red ! failed, amber ? not confirmed, a clock while in flight. */
export function StatusTicks({ status }: { status: MessageStatus }) {
  const { t } = useI18n();
  switch (status) {
    case "pending":
    case "accepted":
      return (
        <span title={t(status === "pending" ? "tick.pending" : "tick.accepted")} className="text-gray-400" aria-label={t(status === "pending" ? "tick.pending" : "tick.accepted")}>
          <svg viewBox="0 0 16 16" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
            <circle cx="8" cy="8" r="6" />
            <path d="M8 4.5V8l2.5 1.5" strokeLinecap="round" />
          </svg>
        </span>
      );
    case "sent":
      return <Check label={t("tick.sent")} double={false} className="text-gray-500" />;
    case "delivered":
      return <Check label={t("tick.delivered")} double className="text-gray-500" />;
    case "read":
    case "played":
      return <Check label={t("tick.read")} double className="text-tick-read" />;
    case "unconfirmed":
      // Meta's answer was lost: not known whether the customer got it.
      return (
        <span
          aria-label={t("tick.unconfirmed")}
          title={t("tick.unconfirmed")}
          className="inline-flex h-3.5 w-3.5 items-center justify-center rounded-full bg-amber-500 text-[10px] font-bold text-white"
        >
          ?
        </span>
      );
    case "failed":
      return (
        <span aria-label={t("tick.failed")} title={t("tick.failed")} className="inline-flex h-3.5 w-3.5 items-center justify-center rounded-full bg-red-600 text-[10px] font-bold text-white">
          !
        </span>
      );
    default:
      return null;
  }
}

function Check({ label, double, className }: { label: string; double: boolean; className: string }) {
  return (
    <span aria-label={label} title={label} className={`inline-flex ${className}`}>
      <svg viewBox="0 0 18 12" className="h-3 w-[18px]" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
        <path d={double ? "M1 6.5l3 3L11 2" : "M4 6.5l3 3L14 2"} />
        {double && <path d="M7.5 9.5L15 2" />}
      </svg>
    </span>
  );
}
