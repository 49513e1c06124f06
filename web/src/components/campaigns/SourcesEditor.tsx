import { useI18n } from "../../i18n/I18nProvider";
import {
  PARAM_COMPONENTS,
  placeholderCounts,
  SOURCE_KINDS,
  sourceFromSelect,
  sourceSelectValue,
  type ParamComponent,
  type SourceDraft,
  type SourceKind,
} from "../../lib/campaigns";
import type { TemplateFull } from "../../lib/types";
import { fieldClass, inputClass } from "../ui";

// The sources of a template's placeholders (contact name, phone, a custom
// field, a constant, a CSV column): shared by the broadcast wizard and the
// sequence editor's steps.

/** One source per placeholder component. */
export type Sources = Record<ParamComponent, SourceDraft[]>;

/** One placeholder's source: contact name, phone, a custom field (its key), a constant, or a CSV audience's column. */
export function SourcePicker({
  component,
  index,
  source,
  columns,
  onChange,
  prefix = "campaign-source",
}: {
  component: ParamComponent;
  index: number;
  source: SourceDraft;
  /** The uploaded CSV's columns (none for a tag audience). */
  columns: readonly string[];
  onChange: (s: SourceDraft) => void;
  /** The test ids' start (variant B's pickers have their own). */
  prefix?: string;
}) {
  const { t } = useI18n();
  const testId = `${prefix}-${component}-${index + 1}`;
  return (
    <div className="grid grid-cols-[4.5rem_minmax(0,1fr)] items-start gap-2 sm:grid-cols-[4.5rem_14rem_minmax(0,1fr)]">
      <span className="pt-1.5 font-mono text-sm text-gray-700">{`{{${index + 1}}}`}</span>
      <select
        className={`${fieldClass} w-full`}
        value={sourceSelectValue(source)}
        aria-label={t("campaigns.source.label", { n: index + 1 })}
        data-testid={testId}
        data-kind={source.kind}
        onChange={(e) => onChange(sourceFromSelect(e.target.value, source))}
      >
        {SOURCE_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`campaigns.source.${k as Exclude<SourceKind, "column">}`)}
          </option>
        ))}
        {(columns.length > 0 || source.kind === "column") && (
          <optgroup label={t("campaigns.source.columnGroup")}>
            {columns.map((c) => (
              <option key={c} value={`column:${c}`}>
                {t("campaigns.source.column", { column: c })}
              </option>
            ))}
            {source.kind === "column" && !columns.includes(source.text) && (
              <option value={sourceSelectValue(source)}>{t("campaigns.source.columnMissing", { column: source.text })}</option>
            )}
          </optgroup>
        )}
      </select>
      {(source.kind === "field" || source.kind === "value") && (
        <input
          className={`${inputClass} col-start-2 sm:col-start-3`}
          value={source.text}
          placeholder={source.kind === "field" ? t("campaigns.source.fieldPlaceholder") : t("campaigns.source.valuePlaceholder")}
          aria-label={source.kind === "field" ? t("campaigns.source.fieldKey") : t("campaigns.source.valueText")}
          data-testid={`${testId}-text`}
          onChange={(e) => onChange({ ...source, text: e.target.value })}
        />
      )}
    </div>
  );
}

/** One source per placeholder of a template's header and body. */
export function SourcesEditor({
  template,
  sources,
  columns,
  onChange,
  prefix = "campaign",
}: {
  template: TemplateFull;
  sources: Sources;
  columns: readonly string[];
  onChange: (next: Sources) => void;
  /** "campaign" for the main template (`campaign-sources-body`, `campaign-source-body-1`), "campaign-b" for variant B. */
  prefix?: string;
}) {
  const { t } = useI18n();
  const counts = placeholderCounts(template.components);
  return (
    <>
      {PARAM_COMPONENTS.map(
        (k) =>
          counts[k] > 0 && (
            <fieldset key={k} className="space-y-2" data-testid={`${prefix}-sources-${k}`}>
              <legend className="mb-1 text-xs font-medium text-gray-700">{t(`campaigns.sources.${k}`)}</legend>
              {sources[k].map((s, i) => (
                <SourcePicker
                  key={i}
                  component={k}
                  index={i}
                  source={s}
                  columns={columns}
                  prefix={`${prefix}-source`}
                  onChange={(next) => onChange({ ...sources, [k]: sources[k].map((x, j) => (j === i ? next : x)) })}
                />
              ))}
            </fieldset>
          ),
      )}
      {counts.header + counts.body === 0 && <p className="text-sm text-gray-500">{t("campaigns.wizard.noParams")}</p>}
    </>
  );
}

