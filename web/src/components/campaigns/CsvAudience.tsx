import { useI18n } from "../../i18n/I18nProvider";
import { MAX_REJECTED_LISTED, type CsvAudience, type CsvUploadReport } from "../../lib/campaignCsv";
import { isSkipReason } from "../../lib/campaigns";
import { Button } from "../ui";

function ColumnChips({ columns }: { columns: readonly string[] }) {
  const { t } = useI18n();
  if (columns.length === 0) return <p className="text-xs text-gray-600">{t("campaigns.csv.noColumns")}</p>;
  return (
    <div className="flex flex-wrap items-center gap-1 text-xs">
      <span className="text-gray-600">{t("campaigns.csv.columns")}</span>
      {columns.map((c) => (
        <span key={c} className="rounded-full bg-brand-50 px-2 py-0.5 font-mono text-brand-700" data-testid="campaign-csv-column">
          {c}
        </span>
      ))}
    </div>
  );
}

/** What the server made of an upload: rows accepted, the rejected lines with why, the columns found. */
export function CsvReport({ report }: { report: CsvUploadReport }) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  const cut = report.rejected.length >= MAX_REJECTED_LISTED;
  return (
    <div className="space-y-3" data-testid="campaign-csv-report">
      <div className="grid grid-cols-2 gap-2 sm:max-w-md">
        <div className="rounded-lg border border-gray-200 bg-white p-2 text-center" data-testid="campaign-csv-accepted" data-value={report.accepted}>
          <div className="text-xl font-semibold tabular-nums text-green-700">{num.format(report.accepted)}</div>
          <div className="text-xs text-gray-500">{t("campaigns.csv.accepted")}</div>
        </div>
        <div className="rounded-lg border border-gray-200 bg-white p-2 text-center" data-testid="campaign-csv-rejected-count" data-value={report.rejected.length}>
          <div className={`text-xl font-semibold tabular-nums ${report.rejected.length ? "text-red-700" : "text-gray-700"}`}>
            {num.format(report.rejected.length)}
            {cut && "+"}
          </div>
          <div className="text-xs text-gray-500">{t("campaigns.csv.rejected")}</div>
        </div>
      </div>
      {report.accepted === 0 && <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">{t("campaigns.csv.noneAccepted")}</p>}
      <div data-testid="campaign-csv-columns" data-columns={report.columns.join(",")}>
        <ColumnChips columns={report.columns} />
      </div>
      {report.rejected.length > 0 && (
        <div className="max-h-64 overflow-auto rounded-lg border border-red-200">
          <table className="w-full text-left text-sm" data-testid="campaign-csv-rejected">
            <thead className="sticky top-0 bg-red-50 text-xs uppercase text-red-800">
              <tr>
                <th className="px-3 py-1.5 font-medium">{t("campaigns.csv.col.line")}</th>
                <th className="px-3 py-1.5 font-medium">{t("campaigns.csv.col.phone")}</th>
                <th className="px-3 py-1.5 font-medium">{t("campaigns.csv.col.reason")}</th>
                <th className="px-3 py-1.5 font-medium">{t("campaigns.csv.col.message")}</th>
              </tr>
            </thead>
            <tbody>
              {report.rejected.map((r) => (
                <tr key={r.line} className="border-t border-red-100 align-top" data-testid="campaign-csv-rejected-row" data-line={r.line} data-reason={r.reason}>
                  <td className="px-3 py-1.5 tabular-nums">{r.line}</td>
                  <td className="px-3 py-1.5 font-mono text-xs">{r.phone || "—"}</td>
                  <td className="px-3 py-1.5 whitespace-nowrap">{isSkipReason(r.reason) ? t(`campaigns.skip.${r.reason}`) : r.reason}</td>
                  <td className="px-3 py-1.5 text-red-800">{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cut && <p className="text-xs text-gray-500">{t("campaigns.csv.rejectedCut", { count: num.format(MAX_REJECTED_LISTED) })}</p>}
    </div>
  );
}

/**
 * The audience step for a CSV: the file (uploaded as soon as it is chosen,
 * to the draft), the server's report, or — for a draft opened again — what
 * is stored.
 */
export function CsvAudiencePanel({
  fileName,
  uploading,
  report,
  stored,
  canRetry,
  onPick,
  onRetry,
}: {
  fileName: string | null;
  uploading: boolean;
  report: CsvUploadReport | null;
  stored: CsvAudience | null;
  canRetry: boolean;
  onPick: (file: File) => void;
  onRetry: () => void;
}) {
  const { t, lang } = useI18n();
  const num = new Intl.NumberFormat(lang.locale);
  return (
    <div className="space-y-3" data-testid="campaign-csv">
      <p className="text-sm text-gray-600">{t("campaigns.csv.help")}</p>
      <pre className="overflow-x-auto rounded-md bg-gray-50 p-2 text-xs text-gray-700">{"phone,first_name,city\n+919800000001,Asha,Pune"}</pre>
      <div className="flex flex-wrap items-center gap-2">
        <label
          className={`inline-flex items-center rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm font-medium text-gray-700 ${uploading ? "cursor-not-allowed opacity-60" : "cursor-pointer hover:bg-gray-50"}`}
        >
          {t("campaigns.csv.chooseFile")}
          <input
            type="file"
            accept=".csv,text/csv"
            className="sr-only"
            disabled={uploading}
            data-testid="campaign-csv-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) onPick(file);
            }}
          />
        </label>
        <span className="text-sm text-gray-500" data-testid="campaign-csv-file-name">
          {uploading ? t("campaigns.csv.uploading", { name: fileName ?? "" }) : (fileName ?? t("campaigns.csv.noFile"))}
        </span>
        {canRetry && !uploading && (
          <Button variant="secondary" onClick={onRetry} data-testid="campaign-csv-upload">
            {report ? t("campaigns.csv.uploadAgain") : t("campaigns.csv.upload")}
          </Button>
        )}
      </div>
      <p className="text-xs text-gray-500">{t("campaigns.csv.draftNote")}</p>
      {report ? (
        <CsvReport report={report} />
      ) : (
        stored &&
        stored.rows !== null && (
          <div className="space-y-2 rounded-lg bg-gray-50 p-3 text-sm text-gray-700" data-testid="campaign-csv-stored" data-rows={stored.rows}>
            <p>{t("campaigns.csv.stored", { rows: num.format(stored.rows) })}</p>
            <div data-testid="campaign-csv-columns" data-columns={stored.columns.join(",")}>
              <ColumnChips columns={stored.columns} />
            </div>
          </div>
        )
      )}
    </div>
  );
}
