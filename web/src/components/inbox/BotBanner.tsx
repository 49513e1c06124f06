import { useCallback, useEffect, useRef, useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { botKey, parseBotRun, type BotRun } from "../../lib/activity";
import { ApiError } from "../../lib/api";
import { describeError } from "../../lib/errors";
import type { Flow, Page } from "../../lib/types";
import { ConfirmButton } from "../ui";

/** After pause / resume / stop / start (answered 202 or 201, done a moment later): read the bot again this often, this long. */
const POLL_EVERY_MS = 400;
const POLL_FOR_MS = 6_000;
/** Wait this long after a live frame before reading the bot again. */
const REFETCH_DELAY_MS = 300;

type Action = "pause" | "resume" | "stop";

/**
 * The bot in this conversation, above the thread: which flow runs, at which
 * step, running or paused, with pause / resume / stop; with no bot, a menu
 * to start one of the account's active flows. Hidden on a server without
 * the bot route.
 */
export function BotBanner({ conversationId, onChange }: { conversationId: string; /** The bot's state changed (the thread reads its events again). */ onChange?: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const inbox = useInbox();
  /** undefined: not read yet; null: no bot. */
  const [run, setRun] = useState<BotRun | null | undefined>(undefined);
  const [supported, setSupported] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [menu, setMenu] = useState(false);
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const path = `/conversations/${encodeURIComponent(conversationId)}`;
  const live = useRef(true);
  const seen = useRef<string | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const read = useCallback(async (): Promise<BotRun | null | undefined> => {
    try {
      const next = parseBotRun(await api.get<unknown>(`${path}/bot`));
      if (!live.current) return next;
      setRun(next);
      // A change after the first read is news for the thread too.
      const key = botKey(next);
      if (seen.current !== null && seen.current !== key) onChangeRef.current?.();
      seen.current = key;
      return next;
    } catch (e) {
      // No bot route on this server: no banner.
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) setSupported(false);
      return undefined;
    }
  }, [api, path]);

  useEffect(() => {
    live.current = true;
    seen.current = null;
    setRun(undefined);
    setError(null);
    setMenu(false);
    void read();
    let timer: number | null = null;
    const off = inbox.onConversationEvent((id) => {
      if (id !== conversationId) return;
      if (timer !== null) window.clearTimeout(timer);
      timer = window.setTimeout(() => void read(), REFETCH_DELAY_MS);
    });
    return () => {
      live.current = false;
      if (timer !== null) window.clearTimeout(timer);
      off();
    };
  }, [conversationId, read, inbox.onConversationEvent]);

  /** Reads the bot until it differs from `before` (the action took effect) or time is up. */
  const settle = async (before: string) => {
    const until = Date.now() + POLL_FOR_MS;
    while (live.current && Date.now() < until) {
      const now = await read();
      if (now !== undefined && botKey(now) !== before) return;
      await new Promise((r) => window.setTimeout(r, POLL_EVERY_MS));
    }
  };

  const act = async (action: Action) => {
    const before = botKey(run ?? null);
    setBusy(true);
    setError(null);
    try {
      await api.post(`${path}/flow`, { action });
      await settle(before);
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      if (live.current) setBusy(false);
    }
  };

  const openMenu = () => {
    setMenu((v) => !v);
    if (flows === null) {
      api
        .get<Page<Flow>>("/flows")
        .then((p) => live.current && setFlows((p?.data ?? []).filter((f) => f.status === "active")))
        .catch((e: unknown) => {
          if (!live.current) return;
          setFlows([]);
          setError(describeError(e, t));
        });
    }
  };

  const start = async (flow: Flow) => {
    setMenu(false);
    setBusy(true);
    setError(null);
    try {
      await api.post(`/flows/${encodeURIComponent(flow.id)}/start`, { conversation_id: conversationId });
      await settle("none");
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      if (live.current) setBusy(false);
    }
  };

  if (!supported || run === undefined) return null;

  const status = run ? t(`bot.status.${run.status}`) : "";
  return (
    <div
      className={`relative flex min-h-8 shrink-0 flex-wrap items-center gap-x-2 gap-y-1 border-b px-3 py-1 text-xs ${
        run ? (run.status === "paused" ? "border-amber-200 bg-amber-50 text-amber-900" : "border-brand-200 bg-brand-50 text-brand-900") : "border-gray-200 bg-white text-gray-600"
      }`}
      data-testid="bot-banner"
      data-status={run?.status ?? "none"}
    >
      <span aria-hidden="true">🤖</span>
      {run ? (
        <span className="min-w-0 flex-1 truncate" data-testid="bot-state">
          <span className="font-semibold">{t("bot.label", { flow: run.flow_name || t("bot.unnamed") })}</span>
          {" · "}
          {run.node_label || t("bot.step", { n: run.step })}
          {" · "}
          <span className="font-medium">{status}</span>
        </span>
      ) : (
        <span className="min-w-0 flex-1 truncate" data-testid="bot-state">
          {t("bot.none")}
        </span>
      )}
      {run && run.status !== "paused" && (
        <button type="button" disabled={busy} onClick={() => void act("pause")} className="rounded-md px-2 py-0.5 font-medium hover:bg-black/5 disabled:opacity-50" data-testid="bot-pause">
          {t("bot.pause")}
        </button>
      )}
      {run && run.status === "paused" && (
        <button type="button" disabled={busy} onClick={() => void act("resume")} className="rounded-md px-2 py-0.5 font-medium hover:bg-black/5 disabled:opacity-50" data-testid="bot-resume">
          {t("bot.resume")}
        </button>
      )}
      {run && <ConfirmButton label={t("bot.stop")} confirmLabel={t("bot.stopConfirm")} onConfirm={() => act("stop")} disabled={busy} testId="bot-stop" className="py-0.5 text-xs" />}
      {!run && (
        <button
          type="button"
          disabled={busy}
          onClick={openMenu}
          aria-expanded={menu}
          className="rounded-md border border-gray-300 bg-white px-2 py-0.5 font-medium text-gray-700 hover:bg-gray-50 disabled:opacity-50"
          data-testid="bot-start"
        >
          {busy ? t("bot.starting") : `${t("bot.start")} ▾`}
        </button>
      )}
      {menu && !run && (
        <div className="absolute right-2 top-full z-30 mt-1 w-64 rounded-lg border border-gray-200 bg-white py-1 text-sm text-gray-800 shadow-lg" role="menu" data-testid="bot-flows">
          {flows === null && <p className="px-3 py-2 text-gray-500">{t("common.loading")}</p>}
          {flows?.length === 0 && <p className="px-3 py-2 text-gray-500">{t("bot.noFlows")}</p>}
          {flows?.map((f) => (
            <button key={f.id} type="button" role="menuitem" onClick={() => void start(f)} className="block w-full truncate px-3 py-1.5 text-left hover:bg-gray-50" data-testid="bot-flow">
              {f.name}
            </button>
          ))}
        </div>
      )}
      {error && (
        <p role="alert" className="w-full text-red-700" data-testid="bot-error">
          {error}
        </p>
      )}
    </div>
  );
}
