// The segment rule builder: a group with an All/Any toggle, its conditions
// (field → the operators that fit → the value input that fits) and nested
// groups (at most MAX_DEPTH deep, MAX_CONDITIONS conditions in all). Without
// `onEdit` it shows the rule read-only (agents).

import { useI18n } from "../../i18n/I18nProvider";
import type { ChannelView } from "../../lib/apiTypes";
import { CONVERSATION_STATUSES } from "../../lib/domain";
import {
  addChild,
  canAddCondition,
  canAddGroup,
  countConditions,
  CUSTOM_VALUE_TYPES,
  MAX_CONDITIONS,
  MAX_DAYS,
  MAX_DEPTH,
  newCondition,
  newGroup,
  OPS_BY_FIELD,
  removeNode,
  SEGMENT_FIELDS,
  updateNode,
  valueInput,
  withField,
  withOp,
  withValueType,
  type ConditionDraft,
  type CustomValueType,
  type DraftProblem,
  type GroupDraft,
  type NodeDraft,
  type SegmentField,
  type SegmentOp,
  type UnknownDraft,
} from "../../lib/segments";
import { fieldClass } from "../ui";

export interface RuleBuilderProps {
  root: GroupDraft;
  /** Applies a change to the rule (a state updater); absent: read-only. */
  onEdit?: (fn: (root: GroupDraft) => GroupDraft) => void;
  /** The numbers a `channel` condition picks from (null while loading). */
  channels: ChannelView[] | null;
  /** What the draft lacks, per node id (see draftProblems). */
  problems: Map<string, DraftProblem>;
  /** Show every problem (after a save was tried); otherwise only those of values typed. */
  showProblems: boolean;
  /** The server's VALIDATION_FAILED message, on the node its path names. */
  serverError: { nodeId: string; message: string } | null;
  /** Tags and custom field names seen on contacts, offered while typing. */
  knownTags: readonly string[];
  knownFields: readonly string[];
}

interface Ctx extends RuleBuilderProps {
  edit: ((fn: (root: GroupDraft) => GroupDraft) => void) | null;
  firstChannel: string;
}

function ProblemText({ ctx, node, touched }: { ctx: Ctx; node: NodeDraft; touched: boolean }) {
  const { t } = useI18n();
  const server = ctx.serverError?.nodeId === node.id ? ctx.serverError.message : null;
  const problem = ctx.problems.get(node.id);
  const text = server ?? (problem && (ctx.showProblems || touched) ? t(`segments.problem.${problem}`, { max: problem === "days" ? MAX_DAYS : problem === "tooMany" ? MAX_CONDITIONS : MAX_DEPTH }) : null);
  if (!text) return null;
  return (
    <p className={`mt-1 text-xs ${server ? "text-red-700" : "text-amber-800"}`} data-testid="segment-problem" data-problem={server ? "server" : problem}>
      {text}
    </p>
  );
}

function RemoveButton({ label, onClick, testId }: { label: string; onClick: () => void; testId: string }) {
  return (
    <button type="button" onClick={onClick} aria-label={label} title={label} data-testid={testId} className="shrink-0 rounded-md p-1.5 text-gray-500 hover:bg-red-50 hover:text-red-700">
      <svg viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
        <path d="M6 6l12 12M18 6L6 18" />
      </svg>
    </button>
  );
}

