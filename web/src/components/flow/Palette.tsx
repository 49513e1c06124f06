import type { DragEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { GROUPS, NODE_GROUP, NODE_TYPES } from "../../lib/flow";
import type { FlowNodeType } from "../../lib/types";
import { GROUP_STYLE } from "./FlowNodeCard";
import { NodeIcon } from "./NodeIcon";

export const DRAG_TYPE = "application/x-whatsflow-node";

/** Every node type: drag one onto the canvas, or click to drop it in the middle. */
export function Palette({ onAdd }: { onAdd: (type: FlowNodeType) => void }) {
  const { t } = useI18n();
  const onDragStart = (e: DragEvent, type: FlowNodeType) => {
    e.dataTransfer.setData(DRAG_TYPE, type);
    e.dataTransfer.setData("text/plain", type);
    e.dataTransfer.effectAllowed = "move";
  };
  return (
    <nav aria-label={t("flow.palette")} data-testid="flow-palette" className="flex gap-3 overflow-x-auto p-2 lg:flex-col lg:gap-2 lg:overflow-y-auto lg:overflow-x-visible">
      <p className="hidden text-xs text-gray-500 lg:block">{t("flow.paletteHint")}</p>
      {GROUPS.map((g) => (
        <div key={g} className="flex shrink-0 gap-1 lg:flex-col">
          <div className="hidden pt-1 text-[11px] font-semibold uppercase tracking-wide text-gray-400 lg:block">{t(`flow.group.${g}`)}</div>
          {NODE_TYPES.filter((type) => NODE_GROUP[type] === g).map((type) => (
            <button
              key={type}
              type="button"
              draggable
              onDragStart={(e) => onDragStart(e, type)}
              onClick={() => onAdd(type)}
              title={t(`flow.help.${type}`)}
              data-testid={`palette-${type}`}
              className={`flex cursor-grab items-center gap-1.5 whitespace-nowrap rounded-md border px-2 py-1.5 text-left text-xs font-medium shadow-sm active:cursor-grabbing ${GROUP_STYLE[g].chip} hover:brightness-95`}
            >
              <NodeIcon type={type} />
              {t(`flow.node.${type}`)}
            </button>
          ))}
        </div>
      ))}
    </nav>
  );
}
