import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { TemplateBubble } from "../components/templates/TemplateBubble";
import { TemplateForm } from "../components/templates/TemplateForm";
import { Badge, Button, ConfirmButton, EmptyRow, Modal, PageHeader, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { bubbleOf, componentsToDraft, statusTone, templateVariableCount } from "../lib/templates";
import type { TemplateFull, TemplatePreview } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const POLL_MS = 3000;
const STATES = ["DRAFT", "PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED"] as const;
const CATEGORY_KEYS = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;
const isState = (s: string): s is (typeof STATES)[number] => (STATES as readonly string[]).includes(s);
const isCategory = (s: string): s is (typeof CATEGORY_KEYS)[number] => (CATEGORY_KEYS as readonly string[]).includes(s);

/** A saved template rendered by the server with the values typed here. */
function PreviewDialog({ template, onClose }: { template: TemplateFull; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const counts = templateVariableCount(template.components);
  const draft = componentsToDraft(template);
  const [header, setHeader] = useState<string[]>(Array.from({ length: counts.header }, () => draft.headerExample));
  const [body, setBody] = useState<string[]>(Array.from({ length: counts.body }, (_, i) => draft.bodyExamples[i] ?? ""));
  const [rendered, setRendered] = useState<TemplatePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function render() {
    setBusy(true);
    setError(null);
    try {
      setRendered(await api.post<TemplatePreview>(`/templates/${template.id}/preview`, { header, body }));
    } catch (e) {
      setRendered(null);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  // Render once with the examples.
  useEffect(() => {
    void render();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const local = bubbleOf(template.components, { header, body });
  const view = rendered
    ? {
        header: local.header?.kind === "media" ? local.header : rendered.header ? { kind: "text" as const, text: rendered.header } : null,
        body: rendered.body,
        footer: rendered.footer ?? "",
        buttons: local.buttons.map((b, i) => ({ type: b.type, text: rendered.buttons[i] ?? b.text })),
      }
    : local;

  return (
    <Modal title={t("templates.previewTitle", { name: template.name })} onClose={onClose} testId="tpl-preview-dialog">
      <div className="space-y-3">
        {header.map((v, i) => (
          <TextInput key={`h${i}`} label={t("templates.headerValue", { n: i + 1 })} value={v} onChange={(e) => setHeader(header.map((x, j) => (j === i ? e.target.value : x)))} />
        ))}
        {body.map((v, i) => (
          <TextInput
            key={`b${i}`}
            label={t("template.variable", { n: i + 1 })}
            value={v}
            data-testid={`tpl-preview-var-${i + 1}`}
            onChange={(e) => setBody(body.map((x, j) => (j === i ? e.target.value : x)))}
          />
        ))}
        {(header.length > 0 || body.length > 0) && (
          <Button variant="secondary" onClick={() => void render()} disabled={busy} data-testid="tpl-preview-render">
            {t("templates.render")}
          </Button>
        )}
        <ErrorText testId="tpl-preview-error">{error}</ErrorText>
        <TemplateBubble view={view} testId="tpl-server-preview" />
        <p className="text-xs text-gray-500">{rendered ? t("templates.renderedByServer") : t("templates.previewHint")}</p>
      </div>
    </Modal>
  );
}

export function TemplatesPage() {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const list = usePaged<TemplateFull>(api, "/templates", { limit: 100 });
  const [changed, setChanged] = useState<Record<string, TemplateFull | null>>({});
  const [added, setAdded] = useState<TemplateFull[]>([]);
  const [form, setForm] = useState<TemplateFull | "new" | null>(null);
  const [preview, setPreview] = useState<TemplateFull | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const date = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium" });

  const rows = [...added, ...list.items.filter((x) => !added.some((a) => a.id === x.id))]
    .map((x) => (x.id in changed ? changed[x.id] : x))
    .filter((x): x is TemplateFull => !!x);

  // Meta reviews submitted templates: follow the pending ones until they settle.
  const pending = rows.filter((x) => x.status.toUpperCase() === "PENDING").map((x) => x.id).join(",");
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(() => {
      for (const id of pending.split(",")) {
        api
          .get<TemplateFull>(`/templates/${id}`)
          .then((x) => setChanged((c) => (c[id]?.status === x.status && c[id]?.updated_at === x.updated_at ? c : { ...c, [id]: x })))
          .catch(() => {});
      }
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [pending, api]);

  const replace = (x: TemplateFull) => setChanged((c) => ({ ...c, [x.id]: x }));

  async function sync() {
    setSyncing(true);
    setError(null);
    setNotice(null);
    try {
      const res = await api.post<{ synced: number }>("/templates/sync");
      setNotice(t("templates.synced", { count: res?.synced ?? 0 }));
      setChanged({});
      setAdded([]);
      list.reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSyncing(false);
    }
  }

  async function submitForReview(x: TemplateFull) {
    setBusyId(x.id);
    setError(null);
    try {
      replace(await api.post<TemplateFull>(`/templates/${x.id}/submit`));
    } catch (e) {
      setError(`${x.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  async function remove(x: TemplateFull) {
    setBusyId(x.id);
    setError(null);
    try {
      await api.delete(`/templates/${x.id}`);
      setChanged((c) => ({ ...c, [x.id]: null }));
    } catch (e) {
      setError(`${x.name}: ${errorText(e)}`);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-6xl p-4">
        <PageHeader title={t("templates.title")} subtitle={t("templates.intro")}>
          <Button variant="secondary" onClick={() => void sync()} disabled={syncing} data-testid="tpl-sync">
            {syncing ? t("template.syncing") : t("templates.sync")}
          </Button>
          <Button onClick={() => setForm("new")} data-testid="tpl-new">
            + {t("templates.new")}
          </Button>
        </PageHeader>
        {notice && (
          <p role="status" className="mb-3 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700" data-testid="tpl-notice">
            {notice}
          </p>
        )}
        <ErrorText testId="tpl-list-error">{error ?? (list.error ? errorText(list.error) : null)}</ErrorText>
        <div className="mt-3 overflow-x-auto rounded-xl border border-gray-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="templates-table">
            <thead className="bg-gray-50 text-xs uppercase text-gray-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("templates.field.name")}</th>
                <th className="px-4 py-2 font-medium">{t("templates.field.language")}</th>
                <th className="hidden px-4 py-2 font-medium sm:table-cell">{t("templates.field.category")}</th>
                <th className="px-4 py-2 font-medium">{t("templates.status")}</th>
                <th className="hidden px-4 py-2 font-medium lg:table-cell">{t("templates.updated")}</th>
                <th className="px-4 py-2 text-right font-medium">{t("flows.col.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((x) => {
                const status = x.status.toUpperCase();
                const editable = status === "DRAFT" || status === "REJECTED";
                const body = x.components.find((c) => c.type.toUpperCase() === "BODY")?.text ?? "";
                return (
                  <tr key={x.id} className="border-t border-gray-100 align-top" data-testid="tpl-row" data-template-id={x.id} data-status={status}>
                    <td className="px-4 py-2">
                      <button type="button" className="font-mono font-medium text-brand-700 hover:underline" onClick={() => setPreview(x)} data-testid="tpl-row-name">
                        {x.name}
                      </button>
                      <p className="line-clamp-2 max-w-md text-xs text-gray-500">{body}</p>
                    </td>
                    <td className="px-4 py-2 text-gray-700">{x.language}</td>
                    <td className="hidden px-4 py-2 text-gray-700 sm:table-cell">{x.category && isCategory(x.category) ? t(`templates.category.${x.category}`) : (x.category ?? "—")}</td>
                    <td className="px-4 py-2">
                      <Badge tone={statusTone(status)} testId="tpl-status">
                        {isState(status) ? t(`templates.state.${status}`) : status}
                      </Badge>
                      {x.rejected_reason && <p className="mt-1 max-w-xs text-xs text-red-700">{x.rejected_reason}</p>}
                    </td>
                    <td className="hidden px-4 py-2 text-gray-500 lg:table-cell">{x.updated_at ? date.format(new Date(x.updated_at)) : ""}</td>
                    <td className="px-4 py-2">
                      <div className="flex flex-wrap items-center justify-end gap-1">
                        <button type="button" className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100" onClick={() => setPreview(x)} data-testid="tpl-preview">
                          {t("template.preview")}
                        </button>
                        {editable && (
                          <button type="button" className="rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100" onClick={() => setForm(x)} data-testid="tpl-edit">
                            {t("common.edit")}
                          </button>
                        )}
                        {status === "DRAFT" && (
                          <button
                            type="button"
                            disabled={busyId === x.id}
                            className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50"
                            onClick={() => void submitForReview(x)}
                            data-testid="tpl-submit"
                          >
                            {t("templates.submit")}
                          </button>
                        )}
                        <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} disabled={busyId === x.id} onConfirm={() => remove(x)} testId="tpl-delete" />
                      </div>
                    </td>
                  </tr>
                );
              })}
              {!list.loading && !list.error && rows.length === 0 && <EmptyRow colSpan={6}>{t("templates.empty")}</EmptyRow>}
            </tbody>
          </table>
          {list.loading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        </div>
        {list.hasMore && !list.loading && (
          <div className="mt-3 text-center">
            <Button variant="secondary" onClick={list.loadMore}>
              {t("common.loadMore")}
            </Button>
          </div>
        )}
      </div>
      {form && (
        <Modal title={form === "new" ? t("templates.new") : t("templates.editTitle", { name: form.name })} onClose={() => setForm(null)} wide testId="tpl-dialog">
          <TemplateForm
            editing={form === "new" ? undefined : form}
            initial={form === "new" ? undefined : componentsToDraft(form)}
            onCancel={() => setForm(null)}
            onSaved={(x) => {
              if (form === "new") setAdded((a) => [x, ...a]);
              else replace(x);
              setForm(null);
            }}
          />
        </Modal>
      )}
      {preview && <PreviewDialog template={preview} onClose={() => setPreview(null)} />}
    </div>
  );
}
