import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { Badge, Button, ConfirmButton, fieldClass, SelectInput, TextArea, TextInput, useErrorText } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import {
  copyDay,
  DAYS,
  defaultHours,
  defaultZone,
  editable,
  hoursBody,
  hoursProblems,
  isOpenDay,
  MAX_SPANS,
  scheduleFor,
  setDayOpen,
  setDaySpans,
  TIME_ZONES,
  type Day,
  type Hours,
  type HoursProblem,
  type Span,
} from "../lib/businessHours";
import type { HoursView } from "../lib/apiTypes";
import type { Team } from "../lib/teams";
import type { Page } from "../lib/types";

const ACCOUNT = "";
const ZONE_LIST_ID = "business-hours-zones";

function OpenBadge({ open }: { open: boolean | null | undefined }) {
  const { t } = useI18n();
  if (open === undefined) return null;
  return (
    <span data-testid="hours-open-now" data-open={open === null ? "" : String(open)}>
      <Badge tone={open === null ? "gray" : open ? "green" : "red"}>{open === null ? t("hours.unknownNow") : open ? t("hours.openNow") : t("hours.closedNow")}</Badge>
    </span>
  );
}

function DayRow({ day, spans, problems, onChange, onOpen, onCopy }: { day: Day; spans: Span[]; problems: HoursProblem[]; onChange: (spans: Span[]) => void; onOpen: (open: boolean) => void; onCopy: () => void }) {
  const { t } = useI18n();
  const open = spans.length > 0;
  const bad = (i: number) => problems.find((p) => p.kind === "span" && p.day === day && p.index === i);
  const setSpan = (i: number, at: 0 | 1, value: string) => onChange(spans.map((s, j) => (j === i ? (at === 0 ? [value, s[1]] : [s[0], value]) : s)));
  return (
    <div className="flex flex-wrap items-start gap-3 border-t border-gray-100 py-2 first:border-t-0" data-testid="hours-day" data-day={day} data-open={String(open)}>
      <label className="flex w-32 shrink-0 cursor-pointer items-center gap-2 pt-1.5 text-sm font-medium">
        <input type="checkbox" className="h-4 w-4 accent-brand-600" checked={open} onChange={(e) => onOpen(e.target.checked)} data-testid="hours-day-open" />
        {t(`hours.day.${day}`)}
      </label>
      <div className="min-w-0 flex-1 space-y-1.5">
        {!open && <p className="pt-1.5 text-sm text-gray-500">{t("hours.closed")}</p>}
        {spans.map((s, i) => {
          const problem = bad(i);
          return (
            <div key={i} className="flex flex-wrap items-center gap-1.5" data-testid="hours-span">
              <input
                aria-label={t("hours.from")}
                value={s[0]}
                onChange={(e) => setSpan(i, 0, e.target.value)}
                placeholder="09:00"
                maxLength={5}
                inputMode="numeric"
                className={`${fieldClass} w-20 ${problem ? "border-red-400" : ""}`}
                data-testid="hours-span-from"
              />
              <span className="text-gray-500">–</span>
              <input
                aria-label={t("hours.to")}
                value={s[1]}
                onChange={(e) => setSpan(i, 1, e.target.value)}
                placeholder="18:00"
                maxLength={5}
                inputMode="numeric"
                className={`${fieldClass} w-20 ${problem ? "border-red-400" : ""}`}
                data-testid="hours-span-to"
              />
              <button
                type="button"
                className="rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700"
                onClick={() => onChange(spans.filter((_, j) => j !== i))}
                aria-label={t("hours.removeSpan")}
                title={t("hours.removeSpan")}
                data-testid="hours-span-remove"
              >
                ✕
              </button>
              {problem && problem.kind === "span" && <span className="text-xs text-red-700">{t(`hours.problem.${problem.problem}`)}</span>}
            </div>
          );
        })}
      </div>
      <div className="flex shrink-0 gap-2 pt-1 text-xs">
        {open && spans.length < MAX_SPANS && (
          <button type="button" className="font-medium text-brand-700 hover:underline" onClick={() => onChange([...spans, ["", ""]])} data-testid="hours-span-add">
            + {t("hours.addSpan")}
          </button>
        )}
        {open && (
          <button type="button" className="text-gray-600 hover:underline" onClick={onCopy} data-testid="hours-day-copy">
            {t("hours.copyToOpen")}
          </button>
        )}
      </div>
    </div>
  );
}

function problemText(p: HoursProblem, t: ReturnType<typeof useI18n>["t"]): string | null {
  switch (p.kind) {
    case "zone":
      return t("hours.problem.zone");
    case "span":
      return null;
    case "holiday":
      return t("hours.problem.holiday", { n: p.index + 1 });
    case "tooManyHolidays":
      return t("hours.problem.tooManyHolidays");
    case "awayMessage":
      return t("hours.problem.awayMessage");
    case "awayEvery":
      return t("hours.problem.awayEvery");
  }
}

