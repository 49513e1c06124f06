// Runs the saved flow in the server's sandbox (POST /flows/{id}/test) against
// the customer messages typed here; each new message replays the whole script.

import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { asObj, arr, str } from "../../lib/content";
import type { FlowTestResult, TestMessage, TranscriptEntry } from "../../lib/types";
import { Badge, Button, inputClass, useErrorText } from "../ui";

interface Option {
  id: string;
  title: string;
}

/** The text and the options (buttons or list rows) of a bot message in the transcript. */
export function botView(entry: TranscriptEntry): { text: string; options: Option[]; kind: string } {
  const c = asObj(entry.content);
  const type = entry.type ?? "";
  if (type === "text") return { text: str(asObj(c).body), options: [], kind: "text" };
  if (type === "interactive") {
    const action = asObj(c.action);
    const buttons = arr(action.buttons).map((b) => {
      const r = asObj(asObj(b).reply);
      return { id: str(r.id), title: str(r.title) };
    });
    const rows = arr(action.sections).flatMap((s) => arr(asObj(s).rows).map((r) => ({ id: str(asObj(r).id), title: str(asObj(r).title) })));
    return { text: str(asObj(c.body).text), options: [...buttons, ...rows], kind: str(c.type) || "interactive" };
  }
  if (type === "template") return { text: `${str(c.name)} (${str(asObj(c.language).code)})`, options: [], kind: "template" };
  const media = asObj(c);
  return { text: [str(media.caption), str(media.link) || str(media.id)].filter(Boolean).join(" — "), options: [], kind: type };
}

