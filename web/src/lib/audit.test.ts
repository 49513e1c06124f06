import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import hi from "../i18n/hi.json";
import { translate, type MessageKey, type Params } from "../i18n/translate";
import {
  ACTION_KEYS,
  actionPhrase,
  actorOf,
  addPage,
  changeLine,
  diffChange,
  filterRows,
  formatValue,
  hasMorePages,
  NO_PAGES,
  pageQuery,
  shortId,
  summariseChange,
  targetOf,
  verifyOutcome,
  verifyText,
  type AuditRow,
} from "./audit";

const t = (key: MessageKey, params?: Params) => translate({}, key, params);
const tHi = (key: MessageKey, params?: Params) => translate(hi, key, params);

const USER = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const KEY = "0193a1b2-c3d4-7e5f-8a9b-ffeeddccbbaa";

function row(id: number, over: Partial<AuditRow> = {}): AuditRow {
  return {
    id,
    tenant_id: "t1",
    at: "2026-11-29T10:00:00Z",
    actor_kind: "user",
    actor_id: USER,
    action: "auth.login",
    target: `user:${USER}`,
    before: null,
    after: null,
    ip: "127.0.0.1",
    request_id: "0193a1b2-0000-7000-8000-123456789abc",
    ...over,
  };
}

describe("action phrases", () => {
  it("reads every action the server writes, in English and Hindi", () => {
    expect(actionPhrase("auth.login", t)).toBe("Signed in");
    expect(actionPhrase("api_key.created", t)).toBe("Created an API key");
    expect(actionPhrase("user.created", t)).toBe("Added a team member");
    expect(actionPhrase("tenant.suspended", t)).toBe("Suspended the account");
    expect(actionPhrase("auth.login", tHi)).toBe("साइन इन किया");
    for (const action of Object.keys(ACTION_KEYS)) {
      const key = ACTION_KEYS[action]!;
      expect(key in en, action).toBe(true);
      expect(actionPhrase(action, t), action).not.toBe(action);
      expect(actionPhrase(action, t), action).not.toBe(key);
    }
  });
  it("falls back to the action as written when it is unknown", () => {
    expect(actionPhrase("flow.deleted", t)).toBe("flow.deleted");
    expect(actionPhrase("", t)).toBe("");
    // Not fooled by names on Object's prototype.
    expect(actionPhrase("toString", t)).toBe("toString");
    expect(actionPhrase("constructor", t)).toBe("constructor");
  });
  it("filters on the action as written or in words, ignoring case", () => {
    const rows = [row(3, { action: "api_key.created" }), row(2, { action: "user.created" }), row(1, { action: "auth.login" }), row(0, { action: "flow.deleted" })];
    const phrase = (a: string) => actionPhrase(a, t);
    expect(filterRows(rows, "", phrase).map((r) => r.id)).toEqual([3, 2, 1, 0]);
    expect(filterRows(rows, "  ", phrase).map((r) => r.id)).toEqual([3, 2, 1, 0]);
    expect(filterRows(rows, "API_KEY", phrase).map((r) => r.id)).toEqual([3]);
    expect(filterRows(rows, "created", phrase).map((r) => r.id)).toEqual([3, 2]);
    expect(filterRows(rows, "signed in", phrase).map((r) => r.id)).toEqual([1]);
    expect(filterRows(rows, "team member", phrase).map((r) => r.id)).toEqual([2]);
    expect(filterRows(rows, "flow.", phrase).map((r) => r.id)).toEqual([0]);
    expect(filterRows(rows, "nothing", phrase)).toEqual([]);
  });
});

