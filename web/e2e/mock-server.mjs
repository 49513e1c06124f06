#!/usr/bin/env node
// An in-memory stand-in for the whatsflow server, implementing the HTTP and
// WebSocket contracts of shared/DESIGN.md closely enough to develop and
// browser-test the web app without the Rust server. Serves web/dist too.
//
//   node e2e/mock-server.mjs [--port 4010] [--seed] [--access-ttl 900]
//
// Test-only controls live under /__mock (never part of the real API):
//   POST /__mock/drop-sockets   close every WebSocket (to exercise reconnect)
//   POST /__mock/pause-sockets  {ms}: refuse WebSocket upgrades for ms
// Seeded login (with --seed): demo@whatsflow.test / demo-password

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(arg("port", process.env.PORT ?? 4010));
const ACCESS_TTL = Number(arg("access-ttl", 900));
const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const PLATFORM_APP_SECRET = process.env.WHATSAPP_APP_SECRET ?? "mock-platform-secret";

// ---------------- state ----------------
const db = {
  tenants: new Map(),
  users: new Map(), // id -> {id, tenant_id, name, email, role, password}
  access: new Map(), // token -> {userId, exp}
  refresh: new Map(), // token -> userId
  channels: [],
  contacts: [],
  conversations: [],
  messages: new Map(), // conversation id -> Message[]
  templates: new Map(), // tenant id -> Template[]
};
const sockets = new Set(); // {ws, user, joined:Set}
let refuseUpgradesUntil = 0;

const now = () => new Date().toISOString();
const token = () => randomBytes(24).toString("base64url");
const publicUser = ({ password: _p, ...u }) => u;

function issue(user) {
  const access_token = token();
  const refresh_token = token();
  db.access.set(access_token, { userId: user.id, exp: Date.now() + ACCESS_TTL * 1000 });
  db.refresh.set(refresh_token, user.id);
  return { access_token, refresh_token, expires_in: ACCESS_TTL, user: publicUser(user) };
}

function createTenant(tenantName, name, email, password) {
  const tenant = { id: randomUUID(), name: tenantName };
  db.tenants.set(tenant.id, tenant);
  const user = { id: randomUUID(), tenant_id: tenant.id, name, email: email.toLowerCase(), role: "tenant_admin", password };
  db.users.set(user.id, user);
  db.templates.set(tenant.id, [
    {
      id: randomUUID(),
      name: "order_update",
      language: "en",
      status: "APPROVED",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hi {{1}}, your order {{2}} is on its way." }],
    },
    {
      id: randomUUID(),
      name: "follow_up",
      language: "en",
      status: "APPROVED",
      category: "MARKETING",
      components: [{ type: "BODY", text: "Hello! We'd love to continue our conversation. Reply to chat with us." }],
    },
    { id: randomUUID(), name: "draft_promo", language: "en", status: "PENDING", category: "MARKETING", components: [] },
  ]);
  return { tenant, user };
}

function createChannel(tenantId, body) {
  const ch = {
    id: randomUUID(),
    tenant_id: tenantId,
    phone_number_id: body.phone_number_id,
    display_phone_number: body.display_phone_number,
    waba_id: body.waba_id,
    name: body.name ?? null,
    app_id: body.app_id ?? null,
    app_secret: body.app_secret ?? null,
    created_at: now(),
  };
  db.channels.push(ch);
  return ch;
}
const publicChannel = ({ tenant_id: _t, app_secret: _s, ...c }) => c;

function findOrCreateContact(tenantId, { phone, name, user_id, username }) {
  let c = db.contacts.find((x) => x.tenant_id === tenantId && ((phone && x.phone === phone) || (user_id && x.user_id === user_id)));
  if (!c) {
    c = { id: randomUUID(), tenant_id: tenantId, phone: phone ?? null, name: name ?? null, user_id: user_id ?? null, username: username ?? null, tags: [], created_at: now() };
    db.contacts.push(c);
  } else if (name && !c.name) c.name = name;
  return c;
}
const contactRef = (c) => ({ id: c.id, phone: c.phone, name: c.name, user_id: c.user_id, username: c.username });

