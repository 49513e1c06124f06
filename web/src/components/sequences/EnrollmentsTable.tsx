import { useCallback, useEffect, useRef, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { ENROLLMENT_STATES, isEnrollmentState } from "../../lib/drips";
import { isEnrollmentSource } from "../../lib/enrollTargets";
import { formatDayTime } from "../../lib/format";
import { usePaged } from "../../lib/usePaged";
import type { Enrollment, EnrollmentState } from "../../lib/types";
import { ErrorText } from "../Field";
import { Badge, Button, EmptyRow, fieldClass, useErrorText } from "../ui";
import { EnrollmentDrawer, useExitReason } from "./EnrollmentDrawer";

/**
 * The contacts in a sequence, filterable by state: where each waits (and
 * until when), or how they left; a row opens their path. `generation`
 * changes make it read again (an enrolment, a live send).
 */
export function EnrollmentsTable({ sequenceId, generation, onChanged }: { sequenceId: string; generation: number; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const exitReason = useExitReason();
  const [state, setState] = useState<EnrollmentState | "">("");
  const [open, setOpen] = useState<Enrollment | null>(null);
  const list = usePaged<Enrollment>(api, `/campaigns/${encodeURIComponent(sequenceId)}/enrollments`, { state, limit: 50 });
  // usePaged's reload is a new function every render: keep the latest, read again only when `generation` moves.
  const reloadRef = useRef(list.reload);
  reloadRef.current = list.reload;
  const reload = useCallback(() => reloadRef.current(), []);
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);

  return (
    <section className="rounded-xl border border-gray-200 bg-white" data-testid="sequence-enrollments">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-gray-100 px-4 py-3">
        <h2 className="text-sm font-semibold text-gray-700">{t("sequences.enrollments")}</h2>
        <select className={fieldClass} value={state} onChange={(e) => setState(e.target.value as EnrollmentState | "")} aria-label={t("sequences.enrollments.filter")} data-testid="sequence-enrollments-state">
          <option value="">{t("sequences.enrollments.all")}</option>
          {ENROLLMENT_STATES.map((s) => (
            <option key={s} value={s}>
              {t(`sequences.state.${s}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("sequences.col.contact")}</th>
              <th className="px-4 py-2 font-medium">{t("sequences.col.state")}</th>
              <th className="px-4 py-2 font-medium">{t("sequences.col.step")}</th>
              <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("sequences.col.source")}</th>
              <th className="hidden px-4 py-2 font-medium md:table-cell">{t("sequences.col.when")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((e) => (
              <tr
                key={e.id}
                className="cursor-pointer border-t border-gray-100 hover:bg-gray-50"
                onClick={() => setOpen(e)}
                data-testid="enrollment-row"
                data-contact-id={e.contact_id}
                data-state={e.state}
                data-step={e.step}
                data-source={e.source}
              >
                <td className="px-4 py-2">
                  <button type="button" className="text-left font-medium text-brand-700 hover:underline" data-testid="enrollment-open">
                    {e.contact_name || e.phone}
                  </button>
                  <span className="block font-mono text-xs text-gray-500">{e.phone}</span>
                </td>
                <td className="px-4 py-2">
                  <Badge tone={e.state === "active" ? "brand" : e.state === "completed" ? "green" : "gray"} testId="enrollment-state">
                    {isEnrollmentState(e.state) ? t(`sequences.state.${e.state}`) : e.state}
                  </Badge>
                  {e.state === "exited" && e.exit_reason && (
                    <span className="block text-xs text-gray-600" data-testid="enrollment-exit-reason" data-reason={e.exit_reason}>
                      {exitReason(e.exit_reason)}
                    </span>
                  )}
                </td>
                <td className="px-4 py-2">{t("sequences.path.step", { n: e.step, name: e.step_name ?? "" })}</td>
                <td className="hidden px-4 py-2 text-xs text-gray-600 sm:table-cell" data-testid="enrollment-source">
                  {isEnrollmentSource(e.source) ? t(`sequences.source.${e.source}`) : e.source}
                </td>
                <td className="hidden px-4 py-2 text-xs text-gray-600 md:table-cell">
                  {e.state === "active" && e.due_at
                    ? t("sequences.path.due", { when: formatDayTime(e.due_at, lang.locale) })
                    : e.ended_at
                      ? formatDayTime(e.ended_at, lang.locale)
                      : formatDayTime(e.enrolled_at, lang.locale)}
                </td>
              </tr>
            ))}
            {!list.loading && !list.error && list.items.length === 0 && <EmptyRow colSpan={5}>{t("sequences.enrollments.none")}</EmptyRow>}
          </tbody>
        </table>
      </div>
      {list.error && <ErrorText>{errorText(list.error)}</ErrorText>}
      {list.hasMore && (
        <div className="p-3 text-center">
          <Button variant="secondary" onClick={list.loadMore} disabled={list.loading}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
      {open && (
        <EnrollmentDrawer
          sequenceId={sequenceId}
          enrollment={open}
          onClose={() => setOpen(null)}
          onExited={() => {
            reload();
            onChanged();
          }}
        />
      )}
    </section>
  );
}
