// The flow's recent runs in real conversations (GET /flows/{id}/executions):
// status, the path taken and any error; picking one marks its path on the canvas.

import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import type { FlowExecution, Page } from "../../lib/types";
import { Badge, Button, useErrorText } from "../ui";

const TONE: Record<string, "green" | "amber" | "red" | "blue" | "gray"> = {
  completed: "green",
  waiting: "blue",
  running: "blue",
  paused: "amber",
  failed: "red",
  stopped: "gray",
};

export function RunsPanel({ flowId, onPath }: { flowId: string | null; onPath: (path: string[]) => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [runs, setRuns] = useState<FlowExecution[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const when = new Intl.DateTimeFormat(lang.locale, { dateStyle: "short", timeStyle: "short" });

  useEffect(() => {
    if (!flowId) return;
    let live = true;
    setError(null);
    api
      .get<Page<FlowExecution>>(`/flows/${flowId}/executions`, { limit: 25 })
      .then((p) => {
        if (!live) return;
        setRuns(p.data);
        setCursor(p.next_cursor);
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, flowId, generation]);

  async function more() {
    if (!flowId || !cursor) return;
    try {
      const p = await api.get<Page<FlowExecution>>(`/flows/${flowId}/executions`, { limit: 25, cursor });
      setRuns((prev) => [...(prev ?? []), ...p.data]);
      setCursor(p.next_cursor);
    } catch (e) {
      setError(errorText(e));
    }
  }

  if (!flowId) return <p className="text-sm text-gray-600">{t("flow.runs.saveFirst")}</p>;

  return (
    <div className="space-y-2" data-testid="runs-panel">
      <div className="flex items-center justify-between">
        <p className="text-xs text-gray-500">{t("flow.runs.intro")}</p>
        <button type="button" className="text-xs text-brand-700 underline" onClick={() => setGeneration((g) => g + 1)}>
          {t("flow.runs.refresh")}
        </button>
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700">
          {error}
        </p>
      )}
      {runs === null && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {runs?.length === 0 && <p className="text-sm text-gray-500">{t("flow.runs.empty")}</p>}
      <ul className="space-y-1.5">
        {runs?.map((r) => (
          <li key={r.id}>
            <button
              type="button"
              data-testid="run-row"
              onClick={() => {
                setPicked(r.id);
                onPath(r.path ?? []);
              }}
              className={`w-full rounded-md border px-2 py-1.5 text-left text-xs ${picked === r.id ? "border-sky-400 bg-sky-50" : "border-gray-200 hover:bg-gray-50"}`}
            >
              <div className="flex items-center justify-between gap-2">
                <Badge tone={TONE[r.status] ?? "gray"}>{r.status}</Badge>
                <span className="text-gray-500">{r.started_at ? when.format(new Date(r.started_at)) : ""}</span>
              </div>
              {r.path && r.path.length > 0 && <div className="mt-1 break-words font-mono text-[11px] text-gray-700">{r.path.join(" → ")}</div>}
              {r.error && <div className="mt-1 text-red-700">{r.error}</div>}
            </button>
            {typeof r.conversation_id === "string" && (
              <Link to={`/inbox/${r.conversation_id}`} className="ml-2 text-[11px] text-brand-700 hover:underline">
                {t("flow.runs.openConversation")}
              </Link>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <Button variant="secondary" onClick={() => void more()} className="!py-1 !text-xs">
          {t("common.loadMore")}
        </Button>
      )}
    </div>
  );
}
