import { useI18n } from "../../i18n/I18nProvider";
import { weekdayName, WEEKDAYS } from "../../lib/drips";
import type { SendWindow } from "../../lib/types";
import { fieldClass, Labeled } from "../ui";

/**
 * The days and hours a step may go out, in each contact's own time zone
 * (falling back to the sequence's): weekday boxes and a start and end time.
 */
export function SendWindowEditor({
  value,
  onChange,
  error,
  testId,
}: {
  value: SendWindow;
  onChange: (w: SendWindow) => void;
  error: string | null;
  testId: string;
}) {
  const { t, lang } = useI18n();
  const toggle = (day: number) => {
    const days = value.days.includes(day) ? value.days.filter((d) => d !== day) : [...value.days, day].sort((a, b) => a - b);
    onChange({ ...value, days });
  };
  return (
    <div className="space-y-2 rounded-lg bg-gray-50 p-2" data-testid={testId}>
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-gray-700">{t("sequences.window.days")}</legend>
        <div className="flex flex-wrap gap-1">
          {WEEKDAYS.map((d) => (
            <label
              key={d}
              className={`cursor-pointer rounded-md border px-2 py-1 text-xs ${value.days.includes(d) ? "border-brand-500 bg-brand-50 text-brand-800" : "border-gray-300 bg-white text-gray-600"}`}
            >
              <input type="checkbox" className="sr-only" checked={value.days.includes(d)} onChange={() => toggle(d)} data-testid={`${testId}-day-${d}`} />
              {weekdayName(d, lang.locale)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <Labeled label={t("sequences.window.start")}>
          {(id) => <input id={id} type="time" className={fieldClass} value={value.start} onChange={(e) => onChange({ ...value, start: e.target.value })} data-testid={`${testId}-start`} />}
        </Labeled>
        <Labeled label={t("sequences.window.end")}>
          {(id) => <input id={id} type="time" className={fieldClass} value={value.end} onChange={(e) => onChange({ ...value, end: e.target.value })} data-testid={`${testId}-end`} />}
        </Labeled>
        <p className="pb-1.5 text-xs text-gray-500">{t("sequences.window.zoneHint")}</p>
      </div>
      {error && (
        <p className="text-xs text-red-700" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
