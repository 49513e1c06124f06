import { Bar, BarChart, CartesianGrid, Cell, LabelList, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { useI18n } from "../../i18n/I18nProvider";
import type { CampaignStats } from "../../lib/apiTypes";
import { buttonBars, errorBars, funnelBars, variantChartRows, type VariantStats } from "../../lib/campaigns";
import { AXIS_TICK, GRID_COLOR } from "./BarChart";

const FUNNEL_COLORS = { sent: "#53bdeb", delivered: "#128c7e", read: "#075e54", replied: "#f59e0b" } as const;
const FAILED_COLOR = "#dc2626";

// No bar animation: the counts change every second while a campaign runs, and
// Recharts hides the bars' labels while it animates.

/** Sent → delivered → read → replied (cumulative), with each bar's count on top. */
export function FunnelChart({ stats, height = 220 }: { stats: CampaignStats; height?: number }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const rows = funnelBars(stats).map((b) => ({ ...b, label: t(`campaigns.funnel.${b.key}`) }));
  return (
    <div data-testid="campaign-funnel" role="figure" aria-label={t("campaigns.funnel")}>
      <BarChart responsive data={rows} style={{ width: "100%", height }} margin={{ top: 18, right: 8, bottom: 0, left: 0 }} barCategoryGap="22%">
        <CartesianGrid vertical={false} stroke={GRID_COLOR} />
        <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_COLOR }} />
        <YAxis allowDecimals={false} width={36} tick={AXIS_TICK} tickLine={false} axisLine={false} />
        <Tooltip cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} formatter={(v) => [num.format(Number(v)), t("campaigns.recipients")]} />
        <Bar dataKey="value" radius={[3, 3, 0, 0]} isAnimationActive={false}>
          {rows.map((r) => (
            <Cell key={r.key} fill={FUNNEL_COLORS[r.key]} />
          ))}
          <LabelList dataKey="value" position="top" fontSize={11} fill="#374151" formatter={(v) => num.format(Number(v))} />
        </Bar>
      </BarChart>
    </div>
  );
}

/** Failed recipients per Meta error code, horizontal bars; nothing when none failed. */
export function FailuresChart({ stats }: { stats: CampaignStats }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const rows = errorBars(stats).map((b) => ({ ...b, label: t("campaigns.errorCode", { code: b.code }) }));
  if (rows.length === 0) return <p className="py-6 text-center text-sm text-gray-500">{t("campaigns.noFailures")}</p>;
  return (
    <div data-testid="campaign-failures" role="figure" aria-label={t("campaigns.failuresByError")}>
      <BarChart responsive layout="vertical" data={rows} style={{ width: "100%", height: Math.max(120, 36 * rows.length + 40) }} margin={{ top: 4, right: 32, bottom: 0, left: 0 }}>
        <CartesianGrid horizontal={false} stroke={GRID_COLOR} />
        <XAxis type="number" allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_COLOR }} />
        <YAxis type="category" dataKey="label" width={96} tick={AXIS_TICK} tickLine={false} axisLine={false} />
        <Tooltip cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} formatter={(v) => [num.format(Number(v)), t("campaigns.stat.failed")]} />
        <Bar dataKey="value" fill={FAILED_COLOR} radius={[0, 3, 3, 0]} isAnimationActive={false}>
          <LabelList dataKey="value" position="right" fontSize={11} fill="#374151" formatter={(v) => num.format(Number(v))} />
        </Bar>
      </BarChart>
    </div>
  );
}

const CLICK_COLOR = "#7c3aed";
const VARIANT_COLORS = { a: "#128c7e", b: "#f59e0b" } as const;

/** Recipients per tapped template button, horizontal bars; a short note when nobody tapped one. */
export function ButtonsChart({ stats }: { stats: CampaignStats }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const rows = buttonBars(stats);
  if (rows.length === 0) return <p className="py-4 text-center text-xs text-gray-500" data-testid="campaign-buttons-none">{t("campaigns.noClicks")}</p>;
  return (
    <div data-testid="campaign-buttons" role="figure" aria-label={t("campaigns.byButton")}>
      <BarChart responsive layout="vertical" data={rows} style={{ width: "100%", height: Math.max(90, 30 * rows.length + 30) }} margin={{ top: 4, right: 28, bottom: 0, left: 0 }}>
        <CartesianGrid horizontal={false} stroke={GRID_COLOR} />
        <XAxis type="number" allowDecimals={false} tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_COLOR }} />
        <YAxis type="category" dataKey="button" width={88} tick={AXIS_TICK} tickLine={false} axisLine={false} />
        <Tooltip cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} formatter={(v) => [num.format(Number(v)), t("campaigns.stat.clicked")]} />
        <Bar dataKey="value" fill={CLICK_COLOR} radius={[0, 3, 3, 0]} isAnimationActive={false}>
          <LabelList dataKey="value" position="right" fontSize={11} fill="#374151" formatter={(v) => num.format(Number(v))} />
        </Bar>
      </BarChart>
      <ul className="sr-only">
        {rows.map((r) => (
          <li key={r.button} data-testid="campaign-button-count" data-button={r.button} data-value={r.value}>
            {`${r.button}: ${r.value}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A split test's variants side by side: sent, delivered, read, replied, clicked, failed. */
export function VariantsChart({ rows, height = 220 }: { rows: readonly VariantStats[]; height?: number }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const data = variantChartRows(rows).map((r) => ({ ...r, label: t(`campaigns.variantMetric.${r.key}`) }));
  return (
    <div data-testid="campaign-variants-chart" role="figure" aria-label={t("campaigns.variants")}>
      <BarChart responsive data={data} style={{ width: "100%", height }} margin={{ top: 18, right: 8, bottom: 0, left: 0 }} barCategoryGap="24%" barGap={2}>
        <CartesianGrid vertical={false} stroke={GRID_COLOR} />
        <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_COLOR }} />
        <YAxis allowDecimals={false} width={36} tick={AXIS_TICK} tickLine={false} axisLine={false} />
        <Tooltip cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} formatter={(v, name) => [num.format(Number(v)), String(name)]} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {(["a", "b"] as const).map((v) => (
          <Bar key={v} dataKey={v} name={t(`campaigns.variant.${v}`)} fill={VARIANT_COLORS[v]} radius={[3, 3, 0, 0]} isAnimationActive={false}>
            <LabelList dataKey={v} position="top" fontSize={10} fill="#374151" formatter={(x) => num.format(Number(x))} />
          </Bar>
        ))}
      </BarChart>
    </div>
  );
}
