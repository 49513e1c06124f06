import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import type { ApiClient } from "./api";
import type { Channel, Page } from "./types";

// The account's WhatsApp numbers, read once per signed-in client and shared by
// everything that names a number (inbox rows, the channel filter, a
// contact's past conversations). The channels page refreshes them after an
// edit.

interface Entry {
  value: Channel[] | null;
  promise: Promise<Channel[]> | null;
  listeners: Set<(c: Channel[]) => void>;
}

const cache = new WeakMap<ApiClient, Entry>();

function entryFor(api: ApiClient): Entry {
  let e = cache.get(api);
  if (!e) {
    e = { value: null, promise: null, listeners: new Set() };
    cache.set(api, e);
  }
  return e;
}

function load(api: ApiClient, force = false): Promise<Channel[]> {
  const e = entryFor(api);
  if (e.promise && !force) return e.promise;
  e.promise = api
    .get<Page<Channel>>("/channels")
    .then((p) => (Array.isArray(p?.data) ? p.data : []))
    .catch(() => [] as Channel[])
    .then((list) => {
      e.value = list;
      e.listeners.forEach((l) => l(list));
      return list;
    });
  return e.promise;
}

/** Reads the numbers again (after one was edited, connected or disconnected). */
export function refreshChannels(api: ApiClient): void {
  void load(api, true);
}

/** The account's numbers; null until read (an agent who may not list them sees an empty list). */
export function useChannels(): Channel[] | null {
  const { api } = useAuth();
  const [channels, setChannels] = useState<Channel[] | null>(() => cache.get(api)?.value ?? null);
  useEffect(() => {
    const e = entryFor(api);
    e.listeners.add(setChannels);
    if (e.value) setChannels(e.value);
    else void load(api);
    return () => void e.listeners.delete(setChannels);
  }, [api]);
  return channels;
}

/** A number's short name for a row: its name, else its display number. */
export function channelShortName(c: Pick<Channel, "name" | "display_phone_number">): string {
  return c.name?.trim() || c.display_phone_number;
}
