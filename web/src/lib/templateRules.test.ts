import { describe, expect, it } from "vitest";
import { checkTemplate, missingVariable, problemsByField, suggestedName, templateFieldOfPath, templateVariables } from "./templateRules";
import { EMPTY_DRAFT, type TemplateDraft } from "./templates";

const draft = (patch: Partial<TemplateDraft>): TemplateDraft => ({ ...EMPTY_DRAFT, name: "order_update", body: "Hi there, your order ships today.", ...patch });
const fields = (d: TemplateDraft) => checkTemplate(d).map((p) => `${p.field}:${p.key}`);

describe("checkTemplate", () => {
  it("accepts a good template", () => {
    const d = draft({
      headerFormat: "TEXT",
      headerText: "Order {{1}}",
      headerExample: "#4821",
      body: "Hi {{1}}, your order {{2}} ships today.",
      bodyExamples: ["Asha", "#4821"],
      footer: "Reply STOP to opt out",
      buttons: [
        { type: "QUICK_REPLY", text: "Track", url: "", phone_number: "", example: "" },
        { type: "QUICK_REPLY", text: "Help", url: "", phone_number: "", example: "" },
        { type: "URL", text: "Open", url: "https://shop.example/o/{{1}}", phone_number: "", example: "https://shop.example/o/1" },
      ],
    });
    expect(checkTemplate(d)).toEqual([]);
  });

  it("names: lowercase letters, digits and underscores only", () => {
    expect(fields(draft({ name: "Order Update" }))).toEqual(["name:templates.rule.name"]);
    expect(fields(draft({ name: "order-update" }))).toEqual(["name:templates.rule.name"]);
    expect(fields(draft({ name: "" }))).toEqual(["name:templates.rule.nameRequired"]);
    expect(fields(draft({ name: "a".repeat(513) }))).toEqual(["name:templates.rule.name"]);
    expect(fields(draft({ name: "order_2" }))).toEqual([]);
  });

  it("checks the language code as the server does", () => {
    expect(fields(draft({ language: "english" }))).toEqual(["language:templates.rule.language"]);
    expect(fields(draft({ language: "pt_BR" }))).toEqual([]);
  });

  it("limits the body to 1024 characters, counting an emoji as one", () => {
    expect(fields(draft({ body: "a".repeat(1024) }))).toEqual([]);
    expect(checkTemplate(draft({ body: "a".repeat(1025) }))).toEqual([{ field: "body", key: "templates.rule.tooLong", params: { count: 1025, max: 1024 } }]);
    expect(fields(draft({ body: "😀".repeat(1000) }))).toEqual([]);
    expect(fields(draft({ body: "" }))).toEqual(["body:templates.rule.bodyRequired"]);
  });

  it("wants numbered variables in order, not at the edges, each with an example", () => {
    expect(fields(draft({ body: "Hi {{1}} and {{3}} ok", bodyExamples: ["a", "b", "c"] }))).toEqual(["body:templates.rule.variablesGap"]);
    expect(checkTemplate(draft({ body: "Hi {{1}} and {{3}} ok", bodyExamples: ["a", "b", "c"] }))[0]!.params).toEqual({ n: 2 });
    expect(fields(draft({ body: "{{1}} is ready", bodyExamples: ["x"] }))).toEqual(["body:templates.rule.variableEdge"]);
    expect(fields(draft({ body: "Ready for {{1}}", bodyExamples: ["x"] }))).toEqual(["body:templates.rule.variableEdge"]);
    expect(fields(draft({ body: "Hi {{1}}, bye", bodyExamples: [""] }))).toEqual(["bodyExample.1:templates.rule.example"]);
    expect(fields(draft({ body: "Hi {{name}}, bye" }))).toEqual(["body:templates.rule.variablesNamed"]);
    expect(fields(draft({ body: "Hi {{name}} {{1}}, bye" }))).toEqual(["body:templates.rule.variablesMixed"]);
  });

  it("text header: at most 60 characters and one variable with an example", () => {
    expect(fields(draft({ headerFormat: "TEXT", headerText: "x".repeat(61) }))).toEqual(["headerText:templates.rule.tooLong"]);
    expect(fields(draft({ headerFormat: "TEXT", headerText: "{{1}} {{2}}" }))).toEqual(["headerText:templates.rule.headerOneVariable"]);
    expect(fields(draft({ headerFormat: "TEXT", headerText: "Order {{1}}" }))).toEqual(["headerExample:templates.rule.example"]);
    // An empty text header is left out.
    expect(fields(draft({ headerFormat: "TEXT", headerText: "  " }))).toEqual([]);
  });

  it("footer: at most 60 characters", () => {
    expect(fields(draft({ footer: "y".repeat(61) }))).toEqual(["footer:templates.rule.tooLong"]);
    expect(fields(draft({ footer: "y".repeat(60) }))).toEqual([]);
  });

  it("buttons: labels, kinds, grouped quick replies, URLs and phones", () => {
    const b = (type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER", extra: Partial<TemplateDraft["buttons"][number]> = {}) => ({
      type,
      text: "Go",
      url: type === "URL" ? "https://x.test" : "",
      phone_number: type === "PHONE_NUMBER" ? "+14155550123" : "",
      example: "",
      ...extra,
    });
    expect(fields(draft({ buttons: [b("QUICK_REPLY", { text: "" })] }))).toEqual(["button.1.text:templates.rule.buttonLabel"]);
    expect(fields(draft({ buttons: [b("QUICK_REPLY", { text: "x".repeat(26) })] }))).toEqual(["button.1.text:templates.rule.tooLong"]);
    expect(fields(draft({ buttons: [b("URL"), b("URL"), b("URL")] }))).toEqual(["buttons:templates.rule.buttonKinds"]);
    expect(fields(draft({ buttons: [b("QUICK_REPLY"), b("URL"), b("QUICK_REPLY")] }))).toEqual(["buttons:templates.rule.quickRepliesTogether"]);
    expect(fields(draft({ buttons: [b("URL", { url: "ftp://x" })] }))).toEqual(["button.1.url:templates.rule.buttonUrl"]);
    expect(fields(draft({ buttons: [b("PHONE_NUMBER", { phone_number: "" })] }))).toEqual(["button.1.phone:templates.rule.buttonPhone"]);
  });

  it("keeps the first problem of each field", () => {
    const byField = problemsByField(checkTemplate(draft({ name: "Bad", body: "{{1}} and {{3}}", bodyExamples: ["a", "b", "c"] })));
    expect(Object.keys(byField).sort()).toEqual(["body", "name"]);
    expect(byField.body!.key).toBe("templates.rule.variablesGap");
  });
});

