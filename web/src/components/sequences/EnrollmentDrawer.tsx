import { useEffect, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { isEnrollmentState, isExitReason } from "../../lib/drips";
import { isEnrollmentSource } from "../../lib/enrollTargets";
import { formatDayTime } from "../../lib/format";
import type { Enrollment, EnrollmentWithPath } from "../../lib/types";
import { ErrorText } from "../Field";
import { Badge, ConfirmButton, useErrorText, type Tone } from "../ui";

const PATH_TONE: Record<string, Tone> = {
  sending: "blue",
  accepted: "blue",
  sent: "blue",
  delivered: "brand",
  read: "green",
  failed: "red",
  skipped: "gray",
};

/** Why a contact left, in words (unknown reasons as the server names them). */
export function useExitReason(): (reason: string | null | undefined) => string {
  const { t } = useI18n();
  return (reason) => (isExitReason(reason) ? t(`sequences.exitReason.${reason}`) : (reason ?? ""));
}

/**
 * One contact's way through a sequence, in a panel at the side: each step
 * reached (sent as a template or a session message, delivered, read, failed,
 * skipped and why), where they wait now, and a way to take them out.
 */
export function EnrollmentDrawer({
  sequenceId,
  enrollment,
  onClose,
  onExited,
}: {
  sequenceId: string;
  enrollment: Enrollment;
  onClose: () => void;
  onExited: () => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const exitReason = useExitReason();
  const [full, setFull] = useState<EnrollmentWithPath | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    api
      .get<EnrollmentWithPath>(`/campaigns/${encodeURIComponent(sequenceId)}/enrollments/${encodeURIComponent(enrollment.id)}`)
      .then((e) => live && setFull(e))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, sequenceId, enrollment.id, generation]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  async function exit() {
    setError(null);
    try {
      await api.delete(`/contacts/${encodeURIComponent(enrollment.contact_id)}/campaigns/${encodeURIComponent(sequenceId)}/enroll`);
      setGeneration((g) => g + 1);
      onExited();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const e = full ?? enrollment;
  return (
    <div className="fixed inset-0 z-50 flex justify-end" data-testid="enrollment-drawer" data-state={e.state}>
      <button type="button" className="absolute inset-0 bg-black/30" aria-label={t("common.close")} tabIndex={-1} onClick={onClose} />
      <aside className="relative flex h-full w-full max-w-md flex-col bg-white shadow-xl" role="dialog" aria-label={t("sequences.path.title")}>
        <div className="flex items-center justify-between border-b border-gray-200 px-4 py-3">
          <div className="min-w-0">
            <h2 className="truncate font-semibold">{e.contact_name || e.phone}</h2>
            <p className="font-mono text-xs text-gray-500">{e.phone}</p>
          </div>
          <button type="button" onClick={onClose} aria-label={t("common.close")} className="rounded-md p-1 text-gray-500 hover:bg-gray-100" data-testid="enrollment-drawer-close">
            ✕
          </button>
        </div>
        <div className="min-h-0 flex-1 space-y-3 overflow-y-auto p-4 text-sm">
          <p data-testid="enrollment-drawer-state">
            <Badge tone={e.state === "active" ? "brand" : e.state === "completed" ? "green" : "gray"}>{isEnrollmentState(e.state) ? t(`sequences.state.${e.state}`) : e.state}</Badge>{" "}
            {e.state === "exited" && e.exit_reason && <span className="text-gray-700">{exitReason(e.exit_reason)}</span>}
          </p>
          <p className="text-xs text-gray-500">{t("sequences.path.enrolled", { when: formatDayTime(e.enrolled_at, lang.locale) })}</p>
          {e.source && (
            <p className="text-xs text-gray-500" data-testid="enrollment-drawer-source" data-source={e.source}>
              {t("sequences.path.source", { source: isEnrollmentSource(e.source) ? t(`sequences.source.${e.source}`) : e.source })}
            </p>
          )}
          <ErrorText testId="enrollment-drawer-error">{error}</ErrorText>
          {full === null && !error && <p className="text-gray-500">{t("common.loading")}</p>}
          {full && (
            <ol className="space-y-2 border-l-2 border-brand-100 pl-4" data-testid="enrollment-path">
              {full.path.map((p, i) => (
                <li key={`${p.position}-${i}`} className="relative" data-testid="enrollment-path-step" data-status={p.status} data-position={p.position}>
                  <span className="absolute -left-[1.3rem] top-1.5 h-2 w-2 rounded-full bg-brand-500" aria-hidden="true" />
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="font-medium">{t("sequences.path.step", { n: p.position + 1, name: p.step_name ?? "" })}</span>
                    <Badge tone={PATH_TONE[p.status] ?? "gray"}>{t(`sequences.pathStatus.${p.status in PATH_TONE ? p.status : "sent"}` as "sequences.pathStatus.sent")}</Badge>
                    {p.sent_as && <span className="text-xs text-gray-500">{t(p.sent_as === "session" ? "sequences.path.asSession" : "sequences.path.asTemplate")}</span>}
                  </div>
                  <p className="text-xs text-gray-500">{formatDayTime(p.at, lang.locale)}</p>
                  {p.skip_reason && <p className="text-xs text-gray-600">{p.skip_reason}</p>}
                  {p.error && <p className="text-xs text-red-700">{p.error.title || p.error.code}</p>}
                </li>
              ))}
              {full.state === "active" && (
                <li className="relative text-gray-600" data-testid="enrollment-path-next">
                  <span className="absolute -left-[1.3rem] top-1.5 h-2 w-2 rounded-full border border-brand-500 bg-white" aria-hidden="true" />
                  {t("sequences.path.next", { n: full.step, name: full.step_name ?? "" })}
                  {full.due_at && <span className="block text-xs text-gray-500">{t("sequences.path.due", { when: formatDayTime(full.due_at, lang.locale) })}</span>}
                </li>
              )}
              {full.path.length === 0 && full.state !== "active" && <li className="text-gray-500">{t("sequences.path.none")}</li>}
            </ol>
          )}
        </div>
        {e.state === "active" && (
          <div className="border-t border-gray-200 p-3">
            <ConfirmButton label={t("sequences.path.exit")} confirmLabel={t("sequences.path.exitConfirm")} onConfirm={exit} testId="enrollment-exit" />
          </div>
        )}
      </aside>
    </div>
  );
}
