// Smart replies (`GET /conversations/{id}/suggestions`): up to three texts
// an agent may start from — a canned reply, an earlier answer, or the AI's —
// shown above the composer; picking one only fills the composer.

export interface Suggestion {
  text: string;
  source: "canned" | "history" | "ai" | string;
  canned_id?: string;
}

export interface SuggestionsAnswer {
  engine: "retrieval" | "ai" | string;
  suggestions: Suggestion[];
}

export const MAX_SUGGESTIONS = 3;

/** The usable suggestions of an answer: with text, one per text (first wins), at most three. */
export function parseSuggestions(answer: unknown): Suggestion[] {
  if (typeof answer !== "object" || answer === null) return [];
  const list = (answer as { suggestions?: unknown }).suggestions;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const s = item as Record<string, unknown>;
    const text = typeof s.text === "string" ? s.text.trim() : "";
    if (!text || seen.has(text)) continue;
    seen.add(text);
    const source = typeof s.source === "string" ? s.source : "history";
    out.push(typeof s.canned_id === "string" ? { text, source, canned_id: s.canned_id } : { text, source });
    if (out.length === MAX_SUGGESTIONS) break;
  }
  return out;
}

/** The composer's text after picking a suggestion: it, or what was typed followed by it. */
export function applySuggestion(current: string, text: string): string {
  return current.trim() ? `${current.trimEnd()} ${text}` : text;
}

/** A chip's label: the text on one line, cut at `max` characters with an ellipsis. */
export function chipLabel(text: string, max = 60): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * What suggestions are asked again for: the newest inbound message of the
 * conversation (its id), so they follow what the customer last wrote.
 */
export function latestInboundKey(messages: readonly { id: string; direction: string; seq: number }[]): string {
  let best: { id: string; seq: number } | null = null;
  for (const m of messages) if (m.direction === "inbound" && (!best || m.seq > best.seq)) best = m;
  return best?.id ?? "";
}
