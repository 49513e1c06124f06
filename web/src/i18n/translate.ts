import en from "./en.json";

export type MessageKey = keyof typeof en;
export type Messages = Partial<Record<MessageKey, string>>;
export type Params = Record<string, string | number>;

export const fallbackMessages: Record<MessageKey, string> = en;

/** Looks `key` up in `messages`, then English, and fills `{name}` placeholders. */
export function translate(messages: Messages, key: MessageKey, params?: Params): string {
  const template = messages[key] ?? fallbackMessages[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

const loaders = import.meta.glob<{ default: Messages }>(["./*.json", "!./en.json"]);

/** Loads a language's strings (English is bundled; the others are fetched on demand). */
export async function loadMessages(code: string): Promise<Messages> {
  if (code === "en") return fallbackMessages;
  const loader = loaders[`./${code}.json`];
  if (!loader) return fallbackMessages;
  return (await loader()).default;
}

export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}
