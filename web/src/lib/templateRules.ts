// Meta's template rules as the server checks them (actors/src/template.rs,
// `validate`), mirrored so the template form can say what is wrong while the
// person types, next to the field that is wrong, in their language. The
// server stays the judge: its TEMPLATE_INVALID list is mapped to the same
// fields (templateFieldOfPath) when it refuses something this missed.

import type { MessageKey, Params } from "../i18n/translate";
import { draftToComponents, type TemplateDraft } from "./templates";

/** Limits of a template (characters, as Meta counts them: code points). */
export const TEMPLATE_LIMITS = {
  name: 512,
  body: 1024,
  headerText: 60,
  footer: 60,
  buttons: 10,
  buttonLabel: 25,
  url: 2000,
  phone: 20,
  urlButtons: 2,
  phoneButtons: 1,
} as const;

/**
 * A form field of the template editor: name, language, category,
 * headerText, headerExample, body, bodyExample.N (1-based), footer,
 * buttons, button.N.text / .url / .phone (1-based).
 */
export type TemplateField = string;

/** One broken rule: the field it is about and the words for it. */
export interface RuleProblem {
  field: TemplateField;
  key: MessageKey;
  params?: Params;
}

/** Characters as Meta counts them (code points, so an emoji is one). */
export function charCount(text: string): number {
  return [...text].length;
}

/** A text's variables in order of appearance, as the server reads them: `{{1}}` → "1", `{{ name }}` → "name". */
export function templateVariables(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf("{{");
    if (start < 0) break;
    const after = rest.slice(start + 2);
    const end = after.indexOf("}}");
    if (end < 0) break;
    out.push(after.slice(0, end).trim());
    rest = after.slice(end + 2);
  }
  return out;
}

const isPositional = (v: string) => /^\d+$/.test(v);
const isNamed = (v: string) => /^[a-z_]+$/.test(v);

/** The first number missing from a run of variables ({{1}} and {{3}} → 2), or null when they run 1, 2, 3… */
export function missingVariable(vars: readonly string[]): number | null {
  const nums = [...new Set(vars.map(Number))].sort((a, b) => a - b);
  for (let i = 0; i < nums.length; i++) if (nums[i] !== i + 1) return i + 1;
  return null;
}

/** The body's variable rules (numbered, in order, not at the very start or end, each with an example). */
function checkBody(d: TemplateDraft, out: RuleProblem[]) {
  const n = charCount(d.body);
  if (n === 0 || d.body.trim() === "") out.push({ field: "body", key: "templates.rule.bodyRequired" });
  else if (n > TEMPLATE_LIMITS.body) out.push({ field: "body", key: "templates.rule.tooLong", params: { count: n, max: TEMPLATE_LIMITS.body } });
  const vars = templateVariables(d.body);
  if (vars.length === 0) return;
  const positional = vars.every(isPositional);
  if (!positional) {
    // The server also takes all-named variables ({{first_name}}), but this form gives examples by number.
    out.push({ field: "body", key: vars.every(isNamed) ? "templates.rule.variablesNamed" : "templates.rule.variablesMixed" });
    return;
  }
  const missing = missingVariable(vars);
  if (missing !== null) out.push({ field: "body", key: "templates.rule.variablesGap", params: { n: missing } });
  const trimmed = d.body.trim();
  if (trimmed.startsWith("{{") || trimmed.endsWith("}}")) out.push({ field: "body", key: "templates.rule.variableEdge" });
  // Meta reviews a template with an example for every variable.
  const highest = Math.max(...vars.map(Number));
  for (let i = 1; i <= highest; i++) {
    if (!(d.bodyExamples[i - 1] ?? "").trim() && vars.includes(String(i))) {
      out.push({ field: `bodyExample.${i}`, key: "templates.rule.example", params: { n: i } });
    }
  }
}

function checkHeader(d: TemplateDraft, out: RuleProblem[]) {
  // An empty text header is left out of the template (draftToComponents).
  if (d.headerFormat !== "TEXT" || !d.headerText.trim()) return;
  const n = charCount(d.headerText);
  if (n > TEMPLATE_LIMITS.headerText) out.push({ field: "headerText", key: "templates.rule.tooLong", params: { count: n, max: TEMPLATE_LIMITS.headerText } });
  const vars = templateVariables(d.headerText);
  if (vars.length > 1) out.push({ field: "headerText", key: "templates.rule.headerOneVariable" });
  else if (vars.length === 1 && !d.headerExample.trim()) out.push({ field: "headerExample", key: "templates.rule.example", params: { n: 1 } });
}

