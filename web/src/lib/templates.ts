// Message template editing: the form's state to Meta's components and back,
// variables, the client-side preview, and the server's TEMPLATE_INVALID list.

import type { TemplateButton, TemplateCategory, TemplateComponentFull } from "./types";

export const CATEGORIES: readonly TemplateCategory[] = ["MARKETING", "UTILITY", "AUTHENTICATION"];
export const HEADER_FORMATS = ["NONE", "TEXT", "IMAGE", "VIDEO", "DOCUMENT"] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];
export const BUTTON_TYPES = ["QUICK_REPLY", "URL", "PHONE_NUMBER"] as const;
export const MAX_TEMPLATE_BUTTONS = 10;
export const LANGUAGES = ["en", "en_US", "en_GB", "hi", "es", "pt_BR", "ar", "id", "fr", "de", "it", "mr", "ta", "te", "bn", "gu", "kn", "ml", "pa", "ur"];

export interface DraftButton {
  type: (typeof BUTTON_TYPES)[number];
  text: string;
  url: string;
  phone_number: string;
  /** The full example URL when `url` has a {{1}}. */
  example: string;
}

export interface TemplateDraft {
  name: string;
  language: string;
  category: TemplateCategory;
  headerFormat: HeaderFormat;
  headerText: string;
  headerExample: string;
  /** An example media URL/handle for an IMAGE/VIDEO/DOCUMENT header. */
  headerHandle: string;
  body: string;
  bodyExamples: string[];
  footer: string;
  buttons: DraftButton[];
}

export const EMPTY_DRAFT: TemplateDraft = {
  name: "",
  language: "en_US",
  category: "MARKETING",
  headerFormat: "NONE",
  headerText: "",
  headerExample: "",
  headerHandle: "",
  body: "",
  bodyExamples: [],
  footer: "",
  buttons: [],
};

/** The distinct variable numbers in `text`, ascending: "Hi {{1}}, {{2}} {{1}}" → [1, 2]. */
export function variableNumbers(text: string): number[] {
  const found = new Set<number>();
  for (const m of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) found.add(Number(m[1]));
  return [...found].sort((a, b) => a - b);
}

/** How many values the text needs: its highest variable number. */
export function variableCountOf(text: string): number {
  const nums = variableNumbers(text);
  return nums.length ? nums[nums.length - 1]! : 0;
}

/** Variables a stored template's header and body take. */
export function templateVariableCount(components: readonly TemplateComponentFull[] | undefined): { header: number; body: number } {
  const find = (type: string) => (components ?? []).find((c) => (c.type ?? "").toUpperCase() === type);
  const header = find("HEADER");
  return {
    header: header && (header.format ?? "TEXT").toUpperCase() === "TEXT" ? variableCountOf(header.text ?? "") : 0,
    body: variableCountOf(find("BODY")?.text ?? ""),
  };
}

/** Fills {{n}} with values[n-1]; a missing or empty value keeps the placeholder. */
export function fillVariables(text: string, values: readonly string[]): string {
  return text.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => {
    const v = values[Number(n) - 1];
    return v ? v : whole;
  });
}

/** The form's state as Meta's template components (with the examples Meta requires). */
export function draftToComponents(d: TemplateDraft): TemplateComponentFull[] {
  const out: TemplateComponentFull[] = [];
  if (d.headerFormat === "TEXT" && d.headerText.trim()) {
    const header: TemplateComponentFull = { type: "HEADER", format: "TEXT", text: d.headerText };
    if (variableCountOf(d.headerText) > 0) header.example = { header_text: [d.headerExample] };
    out.push(header);
  } else if (d.headerFormat !== "NONE" && d.headerFormat !== "TEXT") {
    const header: TemplateComponentFull = { type: "HEADER", format: d.headerFormat };
    if (d.headerHandle.trim()) header.example = { header_handle: [d.headerHandle.trim()] };
    out.push(header);
  }
  const body: TemplateComponentFull = { type: "BODY", text: d.body };
  const n = variableCountOf(d.body);
  if (n > 0) body.example = { body_text: [Array.from({ length: n }, (_, i) => d.bodyExamples[i] ?? "")] };
  out.push(body);
  if (d.footer.trim()) out.push({ type: "FOOTER", text: d.footer });
  if (d.buttons.length) {
    out.push({
      type: "BUTTONS",
      buttons: d.buttons.map((b) => {
        const btn: TemplateButton = { type: b.type, text: b.text };
        if (b.type === "URL") {
          btn.url = b.url;
          if (variableCountOf(b.url) > 0) btn.example = [b.example];
        }
        if (b.type === "PHONE_NUMBER") btn.phone_number = b.phone_number;
        return btn;
      }),
    });
  }
  return out;
}

