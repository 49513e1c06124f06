import { Bar, BarChart as RechartsBarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";

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

export const AXIS_TICK = { fontSize: 10, fill: "#6b7280" } as const;
export const GRID_COLOR = "#e5e7eb";

/** Grouped bars per x position with a y grid and a tooltip (Recharts), as wide as its container. */
export function BarChart({ data, series, height = 220, testId, ariaLabel }: Props) {
  const rows = data.map((d) => ({ ...d.values, label: d.label, title: d.title }));
  return (
    <div data-testid={testId} role="figure" aria-label={ariaLabel}>
      <RechartsBarChart responsive data={rows} style={{ width: "100%", height }} margin={{ top: 10, right: 8, bottom: 0, left: 0 }} barCategoryGap="28%">
        <CartesianGrid vertical={false} stroke={GRID_COLOR} />
        <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_COLOR }} minTickGap={8} />
        <YAxis allowDecimals={false} width={36} tick={AXIS_TICK} tickLine={false} axisLine={false} />
        <Tooltip
          cursor={{ fill: "rgba(0, 0, 0, 0.04)" }}
          labelFormatter={(label, payload) => {
            const row: unknown = payload?.[0]?.payload;
            return row && typeof row === "object" && "title" in row ? String(row.title) : String(label);
          }}
        />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} radius={[2, 2, 0, 0]} isAnimationActive={false} />
        ))}
      </RechartsBarChart>
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
