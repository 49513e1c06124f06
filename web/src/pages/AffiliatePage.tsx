import { useCallback, useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { AffiliateDashboard } from "../components/affiliates/AffiliateDashboard";
import { JoinForm } from "../components/affiliates/JoinForm";
import { ErrorText } from "../components/Field";
import { PartnerStatusBadge } from "../components/partners/PartnerBits";
import { useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { affiliatePhase, DEFAULT_THRESHOLD_MINOR, type AffiliateView } from "../lib/affiliates";
import { ApiError } from "../lib/api";

/** While an operator has not approved the affiliate, the page asks again this often (and when the tab is back in view). */
const PENDING_POLL_MS = 10_000;

/** What the person's programme membership is: not loaded yet, not joined (null), or their view. */
type Loaded = { affiliate: AffiliateView | null } | null;

/**
 * `/affiliate` (everyone signed in, from Settings): not in the programme →
 * the join form; joined and waiting → "awaiting approval" (the page notices
 * the approval by itself); approved → the dashboard; suspended → why, above
 * the figures.
 */
export function AffiliatePage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [loaded, setLoaded] = useState<Loaded>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setLoaded({ affiliate: await api.get<AffiliateView>("/affiliate") });
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        setLoaded({ affiliate: null });
        setError(null);
      } else setError(errorText(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const affiliate = loaded?.affiliate ?? null;
  const phase = loaded ? affiliatePhase(affiliate) : null;
  const waiting = phase === "pending";
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => void reload(), PENDING_POLL_MS);
    const back = () => {
      if (document.visibilityState === "visible") void reload();
    };
    document.addEventListener("visibilitychange", back);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", back);
    };
  }, [waiting, reload]);

  return (
    <div className="space-y-4" data-testid="affiliate-page" data-phase={phase ?? (error ? "error" : "loading")}>
      <div>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-lg font-semibold">{t("affiliate.title")}</h2>
          {affiliate && <PartnerStatusBadge status={affiliate.status} testId="affiliate-status" />}
        </div>
        <p className="text-sm text-gray-600">{t("affiliate.intro")}</p>
      </div>
      <ErrorText testId="affiliate-error">{error}</ErrorText>
      {phase === "join" && <JoinForm threshold_minor={DEFAULT_THRESHOLD_MINOR} onJoined={(a) => setLoaded({ affiliate: a })} onExists={() => void reload()} />}
      {phase === "pending" && (
        <div role="status" data-testid="affiliate-pending" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <p className="font-semibold">{t("affiliate.pending.title")}</p>
          <p>{t("affiliate.pending.body")}</p>
        </div>
      )}
      {phase === "suspended" && (
        <div role="alert" data-testid="affiliate-suspended" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          <p className="font-semibold">{t("affiliate.suspended.title")}</p>
          <p>{t("affiliate.suspended.body")}</p>
        </div>
      )}
      {affiliate && (phase === "approved" || phase === "suspended") && <AffiliateDashboard affiliate={affiliate} onChange={(a) => setLoaded({ affiliate: a })} />}
      {!loaded && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
    </div>
  );
}
