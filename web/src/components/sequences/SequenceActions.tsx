import { useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { dripCan } from "../../lib/drips";
import type { DripView } from "../../lib/types";
import { Button, ConfirmButton, useErrorText } from "../ui";
import { ErrorText } from "../Field";

type Action = "start" | "pause" | "resume" | "cancel";

/**
 * Start / pause / resume / cancel for a sequence (the ones its state allows);
 * hands the server's new view (read again after the call) to `onChanged`.
 */
export function SequenceActions({ drip, onChanged }: { drip: DripView; onChanged: (d: DripView) => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = encodeURIComponent(drip.id);

  async function run(action: Action) {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/campaigns/${id}/${action}`);
      onChanged(await api.get<DripView>(`/campaigns/${id}`));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      {dripCan.start(drip.status) && (
        <Button onClick={() => void run("start")} disabled={busy} data-testid="sequence-start">
          {t("sequences.action.start")}
        </Button>
      )}
      {dripCan.pause(drip.status) && (
        <Button variant="secondary" onClick={() => void run("pause")} disabled={busy} data-testid="sequence-pause">
          {t("sequences.action.pause")}
        </Button>
      )}
      {dripCan.resume(drip.status) && (
        <Button onClick={() => void run("resume")} disabled={busy} data-testid="sequence-resume">
          {t("sequences.action.resume")}
        </Button>
      )}
      {dripCan.cancel(drip.status) && (
        <ConfirmButton
          label={t("sequences.action.cancel")}
          confirmLabel={t("sequences.action.cancelConfirm")}
          onConfirm={() => run("cancel")}
          disabled={busy}
          testId="sequence-cancel"
        />
      )}
      <ErrorText testId="sequence-action-error">{error}</ErrorText>
    </div>
  );
}