function ValueField({ ctx, c, depth }: { ctx: Ctx; c: ConditionDraft; depth: number }) {
  const { t } = useI18n();
  const input = valueInput(c.field, c.op, c.valueType);
  const disabled = !ctx.edit;
  const set = (value: string) => ctx.edit?.((r) => updateNode(r, c.id, (n) => ({ ...(n as ConditionDraft), value })));
  const common = { "aria-label": t("segments.valueLabel"), "data-testid": "segment-value", "data-depth": depth, "data-input": input, disabled };
  switch (input) {
    case "none":
      return null;
    case "bool":
      return (
        <select className={`${fieldClass} w-24`} value={c.value} onChange={(e) => set(e.target.value)} {...common}>
          <option value="true">{t("segments.value.yes")}</option>
          <option value="false">{t("segments.value.no")}</option>
        </select>
      );
    case "status":
      return (
        <select className={`${fieldClass} w-36`} value={c.value} onChange={(e) => set(e.target.value)} {...common}>
          {CONVERSATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      );
    case "channel": {
      const known = ctx.channels?.some((ch) => ch.id === c.value) ?? false;
      return (
        <select className={`${fieldClass} min-w-40 flex-1`} value={c.value} onChange={(e) => set(e.target.value)} {...common}>
          {!known && <option value={c.value}>{c.value ? c.value : ctx.channels?.length === 0 ? t("segments.value.noChannels") : t("segments.value.channelPick")}</option>}
          {ctx.channels?.map((ch) => (
            <option key={ch.id} value={ch.id}>
              {ch.name ? `${ch.name} (${ch.display_phone_number})` : ch.display_phone_number}
            </option>
          ))}
        </select>
      );
    }
    case "days":
      return (
        <span className="flex items-center gap-1.5">
          <input type="number" min={1} max={MAX_DAYS} step={1} inputMode="numeric" className={`${fieldClass} w-24`} value={c.value} onChange={(e) => set(e.target.value)} {...common} />
          <span className="text-sm text-gray-600">{t("segments.value.days")}</span>
        </span>
      );
    case "number":
      return <input type="number" step="any" inputMode="decimal" className={`${fieldClass} w-32`} value={c.value} onChange={(e) => set(e.target.value)} {...common} />;
    case "tag":
      return (
        <input
          type="text"
          list="segment-known-tags"
          className={`${fieldClass} min-w-32 flex-1`}
          value={c.value}
          placeholder={t("segments.value.tagPlaceholder")}
          onChange={(e) => set(e.target.value)}
          {...common}
        />
      );
    case "phone":
      return (
        <input type="tel" className={`${fieldClass} w-36 font-mono`} value={c.value} placeholder="+91" onChange={(e) => set(e.target.value)} {...common} />
      );
    case "text":
      return <input type="text" className={`${fieldClass} min-w-32 flex-1`} value={c.value} placeholder={t("segments.value.textPlaceholder")} onChange={(e) => set(e.target.value)} {...common} />;
  }
}

function ConditionRow({ ctx, c, depth }: { ctx: Ctx; c: ConditionDraft; depth: number }) {
  const { t } = useI18n();
  const disabled = !ctx.edit;
  const replace = (next: ConditionDraft) => ctx.edit?.((r) => updateNode(r, c.id, () => next));
  const custom = c.field === "custom";
  const typed = c.op === "eq" || c.op === "neq";
  return (
    <div data-testid="segment-condition" data-depth={depth} data-field={c.field} data-node-id={c.id}>
      <div className="flex flex-wrap items-center gap-2">
        <select
          className={`${fieldClass} w-40`}
          value={c.field}
          aria-label={t("segments.fieldLabel")}
          data-testid="segment-field"
          disabled={disabled}
          onChange={(e) => replace(withField(c, e.target.value as SegmentField, ctx.firstChannel))}
        >
          {SEGMENT_FIELDS.map((f) => (
            <option key={f} value={f}>
              {t(`segments.field.${f}`)}
            </option>
          ))}
        </select>
        {custom && (
          <input
            type="text"
            list="segment-known-fields"
            className={`${fieldClass} w-28 font-mono`}
            value={c.custom}
            placeholder={t("segments.customNamePlaceholder")}
            aria-label={t("segments.customName")}
            data-testid="segment-custom-name"
            disabled={disabled}
            onChange={(e) => replace({ ...c, custom: e.target.value })}
          />
        )}
        <select
          className={`${fieldClass} w-36`}
          value={c.op}
          aria-label={t("segments.opLabel")}
          data-testid="segment-op"
          disabled={disabled}
          onChange={(e) => replace(withOp(c, e.target.value as SegmentOp, ctx.firstChannel))}
        >
          {OPS_BY_FIELD[c.field].map((o) => (
            <option key={o} value={o}>
              {t(`segments.op.${o}`)}
            </option>
          ))}
        </select>
        {custom && typed && (
          <select
            className={`${fieldClass} w-24`}
            value={c.valueType}
            aria-label={t("segments.valueType.label")}
            data-testid="segment-value-type"
            disabled={disabled}
            onChange={(e) => replace(withValueType(c, e.target.value as CustomValueType))}
          >
            {CUSTOM_VALUE_TYPES.map((v) => (
              <option key={v} value={v}>
                {t(`segments.valueType.${v}`)}
              </option>
            ))}
          </select>
        )}
        <ValueField ctx={ctx} c={c} depth={depth} />
        {ctx.edit && <RemoveButton label={t("segments.removeCondition")} testId="segment-remove-condition" onClick={() => ctx.edit?.((r) => removeNode(r, c.id))} />}
      </div>
      <ProblemText ctx={ctx} node={c} touched={c.value.trim() !== "" || (custom && c.custom.trim() !== "")} />
    </div>
  );
}

function UnknownRow({ ctx, u, depth }: { ctx: Ctx; u: UnknownDraft; depth: number }) {
  const { t } = useI18n();
  return (
    <div data-testid="segment-condition" data-depth={depth} data-field="unknown" data-node-id={u.id}>
      <div className="flex items-center gap-2">
        <p className="min-w-0 flex-1 rounded-md bg-gray-50 px-2 py-1.5 text-xs text-gray-600">
          {t("segments.unknownCondition")} <code className="break-all">{JSON.stringify(u.raw)}</code>
        </p>
        {ctx.edit && <RemoveButton label={t("segments.removeCondition")} testId="segment-remove-condition" onClick={() => ctx.edit?.((r) => removeNode(r, u.id))} />}
      </div>
      <ProblemText ctx={ctx} node={u} touched />
    </div>
  );
}

function GroupBox({ ctx, g, depth }: { ctx: Ctx; g: GroupDraft; depth: number }) {
  const { t } = useI18n();
  const edit = ctx.edit;
  const setMode = (mode: GroupDraft["mode"]) => edit?.((r) => updateNode(r, g.id, (n) => ({ ...(n as GroupDraft), mode })));
  const groupOk = canAddGroup(ctx.root, g.id);
  const conditionOk = canAddCondition(ctx.root);
  const nested = depth > 1;
  return (
    <div
      className={nested ? "rounded-lg border border-brand-100 bg-brand-50/40 p-3" : ""}
      data-testid="segment-group"
      data-depth={depth}
      data-mode={g.mode}
      data-node-id={g.id}
      role="group"
      aria-label={t(g.mode === "all" ? "segments.group.allLabel" : "segments.group.anyLabel")}
    >
      <div className="mb-2 flex flex-wrap items-center gap-2 text-sm text-gray-700" data-testid="segment-group-head" data-depth={depth}>
        <span className="inline-flex overflow-hidden rounded-md border border-gray-300" role="radiogroup" aria-label={t("segments.group.match")}>
          {(["all", "any"] as const).map((mode) => (
            <button
              key={mode}
              type="button"
              role="radio"
              aria-checked={g.mode === mode}
              disabled={!edit}
              onClick={() => setMode(mode)}
              data-testid={`segment-mode-${mode}`}
              data-depth={depth}
              className={`px-2.5 py-1 text-sm font-medium ${g.mode === mode ? "bg-brand-600 text-white" : "bg-white text-gray-700 hover:bg-gray-50"} disabled:cursor-default`}
            >
              {t(`segments.mode.${mode}`)}
            </button>
          ))}
        </span>
        <span>{t("segments.group.ofThese")}</span>
        {nested && edit && (
          <span className="ml-auto">
            <button
              type="button"
              onClick={() => edit((r) => removeNode(r, g.id))}
              data-testid="segment-remove-group"
              data-depth={depth}
              className="rounded-md px-2 py-1 text-xs text-red-700 hover:bg-red-50"
            >
              {t("segments.removeGroup")}
            </button>
          </span>
        )}
      </div>
      <ul className="space-y-2" data-testid="segment-group-children" data-depth={depth}>
        {g.children.map((child, i) => (
          <li key={child.id} className="flex items-start gap-2">
            <span className="w-9 shrink-0 pt-1.5 text-right text-xs font-medium uppercase text-gray-400" aria-hidden="true">
              {i === 0 ? "" : t(g.mode === "all" ? "segments.join.and" : "segments.join.or")}
            </span>
            <div className="min-w-0 flex-1">
              {child.kind === "group" ? (
                <GroupBox ctx={ctx} g={child} depth={depth + 1} />
              ) : child.kind === "condition" ? (
                <ConditionRow ctx={ctx} c={child} depth={depth} />
              ) : (
                <UnknownRow ctx={ctx} u={child} depth={depth} />
              )}
            </div>
          </li>
        ))}
      </ul>
      <ProblemText ctx={ctx} node={g} touched={false} />
      {edit && (
        <div className="mt-2 flex flex-wrap gap-2 pl-11" data-testid="segment-group-actions" data-depth={depth}>
          <button
            type="button"
            disabled={!conditionOk}
            title={conditionOk ? undefined : t("segments.limitConditions", { max: MAX_CONDITIONS })}
            onClick={() => edit((r) => addChild(r, g.id, newCondition("tag")))}
            data-testid="segment-add-condition"
            data-depth={depth}
            className="rounded-md border border-dashed border-gray-300 px-2.5 py-1 text-sm text-brand-700 hover:bg-brand-50 disabled:cursor-not-allowed disabled:text-gray-400"
          >
            + {t("segments.addCondition")}
          </button>
          <button
            type="button"
            disabled={!groupOk}
            title={groupOk ? undefined : conditionOk ? t("segments.limitDepth", { max: MAX_DEPTH }) : t("segments.limitConditions", { max: MAX_CONDITIONS })}
            onClick={() => edit((r) => addChild(r, g.id, newGroup(g.mode === "all" ? "any" : "all")))}
            data-testid="segment-add-group"
            data-depth={depth}
            className="rounded-md border border-dashed border-gray-300 px-2.5 py-1 text-sm text-brand-700 hover:bg-brand-50 disabled:cursor-not-allowed disabled:text-gray-400"
          >
            + {t("segments.addGroup")}
          </button>
        </div>
      )}
    </div>
  );
}

export function RuleBuilder(props: RuleBuilderProps) {
  const { onEdit, root } = props;
  const ctx: Ctx = {
    ...props,
    edit: onEdit ?? null,
    firstChannel: props.channels?.[0]?.id ?? "",
  };
  return (
    <div data-testid="segment-rule" data-conditions={countConditions(root)}>
      <GroupBox ctx={ctx} g={root} depth={1} />
      <datalist id="segment-known-tags">
        {props.knownTags.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <datalist id="segment-known-fields">
        {props.knownFields.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
    </div>
  );
}
