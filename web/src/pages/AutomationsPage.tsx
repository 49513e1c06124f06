import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorText } from "../components/Field";
import { SequencePicker } from "../components/sequences/SequencePicker";
import { Badge, Button, ConfirmButton, fieldClass, inputClass, Modal, SelectInput, TextInput, useErrorText, type Tone } from "../components/ui";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/translate";
import {
  ACTION_TYPES,
  CONDITION_FIELDS,
  CUSTOM_FIELD,
  emptyRule,
  MAX_ACTIONS,
  moveItem,
  newAction,
  newCondition,
  nextPosition,
  NO_VALUE_OPS,
  OPERATORS,
  PRIORITIES,
  reorderRules,
  RULE_EVENTS,
  ruleBody,
  ruleDraft,
  ruleProblems,
  runOutcome,
  savedRuleBody,
  sortRules,
  STATUSES,
  TIMED_EVENT,
  upsertRule,
  type ActionDraft,
  type ActionType,
  type Catalog,
  type ConditionDraft,
  type Rule,
  type RuleDraft,
  type RuleProblem,
  type RunLog,
} from "../lib/automations";
import type { Team } from "../lib/teams";
import type { DripView, Flow, Page, Template, User } from "../lib/types";
import { usePaged } from "../lib/usePaged";

const LOG_PAGE = 20;
const LOG_POLL_MS = 5_000;

const knownEvent = (e: string) => (RULE_EVENTS as readonly string[]).includes(e);
const knownField = (f: string) => (CONDITION_FIELDS as readonly string[]).includes(f);
const knownOp = (o: string) => (OPERATORS as readonly string[]).includes(o);

/** The words for an event (as written when this version does not know it). */
function useEventLabel() {
  const { t } = useI18n();
  return (event: string) => (knownEvent(event) ? t(`automations.event.${event}` as MessageKey) : event);
}

/** What the editor picks from: people, teams, approved templates and flows (loaded when it opens). */
interface Choices {
  users: User[];
  teams: Team[];
  templates: Template[];
  flows: Flow[];
  /** Drip sequences (enroll_in_sequence). */
  sequences: DripView[];
}

function useChoices(open: boolean): Choices | null {
  const { api } = useAuth();
  const [choices, setChoices] = useState<Choices | null>(null);
  useEffect(() => {
    if (!open || choices) return;
    let live = true;
    const list = <T,>(path: string, query: Record<string, number | string> = { limit: 100 }) =>
      api
        .get<Page<T>>(path, query)
        .then((p) => (Array.isArray(p?.data) ? p.data : []))
        .catch(() => [] as T[]);
    void Promise.all([
      list<User>("/users"),
      list<Team>("/teams", {}),
      list<Template>("/templates"),
      list<Flow>("/flows", { limit: 50 }),
      list<DripView>("/campaigns", { type: "drip" }),
    ]).then(
      ([users, teams, templates, flows, sequences]) => {
        if (!live) return;
        setChoices({
          users: [...users].sort((a, b) => a.name.localeCompare(b.name)),
          teams: [...teams].sort((a, b) => a.name.localeCompare(b.name)),
          templates: templates.filter((x) => x.status.toUpperCase() === "APPROVED"),
          flows,
          sequences: sequences.filter((d) => d.type === "drip"),
        });
      },
    );
    return () => {
      live = false;
    };
  }, [api, open, choices]);
  return choices;
}

function RowButtons({ onUp, onDown, onRemove, first, last, testId }: { onUp: () => void; onDown: () => void; onRemove: () => void; first: boolean; last: boolean; testId: string }) {
  const { t } = useI18n();
  const small = "rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-gray-100 disabled:text-gray-300";
  return (
    <div className="flex shrink-0 items-center">
      <button type="button" className={small} onClick={onUp} disabled={first} aria-label={t("automations.moveUp")} title={t("automations.moveUp")} data-testid={`${testId}-up`}>
        ↑
      </button>
      <button type="button" className={small} onClick={onDown} disabled={last} aria-label={t("automations.moveDown")} title={t("automations.moveDown")} data-testid={`${testId}-down`}>
        ↓
      </button>
      <button
        type="button"
        className="rounded-md px-1.5 py-1 text-xs text-gray-500 hover:bg-red-50 hover:text-red-700"
        onClick={onRemove}
        aria-label={t("automations.remove")}
        title={t("automations.remove")}
        data-testid={`${testId}-remove`}
      >
        ✕
      </button>
    </div>
  );
}

