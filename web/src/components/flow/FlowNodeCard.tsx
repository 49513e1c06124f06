import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext, useEffect } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { isNodeType, NODE_GROUP, NO_ISSUES, sourceHandles, summarize, type Issues, type NodeGroup } from "../../lib/flow";
import type { FlowData } from "../../lib/types";
import { NodeIcon } from "./NodeIcon";

export type CanvasNode = Node<FlowData>;

/** What the canvas shows around the nodes: problems, analytics, the last test's path. */
export interface CanvasInfo {
  issues: Issues;
  visits: Map<string, number>;
  drops: Map<string, number>;
  testPath: Set<string>;
  /** The node a run starts at (marked, or implied). */
  startId: string | null;
  /** The tenant's drip sequences by id (enrol nodes show the name). */
  sequenceNames: Map<string, string>;
}

export const CanvasInfoContext = createContext<CanvasInfo>({
  issues: NO_ISSUES,
  visits: new Map(),
  drops: new Map(),
  testPath: new Set(),
  startId: null,
  sequenceNames: new Map(),
});

export const GROUP_STYLE: Record<NodeGroup, { header: string; chip: string }> = {
  send: { header: "bg-brand-50 text-brand-700", chip: "border-brand-100 bg-brand-50 text-brand-700" },
  logic: { header: "bg-amber-50 text-amber-800", chip: "border-amber-200 bg-amber-50 text-amber-800" },
  action: { header: "bg-indigo-50 text-indigo-700", chip: "border-indigo-200 bg-indigo-50 text-indigo-700" },
};

/** Types that do nothing useful until their data is filled in. */
const NEEDS_SETUP = new Set(["message", "template", "buttons", "list", "input", "api", "webhook", "set_field", "enroll", "jump", "tag", "delay"]);

const handleClass = "!h-3 !w-3 !border-2 !border-white !bg-gray-500";

function FlowNodeCardImpl({ id, type, data, selected }: NodeProps<CanvasNode>) {
  const { t } = useI18n();
  const info = useContext(CanvasInfoContext);
  const updateInternals = useUpdateNodeInternals();
  const handles = sourceHandles(type, data);
  const handleKey = handles.map((h) => h.id ?? "∅").join("|");
  // Handles come and go with buttons, rows and rules: React Flow must re-measure them.
  useEffect(() => updateInternals(id), [id, handleKey, updateInternals]);

  const known = isNodeType(type);
  const group = known ? NODE_GROUP[type] : "send";
  const issues = info.issues.nodes.get(id) ?? [];
  const visits = info.visits.get(id);
  const drops = info.drops.get(id);
  const isStart = info.startId === id;
  const onTestPath = info.testPath.has(id);
  const summary =
    type === "assign"
      ? typeof data.team === "string" && data.team
        ? `${t("flow.editor.assignTeam")}: ${data.team}`
        : data.agent_id
          ? t("flow.editor.assignAgent")
          : t(data.strategy === "least_busy" ? "flow.strategy.least_busy" : "flow.strategy.round_robin")
      : type === "enroll" && typeof data.campaign_id === "string" && info.sequenceNames.has(data.campaign_id)
        ? info.sequenceNames.get(data.campaign_id)!
        : summarize(type, data);
  const single = handles.length === 1 && handles[0]!.id === null;

  const ring = issues.length
    ? "border-red-500 ring-2 ring-red-300"
    : selected
      ? "border-brand-500 ring-2 ring-brand-100"
      : onTestPath
        ? "border-sky-400 ring-2 ring-sky-200"
        : "border-gray-300";

  return (
    <div
      data-testid="flow-node"
      data-node-id={id}
      data-node-type={type}
      data-invalid={issues.length ? "true" : undefined}
      data-start={isStart ? "true" : undefined}
      className={`w-56 rounded-lg border bg-white text-left shadow-sm ${ring}`}
    >
      <Handle type="target" position={Position.Left} className={handleClass} />
      <div className={`flex items-center gap-1.5 rounded-t-lg px-2 py-1.5 text-xs font-semibold ${GROUP_STYLE[group].header}`}>
        <NodeIcon type={type} />
        <span className="truncate">{known ? t(`flow.node.${type}`) : type}</span>
        {isStart && (
          <span className="rounded bg-brand-600 px-1.5 py-px text-[10px] font-semibold uppercase text-white" data-testid="node-start-badge">
            {t("flow.start")}
          </span>
        )}
        <span className="ml-auto truncate font-mono text-[10px] font-normal opacity-60">{id}</span>
      </div>
      {(summary || NEEDS_SETUP.has(type) || type === "end") && (
        <div className="px-2 py-1.5 text-xs text-gray-700">
          {summary ? (
            <p className="line-clamp-3 whitespace-pre-wrap break-words" data-testid="node-summary">
              {summary}
            </p>
          ) : (
            <p className="italic text-gray-400">{type === "end" ? t("flow.endHint") : t("flow.nodeEmpty")}</p>
          )}
        </div>
      )}
      {!single && handles.length > 0 && (
        <div className="border-t border-gray-100 py-0.5">
          {handles.map((h, i) => (
            <div key={`${h.id}-${i}`} className="relative flex items-center justify-end py-0.5 pr-3 pl-2 text-[11px] text-gray-600">
              <span className="truncate" title={h.label}>
                {h.fixed ? t(`flow.handle.${h.id as "ok" | "invalid" | "timeout" | "else" | "error"}`) : h.label}
              </span>
              <Handle type="source" position={Position.Right} id={h.id ?? undefined} className={handleClass} data-handle-label={h.label} />
            </div>
          ))}
        </div>
      )}
      {(visits !== undefined || drops !== undefined) && (
        <div className="flex gap-2 border-t border-gray-100 px-2 py-1 text-[11px] text-gray-500" data-testid="node-stats">
          <span title={t("flow.stats.visitsHelp")}>{t("flow.stats.visits", { count: visits ?? 0 })}</span>
          {!!drops && <span className="text-amber-700" title={t("flow.stats.dropsHelp")}>{t("flow.stats.drops", { count: drops })}</span>}
        </div>
      )}
      {issues.length > 0 && (
        <ul className="space-y-0.5 rounded-b-lg border-t border-red-200 bg-red-50 px-2 py-1 text-[11px] text-red-700" data-testid="node-issues">
          {issues.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {single && <Handle type="source" position={Position.Right} className={handleClass} />}
    </div>
  );
}

export const FlowNodeCard = memo(FlowNodeCardImpl);