function checkButtons(d: TemplateDraft, out: RuleProblem[]) {
  const buttons = d.buttons;
  if (buttons.length === 0) return;
  if (buttons.length > TEMPLATE_LIMITS.buttons) out.push({ field: "buttons", key: "templates.rule.buttonCount", params: { max: TEMPLATE_LIMITS.buttons } });
  const count = (type: string) => buttons.filter((b) => b.type === type).length;
  if (count("URL") > TEMPLATE_LIMITS.urlButtons || count("PHONE_NUMBER") > TEMPLATE_LIMITS.phoneButtons) {
    out.push({ field: "buttons", key: "templates.rule.buttonKinds" });
  }
  // Quick replies sit together, before or after the other buttons.
  const switches = buttons.slice(1).filter((b, i) => (b.type === "QUICK_REPLY") !== (buttons[i]!.type === "QUICK_REPLY")).length;
  if (switches > 1) out.push({ field: "buttons", key: "templates.rule.quickRepliesTogether" });
  buttons.forEach((b, i) => {
    const n = i + 1;
    const label = charCount(b.text);
    if (label === 0) out.push({ field: `button.${n}.text`, key: "templates.rule.buttonLabel", params: { max: TEMPLATE_LIMITS.buttonLabel } });
    else if (label > TEMPLATE_LIMITS.buttonLabel) {
      out.push({ field: `button.${n}.text`, key: "templates.rule.tooLong", params: { count: label, max: TEMPLATE_LIMITS.buttonLabel } });
    }
    if (b.type === "URL" && (!/^https?:\/\//.test(b.url) || b.url.length > TEMPLATE_LIMITS.url)) {
      out.push({ field: `button.${n}.url`, key: "templates.rule.buttonUrl" });
    }
    if (b.type === "PHONE_NUMBER" && (!b.phone_number || b.phone_number.length > TEMPLATE_LIMITS.phone)) {
      out.push({ field: `button.${n}.phone`, key: "templates.rule.buttonPhone", params: { max: TEMPLATE_LIMITS.phone } });
    }
  });
}

/** Every rule the draft breaks (empty: the server would accept it). */
export function checkTemplate(d: TemplateDraft): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (!d.name) out.push({ field: "name", key: "templates.rule.nameRequired" });
  else if (d.name.length > TEMPLATE_LIMITS.name || !/^[a-z0-9_]+$/.test(d.name)) out.push({ field: "name", key: "templates.rule.name" });
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(d.language)) out.push({ field: "language", key: "templates.rule.language" });
  checkHeader(d, out);
  checkBody(d, out);
  const footer = d.footer.trim() ? charCount(d.footer) : 0;
  if (footer > TEMPLATE_LIMITS.footer) out.push({ field: "footer", key: "templates.rule.tooLong", params: { count: footer, max: TEMPLATE_LIMITS.footer } });
  checkButtons(d, out);
  return out;
}

/** The first problem of each field. */
export function problemsByField(problems: readonly RuleProblem[]): Record<TemplateField, RuleProblem> {
  const out: Record<TemplateField, RuleProblem> = {};
  for (const p of problems) if (!(p.field in out)) out[p.field] = p;
  return out;
}

/**
 * The form field a server problem's path is about ("components[1].text" →
 * "body" when the second component sent was the body), or null when the
 * form has no such field.
 */
export function templateFieldOfPath(path: string, d: TemplateDraft): TemplateField | null {
  if (path === "name" || path === "language" || path === "category") return path;
  if (path === "components") return "body";
  const m = /^components\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?(?:\.(\w+))?$/.exec(path);
  if (!m) return null;
  const sent = draftToComponents(d)[Number(m[1])];
  const type = (sent?.type ?? "").toUpperCase();
  const [, , part, index, leaf] = m;
  if (type === "BODY") return "body";
  if (type === "FOOTER") return "footer";
  if (type === "HEADER") return part === "example" ? "headerExample" : "headerText";
  if (type === "BUTTONS") {
    if (index === undefined) return "buttons";
    const n = Number(index) + 1;
    return leaf === "url" ? `button.${n}.url` : leaf === "phone_number" ? `button.${n}.phone` : `button.${n}.text`;
  }
  return null;
}

/** A template name from what was typed: lowercase, spaces and dashes as underscores, other characters dropped. */
export function suggestedName(typed: string): string {
  return typed
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_")
    .replace(/[^a-z0-9_]/g, "")
    .slice(0, TEMPLATE_LIMITS.name);
}