function ScheduleForm({ initial, saved, onSaved, onRemoved }: { initial: HoursView; saved: Hours | null; onSaved: () => void; onRemoved: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [h, setH] = useState<HoursView>(() => editable(initial));
  const [every, setEvery] = useState(String(initial.away_every_hours || 24));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const set = (patch: Partial<HoursView>) => {
    setDone(false);
    setH((prev) => ({ ...prev, ...patch }));
  };
  const problems = hoursProblems(h, every);
  const shown = tried ? problems : [];
  const openDays = DAYS.filter((d) => isOpenDay(h.weekly, d));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    try {
      await api.put<HoursView>("/business-hours", hoursBody(h, every));
      setDone(true);
      onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setError(null);
    try {
      await api.delete(`/business-hours/${encodeURIComponent(h.team_id ?? "default")}`);
      onRemoved();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const messages = shown.map((p) => problemText(p, t)).filter((x): x is string => !!x);
  return (
    <form onSubmit={submit} className="space-y-4" data-testid="hours-form" noValidate>
      <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4">
        <div className="max-w-sm">
          <TextInput
            label={t("hours.timeZone")}
            hint={t("hours.timeZoneHint")}
            list={ZONE_LIST_ID}
            value={h.time_zone}
            onChange={(e) => set({ time_zone: e.target.value })}
            spellCheck={false}
            autoComplete="off"
            data-testid="hours-zone"
          />
          <datalist id={ZONE_LIST_ID}>
            {TIME_ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
        <div>
          <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-semibold">{t("hours.weekly")}</h3>
            <div className="flex gap-3 text-xs">
              <button type="button" className="text-gray-600 hover:underline" onClick={() => set({ weekly: {} })} data-testid="hours-close-all">
                {t("hours.closeAll")}
              </button>
              <button type="button" className="text-gray-600 hover:underline" onClick={() => set({ weekly: Object.fromEntries(DAYS.map((d) => [d, [["00:00", "24:00"]]])) })} data-testid="hours-open-all">
                {t("hours.openAll")}
              </button>
            </div>
          </div>
          <p className="mb-2 text-xs text-gray-500">{t("hours.weeklyHint")}</p>
          <div data-testid="hours-week">
            {DAYS.map((day) => (
              <DayRow
                key={day}
                day={day}
                spans={h.weekly[day] ?? []}
                problems={shown}
                onOpen={(open) => set({ weekly: setDayOpen(h.weekly, day, open) })}
                onChange={(spans) => set({ weekly: setDaySpans(h.weekly, day, spans) })}
                onCopy={() => set({ weekly: copyDay(h.weekly, day, openDays) })}
              />
            ))}
          </div>
        </div>
      </section>

      <section className="space-y-2 rounded-xl border border-gray-200 bg-white p-4" data-testid="hours-holidays">
        <h3 className="text-sm font-semibold">{t("hours.holidays")}</h3>
        <p className="text-xs text-gray-500">{t("hours.holidaysHint")}</p>
        {h.holidays.length === 0 && <p className="text-sm text-gray-500">{t("hours.noHolidays")}</p>}
        {h.holidays.map((x, i) => (
          <div key={i} className="flex flex-wrap items-center gap-2" data-testid="hours-holiday">
            <input
              type="date"
              aria-label={t("hours.holidayDate")}
              value={x.date}
              onChange={(e) => set({ holidays: h.holidays.map((y, j) => (j === i ? { ...y, date: e.target.value } : y)) })}
              className={`${fieldClass} w-44 ${shown.some((p) => p.kind === "holiday" && p.index === i) ? "border-red-400" : ""}`}
              data-testid="hours-holiday-date"
            />
            <input
              aria-label={t("hours.holidayName")}
              placeholder={t("hours.holidayName")}
              value={x.name ?? ""}
              maxLength={100}
              onChange={(e) => set({ holidays: h.holidays.map((y, j) => (j === i ? { ...y, name: e.target.value } : y)) })}
              className={`${fieldClass} min-w-40 flex-1`}
              data-testid="hours-holiday-name"
            />
            <button
              type="button"
              className="rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700"
              onClick={() => set({ holidays: h.holidays.filter((_, j) => j !== i) })}
              aria-label={t("hours.removeHoliday")}
              data-testid="hours-holiday-remove"
            >
              ✕
            </button>
          </div>
        ))}
        <button type="button" className="text-xs font-medium text-brand-700 hover:underline" onClick={() => set({ holidays: [...h.holidays, { date: "", name: "" }] })} data-testid="hours-holiday-add">
          + {t("hours.addHoliday")}
        </button>
      </section>

      <section className="space-y-3 rounded-xl border border-gray-200 bg-white p-4" data-testid="hours-away">
        <h3 className="text-sm font-semibold">{t("hours.away")}</h3>
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="checkbox" className="h-4 w-4 accent-brand-600" checked={h.away_enabled} onChange={(e) => set({ away_enabled: e.target.checked })} data-testid="hours-away-enabled" />
          {t("hours.awayEnabled")}
        </label>
        <TextArea
          label={t("hours.awayMessage")}
          hint={t("hours.awayHint")}
          rows={3}
          maxLength={4096}
          value={h.away_message ?? ""}
          onChange={(e) => set({ away_message: e.target.value })}
          placeholder={t("hours.awayPlaceholder")}
          data-testid="hours-away-message"
        />
        <TextInput
          label={t("hours.awayEvery")}
          hint={t("hours.awayEveryHint")}
          inputMode="numeric"
          value={every}
          onChange={(e) => {
            setDone(false);
            setEvery(e.target.value);
          }}
          className="max-w-xs"
          data-testid="hours-away-every"
        />
      </section>

      {messages.length > 0 && (
        <ul role="alert" className="list-disc space-y-0.5 rounded-lg border border-red-200 bg-red-50 py-2 pl-8 pr-3 text-sm text-red-700" data-testid="hours-problems">
          {messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {shown.some((p) => p.kind === "span") && messages.length === 0 && (
        <p role="alert" className="text-sm text-red-700" data-testid="hours-problems">
          {t("hours.problem.spans")}
        </p>
      )}
      <ErrorText testId="hours-error">{error}</ErrorText>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          {saved && (
            <ConfirmButton
              label={h.team_id ? t("hours.removeTeam") : t("hours.removeAccount")}
              confirmLabel={t("common.confirmDelete")}
              onConfirm={remove}
              testId="hours-remove"
            />
          )}
        </div>
        <div className="flex items-center gap-2">
          {done && (
            <span role="status" className="text-sm text-green-700" data-testid="hours-saved">
              {t("hours.saved")}
            </span>
          )}
          <Button type="submit" disabled={busy} data-testid="hours-save">
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </div>
    </form>
  );
}

export function BusinessHoursPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [list, setList] = useState<Hours[] | null>(null);
  const [teams, setTeams] = useState<Team[]>([]);
  const [scope, setScope] = useState<string>(ACCOUNT);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Bumped to start the form afresh from the saved schedule. */
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    setError(null);
    try {
      const page = await api.get<{ data: Hours[] }>("/business-hours");
      setList(Array.isArray(page?.data) ? page.data : []);
    } catch (e) {
      setError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
    api
      .get<Page<Team>>("/teams")
      .then((p) => setTeams([...(p?.data ?? [])].sort((a, b) => a.name.localeCompare(b.name))))
      .catch(() => setTeams([]));
  }, [api, load]);

  const teamId = scope === ACCOUNT ? null : scope;
  const saved = list ? scheduleFor(list, teamId) : null;
  const account = list ? scheduleFor(list, null) : null;
  const teamName = teams.find((x) => x.id === scope)?.name ?? "";

  let initial: HoursView | null = saved;
  if (!initial && teamId === null) initial = defaultHours(null, defaultZone());
  // A team's own hours start as a copy of the account's.
  if (!initial && teamId !== null && starting) initial = account ? { ...editable(account), team_id: teamId } : defaultHours(teamId, defaultZone());

  return (
    <div className="space-y-4" data-testid="settings-business-hours">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.businessHours")}</h2>
          <p className="text-sm text-gray-600">{t("hours.intro")}</p>
        </div>
        {saved && <OpenBadge open={saved.open_now} />}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <SelectInput
          label={t("hours.scope")}
          value={scope}
          onChange={(e) => {
            setScope(e.target.value);
            setStarting(false);
            setGeneration((g) => g + 1);
          }}
          options={[{ value: ACCOUNT, label: t("hours.scopeAccount") }, ...teams.map((x) => ({ value: x.id, label: t("hours.scopeTeam", { name: x.name }) }))]}
          className="w-72"
          data-testid="hours-scope"
        />
        {teamId !== null && <p className="pb-2 text-xs text-gray-500">{saved ? t("hours.teamOwn") : t("hours.teamFollows")}</p>}
      </div>
      <ErrorText testId="hours-load-error">{error}</ErrorText>
      {list === null && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {list !== null && teamId === null && !saved && (
        <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="hours-none">
          {t("hours.none")}
        </p>
      )}
      {list !== null && teamId !== null && !saved && !starting && (
        <div className="rounded-xl border border-dashed border-gray-300 p-6 text-center text-sm text-gray-600" data-testid="hours-team-follows">
          <p>{t("hours.teamFollowsLong", { name: teamName })}</p>
          <Button className="mt-3" onClick={() => setStarting(true)} data-testid="hours-team-start">
            {t("hours.teamStart")}
          </Button>
        </div>
      )}
      {list !== null && initial && (
        <ScheduleForm
          key={`${scope}:${generation}`}
          initial={initial}
          saved={saved}
          onSaved={() => void load()}
          onRemoved={() => {
            setStarting(false);
            setGeneration((g) => g + 1);
            void load();
          }}
        />
      )}
    </div>
  );
}
