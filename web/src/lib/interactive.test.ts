import { describe, expect, it } from "vitest";
import { buildInteractive, emptyInteractive, interactiveProblems, problemOf, rowCount, type InteractiveDraft } from "./interactive";

describe("interactive builder", () => {
  it("builds reply buttons in the Cloud API shape", () => {
    const d: InteractiveDraft = { ...emptyInteractive("button"), body: " Pick a slot ", buttons: [{ title: "Morning" }, { title: "Evening " }] };
    expect(interactiveProblems(d)).toEqual([]);
    expect(buildInteractive(d)).toEqual({
      type: "button",
      body: { text: "Pick a slot" },
      action: {
        buttons: [
          { type: "reply", reply: { id: "btn-1", title: "Morning" } },
          { type: "reply", reply: { id: "btn-2", title: "Evening" } },
        ],
      },
    });
  });

  it("builds a list with sections, rows and a footer", () => {
    const d: InteractiveDraft = {
      ...emptyInteractive("list"),
      body: "Our plans",
      footer: "Prices include GST",
      listButton: "See plans",
      sections: [
        { title: "Monthly", rows: [{ title: "Basic", description: "₹499" }, { title: "Pro", description: "" }] },
        { title: "Yearly", rows: [{ title: "Pro yearly", description: "₹4,999" }] },
      ],
    };
    expect(interactiveProblems(d)).toEqual([]);
    expect(rowCount(d)).toBe(3);
    expect(buildInteractive(d)).toEqual({
      type: "list",
      body: { text: "Our plans" },
      footer: { text: "Prices include GST" },
      action: {
        button: "See plans",
        sections: [
          { title: "Monthly", rows: [{ id: "row-1-1", title: "Basic", description: "₹499" }, { id: "row-1-2", title: "Pro" }] },
          { title: "Yearly", rows: [{ id: "row-2-1", title: "Pro yearly", description: "₹4,999" }] },
        ],
      },
    });
  });

  it("says what to fix, field by field", () => {
    const d: InteractiveDraft = {
      ...emptyInteractive("button"),
      body: "",
      buttons: [{ title: "A very long button title" }, { title: "" }, { title: "Yes" }, { title: "yes" }],
    };
    const p = interactiveProblems(d);
    expect(problemOf(p, "body")).toEqual({ field: "body", kind: "required" });
    expect(problemOf(p, "buttons")).toEqual({ field: "buttons", kind: "count", limit: 3 });
    expect(problemOf(p, "buttons.0.title")).toEqual({ field: "buttons.0.title", kind: "tooLong", limit: 20 });
    expect(problemOf(p, "buttons.1.title")?.kind).toBe("required");
    expect(problemOf(p, "buttons.2.title")).toBeUndefined();
    expect(problemOf(p, "buttons.3.title")?.kind).toBe("duplicate");
  });

  it("checks list limits: rows, titles, descriptions, the button", () => {
    const d: InteractiveDraft = {
      ...emptyInteractive("list"),
      body: "x".repeat(1025),
      listButton: "x".repeat(21),
      sections: [
        { title: "", rows: Array.from({ length: 6 }, (_, i) => ({ title: `Row ${i}`, description: "" })) },
        { title: "", rows: Array.from({ length: 5 }, (_, i) => ({ title: i ? `More ${i}` : "x".repeat(25), description: "d".repeat(73) })) },
      ],
    };
    const p = interactiveProblems(d);
    expect(problemOf(p, "body")).toEqual({ field: "body", kind: "tooLong", limit: 1024 });
    expect(problemOf(p, "listButton")?.limit).toBe(20);
    expect(problemOf(p, "rows")).toEqual({ field: "rows", kind: "count", limit: 10 });
    // With two sections each needs a title.
    expect(problemOf(p, "sections.0.title")?.kind).toBe("required");
    expect(problemOf(p, "sections.1.rows.0.title")?.limit).toBe(24);
    expect(problemOf(p, "sections.1.rows.1.description")?.limit).toBe(72);
  });
});
