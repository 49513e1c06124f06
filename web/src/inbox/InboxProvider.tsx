import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { useBrand } from "../brand/BrandProvider";
import { useI18n } from "../i18n/I18nProvider";
import { ApiError } from "../lib/api";
import { templateSendComponents } from "../lib/content";
import { describeCode, describeError } from "../lib/errors";
import { normalizeErrors } from "../lib/messages";
import {
  inboxReducer,
  initialInboxState,
  lastSeqOf,
  normalizeTag,
  searchTerm,
  totalUnread,
  type InboxAction,
  type InboxState,
  type ListFilter,
} from "../lib/inboxStore";
import { canCaption, MediaCache, mediaKindOf, mediaMessage, mediaSendData, type UploadedMedia } from "../lib/media";
import { browserSocket, RealtimeClient, wsProtocols, wsUrl, type ConnectionState } from "../lib/realtime";
import { addUsageAlert, parseUsageAlert, type UsageAlertEvent } from "../lib/usage";
import { parseAccountStatus, type AccountStatus } from "../lib/billing";
import type { CampaignProgressEvent, Conversation, ConversationStatus, Message, Note, Page, ServerEvent, Template, User } from "../lib/types";
import { cannedSendSteps, stepBody, type CannedAttachment } from "../lib/cannedReplies";
import { sortTeams, teamQuery, validTeamFilter, type Team } from "../lib/teams";
import { addWebhookAlert, parseWebhookDisabled, type WebhookDisabledAlert } from "../lib/webhooks";
import { addToast, liveToasts, parseServiceToast, type Priority, type ServiceToast } from "../lib/service";
import { previewOf } from "../lib/content";
import {
  loadNotifySettings,
  notifyBody,
  notifyPermission,
  playChime,
  saveNotifySettings,
  shouldNotify,
  tabTitle,
  type NotifyEvent,
  type NotifyPermission,
  type NotifySettings,
} from "../lib/notifications";

const PAGE_SIZE = 50;
const ACK_TIMEOUT_MS = 30_000;
const FILTER_KEY = "whatsflow.inbox.filter";
/** An assignment made from this page is not announced when its frame comes back within this time. */
const SELF_ASSIGN_MS = 10_000;
/** Wait this long after the last inbound message before telling the server it was read. */
const READ_DELAY_MS = 800;

/** A template to send: from the list, or typed in by name when the list is unavailable. */
export interface TemplateChoice {
  name: string;
  language: string;
}

/** A synchronous store around the pure reducer, so socket callbacks always see current state. */
class InboxStore {
  state: InboxState = initialInboxState;
  private listeners = new Set<() => void>();
  dispatch = (action: InboxAction) => {
    const next = inboxReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    this.listeners.forEach((l) => l());
  };
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  };
  get = () => this.state;
}

export type ConversationPatch = { status: ConversationStatus } | { assignee_id: string | null } | { team_id: string | null } | { priority: Priority };

/** A conversation whose events could not be stored and were parked for an operator (admins, `dead_letter`). */
export interface DeadLetterAlert {
  conversationId: string;
  /** The server's description. */
  message: string;
  at: number;
}

/** Alerts kept at most (the newest); one per conversation. */
const MAX_ALERTS = 5;
/** How long an SLA or automation toast stays (unless dismissed). */
const TOAST_MS = 15_000;

