import { useEffect, useRef, useState } from "react";
import { labelStep, niceMax, ticks } from "../../lib/chart";

export interface Series {
  key: string;
  label: string;
  /** A CSS colour. */
  color: string;
}

interface Props {
  /** One entry per x position; values by series key. */
  data: { label: string; title: string; values: Record<string, number> }[];
  series: Series[];
  height?: number;
  testId?: string;
  ariaLabel: string;
}

/** The element's width in CSS pixels, following resizes. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(200, Math.round(el.getBoundingClientRect().width)));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

const PAD = { top: 10, right: 8, bottom: 24, left: 36 };

/** Grouped bars with a y grid, drawn as SVG that scales to its container's width. */
export function BarChart({ data, series, height = 220, testId, ariaLabel }: Props) {
  // Drawn at the container's pixel width, so labels keep their size on any screen.
  const [ref, W] = useWidth(640);
  const max = niceMax(Math.max(0, ...data.flatMap((d) => series.map((s) => d.values[s.key] ?? 0))));
  const innerW = W - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const slot = data.length ? innerW / data.length : innerW;
  const groupW = slot * 0.72;
  const barW = series.length ? groupW / series.length : groupW;
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const step = labelStep(data.length, Math.max(2, Math.floor(innerW / 56)));

  return (
    <div data-testid={testId} ref={ref}>
      <svg viewBox={`0 0 ${W} ${height}`} className="h-auto w-full" role="img" aria-label={ariaLabel}>
        {ticks(max).map((tv) => (
          <g key={tv}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tv)} y2={y(tv)} stroke="#e5e7eb" strokeWidth={1} />
            <text x={PAD.left - 6} y={y(tv)} textAnchor="end" dominantBaseline="middle" fontSize={10} fill="#6b7280">
              {Number.isInteger(tv) ? tv : tv.toFixed(1)}
            </text>
          </g>
        ))}
        {data.map((d, i) => {
          const x0 = PAD.left + i * slot + (slot - groupW) / 2;
          return (
            <g key={d.label + i} data-testid="chart-group">
              <title>{`${d.title}\n${series.map((s) => `${s.label}: ${d.values[s.key] ?? 0}`).join("\n")}`}</title>
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={innerH} fill="transparent" />
              {series.map((s, k) => {
                const v = d.values[s.key] ?? 0;
                const top = y(v);
                return <rect key={s.key} x={x0 + k * barW} y={top} width={Math.max(1, barW - 1)} height={Math.max(0, PAD.top + innerH - top)} rx={1.5} fill={s.color} />;
              })}
              {i % step === 0 && (
                <text x={PAD.left + i * slot + slot / 2} y={height - 8} textAnchor="middle" fontSize={10} fill="#6b7280">
                  {d.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div className="mt-1 flex flex-wrap gap-3 text-xs text-gray-600">
        {series.map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1">
            <span className="h-2.5 w-2.5 rounded-sm" style={{ background: s.color }} aria-hidden="true" />
            {s.label}
          </span>
        ))}
      </div>
    </div>
  );
}
