import { useState } from "react";
import { useNavigate } from "react-router";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import type { CampaignView } from "../../lib/apiTypes";
import { DEFAULT_AFTER_HOURS, MAX_AFTER_HOURS, RETARGET_RULES, retargetBody, type RetargetRule } from "../../lib/campaigns";
import { ErrorText } from "../Field";
import { Button, fieldClass, Modal, TextInput, useErrorText } from "../ui";

/**
 * "Retarget": a new draft for some of a started campaign's recipients
 * (`POST /campaigns/{id}/retarget`), opened in the wizard.
 */
export function RetargetDialog({ campaign, onClose }: { campaign: Pick<CampaignView, "id" | "name">; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [rule, setRule] = useState<RetargetRule>("delivered_not_read");
  const [hours, setHours] = useState(String(DEFAULT_AFTER_HOURS));
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const num = new Intl.NumberFormat(lang.locale);

  async function submit() {
    const built = retargetBody(rule, hours, name);
    if ("error" in built) {
      setError(t("campaigns.retarget.hoursRange", { max: num.format(MAX_AFTER_HOURS) }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const draft = await api.post<CampaignView>(`/campaigns/${encodeURIComponent(campaign.id)}/retarget`, built.body);
      navigate(`/campaigns/${draft.id}/edit`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <Modal title={t("campaigns.retarget.title")} onClose={onClose} testId="campaign-retarget-dialog">
      <form
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="text-sm text-gray-600">{t("campaigns.retarget.intro", { name: campaign.name })}</p>
        <fieldset className="space-y-2">
          <legend className="mb-1 text-xs font-medium text-gray-700">{t("campaigns.retarget.who")}</legend>
          {RETARGET_RULES.map((r) => (
            <label
              key={r}
              className={`flex cursor-pointer items-start gap-2 rounded-lg border p-3 text-sm ${rule === r ? "border-brand-500 bg-brand-50" : "border-gray-200 hover:bg-gray-50"}`}
            >
              <input type="radio" name="retarget-rule" className="mt-0.5" checked={rule === r} onChange={() => setRule(r)} data-testid={`campaign-retarget-rule-${r}`} />
              <span className="min-w-0 flex-1">
                <span className="font-medium text-gray-900">{t(`campaigns.retarget.rule.${r}`)}</span>
                <span className="block text-xs text-gray-500">{t(`campaigns.retarget.ruleHelp.${r}`)}</span>
                {r === "delivered_not_read" && rule === r && (
                  <span className="mt-2 flex items-center gap-2 text-xs text-gray-700">
                    <input
                      type="number"
                      min={1}
                      max={MAX_AFTER_HOURS}
                      step={1}
                      className={`${fieldClass} w-20`}
                      value={hours}
                      onChange={(e) => setHours(e.target.value)}
                      aria-label={t("campaigns.retarget.hours")}
                      data-testid="campaign-retarget-hours"
                    />
                    {t("campaigns.retarget.hoursUnit", { max: num.format(MAX_AFTER_HOURS) })}
                  </span>
                )}
              </span>
            </label>
          ))}
        </fieldset>
        <TextInput
          label={t("campaigns.retarget.name")}
          hint={t("campaigns.retarget.nameHint")}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
          data-testid="campaign-retarget-name"
        />
        <p className="text-xs text-gray-500">{t("campaigns.retarget.note")}</p>
        <ErrorText testId="campaign-retarget-error">{error}</ErrorText>
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" disabled={busy} data-testid="campaign-retarget-create">
            {busy ? t("campaigns.retarget.creating") : t("campaigns.retarget.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
