import { useEffect, useMemo, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { fillPlaceholders, variableCount } from "../../lib/content";
import type { FallbackChoice } from "../../lib/scheduled";

/**
 * The approved template a scheduled message goes as when the customer's
 * window has closed by then: pick one and fill its body's variables.
 * `onChange` gets the choice once every variable has a value, else null.
 */
export function FallbackTemplate({ initialName, onChange }: { initialName?: string | null; onChange: (c: FallbackChoice | null) => void }) {
  const { t } = useI18n();
  const { templates, templatesError, loadTemplates } = useInbox();
  const [id, setId] = useState("");
  const [values, setValues] = useState<string[]>([]);

  useEffect(() => {
    if (templates === null) loadTemplates();
  }, [templates, loadTemplates]);
  const approved = useMemo(() => (templates ?? []).filter((x) => (x.status ?? "").toUpperCase() === "APPROVED"), [templates]);
  // Editing one that had a fallback: it starts picked (its values are typed again).
  useEffect(() => {
    if (!id && initialName) {
      const found = approved.find((x) => x.name === initialName);
      if (found) setId(found.id);
    }
  }, [approved, initialName, id]);

  const selected = approved.find((x) => x.id === id);
  const body = selected?.components?.find((c) => c.type.toUpperCase() === "BODY");
  const count = variableCount(body);
  const filled = values.slice(0, count);
  const complete = !!selected && filled.length === count && filled.every((v) => v.trim());

  useEffect(() => {
    onChange(complete && selected ? { name: selected.name, language: selected.language, values: filled } : null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [complete, selected?.id, filled.join("\u0000")]);

  return (
    <div className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-3" data-testid="schedule-fallback">
      <p className="text-sm text-amber-900">{t("schedule.fallbackHelp")}</p>
      {templatesError && <p className="text-sm text-red-700">{templatesError}</p>}
      {templates !== null && approved.length === 0 && <p className="text-sm text-gray-600">{t("template.none")}</p>}
      {approved.length > 0 && (
        <select
          value={id}
          onChange={(e) => {
            setId(e.target.value);
            setValues([]);
          }}
          aria-label={t("schedule.fallback")}
          data-testid="schedule-fallback-select"
          className="w-full rounded-lg border border-gray-300 bg-white px-2 py-1.5 text-sm"
        >
          <option value="">{t("template.select")}</option>
          {approved.map((x) => (
            <option key={x.id} value={x.id} data-name={x.name}>
              {x.name} · {x.language}
            </option>
          ))}
        </select>
      )}
      {selected &&
        Array.from({ length: count }, (_, i) => (
          <input
            key={i}
            value={values[i] ?? ""}
            onChange={(e) => {
              const next = values.slice();
              next[i] = e.target.value;
              setValues(next);
            }}
            placeholder={t("template.variable", { n: i + 1 })}
            aria-label={t("template.variable", { n: i + 1 })}
            data-testid={`schedule-fallback-var-${i + 1}`}
            className="block w-full rounded-lg border border-gray-300 bg-white px-3 py-1.5 text-sm"
          />
        ))}
      {body?.text && (
        <p className="whitespace-pre-wrap rounded-lg bg-bubble-out px-3 py-2 text-sm" data-testid="schedule-fallback-preview">
          {fillPlaceholders(body.text, values)}
        </p>
      )}
    </div>
  );
}
