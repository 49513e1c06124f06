import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { describeError } from "../../lib/errors";
import { dripCan } from "../../lib/drips";
import type { DripView, Enrollment } from "../../lib/types";

/**
 * "Enrol in sequence" for one contact (admins, in the contact panel): pick a
 * running sequence, and the contact starts at its first step (or is told
 * they are in it already, or that its re-entry rule refuses them).
 */
export function EnrollInSequence({ contactId }: { contactId: string }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const [open, setOpen] = useState(false);
  const [sequences, setSequences] = useState<DripView[] | null>(null);
  const [picked, setPicked] = useState("");
  const [busy, setBusy] = useState(false);
  // fresh: a new enrolment (201); else they were in this sequence already (200 with the same enrolment).
  const [done, setDone] = useState<{ name: string; enrollment: Enrollment; fresh: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open || sequences !== null) return;
    let live = true;
    api
      .get<{ data: DripView[] }>("/campaigns", { type: "drip" })
      .then((res) => {
        if (!live) return;
        const usable = res.data.filter((d) => d.type === "drip" && dripCan.enroll(d.status));
        setSequences(usable);
        setPicked((p) => p || usable[0]?.id || "");
      })
      .catch((e: unknown) => {
        if (!live) return;
        setSequences([]);
        setError(describeError(e, t));
      });
    return () => {
      live = false;
    };
  }, [api, open, sequences, t]);

  async function enroll() {
    const seq = sequences?.find((d) => d.id === picked);
    if (!seq) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const answer = await api.postWithStatus<Enrollment>(`/contacts/${encodeURIComponent(contactId)}/campaigns/${encodeURIComponent(seq.id)}/enroll`);
      setDone({ name: seq.name, enrollment: answer.data, fresh: answer.status === 201 });
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} className="text-sm text-brand-700 hover:underline" data-testid="contact-enroll-open">
        + {t("sequences.enrollContact")}
      </button>
    );
  }
  return (
    <div className="space-y-2" data-testid="contact-enroll">
      {sequences === null && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {sequences?.length === 0 && !error && (
        <p className="text-sm text-gray-500">
          {t("sequences.enrollContactNone")}{" "}
          <Link to="/sequences" className="text-brand-700 underline">
            {t("sequences.title")}
          </Link>
        </p>
      )}
      {sequences && sequences.length > 0 && (
        <div className="flex gap-2">
          <select
            value={picked}
            onChange={(e) => setPicked(e.target.value)}
            aria-label={t("sequences.enrollContactPick")}
            className="min-w-0 flex-1 rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
            data-testid="contact-enroll-select"
          >
            {sequences.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            onClick={() => void enroll()}
            disabled={busy || !picked}
            className="rounded-md bg-brand-600 px-3 py-1 text-sm font-medium text-white hover:bg-brand-700 disabled:bg-gray-300"
            data-testid="contact-enroll-submit"
          >
            {t("sequences.enroll.submit")}
          </button>
        </div>
      )}
      {done && (
        <p
          className={`text-sm ${done.fresh ? "text-green-800" : "text-gray-700"}`}
          role="status"
          data-testid="contact-enroll-done"
          data-state={done.enrollment.state}
          data-outcome={done.fresh ? "enrolled" : "already"}
        >
          {done.fresh
            ? t("sequences.enrollContactDone", { name: done.name, n: done.enrollment.step })
            : t("sequences.enrollContactAlready", { name: done.name, n: done.enrollment.step })}{" "}
          <Link to={`/sequences/${done.enrollment.campaign_id}`} className="underline">
            {t("sequences.open")}
          </Link>
        </p>
      )}
      {error && (
        <p className="text-sm text-red-700" role="alert" data-testid="contact-enroll-error">
          {error}
        </p>
      )}
    </div>
  );
}
