import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { SequenceSettings } from "../components/sequences/SequenceSettings";
import { useSegments } from "../components/sequences/useSegments";
import { StepCard } from "../components/sequences/StepCard";
import { Button, PageHeader, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { browserTimeZone, parseTags } from "../lib/campaigns";
import {
  dripCan,
  fieldErrorsOf,
  hasWaiting,
  isPlaced,
  newStep,
  reentryToApi,
  settingsFromApi,
  stepErrors,
  stepFromApi,
  stepProblem,
  stepToApi,
  type SettingsDraft,
  type StepDraft,
  type StepProblem,
} from "../lib/drips";
import type { DripView, Page, TemplateFull } from "../lib/types";
import { useChannels } from "../lib/useChannels";

/** The most steps a sequence may have (the server's limit). */
const MAX_STEPS = 20;

/** Where an editor-side problem of a step is shown (the field path the server would name). */
const PROBLEM_PATH: Record<StepProblem, string> = {
  name: "name",
  delay: "delay_seconds",
  message: "template",
  sources: "variables",
  session: "session_message",
  condition: "condition",
  windowDays: "send_window",
  windowTimes: "send_window",
  windowSame: "send_window",
};

const emptySettings = (): SettingsDraft => ({
  name: "",
  channelId: "",
  timezone: browserTimeZone(),
  exitOnReply: true,
  exitTags: "",
  exitWhenOn: false,
  exitField: "",
  exitEquals: "",
  enrollOnTag: "",
  enrollSegmentId: "",
  reentry: "never",
  reentryDays: "30",
});

/**
 * A sequence's editor (`/sequences/new`, `/sequences/{id}/edit`): its
 * settings, then its steps as a vertical timeline. Saving a running one
 * changes its settings at once; changed steps reach only contacts arriving
 * at them later (those already waiting keep the version they got).
 */
export default function SequenceEditorPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const { id: editId } = useParams();
  const channels = useChannels();
  const segments = useSegments();
  const [templates, setTemplates] = useState<TemplateFull[] | null>(null);
  const [existing, setExisting] = useState<DripView | null>(null);
  const [settings, setSettings] = useState<SettingsDraft>(emptySettings);
  const [steps, setSteps] = useState<StepDraft[]>(() => [newStep(0)]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [tpls, drip] = await Promise.all([
          api.get<Page<TemplateFull>>("/templates", { status: "APPROVED", limit: 100 }).then((p) => p.data.filter((x) => x.status.toUpperCase() === "APPROVED")),
          editId ? api.get<DripView>(`/campaigns/${encodeURIComponent(editId)}`) : Promise.resolve(null),
        ]);
        if (!live) return;
        setTemplates(tpls);
        if (drip) {
          setExisting(drip);
          setSettings(settingsFromApi(drip, browserTimeZone()));
          const sorted = [...drip.steps].sort((a, b) => a.position - b.position);
          setSteps(sorted.length ? sorted.map((s) => stepFromApi(s, tpls)) : [newStep(0)]);
        }
      } catch (e) {
        if (live) setLoadError(errorText(e));
      }
    })();
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, editId]);

  // A new sequence sends from the first number until another is picked.
  const firstChannel = channels?.[0]?.id ?? "";
  useEffect(() => {
    if (!editId && firstChannel) setSettings((s) => (s.channelId ? s : { ...s, channelId: firstChannel }));
  }, [editId, firstChannel]);

  const perStep = useMemo(() => steps.map((_, i) => stepErrors(errors, i)), [errors, steps]);

  const updateStep = (i: number, s: StepDraft) => setSteps((prev) => prev.map((x, j) => (j === i ? s : x)));
  const moveStep = (i: number, by: -1 | 1) =>
    setSteps((prev) => {
      const next = prev.slice();
      const [moved] = next.splice(i, 1);
      next.splice(i + by, 0, moved!);
      return next;
    });

  /** The editor's own checks, as refusals by field path (the same places the server's show). */
  function localErrors(tpls: readonly TemplateFull[]): Record<string, string> {
    const out: Record<string, string> = {};
    if (!settings.name.trim()) out.name = t("sequences.problem.name");
    if (!settings.channelId) out.channel_id = t("sequences.problem.channel");
    if (settings.exitWhenOn && !settings.exitField.trim()) out.exit_when = t("sequences.problem.exitField");
    if (!reentryToApi(settings.reentry, settings.reentryDays)) out["reentry.days"] = t("sequences.problem.reentryDays");
    steps.forEach((s, i) => {
      const p = stepProblem(s, tpls);
      if (p) out[`steps[${i}].${PROBLEM_PATH[p]}`] = t(`sequences.problem.${p}`);
    });
    return out;
  }

  async function save() {
    const tpls = templates ?? [];
    const local = localErrors(tpls);
    setErrors(local);
    if (Object.keys(local).length) {
      setError(t("sequences.problem.fix"));
      return;
    }
    const body = {
      type: "drip",
      name: settings.name.trim(),
      channel_id: settings.channelId,
      timezone: settings.timezone,
      exit_on_reply: settings.exitOnReply,
      exit_on_tags: parseTags(settings.exitTags),
      exit_when: settings.exitWhenOn ? { field: settings.exitField.trim(), equals: settings.exitEquals } : null,
      enroll_on_tag: settings.enrollOnTag.trim() ? settings.enrollOnTag.trim().toLowerCase() : null,
      enroll_segment_id: settings.enrollSegmentId || null,
      reentry: reentryToApi(settings.reentry, settings.reentryDays),
      steps: steps.map((s) => stepToApi(s, tpls)),
    };
    setBusy(true);
    setError(null);
    try {
      const saved = existing
        ? await api.patch<DripView>(`/campaigns/${encodeURIComponent(existing.id)}`, body)
        : await api.post<DripView>("/campaigns", body);
      navigate(`/sequences/${saved.id}`);
    } catch (e) {
      const byField = fieldErrorsOf(e);
      setErrors(byField);
      // Refusals the editor cannot put beside a field are said above the buttons.
      const loose = Object.entries(byField).filter(([path]) => !isPlaced(path));
      setError(Object.keys(byField).length === 0 ? errorText(e) : loose.length ? loose.map(([, m]) => m).join(" ") : t("sequences.problem.fix"));
      setBusy(false);
    }
  }

  if (existing && !dripCan.edit(existing.status)) {
    return (
      <div className="mx-auto max-w-3xl p-4">
        <PageHeader title={existing.name} />
        <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="sequence-locked">
          {t("sequences.editor.locked", { status: t(`campaigns.status.${existing.status}`) })}{" "}
          <Link className="font-medium underline" to={`/sequences/${existing.id}`}>
            {t("sequences.open")}
          </Link>
        </p>
      </div>
    );
  }

  const settingsErrors = Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith("steps[")));
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-4xl space-y-4 p-4" data-testid="sequence-editor">
        <PageHeader title={existing ? t("sequences.editor.editTitle", { name: existing.name }) : t("sequences.new")} subtitle={t("sequences.editor.intro")}>
          <Link to={existing ? `/sequences/${existing.id}` : "/sequences"} className="text-sm text-gray-600 hover:underline">
            {t("sequences.back")}
          </Link>
        </PageHeader>
        <ErrorText testId="sequence-load-error">{loadError}</ErrorText>
        {existing && hasWaiting(existing) && (
          <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="sequence-version-note">
            {t("sequences.editor.versionNote", { count: existing.stats.active })}
          </p>
        )}
        {existing && existing.status === "running" && !hasWaiting(existing) && (
          <p className="rounded-lg border border-gray-200 bg-gray-50 px-3 py-2 text-sm text-gray-700" data-testid="sequence-version-note">
            {t("sequences.editor.versionNoteNone")}
          </p>
        )}
        <SequenceSettings value={settings} onChange={setSettings} channels={channels} segments={segments} errors={settingsErrors} />

        <section>
          <h2 className="mb-2 text-sm font-semibold text-gray-700">{t("sequences.steps")}</h2>
          {templates === null && !loadError && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
          {templates !== null && templates.length === 0 && <p className="mb-2 text-sm text-amber-800">{t("sequences.editor.noTemplates")}</p>}
          {errors.steps && (
            <p className="mb-2 text-xs text-red-700" data-testid="field-error">
              {errors.steps}
            </p>
          )}
          <ol data-testid="sequence-steps">
            {steps.map((s, i) => (
              <StepCard
                key={s.key}
                step={s}
                index={i}
                count={steps.length}
                templates={templates ?? []}
                errors={perStep[i] ?? {}}
                onChange={(next) => updateStep(i, next)}
                onRemove={() => setSteps((prev) => prev.filter((_, j) => j !== i))}
                onMove={(by) => moveStep(i, by)}
              />
            ))}
          </ol>
          <Button variant="secondary" onClick={() => setSteps((prev) => [...prev, newStep(prev.length)])} disabled={steps.length >= MAX_STEPS} data-testid="sequence-add-step">
            + {t("sequences.addStep")}
          </Button>
          {steps.length >= MAX_STEPS && <p className="mt-1 text-xs text-gray-500">{t("sequences.maxSteps", { max: MAX_STEPS })}</p>}
        </section>

        <ErrorText testId="sequence-save-error">{error}</ErrorText>
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={() => navigate(existing ? `/sequences/${existing.id}` : "/sequences")}>
            {t("common.cancel")}
          </Button>
          <Button onClick={() => void save()} disabled={busy || templates === null} data-testid="sequence-save">
            {busy ? t("sequences.saving") : t("sequences.save")}
          </Button>
        </div>
      </div>
    </div>
  );
}
