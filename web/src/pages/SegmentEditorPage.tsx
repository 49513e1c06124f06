import { useEffect, useMemo, useRef, useState } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { RuleBuilder } from "../components/segments/RuleBuilder";
import { Button, ConfirmButton, PageHeader, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError, type SegmentPreview, type SegmentView } from "../lib/api";
import type { ChannelView } from "../lib/apiTypes";
import { draftProblems, fromRule, newRoot, nodeIdForError, PREVIEW_LIMIT, toRule, type GroupDraft } from "../lib/segments";
import type { Contact, Page } from "../lib/types";
import { useFormError, type FieldFixes } from "../lib/useFormError";

/** The live count waits this long after the last change before asking the server. */
const PREVIEW_DEBOUNCE_MS = 300;

/** The preview shown, and the rule (its JSON) it was counted for. */
type PreviewState =
  | { key: string; state: "ok"; data: SegmentPreview }
  | { key: string; state: "error"; message: string }
  | { key: string; state: "incomplete" };

/** A server refusal pinned to the rule it was about: it goes when the rule changes. */
interface RuleError {
  key: string;
  nodeId: string;
  message: string;
}

function Members({ preview }: { preview: SegmentPreview }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  if (preview.count === 0) return <p className="text-sm text-gray-500">{t("segments.preview.none")}</p>;
  return (
    <>
      {preview.count > preview.contacts.length && (
        <p className="mb-1 text-xs text-gray-500">{t("segments.preview.first", { shown: num.format(preview.contacts.length), count: num.format(preview.count) })}</p>
      )}
      <div className="max-h-[28rem] overflow-auto rounded-lg border border-gray-200">
        <table className="w-full text-left text-sm" data-testid="segment-members">
          <thead className="sticky top-0 bg-gray-50 text-xs uppercase text-gray-500">
            <tr>
              <th className="px-3 py-1.5 font-medium">{t("contacts.col.name")}</th>
              <th className="px-3 py-1.5 font-medium">{t("contacts.col.phone")}</th>
              <th className="px-3 py-1.5 font-medium">{t("contacts.col.tags")}</th>
            </tr>
          </thead>
          <tbody>
            {preview.contacts.map((c: Contact) => (
              <tr key={c.id} className="border-t border-gray-100 align-top" data-testid="segment-member" data-contact-id={c.id}>
                <td className="px-3 py-1.5 font-medium" data-testid="segment-member-name">
                  {c.name || "—"}
                </td>
                <td className="px-3 py-1.5 font-mono text-xs">{c.phone || "—"}</td>
                <td className="px-3 py-1.5">
                  <div className="flex flex-wrap gap-1">
                    {(c.tags ?? []).map((x) => (
                      <span key={x} className="rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700">
                        {x}
                      </span>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * `/segments/new` and `/segments/{id}`: the name and rule of a segment, with
 * its members counted live while the rule changes (`POST
 * /contacts/segments/preview`, debounced); saved with POST or PATCH. Agents
 * see the saved rule read-only with its members (`GET …/{id}/preview`).
 */
/** The segment fields the server names in its refusals (the rule's are pinned to their condition). */
const SEGMENT_FIELDS = ["name"] as const;
/** What the name accepts, in the reader's language. */
const SEGMENT_FIXES: FieldFixes = { name: "segments.needName" };

export function SegmentEditorPage() {
  const { t, lang } = useI18n();
  const { api, user } = useAuth();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const { id } = useParams();
  const canEdit = user?.role !== "agent";
  const [name, setName] = useState("");
  const [root, setRoot] = useState<GroupDraft>(newRoot);
  const [saved, setSaved] = useState<SegmentView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [channels, setChannels] = useState<ChannelView[] | null>(null);
  const [known, setKnown] = useState<{ tags: string[]; fields: string[] }>({ tags: [], fields: [] });
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [ruleError, setRuleError] = useState<RuleError | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The server's refusal of a save: a taken or invalid name under the name, the rest above the buttons.
  const refusal = useFormError(SEGMENT_FIELDS, undefined, SEGMENT_FIXES);
  const [nameMissing, setNameMissing] = useState(false);
  const nameBox = useRef<HTMLDivElement>(null);
  const nameError = nameMissing ? t("segments.needName") : refusal.field("name");
  const [busy, setBusy] = useState(false);
  const [showProblems, setShowProblems] = useState(false);
  const request = useRef(0);
  const num = new Intl.NumberFormat(lang.locale);

  const loading = id !== undefined && saved === null && loadError === null;
  const rule = useMemo(() => toRule(root), [root]);
  const ruleKey = useMemo(() => JSON.stringify(rule), [rule]);
  const problems = useMemo(() => draftProblems(root), [root]);
  /** The key the preview must be for: the rule being edited, or the saved one for a reader. */
  const previewKey = canEdit ? ruleKey : `saved:${id ?? ""}`;

  // The segment being edited.
  useEffect(() => {
    if (!id) return;
    let live = true;
    api
      .get<SegmentView>(`/contacts/segments/${encodeURIComponent(id)}`)
      .then((s) => {
        if (!live) return;
        setSaved(s);
        setName(s.name);
        setRoot(fromRule(s.rule));
      })
      .catch((e: unknown) => live && setLoadError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id]);

  // The numbers a channel condition picks from; tags and custom fields seen on contacts, offered while typing.
  useEffect(() => {
    let live = true;
    api
      .get<Page<ChannelView>>("/channels")
      .then((p) => live && setChannels(p.data))
      .catch(() => live && setChannels([]));
    if (canEdit) {
      api
        .get<Page<Contact>>("/contacts", { limit: 100 })
        .then((p) => {
          if (!live) return;
          const tags = new Set<string>();
          const fields = new Set<string>();
          for (const c of p.data) {
            for (const x of c.tags ?? []) tags.add(x);
            for (const k of Object.keys(c.custom_fields ?? {})) fields.add(k);
          }
          setKnown({ tags: [...tags].sort(), fields: [...fields].sort() });
        })
        .catch(() => {});
    }
    return () => {
      live = false;
    };
  }, [api, canEdit]);

  // The live count: the rule as it is edited (debounced), once it is complete.
  useEffect(() => {
    if (!canEdit || loading) return;
    const req = ++request.current;
    if (problems.size > 0) {
      setPreview({ key: ruleKey, state: "incomplete" });
      return;
    }
    const timer = window.setTimeout(() => {
      api
        .post<SegmentPreview>("/contacts/segments/preview", { rule })
        .then((data) => req === request.current && setPreview({ key: ruleKey, state: "ok", data }))
        .catch((e: unknown) => {
          if (req !== request.current) return;
          const message = errorText(e);
          setPreview({ key: ruleKey, state: "error", message });
          pinRuleError(e, message);
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, canEdit, loading, ruleKey]);

  // A reader's view: the saved segment's members.
  useEffect(() => {
    if (canEdit || !id) return;
    let live = true;
    api
      .get<SegmentPreview>(`/contacts/segments/${encodeURIComponent(id)}/preview`)
      .then((data) => live && setPreview({ key: `saved:${id}`, state: "ok", data }))
      .catch((e: unknown) => live && setPreview({ key: `saved:${id}`, state: "error", message: errorText(e) }));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, canEdit, id]);

  /** A VALIDATION_FAILED about the rule goes next to the condition its path names. */
  function pinRuleError(e: unknown, message: string) {
    if (!(e instanceof ApiError) || e.code !== "VALIDATION_FAILED") return;
    const nodeId = nodeIdForError(root, e.message);
    if (nodeId) setRuleError({ key: ruleKey, nodeId, message });
  }

  // The name takes the focus when it is what is wrong.
  useEffect(() => {
    if (nameError) nameBox.current?.querySelector("input")?.focus();
  }, [nameError, refusal.current]);

  async function save() {
    setError(null);
    refusal.clear();
    if (!name.trim()) {
      setNameMissing(true);
      return;
    }
    if (problems.size > 0) {
      setShowProblems(true);
      setError(t("segments.fixProblems"));
      return;
    }
    setBusy(true);
    const body = { name: name.trim(), rule };
    try {
      if (saved) await api.patch<SegmentView>(`/contacts/segments/${encodeURIComponent(saved.id)}`, body);
      else await api.post<SegmentView>("/contacts/segments", body);
      navigate("/segments");
    } catch (e) {
      refusal.fail(e);
      pinRuleError(e, errorText(e));
      setBusy(false);
    }
  }

  async function remove() {
    if (!saved) return;
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/contacts/segments/${encodeURIComponent(saved.id)}`);
      navigate("/segments");
    } catch (e) {
      // 409 SEGMENT_IN_USE names the campaigns that use it.
      setError(errorText(e));
      setBusy(false);
    }
  }

  // Only admins make segments.
  if (!canEdit && !id) return <Navigate to="/segments" replace />;

  const shown = preview && preview.key === previewKey ? preview : null;
  const countState = shown?.state ?? "loading";
  const title = saved ? (canEdit ? t("segments.editTitle", { name: saved.name }) : saved.name) : id ? t("segments.title") : t("segments.newTitle");

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4" data-testid="segment-editor" data-segment-id={saved?.id}>
        <PageHeader title={title} subtitle={t("segments.editorIntro")}>
          <Link to="/segments" className="text-sm text-gray-600 hover:underline" data-testid="segment-back">
            {t("segments.backToList")}
          </Link>
        </PageHeader>
        <ErrorText testId="segment-load-error">{loadError}</ErrorText>
        {!canEdit && (
          <p className="mb-3 rounded-lg bg-gray-50 px-3 py-2 text-sm text-gray-600" data-testid="segments-read-only">
            {t("segments.readOnly")}
          </p>
        )}
        {loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        {!loading && !loadError && (
          <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <section className="space-y-4 rounded-xl border border-gray-200 bg-white p-4">
              <div ref={nameBox}>
                <TextInput
                  label={t("segments.name")}
                  value={name}
                  maxLength={80}
                  onChange={(e) => {
                    setName(e.target.value);
                    setNameMissing(false);
                  }}
                  error={nameError}
                  placeholder={t("segments.namePlaceholder")}
                  disabled={!canEdit}
                  data-testid="segment-name"
                />
              </div>
              <div>
                <h2 className="mb-2 text-xs font-medium text-gray-700">{t("segments.rule")}</h2>
                <RuleBuilder
                  root={root}
                  onEdit={canEdit ? setRoot : undefined}
                  channels={channels}
                  problems={problems}
                  showProblems={showProblems}
                  serverError={ruleError && ruleError.key === ruleKey ? ruleError : null}
                  knownTags={known.tags}
                  knownFields={known.fields}
                />
              </div>
              <ErrorText testId="segment-error">{error ?? refusal.form}</ErrorText>
              {canEdit && (
                <div className="flex flex-wrap items-center justify-between gap-2 border-t border-gray-100 pt-3">
                  <div className="flex gap-2">
                    <Button onClick={() => void save()} disabled={busy} data-testid="segment-save">
                      {busy ? t("common.saving") : t("common.save")}
                    </Button>
                    <Button variant="secondary" onClick={() => navigate("/segments")} data-testid="segment-cancel">
                      {t("common.cancel")}
                    </Button>
                  </div>
                  {saved && (
                    <ConfirmButton label={t("segments.delete")} confirmLabel={t("common.confirmDelete")} disabled={busy} onConfirm={remove} testId="segment-delete" />
                  )}
                </div>
              )}
            </section>
            <section className="rounded-xl border border-gray-200 bg-white p-4 lg:sticky lg:top-4" data-testid="segment-preview">
              <h2 className="mb-2 text-sm font-semibold text-gray-700">{t("segments.preview.title")}</h2>
              <div className="mb-3 rounded-lg bg-gray-50 p-3" data-testid="segment-count" data-state={countState} data-value={shown?.state === "ok" ? shown.data.count : undefined}>
                <div className="text-xs font-medium uppercase tracking-wide text-gray-500">{t("segments.preview.countLabel")}</div>
                <div className="mt-0.5 text-2xl font-semibold tabular-nums" aria-live="polite">
                  {shown?.state === "ok" ? num.format(shown.data.count) : shown?.state === "incomplete" || shown?.state === "error" ? "—" : "…"}
                </div>
                {countState === "loading" && <div className="text-xs text-gray-500">{t("segments.preview.counting")}</div>}
              </div>
              {shown?.state === "incomplete" && <p className="text-sm text-gray-500">{t("segments.preview.incomplete")}</p>}
              {shown?.state === "error" && <ErrorText testId="segment-preview-error">{shown.message}</ErrorText>}
              {shown?.state === "ok" && <Members preview={shown.data} />}
              <p className="mt-2 text-xs text-gray-500">{t("segments.preview.note", { limit: PREVIEW_LIMIT })}</p>
            </section>
          </div>
        )}
      </div>
    </div>
  );
}

export default SegmentEditorPage;
