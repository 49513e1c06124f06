// Reading the Cloud API `content` objects of stored messages without trusting
// their shape: every accessor tolerates missing or unexpected fields.

import type { MessageKey } from "../i18n/translate";
import type { Message, Template, TemplateComponent } from "./types";

export type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

export function num(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An http(s) URL from message content, or "" — never javascript: or data: links. */
export function safeUrl(v: unknown): string {
  const raw = str(v).trim();
  if (!raw) return "";
  try {
    const u = new URL(raw);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : "";
  } catch {
    return "";
  }
}

export const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export function isMediaType(t: string): t is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(t);
}

export interface InteractiveReply {
  kind: "button_reply" | "list_reply" | "nfm_reply" | "other";
  id: string;
  title: string;
  description: string;
}

/** An inbound interactive answer (button, list row or WhatsApp Flow), or null for an outbound prompt. */
export function interactiveReply(content: unknown): InteractiveReply | null {
  const c = asObj(content);
  const type = str(c.type);
  if (type === "button_reply" || type === "list_reply") {
    const r = asObj(c[type]);
    return { kind: type, id: str(r.id), title: str(r.title), description: str(r.description) };
  }
  if (type === "nfm_reply") {
    const r = asObj(c.nfm_reply);
    return { kind: "nfm_reply", id: str(r.name), title: str(r.body) || str(r.name), description: str(r.response_json) };
  }
  return null;
}

export interface InteractivePrompt {
  header: string;
  body: string;
  footer: string;
  options: string[];
}

/** An outbound interactive message (buttons or list) as sent to the Cloud API. */
export function interactivePrompt(content: unknown): InteractivePrompt {
  const c = asObj(content);
  const header = asObj(c.header);
  const action = asObj(c.action);
  const buttons = arr(action.buttons).map((b) => str(asObj(asObj(b).reply).title) || str(asObj(b).title));
  const rows = arr(action.sections).flatMap((s) => arr(asObj(s).rows).map((r) => str(asObj(r).title)));
  return {
    header: str(header.text),
    body: str(asObj(c.body).text),
    footer: str(asObj(c.footer).text),
    options: [...buttons, ...rows].filter(Boolean),
  };
}

export interface SharedContact {
  name: string;
  phones: string[];
}

export function sharedContacts(content: unknown): SharedContact[] {
  const list = Array.isArray(content) ? content : arr(asObj(content).contacts);
  return list.map((raw) => {
    const c = asObj(raw);
    const name = asObj(c.name);
    return {
      name: str(name.formatted_name) || [str(name.first_name), str(name.last_name)].filter(Boolean).join(" "),
      phones: arr(c.phones).map((p) => str(asObj(p).phone) || str(asObj(p).wa_id)).filter(Boolean),
    };
  });
}

export interface OrderSummary {
  items: number;
  total: number | null;
  currency: string;
  text: string;
}

export function orderSummary(content: unknown): OrderSummary {
  const c = asObj(content);
  const items = arr(c.product_items).map(asObj);
  let total: number | null = 0;
  let currency = "";
  for (const it of items) {
    const price = num(it.item_price);
    const qty = num(it.quantity) ?? 1;
    currency ||= str(it.currency);
    total = price === null || total === null ? null : total + price * qty;
  }
  return { items: items.reduce((n, it) => n + (num(it.quantity) ?? 1), 0), total: items.length ? total : null, currency, text: str(c.text) };
}

/** Text of a template's BODY with {{n}} filled from the send components' body parameters. */
export function templateBody(template: Pick<Template, "components"> | undefined, sendComponents: unknown): string {
  const body = template?.components.find((c) => c.type.toUpperCase() === "BODY");
  if (!body?.text) return "";
  const bodyParams = arr(sendComponents)
    .map(asObj)
    .find((c) => str(c.type).toLowerCase() === "body");
  const values = arr(bodyParams?.parameters).map((p) => str(asObj(p).text));
  return fillPlaceholders(body.text, values);
}

