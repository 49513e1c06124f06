import type { ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import type { DripView } from "../../lib/types";
import { useSegments } from "./useSegments";

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div data-testid={testId}>
      <dt className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</dt>
      <dd className="mt-0.5 text-gray-800">{children}</dd>
    </div>
  );
}

/**
 * A sequence's settings at a glance on its page: who it enrols on its own
 * (a tag, a segment's members, by name), what makes a contact leave early,
 * and whether they may go through it again — so nobody opens the editor
 * just to check.
 */
export function SequenceSummary({ drip }: { drip: DripView }) {
  const { t } = useI18n();
  const segmentId = drip.enroll_segment_id ?? null;
  const segments = useSegments(segmentId !== null);
  const segmentName = segmentId ? segments?.find((s) => s.id === segmentId)?.name : undefined;

  const enrols: string[] = [];
  if (drip.enroll_on_tag) enrols.push(t("sequences.summary.onTag", { tag: drip.enroll_on_tag }));
  const segment = segmentId
    ? segments === null
      ? t("common.loading")
      : segmentName !== undefined
        ? t("sequences.summary.segment", { name: segmentName })
        : t("sequences.summary.segmentGone")
    : null;
  const exits: string[] = [];
  if (drip.exit_on_reply) exits.push(t("sequences.summary.onReply"));
  if (drip.exit_on_tags?.length) exits.push(t("sequences.summary.onTags", { tags: drip.exit_on_tags.join(", ") }));
  if (drip.exit_when) exits.push(t("sequences.summary.onField", { field: drip.exit_when.field, value: drip.exit_when.equals }));

  return (
    <section className="rounded-xl border border-gray-200 bg-white px-4 py-3" data-testid="sequence-summary" aria-label={t("sequences.summary.title")}>
      <dl className="grid gap-3 text-sm sm:grid-cols-3">
        <Row label={t("sequences.summary.enrols")} testId="sequence-summary-enrols">
          {enrols.join(" · ")}
          {enrols.length > 0 && segment && " · "}
          {segment && (
            <span data-testid="sequence-summary-segment" data-segment-id={segmentId} data-name={segmentName ?? ""}>
              {segment}
            </span>
          )}
          {enrols.length === 0 && !segment && t("sequences.summary.manual")}
        </Row>
        <Row label={t("sequences.summary.exits")} testId="sequence-summary-exits">
          {exits.length ? exits.join(" · ") : t("sequences.summary.noExits")}
        </Row>
        <Row label={t("sequences.summary.reentry")} testId="sequence-summary-reentry">
          {drip.reentry?.policy === "after_days" ? t("sequences.summary.reentryAfter", { days: drip.reentry.days }) : t("sequences.reentry.never")}
        </Row>
      </dl>
    </section>
  );
}
