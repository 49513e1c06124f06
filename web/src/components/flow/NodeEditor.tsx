// The side panel form for the selected node's `data`, one form per node type
// (shapes as in shared/DESIGN.md "Flow JSON").

import { useMemo, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import {
  ASSIGN_STRATEGIES,
  buttonsOf,
  HTTP_METHODS,
  isNodeType,
  MAX_BUTTONS,
  MAX_LIST_ROWS,
  MEDIA_KINDS,
  nextId,
  OPERATORS,
  parseList,
  rulesOf,
  sectionsOf,
  VALIDATIONS,
  formatSeconds,
  type ButtonItem,
  type ListRow,
  type ListSection,
  type Rule,
} from "../../lib/flow";
import { templateVariableCount } from "../../lib/templates";
import type { DripView, FlowData, TemplateFull, User } from "../../lib/types";
import { SequencePicker } from "../sequences/SequencePicker";
import { Checkbox, fieldClass, inputClass, SelectInput, TextArea, TextInput } from "../ui";
import { NodeIcon } from "./NodeIcon";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const numOrEmpty = (v: unknown): string => (typeof v === "number" && Number.isFinite(v) ? String(v) : "");

interface Props {
  id: string;
  type: string;
  data: FlowData;
  nodeIds: string[];
  isStart: boolean;
  issues: string[];
  users: User[];
  templates: TemplateFull[] | null;
  /** The tenant's drip sequences (enrol nodes); null while loading. */
  sequences: DripView[] | null;
  onChange: (data: FlowData) => void;
  onStart: (on: boolean) => void;
  onDelete: () => void;
}

/** Copy of `data` with `key` set, or removed when `value` is undefined or "". */
function put(data: FlowData, key: string, value: unknown): FlowData {
  const next = { ...data };
  if (value === undefined || value === "") delete next[key];
  else next[key] = value;
  return next;
}

const smallBtn = "rounded-md px-2 py-1 text-xs font-medium text-brand-700 hover:bg-brand-50 disabled:text-gray-400 disabled:hover:bg-transparent";
const removeBtn = "shrink-0 rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700";

/** A comma-separated list edited as text (kept as typed; the data gets the parsed list). */
function ListInput({ label, hint, value, onChange, testId }: { label: string; hint?: string; value: unknown; onChange: (list: string[]) => void; testId?: string }) {
  const [text, setText] = useState(() => (Array.isArray(value) ? value.map(str).join(", ") : ""));
  return (
    <TextInput
      label={label}
      hint={hint}
      value={text}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value));
      }}
    />
  );
}

