import { describe, expect, it } from "vitest";
import {
  bubbleOf,
  componentsToDraft,
  draftToComponents,
  EMPTY_DRAFT,
  fillVariables,
  normaliseName,
  parseProblems,
  templateVariableCount,
  variableCountOf,
  variableNumbers,
} from "./templates";

describe("variables", () => {
  it("finds and counts them", () => {
    expect(variableNumbers("Hi {{1}}, {{2}} and {{1}} again, {{ 3 }}")).toEqual([1, 2, 3]);
    expect(variableCountOf("no vars")).toBe(0);
    expect(variableCountOf("gap {{1}} {{3}}")).toBe(3);
    expect(fillVariables("Hi {{1}}, order {{2}}", ["Asha"])).toBe("Hi Asha, order {{2}}");
  });

  it("counts a stored template's header and body variables", () => {
    expect(
      templateVariableCount([
        { type: "HEADER", format: "TEXT", text: "Sale {{1}}" },
        { type: "BODY", text: "Hi {{1}} {{2}}" },
      ]),
    ).toEqual({ header: 1, body: 2 });
    expect(templateVariableCount([{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "x" }])).toEqual({ header: 0, body: 0 });
  });
});

describe("draft ↔ components", () => {
  const draft = {
    ...EMPTY_DRAFT,
    name: "order_update",
    language: "en",
    category: "UTILITY" as const,
    headerFormat: "TEXT" as const,
    headerText: "Order {{1}}",
    headerExample: "#1",
    body: "Hi {{1}}, your order {{2}} ships.",
    bodyExamples: ["Asha", "#4821"],
    footer: "Reply STOP",
    buttons: [
      { type: "QUICK_REPLY" as const, text: "Thanks", url: "", phone_number: "", example: "" },
      { type: "URL" as const, text: "Track", url: "https://x.test/{{1}}", phone_number: "", example: "https://x.test/1" },
      { type: "PHONE_NUMBER" as const, text: "Call", url: "", phone_number: "+14155550123", example: "" },
    ],
  };

  it("builds Meta's components with examples", () => {
    expect(draftToComponents(draft)).toEqual([
      { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["#1"] } },
      { type: "BODY", text: "Hi {{1}}, your order {{2}} ships.", example: { body_text: [["Asha", "#4821"]] } },
      { type: "FOOTER", text: "Reply STOP" },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "Thanks" },
          { type: "URL", text: "Track", url: "https://x.test/{{1}}", example: ["https://x.test/1"] },
          { type: "PHONE_NUMBER", text: "Call", phone_number: "+14155550123" },
        ],
      },
    ]);
  });

  it("round-trips through a stored template", () => {
    const back = componentsToDraft({ name: draft.name, language: draft.language, category: draft.category, components: draftToComponents(draft) });
    expect(back).toEqual({ ...draft, headerHandle: "" });
  });

  it("leaves out an empty header, footer and buttons", () => {
    expect(draftToComponents({ ...EMPTY_DRAFT, body: "Hello" })).toEqual([{ type: "BODY", text: "Hello" }]);
  });
});

describe("bubbleOf", () => {
  it("renders with examples, or the given values", () => {
    const components = draftToComponents({ ...EMPTY_DRAFT, headerFormat: "IMAGE", body: "Hi {{1}}", bodyExamples: ["Asha"], buttons: [] });
    expect(bubbleOf(components)).toEqual({ header: { kind: "media", format: "IMAGE" }, body: "Hi Asha", footer: "", buttons: [] });
    expect(bubbleOf(components, { body: ["Ravi"] }).body).toBe("Hi Ravi");
  });
});

describe("parseProblems", () => {
  it("splits TEMPLATE_INVALID's message into path and problem", () => {
    const msg =
      "name: use 1 to 512 lowercase letters, digits and underscores, e.g. order_update; components[0].text: the text cannot start or end with a variable (Meta error 2388299); add words around it; components[1].buttons[0].url: a URL button needs an http(s) url";
    expect(parseProblems(msg)).toEqual([
      { path: "name", message: "use 1 to 512 lowercase letters, digits and underscores, e.g. order_update" },
      { path: "components[0].text", message: "the text cannot start or end with a variable (Meta error 2388299); add words around it" },
      { path: "components[1].buttons[0].url", message: "a URL button needs an http(s) url" },
    ]);
    expect(parseProblems("something else went wrong")).toEqual([{ path: "", message: "something else went wrong" }]);
  });
});

describe("normaliseName", () => {
  it("follows Meta's rule", () => {
    expect(normaliseName("Order Update 2!")).toBe("order_update_2");
  });
});

describe("drafting with AI", () => {
  it("fills the form from a draft, keeping what it leaves out", async () => {
    const { draftFromAi, draftLanguage, EMPTY_DRAFT } = await import("./templates");
    const current = { ...EMPTY_DRAFT, name: "mine", language: "en_US" };
    const next = draftFromAi(
      {
        name: "Order Shipped",
        category: "UTILITY",
        language: "en",
        components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} has shipped.", example: { body_text: [["Asha", "A-42"]] } }],
      },
      current,
    );
    expect(next).toMatchObject({ name: "order_shipped", category: "UTILITY", language: "en", body: "Hi {{1}}, order {{2}} has shipped.", bodyExamples: ["Asha", "A-42"] });
    const bare = draftFromAi({ name: "", category: "", language: "", components: [] }, { ...current, body: "kept" });
    expect(bare).toMatchObject({ name: "mine", language: "en_US", body: "kept" });
    expect(draftLanguage("en_US")).toBe("en");
    expect(draftLanguage("pt_BR")).toBe("pt");
    expect(draftLanguage("")).toBe("en");
  });
});