function ConditionRow({
  condition: c,
  group,
  index,
  count,
  invalid,
  onChange,
  onMove,
  onRemove,
}: {
  condition: ConditionDraft;
  group: "all" | "any";
  index: number;
  count: number;
  invalid: boolean;
  onChange: (c: ConditionDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const custom = !knownField(c.field) && c.field.startsWith("contact.");
  const choice = custom ? CUSTOM_FIELD : c.field || "message.text";
  const noValue = NO_VALUE_OPS.includes(c.op);
  const hint =
    c.op === "in"
      ? t("automations.valueList")
      : c.field === "business_hours"
        ? t("automations.valueHours")
        : c.op === "gt" || c.op === "lt"
          ? t("automations.valueNumber")
          : c.op === "regex"
            ? t("automations.valueRegex")
            : t("automations.value");
  return (
    <div className={`flex flex-wrap items-center gap-1.5 rounded-md p-1.5 ${invalid ? "bg-red-50" : "bg-gray-50"}`} data-testid="automation-condition" data-group={group} data-index={index}>
      <select
        aria-label={t("automations.field")}
        value={choice}
        onChange={(e) => onChange({ ...c, field: e.target.value === CUSTOM_FIELD ? "contact." : e.target.value })}
        className={`${fieldClass} w-44`}
        data-testid="automation-condition-field"
      >
        {CONDITION_FIELDS.map((f) => (
          <option key={f} value={f}>
            {t(`automations.field.${f}` as MessageKey)}
          </option>
        ))}
        <option value={CUSTOM_FIELD}>{t("automations.field.custom")}</option>
        {!knownField(choice) && choice !== CUSTOM_FIELD && <option value={choice}>{choice}</option>}
      </select>
      {custom && (
        <input
          aria-label={t("automations.customKey")}
          placeholder={t("automations.customKey")}
          value={c.field.slice("contact.".length)}
          onChange={(e) => onChange({ ...c, field: `contact.${e.target.value.trim()}` })}
          className={`${fieldClass} w-28`}
          data-testid="automation-condition-custom"
        />
      )}
      <select aria-label={t("automations.operator")} value={c.op} onChange={(e) => onChange({ ...c, op: e.target.value })} className={`${fieldClass} w-36`} data-testid="automation-condition-op">
        {OPERATORS.map((o) => (
          <option key={o} value={o}>
            {t(`automations.op.${o}`)}
          </option>
        ))}
        {!knownOp(c.op) && <option value={c.op}>{c.op}</option>}
      </select>
      {!noValue && (
        <input
          aria-label={hint}
          placeholder={hint}
          value={c.value}
          inputMode={c.op === "gt" || c.op === "lt" ? "decimal" : undefined}
          onChange={(e) => onChange({ ...c, value: e.target.value })}
          className={`${fieldClass} min-w-32 flex-1`}
          data-testid="automation-condition-value"
        />
      )}
      <RowButtons onUp={() => onMove(-1)} onDown={() => onMove(1)} onRemove={onRemove} first={index === 0} last={index === count - 1} testId="automation-condition" />
    </div>
  );
}

function ConditionGroup({
  group,
  rows,
  problems,
  onChange,
}: {
  group: "all" | "any";
  rows: ConditionDraft[];
  problems: RuleProblem[];
  onChange: (rows: ConditionDraft[]) => void;
}) {
  const { t } = useI18n();
  const bad = (i: number) => problems.some((p) => "group" in p && p.group === group && p.index === i);
  return (
    <fieldset className="space-y-1.5 rounded-lg border border-gray-200 p-3" data-testid={`automation-group-${group}`}>
      <legend className="px-1 text-sm font-medium">{group === "all" ? t("automations.all") : t("automations.any")}</legend>
      {rows.length === 0 && <p className="text-xs text-gray-500">{group === "all" ? t("automations.allNone") : t("automations.anyNone")}</p>}
      {rows.map((c, i) => (
        <ConditionRow
          key={i}
          condition={c}
          group={group}
          index={i}
          count={rows.length}
          invalid={bad(i)}
          onChange={(next) => onChange(rows.map((x, j) => (j === i ? next : x)))}
          onMove={(by) => onChange(moveItem(rows, i, by))}
          onRemove={() => onChange(rows.filter((_, j) => j !== i))}
        />
      ))}
      <button type="button" className="text-xs font-medium text-brand-700 hover:underline" onClick={() => onChange([...rows, newCondition()])} data-testid={`automation-add-${group}`}>
        + {t("automations.addCondition")}
      </button>
    </fieldset>
  );
}

function Small({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <label className="block min-w-0 flex-1 text-xs text-gray-600" htmlFor={id}>
      <span className="mb-0.5 block">{label}</span>
      {children(id)}
    </label>
  );
}

function ActionFields({ action: a, choices, onChange }: { action: ActionDraft; choices: Choices | null; onChange: (a: ActionDraft) => void }) {
  const { t } = useI18n();
  const set = (patch: Partial<ActionDraft>) => onChange({ ...a, ...patch });
  const loading = <p className="text-xs text-gray-500">{t("common.loading")}</p>;
  switch (a.type) {
    case "assign":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label={t("automations.assignTo")}>
            {(id) => (
              <select id={id} value={a.assignTo} onChange={(e) => set({ assignTo: e.target.value as "agent" | "team" })} className={inputClass} data-testid="automation-action-assign-to">
                <option value="agent">{t("automations.assignAgent")}</option>
                <option value="team">{t("automations.assignTeam")}</option>
              </select>
            )}
          </Small>
          {!choices ? (
            loading
          ) : a.assignTo === "agent" ? (
            <Small label={t("automations.agent")}>
              {(id) => (
                <select id={id} value={a.agent_id} onChange={(e) => set({ agent_id: e.target.value })} className={inputClass} data-testid="automation-action-agent">
                  <option value="">{t("automations.choose")}</option>
                  {choices.users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name} · {u.email}
                    </option>
                  ))}
                  {a.agent_id && !choices.users.some((u) => u.id === a.agent_id) && <option value={a.agent_id}>{a.agent_id}</option>}
                </select>
              )}
            </Small>
          ) : (
            <Small label={t("automations.team")}>
              {(id) => (
                <select id={id} value={a.team_id} onChange={(e) => set({ team_id: e.target.value })} className={inputClass} data-testid="automation-action-team">
                  <option value="">{t("automations.choose")}</option>
                  {choices.teams.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name}
                    </option>
                  ))}
                  {a.team_id && !choices.teams.some((x) => x.id === a.team_id) && <option value={a.team_id}>{a.team_id}</option>}
                </select>
              )}
            </Small>
          )}
        </div>
      );
    case "tag":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label={t("automations.tagAdd")}>
            {(id) => <input id={id} value={a.add} onChange={(e) => set({ add: e.target.value })} placeholder="vip, urgent" className={inputClass} data-testid="automation-action-add" />}
          </Small>
          <Small label={t("automations.tagRemove")}>
            {(id) => <input id={id} value={a.remove} onChange={(e) => set({ remove: e.target.value })} className={inputClass} data-testid="automation-action-remove-tags" />}
          </Small>
          <Small label={t("automations.tagTarget")}>
            {(id) => (
              <select id={id} value={a.target} onChange={(e) => set({ target: e.target.value as "conversation" | "contact" })} className={inputClass} data-testid="automation-action-target">
                <option value="conversation">{t("automations.target.conversation")}</option>
                <option value="contact">{t("automations.target.contact")}</option>
              </select>
            )}
          </Small>
        </div>
      );
    case "set_status":
      return (
        <Small label={t("automations.status")}>
          {(id) => (
            <select id={id} value={a.status} onChange={(e) => set({ status: e.target.value })} className={inputClass} data-testid="automation-action-status">
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Small>
      );
    case "set_priority":
      return (
        <Small label={t("automations.priority")}>
          {(id) => (
            <select id={id} value={a.priority} onChange={(e) => set({ priority: e.target.value })} className={inputClass} data-testid="automation-action-priority">
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(`priority.${p}`)}
                </option>
              ))}
            </select>
          )}
        </Small>
      );
    case "send_message":
    case "add_note":
    case "notify":
      return (
        <div className="space-y-2">
          <Small label={a.type === "add_note" ? t("automations.noteText") : t("automations.text")}>
            {(id) => (
              <textarea id={id} rows={2} value={a.text} onChange={(e) => set({ text: e.target.value })} className={`${inputClass} resize-y`} data-testid="automation-action-text" />
            )}
          </Small>
          <p className="text-xs text-gray-500">{t("automations.variablesHint")}</p>
          {a.type === "notify" && (
            <fieldset>
              <legend className="mb-0.5 text-xs text-gray-600">{t("automations.notifyWho")}</legend>
              {!choices ? (
                loading
              ) : (
                <div className="flex flex-wrap gap-x-3 gap-y-1">
                  {choices.users.map((u) => (
                    <label key={u.id} className="inline-flex items-center gap-1 text-sm">
                      <input
                        type="checkbox"
                        className="h-4 w-4 accent-brand-600"
                        checked={a.user_ids.includes(u.id)}
                        onChange={(e) => set({ user_ids: e.target.checked ? [...a.user_ids, u.id] : a.user_ids.filter((x) => x !== u.id) })}
                        data-testid="automation-action-notify-user"
                      />
                      {u.name}
                    </label>
                  ))}
                </div>
              )}
              <p className="mt-0.5 text-xs text-gray-500">{t("automations.notifyDefault")}</p>
            </fieldset>
          )}
        </div>
      );
    case "send_template": {
      const key = a.name ? `${a.name}|${a.language}` : "";
      return (
        <div className="space-y-2">
          {!choices ? (
            loading
          ) : (
            <Small label={t("automations.template")}>
              {(id) => (
                <select
                  id={id}
                  value={key}
                  onChange={(e) => {
                    const [name = "", language = ""] = e.target.value.split("|");
                    set({ name, language });
                  }}
                  className={inputClass}
                  data-testid="automation-action-template"
                >
                  <option value="">{choices.templates.length ? t("automations.choose") : t("automations.noTemplates")}</option>
                  {choices.templates.map((x) => (
                    <option key={x.id} value={`${x.name}|${x.language}`}>
                      {x.name} ({x.language})
                    </option>
                  ))}
                  {key && !choices.templates.some((x) => `${x.name}|${x.language}` === key) && <option value={key}>{`${a.name} (${a.language})`}</option>}
                </select>
              )}
            </Small>
          )}
          <Small label={`${t("automations.components")} (${t("common.optional")})`}>
            {(id) => (
              <textarea
                id={id}
                rows={2}
                value={a.components}
                placeholder='[{"type": "body", "parameters": [{"type": "text", "text": "{{contact.name}}"}]}]'
                onChange={(e) => set({ components: e.target.value })}
                className={`${inputClass} resize-y font-mono text-xs`}
                data-testid="automation-action-components"
              />
            )}
          </Small>
        </div>
      );
    }
    case "start_flow":
      return !choices ? (
        loading
      ) : (
        <Small label={t("automations.flow")}>
          {(id) => (
            <select id={id} value={a.flow_id} onChange={(e) => set({ flow_id: e.target.value })} className={inputClass} data-testid="automation-action-flow">
              <option value="">{choices.flows.length ? t("automations.choose") : t("automations.noFlows")}</option>
              {choices.flows.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} · {t(`flow.status.${f.status}`)}
                </option>
              ))}
              {a.flow_id && !choices.flows.some((f) => f.id === a.flow_id) && <option value={a.flow_id}>{a.flow_id}</option>}
            </select>
          )}
        </Small>
      );
    case "enroll_in_sequence":
      return (
        <SequencePicker
          sequences={choices?.sequences ?? null}
          value={a.campaign_id}
          onChange={(campaign_id) => set({ campaign_id })}
          label={t("automations.sequence")}
          hint={t("automations.sequenceHint")}
          testId="automation-action-sequence"
        />
      );
    case "call_webhook":
      return (
        <Small label={t("automations.url")}>
          {(id) => (
            <input
              id={id}
              type="url"
              value={a.url}
              placeholder="https://example.com/hook"
              onChange={(e) => set({ url: e.target.value })}
              className={inputClass}
              data-testid="automation-action-url"
              spellCheck={false}
            />
          )}
        </Small>
      );
  }
}