function findOrCreateConversation(tenantId, channel, contact) {
  let conv = db.conversations.find((x) => x.tenant_id === tenantId && x.contact_id === contact.id && x.status !== "closed");
  let created = false;
  if (!conv) {
    conv = {
      id: randomUUID(),
      tenant_id: tenantId,
      channel_id: channel.id,
      contact_id: contact.id,
      status: "open",
      assignee_id: null,
      unread_count: 0,
      last_message_at: null,
      last_inbound_at: null,
      created_at: now(),
      updated_at: now(),
    };
    db.conversations.push(conv);
    db.messages.set(conv.id, []);
    created = true;
  }
  return { conv, created };
}

function viewConversation(conv) {
  const contact = db.contacts.find((c) => c.id === conv.contact_id);
  const msgs = db.messages.get(conv.id) ?? [];
  const windowEnd = conv.last_inbound_at ? new Date(Date.parse(conv.last_inbound_at) + 24 * 3600 * 1000).toISOString() : null;
  const { tenant_id: _t, contact_id: _c, ...rest } = conv;
  return { ...rest, contact: contactRef(contact), window_expires_at: windowEnd, last_message: msgs.at(-1) ?? null };
}

function addMessage(conv, fields) {
  const list = db.messages.get(conv.id);
  const seq = (list.at(-1)?.seq ?? 0) + 1;
  const ts = fields.timestamp ?? now();
  const m = {
    id: randomUUID(),
    conversation_id: conv.id,
    seq,
    wamid: fields.wamid ?? `wamid.${token()}`,
    direction: fields.direction,
    type: fields.type,
    status: fields.status ?? (fields.direction === "inbound" ? "received" : "accepted"),
    content: fields.content,
    context: fields.context ?? null,
    error: null,
    sent_by: fields.sent_by ?? null,
    timestamp: ts,
    created_at: now(),
  };
  list.push(m);
  conv.last_message_at = ts;
  conv.updated_at = now();
  if (m.direction === "inbound") {
    conv.last_inbound_at = ts;
    conv.unread_count += 1;
    if (conv.status === "resolved") conv.status = "open";
  }
  return m;
}

// ---------------- fan-out ----------------
function broadcast(tenantId, event, data, except = null) {
  const frame = JSON.stringify({ event, data });
  for (const s of sockets) if (s.user.tenant_id === tenantId && s !== except && s.ws.readyState === 1) s.ws.send(frame);
}

function publishMessage(conv, m, createdConv) {
  if (createdConv) broadcast(conv.tenant_id, "conversation:new", { conversation: viewConversation(conv) });
  broadcast(conv.tenant_id, "message:new", { conversation_id: conv.id, seq: m.seq, message: m });
  if (!createdConv) broadcast(conv.tenant_id, "conversation:updated", { conversation: viewConversation(conv) });
}

function setStatus(conv, m, status, error = null) {
  const rank = { accepted: 1, sent: 2, failed: 3, delivered: 4, read: 5 };
  if ((rank[status] ?? 0) <= (rank[m.status] ?? 0)) return;
  m.status = status;
  if (error) m.error = error;
  broadcast(conv.tenant_id, "message:status", {
    conversation_id: conv.id,
    seq: m.seq,
    message_id: m.id,
    wamid: m.wamid,
    status,
    ...(error ? { error } : {}),
  });
}

function simulateDelivery(conv, m, failWith = null) {
  setTimeout(() => (failWith ? setStatus(conv, m, "failed", failWith) : setStatus(conv, m, "sent")), 400);
  if (failWith) return;
  setTimeout(() => setStatus(conv, m, "delivered"), 900);
  setTimeout(() => setStatus(conv, m, "read"), 2000);
}

