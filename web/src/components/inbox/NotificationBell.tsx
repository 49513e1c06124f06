import { useRef, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { playChime } from "../../lib/notifications";
import { useDismiss } from "../../lib/useDismiss";

/**
 * This user's notification settings in the inbox: desktop notifications
 * (the browser's permission is asked here, on the agent's click, never on
 * load) and the sound. A dot says desktop notifications were never set up.
 */
export function NotificationBell() {
  const { t } = useI18n();
  const { notifySettings: settings, setNotifySettings, notifyPermission: permission, requestNotifyPermission } = useInbox();
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  useDismiss(box, open, () => setOpen(false));

  const enable = async () => {
    setAsking(true);
    const answer = await requestNotifyPermission();
    setAsking(false);
    if (answer === "granted") setNotifySettings({ ...settings, desktop: true });
  };

  const desktopOn = permission === "granted" && settings.desktop;
  return (
    // The panel spreads under the row the bell sits in (its nearest positioned box).
    <div ref={box}>
      <button
        type="button"
        onClick={() => setOpen((v) => !v)}
        aria-expanded={open}
        aria-label={t("notify.settings")}
        title={t("notify.settings")}
        data-testid="notify-bell"
        data-desktop={desktopOn ? "on" : "off"}
        className="relative flex h-8 w-8 items-center justify-center rounded-full text-gray-600 hover:bg-gray-100"
      >
        <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
          <path d="M18 8a6 6 0 10-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 01-3.46 0" />
          {!settings.sound && !desktopOn && <path d="M3 3l18 18" />}
        </svg>
        {permission === "default" && <span className="absolute right-1 top-1 h-2 w-2 rounded-full bg-brand-500" aria-hidden="true" />}
      </button>
      {open && (
        <div className="absolute inset-x-0 top-full z-30 mt-1 space-y-3 rounded-lg border border-gray-200 bg-white p-3 text-sm shadow-lg" data-testid="notify-panel">
          <p className="text-xs text-gray-500">{t("notify.what")}</p>
          <div>
            <div className="font-medium text-gray-800">{t("notify.desktop")}</div>
            {permission === "default" && (
              <button
                type="button"
                onClick={() => void enable()}
                disabled={asking}
                className="mt-1 rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
                data-testid="notify-enable"
              >
                {t("notify.enable")}
              </button>
            )}
            {permission === "granted" && (
              <label className="mt-1 flex items-center gap-2">
                <input type="checkbox" checked={settings.desktop} onChange={(e) => setNotifySettings({ ...settings, desktop: e.target.checked })} data-testid="notify-desktop" />
                {t("notify.desktopOn")}
              </label>
            )}
            {permission === "denied" && (
              <p className="mt-1 text-xs text-amber-800" data-testid="notify-denied">
                {t("notify.denied")}
              </p>
            )}
            {permission === "unsupported" && <p className="mt-1 text-xs text-gray-500">{t("notify.unsupported")}</p>}
          </div>
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={settings.sound}
              onChange={(e) => {
                setNotifySettings({ ...settings, sound: e.target.checked });
                if (e.target.checked) playChime();
              }}
              data-testid="notify-sound"
            />
            {t("notify.sound")}
          </label>
        </div>
      )}
    </div>
  );
}
