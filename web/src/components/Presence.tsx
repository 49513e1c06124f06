import { useI18n } from "../i18n/I18nProvider";
import type { Presence } from "../lib/types";

const PRESENCE_DOT: Record<Presence, string> = {
  online: "bg-green-500",
  away: "bg-amber-400",
  busy: "bg-red-500",
  offline: "bg-gray-300",
};

export function presenceOf(presence: string | undefined): Presence {
  return presence === "online" || presence === "away" || presence === "busy" ? presence : "offline";
}

/** A coloured dot and the presence's name. */
export function PresenceDot({ presence }: { presence: string | undefined }) {
  const { t } = useI18n();
  const p = presenceOf(presence);
  return (
    <span className="inline-flex items-center gap-1.5 text-sm text-gray-700" data-testid="presence" data-presence={p}>
      <span className={`h-2.5 w-2.5 rounded-full ${PRESENCE_DOT[p]}`} aria-hidden="true" />
      {t(`presence.${p}`)}
    </span>
  );
}

/** Just the dot, its name as the tooltip. */
export function PresenceBullet({ presence, className = "" }: { presence: string | undefined; className?: string }) {
  const { t } = useI18n();
  const p = presenceOf(presence);
  return (
    <span
      className={`inline-block h-2.5 w-2.5 shrink-0 rounded-full ring-2 ring-white ${PRESENCE_DOT[p]} ${className}`}
      title={t(`presence.${p}`)}
      role="img"
      aria-label={t(`presence.${p}`)}
      data-testid="presence"
      data-presence={p}
    />
  );
}
