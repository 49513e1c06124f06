import { useState, type FormEvent, type ReactNode } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { COUNTS, type LimitKind } from "../../lib/composerLimits";
import {
  buildInteractive,
  emptyInteractive,
  interactiveProblems,
  problemOf,
  rowCount,
  type InteractiveDraft,
  type InteractiveProblem,
  type SectionDraft,
} from "../../lib/interactive";
import { Button, ErrorText } from "../Field";
import { Modal } from "../ui";
import { CharCount } from "./CharCount";

const input = "block w-full rounded-lg border px-3 py-1.5 text-sm outline-none focus:border-brand-500";

/**
 * Builds an interactive message — up to three reply buttons, or a list of
 * rows in sections — with WhatsApp's limits counted as the agent types, and
 * sends it. `body` starts from what was typed in the composer.
 */
export function InteractiveBuilder({
  body,
  onSend,
  onClose,
}: {
  body: string;
  /** Sends the Cloud API `interactive` object; rejects with the text to show. */
  onSend: (interactive: Record<string, unknown>) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<InteractiveDraft>(() => ({ ...emptyInteractive("button"), body }));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const problems = interactiveProblems(draft);
  // Missing fields are pointed out after the first try; limits at once.
  const shown = touched ? problems : problems.filter((p) => p.kind !== "required");

  const set = (patch: Partial<InteractiveDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setSection = (si: number, patch: Partial<SectionDraft>) =>
    setDraft((d) => ({ ...d, sections: d.sections.map((s, i) => (i === si ? { ...s, ...patch } : s)) }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(buildInteractive(draft));
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : t("error.generic"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={t("interactive.title")} onClose={onClose} testId="interactive-builder">
      <form onSubmit={submit} className="space-y-3">
        <div role="tablist" aria-label={t("interactive.kind")} className="grid grid-cols-2 gap-1 rounded-lg bg-gray-100 p-1">
          {(["button", "list"] as const).map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={draft.kind === k}
              onClick={() => set({ kind: k })}
              data-testid={`interactive-kind-${k}`}
              className={`rounded-md px-2 py-1 text-sm font-medium ${draft.kind === k ? "bg-white text-gray-900 shadow-sm" : "text-gray-600"}`}
            >
              {t(k === "button" ? "interactive.buttons" : "interactive.list")}
            </button>
          ))}
        </div>

        <Labeled label={t("interactive.body")} value={draft.body} kind="interactiveBody" problem={problemOf(shown, "body")}>
          <textarea
            rows={3}
            value={draft.body}
            onChange={(e) => set({ body: e.target.value })}
            data-testid="interactive-body"
            className={`${input} resize-y ${problemOf(shown, "body") ? "border-red-400" : "border-gray-300"}`}
          />
        </Labeled>
        <Labeled label={t("interactive.footer")} value={draft.footer} problem={problemOf(shown, "footer")}>
          <input value={draft.footer} onChange={(e) => set({ footer: e.target.value })} data-testid="interactive-footer" className={`${input} border-gray-300`} />
        </Labeled>

        {draft.kind === "button" ? (
          <fieldset className="space-y-2">
            <legend className="mb-1 text-sm font-medium text-gray-700">{t("interactive.buttonsHint", { max: COUNTS.buttons })}</legend>
            {draft.buttons.map((b, i) => {
              const field = `buttons.${i}.title`;
              return (
                <Labeled key={i} label={t("interactive.buttonN", { n: i + 1 })} value={b.title} kind="buttonTitle" problem={problemOf(shown, field)} inline>
                  <div className="flex gap-1">
                    <input
                      value={b.title}
                      onChange={(e) => set({ buttons: draft.buttons.map((x, j) => (j === i ? { title: e.target.value } : x)) })}
                      data-testid={`interactive-button-${i + 1}`}
                      className={`${input} ${problemOf(shown, field) ? "border-red-400" : "border-gray-300"}`}
                    />
                    {draft.buttons.length > 1 && (
                      <RemoveButton label={t("interactive.removeButton", { n: i + 1 })} onClick={() => set({ buttons: draft.buttons.filter((_, j) => j !== i) })} />
                    )}
                  </div>
                </Labeled>
              );
            })}
            {draft.buttons.length < COUNTS.buttons && (
              <Button variant="secondary" onClick={() => set({ buttons: [...draft.buttons, { title: "" }] })} data-testid="interactive-add-button">
                + {t("interactive.addButton")}
              </Button>
            )}
          </fieldset>
        ) : (
          <fieldset className="space-y-3">
            <Labeled label={t("interactive.listButton")} value={draft.listButton} kind="listButton" problem={problemOf(shown, "listButton")}>
              <input
                value={draft.listButton}
                onChange={(e) => set({ listButton: e.target.value })}
                placeholder={t("interactive.listButtonPlaceholder")}
                data-testid="interactive-list-button"
                className={`${input} ${problemOf(shown, "listButton") ? "border-red-400" : "border-gray-300"}`}
              />
            </Labeled>
            {draft.sections.map((s, si) => (
              <div key={si} className="space-y-2 rounded-lg border border-gray-200 p-2" data-testid="interactive-section">
                <div className="flex items-end gap-1">
                  <div className="flex-1">
                    <Labeled label={t("interactive.sectionTitle", { n: si + 1 })} value={s.title} kind="sectionTitle" problem={problemOf(shown, `sections.${si}.title`)}>
                      <input value={s.title} onChange={(e) => setSection(si, { title: e.target.value })} data-testid={`interactive-section-${si + 1}-title`} className={`${input} border-gray-300`} />
                    </Labeled>
                  </div>
                  {draft.sections.length > 1 && (
                    <RemoveButton label={t("interactive.removeSection", { n: si + 1 })} onClick={() => set({ sections: draft.sections.filter((_, j) => j !== si) })} />
                  )}
                </div>
                {s.rows.map((r, ri) => {
                  const base = `sections.${si}.rows.${ri}`;
                  return (
                    <div key={ri} className="grid grid-cols-[1fr_auto] gap-1 rounded-md bg-gray-50 p-2">
                      <div className="space-y-1">
                        <Labeled label={t("interactive.rowTitle", { n: ri + 1 })} value={r.title} kind="rowTitle" problem={problemOf(shown, `${base}.title`)} inline>
                          <input
                            value={r.title}
                            onChange={(e) => setSection(si, { rows: s.rows.map((x, j) => (j === ri ? { ...x, title: e.target.value } : x)) })}
                            data-testid={`interactive-row-${si + 1}-${ri + 1}-title`}
                            className={`${input} ${problemOf(shown, `${base}.title`) ? "border-red-400" : "border-gray-300"}`}
                          />
                        </Labeled>
                        <Labeled label={t("interactive.rowDescription")} value={r.description} kind="rowDescription" problem={problemOf(shown, `${base}.description`)} inline>
                          <input
                            value={r.description}
                            onChange={(e) => setSection(si, { rows: s.rows.map((x, j) => (j === ri ? { ...x, description: e.target.value } : x)) })}
                            data-testid={`interactive-row-${si + 1}-${ri + 1}-description`}
                            className={`${input} ${problemOf(shown, `${base}.description`) ? "border-red-400" : "border-gray-300"}`}
                          />
                        </Labeled>
                      </div>
                      {s.rows.length > 1 && (
                        <RemoveButton label={t("interactive.removeRow", { n: ri + 1 })} onClick={() => setSection(si, { rows: s.rows.filter((_, j) => j !== ri) })} />
                      )}
                    </div>
                  );
                })}
                {rowCount(draft) < COUNTS.rows && (
                  <Button variant="ghost" onClick={() => setSection(si, { rows: [...s.rows, { title: "", description: "" }] })} data-testid="interactive-add-row">
                    + {t("interactive.addRow")}
                  </Button>
                )}
              </div>
            ))}
            {draft.sections.length < COUNTS.sections && rowCount(draft) < COUNTS.rows && (
              <Button
                variant="secondary"
                onClick={() => set({ sections: [...draft.sections, { title: "", rows: [{ title: "", description: "" }] }] })}
                data-testid="interactive-add-section"
              >
                + {t("interactive.addSection")}
              </Button>
            )}
            <p className="text-xs text-gray-500">{t("interactive.rowsHint", { n: rowCount(draft), max: COUNTS.rows })}</p>
          </fieldset>
        )}

        {touched && problems.length > 0 && <ErrorText testId="interactive-problems">{t("interactive.fix", { count: problems.length })}</ErrorText>}
        <ErrorText testId="interactive-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy || (touched && problems.length > 0)} data-testid="interactive-send">
            {busy ? t("template.sending") : t("composer.send")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** A field's label, its counter against WhatsApp's limit and what to fix. */
function Labeled({
  label,
  value,
  kind,
  problem,
  inline = false,
  children,
}: {
  label: string;
  value: string;
  kind?: LimitKind;
  problem: InteractiveProblem | undefined;
  inline?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <label className="block text-sm">
      <span className={`mb-0.5 flex items-center justify-between gap-2 ${inline ? "text-xs text-gray-600" : "font-medium text-gray-700"}`}>
        <span>{label}</span>
        {kind && <CharCount value={value} kind={kind} />}
      </span>
      {children}
      {problem && (
        <span className="mt-0.5 block text-xs text-red-700" data-testid="interactive-problem">
          {problem.kind === "required"
            ? t("interactive.required")
            : problem.kind === "duplicate"
              ? t("interactive.duplicate")
              : t("interactive.tooLong", { limit: problem.limit ?? 0 })}
        </span>
      )}
    </label>
  );
}

function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" onClick={onClick} aria-label={label} title={label} className="self-start rounded p-1.5 text-gray-500 hover:bg-gray-100">
      ✕
    </button>
  );
}