function ActionRow({
  action,
  index,
  count,
  invalid,
  choices,
  onChange,
  onMove,
  onRemove,
}: {
  action: ActionDraft;
  index: number;
  count: number;
  invalid: boolean;
  choices: Choices | null;
  onChange: (a: ActionDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  return (
    <li className={`space-y-2 rounded-md border p-2 ${invalid ? "border-red-300 bg-red-50" : "border-gray-200 bg-gray-50"}`} data-testid="automation-action" data-index={index} data-type={action.type}>
      <div className="flex items-center gap-2">
        <span className="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand-600 text-xs font-semibold text-white">{index + 1}</span>
        <select
          aria-label={t("automations.actionType")}
          value={action.type}
          onChange={(e) => onChange({ ...newAction(e.target.value as ActionType) })}
          className={`${fieldClass} flex-1`}
          data-testid="automation-action-type"
        >
          {ACTION_TYPES.map((a) => (
            <option key={a} value={a}>
              {t(`automations.action.${a}`)}
            </option>
          ))}
        </select>
        <RowButtons onUp={() => onMove(-1)} onDown={() => onMove(1)} onRemove={onRemove} first={index === 0} last={index === count - 1} testId="automation-action" />
      </div>
      <ActionFields action={action} choices={choices} onChange={onChange} />
    </li>
  );
}

function problemText(p: RuleProblem, t: ReturnType<typeof useI18n>["t"]): string {
  switch (p.kind) {
    case "name":
      return t("automations.problem.name");
    case "minutes":
      return t("automations.problem.minutes");
    case "noActions":
      return t("automations.problem.noActions");
    case "tooManyActions":
      return t("automations.problem.tooManyActions", { count: MAX_ACTIONS });
    case "tooManyConditions":
      return t("automations.problem.tooManyConditions");
    case "conditionField":
      return t("automations.problem.conditionField", { n: p.index + 1, group: p.group === "all" ? t("automations.all") : t("automations.any") });
    case "conditionValue":
      return t("automations.problem.conditionValue", { n: p.index + 1, group: p.group === "all" ? t("automations.all") : t("automations.any") });
    case "conditionNumber":
      return t("automations.problem.conditionNumber", { n: p.index + 1, group: p.group === "all" ? t("automations.all") : t("automations.any") });
    case "action":
      return t("automations.problem.action", { n: p.index + 1 });
  }
}

function RuleEditor({ rule, position, onSaved, onCancel }: { rule: Rule | null; position: number; onSaved: (r: Rule) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const eventLabel = useEventLabel();
  const [d, setD] = useState<RuleDraft>(() => (rule ? ruleDraft(rule) : emptyRule(position)));
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const choices = useChoices(true);
  const set = (patch: Partial<RuleDraft>) => setD((prev) => ({ ...prev, ...patch }));
  const problems = ruleProblems(d);
  const shown = tried ? problems : [];

  useEffect(() => {
    api
      .get<Catalog>("/automations/catalog")
      .then(setCatalog)
      .catch(() => setCatalog(null));
  }, [api]);

  const description = catalog?.events.find((e) => e.event === d.event)?.description;
  const events = knownEvent(d.event) ? RULE_EVENTS : [d.event, ...RULE_EVENTS];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    try {
      const body = ruleBody(d);
      onSaved(rule ? await api.put<Rule>(`/automations/${encodeURIComponent(rule.id)}`, body) : await api.post<Rule>("/automations", body));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" data-testid="automation-form" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextInput label={t("automations.name")} value={d.name} maxLength={120} onChange={(e) => set({ name: e.target.value })} placeholder={t("automations.namePlaceholder")} data-testid="automation-name" autoComplete="off" />
        <SelectInput
          label={t("automations.when")}
          value={d.event}
          onChange={(e) => set({ event: e.target.value })}
          options={events.map((ev) => ({ value: ev, label: eventLabel(ev) }))}
          hint={description}
          data-testid="automation-event"
        />
      </div>
      {d.event === TIMED_EVENT && (
        <TextInput
          label={t("automations.minutes")}
          hint={t("automations.minutesHint")}
          inputMode="numeric"
          value={d.minutes}
          onChange={(e) => set({ minutes: e.target.value })}
          className="max-w-xs"
          data-testid="automation-minutes"
        />
      )}
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">{t("automations.conditions")}</h3>
        <p className="text-xs text-gray-500">{t("automations.conditionsHelp")}</p>
        <ConditionGroup group="all" rows={d.all} problems={shown} onChange={(all) => set({ all })} />
        <ConditionGroup group="any" rows={d.any} problems={shown} onChange={(any) => set({ any })} />
      </div>
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">{t("automations.actions")}</h3>
        <p className="text-xs text-gray-500">{t("automations.actionsHelp")}</p>
        <ol className="space-y-2" data-testid="automation-actions">
          {d.actions.map((a, i) => (
            <ActionRow
              key={i}
              action={a}
              index={i}
              count={d.actions.length}
              invalid={shown.some((p) => p.kind === "action" && p.index === i)}
              choices={choices}
              onChange={(next) => set({ actions: d.actions.map((x, j) => (j === i ? next : x)) })}
              onMove={(by) => set({ actions: moveItem(d.actions, i, by) })}
              onRemove={() => set({ actions: d.actions.filter((_, j) => j !== i) })}
            />
          ))}
        </ol>
        <button
          type="button"
          disabled={d.actions.length >= MAX_ACTIONS}
          className="text-xs font-medium text-brand-700 hover:underline disabled:text-gray-400"
          onClick={() => set({ actions: [...d.actions, newAction("add_note")] })}
          data-testid="automation-add-action"
        >
          + {t("automations.addAction")}
        </button>
      </div>
      <label className="inline-flex items-center gap-2 text-sm">
        <input type="checkbox" className="h-4 w-4 accent-brand-600" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} data-testid="automation-form-enabled" />
        {t("automations.enabledLabel")}
      </label>
      {shown.length > 0 && (
        <ul role="alert" className="list-disc space-y-0.5 rounded-lg border border-red-200 bg-red-50 py-2 pl-8 pr-3 text-sm text-red-700" data-testid="automation-problems">
          {shown.map((p, i) => (
            <li key={i}>{problemText(p, t)}</li>
          ))}
        </ul>
      )}
      <ErrorText testId="automation-error">{error}</ErrorText>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" disabled={busy} data-testid="automation-submit">
          {busy ? t("common.saving") : rule ? t("common.save") : t("automations.create")}
        </Button>
      </div>
    </form>
  );
}

const OUTCOME_TONE: Record<ReturnType<typeof runOutcome>, Tone> = { ok: "green", failed: "red", skipped: "gray" };

function RuleLog({ rule }: { rule: Rule }) {
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const { api } = useAuth();
  const eventLabel = useEventLabel();
  const f = new Intl.DateTimeFormat(lang.locale, { dateStyle: "medium", timeStyle: "medium" });
  const logs = usePaged<RunLog>(api, `/automations/${encodeURIComponent(rule.id)}/logs`, { limit: LOG_PAGE });
  const reloadRef = useRef(logs.reload);
  reloadRef.current = logs.reload;
  /** Only the first page is read again: older pages loaded by hand stay put. */
  const firstPageOnly = useRef(true);
  firstPageOnly.current = logs.items.length <= LOG_PAGE;
  // New runs show while the log is open.
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible" && firstPageOnly.current) reloadRef.current();
    }, LOG_POLL_MS);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <div className="space-y-2 border-t border-gray-100 pt-3" data-testid="automation-logs">
      <div className="flex items-center justify-between gap-2">
        <h4 className="text-sm font-semibold">{t("automations.log")}</h4>
        <Button variant="secondary" className="px-2 py-1 text-xs" onClick={logs.reload} data-testid="automation-logs-refresh">
          {t("automations.refresh")}
        </Button>
      </div>
      <ErrorText>{logs.error ? errorText(logs.error) : null}</ErrorText>
      {logs.items.length === 0 && !logs.loading && !logs.error && (
        <p className="text-sm text-gray-500" data-testid="automation-logs-empty">
          {t("automations.logEmpty")}
        </p>
      )}
      <ul className="divide-y divide-gray-100">
        {logs.items.map((run) => {
          const outcome = runOutcome(run);
          return (
            <li key={run.id} className="space-y-1 py-2 text-sm" data-testid="automation-run" data-outcome={outcome} data-matched={String(run.matched)} data-conversation-id={run.conversation_id ?? ""}>
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={OUTCOME_TONE[outcome]} testId="automation-run-outcome">
                  {t(`automations.outcome.${outcome}`)}
                </Badge>
                <span className="text-xs text-gray-500">{f.format(new Date(run.at))}</span>
                <span className="text-xs text-gray-600">{eventLabel(run.event_type)}</span>
                {run.conversation_id && (
                  <Link to={`/inbox/${encodeURIComponent(run.conversation_id)}`} className="text-xs font-medium text-brand-700 underline" data-testid="automation-run-conversation">
                    {t("automations.openConversation")}
                  </Link>
                )}
              </div>
              {run.note && <p className="text-xs text-gray-600" data-testid="automation-run-note">{run.note}</p>}
              {run.actions.length > 0 && (
                <ul className="ml-1 space-y-0.5">
                  {run.actions.map((a, i) => (
                    <li key={i} className="flex flex-wrap items-center gap-2 text-xs" data-testid="automation-run-action" data-type={a.type} data-ok={String(a.ok)}>
                      <span aria-hidden="true" className={a.ok ? "text-green-700" : "text-red-700"}>
                        {a.ok ? "✓" : "✕"}
                      </span>
                      <span className="font-medium">{(ACTION_TYPES as readonly string[]).includes(a.type) ? t(`automations.action.${a.type as ActionType}`) : a.type}</span>
                      <span className={a.ok ? "text-gray-600" : "text-red-700"}>{a.ok ? t("automations.actionOk") : t("automations.actionFailed")}</span>
                      {a.detail && <span className="break-words text-gray-500">{a.detail}</span>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      {logs.hasMore && !logs.loading && (
        <Button variant="secondary" className="text-xs" onClick={logs.loadMore} data-testid="automation-logs-more">
          {t("common.loadMore")}
        </Button>
      )}
    </div>
  );
}

/** A short line for each action of a saved rule (the card's summary). */
function actionSummary(a: Record<string, unknown> & { type: string }, t: ReturnType<typeof useI18n>["t"]): string {
  const label = (ACTION_TYPES as readonly string[]).includes(a.type) ? t(`automations.action.${a.type as ActionType}`) : a.type;
  const detail =
    a.type === "set_priority" && typeof a.priority === "string" && (PRIORITIES as readonly string[]).includes(a.priority)
      ? t(`priority.${a.priority as (typeof PRIORITIES)[number]}`)
      : a.type === "set_status" && typeof a.status === "string" && (STATUSES as readonly string[]).includes(a.status)
        ? t(`status.${a.status as (typeof STATUSES)[number]}`)
        : a.type === "tag" && Array.isArray(a.add) && a.add.length
          ? `+${(a.add as string[]).join(", +")}`
          : "";
  return detail ? `${label}: ${detail}` : label;
}

function RuleCard({
  rule,
  index,
  count,
  busy,
  onToggle,
  onMove,
  onEdit,
  onDelete,
}: {
  rule: Rule;
  index: number;
  count: number;
  busy: boolean;
  onToggle: (enabled: boolean) => void;
  onMove: (by: number) => void;
  onEdit: () => void;
  onDelete: () => Promise<void>;
}) {
  const { t } = useI18n();
  const eventLabel = useEventLabel();
  const [showLog, setShowLog] = useState(false);
  const conditions = (rule.conditions?.all?.length ?? 0) + (rule.conditions?.any?.length ?? 0);
  return (
    <li className="space-y-2 rounded-xl border border-gray-200 bg-white p-4" data-testid="automation-card" data-rule-id={rule.id} data-enabled={String(rule.enabled)} data-position={rule.position}>
      <div className="flex flex-wrap items-start gap-3">
        <div className="flex flex-col">
          <button type="button" className="rounded px-1 text-gray-500 hover:bg-gray-100 disabled:text-gray-300" disabled={index === 0 || busy} onClick={() => onMove(-1)} aria-label={t("automations.moveUp")} data-testid="automation-up">
            ▲
          </button>
          <button type="button" className="rounded px-1 text-gray-500 hover:bg-gray-100 disabled:text-gray-300" disabled={index === count - 1 || busy} onClick={() => onMove(1)} aria-label={t("automations.moveDown")} data-testid="automation-down">
            ▼
          </button>
        </div>
        <div className="min-w-0 flex-1">
          <h3 className="font-semibold text-gray-900" data-testid="automation-card-name">
            <span className="mr-1 text-xs text-gray-400">#{index + 1}</span>
            {rule.name}
          </h3>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-gray-600">
            <Badge tone="brand" testId="automation-card-event">
              {eventLabel(rule.event)}
              {rule.minutes ? ` · ${t("automations.afterMinutes", { count: rule.minutes })}` : ""}
            </Badge>
            <span>{t("automations.conditionCount", { count: conditions })}</span>
            <span>→ {rule.actions.map((a) => actionSummary(a, t)).join(" → ")}</span>
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-1">
          <label className="mr-2 inline-flex cursor-pointer items-center gap-1.5 text-sm">
            <input type="checkbox" role="switch" className="h-4 w-4 accent-brand-600" checked={rule.enabled} disabled={busy} onChange={(e) => onToggle(e.target.checked)} data-testid="automation-enabled" />
            {rule.enabled ? t("automations.on") : t("automations.off")}
          </label>
          <Button variant="secondary" className="px-2 py-1" onClick={() => setShowLog((v) => !v)} aria-expanded={showLog} data-testid="automation-logs-toggle">
            {showLog ? t("automations.hideLog") : t("automations.showLog")}
          </Button>
          <Button variant="secondary" className="px-2 py-1" onClick={onEdit} data-testid="automation-edit">
            {t("common.edit")}
          </Button>
          <ConfirmButton label={t("common.delete")} confirmLabel={t("common.confirmDelete")} onConfirm={onDelete} testId="automation-delete" />
        </div>
      </div>
      {showLog && <RuleLog rule={rule} />}
    </li>
  );
}

export function AutomationsPage() {
  const { t } = useI18n();
  const { api } = useAuth();
  const errorText = useErrorText();
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Rule | "new" | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      const page = await api.get<Page<Rule>>("/automations");
      setRules(sortRules(page.data));
    } catch (e) {
      setError(errorText(e));
    }
    // errorText is new every render; the request depends only on the client.
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  async function toggle(rule: Rule, enabled: boolean) {
    setBusy(true);
    setError(null);
    // The switch moves at once; back if the server refuses.
    setRules((list) => upsertRule(list ?? [], { ...rule, enabled }));
    try {
      const saved = await api.put<Rule>(`/automations/${encodeURIComponent(rule.id)}`, savedRuleBody(rule, { enabled }));
      setRules((list) => upsertRule(list ?? [], saved));
    } catch (e) {
      setRules((list) => upsertRule(list ?? [], rule));
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function move(index: number, by: number) {
    if (!rules) return;
    const { order, changed } = reorderRules(rules, index, by);
    setRules(order);
    setBusy(true);
    setError(null);
    try {
      for (const r of changed) await api.put<Rule>(`/automations/${encodeURIComponent(r.id)}`, savedRuleBody(r));
    } catch (e) {
      setError(errorText(e));
      void load();
    } finally {
      setBusy(false);
    }
  }

  async function remove(rule: Rule) {
    setError(null);
    try {
      await api.delete(`/automations/${encodeURIComponent(rule.id)}`);
      setRules((list) => (list ?? []).filter((r) => r.id !== rule.id));
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="space-y-4" data-testid="settings-automations">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 className="text-lg font-semibold">{t("settings.automations")}</h2>
          <p className="text-sm text-gray-600">{t("automations.intro")}</p>
        </div>
        <Button onClick={() => setEditing("new")} data-testid="automation-add">
          {t("automations.add")}
        </Button>
      </div>
      <p className="rounded-lg bg-gray-50 px-3 py-2 text-xs text-gray-600" data-testid="automations-loop-help">
        {t("automations.loopHelp")}
      </p>
      <ErrorText testId="automations-error">{error}</ErrorText>
      {rules === null && !error && <p className="text-sm text-gray-500">{t("common.loading")}</p>}
      {rules?.length === 0 && (
        <p className="rounded-xl border border-dashed border-gray-300 p-6 text-center text-sm text-gray-500" data-testid="automations-empty">
          {t("automations.empty")}
        </p>
      )}
      <ol className="space-y-3">
        {rules?.map((r, i) => (
          <RuleCard
            key={r.id}
            rule={r}
            index={i}
            count={rules.length}
            busy={busy}
            onToggle={(enabled) => void toggle(r, enabled)}
            onMove={(by) => void move(i, by)}
            onEdit={() => setEditing(r)}
            onDelete={() => remove(r)}
          />
        ))}
      </ol>
      {editing !== null && (
        <Modal title={editing === "new" ? t("automations.addTitle") : t("automations.editTitle")} onClose={() => setEditing(null)} wide testId="automation-dialog">
          <RuleEditor
            rule={editing === "new" ? null : editing}
            position={nextPosition(rules ?? [])}
            onCancel={() => setEditing(null)}
            onSaved={(r) => {
              setRules((list) => upsertRule(list ?? [], r));
              setEditing(null);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
