import { useEffect, useState } from "react";
import { useAuth } from "../auth/AuthProvider";
import type { DripView } from "./types";

/**
 * The tenant's drip sequences (`GET /campaigns?type=drip`), loaded once when
 * `enabled`: for the pickers that enrol contacts (flow node, automation
 * action). Null while loading; an empty list when they could not be read.
 */
export function useSequences(enabled = true): DripView[] | null {
  const { api } = useAuth();
  const [list, setList] = useState<DripView[] | null>(null);
  useEffect(() => {
    if (!enabled || list !== null) return;
    let live = true;
    api
      .get<{ data: DripView[] }>("/campaigns", { type: "drip" })
      .then((res) => live && setList((Array.isArray(res?.data) ? res.data : []).filter((d) => d.type === "drip")))
      .catch(() => live && setList([]));
    return () => {
      live = false;
    };
  }, [api, enabled, list]);
  return list;
}
