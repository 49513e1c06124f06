import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider";
import { enrollNotice, enrollTargets } from "../../lib/enrollTargets";
import type { DripView } from "../../lib/types";
import { SelectInput } from "../ui";

/**
 * Picks the drip sequence a flow's "Enrol in sequence" node or an automation's
 * enrol action puts contacts in: each offered by name and status, with a word
 * when the chosen one is not running (a draft refuses contacts until started).
 */
export function SequencePicker({
  sequences,
  value,
  onChange,
  label,
  hint,
  testId,
}: {
  /** Null while loading. */
  sequences: DripView[] | null;
  value: string;
  onChange: (id: string) => void;
  label: string;
  hint?: string;
  testId: string;
}) {
  const { t } = useI18n();
  if (sequences === null) return <p className="text-xs text-gray-500">{t("common.loading")}</p>;
  const targets = enrollTargets(sequences, value);
  const chosen = targets.find((d) => d.id === value);
  const notice = chosen ? enrollNotice(chosen.status) : null;
  const options = [
    { value: "", label: targets.length ? t("sequences.pick.choose") : t("sequences.pick.none") },
    ...targets.map((d) => ({ value: d.id, label: `${d.name} · ${t(`campaigns.status.${d.status}`)}` })),
    // Chosen before, and no longer listed (deleted): shown as its id so the choice is not silently lost.
    ...(value && !chosen ? [{ value, label: value }] : []),
  ];
  return (
    <div className="space-y-1">
      <SelectInput label={label} hint={hint} value={value} onChange={(e) => onChange(e.target.value)} options={options} data-testid={testId} />
      {notice && (
        <p className="text-xs text-amber-800" data-testid={`${testId}-notice`}>
          {t(`sequences.pick.${notice}`)}
        </p>
      )}
      {targets.length === 0 && (
        <Link to="/sequences/new" className="text-xs text-brand-700 underline">
          {t("sequences.new")}
        </Link>
      )}
    </div>
  );
}
