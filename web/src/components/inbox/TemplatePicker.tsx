import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { ApiError } from "../../lib/api";
import { fillPlaceholders, variableCount } from "../../lib/content";
import { Button, ErrorText } from "../Field";

/** Picks an approved template, fills its body variables and sends it. */
export function TemplatePicker({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const inbox = useInbox();
  const { templates, templatesError, loadTemplates } = inbox;
  const [selectedId, setSelectedId] = useState("");
  const [values, setValues] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);

  useEffect(() => {
    if (templates === null) loadTemplates();
  }, [templates, loadTemplates]);

  const approved = useMemo(() => (templates ?? []).filter((tpl) => tpl.status.toUpperCase() === "APPROVED"), [templates]);
  const selected = approved.find((tpl) => tpl.id === selectedId);
  const body = selected?.components.find((c) => c.type.toUpperCase() === "BODY");
  const count = variableCount(body);
  const filled = values.slice(0, count);
  const ready = !!selected && filled.length === count && filled.every((v) => v.trim());

  const choose = (id: string) => {
    setSelectedId(id);
    setValues([]);
    setError(null);
    setSent(false);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!selected || !ready) return;
    setBusy(true);
    setError(null);
    try {
      await inbox.sendTemplate(conversationId, selected, filled.map((v) => v.trim()));
      setSent(true);
      setSelectedId("");
      setValues([]);
    } catch (err) {
      setError(err instanceof ApiError && err.code !== "NETWORK" ? err.message : t("error.network"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-2 border-t border-gray-200 bg-white p-3" data-testid="template-picker">
      {templates === null && !templatesError && <p className="text-sm text-gray-500">{t("template.loading")}</p>}
      <ErrorText>{templatesError}</ErrorText>
      {templates !== null && approved.length === 0 && <p className="text-sm text-gray-600">{t("template.none")}</p>}
      {approved.length > 0 && (
        <label className="block text-sm">
          <span className="mb-1 block font-medium text-gray-700">{t("template.choose")}</span>
          <select
            value={selectedId}
            onChange={(e) => choose(e.target.value)}
            data-testid="template-select"
            className="w-full rounded-lg border border-gray-300 bg-white px-2 py-2"
          >
            <option value="">{t("template.select")}</option>
            {approved.map((tpl) => (
              <option key={tpl.id} value={tpl.id}>
                {tpl.name} · {tpl.language} · {tpl.category.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      )}
      {selected && (
        <>
          {Array.from({ length: count }, (_, i) => (
            <input
              key={i}
              value={values[i] ?? ""}
              onChange={(e) => {
                const next = values.slice();
                next[i] = e.target.value;
                setValues(next);
              }}
              placeholder={t("template.variable", { n: i + 1 })}
              aria-label={t("template.variable", { n: i + 1 })}
              data-testid={`template-var-${i + 1}`}
              className="block w-full rounded-lg border border-gray-300 px-3 py-1.5 text-sm"
            />
          ))}
          {body?.text && (
            <div className="rounded-lg bg-bubble-out px-3 py-2 text-sm" data-testid="template-preview">
              <div className="mb-0.5 text-xs text-gray-500">{t("template.preview")}</div>
              <p className="whitespace-pre-wrap">{fillPlaceholders(body.text, values)}</p>
            </div>
          )}
        </>
      )}
      <ErrorText testId="template-error">{error}</ErrorText>
      {sent && !selected && <p className="text-sm text-brand-700">{t("template.sent")}</p>}
      {selected && (
        <Button type="submit" disabled={!ready || busy} data-testid="template-send">
          {busy ? t("template.sending") : t("template.send")}
        </Button>
      )}
    </form>
  );
}