describe("who and what to", () => {
  const names = new Map([[USER, "Asha Rao"]]);
  it("shortens ids to their random end", () => {
    expect(shortId(USER)).toBe("…2e3f4a5b");
    expect(shortId("starter")).toBe("starter");
    expect(shortId("123456789012")).toBe("123456789012");
    expect(shortId(null)).toBe("");
    expect(shortId(undefined)).toBe("");
    // Two UUIDv7s made in the same minute share their start, not their end.
    expect(shortId(USER)).not.toBe(shortId(KEY));
  });
  it("names a user where the team is known, else shows the short id", () => {
    expect(actorOf(row(1), names)).toEqual({ kind: "user", label: "Asha Rao", named: true });
    expect(actorOf(row(1), new Map())).toEqual({ kind: "user", label: "…2e3f4a5b", named: false });
    expect(actorOf(row(1, { actor_kind: "api_key", actor_id: KEY }), names)).toEqual({ kind: "api_key", label: "…ddccbbaa", named: false });
    // An API key's id is never looked up as a person's.
    expect(actorOf(row(1, { actor_kind: "api_key", actor_id: USER }), names).named).toBe(false);
    expect(actorOf(row(1, { actor_kind: "system", actor_id: null }), names)).toEqual({ kind: "system", label: "", named: false });
    expect(actorOf(row(1, { actor_kind: "anonymous", actor_id: null }), names).kind).toBe("anonymous");
    expect(actorOf(row(1, { actor_kind: "robot", actor_id: "r1" }), names)).toEqual({ kind: "robot", label: "r1", named: false });
  });
  it("reads targets as kind and id, naming users and accounts", () => {
    expect(targetOf(`user:${USER}`, names)).toEqual({ kind: "user", id: USER, label: "Asha Rao", named: true });
    expect(targetOf(`api_key:${KEY}`, names)).toEqual({ kind: "api_key", id: KEY, label: "api_key:…ddccbbaa", named: false });
    expect(targetOf("plan:starter", names)).toEqual({ kind: "plan", id: "starter", label: "plan:starter", named: false });
    expect(targetOf("tenant:abc", names, new Map([["abc", "Acme"]]))).toEqual({ kind: "tenant", id: "abc", label: "Acme", named: true });
    expect(targetOf("loose", names)).toEqual({ kind: "", id: "loose", label: "loose", named: false });
    expect(targetOf(null, names)).toBeNull();
    expect(targetOf("", names)).toBeNull();
  });
});

describe("before → after", () => {
  it("lists only the keys that changed", () => {
    expect(diffChange({ plan: "enterprise", status: "active" }, { plan: "starter", status: "active" })).toEqual([
      { key: "plan", kind: "changed", before: "enterprise", after: "starter" },
    ]);
    expect(diffChange({ plan: "starter", status: "active" }, { plan: "starter", status: "suspended" })).toEqual([
      { key: "status", kind: "changed", before: "active", after: "suspended" },
    ]);
    expect(diffChange({ a: 1 }, { a: 1 })).toEqual([]);
  });
  it("makes every key added when there was nothing before, removed when nothing after", () => {
    expect(diffChange(null, { role: "agent", password_changed: false })).toEqual([
      { key: "role", kind: "added", before: undefined, after: "agent" },
      { key: "password_changed", kind: "added", before: undefined, after: false },
    ]);
    expect(diffChange({ waba_id: "1" }, undefined)).toEqual([{ key: "waba_id", kind: "removed", before: "1", after: undefined }]);
    expect(diffChange(null, null)).toEqual([]);
    expect(diffChange(undefined, undefined)).toEqual([]);
  });
  it("orders before's keys first, then the new ones; keys only one side has are added or removed", () => {
    expect(diffChange({ waba_id: "1", old: true }, { access_token: "replaced", waba_id: "2" }).map((c) => [c.key, c.kind])).toEqual([
      ["waba_id", "changed"],
      ["old", "removed"],
      ["access_token", "added"],
    ]);
  });
  it("follows nested objects as dotted paths and compares lists and key order by value", () => {
    const before = { name: "Growth", limits: { agents: 3, flows: 5 }, features: ["broadcasts"], meta: { a: 1, b: 2 } };
    const after = { name: "Growth", limits: { agents: 5, flows: 5 }, features: ["broadcasts", "api_access"], meta: { b: 2, a: 1 } };
    expect(diffChange(before, after)).toEqual([
      { key: "limits.agents", kind: "changed", before: 3, after: 5 },
      { key: "features", kind: "changed", before: ["broadcasts"], after: ["broadcasts", "api_access"] },
    ]);
    // A limit going from a number to unlimited (null), and a null to a number.
    expect(diffChange({ limits: { agents: 3 } }, { limits: { agents: null } })).toEqual([{ key: "limits.agents", kind: "changed", before: 3, after: null }]);
    expect(diffChange({ price: null }, { price: 99900 })).toEqual([{ key: "price", kind: "changed", before: null, after: 99900 }]);
  });
  it("takes values that are not objects as a whole", () => {
    expect(diffChange("a", "b")).toEqual([{ key: "", kind: "changed", before: "a", after: "b" }]);
    expect(diffChange([1], [1, 2])).toEqual([{ key: "", kind: "changed", before: [1], after: [1, 2] }]);
    expect(diffChange(null, 5)).toEqual([{ key: "", kind: "added", before: undefined, after: 5 }]);
  });
  it("writes changes in a line each, cut short, with how many more", () => {
    expect(changeLine({ key: "role", kind: "changed", before: "agent", after: "tenant_admin" })).toBe("role: agent → tenant_admin");
    expect(changeLine({ key: "email", kind: "added", before: undefined, after: "a@b.test" })).toBe("email: a@b.test");
    expect(changeLine({ key: "waba_id", kind: "removed", before: "1", after: undefined })).toBe("waba_id: 1 → —");
    expect(changeLine({ key: "", kind: "changed", before: 1, after: 2 })).toBe("1 → 2");
    expect(formatValue(["read", "write"])).toBe("[read, write]");
    expect(formatValue(null)).toBe("null");
    expect(formatValue(false)).toBe("false");
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
    const changes = diffChange(null, { name: "CRM", prefix: "wf_abc", scopes: ["read"], extra: 1 });
    expect(summariseChange(changes)).toEqual({ lines: ["name: CRM", "prefix: wf_abc", "scopes: [read]"], more: 1 });
    expect(summariseChange(changes, 10).more).toBe(0);
    expect(summariseChange([])).toEqual({ lines: [], more: 0 });
  });
});

