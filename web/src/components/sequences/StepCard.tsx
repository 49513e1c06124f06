import type { ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { DELAY_UNITS, errorUnder, pickStepTemplate, type DelayUnit, type StepDraft } from "../../lib/drips";
import type { TemplateFull } from "../../lib/types";
import { SourcesEditor } from "../campaigns/SourcesEditor";
import { Checkbox, fieldClass, inputClass, Labeled } from "../ui";
import { SendWindowEditor } from "./SendWindowEditor";

/** A red line under a control (a refusal from the server or the editor's own check). */
function FieldError({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p className="mt-1 text-xs text-red-700" data-testid="field-error">
      {text}
    </p>
  );
}

function Part({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="space-y-2 border-t border-gray-100 pt-3">
      <h4 className="text-xs font-semibold uppercase tracking-wide text-gray-500">{title}</h4>
      {children}
    </div>
  );
}

/**
 * One step of the timeline: its name, its wait (from the step before or
 * from enrolment), an optional send window, the message (an approved
 * template with its variables, and/or a free-form text used only while the
 * contact's window is open) and an optional condition.
 */
export function StepCard({
  step,
  index,
  count,
  templates,
  errors,
  onChange,
  onRemove,
  onMove,
}: {
  step: StepDraft;
  index: number;
  count: number;
  templates: readonly TemplateFull[];
  /** Refusals about this step: the path after `steps[i].` → message ("" for the step as a whole). */
  errors: Record<string, string>;
  onChange: (s: StepDraft) => void;
  onRemove: () => void;
  onMove: (by: -1 | 1) => void;
}) {
  const { t } = useI18n();
  const tid = `sequence-step-${index + 1}`;
  const set = (patch: Partial<StepDraft>) => onChange({ ...step, ...patch });
  const template = templates.find((x) => x.id === step.templateId) ?? null;
  return (
    <li className="relative pl-10" data-testid={tid}>
      {/* The timeline: a numbered dot, and the line to the next step. */}
      <span className="absolute left-0 top-3 flex h-7 w-7 items-center justify-center rounded-full bg-brand-600 text-sm font-semibold text-white" aria-hidden="true">
        {index + 1}
      </span>
      {index < count - 1 && <span className="absolute bottom-0 left-3.5 top-10 w-px bg-brand-200" aria-hidden="true" />}
      <div className="mb-4 space-y-3 rounded-xl border border-gray-200 bg-white p-4">
        <div className="flex flex-wrap items-start gap-2">
          <div className="min-w-48 flex-1">
            <Labeled label={t("sequences.step.name")} error={errors.name}>
              {(id, described) => (
                <input
                  id={id}
                  className={inputClass}
                  value={step.name}
                  maxLength={100}
                  placeholder={t("sequences.step.namePlaceholder")}
                  onChange={(e) => set({ name: e.target.value })}
                  data-testid={`${tid}-name`}
                  {...described}
                />
              )}
            </Labeled>
          </div>
          <div className="flex items-center gap-1 pt-5">
            <button type="button" className="rounded px-2 py-1 text-sm text-gray-600 hover:bg-gray-100 disabled:text-gray-300" disabled={index === 0} onClick={() => onMove(-1)} aria-label={t("sequences.step.up")} title={t("sequences.step.up")}>
              ↑
            </button>
            <button type="button" className="rounded px-2 py-1 text-sm text-gray-600 hover:bg-gray-100 disabled:text-gray-300" disabled={index === count - 1} onClick={() => onMove(1)} aria-label={t("sequences.step.down")} title={t("sequences.step.down")}>
              ↓
            </button>
            <button type="button" className="rounded px-2 py-1 text-sm text-red-700 hover:bg-red-50 disabled:text-gray-300" disabled={count === 1} onClick={onRemove} data-testid={`${tid}-remove`}>
              {t("sequences.step.remove")}
            </button>
          </div>
        </div>
        <FieldError text={errors[""]} />

        <Part title={t("sequences.step.when")}>
          <div className="flex flex-wrap items-end gap-2">
            <Labeled label={t("sequences.step.wait")}>
              {(id) => (
                <input
                  id={id}
                  type="number"
                  min={0}
                  step={1}
                  className={`${fieldClass} w-24`}
                  value={step.delayValue}
                  onChange={(e) => set({ delayValue: e.target.value })}
                  aria-invalid={errors.delay_seconds ? true : undefined}
                  data-testid={`${tid}-delay`}
                />
              )}
            </Labeled>
            <select className={fieldClass} value={step.delayUnit} onChange={(e) => set({ delayUnit: e.target.value as DelayUnit })} aria-label={t("sequences.step.unit")} data-testid={`${tid}-unit`}>
              {DELAY_UNITS.map((u) => (
                <option key={u} value={u}>
                  {t(`sequences.unit.${u}`)}
                </option>
              ))}
            </select>
            <select
              className={fieldClass}
              value={step.delayFrom}
              onChange={(e) => set({ delayFrom: e.target.value === "enrolment" ? "enrolment" : "previous" })}
              aria-label={t("sequences.step.from")}
              data-testid={`${tid}-from`}
            >
              <option value="previous">{index === 0 ? t("sequences.step.fromPreviousFirst") : t("sequences.step.fromPrevious")}</option>
              <option value="enrolment">{t("sequences.step.fromEnrolment")}</option>
            </select>
          </div>
          <FieldError text={errorUnder(errors, "delay_seconds", "delay_from")} />
          <Checkbox label={t("sequences.step.windowOn")} checked={step.windowOn} onChange={(e) => set({ windowOn: e.target.checked })} data-testid={`${tid}-window-on`} />
          {step.windowOn && <SendWindowEditor value={step.window} onChange={(window) => set({ window })} error={errorUnder(errors, "send_window")} testId={`${tid}-window`} />}
        </Part>

        <Part title={t("sequences.step.message")}>
          <Labeled label={t("sequences.step.template")} hint={t("sequences.step.templateHint")} error={errorUnder(errors, "template")}>
            {(id, described) => (
              <select
                id={id}
                className={inputClass}
                value={step.templateId}
                onChange={(e) => onChange(pickStepTemplate(step, e.target.value, templates))}
                data-testid={`${tid}-template`}
                {...described}
              >
                <option value="">{t("sequences.step.noTemplate")}</option>
                {templates.map((x) => (
                  <option key={x.id} value={x.id} data-name={x.name}>
                    {x.name} · {x.language}
                  </option>
                ))}
              </select>
            )}
          </Labeled>
          {template && <SourcesEditor template={template} sources={step.sources} columns={[]} onChange={(sources) => set({ sources })} prefix={tid} />}
          <FieldError text={errorUnder(errors, "variables")} />
          <Checkbox label={t("sequences.step.sessionOn")} checked={step.sessionOn} onChange={(e) => set({ sessionOn: e.target.checked })} data-testid={`${tid}-session-on`} />
          {step.sessionOn && (
            <Labeled label={t("sequences.step.session")} hint={t("sequences.step.sessionHint")} error={errorUnder(errors, "session_message")}>
              {(id, described) => (
                <textarea
                  id={id}
                  rows={3}
                  className={`${inputClass} resize-y`}
                  value={step.sessionText}
                  maxLength={4096}
                  onChange={(e) => set({ sessionText: e.target.value })}
                  data-testid={`${tid}-session`}
                  {...described}
                />
              )}
            </Labeled>
          )}
        </Part>

        <Part title={t("sequences.step.condition")}>
          <div className="flex flex-wrap items-end gap-2">
            <select
              className={fieldClass}
              value={step.conditionKind}
              onChange={(e) => set({ conditionKind: e.target.value === "tag" ? "tag" : e.target.value === "field" ? "field" : "none" })}
              aria-label={t("sequences.step.condition")}
              data-testid={`${tid}-condition`}
            >
              <option value="none">{t("sequences.condition.none")}</option>
              <option value="tag">{t("sequences.condition.tag")}</option>
              <option value="field">{t("sequences.condition.field")}</option>
            </select>
            {step.conditionKind === "tag" && (
              <input className={fieldClass} value={step.conditionTag} placeholder="vip" aria-label={t("sequences.condition.tagLabel")} onChange={(e) => set({ conditionTag: e.target.value })} data-testid={`${tid}-condition-tag`} />
            )}
            {step.conditionKind === "field" && (
              <>
                <input className={fieldClass} value={step.conditionField} placeholder="city" aria-label={t("sequences.condition.fieldLabel")} onChange={(e) => set({ conditionField: e.target.value })} data-testid={`${tid}-condition-field`} />
                <span className="pb-1.5 text-sm text-gray-600">=</span>
                <input className={fieldClass} value={step.conditionEquals} aria-label={t("sequences.condition.equalsLabel")} onChange={(e) => set({ conditionEquals: e.target.value })} data-testid={`${tid}-condition-equals`} />
              </>
            )}
          </div>
          {step.conditionKind !== "none" && <p className="text-xs text-gray-500">{t("sequences.condition.help")}</p>}
          <FieldError text={errorUnder(errors, "condition")} />
        </Part>
      </div>
    </li>
  );
}
