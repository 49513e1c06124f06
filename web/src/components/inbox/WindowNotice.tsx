import { useI18n } from "../../i18n/I18nProvider";
import { formatDuration, formatWhen, type WindowInfo } from "../../lib/format";

/** While the window is open: when it closes. */
export function WindowOpenLine({ info }: { info: WindowInfo }) {
  const { t, lang } = useI18n();
  if (!info.open || info.expiresAt === null) return null;
  const urgent = info.msLeft < 60 * 60 * 1000;
  const now = info.expiresAt - info.msLeft;
  return (
    <div data-testid="window-open" className={`px-3 py-1 text-center text-xs ${urgent ? "bg-amber-50 text-amber-800" : "bg-gray-50 text-gray-500"}`}>
      {t("window.closesIn", { time: formatDuration(info.msLeft), at: formatWhen(info.expiresAt, now, lang.locale) })}
    </div>
  );
}

/** Once it has closed (or never opened): why free text is off. */
export function WindowClosedNotice({ info }: { info: WindowInfo }) {
  const { t, lang } = useI18n();
  const at =
    info.expiresAt === null
      ? ""
      : new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" }).format(info.expiresAt);
  return (
    <div data-testid="window-closed" className="border-t border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      <div className="font-semibold">{t("window.closed")}</div>
      <div className="text-xs">{info.expiresAt === null ? t("window.never") : t("window.closedAt", { at })}</div>
    </div>
  );
}
