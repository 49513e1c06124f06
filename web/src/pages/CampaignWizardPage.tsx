import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { CsvAudiencePanel } from "../components/campaigns/CsvAudience";
import { SourcesEditor } from "../components/campaigns/SourcesEditor";
import { PlanErrorText } from "../components/plan/PlanBits";
import { TemplateBubble } from "../components/templates/TemplateBubble";
import { Badge, Button, Checkbox, fieldClass, inputClass, Labeled, PageHeader, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { RawBody, type SegmentPreview, type SegmentView } from "../lib/api";
import type { ChannelView } from "../lib/apiTypes";
import { audienceCsv, firstAcceptedRow, uploadDraftTemplate, type CsvUploadReport } from "../lib/campaignCsv";
import {
  audienceRetarget,
  audienceTags,
  browserTimeZone,
  DEFAULT_QUIET,
  fitSources,
  formatLocalSend,
  formatMoney,
  isSkipReason,
  isTimeZone,
  NO_VARIANT,
  PARAM_COMPONENTS,
  parseTags,
  parseSplitPercent,
  placeholderCounts,
  quietHoursFromApi,
  quietHoursToApi,
  renderComponent,
  schedulePayload,
  splitCount,
  sourceComplete,
  sourceFromApi,
  sourceValue,
  timeZoneOptions,
  toDateInput,
  toLocalInput,
  variablesOf,
  variantBFromApi,
  variantBToApi,
  variantCandidates,
  type CampaignViewExt,
  type CampaignWithStats,
  type ParamComponent,
  type PreviewSampleExt,
  type QuietDraft,
  type SampleContact,
  type ScheduleDraft,
  type ScheduleKind,
  type SourceDraft,
  type VariantDraft,
} from "../lib/campaigns";
import { formatSecondsShort } from "../lib/chart";
import { isPlanRefusal } from "../lib/plans";
import { audienceSegmentId } from "../lib/segments";
import { bubbleOf } from "../lib/templates";
import type { CampaignPreview, Contact, Page, TemplateFull } from "../lib/types";

const STEPS = ["audience", "message", "speed", "review"] as const;
type Step = 1 | 2 | 3 | 4;
type Sources = Record<ParamComponent, SourceDraft[]>;
const NO_SOURCES: Sources = { header: [], body: [] };
/** Who gets it: the contacts with some tags, the members of a saved segment, or the rows of an uploaded CSV (a retarget draft's audience is fixed). */
type AudienceKind = "tags" | "segment" | "csv" | "retarget";
const AUDIENCE_KINDS: readonly Exclude<AudienceKind, "retarget">[] = ["tags", "segment", "csv"];
const SCHEDULE_KINDS: readonly ScheduleKind[] = ["now", "at", "local"];
const DAY_MS = 24 * 60 * 60 * 1000;

/** The numbered steps along the top; the ones before the current can be gone back to. */
function Stepper({ step, onGo }: { step: Step; onGo: (s: Step) => void }) {
  const { t } = useI18n();
  return (
    <ol className="mb-4 flex flex-wrap gap-2" aria-label={t("campaigns.wizard.steps")}>
      {STEPS.map((key, i) => {
        const n = (i + 1) as Step;
        const current = n === step;
        const done = n < step;
        return (
          <li key={key}>
            <button
              type="button"
              disabled={!done}
              onClick={() => onGo(n)}
              aria-current={current ? "step" : undefined}
              data-testid={`campaign-step-${n}`}
              className={`flex items-center gap-2 rounded-full px-3 py-1 text-sm ${
                current ? "bg-brand-600 text-white" : done ? "bg-brand-50 text-brand-700 hover:bg-brand-100" : "bg-gray-100 text-gray-500"
              }`}
            >
              <span className="tabular-nums font-semibold">{n}</span>
              {t(`campaigns.wizard.step.${key}`)}
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="rounded-xl border border-gray-200 bg-white p-4" data-testid={testId}>
      <h2 className="mb-3 text-sm font-semibold text-gray-700">{title}</h2>
      {children}
    </section>
  );
}

function Figure({ label, value, testId, hint, dataValue }: { label: string; value: ReactNode; testId?: string; hint?: string | undefined; dataValue?: number }) {
  return (
    <div className="rounded-lg bg-gray-50 p-3" data-testid={testId} data-value={dataValue}>
      <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</div>
      <div className="mt-0.5 text-xl font-semibold tabular-nums">{value}</div>
      {hint && <div className="text-xs text-gray-500">{hint}</div>}
    </div>
  );
}

/** The read-only audience of a retarget draft: the earlier campaign's recipients who match its rule. */
function RetargetAudiencePanel({ rule, hours, sourceId, sourceName }: { rule: string; hours: number; sourceId: string; sourceName: string | null }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const key = rule === "read_no_reply" || rule === "failed_retryable" ? rule : "delivered_not_read";
  return (
    <div className="space-y-2 rounded-lg border border-brand-200 bg-brand-50 p-3 text-sm" data-testid="campaign-retarget-audience" data-rule={rule} data-source={sourceId}>
      <p className="font-medium text-gray-900">{t("campaigns.audience.retarget")}</p>
      <p className="text-gray-800" data-testid="campaign-retarget-audience-text">
        {t(`campaigns.retarget.audience.${key}`, { name: sourceName ?? "…", hours: num.format(hours) })}
      </p>
      <p className="text-xs text-gray-600">
        {t("campaigns.retarget.audienceHelp")}{" "}
        <Link to={`/campaigns/${sourceId}`} className="text-brand-700 underline">
          {t("campaigns.openDetail")}
        </Link>
      </p>
    </div>
  );
}

/** The segment picker of the audience step: saved segments with their member counts now. */
function SegmentAudience({
  segments,
  error,
  value,
  onChange,
}: {
  segments: SegmentView[] | null;
  error: string | null;
  value: string;
  onChange: (id: string) => void;
}) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const picked = segments?.find((x) => x.id === value) ?? null;
  return (
    <div className="space-y-2" data-testid="campaign-segment-panel">
      <Labeled label={t("campaigns.field.segment")}>
        {(id) => (
          <select id={id} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} data-testid="campaign-segment" disabled={segments === null}>
            <option value="">{segments === null ? t("common.loading") : t("campaigns.field.segmentPick")}</option>
            {segments?.map((x) => (
              <option key={x.id} value={x.id} data-count={x.contacts}>
                {t("campaigns.field.segmentOption", { name: x.name, count: num.format(x.contacts) })}
              </option>
            ))}
            {value && segments !== null && !picked && <option value={value}>{t("campaigns.segment.gone")}</option>}
          </select>
        )}
      </Labeled>
      {picked && (
        <p className="text-sm text-gray-700" data-testid="campaign-segment-count" data-value={picked.contacts}>
          {t("campaigns.segment.members", { count: num.format(picked.contacts) })}
        </p>
      )}
      {value && segments !== null && !picked && error === null && <p className="text-sm text-amber-800">{t("campaigns.segment.gone")}</p>}
      {error && <p className="text-sm text-amber-800">{error}</p>}
      <p className="text-xs text-gray-500">
        {segments?.length === 0 && error === null && `${t("campaigns.segment.none")} `}
        <Link to={segments?.length === 0 ? "/segments/new" : "/segments"} className="text-brand-700 underline" data-testid="campaign-segment-manage">
          {segments?.length === 0 ? t("campaigns.segment.create") : t("campaigns.segment.manage")}
        </Link>
      </p>
      <p className="text-xs text-gray-500">{t("campaigns.field.audienceHelp")}</p>
    </div>
  );
}

/**
 * A campaign from its audience to its launch: `/campaigns/new`, or
 * `/campaigns/{id}/edit` for a draft (`?step=review` opens its review).
 * Steps 1–3 are saved as a draft (POST, then PATCH); step 4 reviews the
 * server's preview and starts or schedules it.
 */
export function CampaignWizardPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const { id: editId } = useParams();
  const [search] = useSearchParams();
  const [step, setStep] = useState<Step>(1);
  const [name, setName] = useState("");
  const [tagsText, setTagsText] = useState("");
  const [audienceKind, setAudienceKind] = useState<AudienceKind>("tags");
  /** The chosen CSV file's text and name (kept to upload again and to render the sample). */
  const [csvFile, setCsvFile] = useState<{ name: string; text: string } | null>(null);
  /** The server's report on the last upload in this visit. */
  const [csvReport, setCsvReport] = useState<CsvUploadReport | null>(null);
  /** The draft's CSV audience as the server stores it (sent back as is when the draft is saved). */
  const [csvAudience, setCsvAudience] = useState<Record<string, unknown> | null>(null);
  const [uploading, setUploading] = useState(false);
  /** The saved segments to pick from (null while loading), and the one picked. */
  const [segments, setSegments] = useState<SegmentView[] | null>(null);
  const [segmentsError, setSegmentsError] = useState<string | null>(null);
  const [segmentId, setSegmentId] = useState("");
  const [channelId, setChannelId] = useState("");
  const [templateId, setTemplateId] = useState("");
  const [sources, setSources] = useState<Sources>(NO_SOURCES);
  const [rate, setRate] = useState("");
  /** A retarget draft's audience, sent back as stored, and the name of the campaign it reaches again. */
  const [retargetStored, setRetargetStored] = useState<Record<string, unknown> | null>(null);
  const [retargetSourceName, setRetargetSourceName] = useState<string | null>(null);
  /** A split test's variant B. */
  const [variant, setVariant] = useState<VariantDraft>(NO_VARIANT);
  /** The business's zone, quiet hours, and when it goes. */
  const [timezone, setTimezone] = useState(() => browserTimeZone());
  const [quiet, setQuiet] = useState<QuietDraft>(DEFAULT_QUIET);
  const [when, setWhen] = useState<ScheduleDraft>(() => ({
    kind: "now",
    at: toLocalInput(Date.now() + 60 * 60 * 1000),
    date: toDateInput(Date.now() + DAY_MS),
    time: "10:00",
  }));
  const [saved, setSaved] = useState<CampaignViewExt | null>(null);
  const [channels, setChannels] = useState<ChannelView[] | null>(null);
  const [templates, setTemplates] = useState<TemplateFull[] | null>(null);
  const [sample, setSample] = useState<SampleContact | null>(null);
  const [preview, setPreview] = useState<CampaignPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The last refusal because of the plan (403 FEATURE_NOT_IN_PLAN): shown with the link to the Plan page.
  const [planRefusal, setPlanRefusal] = useState<string | null>(null);
  /** A failed save, upload, start or schedule: the words, and whether the plan refused it. */
  const fail = (e: unknown) => {
    const text = errorText(e);
    setError(text);
    setPlanRefusal(isPlanRefusal(e) ? text : null);
  };
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [syncing, setSyncing] = useState(false);
  /** An existing campaign that is not a draft any more: it cannot be edited. */
  const [locked, setLocked] = useState<CampaignViewExt | null>(null);
  const num = new Intl.NumberFormat(lang.locale);
  const dateTime = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "short" });

  const categoryLabel = (c: string | null) => {
    const key = (c ?? "").toUpperCase();
    return key === "MARKETING" || key === "UTILITY" || key === "AUTHENTICATION" ? t(`templates.category.${key}`) : (c ?? "");
  };

  const tags = useMemo(() => parseTags(tagsText), [tagsText]);
  const channel = channels?.find((c) => c.id === channelId) ?? null;
  const template = templates?.find((x) => x.id === templateId) ?? null;
  const rateNumber = Number(rate);
  const maxRate = channel?.messages_per_second ?? 1;
  const isCsv = audienceKind === "csv";
  const isSegment = audienceKind === "segment";
  const isRetarget = audienceKind === "retarget";
  const retarget = useMemo(() => audienceRetarget(retargetStored), [retargetStored]);
  const segment = segments?.find((x) => x.id === segmentId) ?? null;
  const csvStored = useMemo(() => audienceCsv(csvAudience), [csvAudience]);
  /** The columns placeholders can take their values from (none for a tag audience). */
  const csvColumns = useMemo(
    () => (isCsv ? (csvReport?.columns ?? csvStored?.columns ?? []) : isRetarget ? (retarget?.columns ?? []) : []),
    [isCsv, csvReport, csvStored, isRetarget, retarget],
  );
  const templateB = templates?.find((x) => x.id === variant.templateId) ?? null;
  const candidatesB = useMemo(() => variantCandidates(templates ?? [], template, channel?.waba_id ?? null), [templates, template, channel]);
  const zones = useMemo(() => timeZoneOptions([browserTimeZone(), timezone]), [timezone]);
  const csvRows = csvReport?.accepted ?? csvStored?.rows ?? 0;
  /** The first row the server accepted, when the file is at hand: the live sample is rendered for it. */
  const csvSample = useMemo(() => (csvFile && csvReport ? firstAcceptedRow(csvFile.text, csvReport.rejected) : null), [csvFile, csvReport]);
  /** A new placeholder's first source: the first column of a CSV, else the contact's name. */
  const firstSource: SourceDraft = isCsv && csvColumns[0] ? { kind: "column", text: csvColumns[0] } : { kind: "name", text: "" };

  const loadTemplates = useCallback(async () => {
    const page = await api.get<Page<TemplateFull>>("/templates", { status: "APPROVED", limit: 100 });
    const approved = page.data.filter((x) => x.status.toUpperCase() === "APPROVED");
    setTemplates(approved);
    return approved;
  }, [api]);

  // The numbers, the approved templates, and the draft being edited.
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [chans, tpls, existing] = await Promise.all([
          api.get<Page<ChannelView>>("/channels"),
          loadTemplates(),
          editId ? api.get<CampaignWithStats>(`/campaigns/${encodeURIComponent(editId)}`) : Promise.resolve(null),
        ]);
        if (!live) return;
        setChannels(chans.data);
        if (!existing) {
          const first = chans.data[0];
          if (first) {
            setChannelId(first.id);
            setRate(String(first.messages_per_second));
          }
          return;
        }
        if (existing.status !== "draft") {
          setLocked(existing);
          return;
        }
        setSaved(existing);
        setName(existing.name);
        setTagsText(audienceTags(existing.audience).join(", "));
        const existingSegment = audienceSegmentId(existing.audience);
        if (audienceRetarget(existing.audience)) {
          setAudienceKind("retarget");
          setRetargetStored(existing.audience);
        } else if (existingSegment) {
          setAudienceKind("segment");
          setSegmentId(existingSegment);
        } else if (audienceCsv(existing.audience)) {
          setAudienceKind("csv");
          setCsvAudience(existing.audience);
        }
        setChannelId(existing.channel_id);
        setRate(String(existing.rate_mps));
        if (existing.timezone && isTimeZone(existing.timezone)) setTimezone(existing.timezone);
        setQuiet(quietHoursFromApi(existing.quiet_hours));
        if (existing.variant_b) setVariant(variantBFromApi(existing.variant_b, tpls));
        const tpl = tpls.find((x) => x.name === existing.template.name && x.language === existing.template.language);
        if (tpl) {
          setTemplateId(tpl.id);
          const c = placeholderCounts(tpl.components);
          const stored = (k: ParamComponent) => (existing.variables[k] ?? []).map(sourceFromApi);
          setSources({ header: fitSources(stored("header"), c.header), body: fitSources(stored("body"), c.body) });
        }
        if (search.get("step") === "review") setStep(4);
      } catch (e) {
        if (live) setLoadError(errorText(e));
      }
    })();
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, editId]);

  // The saved segments (an older server without them just offers none).
  useEffect(() => {
    let live = true;
    api
      .get<{ data: SegmentView[] }>("/contacts/segments")
      .then((res) => live && setSegments(res.data))
      .catch((e: unknown) => {
        if (!live) return;
        setSegments([]);
        setSegmentsError(errorText(e));
      });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  // A retarget draft names the campaign it reaches again.
  const retargetSource = retarget?.campaign_id ?? null;
  useEffect(() => {
    if (!retargetSource) return;
    let live = true;
    api
      .get<CampaignViewExt>(`/campaigns/${encodeURIComponent(retargetSource)}`)
      .then((c) => live && setRetargetSourceName(c.name))
      .catch(() => live && setRetargetSourceName(null));
    return () => {
      live = false;
    };
  }, [api, retargetSource]);

  // A contact of the audience, to render the sample with real values.
  const firstTag = audienceKind === "tags" ? (tags[0] ?? "") : "";
  const sampleSegment = isSegment ? segmentId : "";
  useEffect(() => {
    if (!firstTag && !sampleSegment) {
      setSample(null);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      const first = sampleSegment
        ? api.get<SegmentPreview>(`/contacts/segments/${encodeURIComponent(sampleSegment)}/preview`).then((p) => p.contacts[0] ?? null)
        : api.get<Page<Contact>>("/contacts", { tag: firstTag, limit: 1 }).then((p) => p.data[0] ?? null);
      first.then((c) => live && setSample(c)).catch(() => live && setSample(null));
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, firstTag, sampleSegment]);

  // Step 4: what the server would do.
  const savedId = saved?.id ?? null;
  const [previewError, setPreviewError] = useState<string | null>(null);
  useEffect(() => {
    if (step !== 4 || !savedId) return;
    let live = true;
    setPreview(null);
    setPreviewError(null);
    api
      .get<CampaignPreview>(`/campaigns/${encodeURIComponent(savedId)}/preview`)
      .then((p) => live && setPreview(p))
      .catch((e: unknown) => live && setPreviewError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, step, savedId]);

  function pickTemplate(id: string) {
    setTemplateId(id);
    const tpl = templates?.find((x) => x.id === id);
    const c = placeholderCounts(tpl?.components);
    setSources((s) => ({ header: fitSources(s.header, c.header, firstSource), body: fitSources(s.body, c.body, firstSource) }));
  }

  function pickTemplateB(id: string) {
    const tpl = templates?.find((x) => x.id === id);
    const c = placeholderCounts(tpl?.components);
    setVariant((v) => ({
      ...v,
      templateId: id,
      // Variant B starts from A's sources where it has as many placeholders.
      sources: {
        header: fitSources(v.sources.header.length ? v.sources.header : sources.header, c.header, firstSource),
        body: fitSources(v.sources.body.length ? v.sources.body : sources.body, c.body, firstSource),
      },
    }));
  }

  function pickChannel(id: string) {
    setChannelId(id);
    const ch = channels?.find((c) => c.id === id);
    if (ch && (!(Number(rate) > 0) || Number(rate) > ch.messages_per_second)) setRate(String(ch.messages_per_second));
  }

  async function syncTemplates() {
    setSyncing(true);
    setError(null);
    try {
      await api.post("/templates/sync");
      await loadTemplates();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSyncing(false);
    }
  }

  const stepProblem = (s: Step): string | null => {
    if (s === 1) {
      if (!name.trim()) return t("campaigns.wizard.needName");
      if (isCsv) {
        if (uploading) return t("campaigns.wizard.csvUploading");
        if (!saved || csvRows <= 0) return t("campaigns.wizard.needCsv");
      } else if (isRetarget) {
        if (!retarget) return t("campaigns.wizard.needTags");
      } else if (isSegment) {
        if (!segmentId) return t("campaigns.wizard.needSegment");
        if (segments && segmentsError === null && !segment) return t("campaigns.segment.gone");
      } else if (tags.length === 0) return t("campaigns.wizard.needTags");
    }
    if (s === 2) {
      if (!channel) return t("campaigns.wizard.needChannel");
      if (!template) return t("campaigns.wizard.needTemplate");
      const all = PARAM_COMPONENTS.flatMap((k) => [...sources[k], ...(variant.enabled ? variant.sources[k] : [])]);
      const gone = all.find((x) => x.kind === "column" && !csvColumns.includes(x.text));
      if (gone) return t("campaigns.wizard.needColumn", { column: gone.text });
      if (PARAM_COMPONENTS.some((k) => sources[k].some((x) => !sourceComplete(x, csvColumns)))) return t("campaigns.wizard.needSources");
      if (variant.enabled) {
        if (!templateB || !candidatesB.some((x) => x.id === templateB.id)) return t("campaigns.split.needTemplateB");
        const b = variantBToApi(variant, templates ?? [], csvColumns);
        if ("error" in b) return t(`campaigns.split.${b.error}`);
      }
    }
    if (s === 3) {
      if (!Number.isInteger(rateNumber) || rateNumber < 1 || rateNumber > maxRate) return t("campaigns.wizard.rateRange", { max: maxRate });
      if (!isTimeZone(timezone)) return t("campaigns.timing.needZone");
      const q = quietHoursToApi(quiet);
      if ("error" in q) return t(`campaigns.timing.${q.error}`);
      const sch = schedulePayload(when, Date.now());
      if ("error" in sch) return t(sch.error === "scheduleFuture" ? "campaigns.wizard.scheduleFuture" : "campaigns.timing.localInvalid");
    }
    return null;
  };

  function next() {
    const problem = stepProblem(step);
    setError(problem);
    if (!problem && step < 3) setStep((step + 1) as Step);
  }

  /** Steps 1–3 as a draft: created the first time, rewritten after. */
  async function save() {
    const problem = stepProblem(1) ?? stepProblem(2) ?? stepProblem(3);
    if (problem) {
      setError(problem);
      return;
    }
    if (!template) return;
    const b = variantBToApi(variant, templates ?? [], csvColumns);
    const q = quietHoursToApi(quiet);
    if ("error" in b || "error" in q) return;
    setBusy(true);
    setError(null);
    const body = {
      name: name.trim(),
      channel_id: channelId,
      template: { name: template.name, language: template.language },
      variables: variablesOf(sources),
      // A CSV or retarget audience goes back as the server stored it (a CSV's rows stay with the draft).
      audience: isRetarget ? retargetStored : isCsv ? (csvAudience ?? { csv: {} }) : isSegment ? { segment_id: segmentId } : { tags },
      rate_mps: rateNumber,
      timezone,
      quiet_hours: q.value,
      variant_b: b.value,
    };
    try {
      const c = saved
        ? await api.patch<CampaignViewExt>(`/campaigns/${encodeURIComponent(saved.id)}`, body)
        : await api.post<CampaignViewExt>("/campaigns", body);
      setSaved(c);
      if (!saved) window.history.replaceState(window.history.state, "", `/campaigns/${c.id}/edit`);
      setStep(4);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  /**
   * A CSV is uploaded to a draft: the first upload saves one, with a template
   * of the number's account that the message step rewrites. Null and the
   * problem shown when it cannot be saved yet.
   */
  async function draftForUpload(): Promise<CampaignViewExt | null> {
    if (saved) return saved;
    // A file chosen before the numbers and templates came in waits for them.
    const chans = channels ?? (await api.get<Page<ChannelView>>("/channels")).data;
    const ch = chans.find((c) => c.id === channelId) ?? chans[0] ?? null;
    if (!ch) {
      setError(t("campaigns.wizard.noChannel"));
      return null;
    }
    const tpl = uploadDraftTemplate(templates ?? (await loadTemplates()), ch.waba_id, templateId);
    if (!tpl) {
      setError(t("campaigns.csv.needTemplate"));
      return null;
    }
    const c = placeholderCounts(tpl.components);
    const phone: SourceDraft = { kind: "phone", text: "" };
    const body = {
      name: name.trim(),
      channel_id: ch.id,
      template: { name: tpl.name, language: tpl.language },
      // Any valid sources: the message step sets the real ones.
      variables: variablesOf({ header: Array.from({ length: c.header }, () => phone), body: Array.from({ length: c.body }, () => phone) }),
      audience: { csv: {} },
      ...(Number.isInteger(rateNumber) && rateNumber >= 1 && rateNumber <= ch.messages_per_second ? { rate_mps: rateNumber } : {}),
    };
    const created = await api.post<CampaignViewExt>("/campaigns", body);
    setSaved(created);
    window.history.replaceState(window.history.state, "", `/campaigns/${created.id}/edit`);
    return created;
  }

  /** Uploads the chosen file (replacing an earlier upload) and shows the server's report. */
  async function uploadCsv(file: { name: string; text: string }) {
    setCsvFile(file);
    setCsvReport(null);
    if (!name.trim()) {
      setError(t("campaigns.csv.needName"));
      return;
    }
    setUploading(true);
    setError(null);
    try {
      const draft = await draftForUpload();
      if (!draft) return;
      const id = encodeURIComponent(draft.id);
      const report = await api.post<CsvUploadReport>(`/campaigns/${id}/audience/csv`, new RawBody(file.text, "text/csv"));
      setCsvReport(report);
      const fallback = { csv: { rows: report.accepted, columns: report.columns } };
      try {
        const fresh = await api.get<CampaignWithStats>(`/campaigns/${id}`);
        setSaved(fresh);
        setCsvAudience(audienceCsv(fresh.audience) ? fresh.audience : fallback);
      } catch {
        setCsvAudience(fallback);
      }
    } catch (e) {
      fail(e);
    } finally {
      setUploading(false);
    }
  }

  async function start() {
    if (!saved) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`/campaigns/${encodeURIComponent(saved.id)}/start`);
      navigate(`/campaigns/${saved.id}`);
    } catch (e) {
      fail(e);
      setBusy(false);
    }
  }

  async function schedule() {
    if (!saved) return;
    const sch = schedulePayload(when, Date.now());
    if ("error" in sch) {
      setError(t(sch.error === "scheduleFuture" ? "campaigns.wizard.scheduleFuture" : "campaigns.timing.localInvalid"));
      return;
    }
    if (!sch.body) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`/campaigns/${encodeURIComponent(saved.id)}/schedule`, sch.body);
      navigate(`/campaigns/${saved.id}`);
    } catch (e) {
      fail(e);
      setBusy(false);
    }
  }

  // The live sample: the audience's first contact (or a CSV's first accepted
  // row), or the sources' names when there is none.
  const sampleFor: SampleContact | null = isCsv ? (csvSample ? { name: null, phone: csvSample.phone, columns: csvSample.values } : null) : sample;
  const stand = (s: SourceDraft) => {
    if (s.kind === "value") return "";
    if (s.kind === "column") return `{${s.text}}`;
    return `[${s.kind === "field" && s.text.trim() ? s.text.trim() : t(`campaigns.source.${s.kind}`)}]`;
  };
  const sampleOf = (tpl: TemplateFull | null, srcs: Sources) => {
    if (!tpl) return null;
    const values = (k: ParamComponent) => srcs[k].map((s) => sourceValue(s, sampleFor) || stand(s));
    const base = bubbleOf(tpl.components);
    const header = renderComponent(tpl.components, "header", values("header"));
    return {
      ...base,
      header: header !== null ? { kind: "text" as const, text: header } : base.header,
      body: renderComponent(tpl.components, "body", values("body")) ?? "",
    };
  };
  const sampleView = sampleOf(template, sources);
  const sampleViewB = variant.enabled ? sampleOf(templateB, variant.sources) : null;
  const splitPercent = parseSplitPercent(variant.percent);
  const whenAtIso = when.kind === "at" ? schedulePayload(when, 0) : null;
  const whenAtText = whenAtIso && "body" in whenAtIso && whenAtIso.body && "at" in whenAtIso.body ? dateTime.format(new Date(whenAtIso.body.at)) : when.at;

  if (locked) {
    return (
      <div className="h-full overflow-y-auto">
        <div className="mx-auto max-w-3xl p-4">
          <PageHeader title={locked.name} />
          <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="campaign-locked">
            {t("campaigns.wizard.notDraft", { status: t(`campaigns.status.${locked.status}`) })}{" "}
            <Link className="font-medium underline" to={`/campaigns/${locked.id}`}>
              {t("campaigns.openDetail")}
            </Link>
          </p>
        </div>
      </div>
    );
  }

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-4xl p-4" data-testid="campaign-wizard">
        <PageHeader
          title={saved ? t(step === 4 ? "campaigns.wizard.reviewTitle" : "campaigns.wizard.editTitle", { name: saved.name }) : t("campaigns.new")}
          subtitle={t("campaigns.wizard.intro")}
        >
          <Link to="/campaigns" className="text-sm text-gray-600 hover:underline">
            {t("campaigns.backToList")}
          </Link>
        </PageHeader>
        <Stepper
          step={step}
          onGo={(s) => {
            setError(null);
            setStep(s);
          }}
        />
        <ErrorText testId="campaign-wizard-load-error">{loadError}</ErrorText>

        {step === 1 && (
          <Section title={t("campaigns.wizard.step.audience")} testId="campaign-step-audience">
            <div className="space-y-3">
              <TextInput label={t("campaigns.field.name")} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="campaign-name" placeholder={t("campaigns.field.namePlaceholder")} />
              {isRetarget && retarget ? (
                <RetargetAudiencePanel rule={retarget.rule} hours={retarget.after_hours ?? 24} sourceId={retarget.campaign_id} sourceName={retargetSourceName} />
              ) : (
                <>
                <fieldset data-testid="campaign-audience-kind" data-kind={audienceKind}>
                  <legend className="mb-1 block text-xs font-medium text-gray-700">{t("campaigns.audience.kind")}</legend>
                  <div className="grid gap-2 sm:grid-cols-3">
                    {AUDIENCE_KINDS.map((kind) => (
                      <label
                        key={kind}
                        className={`flex cursor-pointer items-start gap-2 rounded-lg border p-3 text-sm ${
                          audienceKind === kind ? "border-brand-500 bg-brand-50" : "border-gray-200 bg-white hover:bg-gray-50"
                        }`}
                      >
                        <input
                          type="radio"
                          name="campaign-audience-kind"
                          className="mt-0.5"
                          checked={audienceKind === kind}
                          disabled={uploading}
                          onChange={() => {
                            setAudienceKind(kind);
                            setError(null);
                          }}
                          data-testid={`campaign-audience-${kind}`}
                        />
                        <span>
                          <span className="font-medium text-gray-900">{t(`campaigns.audience.${kind}`)}</span>
                          <span className="block text-xs text-gray-500">{t(`campaigns.audience.${kind}Help`)}</span>
                        </span>
                      </label>
                    ))}
                  </div>
                </fieldset>
                {isSegment ? (
                  <SegmentAudience segments={segments} error={segmentsError} value={segmentId} onChange={setSegmentId} />
                ) : audienceKind === "tags" ? (
                  <>
                    <TextInput
                      label={t("campaigns.field.tags")}
                      hint={t("campaigns.field.tagsHint")}
                      value={tagsText}
                      onChange={(e) => setTagsText(e.target.value)}
                      data-testid="campaign-tags"
                      placeholder="vip, spring"
                    />
                    {tags.length > 0 && (
                      <div className="flex flex-wrap gap-1" data-testid="campaign-tag-chips">
                        {tags.map((x) => (
                          <span key={x} className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700">
                            {x}
                          </span>
                        ))}
                      </div>
                    )}
                    <p className="text-xs text-gray-500">{t("campaigns.field.audienceHelp")}</p>
                  </>
                ) : (
                  <>
                    <CsvAudiencePanel
                      fileName={csvFile?.name ?? null}
                      uploading={uploading}
                      report={csvReport}
                      stored={csvStored}
                      canRetry={csvFile !== null}
                      onPick={(file) => {
                        void file.text().then(
                          (text) => uploadCsv({ name: file.name, text }),
                          () => setError(t("campaigns.csv.unreadable")),
                        );
                      }}
                      onRetry={() => csvFile && void uploadCsv(csvFile)}
                    />
                    {templates && templates.length === 0 && !saved && (
                      <div className="flex flex-wrap items-center gap-2 text-sm text-gray-600">
                        <span>{t("campaigns.csv.needTemplate")}</span>
                        <Button variant="secondary" onClick={() => void syncTemplates()} disabled={syncing} data-testid="campaign-csv-sync-templates">
                          {syncing ? t("template.syncing") : t("templates.sync")}
                        </Button>
                      </div>
                    )}
                  </>
                )}
                </>
              )}
            </div>
          </Section>
        )}

        {step === 2 && (
          <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
            <Section title={t("campaigns.wizard.step.message")} testId="campaign-step-message">
              <div className="space-y-3">
                <Labeled label={t("campaigns.field.channel")}>
                  {(id) => (
                    <select id={id} className={inputClass} value={channelId} onChange={(e) => pickChannel(e.target.value)} data-testid="campaign-channel">
                      {!channelId && <option value="">{t("campaigns.field.channelPick")}</option>}
                      {channels?.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.name ? `${c.name} (${c.display_phone_number})` : c.display_phone_number}
                        </option>
                      ))}
                    </select>
                  )}
                </Labeled>
                {channels && channels.length === 0 && (
                  <p className="text-sm text-amber-800">
                    {t("campaigns.wizard.noChannel")}{" "}
                    <Link to="/settings/channels" className="underline">
                      {t("nav.settings")}
                    </Link>
                  </p>
                )}
                <Labeled label={t("campaigns.field.template")} hint={t("campaigns.field.templateHint")}>
                  {(id) => (
                    <select id={id} className={inputClass} value={templateId} onChange={(e) => pickTemplate(e.target.value)} data-testid="campaign-template">
                      <option value="">{templates === null ? t("template.loading") : t("template.select")}</option>
                      {templates?.map((x) => (
                        <option key={x.id} value={x.id} data-name={x.name}>
                          {`${x.name} (${x.language})${categoryLabel(x.category) ? ` · ${categoryLabel(x.category)}` : ""}`}
                        </option>
                      ))}
                    </select>
                  )}
                </Labeled>
                {templates && templates.length === 0 && (
                  <div className="flex flex-wrap items-center gap-2 text-sm text-gray-600">
                    <span>{t("template.none")}</span>
                    <Button variant="secondary" onClick={() => void syncTemplates()} disabled={syncing} data-testid="campaign-sync-templates">
                      {syncing ? t("template.syncing") : t("templates.sync")}
                    </Button>
                  </div>
                )}
                {template?.category?.toUpperCase() === "MARKETING" && <p className="text-xs text-gray-500">{t("campaigns.wizard.marketingNote")}</p>}
                {template && <SourcesEditor template={template} sources={sources} columns={csvColumns} onChange={setSources} />}
                {template && (
                  <div className="space-y-3 border-t border-gray-100 pt-3" data-testid="campaign-split" data-enabled={variant.enabled ? "true" : "false"}>
                    <Checkbox
                      label={t("campaigns.split.toggle")}
                      checked={variant.enabled}
                      onChange={(e) => setVariant((v) => ({ ...v, enabled: e.target.checked }))}
                      data-testid="campaign-split-toggle"
                    />
                    <p className="text-xs text-gray-500">{t("campaigns.split.help")}</p>
                    {variant.enabled && (
                      <>
                        <Labeled label={t("campaigns.split.templateB")} hint={t("campaigns.split.templateBHint")}>
                          {(id) => (
                            <select id={id} className={inputClass} value={variant.templateId} onChange={(e) => pickTemplateB(e.target.value)} data-testid="campaign-template-b">
                              <option value="">{candidatesB.length === 0 ? t("campaigns.split.noCandidates") : t("template.select")}</option>
                              {candidatesB.map((x) => (
                                <option key={x.id} value={x.id} data-name={x.name}>
                                  {`${x.name} (${x.language})`}
                                </option>
                              ))}
                              {templateB && !candidatesB.some((x) => x.id === templateB.id) && (
                                <option value={templateB.id} data-name={templateB.name}>{`${templateB.name} (${templateB.language}) · ${t("campaigns.split.notCandidate")}`}</option>
                              )}
                            </select>
                          )}
                        </Labeled>
                        {templateB && (
                          <SourcesEditor
                            template={templateB}
                            sources={variant.sources}
                            columns={csvColumns}
                            prefix="campaign-b"
                            onChange={(next) => setVariant((v) => ({ ...v, sources: next }))}
                          />
                        )}
                        <div>
                          <Labeled label={t("campaigns.split.percent")}>
                            {(id) => (
                              <div className="flex items-center gap-3">
                                <input
                                  type="range"
                                  min={1}
                                  max={99}
                                  step={1}
                                  className="w-48 accent-brand-600"
                                  value={splitPercent ?? 50}
                                  onChange={(e) => setVariant((v) => ({ ...v, percent: e.target.value }))}
                                  aria-label={t("campaigns.split.percent")}
                                  data-testid="campaign-split-range"
                                />
                                <input
                                  id={id}
                                  type="number"
                                  min={1}
                                  max={99}
                                  step={1}
                                  className={`${fieldClass} w-20`}
                                  value={variant.percent}
                                  onChange={(e) => setVariant((v) => ({ ...v, percent: e.target.value }))}
                                  data-testid="campaign-split-percent"
                                />
                                <span className="text-sm text-gray-600">%</span>
                              </div>
                            )}
                          </Labeled>
                          <p className="mt-1 text-xs text-gray-600" data-testid="campaign-split-shares">
                            {splitPercent !== null
                              ? t("campaigns.split.shares", { a: 100 - splitPercent, b: splitPercent })
                              : t("campaigns.split.splitRange")}
                          </p>
                        </div>
                      </>
                    )}
                  </div>
                )}
              </div>
            </Section>
            <Section title={t("campaigns.wizard.sample")}>
              {sampleView ? (
                <>
                  {sampleViewB && <p className="mb-1 text-xs font-medium text-gray-600">{t("campaigns.variant.a")}</p>}
                  <TemplateBubble view={sampleView} testId="campaign-sample" />
                  {sampleViewB && (
                    <>
                      <p className="mb-1 mt-3 text-xs font-medium text-gray-600">{t("campaigns.variant.b")}</p>
                      <TemplateBubble view={sampleViewB} testId="campaign-sample-b" />
                    </>
                  )}
                  <p className="mt-2 text-xs text-gray-500" data-testid="campaign-sample-for">
                    {isCsv
                      ? csvSample
                        ? t("campaigns.wizard.sampleForRow", { line: csvSample.line, phone: csvSample.phone || "—" })
                        : t("campaigns.wizard.sampleNoRow")
                      : sample
                        ? t("campaigns.wizard.sampleFor", { name: sample.name || sample.phone || "—" })
                        : isRetarget
                          ? t("campaigns.wizard.sampleRetarget")
                          : isSegment
                            ? t("campaigns.wizard.sampleNoSegmentContact")
                            : t("campaigns.wizard.sampleNoContact")}
                  </p>
                </>
              ) : (
                <p className="text-sm text-gray-500">{t("campaigns.wizard.pickTemplate")}</p>
              )}
            </Section>
          </div>
        )}

        {step === 3 && (
          <Section title={t("campaigns.wizard.step.speed")} testId="campaign-step-speed">
            <div className="max-w-sm space-y-2">
              <TextInput
                label={t("campaigns.field.rate")}
                type="number"
                min={1}
                max={maxRate}
                step={1}
                value={rate}
                onChange={(e) => setRate(e.target.value)}
                data-testid="campaign-rate"
                hint={t("campaigns.field.rateHint", { max: num.format(maxRate) })}
              />
              {rateNumber >= 1 && (
                <p className="text-sm text-gray-600" data-testid="campaign-rate-example">
                  {t("campaigns.field.rateExample", { count: num.format(1000), duration: formatSecondsShort(Math.ceil(1000 / rateNumber)) })}
                </p>
              )}
            </div>
            <div className="mt-4 space-y-4 border-t border-gray-100 pt-4">
              <fieldset data-testid="campaign-when" data-kind={when.kind}>
                <legend className="mb-1 block text-xs font-medium text-gray-700">{t("campaigns.timing.when")}</legend>
                <div className="grid gap-2 sm:grid-cols-3">
                  {SCHEDULE_KINDS.map((kind) => (
                    <label
                      key={kind}
                      className={`flex cursor-pointer items-start gap-2 rounded-lg border p-3 text-sm ${
                        when.kind === kind ? "border-brand-500 bg-brand-50" : "border-gray-200 bg-white hover:bg-gray-50"
                      }`}
                    >
                      <input
                        type="radio"
                        name="campaign-when"
                        className="mt-0.5"
                        checked={when.kind === kind}
                        onChange={() => setWhen((w) => ({ ...w, kind }))}
                        data-testid={`campaign-when-${kind}`}
                      />
                      <span>
                        <span className="font-medium text-gray-900">{t(`campaigns.timing.kind.${kind}`)}</span>
                        <span className="block text-xs text-gray-500">{t(`campaigns.timing.kindHelp.${kind}`)}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
              {when.kind === "at" && (
                <Labeled label={t("campaigns.field.scheduleAt")} hint={t("campaigns.timing.atHint", { zone: browserTimeZone() })}>
                  {(id) => (
                    <input
                      id={id}
                      type="datetime-local"
                      className={fieldClass}
                      value={when.at}
                      min={toLocalInput(Date.now())}
                      onChange={(e) => setWhen((w) => ({ ...w, at: e.target.value }))}
                      data-testid="campaign-schedule-at"
                    />
                  )}
                </Labeled>
              )}
              {when.kind === "local" && (
                <div className="space-y-1">
                  <div className="flex flex-wrap items-end gap-3">
                    <Labeled label={t("campaigns.timing.localDate")}>
                      {(id) => (
                        <input
                          id={id}
                          type="date"
                          className={fieldClass}
                          value={when.date}
                          onChange={(e) => setWhen((w) => ({ ...w, date: e.target.value }))}
                          data-testid="campaign-local-date"
                        />
                      )}
                    </Labeled>
                    <Labeled label={t("campaigns.timing.localTime")}>
                      {(id) => (
                        <input
                          id={id}
                          type="time"
                          className={fieldClass}
                          value={when.time}
                          onChange={(e) => setWhen((w) => ({ ...w, time: e.target.value }))}
                          data-testid="campaign-local-time"
                        />
                      )}
                    </Labeled>
                  </div>
                  <p className="text-xs text-gray-500">{t("campaigns.timing.localHint")}</p>
                </div>
              )}
              <div className="max-w-sm">
                <Labeled label={t("campaigns.timing.zone")} hint={t("campaigns.timing.zoneHint")}>
                  {(id) => (
                    <select id={id} className={inputClass} value={timezone} onChange={(e) => setTimezone(e.target.value)} data-testid="campaign-timezone">
                      {zones.map((z) => (
                        <option key={z} value={z}>
                          {z.replace(/_/g, " ")}
                        </option>
                      ))}
                    </select>
                  )}
                </Labeled>
              </div>
              <div className="space-y-2" data-testid="campaign-quiet" data-enabled={quiet.enabled ? "true" : "false"}>
                <Checkbox label={t("campaigns.timing.quiet")} checked={quiet.enabled} onChange={(e) => setQuiet((q) => ({ ...q, enabled: e.target.checked }))} data-testid="campaign-quiet-toggle" />
                <p className="text-xs text-gray-500">{t("campaigns.timing.quietHelp")}</p>
                {quiet.enabled && (
                  <div className="flex flex-wrap items-end gap-3">
                    <Labeled label={t("campaigns.timing.quietStart")}>
                      {(id) => (
                        <input id={id} type="time" className={fieldClass} value={quiet.start} onChange={(e) => setQuiet((q) => ({ ...q, start: e.target.value }))} data-testid="campaign-quiet-start" />
                      )}
                    </Labeled>
                    <Labeled label={t("campaigns.timing.quietEnd")}>
                      {(id) => (
                        <input id={id} type="time" className={fieldClass} value={quiet.end} onChange={(e) => setQuiet((q) => ({ ...q, end: e.target.value }))} data-testid="campaign-quiet-end" />
                      )}
                    </Labeled>
                  </div>
                )}
              </div>
            </div>
          </Section>
        )}

        {step === 4 && (
          <div className="space-y-4" data-testid="campaign-review">
            {previewError && <ErrorText testId="campaign-preview-error">{previewError}</ErrorText>}
            {!preview && !previewError && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
            {preview && (
              <>
                <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
                  <Figure label={t("campaigns.review.audience")} value={num.format(preview.audience)} testId="campaign-review-audience" dataValue={preview.audience} />
                  <Figure label={t("campaigns.review.sendable")} value={num.format(preview.sendable)} testId="campaign-review-sendable" dataValue={preview.sendable} />
                  <Figure label={t("campaigns.review.cost")} value={formatMoney(preview.estimated_cost, lang.locale)} testId="campaign-review-cost" hint={t("campaigns.review.costHint")} />
                  <Figure
                    label={t("campaigns.review.duration")}
                    value={formatSecondsShort(preview.estimated_seconds)}
                    testId="campaign-review-finish"
                    hint={t("campaigns.review.finishAt", { time: dateTime.format(new Date(preview.estimated_finish_at)) })}
                  />
                </div>
                <Section title={t("campaigns.review.skipped", { count: num.format(preview.audience - preview.sendable) })} testId="campaign-review-skips">
                  {Object.keys(preview.skipped).length === 0 ? (
                    <p className="text-sm text-gray-500">{t("campaigns.review.noneSkipped")}</p>
                  ) : (
                    <>
                      <ul className="space-y-1 text-sm">
                        {Object.entries(preview.skipped).map(([reason, n]) => (
                          <li key={reason} className="flex items-center justify-between gap-3 rounded-md bg-amber-50 px-3 py-1.5" data-testid="campaign-review-skip" data-reason={reason}>
                            <span>
                              <span className="font-medium text-amber-900">{isSkipReason(reason) ? t(`campaigns.skip.${reason}`) : reason}</span>
                              {isSkipReason(reason) && (
                                <span className="block text-xs text-amber-800">
                                  {isCsv && reason === "missing_variable" ? t("campaigns.skipHelpCsv.missing_variable") : t(`campaigns.skipHelp.${reason}`)}
                                </span>
                              )}
                            </span>
                            <span className="tabular-nums font-semibold text-amber-900">{num.format(n ?? 0)}</span>
                          </li>
                        ))}
                      </ul>
                      {preview.skipped_rows.length > 0 && (
                        <details className="mt-2 text-sm">
                          <summary className="cursor-pointer text-gray-600">{t("campaigns.review.whoSkipped")}</summary>
                          <ul className="mt-1 divide-y divide-gray-100">
                            {preview.skipped_rows.map((r, i) => {
                              // A CSV audience's file line.
                              const line = r.line;
                              return (
                                <li
                                  key={`${r.contact_id ?? ""}${i}`}
                                  className="flex justify-between gap-3 py-1"
                                  data-testid="campaign-review-skipped-row"
                                  data-reason={r.reason}
                                  data-line={typeof line === "number" ? line : undefined}
                                >
                                  <span className="text-xs">
                                    {typeof line === "number" && <span className="mr-2 text-gray-500">{t("campaigns.review.line", { line: num.format(line) })}</span>}
                                    <span className="font-mono">{r.phone ?? "—"}</span>
                                  </span>
                                  <span className="text-xs text-gray-600">{isSkipReason(r.reason) ? t(`campaigns.skip.${r.reason}`) : r.reason}</span>
                                </li>
                              );
                            })}
                          </ul>
                        </details>
                      )}
                    </>
                  )}
                </Section>
                <Section title={t("campaigns.review.samples")}>
                  {preview.samples.length === 0 ? (
                    <p className="text-sm text-gray-500">{t("campaigns.review.noSamples")}</p>
                  ) : (
                    <div className="grid gap-3 md:grid-cols-3">
                      {(preview.samples as PreviewSampleExt[]).map((s, i) => (
                        <div key={`${s.contact_id ?? ""}${i}`} data-testid="campaign-review-sample" data-variant={s.variant ?? undefined}>
                          <p className="mb-1 flex items-center gap-2 font-mono text-xs text-gray-500">
                            {s.phone ?? "—"}
                            {variant.enabled && s.variant && <Badge tone={s.variant === "a" ? "brand" : "amber"}>{t(`campaigns.variant.${s.variant}`)}</Badge>}
                          </p>
                          <TemplateBubble view={{ header: null, body: s.text, footer: "", buttons: [] }} testId="campaign-review-bubble" />
                        </div>
                      ))}
                    </div>
                  )}
                </Section>
              </>
            )}
            {saved && (
              <Section title={t("campaigns.review.settings")} testId="campaign-review-settings">
                <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[12rem_minmax(0,1fr)]">
                  <dt className="text-gray-500">{t("campaigns.timing.when")}</dt>
                  <dd data-testid="campaign-review-when" data-kind={when.kind} data-date={when.kind === "local" ? when.date : undefined} data-time={when.kind === "local" ? when.time : undefined}>
                    {when.kind === "now"
                      ? t("campaigns.timing.kind.now")
                      : when.kind === "at"
                        ? t("campaigns.review.whenAt", { time: whenAtText })
                        : t("campaigns.review.whenLocal", { time: formatLocalSend({ date: when.date, time: when.time }, lang.locale) })}
                  </dd>
                  <dt className="text-gray-500">{t("campaigns.timing.zone")}</dt>
                  <dd data-testid="campaign-review-timezone" data-value={saved.timezone ?? timezone}>
                    {(saved.timezone ?? timezone).replace(/_/g, " ")}
                  </dd>
                  <dt className="text-gray-500">{t("campaigns.timing.quiet")}</dt>
                  <dd data-testid="campaign-review-quiet" data-value={quiet.enabled ? `${quiet.start}-${quiet.end}` : ""}>
                    {quiet.enabled ? t("campaigns.review.quietValue", { start: quiet.start, end: quiet.end }) : t("campaigns.review.noQuiet")}
                  </dd>
                  <dt className="text-gray-500">{t("campaigns.split.title")}</dt>
                  <dd data-testid="campaign-review-split" data-percent={variant.enabled && splitPercent !== null ? splitPercent : undefined}>
                    {variant.enabled && templateB && splitPercent !== null && template ? (
                      <>
                        <span className="block">
                          {t("campaigns.review.splitLine", {
                            variant: "A",
                            template: `${template.name} (${template.language})`,
                            percent: 100 - splitPercent,
                            count: num.format(splitCount(preview?.sendable ?? 0, splitPercent).a),
                          })}
                        </span>
                        <span className="block">
                          {t("campaigns.review.splitLine", {
                            variant: "B",
                            template: `${templateB.name} (${templateB.language})`,
                            percent: splitPercent,
                            count: num.format(splitCount(preview?.sendable ?? 0, splitPercent).b),
                          })}
                        </span>
                      </>
                    ) : (
                      t("campaigns.review.noSplit")
                    )}
                  </dd>
                </dl>
                <button type="button" className="mt-2 text-xs text-brand-700 underline" onClick={() => setStep(3)} data-testid="campaign-review-change-timing">
                  {t("campaigns.review.changeTiming")}
                </button>
              </Section>
            )}
            <Section title={t("campaigns.review.launch")}>
              <div className="flex flex-wrap items-center gap-3">
                {when.kind === "now" ? (
                  <Button onClick={() => void start()} disabled={busy || !preview || preview.sendable === 0} data-testid="campaign-start">
                    {t("campaigns.action.startNow")}
                  </Button>
                ) : (
                  <>
                    <Button onClick={() => void schedule()} disabled={busy || !preview || preview.sendable === 0} data-testid="campaign-schedule">
                      {t("campaigns.action.schedule")}
                    </Button>
                    <span className="text-sm text-gray-500">{t("campaigns.review.or")}</span>
                    <Button variant="secondary" onClick={() => void start()} disabled={busy || !preview || preview.sendable === 0} data-testid="campaign-start">
                      {t("campaigns.action.startNowInstead")}
                    </Button>
                  </>
                )}
              </div>
              <p className="mt-2 text-xs text-gray-500">{t("campaigns.review.draftSaved")}</p>
            </Section>
          </div>
        )}

        <div className="mt-4">
          <PlanErrorText testId="campaign-wizard-error" text={error} plan={error !== null && error === planRefusal} />
        </div>
        {step < 4 && (
          <div className="mt-4 flex flex-wrap justify-between gap-2">
            <Button variant="secondary" onClick={() => (step === 1 ? navigate("/campaigns") : setStep((step - 1) as Step))} data-testid="campaign-back">
              {step === 1 ? t("common.cancel") : t("campaigns.wizard.back")}
            </Button>
            {step < 3 ? (
              <Button onClick={next} disabled={uploading} data-testid="campaign-next">
                {t("campaigns.wizard.next")}
              </Button>
            ) : (
              <Button onClick={() => void save()} disabled={busy} data-testid="campaign-save">
                {busy ? t("campaigns.wizard.saving") : t("campaigns.wizard.saveAndReview")}
              </Button>
            )}
          </div>
        )}
        {step === 4 && (
          <div className="mt-4">
            <Button variant="secondary" onClick={() => setStep(3)} data-testid="campaign-back">
              {t("campaigns.wizard.back")}
            </Button>
          </div>
        )}
      </div>
    </div>
  );
}

export default CampaignWizardPage;
