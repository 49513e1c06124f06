import { useI18n } from "../i18n/I18nProvider";
import type { ConnectionState } from "../lib/realtime";

export function ReconnectBanner({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  if (state !== "reconnecting") return null;
  return (
    <div
      role="status"
      data-testid="reconnect-banner"
      className="flex items-center justify-center gap-2 bg-amber-100 px-3 py-1.5 text-sm text-amber-900"
    >
      <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-amber-500" aria-hidden="true" />
      <strong className="font-semibold">{t("conn.reconnecting")}</strong>
      <span className="hidden sm:inline">{t("conn.reconnectingDetail")}</span>
    </div>
  );
}
