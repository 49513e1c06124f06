import { useCallback, useEffect, useMemo, useState } from "react";
import { NavLink, Outlet } from "react-router";
import { clearEndedView, endedView, useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { PartnerStatusBadge } from "../components/partners/PartnerBits";
import { useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import { hostUrl, partnerUnlocked, type PartnerView } from "../lib/partners";
import { PartnerContext, type PartnerContextValue } from "../partner/PartnerContext";

/** While an operator has not approved the partner, the page asks again this often (and when the tab is back in view). */
const PENDING_POLL_MS = 10_000;

const TABS = [
  { to: "/partner/clients", label: "partner.tab.clients", id: "clients" },
  { to: "/partner/branding", label: "partner.tab.branding", id: "branding" },
  { to: "/partner/domains", label: "partner.tab.domains", id: "domains" },
  { to: "/partner/prices", label: "partner.tab.prices", id: "prices" },
  { to: "/partner/statements", label: "partner.tab.statements", id: "statements" },
] as const;

/** What a partner sees until it is approved (or while it is suspended): why the pages are closed. */
function StatusBanner({ partner }: { partner: PartnerView }) {
  const { t } = useI18n();
  if (partner.status === "pending") {
    return (
      <div role="status" data-testid="partner-pending" className="mt-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        <p className="font-semibold">{t("partner.pending.title")}</p>
        <p>{t("partner.pending.body")}</p>
      </div>
    );
  }
  if (partner.status === "suspended") {
    return (
      <div role="alert" data-testid="partner-suspended" className="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        <p className="font-semibold">{t("partner.suspended.title")}</p>
        <p>{t("partner.suspended.body")}</p>
      </div>
    );
  }
  return null;
}

/**
 * The partner area (`/partner`, partners' admins): the partner's name,
 * status and address, tabs for its clients, brand, domains, prices (markup
 * partners) and statements. Until an operator approves the partner the
 * pages stay closed behind a banner; the page notices the approval by itself.
 */
export function PartnerLayout() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [partner, setPartner] = useState<PartnerView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Back from viewing a client as its admin: say so once.
  const [ended, setEnded] = useState(endedView);
  useEffect(() => clearEndedView(), []);

  const reload = useCallback(async () => {
    try {
      setPartner(await api.get<PartnerView>("/partner"));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const unlocked = partnerUnlocked(partner);
  const waiting = partner !== null && !unlocked;
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

  const value = useMemo<PartnerContextValue | null>(() => (partner ? { partner, reload } : null), [partner, reload]);
  const tabs = TABS.filter((tab) => tab.id !== "prices" || partner?.model === "markup");

  return (
    <div className="h-full overflow-y-auto" data-testid="partner-area" data-status={partner?.status} data-state={partner ? "ready" : error ? "error" : "loading"}>
      <div className="mx-auto max-w-6xl p-4">
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="text-xl font-semibold" data-testid="partner-name">
            {partner?.name ?? t("partner.title")}
          </h1>
          {partner && <PartnerStatusBadge status={partner.status} testId="partner-status" />}
        </div>
        <p className="text-sm text-gray-600">{t("partner.intro")}</p>
        {partner?.host && unlocked && (
          <p className="mt-1 text-sm text-gray-700" data-testid="partner-host">
            {t("partner.hostLine")}{" "}
            <a href={`${hostUrl(partner.host, window.location)}/login`} target="_blank" rel="noreferrer" className="font-medium text-brand-700 underline">
              {hostUrl(partner.host, window.location)}
            </a>
          </p>
        )}
        {partner && <StatusBanner partner={partner} />}
        {ended && (
          <div role="status" data-testid="view-ended" data-reason={ended.reason} className="mt-3 flex items-center justify-between gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <span>{t(ended.reason === "ended" ? "view.ended" : ended.reason === "expired" ? "view.expired" : "view.refused", { tenant: ended.tenant })}</span>
            <button type="button" className="underline" onClick={() => setEnded(null)}>
              {t("common.dismiss")}
            </button>
          </div>
        )}
        <div className="mt-3">
          <ErrorText testId="partner-error">{error}</ErrorText>
        </div>
        <nav aria-label={t("partner.title")} className="mt-3 mb-4 flex gap-1 overflow-x-auto border-b border-gray-200">
          {tabs.map((tab) =>
            unlocked ? (
              <NavLink
                key={tab.to}
                to={tab.to}
                data-testid={`partner-tab-${tab.id}`}
                className={({ isActive }) =>
                  `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${
                    isActive ? "border-brand-600 text-brand-700" : "border-transparent text-gray-500 hover:text-gray-800"
                  }`
                }
              >
                {t(tab.label)}
              </NavLink>
            ) : (
              <span key={tab.to} aria-disabled="true" data-testid={`partner-tab-${tab.id}`} className="-mb-px cursor-not-allowed whitespace-nowrap border-b-2 border-transparent px-3 py-2 text-sm font-medium text-gray-300">
                {t(tab.label)}
              </span>
            ),
          )}
        </nav>
        {value && unlocked && (
          <PartnerContext.Provider value={value}>
            <Outlet />
          </PartnerContext.Provider>
        )}
        {value && !unlocked && (
          <p className="rounded-xl border border-dashed border-gray-300 bg-white p-6 text-center text-sm text-gray-500" data-testid="partner-locked">
            {t("partner.locked")}
          </p>
        )}
        {!partner && !error && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
      </div>
    </div>
  );
}