describe("template variables", () => {
  it("reads variables as the server does", () => {
    expect(templateVariables("Hi {{1}}, {{ 2 }} and {{name}}")).toEqual(["1", "2", "name"]);
    expect(templateVariables("Hi {{1")).toEqual([]);
    expect(missingVariable(["1", "2", "1"])).toBeNull();
    expect(missingVariable(["2"])).toBe(1);
  });
});

describe("templateFieldOfPath", () => {
  it("maps the server's paths to the form's fields", () => {
    const d = draft({ headerFormat: "TEXT", headerText: "Hi", footer: "Bye", buttons: [{ type: "URL", text: "Go", url: "x", phone_number: "", example: "" }] });
    expect(templateFieldOfPath("name", d)).toBe("name");
    expect(templateFieldOfPath("components[0].text", d)).toBe("headerText");
    expect(templateFieldOfPath("components[0].example", d)).toBe("headerExample");
    expect(templateFieldOfPath("components[1].text", d)).toBe("body");
    expect(templateFieldOfPath("components[2].text", d)).toBe("footer");
    expect(templateFieldOfPath("components[3].buttons", d)).toBe("buttons");
    expect(templateFieldOfPath("components[3].buttons[0].url", d)).toBe("button.1.url");
    expect(templateFieldOfPath("components", d)).toBe("body");
    expect(templateFieldOfPath("components[9].text", d)).toBeNull();
  });
});

describe("suggestedName", () => {
  it("turns what was typed into an allowed name", () => {
    expect(suggestedName("Order Update!")).toBe("order_update");
    expect(suggestedName("  Diwali-offer 2026 ")).toBe("diwali_offer_2026");
  });
});
