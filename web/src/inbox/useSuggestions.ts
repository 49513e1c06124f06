import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import { parseSuggestions, type Suggestion } from "../lib/suggestions";

/** Wait this long after the customer's newest message before asking (messages come in bursts). */
const DEBOUNCE_MS = 500;

/**
 * Smart replies for a conversation, asked again when `inboundKey` (the
 * customer's newest message) changes. Empty while loading, on failure and
 * on a server without suggestions.
 */
export function useSuggestions(conversationId: string, inboundKey: string, enabled = true): Suggestion[] {
  const { api } = useAuth();
  const [state, setState] = useState<{ id: string; list: Suggestion[] }>({ id: conversationId, list: [] });
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const timer = window.setTimeout(() => {
      api
        .get<unknown>(`/conversations/${encodeURIComponent(conversationId)}/suggestions`)
        .then((answer) => live && setState({ id: conversationId, list: parseSuggestions(answer) }))
        // None to offer (or no suggestions on this server): no chips.
        .catch(() => live && setState({ id: conversationId, list: [] }));
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, conversationId, inboundKey, enabled]);
  // Another conversation's suggestions never show here.
  return state.id === conversationId ? state.list : [];
}
