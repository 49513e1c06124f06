import { useEffect, useRef, type RefObject } from "react";

/**
 * Closes a popover (menu, picker) the way people expect: a press outside
 * `box` or the Escape key calls `onDismiss`, while `active`. The press that
 * opened it does not count (listening starts on the next tick).
 */
export function useDismiss(box: RefObject<HTMLElement | null>, active: boolean, onDismiss: () => void) {
  // The latest callback, without re-subscribing on every render.
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  useEffect(() => {
    if (!active) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) dismiss.current();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") dismiss.current();
    };
    const timer = window.setTimeout(() => document.addEventListener("mousedown", onDown), 0);
    document.addEventListener("keydown", onKey);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [box, active]);
}