export interface Inbox {
  state: InboxState;
  connection: ConnectionState;
  filter: ListFilter;
  setFilter: (f: ListFilter) => void;
  listLoading: boolean;
  listError: string | null;
  loadMore: () => void;
  open: (id: string | null) => void;
  threadError: string | null;
  loadOlder: (id: string) => Promise<void>;
  /** Sends a text over the socket (a bubble at once); `replyTo` is the wamid it answers. */
  sendText: (conversationId: string, body: string, replyTo?: string | null) => void;
  /**
   * Sends any Cloud API message (`{type, [type]: object}`, e.g. interactive)
   * through `POST …/messages`; the stored message joins the thread. Rejects
   * with the text to show when refused.
   */
  sendMessage: (conversationId: string, type: string, object: unknown, replyTo?: string | null) => Promise<void>;
  /** Reacts to a message (by its wamid); an empty emoji takes the reaction back. Rejects with the text to show. */
  sendReaction: (conversationId: string, wamid: string, emoji: string) => Promise<void>;
  /** Adds a private note (never sent to the customer); rejects with the text to show. */
  addNote: (conversationId: string, body: string) => Promise<Note>;
  /**
   * Opens (or finds) the conversation between a number and a contact
   * (`POST /conversations`) and holds it, ready to be opened. Throws the
   * server's refusal.
   */
  startConversation: (contactId: string, phoneNumberId: string) => Promise<Conversation>;
  /** Takes a failed send off the thread and gives back its text, to edit and send again. */
  takeBack: (clientId: string) => string | null;
  retry: (clientId: string) => void;
  /**
   * Sends an unconfirmed message again (`POST …/messages/{id}/resend`): it
   * goes back to pending. If it was confirmed meanwhile (409
   * NOT_UNCONFIRMED) its state is fetched again. Rejects with the text to
   * show for other refusals.
   */
  resend: (conversationId: string, messageId: string) => Promise<void>;
  sendTemplate: (conversationId: string, template: TemplateChoice, values: string[]) => Promise<void>;
  update: (conversationId: string, patch: ConversationPatch) => Promise<void>;
  /** Assigns (a user id) or releases (null); throws the server's refusal (403 for an agent assigning someone else). */
  assign: (conversationId: string, assigneeId: string | null) => Promise<void>;
  /** Moves a conversation to a team (or out of any: null); throws the server's refusal. */
  setTeam: (conversationId: string, teamId: string | null) => Promise<void>;
  /** The account's teams by name (`GET /teams`); null until loaded, empty when there are none (or no teams API). */
  teams: Team[] | null;
  /** Reads the teams again (a picker opens, a team was changed). */
  reloadTeams: () => void;
  /**
   * Sends a canned reply's attachment (by its link) with the words typed:
   * as its caption, or a text first (see cannedSendSteps). Resolves to the
   * server's refusal, if any.
   */
  sendCannedAttachment: (conversationId: string, attachment: CannedAttachment, text: string) => Promise<string | null>;
  /** Adds tags to a conversation; throws the server's refusal. */
  addTags: (conversationId: string, tags: string[]) => Promise<void>;
  removeTag: (conversationId: string, tag: string) => Promise<void>;
  /**
   * Sends a file: a bubble shows at once, the file is uploaded to the
   * conversation's channel, then sent by its media id. Resolves to the
   * server's reason when it refuses the file (unsupported type, too large),
   * else null.
   */
  sendFile: (conversationId: string, file: File, caption: string, replyTo?: string | null) => Promise<string | null>;
  /** Media bytes as blob URLs (images in the thread). */
  media: MediaCache;
  setTyping: (conversationId: string, typing: boolean) => void;
  templates: Template[] | null;
  /** The server has no template list (yet): templates are sent by name. */
  templatesUnavailable: boolean;
  templatesError: string | null;
  /** Loads the template list once (again when `force`). */
  loadTemplates: (force?: boolean) => void;
  users: Record<string, User>;
  /** Fetches the team again (the assignee picker opens). */
  reloadUsers: () => void;
  /** Presence from live `agent:status` frames, for every user (also ones not in `users`). */
  presence: Record<string, string>;
  /** Live notes (`notification` frames) and the ones added here; returns an unsubscribe function. */
  onNote: (listener: (note: Note) => void) => () => void;
  /**
   * Something happened in a conversation (a live `message:new`,
   * `conversation:*` or `notification` frame, e.g. a bot hand-off): for views
   * that read more about it (the bot banner, the activity lines). Returns an
   * unsubscribe function.
   */
  onConversationEvent: (listener: (conversationId: string, event: string) => void) => () => void;
  /** This user's notification settings (desktop, sound). */
  notifySettings: NotifySettings;
  setNotifySettings: (settings: NotifySettings) => void;
  /** The browser's notification permission, as last seen. */
  notifyPermission: NotifyPermission;
  /** Asks the browser for permission (only ever from a click); resolves to the answer. */
  requestNotifyPermission: () => Promise<NotifyPermission>;
  /** Live campaign counts (`campaign:progress`, admins); returns an unsubscribe function. */
  onCampaignProgress: (listener: (progress: CampaignProgressEvent) => void) => () => void;
  notice: string | null;
  dismissNotice: () => void;
  /** Dead-letter alerts (admins), newest first, until dismissed. */
  alerts: DeadLetterAlert[];
  dismissAlert: (conversationId: string) => void;
  /** Webhook endpoints switched off after a day of failures (admins, `webhook_disabled`), newest first, until dismissed. */
  webhookAlerts: WebhookDisabledAlert[];
  dismissWebhookAlert: (endpointId: string) => void;
  /** SLA breaches and automation notices (`sla_breached`, `automation`), newest first, for a few seconds. */
  toasts: ServiceToast[];
  dismissToast: (id: string) => void;
  /** Live `webhook_disabled` alerts (the Webhooks page reads again); returns an unsubscribe function. */
  onWebhookDisabled: (listener: (alert: WebhookDisabledAlert) => void) => () => void;
  /** Plan-limit alerts (`usage:alert`, everyone): one per limit and period, the highest threshold, until dismissed. */
  usageAlerts: UsageAlertEvent[];
  dismissUsageAlert: (alert: UsageAlertEvent) => void;
  /** Live plan-limit alerts (the Usage page reads again); returns an unsubscribe function. */
  onUsageAlert: (listener: (alert: UsageAlertEvent) => void) => () => void;
  /**
   * Billing moved the account (`account:status`, everyone): its new status;
   * null after a reconnect (a frame may have been missed: read it again).
   * Returns an unsubscribe function.
   */
  onAccountStatus: (listener: (status: AccountStatus | null) => void) => () => void;
  /**
   * Reads a conversation and its latest messages again (its contact was
   * erased: no name, emptied messages). Throws the server's refusal.
   */
  refreshConversation: (conversationId: string) => Promise<void>;
}

const InboxContext = createContext<Inbox | null>(null);

function loadFilter(): ListFilter {
  // Search and tag are not remembered: a reload shows the whole list again.
  const fallback: ListFilter = { status: "open", assignee: "all", unreadOnly: false, search: "", tag: "", team: "" };
  try {
    const raw = localStorage.getItem(FILTER_KEY);
    if (!raw) return fallback;
    const f = JSON.parse(raw) as Partial<ListFilter>;
    return {
      status: f.status === "pending" || f.status === "resolved" ? f.status : "open",
      assignee: f.assignee === "me" || f.assignee === "unassigned" ? f.assignee : "all",
      unreadOnly: f.unreadOnly === true,
      search: "",
      tag: "",
      team: typeof f.team === "string" ? f.team : "",
      channel: typeof f.channel === "string" ? f.channel : "",
    };
  } catch {
    return fallback;
  }
}

function newClientId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** A contact's name for a notification: name, else phone, else username. */
function contactName(c: Conversation): string {
  return c.contact.name || c.contact.phone || c.contact.username || "";
}

function isMessage(v: unknown): v is Message {
  return typeof v === "object" && v !== null && "id" in v && "seq" in v && "conversation_id" in v;
}

