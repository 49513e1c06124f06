// Scales for the dashboard's hand-drawn SVG charts.

/** A round axis maximum at or above `max`: 1, 2, 2.5, 5 or 10 times a power of ten. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * pow;
    if (candidate >= max) return candidate;
  }
  return 10 * pow;
}

/** Evenly spaced ticks from 0 to `max`: 4 or 5 steps, whole numbers when `max` allows. */
export function ticks(max: number): number[] {
  const count = [4, 5, 2, 1].find((c) => Number.isInteger(max / c)) ?? 4;
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

/** Show every n-th x label so that at most `room` labels are drawn. */
export function labelStep(total: number, room: number): number {
  return total <= room ? 1 : Math.ceil(total / Math.max(1, room));
}

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
