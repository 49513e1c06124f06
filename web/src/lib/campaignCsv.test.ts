import { describe, expect, it } from "vitest";
import {
  audienceCsv,
  campaignCanSend,
  csvRecords,
  firstAcceptedRow,
  MAX_REJECTED_LISTED,
  normalizeColumn,
  uploadDraftTemplate,
} from "./campaignCsv";
import type { TemplateComponentFull } from "./types";

const records = (text: string) => [...csvRecords(text)].map((r) => [r.line, r.cells] as const);

describe("csv records", () => {
  it("splits cells and lines, with their line numbers", () => {
    expect(records("phone,first_name\n+919800000001,Asha\r\n12ab,Ravi\r+1415,Jo")).toEqual([
      [1, ["phone", "first_name"]],
      [2, ["+919800000001", "Asha"]],
      [3, ["12ab", "Ravi"]],
      [4, ["+1415", "Jo"]],
    ]);
    expect(records("a,b\n")).toEqual([[1, ["a", "b"]]]);
    expect(records("")).toEqual([]);
  });

  it("reads quoted cells: commas, doubled quotes and line breaks (the record keeps its first line)", () => {
    expect(records('phone,note\n"+91 98000 00001","Hi, ""you""\nthere"\n+919800000002,x')).toEqual([
      [1, ["phone", "note"]],
      [2, ["+91 98000 00001", 'Hi, "you"\nthere']],
      [4, ["+919800000002", "x"]],
    ]);
  });

  it("keeps blank lines (as one empty cell) so the numbering stays the file's", () => {
    expect(records("phone\n1\n\n2")).toEqual([
      [1, ["phone"]],
      [2, ["1"]],
      [3, [""]],
      [4, ["2"]],
    ]);
  });

  it("drops a byte-order mark", () => {
    expect(records("\uFEFFPhone,City\n1,Pune")[0]).toEqual([1, ["Phone", "City"]]);
  });
});

describe("column names", () => {
  it("are trimmed and lower-cased (the server's rule)", () => {
    expect(normalizeColumn(" First_Name ")).toBe("first_name");
    expect(normalizeColumn("\uFEFFPHONE")).toBe("phone");
  });
});

describe("the first accepted row", () => {
  // The server's own example (src/campaigns/csv.rs): lines 3 and 4 rejected, line 5 blank.
  const csv = "Phone,First_Name,City\n12ab,Bad,X\n919800000001,Twin,Y\n\n +91 98000 00002 , Meera ,Delhi\n";

  it("skips blank and rejected lines and trims the cells", () => {
    expect(firstAcceptedRow(csv, [{ line: 2 }, { line: 3 }])).toEqual({ line: 5, phone: "+91 98000 00002", values: { first_name: "Meera", city: "Delhi" } });
    expect(firstAcceptedRow(csv, [{ line: 2 }])).toEqual({ line: 3, phone: "919800000001", values: { first_name: "Twin", city: "Y" } });
  });

  it("is none when every row is rejected, or there is no phone column", () => {
    expect(firstAcceptedRow(csv, [{ line: 2 }, { line: 3 }, { line: 5 }])).toBeNull();
    expect(firstAcceptedRow("name\nAsha", [])).toBeNull();
    expect(firstAcceptedRow("phone,first_name\n", [])).toBeNull();
  });

  it("gives missing cells as empty values", () => {
    expect(firstAcceptedRow("phone,first_name,city\n+919800000001,Asha", [])?.values).toEqual({ first_name: "Asha", city: "" });
  });

  it("is not guessed past a list of rejected lines that was cut short", () => {
    const header = "phone,first_name";
    const bad = Array.from({ length: MAX_REJECTED_LISTED }, (_, i) => `bad${i},x`);
    const text = [header, ...bad, "+919800000001,Asha"].join("\n");
    const listed = bad.map((_, i) => ({ line: i + 2 }));
    expect(firstAcceptedRow(text, listed)).toBeNull();
    // A row before the last listed one is known to be accepted.
    const early = [header, "+919800000009,Zoya", ...bad].join("\n");
    expect(firstAcceptedRow(early, bad.map((_, i) => ({ line: i + 3 })))?.values.first_name).toBe("Zoya");
  });
});

describe("the stored audience and the report", () => {
  it("reads a CSV audience", () => {
    expect(audienceCsv({ csv: { rows: 4, columns: ["first_name", 3] } })).toEqual({ rows: 4, columns: ["first_name"] });
    expect(audienceCsv({ csv: {} })).toEqual({ rows: null, columns: [] });
    expect(audienceCsv({ tags: ["vip"] })).toBeNull();
    expect(audienceCsv({ csv: [] })).toBeNull();
    expect(audienceCsv(null)).toBeNull();
  });
});

describe("the template a CSV draft starts with", () => {
  const body = (text: string): TemplateComponentFull => ({ type: "BODY", text });
  const tpl = (id: string, waba: string, components: TemplateComponentFull[]) => ({ id, waba_id: waba, components });

  it("is one campaigns can send", () => {
    expect(campaignCanSend(tpl("a", "w", [{ type: "HEADER", format: "TEXT", text: "Hi {{1}}" }, body("{{1}} off")]))).toBe(true);
    expect(campaignCanSend(tpl("a", "w", [{ type: "HEADER", format: "IMAGE" }, body("x")]))).toBe(false);
    expect(campaignCanSend(tpl("a", "w", [body("Hi {{name}}")]))).toBe(false);
    expect(campaignCanSend(tpl("a", "w", [body("x"), { type: "BUTTONS", buttons: [{ type: "URL", text: "Go", url: "https://x.test/{{1}}" }] }]))).toBe(false);
    expect(campaignCanSend(tpl("a", "w", [body("x"), { type: "BUTTONS", buttons: [{ type: "URL", text: "Go", url: "https://x.test/" }] }]))).toBe(true);
  });

  it("prefers the chosen one, of the number's account", () => {
    const all = [tpl("img", "w1", [{ type: "HEADER", format: "IMAGE" }]), tpl("other", "w2", [body("x")]), tpl("a", "w1", [body("a")]), tpl("b", "w1", [body("b")])];
    expect(uploadDraftTemplate(all, "w1", "")?.id).toBe("a");
    expect(uploadDraftTemplate(all, "w1", "b")?.id).toBe("b");
    expect(uploadDraftTemplate(all, "w1", "other")?.id).toBe("a");
    expect(uploadDraftTemplate(all, "w3", "")).toBeNull();
  });
});