/** Pairs edited as rows; the data gets an object of the rows with a key. */
function PairsInput({
  label,
  keyLabel,
  valueLabel,
  value,
  onChange,
}: {
  label: string;
  keyLabel: string;
  valueLabel: string;
  value: unknown;
  onChange: (obj: Record<string, string> | undefined) => void;
}) {
  const { t } = useI18n();
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(asObj(value)).map(([k, v]) => [k, str(v)]));
  const emit = (next: [string, string][]) => {
    setRows(next);
    const obj = Object.fromEntries(next.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
    onChange(Object.keys(obj).length ? obj : undefined);
  };
  return (
    <fieldset className="space-y-1">
      <legend className="mb-1 text-xs font-medium text-gray-700">{label}</legend>
      {rows.map(([k, v], i) => (
        <div key={i} className="flex gap-1">
          <input aria-label={keyLabel} placeholder={keyLabel} value={k} className={`${inputClass} font-mono`} onChange={(e) => emit(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <input aria-label={valueLabel} placeholder={valueLabel} value={v} className={`${inputClass} font-mono`} onChange={(e) => emit(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => emit(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className={smallBtn} onClick={() => setRows([...rows, ["", ""]])}>
        + {t("flow.editor.addPair")}
      </button>
    </fieldset>
  );
}

function MessageForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const media = asObj(data.media);
  const isMedia = "media" in data;
  const setMedia = (patch: Obj) => {
    const next: Obj = { ...media, ...patch };
    for (const k of Object.keys(next)) if (next[k] === "" || next[k] === undefined) delete next[k];
    onChange({ ...withoutKeys(data, ["text"]), media: next });
  };
  return (
    <div className="space-y-3">
      <div className="flex gap-3 text-sm" role="radiogroup" aria-label={t("flow.editor.messageKind")}>
        <label className="inline-flex items-center gap-1">
          <input type="radio" checked={!isMedia} onChange={() => onChange({ ...withoutKeys(data, ["media"]), text: str(media.caption) })} />
          {t("flow.editor.kindText")}
        </label>
        <label className="inline-flex items-center gap-1">
          <input type="radio" checked={isMedia} data-testid="message-kind-media" onChange={() => onChange({ ...withoutKeys(data, ["text"]), media: { type: "image" } })} />
          {t("flow.editor.kindMedia")}
        </label>
      </div>
      {!isMedia ? (
        <TextArea
          label={t("flow.editor.text")}
          hint={t("flow.editor.textHint")}
          rows={4}
          value={str(data.text)}
          data-testid="node-text"
          onChange={(e) => onChange({ ...data, text: e.target.value })}
        />
      ) : (
        <>
          <SelectInput
            label={t("flow.editor.mediaType")}
            value={str(media.type) || "image"}
            options={MEDIA_KINDS.map((k) => ({ value: k, label: t(`msg.${k}`) }))}
            onChange={(e) => setMedia({ type: e.target.value })}
          />
          <TextInput label={t("flow.editor.mediaLink")} type="url" value={str(media.link)} placeholder="https://" onChange={(e) => setMedia({ link: e.target.value, id: e.target.value ? undefined : media.id })} />
          <TextInput label={t("flow.editor.mediaId")} value={str(media.id)} onChange={(e) => setMedia({ id: e.target.value, link: e.target.value ? undefined : media.link })} />
          {media.type !== "audio" && media.type !== "sticker" && (
            <TextArea label={t("flow.editor.caption")} rows={2} value={str(media.caption)} onChange={(e) => setMedia({ caption: e.target.value })} />
          )}
        </>
      )}
    </div>
  );
}

function withoutKeys(data: FlowData, keys: string[]): FlowData {
  const next = { ...data };
  for (const k of keys) delete next[k];
  return next;
}

/** Values of a send-payload component's text parameters (`{type: "body", parameters: [{type: "text", text}]}`). */
function paramValues(components: unknown, kind: "header" | "body"): string[] {
  const list = Array.isArray(components) ? components : [];
  const comp = list.map(asObj).find((c) => str(c.type).toLowerCase() === kind);
  return (Array.isArray(comp?.parameters) ? comp.parameters : []).map((p) => str(asObj(p).text));
}

function TemplateForm({ data, onChange, templates }: { data: FlowData; onChange: (d: FlowData) => void; templates: TemplateFull[] | null }) {
  const { t } = useI18n();
  const approved = (templates ?? []).filter((tpl) => tpl.status.toUpperCase() === "APPROVED");
  const name = str(data.name);
  const language = str(data.language);
  const match = approved.find((tpl) => tpl.name === name && tpl.language === language);
  const counts = match ? templateVariableCount(match.components) : { header: 0, body: 0 };
  const header = paramValues(data.components, "header");
  const body = paramValues(data.components, "body");

  const setParams = (nextHeader: string[], nextBody: string[]) => {
    const components: Obj[] = [];
    const asParams = (vals: string[]) => vals.map((text) => ({ type: "text", text }));
    if (nextHeader.length) components.push({ type: "header", parameters: asParams(nextHeader) });
    if (nextBody.length) components.push({ type: "body", parameters: asParams(nextBody) });
    onChange({ ...data, components });
  };
  const pick = (value: string) => {
    const tpl = approved.find((x) => x.id === value);
    if (!tpl) return;
    const c = templateVariableCount(tpl.components);
    onChange({
      ...data,
      name: tpl.name,
      language: tpl.language,
      components: [
        ...(c.header ? [{ type: "header", parameters: Array.from({ length: c.header }, () => ({ type: "text", text: "" })) }] : []),
        ...(c.body ? [{ type: "body", parameters: Array.from({ length: c.body }, () => ({ type: "text", text: "" })) }] : []),
      ],
    });
  };
  const pad = (vals: string[], n: number) => Array.from({ length: n }, (_, i) => vals[i] ?? "");

  return (
    <div className="space-y-3">
      {approved.length > 0 && (
        <SelectInput
          label={t("flow.editor.templatePick")}
          value={match?.id ?? ""}
          onChange={(e) => pick(e.target.value)}
          options={[{ value: "", label: t("template.select") }, ...approved.map((tpl) => ({ value: tpl.id, label: `${tpl.name} · ${tpl.language}` }))]}
        />
      )}
      <div className="grid grid-cols-[1fr_6rem] gap-2">
        <TextInput label={t("template.name")} value={name} className="font-mono" onChange={(e) => onChange({ ...data, name: e.target.value })} />
        <TextInput label={t("template.language")} value={language} onChange={(e) => onChange({ ...data, language: e.target.value })} />
      </div>
      {match ? (
        <>
          {pad(header, counts.header).map((v, i) => (
            <TextInput
              key={`h${i}`}
              label={t("flow.editor.headerVar", { n: i + 1 })}
              value={v}
              onChange={(e) => setParams(pad(header, counts.header).map((x, j) => (j === i ? e.target.value : x)), pad(body, counts.body))}
            />
          ))}
          {pad(body, counts.body).map((v, i) => (
            <TextInput
              key={`b${i}`}
              label={t("flow.editor.bodyVar", { n: i + 1 })}
              value={v}
              hint={i === 0 ? t("flow.editor.textHint") : undefined}
              onChange={(e) => setParams(pad(header, counts.header), pad(body, counts.body).map((x, j) => (j === i ? e.target.value : x)))}
            />
          ))}
        </>
      ) : (
        <p className="text-xs text-gray-500">{t("flow.editor.templateHint")}</p>
      )}
    </div>
  );
}

function ButtonsForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const buttons = buttonsOf(data);
  const set = (next: ButtonItem[]) => onChange({ ...data, buttons: next });
  return (
    <div className="space-y-3">
      <TextArea label={t("flow.editor.text")} hint={t("flow.editor.textHint")} value={str(data.text)} data-testid="node-text" onChange={(e) => onChange({ ...data, text: e.target.value })} />
      <fieldset className="space-y-1.5">
        <legend className="mb-1 text-xs font-medium text-gray-700">{t("flow.editor.buttons")}</legend>
        {buttons.map((b, i) => (
          <div key={i} className="flex items-center gap-1" data-testid="button-row">
            <input
              aria-label={t("flow.editor.buttonTitle", { n: i + 1 })}
              placeholder={t("flow.editor.buttonTitle", { n: i + 1 })}
              value={b.title}
              maxLength={20}
              className={inputClass}
              data-testid={`button-title-${i + 1}`}
              onChange={(e) => set(buttons.map((x, j) => (j === i ? { ...x, title: e.target.value } : x)))}
            />
            <input
              aria-label={t("flow.editor.handleId")}
              title={t("flow.editor.handleId")}
              value={b.id}
              className={`${fieldClass} w-16 shrink-0 font-mono text-xs`}
              onChange={(e) => set(buttons.map((x, j) => (j === i ? { ...x, id: e.target.value.replace(/\s/g, "_") } : x)))}
            />
            <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => set(buttons.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
        ))}
        <button
          type="button"
          className={smallBtn}
          disabled={buttons.length >= MAX_BUTTONS}
          data-testid="button-add"
          onClick={() => set([...buttons, { id: nextId("b", buttons.map((b) => b.id)), title: "" }])}
        >
          + {t("flow.editor.addButton")}
        </button>
        <p className="text-xs text-gray-500">{t("flow.editor.buttonsHint", { max: MAX_BUTTONS })}</p>
      </fieldset>
    </div>
  );
}

function ListForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const sections = sectionsOf(data);
  const allRowIds = sections.flatMap((s) => s.rows.map((r) => r.id));
  const rowCount = allRowIds.length;
  const set = (next: ListSection[]) => onChange({ ...data, sections: next });
  const setSection = (i: number, s: ListSection) => set(sections.map((x, j) => (j === i ? s : x)));
  return (
    <div className="space-y-3">
      <TextArea label={t("flow.editor.text")} hint={t("flow.editor.textHint")} value={str(data.text)} data-testid="node-text" onChange={(e) => onChange({ ...data, text: e.target.value })} />
      <TextInput label={t("flow.editor.listButton")} maxLength={20} value={str(data.button)} onChange={(e) => onChange({ ...data, button: e.target.value })} />
      {sections.map((s, i) => (
        <fieldset key={i} className="space-y-1.5 rounded-md border border-gray-200 p-2">
          <div className="flex items-center gap-1">
            <input
              aria-label={t("flow.editor.sectionTitle")}
              placeholder={t("flow.editor.sectionTitle")}
              value={s.title}
              maxLength={24}
              className={`${inputClass} font-medium`}
              onChange={(e) => setSection(i, { ...s, title: e.target.value })}
            />
            <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => set(sections.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
          {s.rows.map((r, k) => (
            <div key={k} className="space-y-1 border-l-2 border-gray-100 pl-2">
              <div className="flex items-center gap-1">
                <input
                  aria-label={t("flow.editor.rowTitle")}
                  placeholder={t("flow.editor.rowTitle")}
                  maxLength={24}
                  value={r.title}
                  className={inputClass}
                  onChange={(e) => setSection(i, { ...s, rows: s.rows.map((x, j) => (j === k ? { ...x, title: e.target.value } : x)) })}
                />
                <input
                  aria-label={t("flow.editor.handleId")}
                  title={t("flow.editor.handleId")}
                  value={r.id}
                  className={`${fieldClass} w-16 shrink-0 font-mono text-xs`}
                  onChange={(e) => setSection(i, { ...s, rows: s.rows.map((x, j) => (j === k ? { ...x, id: e.target.value.replace(/\s/g, "_") } : x)) })}
                />
                <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => setSection(i, { ...s, rows: s.rows.filter((_, j) => j !== k) })}>
                  ✕
                </button>
              </div>
              <input
                aria-label={t("flow.editor.rowDescription")}
                placeholder={`${t("flow.editor.rowDescription")} (${t("common.optional")})`}
                maxLength={72}
                value={r.description ?? ""}
                className={`${inputClass} text-xs`}
                onChange={(e) =>
                  setSection(i, {
                    ...s,
                    rows: s.rows.map((x, j) => {
                      if (j !== k) return x;
                      const row: ListRow = { id: x.id, title: x.title };
                      if (e.target.value) row.description = e.target.value;
                      return row;
                    }),
                  })
                }
              />
            </div>
          ))}
          <button
            type="button"
            className={smallBtn}
            disabled={rowCount >= MAX_LIST_ROWS}
            onClick={() => setSection(i, { ...s, rows: [...s.rows, { id: nextId("r", allRowIds), title: "" }] })}
          >
            + {t("flow.editor.addRow")}
          </button>
        </fieldset>
      ))}
      <button type="button" className={smallBtn} disabled={rowCount >= MAX_LIST_ROWS} onClick={() => set([...sections, { title: "", rows: [{ id: nextId("r", allRowIds), title: "" }] }])}>
        + {t("flow.editor.addSection")}
      </button>
      <p className="text-xs text-gray-500">{t("flow.editor.listHint", { max: MAX_LIST_ROWS })}</p>
    </div>
  );
}

function InputForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const validation = str(data.validation) || "text";
  const setNum = (key: string, v: string) => onChange(put(data, key, v === "" ? undefined : Math.max(0, Math.floor(Number(v)))));
  return (
    <div className="space-y-3">
      <TextArea label={t("flow.editor.prompt")} hint={t("flow.editor.textHint")} value={str(data.prompt)} data-testid="node-prompt" onChange={(e) => onChange({ ...data, prompt: e.target.value })} />
      <TextInput
        label={t("flow.editor.variable")}
        hint={t("flow.editor.variableHint", { name: str(data.variable) || "name" })}
        value={str(data.variable)}
        className="font-mono"
        data-testid="node-variable"
        onChange={(e) => onChange({ ...data, variable: e.target.value.replace(/[^A-Za-z0-9_]/g, "_") })}
      />
      <SelectInput
        label={t("flow.editor.validation")}
        value={validation}
        options={VALIDATIONS.map((v) => ({ value: v, label: t(`flow.validation.${v}`) }))}
        onChange={(e) => {
          let next: FlowData = { ...data, validation: e.target.value };
          if (e.target.value !== "regex") next = withoutKeys(next, ["pattern"]);
          if (e.target.value !== "choice") next = withoutKeys(next, ["choices"]);
          onChange(next);
        }}
      />
      {validation === "regex" && (
        <TextInput label={t("flow.editor.pattern")} value={str(data.pattern)} className="font-mono" onChange={(e) => onChange(put(data, "pattern", e.target.value))} />
      )}
      {validation === "choice" && (
        <ListInput label={t("flow.editor.choices")} hint={t("flow.editor.commaHint")} value={data.choices} onChange={(list) => onChange(put(data, "choices", list.length ? list : undefined))} />
      )}
      <div className="grid grid-cols-2 gap-2">
        <TextInput label={t("flow.editor.retries")} type="number" min={0} max={10} value={numOrEmpty(data.retries)} onChange={(e) => setNum("retries", e.target.value)} />
        <TextInput label={t("flow.editor.timeout")} type="number" min={0} value={numOrEmpty(data.timeout_seconds)} onChange={(e) => setNum("timeout_seconds", e.target.value)} />
      </div>
      <p className="text-xs text-gray-500">{t("flow.editor.inputHandles")}</p>
    </div>
  );
}

const FIELD_SUGGESTIONS = ["message.text", "contact.name", "contact.phone", "contact.tags", "vars."];

function ConditionForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const rules = rulesOf(data);
  const set = (next: Rule[]) => onChange({ ...data, rules: next });
  const listId = "condition-fields";
  return (
    <div className="space-y-3">
      <datalist id={listId}>
        {FIELD_SUGGESTIONS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {rules.map((r, i) => {
        const unary = r.operator === "exists" || r.operator === "not_exists";
        return (
          <fieldset key={i} className="space-y-1.5 rounded-md border border-gray-200 p-2" data-testid="rule-row">
            <div className="flex items-center justify-between">
              <legend className="text-xs font-medium text-gray-700">{t("flow.editor.rule", { n: i + 1 })}</legend>
              <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => set(rules.filter((_, j) => j !== i))}>
                ✕
              </button>
            </div>
            <input
              list={listId}
              aria-label={t("flow.editor.field")}
              placeholder={t("flow.editor.field")}
              value={r.field}
              className={`${inputClass} font-mono`}
              onChange={(e) => set(rules.map((x, j) => (j === i ? { ...x, field: e.target.value } : x)))}
            />
            <div className="flex gap-1">
              <select
                aria-label={t("flow.editor.operator")}
                value={r.operator}
                className={inputClass}
                onChange={(e) => set(rules.map((x, j) => (j === i ? { ...x, operator: e.target.value } : x)))}
              >
                {OPERATORS.map((op) => (
                  <option key={op} value={op}>
                    {t(`flow.operator.${op}`)}
                  </option>
                ))}
              </select>
              {!unary && (
                <input
                  aria-label={t("flow.editor.value")}
                  placeholder={t("flow.editor.value")}
                  value={r.value}
                  className={inputClass}
                  data-testid={`rule-value-${i + 1}`}
                  onChange={(e) => set(rules.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                />
              )}
            </div>
            <label className="flex items-center gap-1 text-xs text-gray-500">
              {t("flow.editor.handleId")}
              <input
                value={r.handle}
                className={`${fieldClass} w-24 font-mono text-xs`}
                onChange={(e) => set(rules.map((x, j) => (j === i ? { ...x, handle: e.target.value.replace(/\s/g, "_") } : x)))}
              />
            </label>
          </fieldset>
        );
      })}
      <button
        type="button"
        className={smallBtn}
        data-testid="rule-add"
        onClick={() => set([...rules, { field: "message.text", operator: "equals", value: "", handle: nextId("r", rules.map((r) => r.handle)) }])}
      >
        + {t("flow.editor.addRule")}
      </button>
      <p className="text-xs text-gray-500">{t("flow.editor.elseHint")}</p>
    </div>
  );
}

function ApiForm({ data, onChange }: { data: FlowData; onChange: (d: FlowData) => void }) {
  const { t } = useI18n();
  const method = str(data.method) || "GET";
  const body = typeof data.body === "string" ? data.body : data.body === undefined ? "" : JSON.stringify(data.body, null, 2);
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-[6rem_1fr] gap-2">
        <SelectInput label={t("flow.editor.method")} value={method} options={HTTP_METHODS.map((m) => ({ value: m, label: m }))} onChange={(e) => onChange({ ...data, method: e.target.value })} />
        <TextInput label={t("flow.editor.url")} type="url" placeholder="https://" value={str(data.url)} onChange={(e) => onChange({ ...data, url: e.target.value })} />
      </div>
      <PairsInput label={t("flow.editor.headers")} keyLabel={t("flow.editor.headerName")} valueLabel={t("flow.editor.value")} value={data.headers} onChange={(obj) => onChange(put(data, "headers", obj))} />
      {method !== "GET" && (
        <TextArea
          label={t("flow.editor.body")}
          hint={t("flow.editor.bodyHint")}
          rows={4}
          className="font-mono"
          value={body}
          onChange={(e) => {
            const text = e.target.value;
            let value: unknown = text;
            try {
              if (text.trim().startsWith("{") || text.trim().startsWith("[")) value = JSON.parse(text);
            } catch {
              value = text;
            }
            onChange(put(data, "body", text === "" ? undefined : value));
          }}
        />
      )}
      <TextInput
        label={t("flow.editor.timeoutMs")}
        type="number"
        min={0}
        value={numOrEmpty(data.timeout_ms)}
        onChange={(e) => onChange(put(data, "timeout_ms", e.target.value === "" ? undefined : Math.max(0, Math.floor(Number(e.target.value)))))}
      />
      <PairsInput
        label={t("flow.editor.save")}
        keyLabel={t("flow.editor.variable")}
        valueLabel={t("flow.editor.jsonPath")}
        value={data.save}
        onChange={(obj) => onChange({ ...data, save: obj ?? {} })}
      />
      <p className="text-xs text-gray-500">{t("flow.editor.apiHint")}</p>
    </div>
  );
}

function AssignForm({ data, onChange, users }: { data: FlowData; onChange: (d: FlowData) => void; users: User[] }) {
  const { t } = useI18n();
  const mode = str(data.agent_id) ? "agent" : typeof data.team === "string" ? "team" : "auto";
  const setMode = (m: string) => {
    const base = withoutKeys(data, ["agent_id", "team"]);
    if (m === "agent") onChange({ ...withoutKeys(base, ["strategy"]), agent_id: users[0]?.id ?? "" });
    else if (m === "team") onChange({ ...base, team: "" });
    else onChange({ ...base, strategy: str(data.strategy) || "round_robin" });
  };
  return (
    <div className="space-y-3">
      <SelectInput
        label={t("flow.editor.assignTo")}
        value={mode}
        onChange={(e) => setMode(e.target.value)}
        options={[
          { value: "auto", label: t("flow.editor.assignAuto") },
          { value: "agent", label: t("flow.editor.assignAgent") },
          { value: "team", label: t("flow.editor.assignTeam") },
        ]}
      />
      {mode === "agent" && (
        <SelectInput
          label={t("flow.editor.agent")}
          value={str(data.agent_id)}
          onChange={(e) => onChange({ ...data, agent_id: e.target.value })}
          options={users.map((u) => ({ value: u.id, label: `${u.name} (${t(`role.${u.role}`)})` }))}
        />
      )}
      {mode === "team" && <TextInput label={t("flow.editor.team")} value={str(data.team)} onChange={(e) => onChange({ ...data, team: e.target.value })} />}
      {mode !== "agent" && (
        <SelectInput
          label={t("flow.editor.strategy")}
          value={str(data.strategy) || "round_robin"}
          onChange={(e) => onChange({ ...data, strategy: e.target.value })}
          options={ASSIGN_STRATEGIES.map((s) => ({ value: s, label: t(`flow.strategy.${s}`) }))}
        />
      )}
    </div>
  );
}

export function NodeEditor({ id, type, data, nodeIds, isStart, issues, users, templates, sequences, onChange, onStart, onDelete }: Props) {
  const { t } = useI18n();
  const known = isNodeType(type);
  const jumpTargets = useMemo(() => nodeIds.filter((n) => n !== id), [nodeIds, id]);

  let form: React.ReactNode = null;
  switch (type) {
    case "message":
      form = <MessageForm data={data} onChange={onChange} />;
      break;
    case "template":
      form = <TemplateForm data={data} onChange={onChange} templates={templates} />;
      break;
    case "buttons":
      form = <ButtonsForm data={data} onChange={onChange} />;
      break;
    case "list":
      form = <ListForm data={data} onChange={onChange} />;
      break;
    case "input":
      form = <InputForm data={data} onChange={onChange} />;
      break;
    case "condition":
      form = <ConditionForm data={data} onChange={onChange} />;
      break;
    case "delay":
      form = (
        <TextInput
          label={t("flow.editor.seconds")}
          hint={formatSeconds(Number(data.seconds) || 0)}
          type="number"
          min={1}
          value={numOrEmpty(data.seconds)}
          onChange={(e) => onChange(put(data, "seconds", e.target.value === "" ? undefined : Math.max(0, Math.floor(Number(e.target.value)))))}
        />
      );
      break;
    case "api":
      form = <ApiForm data={data} onChange={onChange} />;
      break;
    case "webhook":
      form = (
        <div className="space-y-2">
          <TextInput label={t("flow.editor.url")} type="url" placeholder="https://" value={str(data.url)} onChange={(e) => onChange({ ...data, url: e.target.value })} />
          <p className="text-xs text-gray-500">{t("flow.editor.webhookHint")}</p>
        </div>
      );
      break;
    case "assign":
      form = <AssignForm data={data} onChange={onChange} users={users} />;
      break;
    case "tag":
      form = (
        <div className="space-y-3">
          <ListInput label={t("flow.editor.tagAdd")} hint={t("flow.editor.commaHint")} value={data.add} testId="node-tag-add" onChange={(l) => onChange(put(data, "add", l.length ? l : undefined))} />
          <ListInput label={t("flow.editor.tagRemove")} hint={t("flow.editor.commaHint")} value={data.remove} onChange={(l) => onChange(put(data, "remove", l.length ? l : undefined))} />
        </div>
      );
      break;
    case "set_field":
      form = (
        <div className="space-y-3">
          <TextInput label={t("flow.editor.fieldName")} hint={t("flow.editor.fieldNameHint")} className="font-mono" value={str(data.field)} onChange={(e) => onChange({ ...data, field: e.target.value })} />
          <TextInput label={t("flow.editor.value")} hint={t("flow.editor.textHint")} value={str(data.value)} onChange={(e) => onChange({ ...data, value: e.target.value })} />
        </div>
      );
      break;
    case "enroll":
      form = (
        <div className="space-y-2">
          <SequencePicker
            sequences={sequences}
            value={str(data.campaign_id)}
            onChange={(campaignId) => onChange({ ...data, campaign_id: campaignId })}
            label={t("flow.editor.sequence")}
            testId="node-enroll-sequence"
          />
          <p className="text-xs text-gray-500">{t("flow.editor.enrollHint")}</p>
        </div>
      );
      break;
    case "jump":
      form = (
        <SelectInput
          label={t("flow.editor.jumpTarget")}
          value={str(data.target)}
          onChange={(e) => onChange({ ...data, target: e.target.value })}
          options={[{ value: "", label: t("flow.editor.chooseNode") }, ...jumpTargets.map((n) => ({ value: n, label: n }))]}
        />
      );
      break;
    case "handoff":
      form = (
        <div className="space-y-2">
          <TextArea label={t("flow.editor.note")} value={str(data.note)} onChange={(e) => onChange(put(data, "note", e.target.value))} />
          <p className="text-xs text-gray-500">{t("flow.editor.handoffHint")}</p>
        </div>
      );
      break;
    case "end":
      form = <p className="text-sm text-gray-600">{t("flow.endHint")}</p>;
      break;
  }

  return (
    <div className="space-y-4" data-testid="node-editor" data-node-id={id}>
      <div className="flex items-center gap-2">
        <NodeIcon type={type} className="h-5 w-5 text-gray-500" />
        <div className="min-w-0">
          <div className="font-semibold">{known ? t(`flow.node.${type}`) : type}</div>
          <div className="truncate font-mono text-xs text-gray-500">{id}</div>
        </div>
      </div>
      {known && <p className="text-xs text-gray-500">{t(`flow.help.${type}`)}</p>}
      {issues.length > 0 && (
        <ul className="space-y-1 rounded-md border border-red-200 bg-red-50 p-2 text-xs text-red-700" data-testid="editor-issues">
          {issues.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      <Checkbox label={t("flow.editor.start")} checked={isStart} data-testid="node-start" onChange={(e) => onStart(e.target.checked)} />
      {form}
      <div className="border-t border-gray-100 pt-3">
        <button type="button" onClick={onDelete} data-testid="node-delete" className="rounded-md px-2 py-1 text-sm text-red-700 hover:bg-red-50">
          {t("flow.editor.deleteNode")}
        </button>
      </div>
    </div>
  );
}
