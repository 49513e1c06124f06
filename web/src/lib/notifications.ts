// Desktop notifications and a sound for what needs an agent: a customer's new
// message and a conversation assigned to them. Settings are per user (in
// localStorage); the browser's permission is asked only when the agent clicks
// to turn desktop notifications on, never on load. Nothing is announced for
// the conversation on screen while the tab is visible. The decisions here are
// pure (tested); the browser calls live in the inbox's notifier.

import type { DraftStorage } from "./drafts";

export interface NotifySettings {
  /** Desktop notifications (also needs the browser's permission). */
  desktop: boolean;
  /** A short sound. */
  sound: boolean;
}

export const DEFAULT_NOTIFY: NotifySettings = { desktop: true, sound: true };

const PREFIX = "whatsflow.notify.";

export function notifyKey(userId: string): string {
  return `${PREFIX}${userId}`;
}

function storage(): DraftStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadNotifySettings(userId: string | null, store: DraftStorage | null = storage()): NotifySettings {
  if (!userId || !store) return DEFAULT_NOTIFY;
  try {
    const raw = store.getItem(notifyKey(userId));
    if (!raw) return DEFAULT_NOTIFY;
    const v = JSON.parse(raw) as Partial<NotifySettings>;
    return {
      desktop: typeof v.desktop === "boolean" ? v.desktop : DEFAULT_NOTIFY.desktop,
      sound: typeof v.sound === "boolean" ? v.sound : DEFAULT_NOTIFY.sound,
    };
  } catch {
    return DEFAULT_NOTIFY;
  }
}

export function saveNotifySettings(userId: string | null, settings: NotifySettings, store: DraftStorage | null = storage()): void {
  if (!userId || !store) return;
  try {
    store.setItem(notifyKey(userId), JSON.stringify(settings));
  } catch {
    // Not remembered; applies to this page.
  }
}

/** What happened, as the inbox hears it on its socket. */
export type NotifyEvent =
  | { kind: "message"; conversationId: string; assigneeId: string | null | undefined }
  | { kind: "assigned"; conversationId: string; assigneeId: string | null }
  | { kind: "handoff"; conversationId: string; assigneeId: string | null | undefined };

/** Where the agent is: the conversation open on screen, and whether the tab is seen. */
export interface Attention {
  meId: string | null;
  openId: string | null;
  visible: boolean;
}

/**
 * Whether an event deserves a notification: a customer's message in a
 * conversation that is the agent's or no one's (a colleague's customers are
 * the colleague's to answer), an assignment to the agent, a bot's hand-off;
 * never for the conversation being looked at in a visible tab.
 */
export function shouldNotify(e: NotifyEvent, at: Attention): boolean {
  if (at.visible && at.openId === e.conversationId) return false;
  switch (e.kind) {
    case "message":
    case "handoff":
      return !e.assigneeId || e.assigneeId === at.meId;
    case "assigned":
      return at.meId !== null && e.assigneeId === at.meId;
  }
}

/** The tab title: the unread count first, so it shows on a narrow tab. */
export function tabTitle(unread: number, base = "whatsflow"): string {
  return unread > 0 ? `(${unread > 99 ? "99+" : unread}) ${base}` : base;
}

/** A message's text shortened for a notification body. */
export function notifyBody(text: string, max = 120): string {
  const one = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(one);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : one;
}

/** The browser's permission for notifications, or "unsupported". */
export type NotifyPermission = NotificationPermission | "unsupported";

export function notifyPermission(): NotifyPermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

type AudioContextClass = typeof AudioContext;
let chimeContext: AudioContext | null = null;

/**
 * A short two-note chime made with WebAudio (no sound file to fetch). The
 * browser lets it sound once the page has had a click or key press; before
 * that it stays silent, which is fine for a notification.
 */
export function playChime(): void {
  try {
    const Ctx: AudioContextClass | undefined =
      typeof window === "undefined" ? undefined : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext);
    if (!Ctx) return;
    chimeContext ??= new Ctx();
    const ctx = chimeContext;
    if (ctx.state === "suspended") void ctx.resume().catch(() => {});
    const start = ctx.currentTime + 0.01;
    [880, 1318.5].forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const t0 = start + i * 0.13;
      osc.type = "sine";
      osc.frequency.setValueAtTime(freq, t0);
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.18, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.28);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.3);
    });
  } catch {
    // No audio output: the desktop notification (if any) still shows.
  }
}
