import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { normalizeTag, selectVisibleConversations, type AssigneeFilter } from "../../lib/inboxStore";
import { NO_TEAM } from "../../lib/teams";
import type { ConversationStatus } from "../../lib/types";
import { useNow } from "../../lib/useNow";
import { Button, ErrorText } from "../Field";
import { channelShortName, useChannels } from "../../lib/useChannels";
import { channelLabel } from "../../lib/startChat";
import { ConversationRow } from "./ConversationRow";
import { InboxListActions } from "./InboxListActions";

const STATUSES: ConversationStatus[] = ["open", "pending", "resolved"];
/** Wait this long after the last keystroke before searching. */
const SEARCH_DEBOUNCE_MS = 300;
const ASSIGNEES: { value: AssigneeFilter; label: "inbox.filter.mine" | "inbox.filter.unassigned" | "inbox.filter.all" }[] = [
  { value: "me", label: "inbox.filter.mine" },
  { value: "unassigned", label: "inbox.filter.unassigned" },
  { value: "all", label: "inbox.filter.all" },
];

const selectClass = "block w-full min-w-0 rounded-md border border-gray-300 bg-white px-2 py-1 text-sm";

/** A list filter with its name above it (never a bare "All"). */
function FilterSelect({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="mb-0.5 block text-[11px] font-medium text-gray-500">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

/** The inbox list: search, filters (status, assignee, number, team, unread, tag) and the rows. */
export function ConversationList({ activeId }: { activeId: string | null }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const inbox = useInbox();
  const now = useNow(60_000);
  const { filter, setFilter } = inbox;
  const conversations = selectVisibleConversations(inbox.state, filter, user?.id ?? null, user?.role !== "agent");
  // The team filter shows once the account has teams (or one is still chosen).
  const teams = inbox.teams ?? [];
  const showTeams = teams.length > 0 || !!filter.team;
  // The numbers: named on each row and filterable once the account has more than one.
  const channelList = useChannels() ?? [];
  const showChannels = channelList.length > 1 || !!filter.channel;
  const channelNames = useMemo(() => Object.fromEntries(channelList.map((c) => [c.id, channelShortName(c)])), [channelList]);
  const assigneeName = (id: string | null): string | null =>
    id === null ? null : id === user?.id ? t("assign.you") : (inbox.users[id]?.name ?? t("conv.assignedOther"));
  const filterRef = useRef(filter);
  filterRef.current = filter;

  // The search box applies itself shortly after typing stops.
  const [search, setSearch] = useState(filter.search ?? "");
  useEffect(() => {
    if (search === (filterRef.current.search ?? "")) return;
    const timer = window.setTimeout(() => {
      if (search !== (filterRef.current.search ?? "")) setFilter({ ...filterRef.current, search });
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [search, setFilter]);

  // The tag filter: typed (or picked from the tags seen so far), applied on Enter or pick.
  const [tagDraft, setTagDraft] = useState("");
  const activeTag = normalizeTag(filter.tag);
  const knownTags = useMemo(() => {
    const set = new Set<string>();
    for (const c of Object.values(inbox.state.conversations)) {
      for (const tag of c.tags ?? []) set.add(tag);
      for (const tag of c.contact.tags ?? []) set.add(tag);
    }
    return [...set].sort();
  }, [inbox.state.conversations]);
  const applyTag = (raw: string) => {
    const tag = normalizeTag(raw);
    setTagDraft("");
    if (tag !== activeTag) setFilter({ ...filterRef.current, tag });
  };
  const onTagKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter" && !e.nativeEvent.isComposing) {
      e.preventDefault();
      if (tagDraft.trim()) applyTag(tagDraft);
    } else if (e.key === "Escape") {
      setTagDraft("");
    }
  };

  return (
    <section className="flex h-full min-h-0 flex-col bg-white" aria-label={t("inbox.title")}>
      <div className="space-y-2 border-b border-gray-200 p-3">
        <InboxListActions />
        <div className="flex items-center gap-2">
          <label className="relative min-w-0 flex-1">
            <span className="sr-only">{t("inbox.search")}</span>
            <svg viewBox="0 0 20 20" className="pointer-events-none absolute left-2.5 top-1/2 h-4 w-4 -translate-y-1/2 text-gray-400" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
              <circle cx="8.5" cy="8.5" r="5.5" />
              <path d="M13 13l4 4" strokeLinecap="round" />
            </svg>
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && search !== (filterRef.current.search ?? "")) setFilter({ ...filterRef.current, search });
              }}
              placeholder={t("inbox.searchPlaceholder")}
              autoComplete="off"
              spellCheck={false}
              data-testid="conversation-search"
              className="block w-full rounded-lg border border-gray-300 bg-white py-1.5 pl-8 pr-2 text-sm outline-none focus:border-brand-500"
            />
          </label>
          {activeTag ? (
            <span
              className="inline-flex max-w-[8rem] shrink-0 items-center gap-1 rounded-full bg-brand-50 py-1 pl-2.5 pr-1 text-sm text-brand-700"
              data-testid="filter-tag-chip"
              data-tag={activeTag}
            >
              <span className="truncate">#{activeTag}</span>
              <button
                type="button"
                onClick={() => applyTag("")}
                className="rounded-full px-1 text-brand-700 hover:bg-brand-100"
                aria-label={t("inbox.filter.tagClear", { tag: activeTag })}
                data-testid="filter-tag-clear"
              >
                ✕
              </button>
            </span>
          ) : (
            <label className="w-28 shrink-0">
              <span className="sr-only">{t("inbox.filter.tag")}</span>
              <input
                value={tagDraft}
                list="inbox-known-tags"
                onChange={(e) => {
                  const v = e.target.value;
                  setTagDraft(v);
                  // Picked from the suggestions: apply at once.
                  const native = e.nativeEvent as InputEvent;
                  if (knownTags.includes(normalizeTag(v)) && (native.inputType === undefined || native.inputType === "insertReplacementText")) {
                    applyTag(v);
                  }
                }}
                onKeyDown={onTagKey}
                placeholder={t("inbox.filter.tagPlaceholder")}
                autoComplete="off"
                spellCheck={false}
                data-testid="filter-tag"
                className="block w-full rounded-lg border border-gray-300 bg-white px-2 py-1.5 text-sm outline-none focus:border-brand-500"
              />
              <datalist id="inbox-known-tags">
                {knownTags.map((tag) => (
                  <option key={tag} value={tag} />
                ))}
              </datalist>
            </label>
          )}
        </div>
        <div role="tablist" aria-label={t("inbox.filter.status")} className="grid grid-cols-3 gap-1 rounded-lg bg-gray-100 p-1">
          {STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={filter.status === s}
              data-testid={`filter-status-${s}`}
              onClick={() => setFilter({ ...filter, status: s })}
              title={t(`status.${s}`)}
              className={`min-w-0 truncate rounded-md px-1.5 py-1 text-sm ${filter.status === s ? "bg-white font-medium text-gray-900 shadow-sm" : "text-gray-600"}`}
            >
              {t(`status.${s}`)}
            </button>
          ))}
        </div>
        <div className="grid grid-cols-2 items-end gap-x-2 gap-y-1.5">
          <FilterSelect label={t("inbox.filter.assignee")}>
            {(id) => (
              <select
                id={id}
                value={filter.assignee}
                data-testid="filter-assignee"
                onChange={(e) => setFilter({ ...filter, assignee: e.target.value as AssigneeFilter })}
                className={selectClass}
              >
                {ASSIGNEES.map((a) => (
                  <option key={a.value} value={a.value}>
                    {t(a.label)}
                  </option>
                ))}
              </select>
            )}
          </FilterSelect>
          {showChannels && (
            <FilterSelect label={t("inbox.filter.channel")}>
              {(id) => (
                <select id={id} value={filter.channel ?? ""} data-testid="filter-channel" onChange={(e) => setFilter({ ...filter, channel: e.target.value })} className={selectClass}>
                  <option value="">{t("inbox.filter.allChannels")}</option>
                  {/* A remembered number while the numbers load (or one since disconnected). */}
                  {filter.channel && !channelList.some((c) => c.id === filter.channel) && <option value={filter.channel}>{t("common.loading")}</option>}
                  {channelList.map((c) => (
                    <option key={c.id} value={c.id}>
                      {channelLabel(c)}
                    </option>
                  ))}
                </select>
              )}
            </FilterSelect>
          )}
          {showTeams && (
            <FilterSelect label={t("inbox.filter.team")}>
              {(id) => (
                <select
                  id={id}
                  value={filter.team ?? ""}
                  data-testid="filter-team"
                  onChange={(e) => setFilter({ ...filter, team: e.target.value })}
                  onFocus={inbox.reloadTeams}
                  className={selectClass}
                >
                  <option value="">{t("inbox.filter.allTeams")}</option>
                  {/* A remembered team while the teams load. */}
                  {filter.team && filter.team !== NO_TEAM && !teams.some((team) => team.id === filter.team) && (
                    <option value={filter.team}>{t("common.loading")}</option>
                  )}
                  {teams.map((team) => (
                    <option key={team.id} value={team.id}>
                      {team.name}
                    </option>
                  ))}
                  <option value={NO_TEAM}>{t("inbox.filter.noTeam")}</option>
                </select>
              )}
            </FilterSelect>
          )}
          <label className="flex items-center gap-1.5 pb-1 text-sm text-gray-600">
            <input
              type="checkbox"
              checked={filter.unreadOnly}
              data-testid="filter-unread"
              onChange={(e) => setFilter({ ...filter, unreadOnly: e.target.checked })}
              className="h-4 w-4 accent-brand-600"
            />
            {t("inbox.filter.unread")}
          </label>
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list">
        <ErrorText>{inbox.listError}</ErrorText>
        {inbox.listError && (
          <div className="p-3">
            <Button variant="secondary" onClick={() => setFilter({ ...filter })}>
              {t("common.retry")}
            </Button>
          </div>
        )}
        <ul>
          {conversations.map((c) => (
            <ConversationRow
              key={c.id}
              conversation={c}
              active={c.id === activeId}
              now={now}
              assignee={assigneeName(c.assignee_id)}
              channel={showChannels ? (channelNames[c.channel_id] ?? null) : null}
            />
          ))}
        </ul>
        {inbox.state.listLoaded && !inbox.listLoading && conversations.length === 0 && !inbox.listError && (
          <p className="p-6 text-center text-sm text-gray-500" data-testid="conversation-list-empty">
            {filter.search?.trim() || activeTag || filter.team || filter.channel ? t("inbox.noMatches") : t("inbox.empty")}
          </p>
        )}
        {inbox.listLoading && <p className="p-4 text-center text-sm text-gray-500">{t("common.loading")}</p>}
        {inbox.state.listCursor && !inbox.listLoading && (
          <div className="p-3 text-center">
            <Button variant="secondary" onClick={inbox.loadMore} data-testid="conversation-list-more">
              {t("common.loadMore")}
            </Button>
          </div>
        )}
      </div>
    </section>
  );
}