/** A stored template back into the form's state (for editing a draft or a rejected one). */
export function componentsToDraft(t: { name: string; language: string; category: string | null; components: readonly TemplateComponentFull[] }): TemplateDraft {
  const d: TemplateDraft = {
    ...EMPTY_DRAFT,
    name: t.name,
    language: t.language,
    category: t.category && (CATEGORIES as readonly string[]).includes(t.category) ? (t.category as TemplateCategory) : "MARKETING",
    bodyExamples: [],
    buttons: [],
  };
  for (const c of t.components ?? []) {
    const type = (c.type ?? "").toUpperCase();
    if (type === "HEADER") {
      const format = (c.format ?? "TEXT").toUpperCase();
      d.headerFormat = (HEADER_FORMATS as readonly string[]).includes(format) ? (format as HeaderFormat) : "TEXT";
      d.headerText = c.text ?? "";
      d.headerExample = c.example?.header_text?.[0] ?? "";
      d.headerHandle = c.example?.header_handle?.[0] ?? "";
    } else if (type === "BODY") {
      d.body = c.text ?? "";
      d.bodyExamples = [...(c.example?.body_text?.[0] ?? [])];
    } else if (type === "FOOTER") {
      d.footer = c.text ?? "";
    } else if (type === "BUTTONS") {
      d.buttons = (c.buttons ?? []).map((b) => ({
        type: (BUTTON_TYPES as readonly string[]).includes(b.type) ? (b.type as DraftButton["type"]) : "QUICK_REPLY",
        text: b.text ?? "",
        url: b.url ?? "",
        phone_number: b.phone_number ?? "",
        example: b.example?.[0] ?? "",
      }));
    }
  }
  return d;
}

export interface BubbleView {
  header: { kind: "text"; text: string } | { kind: "media"; format: string } | null;
  body: string;
  footer: string;
  buttons: { type: string; text: string }[];
}

/** What the customer would see, with examples (or given values) in place of the variables. */
export function bubbleOf(components: readonly TemplateComponentFull[], values?: { header?: readonly string[]; body?: readonly string[] }): BubbleView {
  const view: BubbleView = { header: null, body: "", footer: "", buttons: [] };
  for (const c of components) {
    const type = (c.type ?? "").toUpperCase();
    if (type === "HEADER") {
      const format = (c.format ?? "TEXT").toUpperCase();
      view.header =
        format === "TEXT"
          ? { kind: "text", text: fillVariables(c.text ?? "", values?.header ?? c.example?.header_text ?? []) }
          : { kind: "media", format };
    } else if (type === "BODY") {
      view.body = fillVariables(c.text ?? "", values?.body ?? c.example?.body_text?.[0] ?? []);
    } else if (type === "FOOTER") {
      view.footer = c.text ?? "";
    } else if (type === "BUTTONS") {
      view.buttons = (c.buttons ?? []).map((b) => ({ type: b.type, text: b.text }));
    }
  }
  return view;
}

export interface Problem {
  path: string;
  message: string;
}

/**
 * TEMPLATE_INVALID's message lists problems as "path: message; path: message".
 * A message that does not look like that comes back as one pathless problem.
 */
export function parseProblems(message: string): Problem[] {
  const parts = message.split(/;\s+(?=[A-Za-z_][\w.[\]]*:\s)/);
  return parts
    .map((part) => {
      const m = /^([A-Za-z_][\w.[\]]*):\s+([\s\S]*)$/.exec(part.trim());
      return m ? { path: m[1]!, message: m[2]!.trim() } : { path: "", message: part.trim() };
    })
    .filter((p) => p.message);
}

/** Meta's template statuses → a badge tone. */
export function statusTone(status: string): "gray" | "green" | "amber" | "red" | "blue" {
  switch (status.toUpperCase()) {
    case "APPROVED":
      return "green";
    case "PENDING":
    case "IN_APPEAL":
    case "PENDING_DELETION":
      return "amber";
    case "REJECTED":
    case "DISABLED":
    case "PAUSED":
    case "DELETED":
      return "red";
    case "DRAFT":
      return "blue";
    default:
      return "gray";
  }
}

/** Meta's name rule: lowercase letters, digits and underscores. */
export function normaliseName(input: string): string {
  return input.toLowerCase().replace(/\s+/g, "_").replace(/[^a-z0-9_]/g, "");
}

// ---- drafting with AI (`GET /ai/status`, `POST /templates/draft`) ----

/** Whether the server can draft with a model (its operator set AI_BASE_URL, AI_API_KEY and AI_MODEL). */
export interface AiStatus {
  configured: boolean;
  model: string | null;
  /** Why not, when the server says. */
  message?: string | null;
}

/** What `POST /templates/draft` answers: a template to start from (not saved). */
export interface AiTemplateDraft {
  name: string;
  category: string;
  language: string;
  components: TemplateComponentFull[];
}

/** The categories a draft may be asked for. */
export const AI_CATEGORIES = ["MARKETING", "UTILITY"] as const;

/**
 * The form after a drafted template: its name (as Meta allows), category,
 * language and components; what the draft leaves out keeps the form's
 * current value (its name, language).
 */
export function draftFromAi(answer: AiTemplateDraft, current: TemplateDraft): TemplateDraft {
  const next = componentsToDraft({
    name: normaliseName(answer.name ?? "") || current.name,
    language: answer.language || current.language,
    category: answer.category || current.category,
    components: Array.isArray(answer.components) ? answer.components : [],
  });
  return next.body ? next : { ...next, body: current.body, bodyExamples: current.bodyExamples };
}

/** The language code a draft is asked in: the form's, without its region ("en_US" → "en"). */
export function draftLanguage(language: string): string {
  return (language.split(/[_-]/)[0] ?? "").toLowerCase() || "en";
}
