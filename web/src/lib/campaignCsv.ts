// A campaign audience uploaded as CSV (`POST /campaigns/{id}/audience/csv`):
// the server's report, the stored audience (`{"csv": {"rows", "columns"}}`),
// and reading the file in the browser just enough to render the wizard's
// sample with the first accepted row. The column rules mirror the server's
// (src/campaigns/csv.rs): names trimmed and lower-cased, `phone` is the
// number, every other named column a variable; cells trimmed.

import type { TemplateFull } from "./types";

/** Why the server did not take a line: not a phone number, or a number an earlier line has. */
export type CsvRejectReason = "invalid_phone" | "duplicate";

/** One rejected line of the upload report. */
export interface CsvRejectedRow {
  /** Its line in the file (1-based; the header is line 1). */
  line: number;
  /** The phone as written. */
  phone: string;
  reason: CsvRejectReason | string;
  /** What is wrong, in the server's words. */
  message: string;
}

/** `POST /campaigns/{id}/audience/csv`'s answer. */
export interface CsvUploadReport {
  accepted: number;
  /** At most MAX_REJECTED_LISTED of them. */
  rejected: CsvRejectedRow[];
  /** The variable columns (all but `phone`), in file order. */
  columns: string[];
}

/** The server lists at most this many rejected lines. */
export const MAX_REJECTED_LISTED = 1000;

/** A stored CSV audience: rows accepted (null before an upload) and its columns. */
export interface CsvAudience {
  rows: number | null;
  columns: string[];
}

/** The CSV part of a campaign's `audience`, or null when it is not a CSV audience. */
export function audienceCsv(audience: Record<string, unknown> | null | undefined): CsvAudience | null {
  const csv = audience?.csv;
  if (typeof csv !== "object" || csv === null || Array.isArray(csv)) return null;
  const { rows, columns } = csv as { rows?: unknown; columns?: unknown };
  return {
    rows: typeof rows === "number" && Number.isFinite(rows) ? rows : null,
    columns: Array.isArray(columns) ? columns.filter((x): x is string => typeof x === "string") : [],
  };
}

/** " First_Name " → "first_name" (a byte-order mark before the first name is dropped). */
export function normalizeColumn(name: string): string {
  return name.replace(/^\uFEFF/, "").trim().toLowerCase();
}

/** One record of a CSV file and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * The records of a CSV text, lazily (a big file is read only as far as
 * needed): commas between cells, double quotes around cells that hold
 * commas, quotes (doubled) or line breaks; lines end with \n, \r\n or \r.
 * A quoted line break continues the record, so `line` is where it starts.
 */
export function* csvRecords(text: string): Generator<CsvRecord> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let cell = "";
    let inQuotes = false;
    for (;;) {
      if (i >= n) {
        cells.push(cell);
        break;
      }
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            inQuotes = false;
            i += 1;
          }
          continue;
        }
        if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) line += 1;
        cell += ch;
        i += 1;
        continue;
      }
      if (ch === '"') {
        inQuotes = true;
        i += 1;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        i += 1;
      } else if (ch === "\r" || ch === "\n") {
        cells.push(cell);
        i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line += 1;
        break;
      } else {
        cell += ch;
        i += 1;
      }
    }
    yield { line: start, cells };
  }
}

/** An accepted row of the file, to render the sample message with. */
export interface CsvSampleRow {
  line: number;
  /** The phone as written. */
  phone: string;
  /** Its cells by column name, trimmed. */
  values: Record<string, string>;
}

/**
 * The first row of `text` the server accepted: not blank, and not one of the
 * report's rejected lines. Null when there is none — or when it cannot be
 * told, because the report's list of rejected lines is cut short before it.
 */
export function firstAcceptedRow(text: string, rejected: readonly Pick<CsvRejectedRow, "line">[]): CsvSampleRow | null {
  const skip = new Set(rejected.map((r) => r.line));
  const lastListed = rejected.reduce((m, r) => Math.max(m, r.line), 0);
  const listComplete = rejected.length < MAX_REJECTED_LISTED;
  let header: string[] | null = null;
  for (const rec of csvRecords(text)) {
    if (!header) {
      header = rec.cells.map(normalizeColumn);
      if (!header.includes("phone")) return null;
      continue;
    }
    const cells = rec.cells.map((c) => c.trim());
    if (cells.every((c) => c === "")) continue;
    if (skip.has(rec.line)) continue;
    if (!listComplete && rec.line > lastListed) return null;
    const values: Record<string, string> = {};
    let phone = "";
    header.forEach((h, i) => {
      const v = cells[i] ?? "";
      if (h === "phone") phone = v;
      else if (h) values[h] = v;
    });
    return { line: rec.line, phone, values };
  }
  return null;
}

// ---- a draft to upload to ----

/**
 * Whether campaigns can send the template (the server refuses the rest at
 * draft time): a text header or none, numbered placeholders only, and no
 * button with a variable URL.
 */
export function campaignCanSend(tpl: Pick<TemplateFull, "components">): boolean {
  for (const c of tpl.components ?? []) {
    const kind = (c.type ?? "").toUpperCase();
    if (kind === "HEADER" && c.format && c.format.toUpperCase() !== "TEXT") return false;
    if (c.text && /\{\{(?!\s*\d)/.test(c.text)) return false;
    if (kind === "BUTTONS" && (c.buttons ?? []).some((b) => (b.url ?? "").includes("{{"))) return false;
  }
  return true;
}

/**
 * The template a CSV draft is first saved with, so that the file can be
 * uploaded to it before the message is chosen (the message step rewrites
 * it): the one already chosen if the number's account has it, else the
 * first of that account campaigns can send. Null when there is none.
 */
export function uploadDraftTemplate<T extends Pick<TemplateFull, "id" | "waba_id" | "components">>(templates: readonly T[], wabaId: string, preferredId: string): T | null {
  const usable = templates.filter((x) => x.waba_id === wabaId && campaignCanSend(x));
  return usable.find((x) => x.id === preferredId) ?? usable[0] ?? null;
}