// ---------------- HTTP helpers ----------------
function send(res, status, body) {
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
const fail = (res, status, code, message) => send(res, status, { error: { code, message } });

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function authUser(req, url) {
  const h = req.headers.authorization ?? "";
  const t = h.startsWith("Bearer ") ? h.slice(7) : url.searchParams.get("token");
  const a = t ? db.access.get(t) : null;
  if (!a || a.exp < Date.now()) return null;
  return db.users.get(a.userId) ?? null;
}

function paginate(items, url) {
  const limit = Math.min(Number(url.searchParams.get("limit") ?? 50) || 50, 200);
  const offset = Number(url.searchParams.get("cursor") ?? 0) || 0;
  const page = items.slice(offset, offset + limit);
  return { data: page, next_cursor: offset + limit < items.length ? String(offset + limit) : null };
}

function verifySignature(raw, header, secret) {
  if (!header?.startsWith("sha256=") || !secret) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(raw).digest("hex"));
  const got = Buffer.from(header.slice(7));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

// ---------------- webhook ingest ----------------
function ingest(payload) {
  for (const entry of payload.entry ?? []) {
    for (const change of entry.changes ?? []) {
      const v = change.value ?? {};
      const channel = db.channels.find((c) => c.phone_number_id === v.metadata?.phone_number_id);
      if (!channel) continue;
      for (const msg of v.messages ?? []) {
        const all = [...db.messages.values()].flat();
        if (all.some((m) => m.wamid === msg.id)) continue; // idempotent on wamid
        const profile = (v.contacts ?? []).find((c) => c.wa_id === msg.from || c.user_id === msg.from_user_id);
        const contact = findOrCreateContact(channel.tenant_id, {
          phone: msg.from ?? null,
          name: profile?.profile?.name,
          user_id: msg.from_user_id ?? profile?.user_id,
          username: profile?.profile?.username,
        });
        const { conv, created } = findOrCreateConversation(channel.tenant_id, channel, contact);
        const m = addMessage(conv, {
          direction: "inbound",
          type: msg.type,
          content: msg[msg.type] ?? {},
          wamid: msg.id,
          context: msg.context ? { message_id: msg.context.id, from: msg.context.from ?? null } : null,
          timestamp: msg.timestamp ? new Date(Number(msg.timestamp) * 1000).toISOString() : now(),
        });
        publishMessage(conv, m, created);
      }
    }
  }
}

// ---------------- routes ----------------
async function api(req, res, url) {
  const path = url.pathname.slice("/api/v1".length);
  const method = req.method;
  const body = method === "GET" ? {} : JSON.parse((await readBody(req)).toString() || "{}");

  if (method === "POST" && path === "/auth/register") {
    if (!body.email || !body.password || body.password.length < 8) return fail(res, 422, "VALIDATION", "Email and a password of at least 8 characters are required");
    if ([...db.users.values()].some((u) => u.email === body.email.toLowerCase())) return fail(res, 409, "EMAIL_TAKEN", "An account with this email already exists");
    const { user } = createTenant(body.tenant_name, body.name, body.email, body.password);
    return send(res, 201, issue(user));
  }
  if (method === "POST" && path === "/auth/login") {
    const user = [...db.users.values()].find((u) => u.email === String(body.email ?? "").toLowerCase());
    if (!user || user.password !== body.password) return fail(res, 401, "INVALID_CREDENTIALS", "Email or password is incorrect");
    return send(res, 200, issue(user));
  }
  if (method === "POST" && path === "/auth/refresh") {
    const userId = db.refresh.get(body.refresh_token);
    if (!userId) return fail(res, 401, "INVALID_REFRESH_TOKEN", "Refresh token is invalid or expired");
    db.refresh.delete(body.refresh_token);
    return send(res, 200, issue(db.users.get(userId)));
  }
  if (method === "POST" && path === "/auth/logout") {
    db.refresh.delete(body.refresh_token);
    return send(res, 204);
  }

  const user = authUser(req, url);
  if (!user) return fail(res, 401, "UNAUTHENTICATED", "Missing or expired access token");
  const tid = user.tenant_id;
  const isAdmin = user.role !== "agent";

  if (method === "GET" && path === "/auth/me") return send(res, 200, publicUser(user));
  if (method === "GET" && path === "/users") {
    return send(res, 200, { data: [...db.users.values()].filter((u) => u.tenant_id === tid).map(publicUser), next_cursor: null });
  }
  if (path === "/channels") {
    if (!isAdmin) return fail(res, 403, "FORBIDDEN", "Admins only");
    if (method === "GET") return send(res, 200, paginate(db.channels.filter((c) => c.tenant_id === tid).map(publicChannel), url));
    if (method === "POST") {
      for (const k of ["phone_number_id", "display_phone_number", "waba_id", "access_token"]) {
        if (!body[k]) return fail(res, 422, "VALIDATION", `${k} is required`);
      }
      if (db.channels.some((c) => c.phone_number_id === body.phone_number_id)) return fail(res, 409, "CHANNEL_EXISTS", "This phone number is already connected");
      return send(res, 201, publicChannel(createChannel(tid, body)));
    }
  }
  if (method === "GET" && path === "/contacts") {
    const q = (url.searchParams.get("search") ?? "").toLowerCase();
    const list = db.contacts
      .filter((c) => c.tenant_id === tid)
      .filter((c) => !q || [c.name, c.phone, c.username].some((f) => f?.toLowerCase().includes(q)))
      .map(({ tenant_id: _t, ...c }) => c);
    return send(res, 200, paginate(list, url));
  }
  let m = path.match(/^\/contacts\/([^/]+)$/);
  if (method === "GET" && m) {
    const c = db.contacts.find((x) => x.tenant_id === tid && x.id === m[1]);
    if (!c) return fail(res, 404, "NOT_FOUND", "Contact not found");
    const { tenant_id: _t, ...rest } = c;
    return send(res, 200, rest);
  }
  if (method === "GET" && path === "/templates") return send(res, 200, { data: db.templates.get(tid) ?? [], next_cursor: null });
  if (method === "GET" && path === "/conversations") {
    const status = url.searchParams.get("status");
    const assignee = url.searchParams.get("assignee") ?? "all";
    const unread = url.searchParams.get("unread") === "true";
    const list = db.conversations
      .filter((c) => c.tenant_id === tid)
      .filter((c) => !status || c.status === status)
      .filter((c) => assignee === "all" || (assignee === "me" ? c.assignee_id === user.id : c.assignee_id === null))
      .filter((c) => !unread || c.unread_count > 0)
      .sort((a, b) => Date.parse(b.last_message_at ?? b.updated_at) - Date.parse(a.last_message_at ?? a.updated_at))
      .map(viewConversation);
    return send(res, 200, paginate(list, url));
  }
  m = path.match(/^\/conversations\/([^/]+)(\/messages)?$/);
  if (m) {
    const conv = db.conversations.find((c) => c.tenant_id === tid && c.id === m[1]);
    if (!conv) return fail(res, 404, "NOT_FOUND", "Conversation not found");
    if (!m[2] && method === "GET") return send(res, 200, viewConversation(conv));
    if (!m[2] && method === "PATCH") {
      if (body.status) conv.status = body.status;
      if ("assignee_id" in body) conv.assignee_id = body.assignee_id;
      conv.updated_at = now();
      const view = viewConversation(conv);
      broadcast(tid, "assignee_id" in body ? "conversation:assigned" : "conversation:updated", { conversation: view });
      return send(res, 200, view);
    }
    if (m[2] && method === "GET") {
      const all = db.messages.get(conv.id);
      const before = Number(url.searchParams.get("before_seq") ?? Infinity);
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const older = all.filter((x) => x.seq < before);
      const page = older.slice(-limit);
      return send(res, 200, { data: page, next_cursor: older.length > page.length ? String(page[0].seq) : null });
    }
    if (m[2] && method === "POST") {
      if (body.type !== "template") {
        const open = conv.last_inbound_at && Date.parse(conv.last_inbound_at) + 24 * 3600 * 1000 > Date.now();
        if (!open) return fail(res, 422, "WINDOW_CLOSED", "The 24-hour window is closed; send an approved template instead");
      }
      const msg = addMessage(conv, { direction: "outbound", type: body.type, content: body[body.type], sent_by: { kind: "agent", id: user.id } });
      publishMessage(conv, msg, false);
      simulateDelivery(conv, msg);
      return send(res, 201, msg);
    }
  }
  return fail(res, 404, "NOT_FOUND", `No route for ${method} ${url.pathname}`);
}

const MIME = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png" };

async function serveStatic(res, pathname) {
  const safe = normalize(pathname).replace(/^(\.\.[/\\])+/, "");
  let file = join(DIST, safe);
  try {
    if (!(await stat(file)).isFile()) throw new Error("dir");
  } catch {
    file = join(DIST, "index.html"); // SPA fallback for deep links
  }
  try {
    const data = await readFile(file);
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(data);
  } catch {
    res.writeHead(404).end("web/dist is missing: run npm run build");
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  try {
    if (url.pathname.startsWith("/api/v1/")) return await api(req, res, url);
    if (url.pathname.startsWith("/webhooks/whatsapp")) {
      const raw = await readBody(req);
      const appId = url.pathname.split("/")[3];
      const secret = appId ? db.channels.find((c) => c.app_id === appId)?.app_secret : PLATFORM_APP_SECRET;
      if (!verifySignature(raw, req.headers["x-hub-signature-256"], secret)) return fail(res, 401, "BAD_SIGNATURE", "Signature mismatch");
      ingest(JSON.parse(raw.toString()));
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && url.pathname === "/__mock/drop-sockets") {
      for (const s of sockets) s.ws.terminate();
      return send(res, 200, { dropped: sockets.size });
    }
    if (req.method === "POST" && url.pathname === "/__mock/pause-sockets") {
      const { ms = 3000 } = JSON.parse((await readBody(req)).toString() || "{}");
      refuseUpgradesUntil = Date.now() + ms;
      for (const s of sockets) s.ws.terminate();
      return send(res, 200, { until: refuseUpgradesUntil });
    }
    if (url.pathname === "/health") return send(res, 200, { status: "ok" });
    return await serveStatic(res, url.pathname);
  } catch (e) {
    console.error(e);
    return fail(res, 500, "INTERNAL", String(e));
  }
});

// ---------------- WebSocket ----------------
const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const user = url.pathname === "/api/v1/ws" && Date.now() >= refuseUpgradesUntil ? authUser(req, url) : null;
  if (!user) {
    socket.write("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const session = { ws, user, joined: new Set() };
    sockets.add(session);
    ws.on("close", () => sockets.delete(session));
    ws.on("message", (raw) => {
      let frame;
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        return ws.send(JSON.stringify({ event: "error", data: { code: "BAD_FRAME", message: "Frames must be JSON" } }));
      }
      onFrame(session, frame.event, frame.data ?? {});
    });
  });
});

