// Shapes of the whatsflow HTTP and WebSocket contracts (see shared/DESIGN.md).

export type Role = "super_admin" | "partner_admin" | "tenant_admin" | "agent";

export interface User {
  id: string;
  tenant_id: string | null;
  name: string;
  email: string;
  role: Role;
}

export interface AuthResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: User;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface ContactRef {
  id: string;
  phone: string | null;
  name: string | null;
  user_id: string | null;
  username: string | null;
}

export interface Contact extends ContactRef {
  tags: string[];
  created_at: string;
}

export type ConversationStatus = "open" | "pending" | "resolved" | "closed";

export interface Conversation {
  id: string;
  channel_id: string;
  contact: ContactRef;
  status: ConversationStatus;
  assignee_id: string | null;
  unread_count: number;
  last_message_at: string | null;
  last_inbound_at: string | null;
  window_expires_at: string | null;
  last_message: Message | null;
  created_at: string;
  updated_at: string;
}

export type MessageType =
  | "text"
  | "image"
  | "audio"
  | "video"
  | "document"
  | "sticker"
  | "location"
  | "contacts"
  | "interactive"
  | "button"
  | "reaction"
  | "order"
  | "system"
  | "unsupported"
  | "unknown"
  | "template";

export type MessageStatus =
  | "received"
  | "pending"
  | "accepted"
  | "sent"
  | "delivered"
  | "read"
  | "failed";

export interface MessageError {
  code: number | string;
  title: string;
  message?: string | null;
}

export interface SentBy {
  kind: "agent" | "flow" | "campaign" | "api";
  id: string | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  wamid: string | null;
  direction: "inbound" | "outbound";
  type: MessageType | string;
  status: MessageStatus;
  /** The Cloud API object of `type`, as received or sent. Shape depends on `type`. */
  content: unknown;
  context: { message_id: string | null; from: string | null } | null;
  error: MessageError | null;
  sent_by: SentBy | null;
  timestamp: string;
  created_at: string;
}

export interface Channel {
  id: string;
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  name: string | null;
  app_id: string | null;
  created_at: string;
}

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string }[];
}

export interface Template {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components: TemplateComponent[];
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

// ---- WebSocket frames ----

export interface MessageNewEvent {
  conversation_id: string;
  seq: number;
  message: Message;
}

export interface MessageStatusEvent {
  conversation_id: string;
  seq: number;
  message_id: string;
  wamid: string | null;
  status: MessageStatus;
  error?: MessageError | null;
}

export interface ConversationEvent {
  conversation: Conversation;
}

export interface TypingEvent {
  conversation_id: string;
  user_id: string;
  name: string;
  typing: boolean;
}

export interface AckEvent {
  client_id: string;
  message_id: string;
}

export interface ServerErrorEvent {
  code: string;
  message: string;
  client_id?: string;
  conversation_id?: string;
}

export type ServerEvent =
  | { event: "message:new"; data: MessageNewEvent }
  | { event: "message:status"; data: MessageStatusEvent }
  | { event: "message:ack"; data: AckEvent }
  | { event: "conversation:new"; data: ConversationEvent }
  | { event: "conversation:updated"; data: ConversationEvent }
  | { event: "conversation:assigned"; data: ConversationEvent }
  | { event: "agent:typing"; data: TypingEvent }
  | { event: "error"; data: ServerErrorEvent };

export type ClientEvent =
  | { event: "conversation:join"; data: { conversation_id: string; since_seq?: number } }
  | { event: "conversation:leave"; data: { conversation_id: string } }
  | { event: "conversation:typing"; data: { conversation_id: string; typing: boolean } }
  | {
      event: "message:send";
      data: { conversation_id: string; client_id: string; type: "text"; text: { body: string } };
    };
