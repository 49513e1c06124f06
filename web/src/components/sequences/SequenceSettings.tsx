import { useMemo } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import { browserTimeZone, timeZoneOptions } from "../../lib/campaigns";
import { errorUnder, type SettingsDraft } from "../../lib/drips";
import type { SegmentView } from "../../lib/api";
import type { Channel } from "../../lib/types";
import { channelShortName } from "../../lib/useChannels";
import { Checkbox, fieldClass, inputClass, Labeled } from "../ui";

/**
 * A sequence's own settings: its name and number, its time zone (for
 * contacts without one), when a contact leaves early (a reply, a tag, a
 * field's value), the tag or segment that enrols contacts, and whether
 * they may go through it again.
 */
export function SequenceSettings({
  value,
  onChange,
  channels,
  segments,
  errors,
}: {
  value: SettingsDraft;
  onChange: (s: SettingsDraft) => void;
  channels: readonly Channel[] | null;
  /** The account's segments to enrol from (null while loading). */
  segments: readonly Pick<SegmentView, "id" | "name">[] | null;
  /** Refusals by field path (the sequence's own fields). */
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  const set = (patch: Partial<SettingsDraft>) => onChange({ ...value, ...patch });
  const zones = useMemo(() => timeZoneOptions([browserTimeZone(), value.timezone]), [value.timezone]);
  return (
    <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="sequence-settings">
      <div className="grid gap-3 sm:grid-cols-2">
        <Labeled label={t("sequences.field.name")} error={errors.name}>
          {(id, described) => (
            <input id={id} className={inputClass} value={value.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} data-testid="sequence-name" placeholder={t("sequences.field.namePlaceholder")} {...described} />
          )}
        </Labeled>
        <Labeled label={t("sequences.field.channel")} error={errors.channel_id}>
          {(id, described) => (
            <select id={id} className={inputClass} value={value.channelId} onChange={(e) => set({ channelId: e.target.value })} data-testid="sequence-channel" disabled={channels === null} {...described}>
              {channels === null && <option value="">{t("common.loading")}</option>}
              {channels?.map((c) => (
                <option key={c.id} value={c.id}>
                  {channelShortName(c)}
                </option>
              ))}
            </select>
          )}
        </Labeled>
        <Labeled label={t("sequences.field.timezone")} hint={t("sequences.field.timezoneHint")} error={errors.timezone}>
          {(id, described) => (
            <select id={id} className={inputClass} value={value.timezone} onChange={(e) => set({ timezone: e.target.value })} data-testid="sequence-timezone" {...described}>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          )}
        </Labeled>
        <Labeled label={t("sequences.field.enrollOnTag")} hint={t("sequences.field.enrollOnTagHint")} error={errors.enroll_on_tag}>
          {(id, described) => (
            <input id={id} className={inputClass} value={value.enrollOnTag} placeholder="lead" onChange={(e) => set({ enrollOnTag: e.target.value })} data-testid="sequence-enroll-tag" {...described} />
          )}
        </Labeled>
        <Labeled label={t("sequences.field.enrollSegment")} hint={t("sequences.field.enrollSegmentHint")} error={errors.enroll_segment_id}>
          {(id, described) => (
            <select id={id} className={inputClass} value={value.enrollSegmentId} onChange={(e) => set({ enrollSegmentId: e.target.value })} data-testid="sequence-enroll-segment" {...described}>
              <option value="">{segments === null ? t("common.loading") : t("sequences.field.enrollSegmentNone")}</option>
              {segments?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
              {/* A segment the list does not hold (gone, or the list failed): kept, not silently dropped. */}
              {value.enrollSegmentId && segments !== null && !segments.some((s) => s.id === value.enrollSegmentId) && (
                <option value={value.enrollSegmentId}>{t("sequences.field.enrollSegmentUnknown")}</option>
              )}
            </select>
          )}
        </Labeled>
      </div>

      <fieldset className="space-y-2 border-t border-gray-100 pt-3">
        <legend className="text-xs font-semibold uppercase tracking-wide text-gray-500">{t("sequences.exit.title")}</legend>
        <Checkbox label={t("sequences.exit.onReply")} checked={value.exitOnReply} onChange={(e) => set({ exitOnReply: e.target.checked })} data-testid="sequence-exit-reply" />
        <Labeled label={t("sequences.exit.onTags")} hint={t("sequences.exit.onTagsHint")} error={errorUnder(errors, "exit_on_tags")}>
          {(id, described) => (
            <input id={id} className={inputClass} value={value.exitTags} placeholder="purchased" onChange={(e) => set({ exitTags: e.target.value })} data-testid="sequence-exit-tags" {...described} />
          )}
        </Labeled>
        <Checkbox label={t("sequences.exit.whenOn")} checked={value.exitWhenOn} onChange={(e) => set({ exitWhenOn: e.target.checked })} data-testid="sequence-exit-when-on" />
        {value.exitWhenOn && (
          <div className="flex flex-wrap items-end gap-2">
            <input className={fieldClass} value={value.exitField} placeholder="order_placed" aria-label={t("sequences.condition.fieldLabel")} onChange={(e) => set({ exitField: e.target.value })} data-testid="sequence-exit-field" />
            <span className="pb-1.5 text-sm text-gray-600">=</span>
            <input className={fieldClass} value={value.exitEquals} placeholder="true" aria-label={t("sequences.condition.equalsLabel")} onChange={(e) => set({ exitEquals: e.target.value })} data-testid="sequence-exit-equals" />
          </div>
        )}
        {errorUnder(errors, "exit_when") && <p className="text-xs text-red-700" data-testid="field-error">{errorUnder(errors, "exit_when")}</p>}
        <p className="text-xs text-gray-500">{t("sequences.exit.always")}</p>
      </fieldset>

      <fieldset className="space-y-2 border-t border-gray-100 pt-3">
        <legend className="text-xs font-semibold uppercase tracking-wide text-gray-500">{t("sequences.reentry.title")}</legend>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <label className="inline-flex items-center gap-1.5">
            <input type="radio" name="sequence-reentry" checked={value.reentry === "never"} onChange={() => set({ reentry: "never" })} data-testid="sequence-reentry-never" />
            {t("sequences.reentry.never")}
          </label>
          <label className="inline-flex items-center gap-1.5">
            <input type="radio" name="sequence-reentry" checked={value.reentry === "after_days"} onChange={() => set({ reentry: "after_days" })} data-testid="sequence-reentry-after" />
            {t("sequences.reentry.after")}
          </label>
          {value.reentry === "after_days" && (
            <input
              type="number"
              min={1}
              className={`${fieldClass} w-24`}
              value={value.reentryDays}
              onChange={(e) => set({ reentryDays: e.target.value })}
              aria-label={t("sequences.reentry.days")}
              data-testid="sequence-reentry-days"
            />
          )}
        </div>
        {errorUnder(errors, "reentry") && <p className="text-xs text-red-700" data-testid="field-error">{errorUnder(errors, "reentry")}</p>}
      </fieldset>
    </section>
  );
}