function onFrame(session, event, data) {
  const { user, ws } = session;
  const conv = db.conversations.find((c) => c.tenant_id === user.tenant_id && c.id === data.conversation_id);
  const reply = (e, d) => ws.send(JSON.stringify({ event: e, data: d }));
  if (!conv) return reply("error", { code: "NOT_FOUND", message: "Conversation not found", client_id: data.client_id });
  switch (event) {
    case "conversation:join": {
      session.joined.add(conv.id);
      if (conv.unread_count) {
        conv.unread_count = 0;
        conv.updated_at = now();
        broadcast(user.tenant_id, "conversation:updated", { conversation: viewConversation(conv) });
      }
      const since = Number(data.since_seq ?? 0);
      if (since > 0) for (const m of db.messages.get(conv.id).filter((x) => x.seq > since)) reply("message:new", { conversation_id: conv.id, seq: m.seq, message: m });
      return;
    }
    case "conversation:leave":
      session.joined.delete(conv.id);
      return;
    case "conversation:typing":
      for (const s of sockets) {
        if (s !== session && s.joined.has(conv.id)) s.ws.send(JSON.stringify({ event: "agent:typing", data: { conversation_id: conv.id, user_id: user.id, name: user.name, typing: data.typing !== false } }));
      }
      return;
    case "message:send": {
      const open = conv.last_inbound_at && Date.parse(conv.last_inbound_at) + 24 * 3600 * 1000 > Date.now();
      if (!open) return reply("error", { code: "WINDOW_CLOSED", message: "The 24-hour window is closed; send an approved template instead", client_id: data.client_id });
      const m = addMessage(conv, { direction: "outbound", type: "text", content: data.text, sent_by: { kind: "agent", id: user.id } });
      reply("message:ack", { client_id: data.client_id, message_id: m.id });
      publishMessage(conv, m, false);
      const body = String(data.text?.body ?? "");
      simulateDelivery(conv, m, body.includes("#fail") ? { code: 131026, title: "Message undeliverable", message: "Receiver is incapable of receiving this message" } : null);
      return;
    }
    default:
      return;
  }
}