export function InboxProvider({ children }: { children: ReactNode }) {
  const { api, user } = useAuth();
  const productName = useBrand().brand.product_name;
  // The user object is replaced on every token refresh; effects key on the id.
  const userId = user?.id ?? null;
  const { t } = useI18n();
  const store = useMemo(() => new InboxStore(), []);
  const state = useSyncExternalStore(store.subscribe, store.get);
  const [connection, setConnection] = useState<ConnectionState>("idle");
  const [filter, setFilterState] = useState<ListFilter>(loadFilter);
  const [listLoading, setListLoading] = useState(false);
  const [listError, setListError] = useState<string | null>(null);
  const [threadError, setThreadError] = useState<string | null>(null);
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [templatesError, setTemplatesError] = useState<string | null>(null);
  const [templatesUnavailable, setTemplatesUnavailable] = useState(false);
  const [users, setUsers] = useState<Record<string, User>>({});
  const [presence, setPresence] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [alerts, setAlerts] = useState<DeadLetterAlert[]>([]);
  const [usageAlerts, setUsageAlerts] = useState<UsageAlertEvent[]>([]);
  const [webhookAlerts, setWebhookAlerts] = useState<WebhookDisabledAlert[]>([]);
  const [toasts, setToasts] = useState<ServiceToast[]>([]);
  const [teams, setTeams] = useState<Team[] | null>(null);
  const navigate = useNavigate();
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;
  const [notifySettings, setNotifySettingsState] = useState<NotifySettings>(() => loadNotifySettings(userId));
  const notifyRef = useRef(notifySettings);
  notifyRef.current = notifySettings;
  const [permission, setPermission] = useState<NotifyPermission>(notifyPermission);
  /** Customer messages in the open conversation while the tab was hidden (for the tab title). */
  const [missedOpen, setMissedOpen] = useState(0);
  const conversationListeners = useRef(new Set<(conversationId: string, event: string) => void>());
  /** Conversations this page assigned (when), so their `conversation:assigned` is not announced back. */
  const selfAssigned = useRef(new Map<string, number>());
  /** The access token the socket was opened with (to tell whether a 4401 is already dealt with). */
  const socketToken = useRef<string | null>(null);
  const listRequest = useRef(0);
  const openRef = useRef<string | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const openSince = useRef(0);
  const tRef = useRef(t);
  tRef.current = t;
  const usersRef = useRef(users);
  usersRef.current = users;
  const noteListeners = useRef(new Set<(note: Note) => void>());
  const campaignListeners = useRef(new Set<(progress: CampaignProgressEvent) => void>());
  const usageListeners = useRef(new Set<(alert: UsageAlertEvent) => void>());
  const accountListeners = useRef(new Set<(status: AccountStatus | null) => void>());
  const webhookListeners = useRef(new Set<(alert: WebhookDisabledAlert) => void>());
  const fetching = useRef(new Set<string>());
  const readTimer = useRef<number | null>(null);
  /** Picked files by client id, until uploaded (a failed upload can be retried). */
  const files = useRef(new Map<string, { file: File; caption: string }>());
  const media = useMemo(
    () =>
      new MediaCache({
        load: (channelId, mediaId) => api.downloadFile(`/channels/${encodeURIComponent(channelId)}/media/${encodeURIComponent(mediaId)}`),
      }),
    [api],
  );
  useEffect(() => () => media.clear(), [media]);

  const errorText = useCallback((e: unknown) => describeError(e, tRef.current), []);

  // ---- notifications ----
  /** Tells the views of a conversation that something happened in it. */
  const touched = useCallback((conversationId: string | undefined, event: string) => {
    if (typeof conversationId === "string" && conversationId) conversationListeners.current.forEach((l) => l(conversationId, event));
  }, []);

  /** A desktop notification and/or the chime, when the settings and shouldNotify say so. */
  const announce = useCallback(
    (event: NotifyEvent, title: string, body: string) => {
      const visible = document.visibilityState === "visible";
      if (!shouldNotify(event, { meId: userId, openId: openRef.current, visible })) return;
      const settings = notifyRef.current;
      if (settings.sound) playChime();
      if (!settings.desktop || notifyPermission() !== "granted") return;
      try {
        // One per conversation: a newer one replaces the older (tag).
        const n = new Notification(title, { body, tag: `whatsflow-${event.conversationId}` });
        n.onclick = () => {
          window.focus();
          navigateRef.current(`/inbox/${encodeURIComponent(event.conversationId)}`);
          n.close();
        };
      } catch {
        // Some browsers only notify from a service worker: the chime and the title still tell.
      }
    },
    [userId],
  );

  /** Runs `then` with the conversation, read first when not held (a brand-new one); undefined if it cannot be read. */
  const withConversation = useCallback(
    (id: string, then: (conv: Conversation | undefined) => void) => {
      const held = store.state.conversations[id];
      if (held) {
        then(held);
        return;
      }
      void api
        .get<Conversation>(`/conversations/${encodeURIComponent(id)}`)
        .then((conv) => {
          store.dispatch({ type: "conversation/upsert", conversation: conv });
          then(store.state.conversations[id] ?? conv);
        })
        .catch(() => then(undefined));
    },
    [api, store],
  );

  // ---- conversation list ----
  const loadList = useCallback(
    async (f: ListFilter, cursor: string | null) => {
      const req = ++listRequest.current;
      setListLoading(true);
      setListError(null);
      try {
        const page = await api.get<Page<Conversation>>("/conversations", {
          status: f.status,
          assignee: f.assignee,
          unread: f.unreadOnly,
          search: searchTerm(f.search),
          tag: normalizeTag(f.tag),
          team_id: teamQuery(f.team),
          channel_id: f.channel || undefined,
          limit: PAGE_SIZE,
          cursor,
        });
        if (req !== listRequest.current) return;
        store.dispatch({ type: "list/loaded", conversations: page.data, nextCursor: page.next_cursor, append: cursor !== null });
      } catch (e) {
        if (req === listRequest.current) setListError(errorText(e));
      } finally {
        if (req === listRequest.current) setListLoading(false);
      }
    },
    [api, store, errorText],
  );

  useEffect(() => {
    void loadList(filter, null);
  }, [filter, loadList]);

  const setFilter = useCallback((f: ListFilter) => {
    try {
      localStorage.setItem(FILTER_KEY, JSON.stringify({ status: f.status, assignee: f.assignee, unreadOnly: f.unreadOnly, team: f.team ?? "", channel: f.channel ?? "" }));
    } catch {
      // Not remembered; still applied.
    }
    setFilterState(f);
  }, []);

  const loadMore = useCallback(() => {
    const cursor = store.state.listCursor;
    if (cursor) void loadList(filterRef.current, cursor);
  }, [store, loadList]);

  const fetchConversation = useCallback(
    async (id: string) => {
      const conv = await api.get<Conversation>(`/conversations/${encodeURIComponent(id)}`);
      store.dispatch({ type: "conversation/upsert", conversation: conv });
    },
    [api, store],
  );

  /** Fetches a conversation we hear about but do not hold (live summaries carry no contact). */
  const ensureConversation = useCallback(
    (id: string) => {
      if (store.state.conversations[id] || fetching.current.has(id)) return;
      fetching.current.add(id);
      void fetchConversation(id)
        .catch(() => {
          // Not visible to us (another agent's) or gone: nothing to show.
        })
        .finally(() => fetching.current.delete(id));
    },
    [store, fetchConversation],
  );

  /** Tells the server the open conversation was read (unread to zero, blue ticks for the customer). */
  const markRead = useCallback(
    (id: string, delay = 0) => {
      if (readTimer.current !== null) window.clearTimeout(readTimer.current);
      readTimer.current = window.setTimeout(() => {
        readTimer.current = null;
        if (openRef.current !== id || document.visibilityState === "hidden") return;
        void api.post(`/conversations/${encodeURIComponent(id)}/read`).catch(() => {});
      }, delay);
    },
    [api],
  );

  const loadLatest = useCallback(
    async (id: string) => {
      const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(id)}/messages`, { limit: PAGE_SIZE });
      store.dispatch({ type: "thread/loaded", conversationId: id, messages: page.data, olderCursor: page.next_cursor, older: false });
    },
    [api, store],
  );

  // ---- realtime ----
  const handleEvent = useCallback(
    (e: ServerEvent) => {
      switch (e.event) {
        case "message:new": {
          const { conversation_id, seq, message } = e.data;
          if (!isMessage(message)) return;
          const normalized: Message = { ...message, errors: normalizeErrors(message.errors) };
          const fresh = !store.state.threads[conversation_id]?.messages.some((m) => m.id === message.id);
          store.dispatch({ type: "message/new", conversationId: conversation_id, seq, message: normalized, meId: userId });
          ensureConversation(conversation_id);
          if (message.direction === "inbound" && openRef.current === conversation_id) markRead(conversation_id, READ_DELAY_MS);
          touched(conversation_id, e.event);
          if (fresh && message.direction === "inbound" && message.type !== "reaction") {
            const p = previewOf(normalized);
            const text = [p.icon, p.label ? tRef.current(p.label) : "", p.text].filter(Boolean).join(" ");
            // A new conversation is read first: whose it is decides, and its name titles the notification.
            withConversation(conversation_id, (conv) =>
              announce(
                { kind: "message", conversationId: conversation_id, assigneeId: conv?.assignee_id },
                tRef.current("notify.newMessage", { name: (conv && contactName(conv)) || tRef.current("notify.aCustomer") }),
                notifyBody(text),
              ),
            );
            if (openRef.current === conversation_id && document.visibilityState === "hidden") setMissedOpen((n) => n + 1);
          }
          return;
        }
        case "message:status":
          store.dispatch({
            type: "message/status",
            conversationId: e.data.conversation_id,
            seq: e.data.seq,
            update: {
              messageId: e.data.message_id,
              wamid: e.data.wamid ?? null,
              status: e.data.status,
              errors: normalizeErrors(e.data.error),
            },
          });
          return;
        case "message:ack":
          store.dispatch({ type: "send/ack", clientId: e.data.client_id, messageId: e.data.message_id });
          return;
        case "conversation:new":
        case "conversation:updated": {
          const summary = e.data.conversation;
          if (!summary?.id) return;
          if (store.state.conversations[summary.id]) store.dispatch({ type: "conversation/summary", summary });
          else ensureConversation(summary.id);
          touched(summary.id, e.event);
          return;
        }
        case "conversation:changed": {
          // Team or priority changed (by someone else, a rule or a flow).
          const { conversation_id, ...changes } = e.data;
          if (store.state.conversations[conversation_id]) {
            store.dispatch({ type: "conversation/patch", id: conversation_id, patch: changes as Partial<Conversation> });
          }
          touched(conversation_id, e.event);
          return;
        }
        case "conversation:assigned": {
          const { conversation_id, assignee_id } = e.data;
          touched(conversation_id, e.event);
          // Announced unless this page made the assignment (the agent took it here).
          const mine = selfAssigned.current.get(conversation_id);
          selfAssigned.current.delete(conversation_id);
          if (assignee_id && assignee_id === userId && !(mine !== undefined && Date.now() - mine < SELF_ASSIGN_MS)) {
            withConversation(conversation_id, (conv) =>
              announce(
                { kind: "assigned", conversationId: conversation_id, assigneeId: assignee_id },
                tRef.current("notify.assigned"),
                (conv && contactName(conv)) || tRef.current("notify.aCustomer"),
              ),
            );
          }
          if (store.state.conversations[conversation_id]) {
            store.dispatch({ type: "conversation/patch", id: conversation_id, patch: { assignee_id: assignee_id ?? null } });
          } else {
            ensureConversation(conversation_id);
          }
          return;
        }
        case "agent:typing": {
          const name = usersRef.current[e.data.user_id]?.name ?? tRef.current("typing.someone");
          store.dispatch({
            type: "typing",
            conversationId: e.data.conversation_id,
            userId: e.data.user_id,
            name,
            typing: e.data.typing !== false,
            now: Date.now(),
          });
          return;
        }
        case "agent:status": {
          const { user_id, status } = e.data;
          setUsers((prev) => (prev[user_id] ? { ...prev, [user_id]: { ...prev[user_id]!, presence: status } } : prev));
          setPresence((prev) => (prev[user_id] === status ? prev : { ...prev, [user_id]: status }));
          return;
        }
        case "notification": {
          touched(e.data.conversation_id, e.event);
          if (e.data.kind === "handoff") {
            // A bot handed the conversation to the team: who is on it may have changed.
            const conversationId = typeof e.data.conversation_id === "string" ? e.data.conversation_id : "";
            if (!conversationId) return;
            const note = typeof e.data.message === "string" ? e.data.message : "";
            void fetchConversation(conversationId)
              .catch(() => {})
              .then(() => {
                const conv = store.state.conversations[conversationId];
                announce(
                  { kind: "handoff", conversationId, assigneeId: conv?.assignee_id },
                  tRef.current("notify.handoff", { name: (conv && contactName(conv)) || tRef.current("notify.aCustomer") }),
                  notifyBody(note),
                );
              });
            return;
          }
          if (e.data.kind === "dead_letter") {
            const conversationId = typeof e.data.conversation_id === "string" ? e.data.conversation_id : "";
            if (!conversationId) return;
            const alert: DeadLetterAlert = { conversationId, message: typeof e.data.message === "string" ? e.data.message : "", at: Date.now() };
            setAlerts((prev) => [alert, ...prev.filter((a) => a.conversationId !== conversationId)].slice(0, MAX_ALERTS));
            return;
          }
          if (e.data.kind === "webhook_disabled") {
            // An endpoint failed for a day and was switched off: a banner on any page until dismissed.
            const alert = parseWebhookDisabled(e.data, Date.now());
            if (!alert) return;
            setWebhookAlerts((prev) => addWebhookAlert(prev, alert));
            webhookListeners.current.forEach((l) => l(alert));
            return;
          }
          if (e.data.kind === "sla_breached" || e.data.kind === "automation") {
            // An SLA target was missed, or a rule says something: a toast; the conversation read again (its badge, its priority).
            const toast = parseServiceToast(e.data, userId, Date.now());
            if (toast) setToasts((prev) => addToast(prev, toast));
            const conversationId = e.data.conversation_id;
            if (typeof conversationId === "string" && store.state.conversations[conversationId]) void fetchConversation(conversationId).catch(() => {});
            return;
          }
          if (e.data.kind === "campaign_paused") {
            // The campaign paused itself (its template was paused by Meta, a stopping error…): say so on any page.
            const name = typeof e.data.name === "string" ? e.data.name : "";
            setNotice(tRef.current("campaigns.pausedNotice", { name, reason: typeof e.data.message === "string" ? e.data.message : "" }));
            return;
          }
          const note = e.data.kind === "note" ? e.data.note : undefined;
          if (note) noteListeners.current.forEach((l) => l(note));
          return;
        }
        case "campaign:progress": {
          if (typeof e.data.campaign_id !== "string" || typeof e.data.stats !== "object" || e.data.stats === null) return;
          campaignListeners.current.forEach((l) => l(e.data));
          return;
        }
        case "scheduled:updated": {
          // A scheduled message was created, edited, cancelled, sent or failed: the conversation's list reads again.
          touched(e.data.conversation_id, "scheduled:updated");
          return;
        }
        case "usage:alert": {
          // 80% / 100% of the plan's monthly customers: a banner on any page, with the way to upgrade.
          const alert = parseUsageAlert(e.data);
          if (!alert) return;
          setUsageAlerts((prev) => addUsageAlert(prev, alert));
          usageListeners.current.forEach((l) => l(alert));
          return;
        }
        case "account:status": {
          // A payment failed (grace), was given up on (restricted) or went through (active): the banner and pages follow.
          const status = parseAccountStatus(e.data);
          if (status) accountListeners.current.forEach((l) => l(status));
          return;
        }
        case "error": {
          const { client_id, code, message } = e.data;
          const pending = client_id ? store.state.pending.find((p) => p.clientId === client_id) : undefined;
          const text = describeCode(code, message ?? "", tRef.current) ?? (message || code);
          if (client_id) store.dispatch({ type: "send/failed", clientId: client_id, errors: [{ code, title: text }] });
          else setNotice(text);
          // The server says the window closed: refresh it so the template picker shows.
          const convId = pending?.conversationId ?? e.data.conversation_id;
          if (code === "WINDOW_CLOSED" && convId) void fetchConversation(convId).catch(() => {});
          return;
        }
      }
    },
    [store, fetchConversation, ensureConversation, markRead, userId, touched, announce, withConversation],
  );

  const rt = useMemo(
    () =>
      new RealtimeClient({
        // The token goes as the `bearer` subprotocol: never in the URL, where logs and history keep it.
        target: async () => {
          const token = await api.freshAccessToken();
          socketToken.current = token;
          return token ? { url: wsUrl(window.location), protocols: wsProtocols(token) } : null;
        },
        createSocket: browserSocket,
        // 4401: the session was revoked (role or password changed, user removed, logged out elsewhere).
        // One refresh: a new token to reconnect with, or the end of the session (the login page says so).
        reauthenticate: () => api.renewAfterRevocation(socketToken.current),
        onEvent: (e) => handleEventRef.current(e),
        onStateChange: (s) => {
          if (s === "open") openSince.current = Date.now();
          setConnection(s);
        },
        onOpen: (reconnected) => {
          // The list loaded on mount may predate the socket: a conversation
          // opened in between was never framed to this page. Load it again
          // now that frames are heard (after a reconnect, the joins above
          // asked for a replay; the refetch also restores statuses).
          void loadList(filterRef.current, null);
          if (!reconnected) return;
          // An account:status frame may have been missed while away.
          accountListeners.current.forEach((l) => l(null));
          const id = openRef.current;
          if (id) void loadLatest(id).catch(() => {});
        },
        sinceSeq: (id) => lastSeqOf(store.state, id),
      }),
    [api, store, loadList, loadLatest],
  );
  const handleEventRef = useRef(handleEvent);
  handleEventRef.current = handleEvent;

  useEffect(() => {
    if (!userId) return;
    rt.start();
    const nudge = () => {
      if (document.visibilityState === "visible") rt.nudge();
    };
    // The browser knows the network is gone before a dead socket does.
    const offline = () => rt.drop();
    window.addEventListener("online", nudge);
    window.addEventListener("offline", offline);
    document.addEventListener("visibilitychange", nudge);
    return () => {
      window.removeEventListener("online", nudge);
      window.removeEventListener("offline", offline);
      document.removeEventListener("visibilitychange", nudge);
      rt.stop();
    };
  }, [rt, userId]);

  // A send the server never answered becomes "failed" so the agent can retry it.
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (rt.connectionState !== "open") return;
      const now = Date.now();
      for (const p of store.state.pending) {
        if (p.attachment && !p.attachment.object) continue; // still uploading
        if (p.messageId === null && p.status === "pending" && now - Math.max(Date.parse(p.createdAt), openSince.current) > ACK_TIMEOUT_MS) {
          store.dispatch({ type: "send/failed", clientId: p.clientId, errors: [{ code: "NO_ACK", title: tRef.current("msg.notConfirmed") }] });
        }
      }
    }, 5_000);
    return () => window.clearInterval(timer);
  }, [rt, store]);

  // ---- the open conversation ----
  const open = useCallback(
    (id: string | null) => {
      const prev = openRef.current;
      if (prev === id) return;
      if (prev) rt.leave(prev);
      openRef.current = id;
      setThreadError(null);
      const unread = id ? (store.state.conversations[id]?.unread_count ?? 1) : 0;
      store.dispatch({ type: "conversation/opened", id });
      if (!id) return;
      if (unread > 0) markRead(id);
      // Read it afresh too: what is not pushed live (priority, tags, an SLA breach) may have changed.
      const held = !!store.state.conversations[id];
      void fetchConversation(id).catch((e: unknown) => {
        if (!held) setThreadError(errorText(e));
      });
      rt.join(id);
      // Always refetch the newest page: it merges with what we hold and brings
      // statuses that changed while this conversation was not joined.
      const hadThread = !!store.state.threads[id]?.loaded;
      void loadLatest(id).catch((e: unknown) => {
        if (!hadThread) setThreadError(errorText(e));
      });
    },
    [rt, store, fetchConversation, loadLatest, errorText, markRead],
  );

  const loadOlder = useCallback(
    async (id: string) => {
      const thread = store.state.threads[id];
      if (!thread?.olderCursor) return;
      try {
        // next_cursor is the seq to pass back as `cursor` for the page before it.
        const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(id)}/messages`, {
          limit: PAGE_SIZE,
          cursor: thread.olderCursor,
        });
        store.dispatch({ type: "thread/loaded", conversationId: id, messages: page.data, olderCursor: page.next_cursor, older: true });
      } catch (e) {
        setNotice(errorText(e));
      }
    },
    [api, store, errorText],
  );

  const sendText = useCallback(
    (conversationId: string, body: string, replyTo: string | null = null) => {
      const clientId = newClientId();
      const context = replyTo ? { message_id: replyTo } : null;
      store.dispatch({ type: "send/pending", pending: { clientId, conversationId, body, createdAt: new Date().toISOString(), context } });
      rt.send({
        event: "message:send",
        data: { conversation_id: conversationId, client_id: clientId, type: "text", text: { body }, ...(context ? { context } : {}) },
      });
    },
    [rt, store],
  );

  /** Holds a message the API answered with (it may beat or follow its `message:new`). */
  const holdSent = useCallback(
    (conversationId: string, sent: unknown) => {
      if (!isMessage(sent)) return;
      const message: Message = { ...sent, errors: normalizeErrors(sent.errors) };
      store.dispatch({ type: "message/new", conversationId, seq: message.seq, message, meId: userId });
    },
    [store, userId],
  );

  const sendMessage = useCallback(
    async (conversationId: string, type: string, object: unknown, replyTo: string | null = null) => {
      try {
        const sent = await api.post<unknown>(`/conversations/${encodeURIComponent(conversationId)}/messages`, {
          type,
          [type]: object,
          client_id: newClientId(),
          ...(replyTo ? { context: { message_id: replyTo } } : {}),
        });
        holdSent(conversationId, sent);
      } catch (e) {
        if (e instanceof ApiError && e.code === "WINDOW_CLOSED") void fetchConversation(conversationId).catch(() => {});
        throw new Error(errorText(e));
      }
    },
    [api, holdSent, errorText, fetchConversation],
  );

  const sendReaction = useCallback(
    (conversationId: string, wamid: string, emoji: string) => sendMessage(conversationId, "reaction", { message_id: wamid, emoji }),
    [sendMessage],
  );

  const addNote = useCallback(
    async (conversationId: string, body: string) => {
      let note: Note;
      try {
        note = await api.post<Note>(`/conversations/${encodeURIComponent(conversationId)}/notes`, { body });
      } catch (e) {
        throw new Error(errorText(e));
      }
      // The live frame may come later (or not to this session): tell the views now.
      noteListeners.current.forEach((l) => l(note));
      return note;
    },
    [api, errorText],
  );

  const startConversation = useCallback(
    async (contactId: string, phoneNumberId: string) => {
      const conv = await api.post<Conversation>("/conversations", { contact_id: contactId, phone_number_id: phoneNumberId });
      store.dispatch({ type: "conversation/upsert", conversation: conv });
      return conv;
    },
    [api, store],
  );

  const takeBack = useCallback(
    (clientId: string) => {
      const p = store.state.pending.find((x) => x.clientId === clientId);
      if (!p || p.messageId !== null || p.status !== "failed") return null;
      files.current.delete(clientId);
      if (p.attachment?.previewUrl) URL.revokeObjectURL(p.attachment.previewUrl);
      store.dispatch({ type: "send/discard", clientId });
      return p.body;
    },
    [store],
  );

  /** Uploads a picked file, then sends it by its media id. */
  const uploadAndSend = useCallback(
    async (clientId: string): Promise<string | null> => {
      const p = store.state.pending.find((x) => x.clientId === clientId);
      const picked = files.current.get(clientId);
      const channelId = p ? store.state.conversations[p.conversationId]?.channel_id : undefined;
      if (!p || !picked) return null;
      if (!channelId) {
        store.dispatch({ type: "send/failed", clientId, errors: [{ code: "NO_CHANNEL", title: tRef.current("error.generic") }] });
        return null;
      }
      const form = new FormData();
      form.append("file", picked.file, picked.file.name);
      let up: UploadedMedia;
      try {
        up = await api.upload<UploadedMedia>(`/channels/${encodeURIComponent(channelId)}/media`, form);
      } catch (e) {
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && ![401, 408, 429].includes(e.status)) {
          // Refused for good (UNSUPPORTED_MEDIA, 413 too large…): no bubble, the reason instead.
          files.current.delete(clientId);
          if (p.attachment?.previewUrl) URL.revokeObjectURL(p.attachment.previewUrl);
          store.dispatch({ type: "send/discard", clientId });
          return errorText(e);
        }
        store.dispatch({
          type: "send/failed",
          clientId,
          errors: [{ code: e instanceof ApiError ? e.code : "UPLOAD_FAILED", title: errorText(e) }],
        });
        return null;
      }
      files.current.delete(clientId);
      const filename = up.filename || picked.file.name;
      // A picked picture is the media: no download to show it (its preview URL now belongs to the cache).
      if (up.type === "image" || up.type === "sticker") media.seed(channelId, up.id, picked.file, filename, p.attachment?.previewUrl);
      else media.setFilename(channelId, up.id, filename);
      const { object, extraText } = mediaMessage(up.type, up.id, picked.caption, filename);
      store.dispatch({ type: "send/uploaded", clientId, kind: up.type, object, at: new Date().toISOString() });
      rt.send({ event: "message:send", data: { ...mediaSendData(p.conversationId, clientId, up.type, object), ...(p.context ? { context: p.context } : {}) } });
      if (extraText) sendText(p.conversationId, extraText);
      return null;
    },
    [api, rt, store, media, errorText, sendText],
  );

  const sendFile = useCallback(
    (conversationId: string, file: File, caption: string, replyTo: string | null = null) => {
      const clientId = newClientId();
      const kind = mediaKindOf(file.type);
      const text = caption.trim();
      const previewUrl = kind === "image" || kind === "sticker" ? URL.createObjectURL(file) : null;
      files.current.set(clientId, { file, caption: text });
      store.dispatch({
        type: "send/pending",
        pending: {
          clientId,
          conversationId,
          body: canCaption(kind) ? text : "",
          createdAt: new Date().toISOString(),
          type: kind,
          attachment: { fileName: file.name, mimeType: file.type, size: file.size, previewUrl, object: null },
          context: replyTo ? { message_id: replyTo } : null,
        },
      });
      return uploadAndSend(clientId);
    },
    [store, uploadAndSend],
  );

  const retry = useCallback(
    (clientId: string) => {
      const p = store.state.pending.find((x) => x.clientId === clientId);
      if (!p) return;
      store.dispatch({ type: "send/retry", clientId });
      if (p.attachment) {
        const { object } = p.attachment;
        if (!object) void uploadAndSend(clientId);
        else
          rt.send({
            event: "message:send",
            data: { ...mediaSendData(p.conversationId, clientId, p.type === "text" || !p.type ? "document" : p.type, object), ...(p.context ? { context: p.context } : {}) },
          });
        return;
      }
      // Same client_id: a server that already stored it can recognise the repeat.
      rt.send({
        event: "message:send",
        data: { conversation_id: p.conversationId, client_id: clientId, type: "text", text: { body: p.body }, ...(p.context ? { context: p.context } : {}) },
      });
    },
    [rt, store, uploadAndSend],
  );

  /** The server's copy of one message, fetched again (after a refused resend). */
  const refetchMessage = useCallback(
    async (conversationId: string, messageId: string) => {
      const held = store.state.threads[conversationId]?.messages.find((m) => m.id === messageId);
      if (!held) {
        await loadLatest(conversationId);
        return;
      }
      const page = await api.get<Page<Message>>(`/conversations/${encodeURIComponent(conversationId)}/messages`, {
        after_seq: Math.max(0, held.seq - 1),
        limit: 1,
      });
      const fresh = page.data.find((m) => m.id === messageId);
      if (fresh && isMessage(fresh)) {
        store.dispatch({ type: "message/replace", conversationId, message: { ...fresh, errors: normalizeErrors(fresh.errors) } });
      }
    },
    [api, store, loadLatest],
  );

  const resend = useCallback(
    async (conversationId: string, messageId: string) => {
      try {
        const sent = await api.post<unknown>(
          `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/resend`,
        );
        if (isMessage(sent)) {
          store.dispatch({ type: "message/replace", conversationId, message: { ...sent, errors: normalizeErrors(sent.errors) } });
        } else {
          await refetchMessage(conversationId, messageId);
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 409 && e.code === "NOT_UNCONFIRMED") {
          // Confirmed meanwhile (sent, delivered… or failed): just show what it is now.
          await refetchMessage(conversationId, messageId).catch(() => {});
          return;
        }
        throw new Error(errorText(e));
      }
    },
    [api, store, refetchMessage, errorText],
  );

  const sendTemplate = useCallback(
    async (conversationId: string, template: TemplateChoice, values: string[]) => {
      const components = templateSendComponents(values);
      const sent = await api.post<unknown>(`/conversations/${encodeURIComponent(conversationId)}/messages`, {
        type: "template",
        template: {
          name: template.name,
          language: { code: template.language },
          ...(components.length ? { components } : {}),
        },
        client_id: newClientId(),
      });
      if (isMessage(sent)) {
        const message: Message = { ...sent, errors: normalizeErrors(sent.errors) };
        store.dispatch({ type: "message/new", conversationId, seq: message.seq, message, meId: userId });
      }
    },
    [api, store, userId],
  );

  const update = useCallback(
    async (conversationId: string, patch: ConversationPatch) => {
      try {
        const conv = await api.patch<Conversation>(`/conversations/${encodeURIComponent(conversationId)}`, patch);
        if (conv && typeof conv === "object" && "id" in conv) store.dispatch({ type: "conversation/upsert", conversation: conv });
        else store.dispatch({ type: "conversation/patch", id: conversationId, patch });
      } catch (e) {
        setNotice(errorText(e));
      }
    },
    [api, store, errorText],
  );

  const assign = useCallback(
    async (conversationId: string, assigneeId: string | null) => {
      selfAssigned.current.set(conversationId, Date.now());
      const conv = await api.patch<Conversation>(`/conversations/${encodeURIComponent(conversationId)}`, { assignee_id: assigneeId });
      if (conv && typeof conv === "object" && "id" in conv) store.dispatch({ type: "conversation/upsert", conversation: conv });
      // The answer is authoritative for the assignee even if the snapshot is otherwise older.
      store.dispatch({
        type: "conversation/patch",
        id: conversationId,
        patch: { assignee_id: conv && typeof conv === "object" && "assignee_id" in conv ? conv.assignee_id : assigneeId },
      });
    },
    [api, store],
  );

  const setTeam = useCallback(
    async (conversationId: string, teamId: string | null) => {
      const conv = await api.patch<Conversation>(`/conversations/${encodeURIComponent(conversationId)}`, { team_id: teamId });
      if (conv && typeof conv === "object" && "id" in conv) store.dispatch({ type: "conversation/upsert", conversation: conv });
      // The answer is authoritative for the team even if the snapshot is otherwise older.
      const team = conv && typeof conv === "object" && "team_id" in conv ? (conv.team_id ?? null) : teamId;
      store.dispatch({ type: "conversation/patch", id: conversationId, patch: { team_id: team } });
    },
    [api, store],
  );

  // The teams, for the inbox's team filter and the conversation's team picker.
  const teamsRequest = useRef(0);
  const loadTeams = useCallback(() => {
    const req = ++teamsRequest.current;
    api
      .get<Page<Team>>("/teams")
      .then((p) => {
        if (req !== teamsRequest.current) return;
        const list = sortTeams(Array.isArray(p?.data) ? p.data : []);
        setTeams(list);
        // A remembered team that is gone: back to every team.
        const f = filterRef.current;
        const team = validTeamFilter(f.team, list);
        if (team !== (f.team ?? "")) setFilter({ ...f, team });
      })
      .catch((e: unknown) => {
        // No teams API on this server (404): no team filter or picker.
        if (req === teamsRequest.current && e instanceof ApiError && (e.status === 404 || e.status === 405)) setTeams([]);
      });
  }, [api, setFilter]);
  useEffect(() => {
    if (!userId) return;
    loadTeams();
    return () => {
      teamsRequest.current++;
    };
  }, [loadTeams, userId]);

  const sendCannedAttachment = useCallback(
    async (conversationId: string, attachment: CannedAttachment, text: string): Promise<string | null> => {
      for (const step of cannedSendSteps(attachment, text)) {
        try {
          const sent = await api.post<unknown>(`/conversations/${encodeURIComponent(conversationId)}/messages`, stepBody(step, newClientId()));
          if (isMessage(sent)) {
            const message: Message = { ...sent, errors: normalizeErrors(sent.errors) };
            store.dispatch({ type: "message/new", conversationId, seq: message.seq, message, meId: userId });
          }
        } catch (e) {
          return errorText(e);
        }
      }
      return null;
    },
    [api, store, userId, errorText],
  );

  const setTags = useCallback(
    (conversationId: string, answer: { tags?: unknown } | undefined) => {
      const tags: unknown = answer?.tags;
      if (Array.isArray(tags)) {
        store.dispatch({ type: "conversation/patch", id: conversationId, patch: { tags: tags.filter((x): x is string => typeof x === "string") } });
      } else {
        void fetchConversation(conversationId).catch(() => {});
      }
    },
    [store, fetchConversation],
  );

  const addTags = useCallback(
    async (conversationId: string, tags: string[]) => {
      const answer = await api.post<{ tags?: unknown }>(`/conversations/${encodeURIComponent(conversationId)}/tags`, { tags });
      setTags(conversationId, answer);
    },
    [api, setTags],
  );

  const removeTag = useCallback(
    async (conversationId: string, tag: string) => {
      const answer = await api.delete<{ tags?: unknown }>(
        `/conversations/${encodeURIComponent(conversationId)}/tags/${encodeURIComponent(tag)}`,
      );
      setTags(conversationId, answer);
    },
    [api, setTags],
  );

  const setTyping = useCallback(
    (conversationId: string, typing: boolean) => {
      rt.send({ event: "conversation:typing", data: { conversation_id: conversationId, typing } });
    },
    [rt],
  );

  const templatesInFlight = useRef(false);
  const loadTemplates = useCallback((force = false) => {
    if (templatesInFlight.current && !force) return;
    templatesInFlight.current = true;
    setTemplatesError(null);
    api
      .get<Page<Template>>("/templates")
      .then((p) => {
        setTemplates(Array.isArray(p?.data) ? p.data : []);
        setTemplatesUnavailable(false);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)) {
          // No template list on this server: templates are sent by name.
          setTemplates([]);
          setTemplatesUnavailable(true);
        } else {
          setTemplatesError(errorText(e));
        }
      })
      .finally(() => {
        templatesInFlight.current = false;
      });
  }, [api, errorText]);

  // Names for assignees and the assignee picker; agents without access to the user list simply see less.
  const usersRequest = useRef(0);
  const loadUsers = useCallback(() => {
    const req = ++usersRequest.current;
    api
      .get<Page<User>>("/users")
      .then((p) => {
        if (req === usersRequest.current && Array.isArray(p?.data)) setUsers(Object.fromEntries(p.data.map((u) => [u.id, u])));
      })
      .catch(() => {});
  }, [api]);
  useEffect(() => {
    if (!userId) return;
    loadUsers();
    return () => {
      usersRequest.current++;
    };
  }, [loadUsers, userId]);

  useEffect(() => {
    document.title = tabTitle(totalUnread(state) + missedOpen, productName);
  }, [state, missedOpen, productName]);

  // Back to the tab: what came into the open conversation meanwhile is being read now.
  useEffect(() => {
    const back = () => {
      if (document.visibilityState !== "visible") return;
      setPermission(notifyPermission());
      setMissedOpen((n) => {
        if (n > 0 && openRef.current) markRead(openRef.current, READ_DELAY_MS);
        return 0;
      });
    };
    document.addEventListener("visibilitychange", back);
    return () => document.removeEventListener("visibilitychange", back);
  }, [markRead]);

  const setNotifySettings = useCallback(
    (next: NotifySettings) => {
      saveNotifySettings(userId, next);
      setNotifySettingsState(next);
    },
    [userId],
  );

  const requestNotifyPermission = useCallback(async (): Promise<NotifyPermission> => {
    if (typeof Notification === "undefined") return "unsupported";
    let answer: NotifyPermission = Notification.permission;
    try {
      answer = await Notification.requestPermission();
    } catch {
      answer = Notification.permission;
    }
    setPermission(answer);
    return answer;
  }, []);

  const onConversationEvent = useCallback((listener: (conversationId: string, event: string) => void) => {
    conversationListeners.current.add(listener);
    return () => void conversationListeners.current.delete(listener);
  }, []);

  useEffect(
    () => () => {
      if (readTimer.current !== null) window.clearTimeout(readTimer.current);
    },
    [],
  );

  const onNote = useCallback((listener: (note: Note) => void) => {
    noteListeners.current.add(listener);
    return () => void noteListeners.current.delete(listener);
  }, []);

  const onCampaignProgress = useCallback((listener: (progress: CampaignProgressEvent) => void) => {
    campaignListeners.current.add(listener);
    return () => void campaignListeners.current.delete(listener);
  }, []);

  const onUsageAlert = useCallback((listener: (alert: UsageAlertEvent) => void) => {
    usageListeners.current.add(listener);
    return () => void usageListeners.current.delete(listener);
  }, []);

  const onWebhookDisabled = useCallback((listener: (alert: WebhookDisabledAlert) => void) => {
    webhookListeners.current.add(listener);
    return () => void webhookListeners.current.delete(listener);
  }, []);

  const onAccountStatus = useCallback((listener: (status: AccountStatus | null) => void) => {
    accountListeners.current.add(listener);
    return () => void accountListeners.current.delete(listener);
  }, []);

  // Toasts leave on their own once the oldest has been up long enough.
  useEffect(() => {
    if (toasts.length === 0) return;
    const oldest = Math.min(...toasts.map((x) => x.at));
    const timer = window.setTimeout(() => setToasts((prev) => liveToasts(prev, Date.now(), TOAST_MS)), Math.max(0, oldest + TOAST_MS - Date.now()) + 50);
    return () => window.clearTimeout(timer);
  }, [toasts]);

  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 6_000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const value: Inbox = {
    state,
    connection,
    filter,
    setFilter,
    listLoading,
    listError,
    loadMore,
    open,
    threadError,
    loadOlder,
    sendText,
    sendMessage,
    sendReaction,
    addNote,
    startConversation,
    takeBack,
    retry,
    resend,
    sendTemplate,
    update,
    assign,
    setTeam,
    teams,
    reloadTeams: loadTeams,
    sendCannedAttachment,
    addTags,
    removeTag,
    sendFile,
    media,
    setTyping,
    templates,
    templatesUnavailable,
    templatesError,
    loadTemplates,
    users,
    reloadUsers: loadUsers,
    presence,
    onNote,
    onConversationEvent,
    notifySettings,
    setNotifySettings,
    notifyPermission: permission,
    requestNotifyPermission,
    onCampaignProgress,
    notice,
    dismissNotice: () => setNotice(null),
    alerts,
    dismissAlert: (conversationId: string) => setAlerts((prev) => prev.filter((a) => a.conversationId !== conversationId)),
    toasts,
    dismissToast: (id: string) => setToasts((prev) => prev.filter((x) => x.id !== id)),
    webhookAlerts,
    dismissWebhookAlert: (endpointId: string) => setWebhookAlerts((prev) => prev.filter((a) => a.endpointId !== endpointId)),
    onWebhookDisabled,
    usageAlerts,
    dismissUsageAlert: (alert: UsageAlertEvent) => setUsageAlerts((prev) => prev.filter((a) => !(a.limit === alert.limit && a.period === alert.period))),
    onUsageAlert,
    onAccountStatus,
    refreshConversation: async (conversationId: string) => {
      await Promise.all([fetchConversation(conversationId), loadLatest(conversationId)]);
    },
  };
  return <InboxContext.Provider value={value}>{children}</InboxContext.Provider>;
}

export function useInbox(): Inbox {
  const ctx = useContext(InboxContext);
  if (!ctx) throw new Error("useInbox outside InboxProvider");
  return ctx;
}
