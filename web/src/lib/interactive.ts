// Interactive messages an agent builds in the composer: up to three reply
// buttons, or a list of rows in sections, in the Cloud API's shape
// (`{type: "interactive", interactive: {...}}`). The draft is what the form
// holds; `interactiveProblems` says what to fix (checked as the agent types,
// with Meta's limits from composerLimits) and `buildInteractive` the object
// to send.

import { charCount, COUNTS, LIMITS } from "./composerLimits";

export interface ButtonDraft {
  title: string;
}

export interface RowDraft {
  title: string;
  description: string;
}

export interface SectionDraft {
  title: string;
  rows: RowDraft[];
}

export interface InteractiveDraft {
  kind: "button" | "list";
  body: string;
  /** Optional small text under the body. */
  footer: string;
  buttons: ButtonDraft[];
  /** The label of the button that opens the list. */
  listButton: string;
  sections: SectionDraft[];
}

export function emptyInteractive(kind: "button" | "list" = "button"): InteractiveDraft {
  return {
    kind,
    body: "",
    footer: "",
    buttons: [{ title: "" }, { title: "" }],
    listButton: "",
    sections: [{ title: "", rows: [{ title: "", description: "" }] }],
  };
}

/**
 * One thing to fix: which field (a path such as `buttons.1.title`) and why:
 * `required`, `tooLong` (with the limit), `duplicate` (two buttons or rows with
 * the same title: the customer could not tell them apart), `count` (too many
 * or too few buttons, rows or sections; with the limit).
 */
export interface InteractiveProblem {
  field: string;
  kind: "required" | "tooLong" | "duplicate" | "count";
  limit?: number;
}

const FOOTER_LIMIT = 60;

function textProblem(field: string, value: string, limit: number, required: boolean): InteractiveProblem | null {
  const n = charCount(value.trim());
  if (required && n === 0) return { field, kind: "required" };
  if (n > limit) return { field, kind: "tooLong", limit };
  return null;
}

/** What stands between the draft and a message WhatsApp accepts (empty: ready to send). */
export function interactiveProblems(d: InteractiveDraft): InteractiveProblem[] {
  const out: (InteractiveProblem | null)[] = [];
  out.push(textProblem("body", d.body, LIMITS.interactiveBody, true));
  out.push(textProblem("footer", d.footer, FOOTER_LIMIT, false));
  if (d.kind === "button") {
    if (d.buttons.length < 1 || d.buttons.length > COUNTS.buttons) out.push({ field: "buttons", kind: "count", limit: COUNTS.buttons });
    const seen = new Set<string>();
    d.buttons.forEach((b, i) => {
      const p = textProblem(`buttons.${i}.title`, b.title, LIMITS.buttonTitle, true);
      out.push(p);
      const key = b.title.trim().toLowerCase();
      if (!p && seen.has(key)) out.push({ field: `buttons.${i}.title`, kind: "duplicate" });
      seen.add(key);
    });
  } else {
    out.push(textProblem("listButton", d.listButton, LIMITS.listButton, true));
    const rows = d.sections.reduce((n, s) => n + s.rows.length, 0);
    if (d.sections.length < 1 || d.sections.length > COUNTS.sections) out.push({ field: "sections", kind: "count", limit: COUNTS.sections });
    if (rows < 1 || rows > COUNTS.rows) out.push({ field: "rows", kind: "count", limit: COUNTS.rows });
    const seen = new Set<string>();
    d.sections.forEach((s, si) => {
      // Meta wants a title on each section once there is more than one.
      out.push(textProblem(`sections.${si}.title`, s.title, LIMITS.sectionTitle, d.sections.length > 1));
      s.rows.forEach((r, ri) => {
        const p = textProblem(`sections.${si}.rows.${ri}.title`, r.title, LIMITS.rowTitle, true);
        out.push(p);
        out.push(textProblem(`sections.${si}.rows.${ri}.description`, r.description, LIMITS.rowDescription, false));
        const key = r.title.trim().toLowerCase();
        if (!p && seen.has(key)) out.push({ field: `sections.${si}.rows.${ri}.title`, kind: "duplicate" });
        seen.add(key);
      });
    });
  }
  return out.filter((p): p is InteractiveProblem => p !== null);
}

/** The first problem of a field, if any (for the message under an input). */
export function problemOf(problems: readonly InteractiveProblem[], field: string): InteractiveProblem | undefined {
  return problems.find((p) => p.field === field);
}

/** An id for a button or row from its place: stable, short, and what a flow or webhook sees as the reply. */
function replyId(prefix: string, ...n: number[]): string {
  return [prefix, ...n.map((x) => x + 1)].join("-");
}

/** The Cloud API `interactive` object for a draft (call once interactiveProblems is empty). */
export function buildInteractive(d: InteractiveDraft): Record<string, unknown> {
  const body = { text: d.body.trim() };
  const footer = d.footer.trim() ? { footer: { text: d.footer.trim() } } : {};
  if (d.kind === "button") {
    return {
      type: "button",
      body,
      ...footer,
      action: {
        buttons: d.buttons.map((b, i) => ({ type: "reply", reply: { id: replyId("btn", i), title: b.title.trim() } })),
      },
    };
  }
  return {
    type: "list",
    body,
    ...footer,
    action: {
      button: d.listButton.trim(),
      sections: d.sections.map((s, si) => ({
        ...(s.title.trim() ? { title: s.title.trim() } : {}),
        rows: s.rows.map((r, ri) => ({
          id: replyId("row", si, ri),
          title: r.title.trim(),
          ...(r.description.trim() ? { description: r.description.trim() } : {}),
        })),
      })),
    },
  };
}

/** Rows in all sections. */
export function rowCount(d: InteractiveDraft): number {
  return d.sections.reduce((n, s) => n + s.rows.length, 0);
}
