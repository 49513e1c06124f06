import { useEffect, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { ApiError } from "../../lib/api";
import {
  AI_CATEGORIES,
  bubbleOf,
  draftFromAi,
  draftLanguage,
  BUTTON_TYPES,
  CATEGORIES,
  draftToComponents,
  EMPTY_DRAFT,
  HEADER_FORMATS,
  LANGUAGES,
  MAX_TEMPLATE_BUTTONS,
  parseProblems,
  variableCountOf,
  type AiStatus,
  type AiTemplateDraft,
  type DraftButton,
  type Problem,
  type TemplateDraft,
} from "../../lib/templates";
import { humanizeServerText } from "../../lib/errors";
import { charCount, checkTemplate, problemsByField, suggestedName, TEMPLATE_LIMITS, templateFieldOfPath } from "../../lib/templateRules";
import type { TemplateFull } from "../../lib/types";
import { Button, fieldClass, inputClass, SelectInput, TextArea, TextInput, useErrorText } from "../ui";
import { Sparkle } from "../Sparkle";
import { TemplateBubble } from "./TemplateBubble";

const removeBtn = "shrink-0 rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700";
const invalidInput = "border-red-400 focus:border-red-500 focus:ring-red-100";

/** A rule broken by the control above, in red. */
function InlineError({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p className="text-xs text-red-700" data-testid="field-error">
      {text}
    </p>
  );
}

/**
 * "Draft with AI": a description of the message becomes a template to start
 * from (the form is filled; nothing is saved). Disabled, with why, when the
 * server has no model configured.
 */
function AiDraftPanel({ draft, onDraft }: { draft: TemplateDraft; onDraft: (d: TemplateDraft) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [status, setStatus] = useState<AiStatus | null>(null);
  /** The server's reason it cannot draft (a 403 AI_NOT_CONFIGURED), once known. */
  const [refusal, setRefusal] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState("");
  const [category, setCategory] = useState<(typeof AI_CATEGORIES)[number]>(draft.category === "UTILITY" ? "UTILITY" : "MARKETING");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .get<AiStatus>("/ai/status")
      .then((s) => live && setStatus(s && typeof s === "object" ? s : { configured: false, model: null }))
      // No AI on this server (an older one): shown as not set up.
      .catch(() => live && setStatus({ configured: false, model: null }));
    return () => {
      live = false;
    };
  }, [api]);

  const unavailable = status !== null && (!status.configured || refusal !== null);
  const reason = refusal ?? status?.message ?? t("templates.ai.notConfigured");

  async function run() {
    if (!description.trim()) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      const answer = await api.post<AiTemplateDraft>("/templates/draft", { description: description.trim(), category, language: draftLanguage(draft.language) });
      onDraft(draftFromAi(answer, draft));
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.code === "AI_NOT_CONFIGURED") setRefusal(err.message);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="rounded-lg border border-violet-200 bg-violet-50/60 p-3" data-testid="tpl-ai">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Button
          variant="secondary"
          onClick={() => setOpen((v) => !v)}
          disabled={status === null || unavailable}
          title={unavailable ? reason : undefined}
          aria-expanded={open && !unavailable}
          data-testid="tpl-ai-open"
        >
          <Sparkle className="h-4 w-4 text-violet-600" />
          {t("templates.ai.button")}
        </Button>
        {status?.configured && status.model && !unavailable && <span className="text-xs text-gray-500">{t("templates.ai.model", { model: status.model })}</span>}
      </div>
      {unavailable && (
        <p className="mt-2 text-xs text-gray-600" data-testid="tpl-ai-unavailable">
          {reason}
        </p>
      )}
      {open && !unavailable && (
        <div className="mt-3 space-y-2">
          <TextArea
            label={t("templates.ai.description")}
            hint={t("templates.ai.descriptionHint")}
            rows={3}
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            placeholder={t("templates.ai.placeholder")}
            data-testid="tpl-ai-description"
          />
          <div className="flex flex-wrap items-end gap-2">
            <SelectInput
              label={t("templates.field.category")}
              value={category}
              onChange={(e) => setCategory(e.target.value as (typeof AI_CATEGORIES)[number])}
              options={AI_CATEGORIES.map((c) => ({ value: c, label: t(`templates.category.${c}`) }))}
              className="w-48"
              data-testid="tpl-ai-category"
            />
            <Button onClick={() => void run()} disabled={busy || !description.trim()} data-testid="tpl-ai-draft">
              {busy ? t("templates.ai.drafting") : t("templates.ai.draft")}
            </Button>
          </div>
          {error && (
            <p role="alert" className="text-sm text-red-700" data-testid="tpl-ai-error">
              {error}
            </p>
          )}
          {done && (
            <p role="status" className="text-xs text-green-700" data-testid="tpl-ai-done">
              {t("templates.ai.done")}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** Create a template (or edit a draft / rejected one) with a live WhatsApp preview; Meta's rules are checked as the person types. */
export function TemplateForm({
  initial,
  editing,
  onSaved,
  onCancel,
}: {
  initial?: TemplateDraft;
  editing?: TemplateFull;
  onSaved: (t: TemplateFull) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [d, setD] = useState<TemplateDraft>(initial ?? EMPTY_DRAFT);
  const [busy, setBusy] = useState(false);
  /** The server's problems this form's own checks missed, by field ("" for none of the form's). */
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<string | null>(null);
  /** Fields changed since the form opened: their rules show as the person types. */
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set(initial ? ["name", "body", "headerText", "footer"] : []));
  /** A save was tried: every rule shows. */
  const [tried, setTried] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const touch = (...fields: string[]) => setTouched((prev) => (fields.every((f) => prev.has(f)) ? prev : new Set([...prev, ...fields])));
  const set = (patch: Partial<TemplateDraft>, ...fields: string[]) => {
    setD((prev) => ({ ...prev, ...patch }));
    touch(...(fields.length ? fields : Object.keys(patch)));
    setServerProblems([]);
  };

  const headerVars = d.headerFormat === "TEXT" ? variableCountOf(d.headerText) : 0;
  const bodyVars = variableCountOf(d.body);
  const components = draftToComponents(d);
  const view = bubbleOf(components);
  const languages = LANGUAGES.includes(d.language) ? LANGUAGES : [d.language, ...LANGUAGES];
  const problems = checkTemplate(d);
  const byField = problemsByField(problems);
  const serverByField: Record<string, string> = {};
  for (const p of serverProblems) {
    const field = templateFieldOfPath(p.path, d);
    if (field && !(field in serverByField)) serverByField[field] = humanizeServerText(p.message);
  }
  const unplaced = serverProblems.filter((p) => !templateFieldOfPath(p.path, d));
  /** The words under a field: our rule (once the field was touched or a save tried), else the server's. */
  const fieldError = (field: string): string | null => {
    const rule = byField[field];
    if (rule && (tried || touched.has(field) || touched.has(field.split(".")[0]!))) return t(rule.key, rule.params);
    return serverByField[field] ?? null;
  };
  const counter = (text: string, max: number) => t("templates.count", { count: charCount(text), max });
  const nameFix = byField.name?.key === "templates.rule.name" ? suggestedName(d.name) : "";

  const setButton = (i: number, patch: Partial<DraftButton>) =>
    set({ buttons: d.buttons.map((b, j) => (j === i ? { ...b, ...patch } : b)) }, ...Object.keys(patch).map((k) => `button.${i + 1}.${k === "phone_number" ? "phone" : k}`));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    setServerProblems([]);
    setError(null);
    if (problems.length > 0) {
      // Nothing is sent while a rule is broken: the first marked field gets the focus.
      window.requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
      return;
    }
    setBusy(true);
    try {
      const saved = editing
        ? await api.patch<TemplateFull>(`/templates/${editing.id}`, { name: d.name, language: d.language, category: d.category, components })
        : await api.post<TemplateFull>("/templates", { name: d.name, language: d.language, category: d.category, components });
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.code === "TEMPLATE_INVALID") setServerProblems(parseProblems(err.message));
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={submit} className="grid gap-5 md:grid-cols-[1fr_20rem]" data-testid="template-form" noValidate>
      <div className="space-y-4">
        {!editing && <AiDraftPanel draft={d} onDraft={(next) => setD(next)} />}
        <div className="grid gap-3 sm:grid-cols-3">
          <div className="sm:col-span-3">
            <TextInput
              label={t("templates.field.name")}
              value={d.name}
              onChange={(e) => set({ name: e.target.value })}
              hint={t("templates.field.nameHint")}
              error={fieldError("name")}
              maxLength={TEMPLATE_LIMITS.name}
              data-testid="tpl-name"
              autoComplete="off"
              spellCheck={false}
            />
            {nameFix && (
              <button type="button" className="mt-1 text-xs font-medium text-brand-700 hover:underline" onClick={() => set({ name: nameFix })} data-testid="tpl-name-fix">
                {t("templates.rule.nameFix", { name: nameFix })}
              </button>
            )}
          </div>
          <SelectInput
            label={t("templates.field.language")}
            value={d.language}
            onChange={(e) => set({ language: e.target.value })}
            options={languages.map((l) => ({ value: l, label: l }))}
            error={fieldError("language")}
            data-testid="tpl-language"
          />
          <SelectInput
            label={t("templates.field.category")}
            value={d.category}
            className="sm:col-span-2"
            onChange={(e) => set({ category: e.target.value as TemplateDraft["category"] })}
            options={CATEGORIES.map((c) => ({ value: c, label: t(`templates.category.${c}`) }))}
            data-testid="tpl-category"
          />
        </div>

        <fieldset className="space-y-2 rounded-lg border border-gray-200 p-3">
          <legend className="px-1 text-sm font-medium">{t("templates.section.header")}</legend>
          <SelectInput
            label={t("templates.field.headerFormat")}
            value={d.headerFormat}
            onChange={(e) => set({ headerFormat: e.target.value as TemplateDraft["headerFormat"] })}
            options={HEADER_FORMATS.map((f) => ({ value: f, label: t(`templates.header.${f}`) }))}
            data-testid="tpl-header-format"
          />
          {d.headerFormat === "TEXT" && (
            <>
              <TextInput
                label={t("templates.field.headerText")}
                value={d.headerText}
                onChange={(e) => set({ headerText: e.target.value })}
                hint={counter(d.headerText, TEMPLATE_LIMITS.headerText)}
                error={fieldError("headerText")}
                data-testid="tpl-header-text"
              />
              {headerVars > 0 && (
                <TextInput
                  label={t("templates.field.example", { n: 1 })}
                  value={d.headerExample}
                  onChange={(e) => set({ headerExample: e.target.value })}
                  error={fieldError("headerExample")}
                  data-testid="tpl-header-example"
                />
              )}
            </>
          )}
          {d.headerFormat !== "TEXT" && d.headerFormat !== "NONE" && (
            <TextInput
              label={t("templates.field.headerHandle")}
              hint={t("templates.field.headerHandleHint")}
              value={d.headerHandle}
              onChange={(e) => set({ headerHandle: e.target.value })}
            />
          )}
        </fieldset>

        <fieldset className="space-y-2 rounded-lg border border-gray-200 p-3">
          <legend className="px-1 text-sm font-medium">{t("templates.section.body")}</legend>
          <TextArea
            label={t("templates.field.body")}
            hint={t("templates.field.bodyHint")}
            rows={4}
            value={d.body}
            onChange={(e) => set({ body: e.target.value })}
            error={fieldError("body")}
            data-testid="tpl-body"
          />
          <p className="-mt-1 text-right text-xs text-gray-500" data-testid="tpl-body-count">
            {counter(d.body, TEMPLATE_LIMITS.body)}
          </p>
          {bodyVars > 0 && (
            <div className="grid gap-2 sm:grid-cols-2">
              {Array.from({ length: bodyVars }, (_, i) => (
                <TextInput
                  key={i}
                  label={t("templates.field.example", { n: i + 1 })}
                  value={d.bodyExamples[i] ?? ""}
                  data-testid={`tpl-body-example-${i + 1}`}
                  error={fieldError(`bodyExample.${i + 1}`)}
                  onChange={(e) => {
                    const next = Array.from({ length: bodyVars }, (_, j) => d.bodyExamples[j] ?? "");
                    next[i] = e.target.value;
                    set({ bodyExamples: next }, `bodyExample.${i + 1}`);
                  }}
                />
              ))}
            </div>
          )}
          <button
            type="button"
            className="text-xs font-medium text-brand-700 hover:underline"
            onClick={() => set({ body: `${d.body}{{${bodyVars + 1}}}` }, "")}
            data-testid="tpl-add-variable"
          >
            + {t("templates.addVariable")}
          </button>
        </fieldset>

        <TextInput
          label={`${t("templates.field.footer")} (${t("common.optional")})`}
          value={d.footer}
          onChange={(e) => set({ footer: e.target.value })}
          hint={counter(d.footer, TEMPLATE_LIMITS.footer)}
          error={fieldError("footer")}
          data-testid="tpl-footer"
        />

        <fieldset className="space-y-2 rounded-lg border border-gray-200 p-3">
          <legend className="px-1 text-sm font-medium">
            {t("templates.section.buttons")} ({t("common.optional")})
          </legend>
          {d.buttons.map((b, i) => {
            const n = i + 1;
            const textError = fieldError(`button.${n}.text`);
            const urlError = fieldError(`button.${n}.url`);
            const phoneError = fieldError(`button.${n}.phone`);
            return (
              <div key={i} className="space-y-1.5 rounded-md bg-gray-50 p-2" data-testid="tpl-button">
                <div className="flex gap-1.5">
                  <select
                    aria-label={t("templates.field.buttonType")}
                    value={b.type}
                    className={`${fieldClass} w-32 shrink-0 sm:w-40`}
                    onChange={(e) => setButton(i, { type: e.target.value as DraftButton["type"] })}
                  >
                    {BUTTON_TYPES.map((bt) => (
                      <option key={bt} value={bt}>
                        {t(`templates.button.${bt}`)}
                      </option>
                    ))}
                  </select>
                  <input
                    aria-label={t("templates.field.buttonText")}
                    placeholder={t("templates.field.buttonText")}
                    value={b.text}
                    aria-invalid={textError ? true : undefined}
                    className={`${inputClass} ${textError ? invalidInput : ""}`}
                    onChange={(e) => setButton(i, { text: e.target.value })}
                    data-testid={`tpl-button-text-${n}`}
                  />
                  <button type="button" className={removeBtn} aria-label={t("flow.editor.remove")} onClick={() => set({ buttons: d.buttons.filter((_, j) => j !== i) })}>
                    ✕
                  </button>
                </div>
                <InlineError text={textError} />
                {b.type === "URL" && (
                  <>
                    <input
                      aria-label={t("templates.field.url")}
                      placeholder="https://example.com/{{1}}"
                      value={b.url}
                      aria-invalid={urlError ? true : undefined}
                      className={`${inputClass} ${urlError ? invalidInput : ""}`}
                      onChange={(e) => setButton(i, { url: e.target.value })}
                    />
                    <InlineError text={urlError} />
                    {variableCountOf(b.url) > 0 && (
                      <input
                        aria-label={t("templates.field.urlExample")}
                        placeholder={t("templates.field.urlExample")}
                        value={b.example}
                        className={inputClass}
                        onChange={(e) => setButton(i, { example: e.target.value })}
                      />
                    )}
                  </>
                )}
                {b.type === "PHONE_NUMBER" && (
                  <>
                    <input
                      aria-label={t("templates.field.phone")}
                      placeholder="+14155550123"
                      value={b.phone_number}
                      aria-invalid={phoneError ? true : undefined}
                      className={`${inputClass} ${phoneError ? invalidInput : ""}`}
                      onChange={(e) => setButton(i, { phone_number: e.target.value })}
                    />
                    <InlineError text={phoneError} />
                  </>
                )}
              </div>
            );
          })}
          <InlineError text={fieldError("buttons")} />
          <button
            type="button"
            disabled={d.buttons.length >= MAX_TEMPLATE_BUTTONS}
            className="text-xs font-medium text-brand-700 hover:underline disabled:text-gray-400"
            onClick={() => set({ buttons: [...d.buttons, { type: "QUICK_REPLY", text: "", url: "", phone_number: "", example: "" }] })}
            data-testid="tpl-add-button"
          >
            + {t("templates.addButton")}
          </button>
        </fieldset>

        {tried && problems.length > 0 && (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="tpl-fix-first">
            {t("templates.fixFirst")}
          </p>
        )}
        {unplaced.length > 0 && (
          <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="tpl-problems">
            <p className="mb-1 font-medium">{t("templates.problems")}</p>
            <ul className="list-disc space-y-0.5 pl-5">
              {unplaced.map((p, i) => (
                <li key={i}>{humanizeServerText(p.message)}</li>
              ))}
            </ul>
          </div>
        )}
        {error && (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="tpl-error">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy} data-testid="tpl-save">
            {busy ? t("common.saving") : editing ? t("common.save") : t("templates.saveDraft")}
          </Button>
        </div>
      </div>
      <div className="md:sticky md:top-0 md:self-start">
        <div className="mb-1 text-xs font-medium uppercase text-gray-500">{t("templates.livePreview")}</div>
        <TemplateBubble view={view} testId="tpl-live-preview" />
        <p className="mt-2 text-xs text-gray-500">{t("templates.previewHint")}</p>
      </div>
    </form>
  );
}