export function fillPlaceholders(text: string, values: readonly string[]): string {
  return text.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => {
    const v = values[Number(n) - 1];
    return v ? v : whole;
  });
}

/** How many {{n}} variables a template component needs. */
export function variableCount(component: TemplateComponent | undefined): number {
  if (!component?.text) return 0;
  let max = 0;
  for (const m of component.text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** The send payload's components for a template whose BODY variables are `values`. */
export function templateSendComponents(values: readonly string[]): unknown[] {
  if (values.length === 0) return [];
  return [{ type: "body", parameters: values.map((text) => ({ type: "text", text })) }];
}

export interface ReactionMark {
  emoji: string;
  direction: Message["direction"];
}

/**
 * Reactions attach to the message they react to (matched by wamid): returns the
 * latest reaction of each side per target, and which reaction messages were
 * attached (those need no bubble of their own). An empty emoji removes one.
 */
export function attachReactions(messages: readonly Message[]): {
  byTarget: Map<string, ReactionMark[]>;
  attached: Set<string>;
} {
  const wamids = new Set(messages.map((m) => m.wamid).filter((w): w is string => !!w));
  const latest = new Map<string, Map<string, ReactionMark>>();
  const attached = new Set<string>();
  for (const m of messages) {
    if (m.type !== "reaction") continue;
    const c = asObj(m.content);
    const target = str(c.message_id);
    if (!target || !wamids.has(target)) continue;
    attached.add(m.id);
    const sides = latest.get(target) ?? new Map<string, ReactionMark>();
    sides.set(m.direction, { emoji: str(c.emoji), direction: m.direction });
    latest.set(target, sides);
  }
  const byTarget = new Map<string, ReactionMark[]>();
  for (const [target, sides] of latest) {
    const marks = [...sides.values()].filter((r) => r.emoji);
    if (marks.length) byTarget.set(target, marks);
  }
  return { byTarget, attached };
}

export interface Preview {
  icon: string;
  label: MessageKey | null;
  text: string;
}

/** A one-line summary of a message for the conversation list and reply quotes. */
/** A message whose contact was erased (GDPR): its content is `{"erased": true}`. */
export function isErasedContent(content: unknown): boolean {
  return asObj(content).erased === true;
}

export function previewOf(message: Pick<Message, "type" | "content">): Preview {
  const c = asObj(message.content);
  if (isErasedContent(message.content)) return { icon: "", label: "msg.erased", text: "" };
  switch (message.type) {
    case "text":
      return { icon: "", label: null, text: str(c.body) };
    case "image":
      return { icon: "📷", label: "msg.image", text: str(c.caption) };
    case "video":
      return { icon: "🎥", label: "msg.video", text: str(c.caption) };
    case "audio":
      return { icon: "🎤", label: c.voice === true ? "msg.voice" : "msg.audio", text: "" };
    case "document":
      return { icon: "📄", label: "msg.document", text: str(c.filename) || str(c.caption) };
    case "sticker":
      return { icon: "🏷️", label: "msg.sticker", text: "" };
    case "location":
      return { icon: "📍", label: "msg.location", text: str(c.name) || str(c.address) };
    case "contacts":
      return { icon: "👤", label: "msg.contacts", text: sharedContacts(message.content).map((x) => x.name).join(", ") };
    case "interactive": {
      const reply = interactiveReply(message.content);
      return { icon: "", label: null, text: reply ? reply.title : interactivePrompt(message.content).body };
    }
    case "button":
      return { icon: "", label: null, text: str(c.text) || str(c.payload) };
    case "reaction":
      return { icon: str(c.emoji), label: "msg.reaction", text: "" };
    case "order":
      return { icon: "🛒", label: "msg.order", text: str(c.text) };
    case "template":
      return { icon: "📋", label: "msg.template", text: str(c.name) };
    case "system":
      return { icon: "", label: null, text: str(c.body) };
    default:
      return { icon: "⚠️", label: "msg.unsupported", text: "" };
  }
}
