import { describe, expect, it } from "vitest";
import {
  addWebhookAlert,
  appendUnique,
  attemptSucceeded,
  endpointHealth,
  parseWebhookDisabled,
  prettyPayload,
  toggleEvent,
  upsertEndpoint,
  urlProblem,
  withoutSecret,
  type EndpointView,
} from "./webhooks";

const endpoint = (over: Partial<EndpointView> = {}): EndpointView => ({
  id: "e1",
  url: "https://example.com/hooks",
  description: "",
  events: ["contact.created"],
  enabled: true,
  disabled_reason: null,
  failing_since: null,
  pending: 0,
  last_attempt_at: null,
  last_status_code: null,
  created_at: "2026-11-30T00:00:00Z",
  updated_at: "2026-11-30T00:00:00Z",
  ...over,
});

describe("an endpoint's health", () => {
  it("is switched off, failing, fine or not tried yet", () => {
    expect(endpointHealth(endpoint({ enabled: false, failing_since: "2026-11-29T00:00:00Z" }))).toBe("disabled");
    expect(endpointHealth(endpoint({ failing_since: "2026-11-29T00:00:00Z", last_attempt_at: "2026-11-30T00:00:00Z" }))).toBe("failing");
    expect(endpointHealth(endpoint({ last_attempt_at: "2026-11-30T00:00:00Z" }))).toBe("ok");
    expect(endpointHealth(endpoint())).toBe("idle");
  });
  it("counts 2xx answers as delivered", () => {
    expect(attemptSucceeded({ status_code: 200 })).toBe(true);
    expect(attemptSucceeded({ status_code: 204 })).toBe(true);
    expect(attemptSucceeded({ status_code: 301 })).toBe(false);
    expect(attemptSucceeded({ status_code: 500 })).toBe(false);
    expect(attemptSucceeded({ status_code: null })).toBe(false);
  });
});

describe("the endpoint form", () => {
  it("keeps events sorted and unique", () => {
    expect(toggleEvent(["message.received"], "contact.created", true)).toEqual(["contact.created", "message.received"]);
    expect(toggleEvent(["contact.created"], "contact.created", true)).toEqual(["contact.created"]);
    expect(toggleEvent(["contact.created", "message.received"], "contact.created", false)).toEqual(["message.received"]);
  });
  it("checks the URL before asking the server", () => {
    expect(urlProblem("  ")).toBe("empty");
    expect(urlProblem("example.com/hooks")).toBe("invalid");
    expect(urlProblem("ftp://example.com/hooks")).toBe("invalid");
    expect(urlProblem("https://example.com/hooks")).toBeNull();
    expect(urlProblem("http://127.0.0.1:8080/x")).toBeNull();
  });
});

describe("lists", () => {
  it("adds pages without repeats and replaces endpoints by id", () => {
    expect(appendUnique([{ id: "a" }, { id: "b" }], [{ id: "b" }, { id: "c" }]).map((x) => x.id)).toEqual(["a", "b", "c"]);
    const list = [endpoint(), endpoint({ id: "e2" })];
    expect(upsertEndpoint(list, endpoint({ id: "e2", enabled: false }))[1]!.enabled).toBe(false);
    expect(upsertEndpoint(list, endpoint({ id: "e3" })).map((e) => e.id)).toEqual(["e3", "e1", "e2"]);
  });
  it("drops the secret from the created answer", () => {
    const view = withoutSecret({ ...endpoint(), secret: "whsec_x" });
    expect("secret" in view).toBe(false);
    expect(view.id).toBe("e1");
  });
  it("shows payloads as indented JSON", () => {
    expect(prettyPayload({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyPayload('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyPayload("plain")).toBe("plain");
    expect(prettyPayload(null)).toBe("null");
  });
});

describe("the webhook_disabled alert", () => {
  it("reads the notification", () => {
    expect(parseWebhookDisabled({ kind: "webhook_disabled", endpoint_id: "e1", url: "https://x", message: "failing for a day" }, 5)).toEqual({
      endpointId: "e1",
      url: "https://x",
      message: "failing for a day",
      at: 5,
    });
    expect(parseWebhookDisabled({ kind: "webhook_disabled" }, 5)).toBeNull();
    expect(parseWebhookDisabled({ kind: "campaign_paused", endpoint_id: "e1" }, 5)).toBeNull();
    expect(parseWebhookDisabled(null, 5)).toBeNull();
  });
  it("keeps one per endpoint, newest first, a few at most", () => {
    const a = (id: string, at: number) => ({ endpointId: id, url: "", message: "", at });
    const list = addWebhookAlert(addWebhookAlert([a("e1", 1)], a("e2", 2)), a("e1", 3));
    expect(list.map((x) => [x.endpointId, x.at])).toEqual([
      ["e1", 3],
      ["e2", 2],
    ]);
    expect(addWebhookAlert([a("1", 1), a("2", 1)], a("3", 1), 2).map((x) => x.endpointId)).toEqual(["3", "1"]);
  });
});
