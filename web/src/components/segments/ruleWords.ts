import { useI18n } from "../../i18n/I18nProvider";
import type { ChannelView } from "../../lib/apiTypes";
import type { RuleWords } from "../../lib/segments";

/** The translated words describeRule needs; a channel condition names its number. */
export function useRuleWords(channels: readonly ChannelView[] | null): RuleWords {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  return {
    field: (f) => t(`segments.field.${f}`),
    op: (o) => t(`segments.op.${o}`),
    yes: t("segments.value.yes"),
    no: t("segments.value.no"),
    status: (s) => t(`status.${s}`),
    channel: (id) => {
      const ch = channels?.find((c) => c.id === id);
      return ch ? ch.name || ch.display_phone_number : id;
    },
    days: (n) => t("segments.value.daysCount", { count: num.format(n) }),
    and: t("segments.join.and"),
    or: t("segments.join.or"),
  };
}