/** "tag · add: lead · remove: —" for a system entry. */
export function systemText(entry: TranscriptEntry): string {
  const details = Object.entries(entry)
    .filter(([k, v]) => k !== "from" && k !== "action" && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return [entry.action ?? "system", ...details].join(" · ");
}

const STATUS_TONE: Record<string, "green" | "amber" | "red" | "blue" | "gray"> = {
  completed: "green",
  waiting: "blue",
  paused: "amber",
  failed: "red",
  stopped: "gray",
};

export function TestPanel({
  flowId,
  dirty,
  saving,
  onSave,
  onPath,
}: {
  flowId: string | null;
  dirty: boolean;
  saving: boolean;
  onSave: () => void;
  onPath: (path: string[]) => void;
}) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [script, setScript] = useState<TestMessage[]>([]);
  const [result, setResult] = useState<FlowTestResult | null>(null);
  const [text, setText] = useState("");
  const [contactName, setContactName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(messages: TestMessage[]) {
    if (!flowId) return;
    setBusy(true);
    setError(null);
    try {
      const body: { messages: TestMessage[]; contact?: { name: string } } = { messages };
      if (contactName.trim()) body.contact = { name: contactName.trim() };
      const res = await api.post<FlowTestResult>(`/flows/${flowId}/test`, body);
      setScript(messages);
      setResult(res);
      onPath(res.path ?? []);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  function send(e: FormEvent) {
    e.preventDefault();
    const msg = text.trim();
    if (!msg || busy) return;
    setText("");
    void run([...script, msg]);
  }

  function reset() {
    setScript([]);
    setResult(null);
    setError(null);
    onPath([]);
  }

  if (!flowId) return <p className="text-sm text-gray-600">{t("flow.test.saveFirst")}</p>;

  const transcript = result?.transcript ?? [];
  const lastBot = [...transcript].reverse().find((e) => e.from === "bot");
  const waitingReply = result?.status === "waiting" && result.waiting?.kind === "reply";

  return (
    <div className="flex h-full flex-col gap-3" data-testid="test-panel">
      <p className="text-xs text-gray-500">{t("flow.test.intro")}</p>
      {dirty && (
        <div className="flex items-center justify-between gap-2 rounded-md bg-amber-50 px-2 py-1.5 text-xs text-amber-800">
          <span>{t("flow.test.unsaved")}</span>
          <Button variant="secondary" className="!px-2 !py-1 !text-xs" onClick={onSave} disabled={saving}>
            {t("flow.save")}
          </Button>
        </div>
      )}
      <input
        aria-label={t("flow.test.contactName")}
        placeholder={t("flow.test.contactName")}
        value={contactName}
        onChange={(e) => setContactName(e.target.value)}
        className={inputClass}
      />
      <div className="min-h-40 flex-1 space-y-1.5 overflow-y-auto rounded-md bg-chat p-2" data-testid="test-transcript">
        {!result && !busy && (
          <div className="flex h-full flex-col items-center justify-center gap-2 py-6 text-center text-xs text-gray-600">
            <p>{t("flow.test.empty")}</p>
            <Button onClick={() => void run([])} data-testid="test-start" className="!py-1">
              {t("flow.test.start")}
            </Button>
          </div>
        )}
        {transcript.map((entry, i) => {
          if (entry.from === "customer") {
            return (
              <div key={i} className="flex justify-end">
                <div className="max-w-[85%] rounded-lg rounded-tr-none bg-bubble-out px-2.5 py-1 text-sm shadow-sm" data-testid="test-customer">
                  {entry.text ?? ""}
                </div>
              </div>
            );
          }
          if (entry.from === "bot") {
            const view = botView(entry);
            const clickable = waitingReply && entry === lastBot;
            return (
              <div key={i} className="flex justify-start">
                <div className="max-w-[85%] rounded-lg rounded-tl-none bg-white px-2.5 py-1 text-sm shadow-sm" data-testid="test-bot">
                  {view.kind !== "text" && view.kind !== "button" && view.kind !== "list" && (
                    <div className="text-[10px] font-semibold uppercase text-gray-400">{view.kind}</div>
                  )}
                  <p className="whitespace-pre-wrap break-words">{view.text}</p>
                  {view.options.length > 0 && (
                    <div className="mt-1 flex flex-col gap-1 border-t border-gray-100 pt-1">
                      {view.options.map((o) => (
                        <button
                          key={o.id}
                          type="button"
                          disabled={!clickable || busy}
                          data-testid="test-option"
                          onClick={() => void run([...script, { type: "interactive", text: o.title, reply_id: o.id }])}
                          className="rounded px-2 py-0.5 text-center text-xs font-medium text-sky-700 enabled:hover:bg-sky-50 disabled:text-gray-400"
                        >
                          {o.title}
                        </button>
                      ))}
                    </div>
                  )}
                </div>
              </div>
            );
          }
          return (
            <div key={i} className="flex justify-center">
              <div className="max-w-[95%] rounded bg-white/70 px-2 py-0.5 text-center text-[11px] text-gray-600" data-testid="test-system">
                {systemText(entry)}
              </div>
            </div>
          );
        })}
        {busy && <p className="text-center text-xs text-gray-500">{t("common.loading")}</p>}
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700" data-testid="test-error">
          {error}
        </p>
      )}
      {result && (
        <div className="space-y-1 text-xs text-gray-600" data-testid="test-result">
          <div className="flex flex-wrap items-center gap-1">
            <Badge tone={STATUS_TONE[result.status] ?? "gray"} testId="test-status">
              {t("flow.test.status", { status: result.status })}
            </Badge>
            {result.waiting && <span>{t("flow.test.waitingAt", { node: result.waiting.node, kind: result.waiting.kind })}</span>}
          </div>
          {result.path.length > 0 && <div className="break-words font-mono text-[11px]">{result.path.join(" → ")}</div>}
          {result.error && <div className="text-red-700">{result.error}</div>}
          {Object.keys(result.vars ?? {}).length > 0 && (
            <pre className="overflow-x-auto rounded bg-gray-50 p-1 text-[11px]">{JSON.stringify(result.vars, null, 1)}</pre>
          )}
        </div>
      )}
      <form onSubmit={send} className="flex gap-1">
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("flow.test.placeholder")}
          aria-label={t("flow.test.placeholder")}
          data-testid="test-input"
          className={inputClass}
        />
        <Button type="submit" disabled={!text.trim() || busy} data-testid="test-send" className="!py-1">
          {t("composer.send")}
        </Button>
      </form>
      {result && (
        <button type="button" onClick={reset} className="self-start text-xs text-gray-500 underline">
          {t("flow.test.reset")}
        </button>
      )}
    </div>
  );
}
