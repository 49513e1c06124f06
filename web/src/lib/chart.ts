// Formatting for the dashboard's figures (the charts themselves are Recharts).

/** 0 → "0s", 42 → "42s", 135 → "2m 15s", 7300 → "2h 1m"; null → "—". */
export function formatSecondsShort(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "—";
  const v = Math.max(0, Math.round(s));
  if (v < 60) return `${v}s`;
  if (v < 3600) {
    const m = Math.floor(v / 60);
    const sec = v % 60;
    return sec ? `${m}m ${sec}s` : `${m}m`;
  }
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  return m ? `${h}h ${m}m` : `${h}h`;
}
