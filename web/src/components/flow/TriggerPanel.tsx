import { useI18n } from "../../i18n/I18nProvider";
import type { FlowSettings, TriggerMatch, TriggerType } from "../../lib/types";
import { Checkbox, SelectInput, TextInput } from "../ui";

export const TRIGGER_TYPES: readonly TriggerType[] = ["keyword", "welcome", "button", "referral", "manual"];
export const TRIGGER_MATCHES: readonly TriggerMatch[] = ["exact", "contains", "regex"];

/** Whether the trigger type takes a value (a keyword, a button payload, an ad). */
export function triggerTakesValue(type: TriggerType): boolean {
  return type === "keyword" || type === "button" || type === "referral";
}

export function TriggerPanel({ settings, onChange }: { settings: FlowSettings; onChange: (s: FlowSettings) => void }) {
  const { t } = useI18n();
  const set = <K extends keyof FlowSettings>(key: K, value: FlowSettings[K]) => onChange({ ...settings, [key]: value });
  const takesValue = triggerTakesValue(settings.trigger_type);
  return (
    <div className="space-y-4" data-testid="trigger-panel">
      <SelectInput
        label={t("flow.trigger.type")}
        value={settings.trigger_type}
        data-testid="trigger-type"
        onChange={(e) => set("trigger_type", e.target.value as TriggerType)}
        options={TRIGGER_TYPES.map((v) => ({ value: v, label: t(`flow.trigger.${v}`) }))}
        hint={t(`flow.trigger.${settings.trigger_type}Help`)}
      />
      {takesValue && (
        <TextInput
          label={t(settings.trigger_type === "keyword" ? "flow.trigger.keyword" : settings.trigger_type === "button" ? "flow.trigger.payload" : "flow.trigger.referralValue")}
          value={settings.trigger_value ?? ""}
          data-testid="trigger-value"
          onChange={(e) => set("trigger_value", e.target.value)}
          hint={settings.trigger_type === "keyword" ? t("flow.trigger.keywordHint") : undefined}
        />
      )}
      {settings.trigger_type === "keyword" && (
        <SelectInput
          label={t("flow.trigger.match")}
          value={settings.trigger_match}
          data-testid="trigger-match"
          onChange={(e) => set("trigger_match", e.target.value as TriggerMatch)}
          options={TRIGGER_MATCHES.map((v) => ({ value: v, label: t(`flow.trigger.match.${v}`) }))}
        />
      )}
      <TextInput
        label={t("flow.trigger.priority")}
        type="number"
        value={String(settings.priority)}
        data-testid="trigger-priority"
        hint={t("flow.trigger.priorityHint")}
        onChange={(e) => set("priority", Math.trunc(Number(e.target.value) || 0))}
      />
      <div>
        <Checkbox
          label={t("flow.trigger.pause")}
          checked={settings.pause_on_agent_reply}
          data-testid="trigger-pause"
          onChange={(e) => set("pause_on_agent_reply", e.target.checked)}
        />
        <p className="mt-1 pl-6 text-xs text-gray-500">{t("flow.trigger.pauseHint")}</p>
      </div>
    </div>
  );
}
