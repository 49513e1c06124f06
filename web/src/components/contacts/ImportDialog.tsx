import { useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { RawBody } from "../../lib/api";
import { humanizeServerText } from "../../lib/errors";
import type { ImportReport } from "../../lib/types";
import { ErrorText } from "../Field";
import { Button, inputClass, Modal, useErrorText } from "../ui";

const SAMPLE = "phone,name,tags,opted_in,city\n+919800000001,Asha,vip;lead,true,Pune";

/** Uploads a CSV as is (text/csv) and shows the server's per-line report. */
export function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);

  async function pick(file: File | undefined) {
    if (!file) return;
    setFileName(file.name);
    setCsv(await file.text());
    setReport(null);
  }

  async function upload() {
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<ImportReport>("/contacts/import", new RawBody(csv, "text/csv"));
      setReport(res);
      if (res.imported + res.updated > 0) onImported();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={t("contacts.import")} onClose={onClose} wide testId="import-dialog">
      <div className="space-y-3">
        <p className="text-sm text-gray-600">{t("contacts.importHelp")}</p>
        <pre className="overflow-x-auto rounded-md bg-gray-50 p-2 text-xs text-gray-700">{SAMPLE}</pre>
        <div className="flex flex-wrap items-center gap-2">
          <label className="inline-flex cursor-pointer items-center rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm font-medium text-gray-700 hover:bg-gray-50">
            {t("contacts.chooseFile")}
            <input type="file" accept=".csv,text/csv" className="sr-only" onChange={(e) => void pick(e.target.files?.[0])} data-testid="import-file" />
          </label>
          <span className="text-sm text-gray-500">{fileName ?? t("contacts.orPaste")}</span>
        </div>
        <textarea
          value={csv}
          onChange={(e) => {
            setCsv(e.target.value);
            setFileName(null);
            setReport(null);
          }}
          rows={6}
          spellCheck={false}
          aria-label={t("contacts.csv")}
          placeholder={SAMPLE}
          className={`${inputClass} font-mono text-xs`}
          data-testid="import-text"
        />
        <ErrorText testId="import-error">{error}</ErrorText>
        {report && (
          <div className="space-y-2" data-testid="import-report">
            <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
              {(
                [
                  ["imported", report.imported, "text-green-700"],
                  ["updated", report.updated, "text-sky-700"],
                  ["failed", report.failed, report.failed ? "text-red-700" : "text-gray-700"],
                  ["total", report.total, "text-gray-900"],
                ] as const
              ).map(([key, n, tone]) => (
                <div key={key} className="rounded-lg border border-gray-200 bg-white p-2 text-center" data-testid={`import-${key}`} data-value={n}>
                  <div className={`text-xl font-semibold tabular-nums ${tone}`}>{n}</div>
                  <div className="text-xs text-gray-500">{t(`contacts.report.${key}`)}</div>
                </div>
              ))}
            </div>
            {report.errors.length > 0 && (
              <div className="max-h-64 overflow-auto rounded-lg border border-red-200">
                <table className="w-full text-left text-sm" data-testid="import-errors">
                  <thead className="bg-red-50 text-xs uppercase text-red-800">
                    <tr>
                      <th className="px-3 py-1.5 font-medium">{t("contacts.report.line")}</th>
                      <th className="px-3 py-1.5 font-medium">{t("contacts.report.field")}</th>
                      <th className="px-3 py-1.5 font-medium">{t("contacts.report.message")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.errors.map((err, i) => (
                      <tr key={i} className="border-t border-red-100" data-testid="import-error-row" data-line={err.line}>
                        <td className="px-3 py-1.5 tabular-nums">{err.line}</td>
                        <td className="px-3 py-1.5 font-mono text-xs">{err.field ?? "—"}</td>
                        <td className="px-3 py-1.5 text-red-800">{humanizeServerText(err.message)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            {report ? t("common.close") : t("common.cancel")}
          </Button>
          <Button onClick={() => void upload()} disabled={busy || !csv.trim()} data-testid="import-submit">
            {busy ? t("contacts.importing") : t("contacts.importSubmit")}
          </Button>
        </div>
      </div>
    </Modal>
  );
}
