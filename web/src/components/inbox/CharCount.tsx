import { useI18n } from "../../i18n/I18nProvider";
import { measure, type LimitKind } from "../../lib/composerLimits";

/** "12 / 20" under a field, amber near the limit and red past it (WhatsApp's limit for what the field is). */
export function CharCount({ value, kind, testId, className = "" }: { value: string; kind: LimitKind; testId?: string; className?: string }) {
  const { t, lang } = useI18n();
  const m = measure(value.trim(), kind);
  const n = new Intl.NumberFormat(lang.locale);
  const tone = m.over > 0 ? "font-semibold text-red-700" : m.near ? "text-amber-700" : "text-gray-500";
  return (
    <span
      className={`text-[11px] tabular-nums ${tone} ${className}`}
      data-testid={testId}
      data-count={m.count}
      data-limit={m.limit}
      data-over={m.over > 0 ? "true" : "false"}
      title={t("composer.countTitle", { limit: n.format(m.limit) })}
    >
      {n.format(m.count)} / {n.format(m.limit)}
    </span>
  );
}