describe("paging", () => {
  it("asks for the first page without a cursor, then before the cursor", () => {
    expect(pageQuery(null)).toEqual({ limit: 50 });
    expect(pageQuery("120")).toEqual({ before: "120", limit: 50 });
    expect(pageQuery("120", 500)).toEqual({ before: "120", limit: 100 });
    expect(pageQuery(null, 0)).toEqual({ limit: 1 });
  });
  it("appends later pages newest first, each row once, until the cursor is null", () => {
    expect(hasMorePages(NO_PAGES)).toBe(false);
    let s = addPage(NO_PAGES, { data: [row(10), row(9), row(8)], next_cursor: "8" }, true);
    expect(s.rows.map((r) => r.id)).toEqual([10, 9, 8]);
    expect(s.cursor).toBe("8");
    expect(hasMorePages(s)).toBe(true);
    // A row seen already (it arrived again) is not doubled.
    s = addPage(s, { data: [row(8), row(7), row(6)], next_cursor: "6" }, false);
    expect(s.rows.map((r) => r.id)).toEqual([10, 9, 8, 7, 6]);
    s = addPage(s, { data: [row(5)], next_cursor: null }, false);
    expect(s.rows.map((r) => r.id)).toEqual([10, 9, 8, 7, 6, 5]);
    expect(s.cursor).toBeNull();
    expect(hasMorePages(s)).toBe(false);
    expect(s.loaded).toBe(true);
  });
  it("starts over with a first page", () => {
    const s = addPage(addPage(NO_PAGES, { data: [row(3), row(2)], next_cursor: "2" }, true), { data: [row(4), row(3)], next_cursor: "3" }, true);
    expect(s.rows.map((r) => r.id)).toEqual([4, 3]);
    expect(s.cursor).toBe("3");
  });
  it("loaded with nothing in it has nothing more", () => {
    const s = addPage(NO_PAGES, { data: [], next_cursor: null }, true);
    expect(s).toEqual({ rows: [], cursor: null, loaded: true });
    expect(hasMorePages(s)).toBe(false);
  });
});

describe("verification", () => {
  it("says intact, or which row broke the chain", () => {
    expect(verifyText(verifyOutcome({ valid: true }), t)).toBe("Intact");
    expect(verifyOutcome({ valid: false, first_bad_id: 123 })).toEqual({ intact: false, badId: 123 });
    expect(verifyText(verifyOutcome({ valid: false, first_bad_id: 123 }), t)).toBe("Row #123 was changed or removed");
    expect(verifyText(verifyOutcome({ valid: false }), t)).toBe("An entry was changed or removed");
    expect(verifyText(verifyOutcome({ valid: false, first_bad_id: 7 }), tHi)).toBe("पंक्ति #7 बदली या हटाई गई");
  });
});