// ---------------- seed ----------------
function seed() {
  const { user, tenant } = createTenant("Chai Point", "Demo Admin", "demo@whatsflow.test", "demo-password");
  db.users.set("agent-ravi", { id: "agent-ravi", tenant_id: tenant.id, name: "Ravi Kumar", email: "ravi@whatsflow.test", role: "agent", password: "demo-password" });
  const channel = createChannel(tenant.id, { phone_number_id: "1065550001", display_phone_number: "+91 98765 00001", waba_id: "2020001", name: "Support", app_id: "mock-app", app_secret: "mock-app-secret" });
  const ago = (min) => new Date(Date.now() - min * 60_000).toISOString();
  const convo = (contact, msgs, extra = {}) => {
    const c = findOrCreateContact(tenant.id, contact);
    const { conv } = findOrCreateConversation(tenant.id, channel, c);
    for (const m of msgs) addMessage(conv, m);
    Object.assign(conv, extra);
    return conv;
  };
  const first = convo({ phone: "+919812345678", name: "Asha Verma" }, [
    { direction: "inbound", type: "text", content: { body: "Hi! Is my order shipped yet?" }, timestamp: ago(50), wamid: "wamid.asha1" },
    { direction: "outbound", type: "text", content: { body: "Hello Asha, let me check that for you." }, status: "read", sent_by: { kind: "agent", id: user.id }, timestamp: ago(48), wamid: "wamid.out1" },
    { direction: "inbound", type: "reaction", content: { emoji: "🙏", message_id: "wamid.out1" }, timestamp: ago(47) },
    { direction: "inbound", type: "image", content: { id: "media-1", mime_type: "image/jpeg", caption: "This is the receipt" }, timestamp: ago(46) },
    { direction: "inbound", type: "location", content: { latitude: 28.6139, longitude: 77.209, name: "Connaught Place", address: "New Delhi 110001" }, timestamp: ago(45) },
    { direction: "outbound", type: "interactive", content: { type: "button", body: { text: "Was this helpful?" }, action: { buttons: [{ type: "reply", reply: { id: "yes", title: "Yes" } }, { type: "reply", reply: { id: "no", title: "No" } }] } }, status: "delivered", sent_by: { kind: "flow", id: "flow-1" }, timestamp: ago(44) },
    { direction: "inbound", type: "interactive", content: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } }, timestamp: ago(43), context: { message_id: "wamid.out1", from: null } },
    { direction: "inbound", type: "document", content: { id: "media-2", mime_type: "application/pdf", filename: "invoice-4411.pdf" }, timestamp: ago(30) },
    { direction: "outbound", type: "text", content: { body: "Thanks! Your order #4411 left our warehouse today." }, status: "delivered", sent_by: { kind: "agent", id: user.id }, timestamp: ago(20) },
    { direction: "outbound", type: "text", content: { body: "Tracking link coming shortly." }, status: "failed", sent_by: { kind: "agent", id: user.id }, timestamp: ago(19) },
    { direction: "inbound", type: "text", content: { body: "Great, thank you 😊" }, timestamp: ago(2) },
  ]);
  first.unread_count = 1;
  db.messages.get(first.id).find((m) => m.status === "failed").error = { code: 131047, title: "Re-engagement message", message: "More than 24 hours have passed since the customer last replied." };
  convo({ phone: "+919900011122", name: "Rahul Mehta" }, [
    { direction: "inbound", type: "contacts", content: [{ name: { formatted_name: "Neha Singh" }, phones: [{ phone: "+91 99887 76655" }] }], timestamp: ago(60 * 30) },
    { direction: "inbound", type: "order", content: { catalog_id: "cat1", product_items: [{ product_retailer_id: "masala-chai", quantity: 2, item_price: 120, currency: "INR" }] }, timestamp: ago(60 * 30 - 1) },
  ]);
  const pend = convo({ phone: null, user_id: "IN.1a2b3c", username: "meera.codes", name: "Meera" }, [
    { direction: "inbound", type: "audio", content: { id: "media-3", mime_type: "audio/ogg", voice: true }, timestamp: ago(200) },
    { direction: "inbound", type: "unsupported", content: { errors: [{ code: 131051, title: "Message type unknown" }] }, timestamp: ago(190) },
  ]);
  pend.assignee_id = user.id;
  pend.unread_count = 2;
  db.contacts.find((c) => c.name === "Asha Verma").tags = ["vip", "repeat-buyer"];
  console.log(`seeded: demo@whatsflow.test / demo-password (tenant ${tenant.id})`);
}

if (args.includes("--seed")) seed();
server.listen(PORT, "127.0.0.1", () => console.log(`mock whatsflow on http://127.0.0.1:${server.address().port}`));
